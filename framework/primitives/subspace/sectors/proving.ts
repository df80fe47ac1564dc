/**
 * Proving (`crates/subspace-farmer-components/src/{proving,reading}.rs`): turn an audit's
 * candidates into solutions. For a winning chunk of record o: rebuild o's PoS table, read the
 * record's stored chunks (unmasking encoded ones with their proofs' hashes), recover the record
 * polynomial from those NUM_S_BUCKETS / 2 values, and open it at ω_{NUM_S_BUCKETS}^{s-bucket}.
 * Only encoded (masked) chunks can win: an unencoded chunk has no PoS proof at its s-bucket.
 *
 * A record's first proof stays in bytes and WASM memory: chunks are read (nearby ones merged into
 * one read) and unmasked in one buffer, recovered from big-endian bytes (`recoverSourceBytes`) and
 * committed from bytes (`polyFromScalarBytes`, a permutation); no bigint on the way.
 *
 * PERF (K = 20, 4-piece sector, `npm run bench -- farmer`, 2 loaded cores): read + unmask 86 → 28 ms
 * (proof look-ups without allocation or bit-by-bit packing, merged reads, no bigint), the KZG step
 * 69 → 52 ms (no bigint conversion), the recovery's share now mostly its per-record plan (the zero
 * polynomial of the 4,096 missing points, ≈ 30–40 ms warm); one cold proof 1,119 → ≈ 920 ms, of
 * which the PoS table ≈ 780 ms. Hashing the proofs: hash-wasm ≈ 1.8 µs per 160-byte proof against
 * ≈ 6 µs for @noble/hashes.
 */
import { blake3 } from "../../../crypto/index.ts";
import { isCanonicalScalar, scalarFromBytes } from "../core/scalar.ts";
import type { Kzg, Polynomial } from "../kzg/index.ts";
import { createTables, findProof, proofSize, DEFAULT_POS_K, type PosTables, type PosTablesCache } from "../pos/index.ts";
import { findProofInto } from "../pos/tables.ts";
import { RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, SCALAR_FULL_BYTES } from "../profile/index.ts";
import type { AuditResult, SectorReader } from "./auditing.ts";
import {
  RECORD_METADATA_SIZE, SectorContentsMap, contentsMapSize, readRecordMetadata, recordMetadataOffset, sBucketOffsets,
  type SectorMetadata,
} from "./layout.ts";
import { recoverSourceBytes } from "./recovery.ts";
import { evaluationSeed } from "./sector.ts";
import type { Solution } from "./solution.ts";

export type ProvingErrorCode =
  | "PROVING_ERROR_MISSING_POS_PROOF"
  | "PROVING_ERROR_INVALID_CHUNK"
  | "PROVING_ERROR_NOT_A_CANDIDATE"
  | "PROVING_ERROR_RECOVERY";

export class ProvingError extends Error {
  constructor(
    readonly code: ProvingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A candidate that maps to an encoded chunk of a record. */
export interface WinningChunk {
  readonly chunkOffset: number;
  readonly pieceOffset: number;
  readonly distance: bigint;
}

/** The candidates of an audit that are encoded chunks, with their records (best first). */
export function winningChunksOf(audit: AuditResult, contentsMap: SectorContentsMap): WinningChunk[] {
  const { pieceOffsets, encoded } = contentsMap.sBucketRecords(audit.sBucket);
  const out: WinningChunk[] = [];
  for (const c of audit.candidates) {
    if (c.chunkOffset >= pieceOffsets.length) throw new ProvingError("PROVING_ERROR_NOT_A_CANDIDATE", `chunk ${c.chunkOffset} is outside the s-bucket`);
    if (encoded[c.chunkOffset]) out.push({ chunkOffset: c.chunkOffset, pieceOffset: pieceOffsets[c.chunkOffset]!, distance: c.distance });
  }
  return out;
}

/**
 * A record's chunks as a sector keeps them, in bytes: `RECORD_NUM_S_BUCKETS` 32-byte big-endian
 * scalars (encoded ones unmasked), one per s-bucket, zero where the sector keeps no chunk.
 */
export interface RecordChunks {
  /** RECORD_NUM_S_BUCKETS × 32 bytes, chunk of s-bucket s at s·32. */
  readonly bytes: Uint8Array;
  /** 1 at the s-buckets whose chunk the sector keeps, 0 elsewhere. */
  readonly present: Uint8Array;
}

/** Chunk reads closer than this are merged into one read (the bytes between are read and dropped). */
const READ_MERGE_GAP = 4096;
/** Longest merged read. */
const READ_MAX_SPAN = 1 << 20;

/**
 * `read_sector_record_chunks` into bytes: the record's chunks (encoded ones unmasked with the
 * blake3 of their PoS proofs in `tables`), with nothing allocated per chunk and no bigint. Throws
 * `PROVING_ERROR_MISSING_POS_PROOF` for an encoded chunk without a proof and
 * `PROVING_ERROR_INVALID_CHUNK` for a chunk that is not a canonical scalar, at the first such
 * s-bucket.
 *
 * A record's chunks lie one per s-bucket across the whole sector; reads of nearby chunks (small
 * sectors keep few chunks per s-bucket) are merged, so a small sector costs a handful of reads
 * rather than one per chunk.
 */
export function readRecordChunkBytes(
  pieceOffset: number,
  metadata: SectorMetadata,
  contentsMap: SectorContentsMap,
  tables: PosTables,
  read: SectorReader,
  /** Merge reads of chunks at most this many bytes apart (negative: one read per chunk). */
  mergeGap = READ_MERGE_GAP,
): RecordChunks {
  const n = metadata.piecesInSector;
  // Chunks of earlier records in each s-bucket come first.
  const before = new Uint16Array(RECORD_NUM_S_BUCKETS);
  const states = new Int8Array(RECORD_NUM_S_BUCKETS);
  for (let q = 0; q < pieceOffset; q++) {
    contentsMap.recordChunkStates(q, states);
    for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) if (states[s]! >= 0) before[s]!++;
  }
  contentsMap.recordChunkStates(pieceOffset, states);
  const offsets = sBucketOffsets(metadata.sBucketSizes);
  const base = contentsMapSize(n);
  const bytes = new Uint8Array(RECORD_NUM_S_BUCKETS * SCALAR_FULL_BYTES);
  const present = new Uint8Array(RECORD_NUM_S_BUCKETS);
  // Sector offsets of the kept chunks, increasing with s (s-buckets are laid out in order).
  const kept: number[] = [];
  const at = new Float64Array(RECORD_NUM_S_BUCKETS);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
    if (states[s]! < 0) continue;
    present[s] = 1;
    kept.push(s);
    at[s] = base + (offsets[s]! + before[s]!) * SCALAR_FULL_BYTES;
  }
  for (let i = 0; i < kept.length; ) {
    const start = at[kept[i]!]!;
    let j = i + 1;
    while (j < kept.length) {
      const next = at[kept[j]!]!;
      if (next - (at[kept[j - 1]!]! + SCALAR_FULL_BYTES) > mergeGap || next + SCALAR_FULL_BYTES - start > READ_MAX_SPAN) break;
      j++;
    }
    const end = at[kept[j - 1]!]! + SCALAR_FULL_BYTES;
    const span = read(start, end - start);
    for (let q = i; q < j; q++) {
      const s = kept[q]!;
      const from = at[s]! - start;
      bytes.set(span.subarray(from, from + SCALAR_FULL_BYTES), s * SCALAR_FULL_BYTES);
    }
    i = j;
  }
  const proof = new Uint8Array(proofSize(tables.k));
  for (const s of kept) {
    const o = s * SCALAR_FULL_BYTES;
    if (states[s] === 1) {
      if (!findProofInto(tables, s, proof)) throw new ProvingError("PROVING_ERROR_MISSING_POS_PROOF", `no PoS proof for encoded s-bucket ${s} of record ${pieceOffset}`);
      const mask = blake3(proof);
      for (let i = 0; i < SCALAR_FULL_BYTES; i++) bytes[o + i]! ^= mask[i]!;
    }
    if (!isCanonicalScalar(bytes, o)) throw new ProvingError("PROVING_ERROR_INVALID_CHUNK", `chunk at s-bucket ${s} of record ${pieceOffset} is not a scalar`);
  }
  return { bytes, present };
}

/**
 * `read_sector_record_chunks` as bigints: the record's NUM_S_BUCKETS values (null where the sector
 * keeps no chunk), encoded ones unmasked with the PoS proofs of `tables` (`readRecordChunkBytes`).
 */
export function readRecordChunks(
  pieceOffset: number,
  metadata: SectorMetadata,
  contentsMap: SectorContentsMap,
  tables: PosTables,
  read: SectorReader,
): (bigint | null)[] {
  const { bytes, present } = readRecordChunkBytes(pieceOffset, metadata, contentsMap, tables, read);
  const values = new Array<bigint | null>(RECORD_NUM_S_BUCKETS).fill(null);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) if (present[s]) values[s] = scalarFromBytes(bytes, s * SCALAR_FULL_BYTES);
  return values;
}

export interface ProvingOptions {
  readonly publicKey: Uint8Array;
  readonly rewardAddress: Uint8Array;
  readonly kzg: Kzg;
  readonly posK?: number;
  readonly posCache?: PosTablesCache;
  /**
   * Keeps each proved record's table, values and polynomial, keyed by sector index and piece
   * offset, so later slots hitting the same record skip the rebuild (bounded by the caller).
   */
  readonly recordCache?: Map<string, ProvedRecord>;
}

export interface ProvedRecord {
  readonly tables: PosTables;
  /** The record's chunks as the sector keeps them (unmasked), per s-bucket. */
  readonly chunks: RecordChunks;
  readonly polynomial: Polynomial;
}

/** Rebuilds what proving needs of one record. */
export function proveRecord(
  o: ProvingOptions,
  sectorId: Uint8Array,
  pieceOffset: number,
  metadata: SectorMetadata,
  contentsMap: SectorContentsMap,
  read: SectorReader,
): ProvedRecord {
  const key = `${metadata.sectorIndex}:${metadata.historySize}:${pieceOffset}`;
  const cached = o.recordCache?.get(key);
  if (cached !== undefined) return cached;
  const tables = createTables(evaluationSeed(sectorId, pieceOffset), o.posK ?? DEFAULT_POS_K, o.posCache);
  const chunks = readRecordChunkBytes(pieceOffset, metadata, contentsMap, tables, read);
  let source: Uint8Array;
  try {
    source = recoverSourceBytes(chunks.bytes, chunks.present);
  } catch (e) {
    throw new ProvingError("PROVING_ERROR_RECOVERY", `record ${pieceOffset}: ${(e as Error).message}`);
  }
  if (source.length !== RECORD_NUM_CHUNKS * SCALAR_FULL_BYTES) throw new ProvingError("PROVING_ERROR_RECOVERY", "recovered record has the wrong size");
  const proved: ProvedRecord = { tables, chunks, polynomial: o.kzg.polyFromScalarBytes(source) };
  o.recordCache?.set(key, proved);
  return proved;
}

/** Proves one winning chunk of an audited sector. */
export function proveWinningChunk(
  o: ProvingOptions,
  audit: AuditResult,
  metadata: SectorMetadata,
  contentsMap: SectorContentsMap,
  read: SectorReader,
  winning: WinningChunk,
): Solution {
  const { pieceOffset } = winning;
  const sBucket = audit.sBucket;
  const record = proveRecord(o, audit.sectorId, pieceOffset, metadata, contentsMap, read);
  if (!record.chunks.present[sBucket]) throw new ProvingError("PROVING_ERROR_NOT_A_CANDIDATE", `record ${pieceOffset} keeps no chunk at s-bucket ${sBucket}`);
  const proofOfSpace = findProof(record.tables, sBucket);
  if (proofOfSpace === undefined) throw new ProvingError("PROVING_ERROR_MISSING_POS_PROOF", `no PoS proof for s-bucket ${sBucket}`);
  const chunk = record.chunks.bytes.slice(sBucket * SCALAR_FULL_BYTES, (sBucket + 1) * SCALAR_FULL_BYTES);
  const chunkWitness = o.kzg.createWitness(record.polynomial, RECORD_NUM_S_BUCKETS, sBucket);
  const rm = readRecordMetadata(read(recordMetadataOffset(metadata.piecesInSector, pieceOffset), RECORD_METADATA_SIZE).slice());
  return {
    publicKey: o.publicKey,
    rewardAddress: o.rewardAddress,
    sectorIndex: metadata.sectorIndex,
    historySize: metadata.historySize,
    pieceOffset,
    recordCommitment: rm.commitment,
    recordWitness: rm.witness,
    chunk,
    chunkWitness,
    proofOfSpace,
  };
}

/** All solutions of an audit, best first (`SolutionCandidates::into_solutions`). */
export function proveAudit(
  o: ProvingOptions,
  audit: AuditResult,
  metadata: SectorMetadata,
  read: SectorReader,
  contentsMap: SectorContentsMap = SectorContentsMap.fromBytes(read(0, contentsMapSize(metadata.piecesInSector)).slice(), metadata.piecesInSector),
  /** Prove at most this many (best first): a farmer needs one solution per slot. */
  limit = Infinity,
): Solution[] {
  return winningChunksOf(audit, contentsMap).slice(0, limit).map((w) => proveWinningChunk(o, audit, metadata, contentsMap, read, w));
}
