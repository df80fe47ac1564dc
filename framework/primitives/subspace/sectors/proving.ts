/**
 * Proving (`crates/subspace-farmer-components/src/{proving,reading}.rs`): turn an audit's
 * candidates into solutions. For a winning chunk of record o: rebuild o's PoS table, read the
 * record's stored chunks (unmasking encoded ones with their proofs' hashes), recover the record
 * polynomial from those NUM_S_BUCKETS / 2 values, and open it at ω_{NUM_S_BUCKETS}^{s-bucket}.
 * Only encoded (masked) chunks can win: an unencoded chunk has no PoS proof at its s-bucket.
 */
import { blake3 } from "../../../crypto/index.ts";
import { isCanonicalScalar, scalarFromBytes } from "../core/scalar.ts";
import type { Kzg, Polynomial } from "../kzg/index.ts";
import { createTables, findProof, DEFAULT_POS_K, type PosTables, type PosTablesCache } from "../pos/index.ts";
import { RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, SCALAR_FULL_BYTES } from "../profile/index.ts";
import type { AuditResult, SectorReader } from "./auditing.ts";
import {
  RECORD_METADATA_SIZE, SectorContentsMap, contentsMapSize, readRecordMetadata, recordMetadataOffset, sBucketOffsets,
  type SectorMetadata,
} from "./layout.ts";
import { recoverSourceValues } from "./recovery.ts";
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
 * `read_sector_record_chunks`: the record's NUM_S_BUCKETS values (null where the sector keeps no
 * chunk), encoded ones unmasked with the PoS proofs of `tables`.
 */
export function readRecordChunks(
  pieceOffset: number,
  metadata: SectorMetadata,
  contentsMap: SectorContentsMap,
  tables: PosTables,
  read: SectorReader,
): (bigint | null)[] {
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
  const values = new Array<bigint | null>(RECORD_NUM_S_BUCKETS).fill(null);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
    const st = states[s]!;
    if (st < 0) continue;
    const chunk = read(base + (offsets[s]! + before[s]!) * SCALAR_FULL_BYTES, SCALAR_FULL_BYTES).slice();
    if (st === 1) {
      const proof = findProof(tables, s);
      if (proof === undefined) throw new ProvingError("PROVING_ERROR_MISSING_POS_PROOF", `no PoS proof for encoded s-bucket ${s} of record ${pieceOffset}`);
      const mask = blake3(proof);
      for (let i = 0; i < SCALAR_FULL_BYTES; i++) chunk[i]! ^= mask[i]!;
    }
    if (!isCanonicalScalar(chunk)) throw new ProvingError("PROVING_ERROR_INVALID_CHUNK", `chunk at s-bucket ${s} of record ${pieceOffset} is not a scalar`);
    values[s] = scalarFromBytes(chunk);
  }
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
  readonly values: readonly (bigint | null)[];
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
  const values = readRecordChunks(pieceOffset, metadata, contentsMap, tables, read);
  let source: bigint[];
  try {
    source = recoverSourceValues(values);
  } catch (e) {
    throw new ProvingError("PROVING_ERROR_RECOVERY", `record ${pieceOffset}: ${(e as Error).message}`);
  }
  if (source.length !== RECORD_NUM_CHUNKS) throw new ProvingError("PROVING_ERROR_RECOVERY", "recovered record has the wrong size");
  const proved = { tables, values, polynomial: o.kzg.poly(source) };
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
  const value = record.values[sBucket];
  if (value === null || value === undefined) throw new ProvingError("PROVING_ERROR_NOT_A_CANDIDATE", `record ${pieceOffset} keeps no chunk at s-bucket ${sBucket}`);
  const proofOfSpace = findProof(record.tables, sBucket);
  if (proofOfSpace === undefined) throw new ProvingError("PROVING_ERROR_MISSING_POS_PROOF", `no PoS proof for s-bucket ${sBucket}`);
  const chunk = new Uint8Array(SCALAR_FULL_BYTES);
  let v = value;
  for (let i = SCALAR_FULL_BYTES - 1; i >= 0; i--) {
    chunk[i] = Number(v & 0xffn);
    v >>= 8n;
  }
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
