/**
 * The plotted sector's byte layout and its metadata (`crates/subspace-farmer-components/src/sector.rs`).
 *
 * A sector is, in order:
 * 1. the contents map: per record a bitfield of NUM_S_BUCKETS bits (bitvec `Lsb0`: s-bucket s is
 *    bit s % 8 of byte s / 8), set where the stored chunk is encoded (masked with its PoS proof
 *    hash), then blake3 of all bitfields;
 * 2. the chunks, grouped by s-bucket: for s-bucket 0, 1, …, the chunk of every record that stores
 *    one there, in piece-offset order, 32 bytes each (pieces × RECORD_NUM_CHUNKS chunks in all);
 * 3. per record: commitment (48) ‖ witness (48) ‖ blake3(piece) (32);
 * 4. blake3 of everything before it.
 *
 * `SectorMetadataChecksummed` is SCALE `{sector_index u16, pieces_in_sector u16,
 * s_bucket_sizes [u16; NUM_S_BUCKETS], history_size u64}` followed by blake3 of that encoding.
 * Ours is 16,428 bytes (mainnet 131,116); a sector of 1,000 pieces is 132,224,064 bytes (mainnet
 * 1,056,896,064).
 */
import { blake3 } from "../../../crypto/index.ts";
import { equalBytes } from "../../../codec/bytes.ts";
import {
  RECORD_COMMITMENT_SIZE, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, RECORD_SIZE, RECORD_WITNESS_SIZE, SCALAR_FULL_BYTES,
} from "../profile/index.ts";

export const BLAKE3_HASH_SIZE = 32;
/** One record's bitfield: NUM_S_BUCKETS bits. */
export const RECORD_BITFIELD_SIZE = RECORD_NUM_S_BUCKETS / 8;
/** `RecordMetadata::encoded_size()`: commitment ‖ witness ‖ piece checksum. */
export const RECORD_METADATA_SIZE = RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE + BLAKE3_HASH_SIZE;

export const contentsMapSize = (piecesInSector: number): number => RECORD_BITFIELD_SIZE * piecesInSector + BLAKE3_HASH_SIZE;
export const sectorRecordChunksSize = (piecesInSector: number): number => piecesInSector * RECORD_SIZE;
export const sectorRecordMetadataSize = (piecesInSector: number): number => piecesInSector * RECORD_METADATA_SIZE;
/** `sector_size`: contents map + chunks + record metadata + checksum. */
export const sectorSize = (piecesInSector: number): number =>
  contentsMapSize(piecesInSector) + sectorRecordChunksSize(piecesInSector) + sectorRecordMetadataSize(piecesInSector) + BLAKE3_HASH_SIZE;
/** Offset of the record metadata region. */
export const recordMetadataOffset = (piecesInSector: number, pieceOffset: number): number =>
  contentsMapSize(piecesInSector) + sectorRecordChunksSize(piecesInSector) + pieceOffset * RECORD_METADATA_SIZE;

export type SectorLayoutErrorCode =
  | "SECTOR_LAYOUT_ERROR_SIZE"
  | "SECTOR_LAYOUT_ERROR_CHECKSUM"
  | "SECTOR_LAYOUT_ERROR_TOO_MANY_ENCODED_CHUNKS"
  | "SECTOR_LAYOUT_ERROR_S_BUCKET_RANGE";

export class SectorLayoutError extends Error {
  constructor(
    readonly code: SectorLayoutErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// ---- contents map --------------------------------------------------------------------------

/** Population count of a byte, for counting set bits without per-bit loops. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let c = 0;
  for (let v = i; v; v &= v - 1) c++;
  return c;
});

/**
 * `SectorContentsMap`: which s-buckets of each record hold an encoded chunk; the unencoded chunks a
 * record keeps (when it has fewer than RECORD_NUM_CHUNKS proofs) are the first proof-less s-buckets.
 */
export class SectorContentsMap {
  /** piecesInSector bitfields of RECORD_BITFIELD_SIZE bytes, back to back. */
  readonly bitfields: Uint8Array;
  /** Encoded chunks per record. */
  readonly numEncoded: Uint16Array;

  constructor(
    readonly piecesInSector: number,
    bitfields?: Uint8Array,
  ) {
    this.bitfields = bitfields ?? new Uint8Array(piecesInSector * RECORD_BITFIELD_SIZE);
    if (this.bitfields.length !== piecesInSector * RECORD_BITFIELD_SIZE) {
      throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_SIZE", "bitfields do not match pieces in sector");
    }
    this.numEncoded = new Uint16Array(piecesInSector);
    for (let p = 0; p < piecesInSector; p++) this.recount(p);
  }

  static encodedSize = contentsMapSize;

  /** `SectorContentsMap::from_bytes`: checks length, checksum and the encoded-chunk bound. */
  static fromBytes(bytes: Uint8Array, piecesInSector: number): SectorContentsMap {
    const size = contentsMapSize(piecesInSector);
    if (bytes.length !== size) throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_SIZE", `contents map must be ${size} bytes, got ${bytes.length}`);
    const body = bytes.subarray(0, size - BLAKE3_HASH_SIZE);
    if (!equalBytes(blake3(body), bytes.subarray(size - BLAKE3_HASH_SIZE))) {
      throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_CHECKSUM", "contents map checksum mismatch");
    }
    const map = new SectorContentsMap(piecesInSector, body.slice());
    for (let p = 0; p < piecesInSector; p++) {
      if (map.numEncoded[p]! > RECORD_NUM_CHUNKS) {
        throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_TOO_MANY_ENCODED_CHUNKS", `record ${p} has ${map.numEncoded[p]} encoded chunks`);
      }
    }
    return map;
  }

  /** Bitfields followed by their blake3. */
  encode(): Uint8Array {
    const out = new Uint8Array(contentsMapSize(this.piecesInSector));
    out.set(this.bitfields, 0);
    out.set(blake3(this.bitfields), this.bitfields.length);
    return out;
  }

  bitfield(pieceOffset: number): Uint8Array {
    return this.bitfields.subarray(pieceOffset * RECORD_BITFIELD_SIZE, (pieceOffset + 1) * RECORD_BITFIELD_SIZE);
  }

  /** Recounts a record's encoded chunks after its bitfield was written. */
  recount(pieceOffset: number): void {
    const bf = this.bitfield(pieceOffset);
    let c = 0;
    for (let i = 0; i < bf.length; i++) c += POPCOUNT[bf[i]!]!;
    this.numEncoded[pieceOffset] = c;
  }

  isEncoded(pieceOffset: number, sBucket: number): boolean {
    return (this.bitfields[pieceOffset * RECORD_BITFIELD_SIZE + (sBucket >>> 3)]! & (1 << (sBucket & 7))) !== 0;
  }

  /**
   * Per s-bucket state of one record: 1 encoded chunk, 0 unencoded chunk, −1 none
   * (`record_has_s_bucket_chunk` for every s-bucket at once).
   */
  recordChunkStates(pieceOffset: number, out: Int8Array = new Int8Array(RECORD_NUM_S_BUCKETS)): Int8Array {
    let unencodedLeft = RECORD_NUM_CHUNKS - this.numEncoded[pieceOffset]!;
    const base = pieceOffset * RECORD_BITFIELD_SIZE;
    for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
      if ((this.bitfields[base + (s >>> 3)]! & (1 << (s & 7))) !== 0) out[s] = 1;
      else if (unencodedLeft > 0) {
        out[s] = 0;
        unencodedLeft--;
      } else out[s] = -1;
    }
    return out;
  }

  /** `s_bucket_sizes`: how many records store a chunk in each s-bucket. */
  sBucketSizes(): Uint16Array {
    const sizes = new Uint16Array(RECORD_NUM_S_BUCKETS);
    const states = new Int8Array(RECORD_NUM_S_BUCKETS);
    for (let p = 0; p < this.piecesInSector; p++) {
      this.recordChunkStates(p, states);
      for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) if (states[s]! >= 0) sizes[s]!++;
    }
    return sizes;
  }

  /** `iter_s_bucket_records`: the records with a chunk in `sBucket`, in piece-offset order, and whether each is encoded. */
  sBucketRecords(sBucket: number): { pieceOffsets: number[]; encoded: boolean[] } {
    if (!Number.isInteger(sBucket) || sBucket < 0 || sBucket >= RECORD_NUM_S_BUCKETS) {
      throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_S_BUCKET_RANGE", `s-bucket ${sBucket} out of range`);
    }
    const pieceOffsets: number[] = [];
    const encoded: boolean[] = [];
    const byte = sBucket >>> 3;
    const mask = 1 << (sBucket & 7);
    for (let p = 0; p < this.piecesInSector; p++) {
      const base = p * RECORD_BITFIELD_SIZE;
      if ((this.bitfields[base + byte]! & mask) !== 0) {
        pieceOffsets.push(p);
        encoded.push(true);
        continue;
      }
      const unencodedTotal = RECORD_NUM_CHUNKS - this.numEncoded[p]!;
      if (unencodedTotal === 0) continue;
      let encodedBefore = 0;
      for (let i = 0; i < byte; i++) encodedBefore += POPCOUNT[this.bitfields[base + i]!]!;
      encodedBefore += POPCOUNT[this.bitfields[base + byte]! & (mask - 1)]!;
      if (sBucket - encodedBefore < unencodedTotal) {
        pieceOffsets.push(p);
        encoded.push(false);
      }
    }
    return { pieceOffsets, encoded };
  }
}

// ---- sector metadata -----------------------------------------------------------------------

/** `SectorMetadata`. */
export interface SectorMetadata {
  readonly sectorIndex: number;
  readonly piecesInSector: number;
  /** Chunks stored per s-bucket (NUM_S_BUCKETS entries). */
  readonly sBucketSizes: Uint16Array;
  readonly historySize: bigint;
}

/** Encoded size of `SectorMetadataChecksummed` (value + blake3). */
export const SECTOR_METADATA_SIZE = 2 + 2 + 2 * RECORD_NUM_S_BUCKETS + 8 + BLAKE3_HASH_SIZE;

/** SCALE of `SectorMetadataChecksummed`: the fields, then blake3 of their encoding. */
export function encodeSectorMetadata(m: SectorMetadata): Uint8Array {
  if (m.sBucketSizes.length !== RECORD_NUM_S_BUCKETS) throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_SIZE", "s-bucket sizes length");
  const out = new Uint8Array(SECTOR_METADATA_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, m.sectorIndex, true);
  v.setUint16(2, m.piecesInSector, true);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) v.setUint16(4 + 2 * s, m.sBucketSizes[s]!, true);
  const h = 4 + 2 * RECORD_NUM_S_BUCKETS;
  v.setBigUint64(h, m.historySize, true);
  out.set(blake3(out.subarray(0, h + 8)), h + 8);
  return out;
}

/** Decodes `SectorMetadataChecksummed`, checking the checksum. */
export function decodeSectorMetadata(bytes: Uint8Array): SectorMetadata {
  if (bytes.length !== SECTOR_METADATA_SIZE) {
    throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_SIZE", `sector metadata must be ${SECTOR_METADATA_SIZE} bytes, got ${bytes.length}`);
  }
  const h = 4 + 2 * RECORD_NUM_S_BUCKETS;
  if (!equalBytes(blake3(bytes.subarray(0, h + 8)), bytes.subarray(h + 8))) {
    throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_CHECKSUM", "sector metadata checksum mismatch");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sBucketSizes = new Uint16Array(RECORD_NUM_S_BUCKETS);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) sBucketSizes[s] = v.getUint16(4 + 2 * s, true);
  const historySize = v.getBigUint64(h, true);
  if (historySize === 0n) throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_SIZE", "history size must be non-zero");
  return { sectorIndex: v.getUint16(0, true), piecesInSector: v.getUint16(2, true), sBucketSizes, historySize };
}

/** `s_bucket_offsets`: chunk offset of each s-bucket within the chunks region. */
export function sBucketOffsets(sBucketSizes: Uint16Array): Uint32Array {
  const out = new Uint32Array(RECORD_NUM_S_BUCKETS);
  let acc = 0;
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
    out[s] = acc;
    acc += sBucketSizes[s]!;
  }
  return out;
}

/** Byte range of an s-bucket's chunks inside the sector. */
export function sBucketByteRange(metadata: SectorMetadata, sBucket: number): { offset: number; length: number } {
  let before = 0;
  for (let s = 0; s < sBucket; s++) before += metadata.sBucketSizes[s]!;
  return {
    offset: contentsMapSize(metadata.piecesInSector) + before * SCALAR_FULL_BYTES,
    length: metadata.sBucketSizes[sBucket]! * SCALAR_FULL_BYTES,
  };
}

/** `RecordMetadata`. */
export interface RecordMetadata {
  readonly commitment: Uint8Array;
  readonly witness: Uint8Array;
  readonly pieceChecksum: Uint8Array;
}

export function readRecordMetadata(bytes: Uint8Array): RecordMetadata {
  if (bytes.length !== RECORD_METADATA_SIZE) throw new SectorLayoutError("SECTOR_LAYOUT_ERROR_SIZE", "record metadata size");
  return {
    commitment: bytes.slice(0, RECORD_COMMITMENT_SIZE),
    witness: bytes.slice(RECORD_COMMITMENT_SIZE, RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE),
    pieceChecksum: bytes.slice(RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE),
  };
}

/** Whether a whole sector's trailing checksum matches its contents. */
export function isSectorChecksumValid(sector: Uint8Array): boolean {
  if (sector.length < BLAKE3_HASH_SIZE) return false;
  const end = sector.length - BLAKE3_HASH_SIZE;
  return equalBytes(blake3(sector.subarray(0, end)), sector.subarray(end));
}
