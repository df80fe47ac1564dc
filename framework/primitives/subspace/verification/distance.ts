/**
 * Solution distance (`crates/subspace-verification/src/lib.rs`: `calculate_solution_distance`,
 * `is_within_solution_range`; `crates/subspace-core-primitives/src/solutions.rs`:
 * `bidirectional_distance`, `pieces_to_solution_range`).
 *
 * `audit = blake3_keyed(key = sector_slot_challenge, chunk32)`; `a = u64 LE(audit[0..8])`,
 * `b = u64 LE(global_challenge[0..8])`; `distance = min(a −wrap b, b −wrap a)`; a chunk is within
 * range iff `distance <= solution_range / 2`.
 *
 * Auditing hashes every chunk of an s-bucket, so the keyed hash is a single BLAKE3 compression on
 * 32-bit words (a 32-byte input is one block: flags CHUNK_START | CHUNK_END | ROOT | KEYED_HASH,
 * chaining value = the key), and the 64-bit distance is computed on (hi, lo) word pairs; a bigint
 * is only made for chunks that pass.
 */
import { RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS } from "../profile/index.ts";
import { blake3SingleBlock } from "../pos/blake3Block.ts";
const U64_MAX = (1n << 64n) - 1n;

/** Little-endian words of a 32-byte key. */
export function keyWords(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new RangeError("key must be 32 bytes");
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) w[i] = (key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24)) >>> 0;
  return w;
}

/**
 * The first 8 bytes of `blake3_keyed(key, bytes[offset..offset+32])` as two little-endian words,
 * written to out[0] (low) and out[1] (high).
 */
export function keyedHash32Head(key: Uint32Array, bytes: Uint8Array, offset: number, out: Uint32Array): void {
  const b = bytes;
  const m = MESSAGE;
  for (let i = 0, o = offset; i < 8; i++, o += 4) m[i] = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
  blake3SingleBlock(m, 32, out, 2, key);
}

/** Message words of the one-block keyed hash (words 8–15 stay zero: the input is 32 bytes). */
const MESSAGE = new Uint32Array(16);

const u64FromWords = (lo: number, hi: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);
const u64Le = (bytes: Uint8Array): bigint => new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);

/** `bidirectional_distance`: min(a − b, b − a) with wrapping u64 subtraction. */
export function bidirectionalDistance(a: bigint, b: bigint): bigint {
  const d1 = (a - b) & U64_MAX;
  const d2 = (b - a) & U64_MAX;
  return d1 < d2 ? d1 : d2;
}

/** `calculate_solution_distance` for a (masked) 32-byte chunk. */
export function solutionDistance(globalChallenge: Uint8Array, chunk: Uint8Array, sectorSlotChallenge: Uint8Array): bigint {
  if (chunk.length !== 32) throw new RangeError("chunk must be 32 bytes");
  const out = new Uint32Array(2);
  keyedHash32Head(keyWords(sectorSlotChallenge), chunk, 0, out);
  return bidirectionalDistance(u64FromWords(out[0]!, out[1]!), u64Le(globalChallenge));
}

/** `is_within_solution_range`: the distance when ≤ solution_range / 2. */
export function isWithinSolutionRange(globalChallenge: Uint8Array, chunk: Uint8Array, sectorSlotChallenge: Uint8Array, solutionRange: bigint): bigint | undefined {
  const d = solutionDistance(globalChallenge, chunk, sectorSlotChallenge);
  return d <= solutionRange / 2n ? d : undefined;
}

/** A chunk of an audited s-bucket within range: its index in the s-bucket and its distance. */
export interface ChunkCandidate {
  readonly chunkOffset: number;
  readonly distance: bigint;
}

/**
 * Audits `count` consecutive 32-byte chunks of `chunks` (from `offset`): those within
 * `solutionRange / 2`, sorted by distance (stable: equal distances keep chunk order).
 */
export function winningChunks(
  chunks: Uint8Array,
  globalChallenge: Uint8Array,
  sectorSlotChallenge: Uint8Array,
  solutionRange: bigint,
  offset = 0,
  count = (chunks.length - offset) >>> 5,
): ChunkCandidate[] {
  const key = keyWords(sectorSlotChallenge);
  const bLo = (globalChallenge[0]! | (globalChallenge[1]! << 8) | (globalChallenge[2]! << 16) | (globalChallenge[3]! << 24)) >>> 0;
  const bHi = (globalChallenge[4]! | (globalChallenge[5]! << 8) | (globalChallenge[6]! << 16) | (globalChallenge[7]! << 24)) >>> 0;
  const half = solutionRange / 2n;
  const halfHi = Number(half >> 32n);
  const halfLo = Number(half & 0xffffffffn);
  const out = new Uint32Array(2);
  const found: ChunkCandidate[] = [];
  for (let i = 0; i < count; i++) {
    keyedHash32Head(key, chunks, offset + 32 * i, out);
    const aLo = out[0]!, aHi = out[1]!;
    // a − b and b − a, wrapping, on (hi, lo) pairs.
    let d1Lo = aLo - bLo, d1Hi = aHi - bHi;
    if (d1Lo < 0) { d1Lo += 0x100000000; d1Hi -= 1; }
    if (d1Hi < 0) d1Hi += 0x100000000;
    let d2Lo = bLo - aLo, d2Hi = bHi - aHi;
    if (d2Lo < 0) { d2Lo += 0x100000000; d2Hi -= 1; }
    if (d2Hi < 0) d2Hi += 0x100000000;
    let dHi = d1Hi, dLo = d1Lo;
    if (d2Hi < d1Hi || (d2Hi === d1Hi && d2Lo < d1Lo)) { dHi = d2Hi; dLo = d2Lo; }
    if (dHi < halfHi || (dHi === halfHi && dLo <= halfLo)) found.push({ chunkOffset: i, distance: u64FromWords(dLo, dHi) });
  }
  found.sort((x, y) => (x.distance < y.distance ? -1 : x.distance > y.distance ? 1 : x.chunkOffset - y.chunkOffset));
  return found;
}

/**
 * `pieces_to_solution_range`: `u64::MAX / d * n / NUM_CHUNKS * NUM_S_BUCKETS / pieces`, integer
 * arithmetic left to right. The ratio is 2 in both profiles, but the rounding of the division by
 * NUM_CHUNKS differs: (1000, (1, 6)) gives 6,148,914,691,236,511 with ours and
 * 6,148,914,691,236,495 with the mainnet profile's constants.
 */
export function piecesToSolutionRange(
  pieces: bigint,
  slotProbability: readonly [bigint, bigint],
  profile: { readonly recordNumChunks: number; readonly numSBuckets: number } = { recordNumChunks: RECORD_NUM_CHUNKS, numSBuckets: RECORD_NUM_S_BUCKETS },
): bigint {
  const [num, den] = slotProbability;
  return ((((U64_MAX / den) * num) / BigInt(profile.recordNumChunks)) * BigInt(profile.numSBuckets)) / pieces;
}

/** `calculate_block_fork_weight`: `u64::MAX − solution_range`. */
export const blockForkWeight = (solutionRange: bigint): bigint => U64_MAX - solutionRange;
