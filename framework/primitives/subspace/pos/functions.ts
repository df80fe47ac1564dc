/**
 * The proof-of-space functions: f1 (ChaCha8 keystream), fx (BLAKE3 over bit-packed
 * `y ‖ meta_L ‖ meta_R`) and the bucket matching rule.
 *
 * Metadata values are bit strings held left-aligned in 32-bit words (the first bit is the top bit
 * of word 0; bits after the value are zero). That is the order in which they are packed into the
 * BLAKE3 input, so packing is shifts and ORs on words.
 *
 * SPEC: autonomys/subspace crates/subspace-proof-of-space/src/chiapos/table.rs (`compute_f1`,
 * `compute_fn`, `has_match`, `calculate_left_targets`).
 */
import { blake3SingleBlock } from "./blake3Block.ts";
import { chachaBlock, chachaKeyWords } from "./chacha.ts";
import { metadataSizeBits, PARAM_B, PARAM_BC, PARAM_C, PARAM_EXT, PARAM_M, ySizeBits } from "./constants.ts";

// ---- f1 ------------------------------------------------------------------------------------

/** Reads K bits at bit offset `bitOffset` of a big-endian bit string (with ≥ 3 bytes of slack). */
function readBits(stream: Uint8Array, bitOffset: number, k: number): number {
  const byte = Math.floor(bitOffset / 8);
  const word = ((stream[byte] << 24) | (stream[byte + 1] << 16) | (stream[byte + 2] << 8) | stream[byte + 3]) >>> 0;
  return ((word << (bitOffset & 7)) >>> 0) >>> (32 - k);
}

/** f1 for every x in 0..2^K from the whole ChaCha8 keystream (K·2^K bits, plus slack). */
export function computeF1All(k: number, keystream: Uint8Array, ys: Uint32Array): void {
  const n = 2 ** k;
  const extShift = k - PARAM_EXT;
  for (let x = 0, bit = 0; x < n; x++, bit += k) {
    const byte = bit >>> 3;
    const word = ((keystream[byte] << 24) | (keystream[byte + 1] << 16) | (keystream[byte + 2] << 8) | keystream[byte + 3]) >>> 0;
    const partial = ((word << (bit & 7)) >>> 0) >>> (32 - k);
    ys[x] = (partial << PARAM_EXT) | (x >>> extShift);
  }
}

/** A ChaCha8 keystream reader keyed by a seed that computes only the blocks asked for. */
export class F1Evaluator {
  private readonly key: Uint32Array;
  private readonly words = new Uint32Array(32);
  private readonly bytes = new Uint8Array(this.words.buffer);

  constructor(seed: Uint8Array, readonly k: number) {
    this.key = chachaKeyWords(seed);
  }

  /** f1(x) = (K keystream bits at bit offset x·K) << 6 | (x >> (K − 6)). */
  y(x: number): number {
    const k = this.k;
    const bit = x * k;
    const block = Math.floor(bit / 512);
    chachaBlock(this.key, block, 0, 0, 0, 8, this.words, 0);
    chachaBlock(this.key, block + 1, 0, 0, 0, 8, this.words, 16);
    const partial = readBits(this.bytes, bit - block * 512, k);
    return (partial << PARAM_EXT) | (x >>> (k - PARAM_EXT));
  }
}

/** f1 for one x (tests and spot checks; the table builder uses the whole keystream). */
export function computeF1(k: number, seed: Uint8Array, x: number): number {
  return new F1Evaluator(seed, k).y(x);
}

// ---- matching ------------------------------------------------------------------------------

/** Right-bucket `r` targets of a left `r`, sorted: `[parity][r][0..64)` flattened. */
export function calculateLeftTargets(): Uint16Array {
  const targets = new Uint16Array(2 * PARAM_BC * PARAM_M);
  const row = new Uint16Array(PARAM_M);
  for (let parity = 0; parity < 2; parity++) {
    for (let r = 0; r < PARAM_BC; r++) {
      const c = Math.floor(r / PARAM_C);
      for (let m = 0; m < PARAM_M; m++) {
        const s = 2 * m + parity;
        row[m] = ((c + m) % PARAM_B) * PARAM_C + ((s * s + r) % PARAM_C);
      }
      row.sort();
      targets.set(row, (parity * PARAM_BC + r) * PARAM_M);
    }
  }
  return targets;
}

/**
 * Whether `rightY` is one of `leftY`'s targets. Like the reference's `has_match`, this checks only
 * the position within the bucket, not that the buckets are adjacent.
 */
export function hasMatch(leftY: number, rightY: number): boolean {
  const rightR = rightY % PARAM_BC;
  const parity = Math.floor(leftY / PARAM_BC) % 2;
  const leftR = leftY % PARAM_BC;
  const c = Math.floor(leftR / PARAM_C);
  for (let m = 0; m < PARAM_M; m++) {
    const s = 2 * m + parity;
    if (((c + m) % PARAM_B) * PARAM_C + ((s * s + leftR) % PARAM_C) === rightR) return true;
  }
  return false;
}

// ---- fx ------------------------------------------------------------------------------------

/** Words needed for `bits` bits. */
export const wordsFor = (bits: number): number => (bits + 31) >>> 5;

/**
 * ORs `count` left-aligned words of `src` (from `srcOffset`) into `dst` at bit `bitOffset` after
 * word `dstOffset`. May OR zero bits into the word after the value.
 */
export function orBits(
  dst: Uint32Array,
  dstOffset: number,
  bitOffset: number,
  src: Uint32Array,
  srcOffset: number,
  count: number,
): void {
  const shift = bitOffset & 31;
  const base = dstOffset + (bitOffset >>> 5);
  if (shift === 0) {
    for (let j = 0; j < count; j++) dst[base + j] |= src[srcOffset + j];
  } else {
    for (let j = 0; j < count; j++) {
      const v = src[srcOffset + j];
      dst[base + j] |= v >>> shift;
      dst[base + j + 1] |= v << (32 - shift);
    }
  }
}

const bswap = (v: number): number => ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) >>> 0;

/**
 * Computes fx for table `tableNumber` (2..7) of one pair: hashes `y ‖ meta_L ‖ meta_R` (parent
 * metadata, left-aligned words) and writes the output metadata (left-aligned) into `outMeta` at
 * `outOffset`. Returns the output `y`. `scratch` needs 16 + 8 words and is overwritten.
 */
export function computeFx(
  k: number,
  tableNumber: number,
  y: number,
  left: Uint32Array,
  leftOffset: number,
  right: Uint32Array,
  rightOffset: number,
  outMeta: Uint32Array | null,
  outOffset: number,
  scratch: FxScratch,
): number {
  const yBits = ySizeBits(k);
  const parentBits = metadataSizeBits(k, tableNumber - 1);
  const parentWords = wordsFor(parentBits);
  const inputBits = yBits + 2 * parentBits;
  const inputBytes = (inputBits + 7) >>> 3;
  const inputWords = wordsFor(inputBits);
  const w = scratch.block;
  for (let i = 0; i < 17; i++) w[i] = 0;
  w[0] = y << (32 - yBits);
  orBits(w, 0, yBits, left, leftOffset, parentWords);
  orBits(w, 0, yBits + parentBits, right, rightOffset, parentWords);
  for (let i = 0; i < inputWords; i++) w[i] = bswap(w[i]);
  const h = scratch.hash;
  blake3SingleBlock(w, inputBytes, h, 8);
  const h0 = bswap(h[0]);
  const yOut = h0 >>> (32 - yBits);
  if (outMeta === null || tableNumber === 7) return yOut;
  const outBits = metadataSizeBits(k, tableNumber);
  const outWords = wordsFor(outBits);
  if (tableNumber < 4) {
    for (let j = 0; j < outWords; j++) outMeta[outOffset + j] = 0;
    orBits(outMeta, outOffset, 0, left, leftOffset, parentWords);
    orBits(outMeta, outOffset, parentBits, right, rightOffset, parentWords);
  } else {
    // bits [yBits, yBits + outBits) of the digest, big-endian
    let prev = h0;
    for (let j = 0; j < outWords; j++) {
      const next = bswap(h[j + 1]);
      outMeta[outOffset + j] = (prev << yBits) | (next >>> (32 - yBits));
      prev = next;
    }
    const tail = outBits & 31;
    if (tail !== 0) outMeta[outOffset + outWords - 1] &= ~0 << (32 - tail);
  }
  return yOut;
}

/** Reusable buffers for `computeFx`. */
export interface FxScratch {
  readonly block: Uint32Array;
  readonly hash: Uint32Array;
}

export const newFxScratch = (): FxScratch => ({ block: new Uint32Array(17), hash: new Uint32Array(8) });
