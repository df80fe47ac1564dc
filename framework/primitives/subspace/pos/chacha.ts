/**
 * ChaCha keystream (RFC 8439 layout: 32-byte key, 32-bit block counter in word 12, 96-bit nonce in
 * words 13..15) with a configurable number of rounds. The proof-of-space f1 uses ChaCha8 keyed
 * directly by the 32-byte seed, nonce zero, counter from zero (reference: `chacha20::ChaCha8` in
 * `partial_ys` and `ab_chacha8::ChaCha8State::init(seed, &[0; 12])` in `compute_f1`).
 */

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("pos: a little-endian platform is required");
}

/** The key as eight little-endian words. */
export function chachaKeyWords(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new Error(`ChaCha key must be 32 bytes, got ${key.length}`);
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    words[i] = key[4 * i] | (key[4 * i + 1] << 8) | (key[4 * i + 2] << 16) | (key[4 * i + 3] << 24);
  }
  return words;
}

/**
 * Writes the 16 keystream words of block `counter` (nonce words are given) into `out` at `offset`.
 * `rounds` is 8 for ChaCha8, 20 for ChaCha20.
 */
export function chachaBlock(
  key: Uint32Array,
  counter: number,
  nonce0: number,
  nonce1: number,
  nonce2: number,
  rounds: number,
  out: Uint32Array,
  offset: number,
): void {
  const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
  const k4 = key[4], k5 = key[5], k6 = key[6], k7 = key[7];
  let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
  let x12 = counter | 0, x13 = nonce0 | 0, x14 = nonce1 | 0, x15 = nonce2 | 0;
  for (let r = 0; r < rounds; r += 2) {
    // column round
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // diagonal round
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  out[offset] = x0 + SIGMA0;
  out[offset + 1] = x1 + SIGMA1;
  out[offset + 2] = x2 + SIGMA2;
  out[offset + 3] = x3 + SIGMA3;
  out[offset + 4] = x4 + k0;
  out[offset + 5] = x5 + k1;
  out[offset + 6] = x6 + k2;
  out[offset + 7] = x7 + k3;
  out[offset + 8] = x8 + k4;
  out[offset + 9] = x9 + k5;
  out[offset + 10] = x10 + k6;
  out[offset + 11] = x11 + k7;
  out[offset + 12] = x12 + (counter | 0);
  out[offset + 13] = x13 + (nonce0 | 0);
  out[offset + 14] = x14 + (nonce1 | 0);
  out[offset + 15] = x15 + (nonce2 | 0);
}

/**
 * `blocks` consecutive 64-byte ChaCha8 blocks from counter 0 with a zero nonce, plus `padBytes`
 * zero bytes at the end (so bit readers may overrun the last block by a word).
 */
export function chacha8Keystream(key: Uint8Array, blocks: number, padBytes = 0): Uint8Array {
  const keyWords = chachaKeyWords(key);
  const words = new Uint32Array(blocks * 16 + Math.ceil(padBytes / 4));
  for (let b = 0; b < blocks; b++) chachaBlock(keyWords, b, 0, 0, 0, 8, words, b * 16);
  return new Uint8Array(words.buffer, 0, blocks * 64 + padBytes);
}
