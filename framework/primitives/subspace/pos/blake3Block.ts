/**
 * BLAKE3 of a single input of at most 64 bytes (one chunk, one block: flags CHUNK_START | CHUNK_END
 * | ROOT, counter 0), on 32-bit words. Every fx input of the proof-of-space tables fits one block
 * (at most 24 bytes for K ≤ 25), so this skips the general hasher's buffering and byte copies.
 *
 * PERF: a library call (hash-wasm) costs ~0.35 µs per short input here, mostly call overhead; this
 * kernel runs one compression on locals.
 */

const IV0 = 0x6a09e667, IV1 = 0xbb67ae85, IV2 = 0x3c6ef372, IV3 = 0xa54ff53a;
const IV4 = 0x510e527f, IV5 = 0x9b05688c, IV6 = 0x1f83d9ab, IV7 = 0x5be0cd19;
/** CHUNK_START (1) | CHUNK_END (2) | ROOT (8). */
const SINGLE_BLOCK_FLAGS = 11;

/** CHUNK_START | CHUNK_END | ROOT | KEYED_HASH (16). */
const KEYED_SINGLE_BLOCK_FLAGS = 27;

/**
 * Hashes the first `blockLen` bytes of the block held as 16 little-endian message words in `m`
 * (words past the input must be zero) and writes the first `outWords` (≤ 8) little-endian words of
 * the digest into `out`. With `key` (8 words) it is BLAKE3's keyed hash (the key is the chaining value).
 */
export function blake3SingleBlock(m: Uint32Array, blockLen: number, out: Uint32Array, outWords = 8, key?: Uint32Array): void {
  let m0 = m[0] | 0, m1 = m[1] | 0, m2 = m[2] | 0, m3 = m[3] | 0;
  let m4 = m[4] | 0, m5 = m[5] | 0, m6 = m[6] | 0, m7 = m[7] | 0;
  let m8 = m[8] | 0, m9 = m[9] | 0, m10 = m[10] | 0, m11 = m[11] | 0;
  let m12 = m[12] | 0, m13 = m[13] | 0, m14 = m[14] | 0, m15 = m[15] | 0;
  const k = key;
  let v0 = (k ? k[0]! : IV0) | 0, v1 = (k ? k[1]! : IV1) | 0, v2 = (k ? k[2]! : IV2) | 0, v3 = (k ? k[3]! : IV3) | 0;
  let v4 = (k ? k[4]! : IV4) | 0, v5 = (k ? k[5]! : IV5) | 0, v6 = (k ? k[6]! : IV6) | 0, v7 = (k ? k[7]! : IV7) | 0;
  let v8 = IV0 | 0, v9 = IV1 | 0, v10 = IV2 | 0, v11 = IV3 | 0;
  let v12 = 0, v13 = 0, v14 = blockLen | 0, v15 = k ? KEYED_SINGLE_BLOCK_FLAGS : SINGLE_BLOCK_FLAGS;
  for (let round = 0; ; round++) {
    // G(0,4,8,12, m0,m1)
    v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);
    // G(1,5,9,13, m2,m3)
    v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);
    // G(2,6,10,14, m4,m5)
    v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);
    // G(3,7,11,15, m6,m7)
    v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);
    // G(0,5,10,15, m8,m9)
    v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);
    // G(1,6,11,12, m10,m11)
    v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);
    // G(2,7,8,13, m12,m13)
    v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);
    // G(3,4,9,14, m14,m15)
    v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
    if (round === 6) break;
    // message permutation [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
    const t0 = m0, t1 = m1, t2 = m2, t3 = m3, t4 = m4, t5 = m5, t6 = m6, t7 = m7;
    const t8 = m8, t9 = m9, t10 = m10, t11 = m11, t12 = m12, t13 = m13, t14 = m14, t15 = m15;
    m0 = t2; m1 = t6; m2 = t3; m3 = t10; m4 = t7; m5 = t0; m6 = t4; m7 = t13;
    m8 = t1; m9 = t11; m10 = t12; m11 = t5; m12 = t9; m13 = t14; m14 = t15; m15 = t8;
  }
  out[0] = v0 ^ v8;
  if (outWords === 1) return;
  out[1] = v1 ^ v9;
  out[2] = v2 ^ v10;
  out[3] = v3 ^ v11;
  if (outWords <= 4) return;
  out[4] = v4 ^ v12;
  out[5] = v5 ^ v13;
  out[6] = v6 ^ v14;
  out[7] = v7 ^ v15;
}
