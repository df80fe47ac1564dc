/**
 * Piece verification and reconstruction (`crates/subspace-verification` `is_piece_valid`,
 * `crates/subspace-archiving/src/{piece_reconstructor,reconstructor}.rs`).
 */
import {
  NUM_PIECES, NUM_RAW_RECORDS, PIECE_SIZE, RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE, RECORD_COMMITMENT_SIZE,
  RECORD_NUM_CHUNKS, RECORD_SIZE, SCALAR_FULL_BYTES, SCALAR_SAFE_BYTES, SEGMENT_COMMITMENT_SIZE,
} from "../profile/index.ts";
import {
  blake3_254HashToScalar, decodeSegment, isCanonicalScalar, scalarFromBytes, writeScalar,
  type SegmentHeader, type SegmentIndex, type SegmentItem, type BlockNumber,
} from "../core/index.ts";
import { ErasureCoding, ErasureCodingError, frWasm } from "../erasure-coding/index.ts";
import type { Kzg } from "../kzg/index.ts";
import { commitRecords, createWitnesses, pieceCommitments, segmentPolynomial, type FlatPieces } from "./segmentBuilder.ts";
import { segmentErasureCoding } from "./archiver.ts";

/**
 * `is_piece_valid`: the record recommits to the piece's commitment, and the witness opens the
 * segment commitment at `position` to `blake3_254_hash_to_scalar(commitment)`.
 *
 * PERF: ≈ 45–55 ms with c-kzg, nearly all of it the record commitment (the witness check is
 * ≈ 1.1 ms). For many pieces use `arePiecesValid` (batchVerification.ts): same verdicts, ≈ 1.7 ms
 * per piece at 128 pieces, ≈ 1.4 ms at 256 (one commitment and one KZG check per batch).
 */
export function isPieceValid(kzg: Kzg, piece: Uint8Array, segmentCommitment: Uint8Array, position: number): boolean {
  if (piece.length !== PIECE_SIZE || segmentCommitment.length !== SEGMENT_COMMITMENT_SIZE) return false;
  if (!Number.isInteger(position) || position < 0 || position >= NUM_PIECES) return false;
  const record = piece.subarray(0, RECORD_SIZE);
  const commitment = piece.subarray(RECORD_SIZE, RECORD_SIZE + RECORD_COMMITMENT_SIZE);
  const witness = piece.subarray(RECORD_SIZE + RECORD_COMMITMENT_SIZE);
  let recomputed: Uint8Array;
  try {
    recomputed = kzg.commit(kzg.polyFromScalarBytes(record));
  } catch {
    return false; // non-canonical scalar in the record
  }
  if (!equalBytesCt(recomputed, commitment)) return false;
  return isRecordCommitmentHashValid(kzg, blake3_254HashToScalar(commitment), segmentCommitment, witness, position);
}

/** `is_record_commitment_hash_valid`: only the witness check against the segment commitment. */
export function isRecordCommitmentHashValid(kzg: Kzg, commitmentHash: Uint8Array, segmentCommitment: Uint8Array, witness: Uint8Array, position: number): boolean {
  return kzg.verify(segmentCommitment, NUM_PIECES, position, commitmentHash, witness);
}

export class ReconstructorError extends Error {
  constructor(
    readonly code:
      | "RECONSTRUCTOR_ERROR_NOT_ENOUGH_PIECES"
      | "RECONSTRUCTOR_ERROR_DATA_SHARDS"
      | "RECONSTRUCTOR_ERROR_SEGMENT_DECODING"
      | "RECONSTRUCTOR_ERROR_INCORRECT_SEGMENT_ORDER"
      | "RECONSTRUCTOR_ERROR_SEGMENT_COMMITMENT_MISMATCH"
      | "RECONSTRUCTOR_ERROR_INCORRECT_PIECE_POSITION",
    message: string,
  ) {
    super(message);
  }
}

type MaybePieces = readonly (Uint8Array | null | undefined)[];

function checkInput(pieces: MaybePieces): number[] {
  if (pieces.length !== NUM_PIECES) throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", `expected ${NUM_PIECES} piece slots, got ${pieces.length}`);
  const present: number[] = [];
  pieces.forEach((p, i) => {
    if (p === null || p === undefined) return;
    if (p.length !== PIECE_SIZE) throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", `piece ${i} has ${p.length} bytes, expected ${PIECE_SIZE}`);
    present.push(i);
  });
  if (present.length < NUM_PIECES / 2) {
    throw new ReconstructorError("RECONSTRUCTOR_ERROR_NOT_ENOUGH_PIECES", `need at least ${NUM_PIECES / 2} of ${NUM_PIECES} pieces to reconstruct a segment, got ${present.length}`);
  }
  return present;
}

/**
 * Recovers the records of the missing pieces (only the source ones with `onlySource`);
 * present records are copied as they are). Returns flat pieces with records only.
 */
function recoverRecords(ec: ErasureCoding, pieces: MaybePieces, present: number[], onlySource: boolean): FlatPieces {
  const flat = new Uint8Array(NUM_PIECES * PIECE_SIZE);
  for (const i of present) flat.set(pieces[i]!.subarray(0, RECORD_SIZE), i * PIECE_SIZE);
  const missing = [...Array(NUM_PIECES).keys()].filter((i) => pieces[i] === null || pieces[i] === undefined);
  const targets = onlySource ? missing.filter((i) => i % 2 === 0) : missing;
  if (targets.length === 0) return flat;
  // Use exactly the first 128 present shards: any half determines the polynomial.
  const used = present.slice(0, NUM_PIECES / 2);
  let plan;
  try {
    plan = ec.recoverer(NUM_PIECES, used);
  } catch (e) {
    throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", (e as Error).message);
  }
  for (const i of used) {
    const p = pieces[i]!;
    for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
      if (!isCanonicalScalar(p, j * SCALAR_FULL_BYTES)) throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", `piece ${i} chunk ${j} is not a valid scalar`);
    }
  }
  // PERF: column by column in WASM memory: strided loads across the 256 record slots.
  const f = frWasm();
  const mark = f.mark();
  try {
    const records = f.alloc(NUM_PIECES * RECORD_SIZE);
    const column = f.allocElements(NUM_PIECES);
    f.u8.fill(0, records, records + NUM_PIECES * RECORD_SIZE);
    for (const i of used) f.u8.set(pieces[i]!.subarray(0, RECORD_SIZE), records + i * RECORD_SIZE);
    for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
      const at = records + j * SCALAR_FULL_BYTES;
      f.loadBe(column, at, NUM_PIECES, RECORD_SIZE);
      try {
        plan.recoverWasm(f, column); // linear: plain values in, plain out
      } catch (e) {
        if (e instanceof ErasureCodingError) throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", e.message);
        throw e;
      }
      f.storeBe(at, column, NUM_PIECES, RECORD_SIZE);
    }
    const u8 = f.u8;
    for (const i of targets) flat.set(u8.subarray(records + i * RECORD_SIZE, records + (i + 1) * RECORD_SIZE), i * PIECE_SIZE);
  } finally {
    f.release(mark);
  }
  return flat;
}

/** Rebuilds whole segments' pieces from any 128 of 256 (`PiecesReconstructor`). */
export class PiecesReconstructor {
  constructor(
    private readonly kzg: Kzg,
    private readonly ec: ErasureCoding = segmentErasureCoding(),
  ) {}

  /**
   * All 256 pieces of a segment. Present pieces are kept (their commitments and witnesses reused);
   * missing ones get recovered records, recomputed commitments and witnesses. With
   * `segmentCommitment`, the rebuilt segment must commit to it, which rejects corrupted inputs.
   */
  reconstructSegment(pieces: MaybePieces, segmentCommitment?: Uint8Array): FlatPieces {
    const present = checkInput(pieces);
    const flat = recoverRecords(this.ec, pieces, present, false);
    const isPresent = new Uint8Array(NUM_PIECES);
    for (const i of present) {
      isPresent[i] = 1;
      flat.set(pieces[i]!, i * PIECE_SIZE);
    }
    // As the archiver: missing source records are committed, parity commitments extended in G1.
    for (let i = 0; i < NUM_PIECES; i += 2) if (!isPresent[i]) commitRecords(this.kzg, flat, i, i + 1);
    const missingParity = [...Array(NUM_PIECES).keys()].filter((i) => i % 2 === 1 && !isPresent[i]);
    if (missingParity.length > 0) {
      let parity: Uint8Array[];
      try {
        parity = this.kzg.extendCommitments(pieceCommitments(flat).filter((_, i) => i % 2 === 0));
      } catch (e) {
        throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", `source record commitments: ${(e as Error).message}`);
      }
      for (const i of missingParity) flat.set(parity[(i - 1) / 2]!, i * PIECE_SIZE + RECORD_SIZE);
    }
    const poly = segmentPolynomial(this.kzg, pieceCommitments(flat));
    if (segmentCommitment !== undefined && !equalBytesCt(this.kzg.commit(poly), segmentCommitment)) {
      throw new ReconstructorError("RECONSTRUCTOR_ERROR_SEGMENT_COMMITMENT_MISMATCH", "reconstructed segment does not match the segment commitment (corrupted input pieces)");
    }
    for (let i = 0; i < NUM_PIECES; i++) if (!isPresent[i]) createWitnesses(this.kzg, poly, flat, i, i + 1);
    return flat;
  }

  /** One piece at `position` (`reconstruct_piece`). */
  reconstructPiece(pieces: MaybePieces, position: number, segmentCommitment?: Uint8Array): Uint8Array {
    if (!Number.isInteger(position) || position < 0 || position >= NUM_PIECES) {
      throw new ReconstructorError("RECONSTRUCTOR_ERROR_INCORRECT_PIECE_POSITION", `incorrect piece position ${position}`);
    }
    const existing = pieces[position];
    if (existing) return existing;
    return this.reconstructSegment(pieces, segmentCommitment).slice(position * PIECE_SIZE, (position + 1) * PIECE_SIZE);
  }
}

export interface ReconstructedContents {
  /** The segment header found in the segment (of the previous segment), if any. */
  segmentHeader: SegmentHeader | null;
  /** Complete blocks with their numbers. */
  blocks: [BlockNumber, Uint8Array][];
}

/** Pieces → segment items → blocks, stitching blocks across segment boundaries (`Reconstructor`). */
export class Reconstructor {
  private lastSegmentIndex: SegmentIndex | null = null;
  private partialBlock: Uint8Array[] = [];

  constructor(private readonly ec: ErasureCoding = segmentErasureCoding()) {}

  /** The recorded segment bytes (128 raw records) from any 128 pieces. */
  reconstructSegmentData(pieces: MaybePieces): Uint8Array {
    const present = checkInput(pieces);
    const sourceComplete = [...Array(NUM_RAW_RECORDS).keys()].every((k) => pieces[2 * k]);
    const flat = sourceComplete ? null : recoverRecords(this.ec, pieces, present, true);
    const data = new Uint8Array(RECORDED_HISTORY_SEGMENT_SIZE);
    for (let k = 0; k < NUM_RAW_RECORDS; k++) {
      const rec = pieces[2 * k] ?? flat!.subarray(2 * k * PIECE_SIZE, 2 * k * PIECE_SIZE + RECORD_SIZE);
      for (let j = 0; j < RECORD_NUM_CHUNKS; j++) {
        const o = j * SCALAR_FULL_BYTES;
        if (rec[o] !== 0) throw new ReconstructorError("RECONSTRUCTOR_ERROR_DATA_SHARDS", `source record ${k} chunk ${j} is not a safe scalar`);
        data.set(rec.subarray(o + 1, o + SCALAR_FULL_BYTES), k * RAW_RECORD_SIZE + j * SCALAR_SAFE_BYTES);
      }
    }
    return data;
  }

  /** Segment items of a segment rebuilt from any 128 pieces. */
  reconstructSegment(pieces: MaybePieces): SegmentItem[] {
    const data = this.reconstructSegmentData(pieces);
    try {
      return decodeSegment(data);
    } catch (e) {
      throw new ReconstructorError("RECONSTRUCTOR_ERROR_SEGMENT_DECODING", `Error during segment decoding: ${(e as Error).message}`);
    }
  }

  /** Adds the next segment (in order) and returns the blocks it completes (`add_segment`). */
  addSegment(pieces: MaybePieces): ReconstructedContents {
    const items = this.reconstructSegment(pieces);
    const out: ReconstructedContents = { segmentHeader: null, blocks: [] };
    let nextBlockNumber = 0;
    let partial = this.partialBlock;
    this.partialBlock = [];
    const takePartial = (): Uint8Array => {
      const joined = concat(partial);
      partial = [];
      return joined;
    };
    for (const item of items) {
      switch (item.type) {
        case "Padding":
          break;
        case "Block":
          if (partial.length > 0) out.blocks.push([nextBlockNumber++, takePartial()]);
          out.blocks.push([nextBlockNumber++, item.bytes.slice()]);
          break;
        case "BlockStart":
          if (partial.length > 0) out.blocks.push([nextBlockNumber++, takePartial()]);
          partial = [item.bytes.slice()];
          break;
        case "BlockContinuation":
          // A continuation without its start (first segment reconstructed mid-block) is skipped.
          if (partial.length > 0) partial.push(item.bytes.slice());
          break;
        case "ParentSegmentHeader": {
          const idx = item.header.segmentIndex;
          if (this.lastSegmentIndex !== null && this.lastSegmentIndex !== idx) {
            throw new ReconstructorError("RECONSTRUCTOR_ERROR_INCORRECT_SEGMENT_ORDER", `Incorrect segment order, expected index ${this.lastSegmentIndex + 1n}, actual ${idx + 1n}`);
          }
          this.lastSegmentIndex = idx + 1n;
          out.segmentHeader = item.header;
          const { number, archivedProgress } = item.header.lastArchivedBlock;
          if (archivedProgress.type === "Complete") {
            // As the reference: a pending partial block (possibly empty) is flushed.
            out.blocks.push([nextBlockNumber, takePartial()]);
            nextBlockNumber = number + 1;
          } else {
            nextBlockNumber = partial.length === 0 ? number + 1 : number;
          }
          break;
        }
      }
    }
    if (partial.length > 0) this.partialBlock = partial;
    if (this.lastSegmentIndex === null) this.lastSegmentIndex = 0n;
    return out;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte equality without early exit. */
function equalBytesCt(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
