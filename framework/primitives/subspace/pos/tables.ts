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

/** The tables a farmer keeps to find proofs: table 7 sorted, and the parent pairs of tables 2..7. */
export interface PosTables {
  readonly k: number;
  /** Table 7 `y`s, sorted by `(y, position)`. */
  readonly lastYs: Uint32Array;
  /** Table 7 positions in the same order as `lastYs`. */
  readonly lastPositions: Uint32Array;
  /** `pairs[t − 2]` holds `[left, right]` parent positions of each entry of table t (2..7). */
  readonly pairs: readonly Uint32Array[];
}

/** Buffers shared by every table build: the match targets (3.9 MB) and sort scratch. */
export class PosTablesCache {
  readonly leftTargets: Uint16Array = calculateLeftTargets();
  /** Per right-bucket `r`: count of entries and index of the first one. */
  readonly rCount = new Uint16Array(PARAM_BC);
  readonly rFirst = new Uint32Array(PARAM_BC);
  readonly fx: FxScratch = newFxScratch();
}

let defaultCache: PosTablesCache | undefined;
const getDefaultCache = (): PosTablesCache => (defaultCache ??= new PosTablesCache());

/** A table grouped into buckets: entries sorted by `(y, position)`, `bucketStart[b]..bucketStart[b+1]`. */
interface Bucketed {
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
  let sortedYs = new Uint32Array(n);
  let sortedPositions = new Uint32Array(n);
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

/** Entries of one table in generation order, growable. */
class TableBuilder {
  ys: Uint32Array;
  pairs: Uint32Array;
  metadata: Uint32Array;
  length = 0;

  constructor(capacity: number, readonly metaWords: number) {
    this.ys = new Uint32Array(capacity);
    this.pairs = new Uint32Array(2 * capacity);
    this.metadata = new Uint32Array(capacity * metaWords);
  }

  grow(): void {
    const capacity = Math.ceil(this.ys.length * 1.25) + 1024;
    const ys = new Uint32Array(capacity);
    ys.set(this.ys);
    const pairs = new Uint32Array(2 * capacity);
    pairs.set(this.pairs);
    const metadata = new Uint32Array(capacity * this.metaWords);
    metadata.set(this.metadata);
    this.ys = ys;
    this.pairs = pairs;
    this.metadata = metadata;
  }
}

/**
 * Builds table `tableNumber` (2..7) from its bucketed parent. `parentMeta` is null for table 1
 * (metadata = x = position).
 */
export function buildNextTable(
  k: number,
  tableNumber: number,
  parent: Bucketed,
  parentMeta: Uint32Array | null,
  cache: PosTablesCache,
): TableBuilder {
  const parentWords = wordsFor(metadataSizeBits(k, tableNumber - 1));
  const outWords = tableNumber === 7 ? 0 : wordsFor(metadataSizeBits(k, tableNumber));
  const out = new TableBuilder(2 ** k + 2 ** (k - 4), outWords);
  const { leftTargets, rCount, rFirst, fx } = cache;
  const { ys, positions, bucketStart } = parent;
  const xShift = 32 - k;
  const pair = new Uint32Array(2);
  const buckets = bucketStart.length - 1;
  for (let b = 0; b + 1 < buckets; b++) {
    const leftStart = bucketStart[b];
    const leftEnd = bucketStart[b + 1];
    const rightEnd = bucketStart[b + 2];
    if (leftStart === leftEnd || leftEnd === rightEnd) continue;
    const leftBase = b * PARAM_BC;
    const rightBase = leftBase + PARAM_BC;
    for (let j = leftEnd; j < rightEnd; j++) {
      const r = ys[j] - rightBase;
      if (rCount[r] === 0) rFirst[r] = j;
      rCount[r]++;
    }
    const parityBase = (b & 1) * PARAM_BC;
    let matches = 0;
    scan: for (let i = leftStart; i < leftEnd; i++) {
      const leftY = ys[i];
      const targetBase = (parityBase + leftY - leftBase) * PARAM_M;
      for (let m = 0; m < PARAM_M; m++) {
        const target = leftTargets[targetBase + m];
        const count = rCount[target];
        if (count === 0) continue;
        const first = rFirst[target];
        for (let j = first; j < first + count; j++) {
          if (matches === MAX_BUCKET_SIZE) break scan;
          matches++;
          const leftPosition = positions[i];
          const rightPosition = positions[j];
          if (out.length === out.ys.length) out.grow();
          const index = out.length++;
          let y: number;
          if (parentMeta === null) {
            pair[0] = leftPosition << xShift;
            pair[1] = rightPosition << xShift;
            y = computeFx(k, tableNumber, leftY, pair, 0, pair, 1, out.metadata, index * outWords, fx);
          } else {
            y = computeFx(
              k, tableNumber, leftY,
              parentMeta, leftPosition * parentWords,
              parentMeta, rightPosition * parentWords,
              out.metadata, index * outWords, fx,
            );
          }
          out.ys[index] = y;
          out.pairs[2 * index] = leftPosition;
          out.pairs[2 * index + 1] = rightPosition;
        }
      }
    }
    for (let j = leftEnd; j < rightEnd; j++) rCount[ys[j] - rightBase] = 0;
  }
  return out;
}

/** Builds the seven tables for `seed` (32 bytes) and keeps what proof search needs. */
export function createTables(seed: Uint8Array, k: number = DEFAULT_POS_K, cache: PosTablesCache = getDefaultCache()): PosTables {
  checkK(k);
  if (seed.length !== 32) throw new Error(`PoS seed must be 32 bytes, got ${seed.length}`);
  const n = 2 ** k;
  const keystream = chacha8Keystream(seed, Math.ceil((k * n) / 512), 4);
  const ys1 = new Uint32Array(n);
  computeF1All(k, keystream, ys1);
  let parent = bucketize(k, ys1, n);
  let parentMeta: Uint32Array | null = null;
  const pairs: Uint32Array[] = [];
  for (let t = 2; t <= 7; t++) {
    const table = buildNextTable(k, t, parent, parentMeta, cache);
    pairs.push(table.pairs.slice(0, 2 * table.length));
    parent = bucketize(k, table.ys, table.length);
    parentMeta = table.metadata;
  }
  return { k, lastYs: parent.ys, lastPositions: parent.positions, pairs };
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
  if (lo === lastYs.length || lastYs[lo] >>> PARAM_EXT !== firstK) return undefined;
  return proofFromPosition(tables, tables.lastPositions[lo]);
}

/** Whether any proof exists for `challengeIndex`, without building it. */
export function hasProof(tables: PosTables, challengeIndex: number): boolean {
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
  return lo < lastYs.length && lastYs[lo] >>> PARAM_EXT === firstK;
}

function proofFromPosition(tables: PosTables, lastPosition: number): Uint8Array {
  const { k, pairs } = tables;
  let level = new Uint32Array(64);
  let next = new Uint32Array(64);
  level[0] = lastPosition;
  let width = 1;
  for (let t = 7; t >= 2; t--) {
    const p = pairs[t - 2];
    for (let i = 0; i < width; i++) {
      next[2 * i] = p[2 * level[i]];
      next[2 * i + 1] = p[2 * level[i] + 1];
    }
    [level, next] = [next, level];
    width *= 2;
  }
  const proof = new Uint8Array(proofSize(k));
  for (let i = 0; i < 64; i++) writeBits(proof, i * k, level[i], k);
  return proof;
}

/** ORs the K-bit value `v` at bit offset `bitOffset` (big-endian bit order). */
function writeBits(out: Uint8Array, bitOffset: number, v: number, k: number): void {
  for (let b = 0; b < k; b++) {
    if ((v >>> (k - 1 - b)) & 1) {
      const bit = bitOffset + b;
      out[bit >>> 3] |= 0x80 >>> (bit & 7);
    }
  }
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
