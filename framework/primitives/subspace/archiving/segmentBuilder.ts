/**
 * Turning one recorded-history segment (128 raw records) into 256 pieces: column-wise erasure
 * extension across the records, record commitments, the segment commitment over the 256 hashed
 * record commitments, and a witness per piece (`Archiver::produce_archived_segment`).
 *
 * The steps are separate pure functions so a caller (the node) can spread the KZG work over
 * worker threads: `encodeRecords` → `commitSourceRecords(range)` → `extendRecordCommitments` →
 * `segmentPolynomial` → `createWitnesses(range)`. `buildArchivedSegment` runs them all in this
 * thread.
 *
 * Parity-record commitments come from the 128 source commitments by erasure extension in G1 (the
 * reference's `extend_commitments`; ≈ 770 G1 scalar multiplications, ≈ 2 s, against ≈ 7 s for
 * committing 128 parity records with c-kzg). By linearity both give the same points; the tests
 * check it against direct commitments, and `commitRecords` still commits any range directly.
 */
import {
  NUM_PIECES, NUM_RAW_RECORDS, PIECE_SIZE, RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE,
  RECORD_COMMITMENT_SIZE, RECORD_NUM_CHUNKS, RECORD_SIZE, SCALAR_FULL_BYTES, SCALAR_SAFE_BYTES,
} from "../profile/index.ts";
import { blake3_254HashToScalar, scalarFromBytes } from "../core/scalar.ts";
import { frWasm, type ErasureCoding } from "../erasure-coding/index.ts";
import type { Kzg, Polynomial } from "../kzg/index.ts";

/** 256 pieces back to back (`ArchivedHistorySegment`); piece i is `flat.subarray(i·PIECE_SIZE, …)`. */
export type FlatPieces = Uint8Array;

export const pieceAt = (flat: FlatPieces, position: number): Uint8Array =>
  flat.subarray(position * PIECE_SIZE, (position + 1) * PIECE_SIZE);

/**
 * Erasure-codes a recorded segment (RECORDED_HISTORY_SEGMENT_SIZE bytes) into the records of 256
 * interleaved pieces (commitments and witnesses still zero). PERF: runs column by column in WASM
 * memory (strided loads of the 4,096 columns of 128 chunks, extension, strided stores).
 */
export function encodeRecords(ec: ErasureCoding, segmentData: Uint8Array): FlatPieces {
  if (segmentData.length !== RECORDED_HISTORY_SEGMENT_SIZE) throw new RangeError(`segment data must be ${RECORDED_HISTORY_SEGMENT_SIZE} bytes`);
  const f = frWasm();
  const mark = f.mark();
  try {
    const seg = f.alloc(RECORDED_HISTORY_SEGMENT_SIZE);
    const records = f.alloc(NUM_PIECES * RECORD_SIZE);
    const column = f.allocElements(NUM_RAW_RECORDS);
    const parity = f.allocElements(NUM_RAW_RECORDS);
    f.u8.set(segmentData, seg);
    const recordStride = 2 * RECORD_SIZE; // source records at even positions, parity at odd
    for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
      f.loadSafe(column, seg + j * SCALAR_SAFE_BYTES, NUM_RAW_RECORDS, RAW_RECORD_SIZE);
      f.storeBe(records + j * SCALAR_FULL_BYTES, column, NUM_RAW_RECORDS, recordStride);
      ec.extendWasm(f, column, parity, NUM_RAW_RECORDS); // linear: plain values in, plain out
      f.storeBe(records + RECORD_SIZE + j * SCALAR_FULL_BYTES, parity, NUM_RAW_RECORDS, recordStride);
    }
    const flat = new Uint8Array(NUM_PIECES * PIECE_SIZE);
    const u8 = f.u8;
    for (let i = 0; i < NUM_PIECES; i++) flat.set(u8.subarray(records + i * RECORD_SIZE, records + (i + 1) * RECORD_SIZE), i * PIECE_SIZE);
    return flat;
  } finally {
    f.release(mark);
  }
}

/** Commits the records of pieces `from..to` (positions), writing each commitment into its piece. */
export function commitRecords(kzg: Kzg, flat: FlatPieces, from = 0, to = NUM_PIECES): void {
  for (let i = from; i < to; i++) {
    const base = i * PIECE_SIZE;
    const commitment = kzg.commit(kzg.polyFromScalarBytes(flat.subarray(base, base + RECORD_SIZE)));
    flat.set(commitment, base + RECORD_SIZE);
  }
}

/** Commits the source records `from..to` (indices among the 128 source records, at positions 2·i). */
export function commitSourceRecords(kzg: Kzg, flat: FlatPieces, from = 0, to = NUM_RAW_RECORDS): void {
  for (let r = from; r < to; r++) commitRecords(kzg, flat, 2 * r, 2 * r + 1);
}

/** Writes the parity records' commitments (odd positions), extended in G1 from the source ones. */
export function extendRecordCommitments(kzg: Kzg, flat: FlatPieces): void {
  const commitments = pieceCommitments(flat);
  const source = commitments.filter((_, i) => i % 2 === 0);
  const parity = kzg.extendCommitments(source);
  parity.forEach((c, r) => flat.set(c, (2 * r + 1) * PIECE_SIZE + RECORD_SIZE));
}

/** The segment polynomial over the 256 values `blake3_254_hash_to_scalar(commitment_i)`. */
export function segmentPolynomial(kzg: Kzg, commitments: readonly Uint8Array[]): Polynomial {
  return kzg.poly(commitments.map((c) => scalarFromBytes(blake3_254HashToScalar(c))));
}

export function pieceCommitments(flat: FlatPieces): Uint8Array[] {
  return Array.from({ length: NUM_PIECES }, (_, i) => flat.slice(i * PIECE_SIZE + RECORD_SIZE, i * PIECE_SIZE + RECORD_SIZE + RECORD_COMMITMENT_SIZE));
}

/** Writes the witnesses of positions `from..to` (openings of the segment polynomial at ω_256^i). */
export function createWitnesses(kzg: Kzg, poly: Polynomial, flat: FlatPieces, from = 0, to = NUM_PIECES): void {
  for (let i = from; i < to; i++) {
    flat.set(kzg.createWitness(poly, NUM_PIECES, i), i * PIECE_SIZE + RECORD_SIZE + RECORD_COMMITMENT_SIZE);
  }
}

/** All steps in this thread: pieces and the segment commitment. */
export function buildArchivedSegment(kzg: Kzg, ec: ErasureCoding, segmentData: Uint8Array): { pieces: FlatPieces; segmentCommitment: Uint8Array } {
  const pieces = encodeRecords(ec, segmentData);
  commitSourceRecords(kzg, pieces);
  extendRecordCommitments(kzg, pieces);
  const poly = segmentPolynomial(kzg, pieceCommitments(pieces));
  const segmentCommitment = kzg.commit(poly);
  createWitnesses(kzg, poly, pieces);
  return { pieces, segmentCommitment };
}
