/**
 * Piece indices, records and pieces (`crates/subspace-core-primitives/src/pieces.rs`).
 * Indices are u64 and therefore `bigint`; positions inside a segment are `number`.
 */
import { Bytes, enhanceCodec } from "scale-ts";
import {
  ERASURE_CODING_RATE, NUM_PIECES, NUM_RAW_RECORDS, PIECE_SIZE, RECORD_COMMITMENT_SIZE,
  RECORD_NUM_CHUNKS, RECORD_SIZE, RECORD_WITNESS_SIZE, SCALAR_FULL_BYTES, SCALAR_SAFE_BYTES,
} from "../profile/index.ts";

/** `SegmentIndex(u64)`. */
export type SegmentIndex = bigint;
/** `PieceIndex(u64)`; source and parity pieces interleave, source first. */
export type PieceIndex = bigint;

const NUM_PIECES_N = BigInt(NUM_PIECES);
const [RATE_NUM, RATE_DEN] = ERASURE_CODING_RATE;
const RATE_NUM_N = BigInt(RATE_NUM);
const RATE_DEN_N = BigInt(RATE_DEN);
const U64_MAX = (1n << 64n) - 1n;

export class PieceIndexError extends Error {
  readonly code = "PIECE_INDEX_ERROR_NOT_SOURCE";
  constructor(readonly pieceIndex: PieceIndex) {
    super(`piece index ${pieceIndex} is not a source piece`);
  }
}

export const SegmentIndex = {
  ZERO: 0n as SegmentIndex,
  ONE: 1n as SegmentIndex,
  firstPieceIndex: (s: SegmentIndex): PieceIndex => s * NUM_PIECES_N,
  lastPieceIndex: (s: SegmentIndex): PieceIndex => (s + 1n) * NUM_PIECES_N - 1n,
  /** All piece indexes of the segment in order. */
  pieceIndexes(s: SegmentIndex): PieceIndex[] {
    const first = s * NUM_PIECES_N;
    return Array.from({ length: NUM_PIECES }, (_, i) => first + BigInt(i));
  },
  /** The segment's piece indexes, source pieces first then parity pieces. */
  pieceIndexesSourceFirst(s: SegmentIndex): PieceIndex[] {
    const all = SegmentIndex.pieceIndexes(s);
    return [...all.filter((_, i) => i % 2 === 0), ...all.filter((_, i) => i % 2 === 1)];
  },
};

export const PieceIndex = {
  ZERO: 0n as PieceIndex,
  ONE: 1n as PieceIndex,
  /** Bytes of the u64 LE encoding. */
  SIZE: 8,
  toBytes(p: PieceIndex): Uint8Array {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, p, true);
    return out;
  },
  fromBytes(bytes: Uint8Array): PieceIndex {
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  },
  segmentIndex: (p: PieceIndex): SegmentIndex => p / NUM_PIECES_N,
  position: (p: PieceIndex): number => Number(p % NUM_PIECES_N),
  isSource: (p: PieceIndex): boolean => p % RATE_DEN_N < RATE_NUM_N,
  /** Position among the segment's source pieces; throws for parity pieces. */
  sourcePosition(p: PieceIndex): number {
    if (!PieceIndex.isSource(p)) throw new PieceIndexError(p);
    const position = PieceIndex.position(p);
    return Math.floor(position / RATE_DEN) * RATE_NUM + (position % RATE_DEN);
  },
  /** Piece index of a source position; overflows into the next segment past the last one. */
  fromSourcePosition(sourcePosition: number, segmentIndex: SegmentIndex): PieceIndex {
    const start = BigInt(Math.floor(sourcePosition / RATE_NUM) * RATE_DEN);
    const offset = BigInt(sourcePosition % RATE_NUM);
    return SegmentIndex.firstPieceIndex(segmentIndex) + start + offset;
  },
  nextSourceIndex(p: PieceIndex): PieceIndex {
    return PieceIndex.fromSourcePosition(PieceIndex.sourcePosition(p) + 1, PieceIndex.segmentIndex(p));
  },
  prevSourceIndex(p: PieceIndex): PieceIndex | null {
    const sp = PieceIndex.sourcePosition(p);
    const s = PieceIndex.segmentIndex(p);
    if (sp === 0) return s === 0n ? null : PieceIndex.fromSourcePosition(NUM_RAW_RECORDS - 1, s - 1n);
    return PieceIndex.fromSourcePosition(sp - 1, s);
  },
};

/** `u64` range check for values coming from the outside. */
export function isU64(v: bigint): boolean {
  return v >= 0n && v <= U64_MAX;
}

// ---- records -------------------------------------------------------------------------------

/** `Record`: RECORD_NUM_CHUNKS scalars of 32 bytes (source records hold `0x00 ‖ 31 safe bytes`). */
export type Record = Uint8Array;
/** `RawRecord`: RECORD_NUM_CHUNKS chunks of 31 bytes. */
export type RawRecord = Uint8Array;
export type RecordCommitment = Uint8Array;
export type RecordWitness = Uint8Array;
export type ChunkWitness = Uint8Array;
export type SegmentCommitment = Uint8Array;

/** Copy the safe bytes of a source record into a raw record (`Record::to_raw_record_chunks`). */
export function recordToRawRecord(record: Record, out?: RawRecord): RawRecord {
  const raw = out ?? new Uint8Array(RECORD_NUM_CHUNKS * SCALAR_SAFE_BYTES);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
    raw.set(record.subarray(j * SCALAR_FULL_BYTES + 1, (j + 1) * SCALAR_FULL_BYTES), j * SCALAR_SAFE_BYTES);
  }
  return raw;
}

/** Spread a raw record into a source record (`0x00 ‖ chunk` per scalar). */
export function rawRecordToRecord(raw: RawRecord, out?: Record): Record {
  const record = out ?? new Uint8Array(RECORD_SIZE);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
    record[j * SCALAR_FULL_BYTES] = 0;
    record.set(raw.subarray(j * SCALAR_SAFE_BYTES, (j + 1) * SCALAR_SAFE_BYTES), j * SCALAR_FULL_BYTES + 1);
  }
  return record;
}

// ---- pieces --------------------------------------------------------------------------------

/** `Piece`: record ‖ record commitment (48) ‖ record witness (48), PIECE_SIZE bytes. */
export type Piece = Uint8Array;

const COMMITMENT_OFFSET = RECORD_SIZE;
const WITNESS_OFFSET = RECORD_SIZE + RECORD_COMMITMENT_SIZE;

/** Views (no copies) of a piece's parts. */
export const Piece = {
  SIZE: PIECE_SIZE,
  record: (piece: Piece): Record => piece.subarray(0, RECORD_SIZE),
  commitment: (piece: Piece): RecordCommitment => piece.subarray(COMMITMENT_OFFSET, WITNESS_OFFSET),
  witness: (piece: Piece): RecordWitness => piece.subarray(WITNESS_OFFSET, WITNESS_OFFSET + RECORD_WITNESS_SIZE),
  assemble(record: Record, commitment: RecordCommitment, witness: RecordWitness): Piece {
    const p = new Uint8Array(PIECE_SIZE);
    p.set(record, 0);
    p.set(commitment, COMMITMENT_OFFSET);
    p.set(witness, WITNESS_OFFSET);
    return p;
  },
};

/** SCALE: a piece is a `Vec<u8>` (compact length prefix) whose length must be PIECE_SIZE. */
export const PieceCodec = enhanceCodec(
  Bytes(),
  (piece: Piece): Uint8Array => {
    if (piece.length !== PIECE_SIZE) throw new RangeError(`piece must be ${PIECE_SIZE} bytes, got ${piece.length}`);
    return piece;
  },
  (bytes: Uint8Array): Piece => {
    if (bytes.length !== PIECE_SIZE) throw new RangeError(`Incorrect Piece length: expected ${PIECE_SIZE}, found ${bytes.length}`);
    return bytes;
  },
);
