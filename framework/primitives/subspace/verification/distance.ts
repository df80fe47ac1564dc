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

const IV0 = 0x6a09e667, IV1 = 0xbb67ae85, IV2 = 0x3c6ef372, IV3 = 0xa54ff53a;
/** CHUNK_START (1) | CHUNK_END (2) | ROOT (8) | KEYED_HASH (16). */
const KEYED_SINGLE_BLOCK_FLAGS = 27;
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
  const o = offset;
  let m0 = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
  let m1 = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
  let m2 = b[o + 8]! | (b[o + 9]! << 8) | (b[o + 10]! << 16) | (b[o + 11]! << 24);
  let m3 = b[o + 12]! | (b[o + 13]! << 8) | (b[o + 14]! << 16) | (b[o + 15]! << 24);
  let m4 = b[o + 16]! | (b[o + 17]! << 8) | (b[o + 18]! << 16) | (b[o + 19]! << 24);
  let m5 = b[o + 20]! | (b[o + 21]! << 8) | (b[o + 22]! << 16) | (b[o + 23]! << 24);
  let m6 = b[o + 24]! | (b[o + 25]! << 8) | (b[o + 26]! << 16) | (b[o + 27]! << 24);
  let m7 = b[o + 28]! | (b[o + 29]! << 8) | (b[o + 30]! << 16) | (b[o + 31]! << 24);
  let m8 = 0, m9 = 0, m10 = 0, m11 = 0, m12 = 0, m13 = 0, m14 = 0, m15 = 0;
  let v0 = key[0]! | 0, v1 = key[1]! | 0, v2 = key[2]! | 0, v3 = key[3]! | 0;
  let v4 = key[4]! | 0, v5 = key[5]! | 0, v6 = key[6]! | 0, v7 = key[7]! | 0;
  let v8 = IV0 | 0, v9 = IV1 | 0, v10 = IV2 | 0, v11 = IV3 | 0;
  let v12 = 0, v13 = 0, v14 = 32, v15 = KEYED_SINGLE_BLOCK_FLAGS;
  for (let round = 0; ; round++) {
    v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);

    v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);

    v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);

    v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);

    v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);

    v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);

    v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);

    v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);

    if (round === 6) break;
    // Message permutation [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8].
    const t0 = m0, t1 = m1, t2 = m2, t3 = m3, t4 = m4, t5 = m5, t6 = m6, t7 = m7;
    const t8 = m8, t9 = m9, t10 = m10, t11 = m11, t12 = m12, t13 = m13, t14 = m14, t15 = m15;
    m0 = t2; m1 = t6; m2 = t3; m3 = t10; m4 = t7; m5 = t0; m6 = t4; m7 = t13;
    m8 = t1; m9 = t11; m10 = t12; m11 = t5; m12 = t9; m13 = t14; m14 = t15; m15 = t8;
  }
  out[0] = (v0 ^ v8) >>> 0;
  out[1] = (v1 ^ v9) >>> 0;
}

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
