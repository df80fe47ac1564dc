/**
 * Solution-range arithmetic, as `subspace-core-primitives/src/solutions.rs` and
 * `subspace-verification/src/lib.rs` @72a5aa6f. All values are u64 (`bigint`); integer divisions
 * happen left to right exactly as in the reference, so results match bit for bit.
 */
import { blake3Concat } from "../../../crypto/hashing.ts";
import { RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS } from "../profile/index.ts";

export const U64_MAX = (1n << 64n) - 1n;

/** Chunk and s-bucket counts of a record (the profile's; mainnet 32,768 and 65,536). */
export interface RecordShape {
  readonly numChunks: number;
  readonly numSBuckets: number;
}
export const PROFILE_RECORD: RecordShape = { numChunks: RECORD_NUM_CHUNKS, numSBuckets: RECORD_NUM_S_BUCKETS };
export const MAINNET_RECORD: RecordShape = { numChunks: 32_768, numSBuckets: 65_536 };

/**
 * `pieces_to_solution_range(pieces, slot_probability)` =
 * `u64::MAX / p.1 * p.0 / NUM_CHUNKS * NUM_S_BUCKETS / pieces`.
 */
export function piecesToSolutionRange(pieces: bigint, slotProbability: readonly [bigint, bigint], record: RecordShape = PROFILE_RECORD): bigint {
  return scaledMax(slotProbability, record) / pieces;
}

/** `solution_range_to_pieces(solution_range, slot_probability)`: the inverse estimate. */
export function solutionRangeToPieces(solutionRange: bigint, slotProbability: readonly [bigint, bigint], record: RecordShape = PROFILE_RECORD): bigint {
  return scaledMax(slotProbability, record) / solutionRange;
}

/** `u64::MAX / p.1 * p.0 / NUM_CHUNKS * NUM_S_BUCKETS`; the reference's u64 overflow (a const-eval panic) throws here. */
function scaledMax(slotProbability: readonly [bigint, bigint], record: RecordShape): bigint {
  const [num, den] = slotProbability;
  let r = (U64_MAX / den) * num;
  if (r > U64_MAX) throw new RangeError("pieces_to_solution_range: u64 overflow (slot probability above 1)");
  r = (r / BigInt(record.numChunks)) * BigInt(record.numSBuckets);
  if (r > U64_MAX) throw new RangeError("pieces_to_solution_range: u64 overflow (slot probability above 1/2)");
  return r;
}

const clamp = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);
const satMul64 = (a: bigint, b: bigint) => (a * b > U64_MAX ? U64_MAX : a * b);

/**
 * `derive_next_solution_range(start_slot, current_slot, slot_probability, current, era_duration)`:
 * `current × era_slots × p.0 / era_duration / p.1` in u128 (saturating products), saturated to
 * u64, then clamped to `[current / 4, current × 4]` (saturating).
 */
export function deriveNextSolutionRange(
  startSlot: bigint,
  currentSlot: bigint,
  slotProbability: readonly [bigint, bigint],
  currentSolutionRange: bigint,
  eraDuration: bigint,
): bigint {
  const U128_MAX = (1n << 128n) - 1n;
  const eraSlotCount = currentSlot - startSlot;
  if (eraSlotCount < 0n) throw new RangeError("current slot precedes the era start slot");
  let x = currentSolutionRange * eraSlotCount;
  if (x > U128_MAX) x = U128_MAX;
  x *= slotProbability[0];
  if (x > U128_MAX) x = U128_MAX;
  x = x / eraDuration / slotProbability[1];
  const next = x > U64_MAX ? U64_MAX : x;
  return clamp(next, currentSolutionRange / 4n, satMul64(currentSolutionRange, 4n));
}

/** Voting range for a block range: `range × (ExpectedVotesPerBlock + 1)`, saturating. */
export const votingSolutionRange = (solutionRange: bigint, expectedVotesPerBlock: number): bigint =>
  satMul64(solutionRange, BigInt(expectedVotesPerBlock) + 1n);

/** `calculate_block_fork_weight`: `u64::MAX − range` (a u128 in the reference). */
export const blockForkWeight = (solutionRange: bigint): bigint => U64_MAX - solutionRange;

/** `bidirectional_distance(a, b)` = `min(a −wrap b, b −wrap a)` over u64. */
export function bidirectionalDistance(a: bigint, b: bigint): bigint {
  const d1 = (a - b) & U64_MAX;
  const d2 = (b - a) & U64_MAX;
  return d1 < d2 ? d1 : d2;
}

/** `derive_pot_entropy(chunk, proof_of_time)` = `blake3(chunk ‖ proof_of_time)`. */
export function derivePotEntropy(chunk: Uint8Array, proofOfTime: Uint8Array): Uint8Array {
  if (chunk.length !== 32 || proofOfTime.length !== 16) throw new TypeError("chunk must be 32 bytes and proof of time 16 bytes");
  return blake3Concat(chunk, proofOfTime);
}
