/**
 * Plotting one sector (`crates/subspace-farmer-components/src/plotting.rs`: `record_encoding`,
 * `encode_sector`, `write_sector`), pure: the caller supplies the pieces (already fetched and
 * checked against segment commitments) in piece-offset order.
 *
 * Per record at offset o: build the PoS table from `evaluation_seed(o)`, erasure-extend the
 * record's RECORD_NUM_CHUNKS chunks to NUM_S_BUCKETS (s-bucket 2j = source chunk j, 2j+1 = parity
 * chunk j), and for the lowest s-buckets that have a proof (at most RECORD_NUM_CHUNKS of them)
 * keep `chunk XOR blake3(proof)` and set the s-bucket's bit; if there were fewer proofs, keep the
 * first proof-less s-buckets' chunks unmasked until the record has RECORD_NUM_CHUNKS chunks.
 *
 * The PoS K is a parameter (the profile's DEFAULT_POS_K, 20, unless a test asks for less).
 */
import { blake3 } from "../../../crypto/index.ts";
import { ErasureCoding } from "../erasure-coding/index.ts";
import { scalarFromBytes, writeScalar } from "../core/scalar.ts";
import { createTables, findProof, DEFAULT_POS_K, type PosTablesCache } from "../pos/index.ts";
import {
  PIECE_SIZE, RECORD_COMMITMENT_SIZE, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, RECORD_SIZE, RECORD_WITNESS_SIZE, SCALAR_FULL_BYTES,
} from "../profile/index.ts";
import {
  BLAKE3_HASH_SIZE, RECORD_BITFIELD_SIZE, RECORD_METADATA_SIZE, SectorContentsMap, contentsMapSize, encodeSectorMetadata,
  sectorRecordChunksSize, sectorSize, type SectorMetadata,
} from "./layout.ts";
import { evaluationSeed, sectorIdFromPublicKey, SectorError } from "./sector.ts";

export interface RecordEncodingOptions {
  /** PoS K (default DEFAULT_POS_K = 20). */
  readonly posK?: number;
  readonly posCache?: PosTablesCache;
  readonly erasureCoding?: ErasureCoding;
}

/** One record as plotted, before it is spread over the s-buckets. */
export interface EncodedRecord {
  /** RECORD_NUM_CHUNKS chunks: the encoded ones in s-bucket order, then the unencoded ones. */
  readonly chunks: Uint8Array;
  /** The record's contents-map bitfield (RECORD_BITFIELD_SIZE bytes). */
  readonly bitfield: Uint8Array;
  readonly numEncoded: number;
}

let sBucketErasureCoding: ErasureCoding | undefined;
/** Erasure coding over NUM_S_BUCKETS shards (`ErasureCoding::new(log2(NUM_S_BUCKETS))`). */
export const recordErasureCoding = (): ErasureCoding => (sBucketErasureCoding ??= new ErasureCoding(Math.log2(RECORD_NUM_S_BUCKETS)));

/** All NUM_S_BUCKETS values of a record (source and parity interleaved), 32 bytes each. */
export function extendRecord(record: Uint8Array, ec: ErasureCoding = recordErasureCoding()): Uint8Array {
  if (record.length !== RECORD_SIZE) throw new SectorError("SECTOR_ERROR_RANGE", `record must be ${RECORD_SIZE} bytes`);
  const source = new Array<bigint>(RECORD_NUM_CHUNKS);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) source[j] = scalarFromBytes(record, j * SCALAR_FULL_BYTES);
  const parity = ec.extend(source);
  const out = new Uint8Array(RECORD_NUM_S_BUCKETS * SCALAR_FULL_BYTES);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
    out.set(record.subarray(j * SCALAR_FULL_BYTES, (j + 1) * SCALAR_FULL_BYTES), 2 * j * SCALAR_FULL_BYTES);
    writeScalar(out, (2 * j + 1) * SCALAR_FULL_BYTES, parity[j]!);
  }
  return out;
}

/** `record_encoding`: the chunks a sector keeps of one record, given its PoS seed. */
export function encodeRecord(posSeed: Uint8Array, record: Uint8Array, options: RecordEncodingOptions = {}): EncodedRecord {
  const tables = createTables(posSeed, options.posK ?? DEFAULT_POS_K, options.posCache);
  const extended = extendRecord(record, options.erasureCoding);
  const chunks = new Uint8Array(RECORD_SIZE);
  const bitfield = new Uint8Array(RECORD_BITFIELD_SIZE);
  let numEncoded = 0;
  for (let s = 0; s < RECORD_NUM_S_BUCKETS && numEncoded < RECORD_NUM_CHUNKS; s++) {
    const proof = findProof(tables, s);
    if (proof === undefined) continue;
    const mask = blake3(proof);
    const src = s * SCALAR_FULL_BYTES;
    const dst = numEncoded * SCALAR_FULL_BYTES;
    for (let i = 0; i < SCALAR_FULL_BYTES; i++) chunks[dst + i] = extended[src + i]! ^ mask[i]!;
    bitfield[s >>> 3]! |= 1 << (s & 7);
    numEncoded++;
  }
  let filled = numEncoded;
  for (let s = 0; s < RECORD_NUM_S_BUCKETS && filled < RECORD_NUM_CHUNKS; s++) {
    if ((bitfield[s >>> 3]! & (1 << (s & 7))) !== 0) continue;
    chunks.set(extended.subarray(s * SCALAR_FULL_BYTES, (s + 1) * SCALAR_FULL_BYTES), filled * SCALAR_FULL_BYTES);
    filled++;
  }
  return { chunks, bitfield, numEncoded };
}

/**
 * `write_sector`: contents map, chunks grouped by s-bucket, record metadata from the pieces
 * (commitment ‖ witness ‖ blake3(piece)), and the sector checksum. Returns the sector bytes and
 * the s-bucket sizes for the sector metadata.
 */
export function writeSector(records: readonly EncodedRecord[], pieces: readonly Uint8Array[]): { sector: Uint8Array; sBucketSizes: Uint16Array } {
  const n = records.length;
  if (pieces.length !== n) throw new SectorError("SECTOR_ERROR_RANGE", "one piece per encoded record");
  const bitfields = new Uint8Array(n * RECORD_BITFIELD_SIZE);
  records.forEach((r, p) => bitfields.set(r.bitfield, p * RECORD_BITFIELD_SIZE));
  const map = new SectorContentsMap(n, bitfields);
  // Per record and s-bucket: index of the chunk in the record's `chunks`, or −1.
  const chunkIndex = new Int16Array(n * RECORD_NUM_S_BUCKETS);
  const states = new Int8Array(RECORD_NUM_S_BUCKETS);
  const sBucketSizes = new Uint16Array(RECORD_NUM_S_BUCKETS);
  for (let p = 0; p < n; p++) {
    map.recordChunkStates(p, states);
    let encodedCursor = 0;
    let unencodedCursor = map.numEncoded[p]!;
    const base = p * RECORD_NUM_S_BUCKETS;
    for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
      const st = states[s]!;
      if (st < 0) chunkIndex[base + s] = -1;
      else {
        chunkIndex[base + s] = st === 1 ? encodedCursor++ : unencodedCursor++;
        sBucketSizes[s]!++;
      }
    }
  }
  const sector = new Uint8Array(sectorSize(n));
  sector.set(map.encode(), 0);
  let out = contentsMapSize(n);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
    for (let p = 0; p < n; p++) {
      const idx = chunkIndex[p * RECORD_NUM_S_BUCKETS + s]!;
      if (idx < 0) continue;
      sector.set(records[p]!.chunks.subarray(idx * SCALAR_FULL_BYTES, (idx + 1) * SCALAR_FULL_BYTES), out);
      out += SCALAR_FULL_BYTES;
    }
  }
  let meta = contentsMapSize(n) + sectorRecordChunksSize(n);
  for (const piece of pieces) {
    if (piece.length !== PIECE_SIZE) throw new SectorError("SECTOR_ERROR_RANGE", `piece must be ${PIECE_SIZE} bytes`);
    sector.set(piece.subarray(RECORD_SIZE, RECORD_SIZE + RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE), meta);
    sector.set(blake3(piece), meta + RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE);
    meta += RECORD_METADATA_SIZE;
  }
  const end = sector.length - BLAKE3_HASH_SIZE;
  sector.set(blake3(sector.subarray(0, end)), end);
  return { sector, sBucketSizes };
}

export interface PlotSectorOptions extends RecordEncodingOptions {
  readonly publicKey: Uint8Array;
  readonly sectorIndex: number;
  readonly historySize: bigint;
  /** The sector's pieces, in piece-offset order (pieces_in_sector of them). */
  readonly pieces: readonly Uint8Array[];
  /** Called after each record is encoded. */
  readonly onProgress?: (recordsDone: number, recordsTotal: number) => void;
}

export interface PlottedSector {
  readonly sectorId: Uint8Array;
  readonly sector: Uint8Array;
  readonly metadata: SectorMetadata;
  /** `SectorMetadataChecksummed` SCALE bytes. */
  readonly metadataBytes: Uint8Array;
}

/** `encode_sector` + `write_sector` in this thread. */
export function plotSector(o: PlotSectorOptions): PlottedSector {
  const n = o.pieces.length;
  if (n < 1 || n > 0xffff) throw new SectorError("SECTOR_ERROR_RANGE", `pieces in sector ${n} is not in 1..65535`);
  const sectorId = sectorIdFromPublicKey(o.publicKey, o.sectorIndex, o.historySize);
  const records: EncodedRecord[] = [];
  for (let p = 0; p < n; p++) {
    const piece = o.pieces[p]!;
    if (piece.length !== PIECE_SIZE) throw new SectorError("SECTOR_ERROR_RANGE", `piece must be ${PIECE_SIZE} bytes`);
    records.push(encodeRecord(evaluationSeed(sectorId, p), piece.subarray(0, RECORD_SIZE), o));
    o.onProgress?.(p + 1, n);
  }
  const { sector, sBucketSizes } = writeSector(records, o.pieces);
  const metadata: SectorMetadata = { sectorIndex: o.sectorIndex, piecesInSector: n, sBucketSizes, historySize: o.historySize };
  return { sectorId, sector, metadata, metadataBytes: encodeSectorMetadata(metadata) };
}
