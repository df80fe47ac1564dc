/**
 * Chia-style proof-of-space tables as the reference builds them, on typed arrays.
 *
 * Each table is a list of entries in generation order ("positions"). Table 1 has one entry per x
 * (position = x, metadata = x). Table t (2..7) is built from table t−1: its entries are grouped
 * into buckets `y / BC`, sorted by `(y, position)` inside each bucket, and every pair of adjacent
 * buckets is matched left entry by left entry, targets in ascending order, right entries in sorted
 * order; each match becomes an entry of table t with `y, metadata = fx(y_L, meta_L, meta_R)` and
 * the pair of parent positions. At most 512 entries per bucket and 512 matches per bucket pair are
 * kept (the reference's `REDUCED_BUCKET_SIZE` and `REDUCED_MATCHES_COUNT`), both in order.
 *
 * The same order gives the same positions as the reference, hence the same tie-breaks between
 * equal `y`s and the same first proof for a challenge.
 *
 * Two implementations give the same tables: the generated WebAssembly pipeline (`posWasm.ts`,
 * chosen by `PosTablesCache` where WebAssembly SIMD runs, K ≤ WASM_MAX_K) and the TypeScript one
 * below (the fallback, and the reference the WASM path is tested against).
 *
 * SPEC: autonomys/subspace crates/subspace-proof-of-space/src/chiapos/{table,tables}.rs.
 */
import {
  checkK,
  DEFAULT_POS_K,
  MAX_BUCKET_SIZE,
  metadataSizeBits,
  numBuckets,
  PARAM_BC,
  PARAM_EXT,
  PARAM_M,
  proofSize,
  ySizeBits,
} from "./constants.ts";
import { chacha8Keystream } from "./chacha.ts";
import { blake3SingleBlock } from "./blake3Block.ts";
import { PosWasm, posWasmAvailable } from "./posWasm.ts";
import {
  calculateLeftTargets,
  computeF1All,
  computeFx,
  F1Evaluator,
  hasMatch,
  newFxScratch,
  wordsFor,
  type FxScratch,
} from "./functions.ts";

/**
 * The tables a farmer keeps to find proofs. Every table is held in its sorted order (by `y`, then
 * generation position, as the reference's buckets are).
 */
export interface PosTables {
  readonly k: number;
  /** Table 7 `y`s, sorted. */
  readonly lastYs: Uint32Array;
  /**
   * `pairs[t − 2]` holds, per entry of table t (2..7) in sorted order, its `[left, right]` parent
   * entries: indices into table t−1's sorted order, or x-values for table 2.
   */
  readonly pairs: readonly Uint32Array[];
}

/** Which implementation builds the tables: generated WebAssembly (SIMD) or TypeScript. */
export type PosBackend = "wasm" | "ts";

/** K values the WASM path takes; larger K (memory ~64 B per entry, kept) use the TS path. */
export const WASM_MAX_K = 22;

let wasmSupported: boolean | undefined;
/** Whether the WASM kernels run here (checked once, on first use). */
export function posWasmSupported(): boolean {
  return (wasmSupported ??= posWasmAvailable());
}

/**
 * Buffers shared by every table build: the WASM instance (its memory holds every array of a
 * build and is reused by the next one), or, on the TS path, the match targets (3.9 MB) and scratch.
 * Not for concurrent builds (one cache per worker).
 */
export class PosTablesCache {
  /** The backend this cache builds with (`wasm` where supported unless asked otherwise). */
  readonly backend: PosBackend;
  private targets: Uint16Array | undefined;
  /** Per right-bucket `r`: whether present, count of entries and index of the first one. */
  readonly rPresent = new Uint8Array(PARAM_BC);
  readonly rCount = new Uint16Array(PARAM_BC);
  readonly rFirst = new Uint32Array(PARAM_BC);
  readonly fx: FxScratch = newFxScratch();
  private wasm: PosWasm | undefined;

  constructor(options: { backend?: PosBackend } = {}) {
    const wanted = options.backend ?? "wasm";
    this.backend = wanted === "wasm" && posWasmSupported() ? "wasm" : "ts";
  }

  /** Right-bucket targets of every left `r` (TS path), built on first use. */
  get leftTargets(): Uint16Array {
    return (this.targets ??= calculateLeftTargets());
  }

  /** The WASM instance for K (a new one when K changes), or undefined on the TS path. */
  wasmFor(k: number): PosWasm | undefined {
    if (this.backend !== "wasm" || k > WASM_MAX_K) return undefined;
    if (this.wasm?.k !== k) this.wasm = new PosWasm(k);
    return this.wasm;
  }
}

let defaultCache: PosTablesCache | undefined;
const getDefaultCache = (): PosTablesCache => (defaultCache ??= new PosTablesCache());

/** A table grouped into buckets: entries sorted by `(y, position)`, `bucketStart[b]..bucketStart[b+1]`. */
export interface Bucketed {
  ys: Uint32Array;
  positions: Uint32Array;
  bucketStart: Uint32Array;
}

/** Sorts entries `0..n` of `ys` by `(y, position)` (LSD radix, two passes) and finds the buckets. */
export function bucketize(k: number, ys: Uint32Array, n: number): Bucketed {
  const yBits = ySizeBits(k);
  const loBits = yBits >>> 1;
  const loMask = (1 << loBits) - 1;
  const loCount = new Uint32Array(1 << loBits);
  const hiCount = new Uint32Array(1 << (yBits - loBits));
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    loCount[y & loMask]++;
    hiCount[y >>> loBits]++;
  }
  prefixSums(loCount);
  prefixSums(hiCount);
  const tmpY = new Uint32Array(n);
  const tmpP = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    const d = loCount[y & loMask]++;
    tmpY[d] = y;
    tmpP[d] = i;
  }
  let sortedYs: Uint32Array = new Uint32Array(n);
  let sortedPositions: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const y = tmpY[i];
    const d = hiCount[y >>> loBits]++;
    sortedYs[d] = y;
    sortedPositions[d] = tmpP[i];
  }
  const buckets = numBuckets(k);
  let bucketStart = findBucketStarts(sortedYs, buckets);
  let overflow = false;
  for (let b = 0; b < buckets; b++) {
    if (bucketStart[b + 1] - bucketStart[b] > MAX_BUCKET_SIZE) overflow = true;
  }
  if (overflow) {
    ({ sortedYs, sortedPositions } = dropOverflow(sortedYs, sortedPositions, bucketStart));
    bucketStart = findBucketStarts(sortedYs, buckets);
  }
  return { ys: sortedYs, positions: sortedPositions, bucketStart };
}

/** `out[i] = values[order[i]]` for records of `width` words. */
function gather(values: Uint32Array, order: Uint32Array, width: number): Uint32Array {
  const n = order.length;
  const out = new Uint32Array(n * width);
  if (width === 1) {
    for (let i = 0; i < n; i++) out[i] = values[order[i]];
  } else if (width === 2) {
    for (let i = 0; i < n; i++) {
      const o = 2 * order[i];
      out[2 * i] = values[o];
      out[2 * i + 1] = values[o + 1];
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = width * order[i];
      for (let w = 0; w < width; w++) out[width * i + w] = values[o + w];
    }
  }
  return out;
}

/** Exclusive prefix sums in place. */
function prefixSums(counts: Uint32Array): void {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    counts[i] = sum;
    sum += c;
  }
}

/** `bucketStart[b]` = first sorted index with `y >= b · BC`; `bucketStart[buckets]` = n. */
function findBucketStarts(sortedYs: Uint32Array, buckets: number): Uint32Array {
  const starts = new Uint32Array(buckets + 1);
  const n = sortedYs.length;
  let lo = 0;
  for (let b = 0; b <= buckets; b++) {
    const bound = b * PARAM_BC;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sortedYs[mid] < bound) lo = mid + 1;
      else hi = mid;
    }
    starts[b] = lo;
  }
  starts[buckets] = n;
  return starts;
}

/** Keeps only the first 512 entries (by position) of each bucket, as the reference does. */
function dropOverflow(
  sortedYs: Uint32Array,
  sortedPositions: Uint32Array,
  bucketStart: Uint32Array,
): { sortedYs: Uint32Array; sortedPositions: Uint32Array } {
  const keptYs: number[] = [];
  const keptPositions: number[] = [];
  for (let b = 0; b + 1 < bucketStart.length; b++) {
    const start = bucketStart[b];
    const end = bucketStart[b + 1];
    let limit = Infinity;
    if (end - start > MAX_BUCKET_SIZE) {
      const byPosition = sortedPositions.slice(start, end).sort();
      limit = byPosition[MAX_BUCKET_SIZE - 1];
    }
    for (let i = start; i < end; i++) {
      if (sortedPositions[i] <= limit) {
        keptYs.push(sortedYs[i]);
        keptPositions.push(sortedPositions[i]);
      }
    }
  }
  return { sortedYs: Uint32Array.from(keptYs), sortedPositions: Uint32Array.from(keptPositions) };
}

/**
 * Matches of one table in generation order: the left `y` and `[left, right]` parent entries, given
 * as x-values when the parent is table 1 and as indices into the parent's sorted order otherwise.
 */
export interface Matches {
  pairs: Uint32Array;
  leftYs: Uint32Array;
  length: number;
}

/**
 * Finds the matches between adjacent buckets of a bucketed table, in the reference's order (left
 * entries in sorted order, targets ascending, right entries in sorted order; 512 per bucket pair).
 */
export function findMatches(k: number, parent: Bucketed, parentIsFirst: boolean, cache: PosTablesCache): Matches {
  let capacity = 2 ** k + 2 ** (k - 4);
  let pairs = new Uint32Array(2 * capacity);
  let leftYs = new Uint32Array(capacity);
  let length = 0;
  const { leftTargets, rPresent, rCount, rFirst } = cache;
  const { ys, positions, bucketStart } = parent;
  const buckets = bucketStart.length - 1;
  for (let b = 0; b + 1 < buckets; b++) {
    const leftStart = bucketStart[b];
    const leftEnd = bucketStart[b + 1];
    const rightEnd = bucketStart[b + 2];
    if (leftStart === leftEnd || leftEnd === rightEnd) continue;
    if (capacity - length < MAX_BUCKET_SIZE) {
      capacity = Math.ceil(capacity * 1.25);
      const grownPairs = new Uint32Array(2 * capacity);
      grownPairs.set(pairs);
      pairs = grownPairs;
      const grownYs = new Uint32Array(capacity);
      grownYs.set(leftYs);
      leftYs = grownYs;
    }
    const leftBase = b * PARAM_BC;
    const rightBase = leftBase + PARAM_BC;
    for (let j = leftEnd; j < rightEnd; j++) {
      const r = ys[j] - rightBase;
      if (rCount[r] === 0) rFirst[r] = j;
      rCount[r]++;
      rPresent[r] = 1;
    }
    const parityBase = (b & 1) * PARAM_BC;
    const limit = length + MAX_BUCKET_SIZE;
    scan: for (let i = leftStart; i < leftEnd; i++) {
      const leftY = ys[i];
      const targetBase = (parityBase + leftY - leftBase) * PARAM_M;
      // PERF: about 1.5 % of targets hit; test eight at a time in a byte map that stays in L1
      // (one-by-one in a Uint16Array of counts: 142 ms per K=20 table; this: ~75 ms).
      for (let m = targetBase, mEnd = targetBase + PARAM_M; m < mEnd; m += 8) {
        if (
          (rPresent[leftTargets[m]] | rPresent[leftTargets[m + 1]] | rPresent[leftTargets[m + 2]] | rPresent[leftTargets[m + 3]] |
            rPresent[leftTargets[m + 4]] | rPresent[leftTargets[m + 5]] | rPresent[leftTargets[m + 6]] | rPresent[leftTargets[m + 7]]) === 0
        ) {
          continue;
        }
        for (let q = m; q < m + 8; q++) {
          const target = leftTargets[q];
          const count = rCount[target];
          if (count === 0) continue;
          const first = rFirst[target];
          for (let j = first; j < first + count; j++) {
            if (length === limit) break scan;
            if (parentIsFirst) {
              pairs[2 * length] = positions[i];
              pairs[2 * length + 1] = positions[j];
            } else {
              pairs[2 * length] = i;
              pairs[2 * length + 1] = j;
            }
            leftYs[length] = leftY;
            length++;
          }
        }
      }
    }
    for (let j = leftEnd; j < rightEnd; j++) {
      const r = ys[j] - rightBase;
      rCount[r] = 0;
      rPresent[r] = 0;
    }
  }
  return { pairs, leftYs, length };
}

/**
 * Computes `y` (and metadata unless table 7) of every match of table `tableNumber` (2..7).
 * `parentMeta` is null for table 1, whose metadata is x = position.
 */
export function computeTableFx(
  k: number,
  tableNumber: number,
  matches: Matches,
  parentMeta: Uint32Array | null,
  fx: FxScratch,
): { ys: Uint32Array; metadata: Uint32Array } {
  const n = matches.length;
  const { pairs, leftYs } = matches;
  const yBits = ySizeBits(k);
  const yShift = 32 - yBits;
  const parentBits = metadataSizeBits(k, tableNumber - 1);
  const parentWords = wordsFor(parentBits);
  const outBits = metadataSizeBits(k, tableNumber);
  const outWords = wordsFor(outBits);
  const inputBits = yBits + 2 * parentBits;
  const inputWords = wordsFor(inputBits);
  const inputBytes = (inputBits + 7) >>> 3;
  const leftBase = yBits >>> 5;
  const leftShift = yBits & 31;
  const rightBase = (yBits + parentBits) >>> 5;
  const rightShift = (yBits + parentBits) & 31;
  const tailMask = outBits & 31 ? ~0 << (32 - (outBits & 31)) : ~0;
  const concat = tableNumber < 4;
  const ys = new Uint32Array(n);
  const metadata = new Uint32Array(n * outWords);
  const w = fx.block;
  const h = fx.hash;
  // Words past the input must be zero: entries below clear only the input's words.
  w.fill(0);
  const xShift = 32 - k;
  // PERF: the packing is inlined here with the shifts hoisted (computeFx per entry: ~40 ns overhead).
  for (let e = 0; e < n; e++) {
    for (let i = 0; i <= inputWords; i++) w[i] = 0;
    w[0] = leftYs[e] << yShift;
    if (parentMeta === null) {
      const l = pairs[2 * e] << xShift;
      const r = pairs[2 * e + 1] << xShift;
      w[leftBase] |= l >>> leftShift;
      w[leftBase + 1] |= (l << (31 - leftShift)) << 1;
      w[rightBase] |= r >>> rightShift;
      w[rightBase + 1] |= (r << (31 - rightShift)) << 1;
    } else {
      const lo = pairs[2 * e] * parentWords;
      const ro = pairs[2 * e + 1] * parentWords;
      for (let j = 0; j < parentWords; j++) {
        const l = parentMeta[lo + j];
        w[leftBase + j] |= l >>> leftShift;
        w[leftBase + j + 1] |= (l << (31 - leftShift)) << 1;
      }
      for (let j = 0; j < parentWords; j++) {
        const r = parentMeta[ro + j];
        w[rightBase + j] |= r >>> rightShift;
        w[rightBase + j + 1] |= (r << (31 - rightShift)) << 1;
      }
    }
    if (concat) {
      // output metadata = left ‖ right = the input bits after y
      for (let j = 0; j < outWords; j++) {
        metadata[e * outWords + j] = (w[leftBase + j] << leftShift) | ((w[leftBase + j + 1] >>> 1) >>> (31 - leftShift));
      }
      metadata[e * outWords + outWords - 1] &= tailMask;
    }
    for (let i = 0; i < inputWords; i++) {
      const v = w[i];
      w[i] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
    }
    w[inputWords] = 0;
    blake3SingleBlock(w, inputBytes, h, concat || outWords === 0 ? 1 : 8);
    const v0 = h[0];
    const h0 = ((v0 >>> 24) | ((v0 >>> 8) & 0xff00) | ((v0 << 8) & 0xff0000) | (v0 << 24)) >>> 0;
    ys[e] = h0 >>> yShift;
    if (!concat && outWords > 0) {
      let prev = h0;
      for (let j = 0; j < outWords; j++) {
        const v = h[j + 1];
        const next = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
        metadata[e * outWords + j] = (prev << yBits) | (next >>> yShift);
        prev = next;
      }
      metadata[e * outWords + outWords - 1] &= tailMask;
    }
  }
  return { ys, metadata };
}

/** Builds the seven tables for `seed` (32 bytes) and keeps what proof search needs. */
export function createTables(seed: Uint8Array, k: number = DEFAULT_POS_K, cache: PosTablesCache = getDefaultCache()): PosTables {
  checkK(k);
  if (seed.length !== 32) throw new Error(`PoS seed must be 32 bytes, got ${seed.length}`);
  const n = 2 ** k;
  const keystream = chacha8Keystream(seed, Math.ceil((k * n) / 512), 4);
  const wasm = cache.wasmFor(k);
  if (wasm !== undefined) {
    const built = wasm.build((ys) => computeF1All(k, keystream, ys));
    if (built !== null) return { k, ...built };
  }
  const ys1 = new Uint32Array(n);
  computeF1All(k, keystream, ys1);
  let parent = bucketize(k, ys1, n);
  let parentMeta: Uint32Array | null = null;
  const pairs: Uint32Array[] = [];
  for (let t = 2; t <= 7; t++) {
    const matches = findMatches(k, parent, t === 2, cache);
    const table = computeTableFx(k, t, matches, parentMeta, cache.fx);
    parent = bucketize(k, table.ys, matches.length);
    // PERF: keep pairs and metadata in sorted order, so that the next table's fx reads its parent
    // metadata almost sequentially (K=20: fx 190 → 150 ms per table).
    pairs.push(gather(matches.pairs, parent.positions, 2));
    parentMeta = t === 7 ? null : gather(table.metadata, parent.positions, wordsFor(metadataSizeBits(k, t)));
  }
  return { k, lastYs: parent.ys, pairs };
}

/** `first_k = u32_be(challenge_index.to_le_bytes()) >> (32 − K)`. */
export function firstKBits(challengeIndex: number, k: number): number {
  const v = challengeIndex >>> 0;
  const swapped = ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) >>> 0;
  return swapped >>> (32 - k);
}

/**
 * The first proof for `challengeIndex` (the reference's `find_proof(..).next()`): the table-7
 * entry with the smallest `(y, position)` whose top K bits of `y` equal `first_k`, walked back to
 * its 64 x-values in tree order, each packed as K bits big-endian (K·8 bytes).
 */
export function findProof(tables: PosTables, challengeIndex: number): Uint8Array | undefined {
  const proof = new Uint8Array(proofSize(tables.k));
  return findProofInto(tables, challengeIndex, proof) ? proof : undefined;
}

/**
 * `findProof` into a caller's buffer of `proofSize(k)` bytes (overwritten): true when a proof
 * exists. Allocates nothing, for callers that walk thousands of proofs (proving a record).
 *
 * PERF (K = 20, 8,192 challenge indexes, 5,049 proofs): 67–78 ms with an allocation and a
 * bit-by-bit packing per proof, 14 ms with shared scratch and a byte accumulator.
 */
export function findProofInto(tables: PosTables, challengeIndex: number, out: Uint8Array): boolean {
  const entry = firstProofEntry(tables, challengeIndex);
  if (entry < 0) return false;
  proofFromEntry(tables, entry, out);
  return true;
}

/** Whether any proof exists for `challengeIndex`, without building it. */
export function hasProof(tables: PosTables, challengeIndex: number): boolean {
  return firstProofEntry(tables, challengeIndex) >= 0;
}

/** The first table-7 entry whose top K bits of `y` equal `first_k` of the challenge, or −1. */
function firstProofEntry(tables: PosTables, challengeIndex: number): number {
  const { k, lastYs } = tables;
  const firstK = firstKBits(challengeIndex, k);
  const low = firstK << PARAM_EXT;
  let lo = 0;
  let hi = lastYs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lastYs[mid] < low) lo = mid + 1;
    else hi = mid;
  }
  return lo < lastYs.length && lastYs[lo] >>> PARAM_EXT === firstK ? lo : -1;
}

/** Scratch of `proofFromEntry` (one level of the walk each; single-threaded use). */
const walkA = new Uint32Array(64);
const walkB = new Uint32Array(64);

/** Walks table-7 entry `lastEntry` back to its 64 x-values and packs them into `out` (K bits each, big-endian). */
function proofFromEntry(tables: PosTables, lastEntry: number, out: Uint8Array): void {
  const { k, pairs } = tables;
  if (out.length < proofSize(k)) throw new RangeError(`proof buffer of ${out.length} bytes, need ${proofSize(k)}`);
  let level = walkA;
  let next = walkB;
  level[0] = lastEntry;
  let width = 1;
  for (let t = 7; t >= 2; t--) {
    const p = pairs[t - 2];
    for (let i = 0; i < width; i++) {
      const e = 2 * level[i];
      next[2 * i] = p[e];
      next[2 * i + 1] = p[e + 1];
    }
    const swap = level;
    level = next;
    next = swap;
    width *= 2;
  }
  // Big-endian bit packing through an accumulator of < 8 pending bits (7 + K ≤ 32 for K ≤ 25).
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < 64; i++) {
    acc = (acc << k) | level[i];
    bits += k;
    while (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out[o] = (acc << (8 - bits)) & 0xff;
}

/** Reads the K-bit value at bit offset `bitOffset` (big-endian bit order). */
function readBits(bytes: Uint8Array, bitOffset: number, k: number): number {
  let v = 0;
  for (let b = 0; b < k; b++) {
    const bit = bitOffset + b;
    v = (v << 1) | ((bytes[bit >>> 3] >>> (7 - (bit & 7))) & 1);
  }
  return v >>> 0;
}

/**
 * Verifies a proof (the reference's `verify_only`): recompute f1 for the 64 x-values, then each
 * level pairwise (left, right) with no swapping, requiring every pair to match, and finally that
 * the top K bits of the table-7 `y` equal `first_k` of the challenge index.
 */
export function isProofValid(seed: Uint8Array, challengeIndex: number, proof: Uint8Array, k: number = DEFAULT_POS_K): boolean {
  checkK(k);
  if (seed.length !== 32 || proof.length !== proofSize(k)) return false;
  const f1 = new F1Evaluator(seed, k);
  const stride = 4;
  let ys = new Uint32Array(64);
  let metas = new Uint32Array(64 * stride);
  let nextYs = new Uint32Array(32);
  let nextMetas = new Uint32Array(32 * stride);
  for (let i = 0; i < 64; i++) {
    const x = readBits(proof, i * k, k);
    ys[i] = f1.y(x);
    metas[i * stride] = x << (32 - k);
  }
  const fx = newFxScratch();
  for (let t = 2, count = 64; t <= 7; t++, count >>>= 1) {
    for (let i = 0; i < count; i += 2) {
      const leftY = ys[i];
      if (!hasMatch(leftY, ys[i + 1])) return false;
      nextYs[i >>> 1] = computeFx(k, t, leftY, metas, i * stride, metas, (i + 1) * stride, nextMetas, (i >>> 1) * stride, fx);
    }
    [ys, nextYs] = [nextYs, ys];
    [metas, nextMetas] = [nextMetas, metas];
  }
  return ys[0] >>> PARAM_EXT === firstKBits(challengeIndex, k);
}
