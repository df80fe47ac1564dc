/**
 * Turning one recorded-history segment (128 raw records) into 256 pieces: column-wise erasure
 * extension across the records, record commitments, the segment commitment over the 256 hashed
 * record commitments, and a witness per piece (`Archiver::produce_archived_segment`).
 *
 * The steps are separate pure functions so a caller (the node) can spread the KZG work over
 * worker threads: `encodeRecords` → `commitRecords(range)` → `segmentPolynomial` →
 * `createWitnesses(range)`. `buildArchivedSegment` runs them all in this thread.
 *
 * Parity-record commitments are computed by committing the parity records directly; by linearity
 * that equals the reference's G1 `extend_commitments`.
 */
import {
  NUM_PIECES, NUM_RAW_RECORDS, PIECE_SIZE, RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE,
  RECORD_COMMITMENT_SIZE, RECORD_NUM_CHUNKS, RECORD_SIZE, SCALAR_FULL_BYTES, SCALAR_SAFE_BYTES,
} from "../profile/index.ts";
import { blake3_254HashToScalar, scalarFromBytes, scalarFromSafeBytes, writeScalar } from "../core/scalar.ts";
import type { ErasureCoding } from "../erasure-coding/index.ts";
import type { Kzg, Polynomial } from "../kzg/index.ts";

/** 256 pieces back to back (`ArchivedHistorySegment`); piece i is `flat.subarray(i·PIECE_SIZE, …)`. */
export type FlatPieces = Uint8Array;

export const pieceAt = (flat: FlatPieces, position: number): Uint8Array =>
  flat.subarray(position * PIECE_SIZE, (position + 1) * PIECE_SIZE);

/**
 * Erasure-codes a recorded segment (RECORDED_HISTORY_SEGMENT_SIZE bytes) into the records of 256
 * interleaved pieces (commitments and witnesses still zero).
 */
export function encodeRecords(ec: ErasureCoding, segmentData: Uint8Array): FlatPieces {
  if (segmentData.length !== RECORDED_HISTORY_SEGMENT_SIZE) throw new RangeError(`segment data must be ${RECORDED_HISTORY_SEGMENT_SIZE} bytes`);
  const flat = new Uint8Array(NUM_PIECES * PIECE_SIZE);
  const column = new Array<bigint>(NUM_RAW_RECORDS);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
    const srcOffset = j * SCALAR_SAFE_BYTES;
    const dstOffset = j * SCALAR_FULL_BYTES;
    for (let r = 0; r < NUM_RAW_RECORDS; r++) {
      const off = r * RAW_RECORD_SIZE + srcOffset;
      column[r] = scalarFromSafeBytes(segmentData, off);
      // Source chunk: 0x00 ‖ 31 safe bytes, copied without a round trip through bigint.
      const piece = 2 * r * PIECE_SIZE + dstOffset;
      flat.set(segmentData.subarray(off, off + SCALAR_SAFE_BYTES), piece + 1);
    }
    const parity = ec.extend(column);
    for (let r = 0; r < NUM_RAW_RECORDS; r++) writeScalar(flat, (2 * r + 1) * PIECE_SIZE + dstOffset, parity[r]!);
  }
  return flat;
}

/** Commits the records of pieces `from..to` (positions), writing each commitment into its piece. */
export function commitRecords(kzg: Kzg, flat: FlatPieces, from = 0, to = NUM_PIECES): void {
  for (let i = from; i < to; i++) {
    const base = i * PIECE_SIZE;
    const commitment = kzg.commit(kzg.polyFromScalarBytes(flat.subarray(base, base + RECORD_SIZE)));
    flat.set(commitment, base + RECORD_SIZE);
  }
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
  commitRecords(kzg, pieces);
  const poly = segmentPolynomial(kzg, pieceCommitments(pieces));
  const segmentCommitment = kzg.commit(poly);
  createWitnesses(kzg, poly, pieces);
  return { pieces, segmentCommitment };
}
