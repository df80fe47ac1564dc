/**
 * The proof-of-space table pipeline in WebAssembly (with 128-bit SIMD), generated at load time by
 * the erasure-coding emitter (`wasmEmitter.ts`: no toolchain, no binary in the tree). One module
 * per K; every array of a build lives in one linear memory, so tables pass from kernel to kernel
 * without copies. Only the ChaCha8 keystream / f1 (JS, ~10 ms) and the bucket boundaries (JS,
 * ~5k binary searches) run outside it, and the final pairs are copied out once per table.
 *
 * Kernels, per table t (2..7), the same steps and the same order as `tables.ts`:
 * - `match_first` / `match_next`: adjacent-bucket matching. Right entries go into maps indexed by
 *   an "extended" r (rows 0..62 duplicated as rows 119..181), so a left entry's 64 targets are
 *   `c·C + m·C + col[rc][m]` with no modular row (`m·C` folds into the load's offset, and `col`
 *   is a 16 KB u8 table against the TS path's 3.7 MB of targets). Targets are probed in m order;
 *   those that wrap to low rows (m ≥ B − c) are the smallest and are emitted at once, the others
 *   are deferred and emitted after, so matches come out in the reference's order (ascending
 *   target) with no sorting.
 * - `fx_t`: fx of four matches at once, one per 32-bit lane: bit packing of `y ‖ meta_L ‖
 *   meta_R` with constant shifts (parent metadata read as 16 bytes per parent and transposed),
 *   one BLAKE3 compression (message words past the input are known zero and skipped), and the
 *   output `y` and metadata. Specialised per K and table.
 * - `sort`: two-pass LSD radix sort of `(y, position)` with the position carried in the low half
 *   of an i64.
 * - `gather_w`: `out[i] = values[order[i]]` for records of w words (pairs, metadata).
 *
 * A build whose matches would exceed the reserved capacity (2^K + 2^(K−3); K=15..20 tables have
 * at most 2^K entries) returns null and the caller falls back to the TS path, which has no bound.
 * Memory: ~60 bytes per entry of capacity (~71 MB at K=20), kept by the owning cache and reused.
 *
 * PERF (K=20, one core, loaded 2-core VM; same session, alternating): table build 1.81–1.85 s
 * (TS) → 0.67–0.71 s; the first build in a process (module compile, tier-up) 2.0–2.2 s → 0.9–1.2 s.
 * Per table now: matching ~50 ms (64 probes per left entry: ~0.8 ns each; the probes, not the
 * map fills or the target table, are the cost), fx ~30–36 ms (the 4-lane BLAKE3 compression; the
 * packing adds ≤ 5 ms), radix sort ~16 ms, the two gathers ~11 ms, copying pairs out ~4 ms.
 */
import { I32, I64, ModuleBuilder, Op, WebAssemblyApi, compileWasm, instantiateWasm, type FnBuilder, type ValType, type WasmMemory } from "../erasure-coding/wasmEmitter.ts";
import { MAX_BUCKET_SIZE, metadataSizeBits, numBuckets, PARAM_B, PARAM_BC, PARAM_C, PARAM_M, ySizeBits } from "./constants.ts";
import { wordsFor } from "./functions.ts";

const V128 = 0x7b as ValType;

// ---- fixed layout (bytes) ---------------------------------------------------------------------

/** Rows of the extended r space: 119 real rows and 63 duplicated ones. */
const EXT_ROWS = PARAM_B + PARAM_M - 1;
const EXT_R = EXT_ROWS * PARAM_C;
/** r below this has a duplicate at r + B·C. */
const DUP_LIMIT = (PARAM_M - 1) * PARAM_C;
const DUP_OFFSET = PARAM_B * PARAM_C;
const align = (v: number, a = 64): number => Math.ceil(v / a) * a;
/** `tab[parity][rc][m]` (u8): the column `(rc + (2m + parity)²) mod C` of target m. */
const TAB = 0;
const PRES = align(TAB + 2 * PARAM_C * PARAM_M);
const CNT = align(PRES + EXT_R);
const FIRST = align(CNT + 2 * EXT_R);
/**
 * Targets probed per branch. PERF (K=20, table 2, same run): 8 → 58 ms, 4 → 51 ms, 2 → 48 ms, 1 →
 * 55 ms; a hit is ~1.5 % per target, so small groups mispredict less while one probe per
 * branch pays for the branches.
 */
const PROBE_GROUP = 2;
/** Deferred targets of one left entry (at most 64). */
const DEFER = align(FIRST + 4 * EXT_R);
const RADIX = align(DEFER + 4 * PARAM_M);

// ---- emission helpers -------------------------------------------------------------------------

/** Opcodes the shared emitter's table lacks (core spec §5.4). */
const OP_SHR_U64 = 0x88, OP_STORE8 = 0x3a, OP_STORE16 = 0x3b, OP_LOAD16U = 0x2f, OP_LOAD8U = 0x2d;

function leb(n: number, out: number[]): void {
  let v = n >>> 0;
  do {
    const b = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? b : b | 0x80);
  } while (v !== 0);
}

/** SIMD instruction `0xfd op` (op as LEB128) plus immediates. */
function simd(f: FnBuilder, op: number, ...imm: number[]): void {
  const bytes = [0xfd];
  leb(op, bytes);
  f.op(...bytes, ...imm);
}
const memarg = (offset: number): number[] => {
  const out = [0];
  leb(offset, out);
  return out;
};
const v128Load = (f: FnBuilder, offset = 0): void => simd(f, 0x00, ...memarg(offset));
const v128Store = (f: FnBuilder, offset = 0): void => simd(f, 0x0b, ...memarg(offset));
const shuffle = (f: FnBuilder, lanes: number[]): void => simd(f, 0x0d, ...lanes);
const i32x4Splat = (f: FnBuilder): void => simd(f, 0x11);
const v128And = (f: FnBuilder): void => simd(f, 0x4e);
const v128Or = (f: FnBuilder): void => simd(f, 0x50);
const v128Xor = (f: FnBuilder): void => simd(f, 0x51);
const i32x4Shl = (f: FnBuilder): void => simd(f, 171);
const i32x4ShrU = (f: FnBuilder): void => simd(f, 173);
const i32x4Add = (f: FnBuilder): void => simd(f, 174);
/** Byte lanes of a per-32-bit-lane byte permutation. */
const perLane = (p: number[]): number[] => [0, 1, 2, 3].flatMap((l) => p.map((b) => 4 * l + b));
const BSWAP = perLane([3, 2, 1, 0]);
const ROTR16 = perLane([2, 3, 0, 1]);
const ROTR8 = perLane([1, 2, 3, 0]);
/** i32 lanes `a,b,c,d` of the pair (x: 0..3, y: 4..7) as byte lanes. */
const lanes32 = (...ls: number[]): number[] => ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/** Splat of a constant. */
const splat = (f: FnBuilder, v: number): void => {
  f.i32(v);
  i32x4Splat(f);
};
/** `x >>> s` or `x << s` on the v128 at the top of the stack (s constant, 0 < s < 32). */
const shr = (f: FnBuilder, s: number): void => {
  f.i32(s);
  i32x4ShrU(f);
};
const shl = (f: FnBuilder, s: number): void => {
  f.i32(s);
  i32x4Shl(f);
};

/** `block { loop { body } }`: in `body`, `br 0` continues and `br 1` leaves. */
function forever(f: FnBuilder, body: () => void): void {
  f.block(() => f.loop(body));
}

// ---- fx -------------------------------------------------------------------------------------

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

/**
 * Word vectors (locals, or null for known zero) of a bit string; `orBits` ORs `src` (left-aligned
 * words, zero after `srcBits`) in at `bitOffset`.
 */
class Words {
  readonly w: (number | null)[];
  constructor(
    private readonly f: FnBuilder,
    n: number,
    private readonly pool: number[],
  ) {
    this.w = new Array<number | null>(n).fill(null);
  }
  private orInto(i: number, emitValue: () => void): void {
    const f = this.f;
    const cur = this.w[i];
    if (cur === null || cur === undefined) {
      const l = this.pool.pop()!;
      emitValue();
      f.set(l);
      this.w[i] = l;
    } else {
      f.get(cur);
      emitValue();
      v128Or(f);
      f.set(cur);
    }
  }
  orBits(bitOffset: number, src: number[], srcBits: number): void {
    const f = this.f;
    const shift = bitOffset & 31;
    const base = bitOffset >>> 5;
    const srcWords = wordsFor(srcBits);
    const endWord = wordsFor(bitOffset + srcBits);
    for (let j = 0; j < srcWords; j++) {
      const s = src[j]!;
      if (shift === 0) {
        this.orInto(base + j, () => f.get(s));
      } else {
        this.orInto(base + j, () => (f.get(s), shr(f, shift)));
        if (base + j + 1 < endWord) this.orInto(base + j + 1, () => (f.get(s), shl(f, 32 - shift)));
      }
    }
  }
}

/**
 * fx_t(pairs, ys, metaIn, metaOut, n): for entries 0..n (rounded up to 4), hashes
 * `ys[e] ‖ meta(left) ‖ meta(right)` and writes the output y over `ys[e]` and the metadata at
 * `metaOut + e·outWords·4`. `pairs` holds x-values for t = 2, parent sorted indices otherwise.
 */
function emitFx(m: ModuleBuilder, k: number, t: number): void {
  const f = m.fn(`fx${t}`, [I32, I32, I32, I32, I32], []);
  const [pairs, ys, metaIn, metaOut, n] = [0, 1, 2, 3, 4];
  const e = f.local(I32);
  const yBits = ySizeBits(k);
  const parentBits = metadataSizeBits(k, t - 1);
  const parentWords = wordsFor(parentBits);
  const outBits = metadataSizeBits(k, t);
  const outWords = wordsFor(outBits);
  const inputBits = yBits + 2 * parentBits;
  const inputWords = wordsFor(inputBits);
  const inputBytes = (inputBits + 7) >>> 3;
  const concat = t < 4;
  if (inputWords > 16) throw new Error("fx input exceeds one BLAKE3 block");
  const pool = Array.from({ length: 40 }, () => f.local(V128));
  const take = (): number => pool.pop()!;
  const v = Array.from({ length: 16 }, () => f.local(V128));
  const tmp = Array.from({ length: 8 }, () => f.local(V128));

  /** Transposes 4 record vectors (lane = word) into word vectors (lane = record), first `count`. */
  const transpose = (rec: number[], count: number, out: number[]): void => {
    // t0 = [r0.w0 r1.w0 r0.w1 r1.w1], t1 = [r0.w2 r1.w2 r0.w3 r1.w3], t2/t3 likewise for r2, r3
    const pairsOf: [number, number, number[]][] = [
      [rec[0]!, rec[1]!, lanes32(0, 4, 1, 5)],
      [rec[0]!, rec[1]!, lanes32(2, 6, 3, 7)],
      [rec[2]!, rec[3]!, lanes32(0, 4, 1, 5)],
      [rec[2]!, rec[3]!, lanes32(2, 6, 3, 7)],
    ];
    pairsOf.forEach(([a, b, lanes], i) => {
      if (i % 2 === 1 && count <= 2) return;
      f.get(a).get(b);
      shuffle(f, lanes);
      f.set(tmp[i]!);
    });
    for (let w = 0; w < count; w++) {
      const [x, y] = w < 2 ? [tmp[0]!, tmp[2]!] : [tmp[1]!, tmp[3]!];
      f.get(x).get(y);
      shuffle(f, w % 2 === 0 ? lanes32(0, 1, 4, 5) : lanes32(2, 3, 6, 7));
      f.set(out[w]!);
    }
  };

  forever(f, () => {
    f.get(e).get(n).op(Op.i32GeU).brIf(1);
    // parent values as word vectors (left-aligned)
    const left = Array.from({ length: parentWords }, take);
    const right = Array.from({ length: parentWords }, take);
    if (t === 2) {
      const a = take(), b = take();
      f.get(pairs).get(e).i32(8).op(Op.i32Mul).op(Op.i32Add);
      v128Load(f, 0);
      f.set(a);
      f.get(pairs).get(e).i32(8).op(Op.i32Mul).op(Op.i32Add);
      v128Load(f, 16);
      f.set(b);
      f.get(a).get(b);
      shuffle(f, lanes32(0, 2, 4, 6));
      shl(f, 32 - k);
      f.set(left[0]!);
      f.get(a).get(b);
      shuffle(f, lanes32(1, 3, 5, 7));
      shl(f, 32 - k);
      f.set(right[0]!);
      pool.push(a, b);
    } else {
      for (const [side, dst] of [[0, left], [1, right]] as const) {
        const rec = [take(), take(), take(), take()];
        for (let l = 0; l < 4; l++) {
          // v128.load(metaIn + pairs[2(e + l) + side] · parentWords · 4)
          f.get(metaIn);
          f.get(pairs).get(e).i32(8).op(Op.i32Mul).op(Op.i32Add);
          f.mem(Op.i32Load, 8 * l + 4 * side, 2);
          f.i32(parentWords * 4).op(Op.i32Mul).op(Op.i32Add);
          v128Load(f, 0);
          f.set(rec[l]!);
        }
        transpose(rec, parentWords, dst);
        pool.push(...rec);
      }
    }
    // message words: y ‖ left ‖ right
    const msg = new Words(f, inputWords, pool);
    const y = take();
    f.get(ys).get(e).i32(4).op(Op.i32Mul).op(Op.i32Add);
    v128Load(f, 0);
    shl(f, 32 - yBits);
    f.set(y);
    msg.orBits(0, [y], yBits);
    msg.orBits(yBits, left, parentBits);
    msg.orBits(yBits + parentBits, right, parentBits);
    pool.push(y);
    let outMeta: (number | null)[] = [];
    if (concat) {
      const out = new Words(f, outWords, pool);
      out.orBits(0, left, parentBits);
      out.orBits(parentBits, right, parentBits);
      outMeta = out.w;
    }
    pool.push(...left, ...right);
    const mw: (number | null)[] = msg.w.map((l) => {
      if (l === null) return null;
      f.get(l).get(l);
      shuffle(f, BSWAP);
      f.set(l);
      return l;
    });
    // BLAKE3 compression, one block: CHUNK_START | CHUNK_END | ROOT, counter 0
    for (let i = 0; i < 8; i++) (splat(f, IV[i]! | 0), f.set(v[i]!));
    for (let i = 0; i < 4; i++) (splat(f, IV[i]! | 0), f.set(v[8 + i]!));
    (splat(f, 0), f.set(v[12]!));
    (splat(f, 0), f.set(v[13]!));
    (splat(f, inputBytes), f.set(v[14]!));
    (splat(f, 11), f.set(v[15]!));
    let schedule = Array.from({ length: 16 }, (_, i) => i);
    const addMsg = (word: number): void => {
      const l = word < inputWords ? mw[word] : null;
      if (l !== null && l !== undefined) {
        f.get(l);
        i32x4Add(f);
      }
    };
    const g = (a: number, b: number, c: number, d: number, mx: number, my: number): void => {
      const [A, B, C, D] = [v[a]!, v[b]!, v[c]!, v[d]!];
      f.get(A).get(B);
      i32x4Add(f);
      addMsg(mx);
      f.tee(A).get(D);
      v128Xor(f);
      f.tee(D).get(D);
      shuffle(f, ROTR16);
      f.tee(D).get(C);
      i32x4Add(f);
      f.tee(C).get(B);
      v128Xor(f);
      f.tee(B);
      shr(f, 12);
      f.get(B);
      shl(f, 20);
      v128Or(f);
      f.set(B);
      f.get(A).get(B);
      i32x4Add(f);
      addMsg(my);
      f.tee(A).get(D);
      v128Xor(f);
      f.tee(D).get(D);
      shuffle(f, ROTR8);
      f.tee(D).get(C);
      i32x4Add(f);
      f.tee(C).get(B);
      v128Xor(f);
      f.tee(B);
      shr(f, 7);
      f.get(B);
      shl(f, 25);
      v128Or(f);
      f.set(B);
    };
    for (let round = 0; round < 7; round++) {
      const s = schedule;
      g(0, 4, 8, 12, s[0]!, s[1]!);
      g(1, 5, 9, 13, s[2]!, s[3]!);
      g(2, 6, 10, 14, s[4]!, s[5]!);
      g(3, 7, 11, 15, s[6]!, s[7]!);
      g(0, 5, 10, 15, s[8]!, s[9]!);
      g(1, 6, 11, 12, s[10]!, s[11]!);
      g(2, 7, 8, 13, s[12]!, s[13]!);
      g(3, 4, 9, 14, s[14]!, s[15]!);
      schedule = MSG_PERMUTATION.map((p) => s[p]!);
    }
    for (const l of mw) if (l !== null) pool.push(l);
    // digest words h_i = bswap(v_i ^ v_{i+8}) (big-endian bit order), in v[i]
    const hWords = concat || outWords === 0 ? 1 : outWords + 1;
    for (let i = 0; i < hWords; i++) {
      f.get(v[i]!).get(v[i + 8]!);
      v128Xor(f);
      f.tee(v[i]!).get(v[i]!);
      shuffle(f, BSWAP);
      f.set(v[i]!);
    }
    f.get(ys).get(e).i32(4).op(Op.i32Mul).op(Op.i32Add);
    f.get(v[0]!);
    shr(f, 32 - yBits);
    v128Store(f, 0);
    if (outWords > 0) {
      if (!concat) {
        outMeta = [];
        for (let j = 0; j < outWords; j++) {
          const l = take();
          f.get(v[j]!);
          shl(f, yBits);
          f.get(v[j + 1]!);
          shr(f, 32 - yBits);
          v128Or(f);
          f.set(l);
          outMeta.push(l);
        }
      }
      const tail = outBits & 31;
      if (tail !== 0) {
        const l = outMeta[outWords - 1]!;
        f.get(l);
        splat(f, (~0 << (32 - tail)) | 0);
        v128And(f);
        f.set(l);
      }
      // words → records, stored as 16 bytes each in entry order (later stores fix the overlap)
      const words = Array.from({ length: 4 }, (_, w) => {
        const l = outMeta[w];
        if (l !== undefined && l !== null) return l;
        const z = take();
        splat(f, 0);
        f.set(z);
        return z;
      });
      const rec = [take(), take(), take(), take()];
      transpose(words, 4, rec);
      for (let l = 0; l < 4; l++) {
        f.get(metaOut).get(e).i32(outWords * 4).op(Op.i32Mul).op(Op.i32Add);
        f.get(rec[l]!);
        v128Store(f, l * outWords * 4);
      }
      pool.push(...rec);
      for (let w = 0; w < 4; w++) pool.push(words[w]!);
    }
    f.get(e).i32(4).op(Op.i32Add).set(e);
    f.br(0);
  });
}

// ---- matching -------------------------------------------------------------------------------

/**
 * match(ys, positions, bucketStart, buckets, pairsOut, leftYsOut, cap) → matches, or −1 when a
 * bucket pair could exceed `cap`. `first`: pairs are positions (x-values), else sorted indices.
 */
function emitMatch(m: ModuleBuilder, first: boolean): void {
  const f = m.fn(first ? "match_first" : "match_next", [I32, I32, I32, I32, I32, I32, I32], [I32]);
  const [ys, pos, bs, buckets, pairsOut, leftYsOut, cap] = [0, 1, 2, 3, 4, 5, 6];
  const L = (): number => f.local(I32);
  const [b, ls, le, re, leftBase, rightBase, j, r, i, ly, lr, c, cBase, mp, g, q, t, cnt, fst, jEnd, length, limit, parityOff, s, mStart] =
    Array.from({ length: 25 }, L);
  const addr = (base: number, idx: number, scale: number): void => {
    f.get(base).get(idx);
    if (scale !== 1) f.i32(scale).op(Op.i32Mul);
    f.op(Op.i32Add);
  };
  /** For r (local `reg`) and its duplicate: emit `body(reg)`. */
  const withDup = (body: () => void): void => {
    body();
    f.get(r).i32(DUP_LIMIT).op(Op.i32LtU);
    f.ifThen(() => {
      f.get(r).i32(DUP_OFFSET).op(Op.i32Add).set(r);
      body();
    });
  };
  f.i32(0).set(length);
  f.i32(0).set(b);
  forever(f, () => {
    f.get(b).i32(1).op(Op.i32Add).get(buckets).op(Op.i32GeU).brIf(1);
    addr(bs, b, 4);
    f.mem(Op.i32Load, 0, 2).set(ls);
    addr(bs, b, 4);
    f.mem(Op.i32Load, 4, 2).set(le);
    addr(bs, b, 4);
    f.mem(Op.i32Load, 8, 2).set(re);
    f.block(() => {
      // skip empty bucket pairs
      f.get(ls).get(le).op(Op.i32Eq).brIf(0);
      f.get(le).get(re).op(Op.i32Eq).brIf(0);
      f.get(length).i32(MAX_BUCKET_SIZE).op(Op.i32Add).get(cap).op(Op.i32GtU);
      f.ifThen(() => void f.i32(-1).op(Op.return));
      f.get(b).i32(PARAM_BC).op(Op.i32Mul).tee(leftBase).i32(PARAM_BC).op(Op.i32Add).set(rightBase);
      // right bucket into the maps
      f.get(le).set(j);
      forever(f, () => {
        f.get(j).get(re).op(Op.i32GeU).brIf(1);
        addr(ys, j, 4);
        f.mem(Op.i32Load, 0, 2).get(rightBase).op(Op.i32Sub).set(r);
        withDup(() => {
          f.get(r).i32(1).op(Op.i32Shl).mem(OP_LOAD16U, CNT, 1).tee(cnt).op(Op.i32Eqz);
          f.ifThen(() => {
            f.get(r).i32(2).op(Op.i32Shl).get(j).mem(Op.i32Store, FIRST, 2);
          });
          f.get(r).i32(1).op(Op.i32Shl).get(cnt).i32(1).op(Op.i32Add).mem(OP_STORE16, CNT, 1);
          f.get(r).i32(1).mem(OP_STORE8, PRES, 0);
        });
        f.get(j).i32(1).op(Op.i32Add).set(j);
        f.br(0);
      });
      f.get(b).i32(1).op(Op.i32And).i32(PARAM_C * PARAM_M).op(Op.i32Mul).set(parityOff);
      f.get(length).i32(MAX_BUCKET_SIZE).op(Op.i32Add).set(limit);
      /** Emits the matches of left `i` with right entries fst..jEnd; `out` = depth of the left loop's block. */
      const emitRun = (out: number): void => {
        f.get(fst).get(cnt).op(Op.i32Add).set(jEnd);
        forever(f, () => {
          f.get(fst).get(jEnd).op(Op.i32GeU).brIf(1);
          f.get(length).get(limit).op(Op.i32Eq).brIf(out);
          addr(pairsOut, length, 8);
          if (first) {
            addr(pos, i, 4);
            f.mem(Op.i32Load, 0, 2);
          } else {
            f.get(i);
          }
          f.mem(Op.i32Store, 0, 2);
          addr(pairsOut, length, 8);
          if (first) {
            addr(pos, fst, 4);
            f.mem(Op.i32Load, 0, 2);
          } else {
            f.get(fst);
          }
          f.mem(Op.i32Store, 4, 2);
          addr(leftYsOut, length, 4);
          f.get(ly).mem(Op.i32Store, 0, 2);
          f.get(length).i32(1).op(Op.i32Add).set(length);
          f.get(fst).i32(1).op(Op.i32Add).set(fst);
          f.br(0);
        });
      };
      f.get(ls).set(i);
      forever(f, () => {
        f.get(i).get(le).op(Op.i32GeU).brIf(1);
        addr(ys, i, 4);
        f.mem(Op.i32Load, 0, 2).tee(ly).get(leftBase).op(Op.i32Sub).tee(lr);
        f.i32(PARAM_C).op(Op.i32DivU).tee(c).i32(PARAM_C).op(Op.i32Mul).set(cBase);
        // targets m ≥ mStart wrap to rows 0.. (smaller r): they come first, the others are deferred.
        // mStart = B − c when that is < 64, else 0 (no wrap)
        f.i32(PARAM_B).get(c).op(Op.i32Sub).tee(s).i32(0).get(s).i32(PARAM_M).op(Op.i32LtU).op(Op.select).set(mStart);
        // mp = TAB + parityOff + rc·64 (u8 columns; target = cBase + m·C + col)
        f.get(parityOff).get(lr).get(cBase).op(Op.i32Sub).i32(PARAM_M).op(Op.i32Mul).op(Op.i32Add).i32(TAB).op(Op.i32Add).set(mp);
        f.i32(0).set(g); // deferred hits
        for (let group = 0; group < PARAM_M / PROBE_GROUP; group++) {
          for (let k = 0; k < PROBE_GROUP; k++) {
            const mm = PROBE_GROUP * group + k;
            f.get(cBase).get(mp).mem(OP_LOAD8U, mm, 0).op(Op.i32Add).mem(OP_LOAD8U, PRES + mm * PARAM_C, 0);
            if (k > 0) f.op(Op.i32Or);
          }
          f.ifThen(() => {
            f.i32(0).set(q);
            forever(f, () => {
              f.get(q).i32(PROBE_GROUP).op(Op.i32GeU).brIf(1);
              // t = cBase + m·C + col[m], m = PROBE_GROUP·group + q
              f.get(cBase).get(mp).get(q).op(Op.i32Add).mem(OP_LOAD8U, PROBE_GROUP * group, 0).op(Op.i32Add);
              f.get(q).i32(PROBE_GROUP * group).op(Op.i32Add).i32(PARAM_C).op(Op.i32Mul).op(Op.i32Add).tee(t);
              f.i32(1).op(Op.i32Shl).mem(OP_LOAD16U, CNT, 1).tee(cnt);
              f.ifThen(() => {
                f.get(q).i32(PROBE_GROUP * group).op(Op.i32Add).get(mStart).op(Op.i32LtU);
                f.ifThen(
                  () => {
                    f.get(g).i32(2).op(Op.i32Shl).get(t).mem(Op.i32Store, DEFER, 2);
                    f.get(g).i32(1).op(Op.i32Add).set(g);
                  },
                  () => {
                    f.get(t).i32(2).op(Op.i32Shl).mem(Op.i32Load, FIRST, 2).set(fst);
                    // depth: 0 j loop, 1 j block, 2 else, 3 if cnt, 4 q loop, 5 q block, 6 if any, 7 left loop, 8 left block
                    emitRun(8);
                  },
                );
              });
              f.get(q).i32(1).op(Op.i32Add).set(q);
              f.br(0);
            });
          });
        }
        // deferred (unwrapped) targets, ascending
        f.i32(0).set(q);
        forever(f, () => {
          f.get(q).get(g).op(Op.i32GeU).brIf(1);
          f.get(q).i32(2).op(Op.i32Shl).mem(Op.i32Load, DEFER, 2).tee(t);
          f.i32(1).op(Op.i32Shl).mem(OP_LOAD16U, CNT, 1).set(cnt);
          f.get(t).i32(2).op(Op.i32Shl).mem(Op.i32Load, FIRST, 2).set(fst);
          // depth: 0 j loop, 1 j block, 2 d loop, 3 d block, 4 left loop, 5 left block
          emitRun(5);
          f.get(q).i32(1).op(Op.i32Add).set(q);
          f.br(0);
        });
        f.get(i).i32(1).op(Op.i32Add).set(i);
        f.br(0);
      });
      // clear the maps
      f.get(le).set(j);
      forever(f, () => {
        f.get(j).get(re).op(Op.i32GeU).brIf(1);
        addr(ys, j, 4);
        f.mem(Op.i32Load, 0, 2).get(rightBase).op(Op.i32Sub).set(r);
        withDup(() => {
          f.get(r).i32(1).op(Op.i32Shl).i32(0).mem(OP_STORE16, CNT, 1);
          f.get(r).i32(0).mem(OP_STORE8, PRES, 0);
        });
        f.get(j).i32(1).op(Op.i32Add).set(j);
        f.br(0);
      });
    });
    f.get(b).i32(1).op(Op.i32Add).set(b);
    f.br(0);
  });
  f.get(length);
}

// ---- sort and gather ------------------------------------------------------------------------

/** sort(ys, n, tmp, outYs, outPositions): stable by y, two LSD passes; counts at RADIX. */
function emitSort(m: ModuleBuilder, k: number): void {
  const f = m.fn("sort", [I32, I32, I32, I32, I32], []);
  const [ys, n, tmp, outYs, outPos] = [0, 1, 2, 3, 4];
  const yBits = ySizeBits(k);
  const loBits = yBits >>> 1;
  const hiBits = yBits - loBits;
  const loMask = (1 << loBits) - 1;
  const CLO = RADIX;
  const CHI = RADIX + 4 * (1 << loBits);
  const [i, y, d, sum, c] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const vv = f.local(I64);
  const countLoop = (limit: number | null, body: () => void, limitLocal?: number): void => {
    f.i32(0).set(i);
    forever(f, () => {
      f.get(i);
      if (limitLocal !== undefined) f.get(limitLocal);
      else f.i32(limit!);
      f.op(Op.i32GeU).brIf(1);
      body();
      f.get(i).i32(1).op(Op.i32Add).set(i);
      f.br(0);
    });
  };
  countLoop((1 << loBits) + (1 << hiBits), () => void f.get(i).i32(2).op(Op.i32Shl).i32(0).mem(Op.i32Store, CLO, 2));
  const bump = (base: number, digit: () => void, keep: boolean): void => {
    digit();
    f.i32(2).op(Op.i32Shl).tee(c);
    f.get(c).mem(Op.i32Load, base, 2);
    if (keep) f.tee(d);
    f.i32(1).op(Op.i32Add).mem(Op.i32Store, base, 2);
  };
  countLoop(null, () => {
    f.get(ys).get(i).i32(2).op(Op.i32Shl).op(Op.i32Add).mem(Op.i32Load, 0, 2).set(y);
    bump(CLO, () => f.get(y).i32(loMask).op(Op.i32And), false);
    bump(CHI, () => f.get(y).i32(loBits).op(Op.i32ShrU), false);
  }, n);
  for (const [base, size] of [[CLO, 1 << loBits], [CHI, 1 << hiBits]]) {
    f.i32(0).set(sum);
    countLoop(size!, () => {
      f.get(i).i32(2).op(Op.i32Shl).mem(Op.i32Load, base!, 2).set(c);
      f.get(i).i32(2).op(Op.i32Shl).get(sum).mem(Op.i32Store, base!, 2);
      f.get(sum).get(c).op(Op.i32Add).set(sum);
    });
  }
  countLoop(null, () => {
    f.get(ys).get(i).i32(2).op(Op.i32Shl).op(Op.i32Add).mem(Op.i32Load, 0, 2).set(y);
    bump(CLO, () => f.get(y).i32(loMask).op(Op.i32And), true);
    f.get(tmp).get(d).i32(3).op(Op.i32Shl).op(Op.i32Add);
    f.get(y).op(Op.i64ExtendI32U).i64(32n).op(Op.i64Shl).get(i).op(Op.i64ExtendI32U).op(Op.i64Or);
    f.mem(Op.i64Store, 0, 3);
  }, n);
  countLoop(null, () => {
    f.get(tmp).get(i).i32(3).op(Op.i32Shl).op(Op.i32Add).mem(Op.i64Load, 0, 3).tee(vv);
    f.i64(32n).op(OP_SHR_U64).op(Op.i32WrapI64).set(y);
    bump(CHI, () => f.get(y).i32(loBits).op(Op.i32ShrU), true);
    f.get(outYs).get(d).i32(2).op(Op.i32Shl).op(Op.i32Add).get(y).mem(Op.i32Store, 0, 2);
    f.get(outPos).get(d).i32(2).op(Op.i32Shl).op(Op.i32Add).get(vv).op(Op.i32WrapI64).mem(Op.i32Store, 0, 2);
  }, n);
}

/** gather_w(values, order, n, out): records of w words (w ≥ 3 copy 16 bytes; needs slack). */
function emitGather(m: ModuleBuilder, w: number): void {
  const f = m.fn(`gather${w}`, [I32, I32, I32, I32], []);
  const [values, order, n, out] = [0, 1, 2, 3];
  const i = f.local(I32);
  f.i32(0).set(i);
  forever(f, () => {
    f.get(i).get(n).op(Op.i32GeU).brIf(1);
    f.get(out).get(i).i32(4 * w).op(Op.i32Mul).op(Op.i32Add);
    f.get(values);
    f.get(order).get(i).i32(2).op(Op.i32Shl).op(Op.i32Add).mem(Op.i32Load, 0, 2);
    f.i32(4 * w).op(Op.i32Mul).op(Op.i32Add);
    if (w === 1) {
      f.mem(Op.i32Load, 0, 2);
      f.mem(Op.i32Store, 0, 2);
    } else if (w === 2) {
      f.mem(Op.i64Load, 0, 3);
      f.mem(Op.i64Store, 0, 3);
    } else {
      v128Load(f, 0);
      v128Store(f, 0);
    }
    f.get(i).i32(1).op(Op.i32Add).set(i);
    f.br(0);
  });
}

function buildModule(k: number): Uint8Array {
  const m = new ModuleBuilder();
  emitMatch(m, true);
  emitMatch(m, false);
  for (let t = 2; t <= 7; t++) emitFx(m, k, t);
  emitSort(m, k);
  for (let w = 1; w <= 4; w++) emitGather(m, w);
  return m.encode(1);
}

// ---- runtime --------------------------------------------------------------------------------

interface Exports {
  memory: WasmMemory;
  match_first(ys: number, pos: number, bs: number, buckets: number, pairs: number, leftYs: number, cap: number): number;
  match_next(ys: number, pos: number, bs: number, buckets: number, pairs: number, leftYs: number, cap: number): number;
  fx2(pairs: number, ys: number, metaIn: number, metaOut: number, n: number): void;
  sort(ys: number, n: number, tmp: number, outYs: number, outPos: number): void;
  gather1(values: number, order: number, n: number, out: number): void;
  gather2(values: number, order: number, n: number, out: number): void;
  gather3(values: number, order: number, n: number, out: number): void;
  gather4(values: number, order: number, n: number, out: number): void;
  [name: string]: unknown;
}

type Fx = (pairs: number, ys: number, metaIn: number, metaOut: number, n: number) => void;
type Gather = (values: number, order: number, n: number, out: number) => void;

const modules = new Map<number, object>();

/** The match columns table (`TAB`). */
function targetColumns(): Uint8Array {
  const tab = new Uint8Array(2 * PARAM_C * PARAM_M);
  for (let parity = 0; parity < 2; parity++) {
    for (let rc = 0; rc < PARAM_C; rc++) {
      for (let mm = 0; mm < PARAM_M; mm++) {
        const s = 2 * mm + parity;
        tab[(parity * PARAM_C + rc) * PARAM_M + mm] = (rc + s * s) % PARAM_C;
      }
    }
  }
  return tab;
}

/** One instance (memory) for one K. Not reentrant. */
export class PosWasm {
  private readonly x: Exports;
  private readonly fx: Fx[] = [];
  private readonly gathers: Gather[];
  /** Entries reserved per array. */
  readonly cap: number;
  private readonly buckets: number;
  // array addresses
  private readonly ysA: number; // sorted ys of the parent
  private readonly posA: number; // sorted positions of the parent
  private readonly bsA: number; // bucket starts
  private readonly metaA: number; // parent metadata in sorted order
  private readonly pairsA: number; // matches' pairs, generation order
  private readonly work: number; // matches' left ys, then fx output ys (in place)
  private readonly metaOut: number; // fx output metadata, generation order
  private readonly tmp: number; // sort scratch, then pairs in sorted order

  /** `cap` (entries per table) is for tests; the default fits every table seen at K=15..20. */
  constructor(
    readonly k: number,
    options: { cap?: number } = {},
  ) {
    let module = modules.get(k);
    if (module === undefined) {
      module = compileWasm(buildModule(k));
      modules.set(k, module);
    }
    this.x = instantiateWasm<Exports>(module);
    for (let t = 2; t <= 7; t++) this.fx[t] = this.x[`fx${t}`] as Fx;
    this.gathers = [this.x.gather1, this.x.gather1, this.x.gather2, this.x.gather3, this.x.gather4];
    this.cap = options.cap ?? 2 ** k + 2 ** (k - 3);
    this.buckets = numBuckets(k);
    const slack = 64;
    const cap = this.cap;
    const loBits = ySizeBits(k) >>> 1;
    let top = align(RADIX + 4 * ((1 << loBits) + (1 << (ySizeBits(k) - loBits))));
    const take = (bytes: number): number => {
      const p = top;
      top = align(top + bytes + slack);
      return p;
    };
    this.ysA = take(4 * cap);
    this.posA = take(4 * cap);
    this.bsA = take(4 * (this.buckets + 2));
    this.metaA = take(16 * cap);
    this.pairsA = take(8 * cap);
    this.work = take(4 * cap);
    this.metaOut = take(16 * cap);
    this.tmp = take(8 * cap);
    const need = top - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / 65536));
    new Uint8Array(this.x.memory.buffer, TAB, 2 * PARAM_C * PARAM_M).set(targetColumns());
  }

  private u32(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer);
  }

  /**
   * Builds the tables from table 1's `y`s (written by `fillF1` into the view it is given).
   * Returns null when a table would exceed the reserved capacity.
   */
  build(fillF1: (ys: Uint32Array) => void): { lastYs: Uint32Array; pairs: Uint32Array[] } | null {
    const { k, x, cap } = this;
    const n1 = 2 ** k;
    if (n1 > cap) return null;
    fillF1(new Uint32Array(this.x.memory.buffer, this.work, n1));
    x.sort(this.work, n1, this.tmp, this.ysA, this.posA);
    let parentN = this.finishBuckets(n1);
    const pairs: Uint32Array[] = [];
    for (let t = 2; t <= 7; t++) {
      const match = t === 2 ? x.match_first : x.match_next;
      const n = match(this.ysA, this.posA, this.bsA, this.buckets, this.pairsA, this.work, cap);
      if (n < 0) return null;
      // pad to a multiple of 4 with valid parent indices
      const u32 = this.u32();
      u32.fill(0, (this.pairsA >>> 2) + 2 * n, (this.pairsA >>> 2) + 2 * n + 8);
      this.fx[t]!(this.pairsA, this.work, this.metaA, this.metaOut, n);
      x.sort(this.work, n, this.tmp, this.ysA, this.posA);
      parentN = this.finishBuckets(n);
      this.gathers[2]!(this.pairsA, this.posA, parentN, this.tmp);
      pairs.push(this.u32().slice(this.tmp >>> 2, (this.tmp >>> 2) + 2 * parentN));
      const outWords = wordsFor(metadataSizeBits(k, t));
      if (t < 7) this.gathers[outWords]!(this.metaOut, this.posA, parentN, this.metaA);
    }
    const lastYs = this.u32().slice(this.ysA >>> 2, (this.ysA >>> 2) + parentN);
    return { lastYs, pairs };
  }

  /** Sorts and buckets `ys` as `bucketize` in tables.ts does (for tests). */
  bucketize(ys: Uint32Array): { ys: Uint32Array; positions: Uint32Array; bucketStart: Uint32Array } {
    const n = ys.length;
    if (n > this.cap) throw new RangeError(`${n} entries exceed the capacity ${this.cap}`);
    new Uint32Array(this.x.memory.buffer, this.work, n).set(ys);
    this.x.sort(this.work, n, this.tmp, this.ysA, this.posA);
    const kept = this.finishBuckets(n);
    const u32 = this.u32();
    return {
      ys: u32.slice(this.ysA >>> 2, (this.ysA >>> 2) + kept),
      positions: u32.slice(this.posA >>> 2, (this.posA >>> 2) + kept),
      bucketStart: u32.slice(this.bsA >>> 2, (this.bsA >>> 2) + this.buckets + 1),
    };
  }

  /** Bucket starts of the sorted table (n entries), dropping overflow; returns the kept count. */
  private finishBuckets(n: number): number {
    const u32 = this.u32();
    const ys = this.ysA >>> 2;
    const pos = this.posA >>> 2;
    const bs = this.bsA >>> 2;
    const buckets = this.buckets;
    const starts = (count: number): boolean => {
      let lo = 0;
      let overflow = false;
      for (let b = 0; b <= buckets; b++) {
        const bound = b * PARAM_BC;
        let hi = count;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (u32[ys + mid]! < bound) lo = mid + 1;
          else hi = mid;
        }
        u32[bs + b] = lo;
        if (b > 0 && lo - u32[bs + b - 1]! > MAX_BUCKET_SIZE) overflow = true;
      }
      u32[bs + buckets] = count;
      return overflow;
    };
    if (!starts(n)) return n;
    // keep the first 512 entries by position of each bucket (as `dropOverflow` in tables.ts)
    let out = 0;
    for (let b = 0; b < buckets; b++) {
      const start = u32[bs + b]!;
      const end = b + 1 < buckets ? u32[bs + b + 1]! : n;
      let limit = Infinity;
      if (end - start > MAX_BUCKET_SIZE) limit = u32.slice(pos + start, pos + end).sort()[MAX_BUCKET_SIZE - 1]!;
      for (let i = start; i < end; i++) {
        if (u32[pos + i]! <= limit) {
          u32[ys + out] = u32[ys + i]!;
          u32[pos + out] = u32[pos + i]!;
          out++;
        }
      }
    }
    starts(out);
    return out;
  }
}

/** Whether this platform runs WebAssembly with 128-bit SIMD (a one-instruction probe module). */
export function posWasmAvailable(): boolean {
  if (WebAssemblyApi === undefined) return false;
  try {
    const m = new ModuleBuilder();
    const f = m.fn("probe", [], [I32]);
    splat(f, 7);
    simd(f, 0x1b, 0); // i32x4.extract_lane 0
    const x = instantiateWasm<{ probe(): number }>(compileWasm(m.encode(1)));
    return x.probe() === 7;
  } catch {
    return false;
  }
}
