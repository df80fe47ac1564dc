/**
 * BLS12-381 Fr vector kernels in WebAssembly: Montgomery multiplication over eight 32-bit limbs
 * (CIOS without final carries, valid since r < 2^255), modular add/sub, radix-2 FFTs and strided
 * conversions from and to 32-byte big-endian scalars. The module is emitted at load time by
 * `wasmEmitter.ts` (no toolchain, no binary in the tree).
 *
 * Elements live in the module's linear memory as 8 little-endian u32 limbs (32 bytes), in
 * Montgomery form (x·2^256 mod r) unless a function says otherwise. Long-lived tables (FFT
 * domains, recovery plans) sit in a reserved region; above it `FrWasm` keeps a bump allocator for
 * scratch, which callers take a `mark()` of and `release()` when done.
 *
 * PERF (test/bench/archiving.bench.ts, same run): 21 M mul/s against 4.4 M/s for `(a*b)%r` on
 * bigint (4.9×; WASM has no 64×64→128 multiply, hence 32-bit limbs and 128 i64 products per
 * mul). Without bigint allocation the transforms gain more: extending a 4,096-value record takes
 * 4.7 ms, the time of 20.6 k bigint multiplications for 57 k multiplications of work; archiving
 * a segment's erasure coding ≈ 0.3 s (was ≈ 1.6 s), recovering a segment's records ≈ 1.3 s (was ≈ 7 s).
 * A product-scanning variant over nine 29-bit limbs (no carry per product) measured slower here
 * (15.5 against 21 M mul/s, same run), so the kernel stays on 32-bit limbs.
 */
import { BLS12_381_R } from "../profile/index.ts";
import { frInv, frPow } from "./field.ts";
import { I32, I64, ModuleBuilder, Op, compileWasm, instantiateWasm, type FnBuilder, type WasmMemory } from "./wasmEmitter.ts";
import { emitModAdd, emitModSub, emitMontMul, montgomeryModulus } from "./montgomery.ts";

const R = BLS12_381_R;
const LIMBS = 8;
const MASK32 = 0xffffffffn;
const FR = montgomeryModulus(R, LIMBS);
const MONT_R = (1n << 256n) % R;
const MONT_R2 = (MONT_R * MONT_R) % R;

/** Fixed addresses of constants and scratch. */
const ADDR_R2 = 0;
const ADDR_ONE = 32; // plain 1 (multiplying by it leaves Montgomery form)
const ADDR_TMP = 64;
/** Domain tables (never freed) live in [TABLES_START, SCRATCH_START); scratch above. */
const TABLES_START = 1024;
const SCRATCH_START = 16 << 20;
/** Plans (such as recoverers) whose tables stay resident at once; older ones are reloaded on use. */
const MAX_RESIDENT = 4;

function buildModule(): Uint8Array {
  const m = new ModuleBuilder();

  // mul(out, a, b): out = a·b·2^-256 mod r; add/sub mod r (canonical in, canonical out).
  const mul = emitMontMul(m, "mul", FR);
  const add = emitModAdd(m, "add", FR);
  const sub = emitModSub(m, "sub", FR);

  // mul_vec(out, a, b, n, bStride): out[i] = a[i]·b[i·bStride] (bStride in bytes: 0 or 32).
  {
    const f = m.fn("mul_vec", [I32, I32, I32, I32, I32], []);
    const [out, a, b, n, stride] = [0, 1, 2, 3, 4];
    loopN(f, n, () => {
      f.get(out).get(a).get(b).call(mul);
      f.get(out).i32(32).op(Op.i32Add).set(out);
      f.get(a).i32(32).op(Op.i32Add).set(a);
      f.get(b).get(stride).op(Op.i32Add).set(b);
    });
  }

  // add_vec(out, a, b, n): out[i] = a[i] + b[i].
  {
    const f = m.fn("add_vec", [I32, I32, I32, I32], []);
    const [out, a, b, n] = [0, 1, 2, 3];
    loopN(f, n, () => {
      f.get(out).get(a).get(b).call(add);
      f.get(out).i32(32).op(Op.i32Add).set(out);
      f.get(a).i32(32).op(Op.i32Add).set(a);
      f.get(b).i32(32).op(Op.i32Add).set(b);
    });
  }

  // fft(ptr, n, tw, bitrev, tmp): in-place radix-2 DIT FFT of n elements in natural order;
  // tw holds ω^k for k < n/2 (ω^−k for the inverse, unscaled), bitrev the n-entry u32 permutation.
  {
    const f = m.fn("fft", [I32, I32, I32, I32, I32], []);
    const [ptr, n, tw, brt, tmp] = [0, 1, 2, 3, 4];
    const i = f.local(I32);
    const j = f.local(I32);
    const x = f.local(I64);
    const pa = f.local(I32);
    const pb = f.local(I32);
    const len = f.local(I32);
    const half = f.local(I32);
    const step = f.local(I32);
    const start = f.local(I32);
    const k = f.local(I32);
    const p0 = f.local(I32);
    const p1 = f.local(I32);
    // Bit reversal: swap i and bitrev[i] when bitrev[i] > i.
    f.i32(0).set(i);
    f.block(() => f.loop(() => {
      f.get(i).get(n).op(Op.i32GeU).brIf(1);
      f.get(brt).get(i).i32(2).op(Op.i32Shl).op(Op.i32Add).mem(Op.i32Load, 0, 2).set(j);
      f.get(j).get(i).op(Op.i32GtU).ifThen(() => {
        f.get(ptr).get(i).i32(5).op(Op.i32Shl).op(Op.i32Add).set(pa);
        f.get(ptr).get(j).i32(5).op(Op.i32Shl).op(Op.i32Add).set(pb);
        for (let w = 0; w < 4; w++) {
          f.get(pa).mem(Op.i64Load, 8 * w, 3).set(x);
          f.get(pa).get(pb).mem(Op.i64Load, 8 * w, 3).mem(Op.i64Store, 8 * w, 3);
          f.get(pb).get(x).mem(Op.i64Store, 8 * w, 3);
        }
      });
      f.get(i).i32(1).op(Op.i32Add).set(i);
      f.br(0);
    }));
    // Butterflies.
    f.i32(2).set(len);
    f.block(() => f.loop(() => {
      f.get(len).get(n).op(Op.i32GtU).brIf(1);
      f.get(len).i32(1).op(Op.i32ShrU).set(half);
      f.get(n).get(len).op(Op.i32DivU).set(step);
      f.i32(0).set(start);
      f.block(() => f.loop(() => {
        f.get(start).get(n).op(Op.i32GeU).brIf(1);
        f.i32(0).set(k);
        f.get(ptr).get(start).i32(5).op(Op.i32Shl).op(Op.i32Add).set(p0);
        f.get(p0).get(half).i32(5).op(Op.i32Shl).op(Op.i32Add).set(p1);
        f.block(() => f.loop(() => {
          f.get(k).get(half).op(Op.i32GeU).brIf(1);
          // tmp = a[p1]·ω^(k·step); a[p1] = a[p0] − tmp; a[p0] = a[p0] + tmp (ω^0 = 1: a copy)
          f.get(k).op(Op.i32Eqz).ifThen(
            () => {
              for (let w = 0; w < 4; w++) f.get(tmp).get(p1).mem(Op.i64Load, 8 * w, 3).mem(Op.i64Store, 8 * w, 3);
            },
            () => void f.get(tmp).get(p1).get(tw).get(k).get(step).op(Op.i32Mul).i32(5).op(Op.i32Shl).op(Op.i32Add).call(mul),
          );
          f.get(p1).get(p0).get(tmp).call(sub);
          f.get(p0).get(p0).get(tmp).call(add);
          f.get(p0).i32(32).op(Op.i32Add).set(p0);
          f.get(p1).i32(32).op(Op.i32Add).set(p1);
          f.get(k).i32(1).op(Op.i32Add).set(k);
          f.br(0);
        }));
        f.get(start).get(len).op(Op.i32Add).set(start);
        f.br(0);
      }));
      f.get(len).i32(1).op(Op.i32Shl).set(len);
      f.br(0);
    }));
  }

  // load_be(dst, src, n, stride): dst[i] = 32 big-endian bytes at src + i·stride (plain form).
  // load_safe(dst, src, n, stride): the same from 31 bytes (`0x00 ‖ chunk`).
  // store_be(dst, src, n, stride): 32 big-endian bytes of src[i] (plain form) at dst + i·stride.
  for (const kind of ["load_be", "load_safe", "store_be"] as const) {
    const f = m.fn(kind, [I32, I32, I32, I32], []);
    const [dst, src, n, stride] = [0, 1, 2, 3];
    const x = f.local(I32);
    const bswap = (): void => {
      // x = bswap32(x)
      f.get(x).i32(24).op(Op.i32Shl)
        .get(x).i32(0xff00).op(Op.i32And).i32(8).op(Op.i32Shl).op(Op.i32Or)
        .get(x).i32(8).op(Op.i32ShrU).i32(0xff00).op(Op.i32And).op(Op.i32Or)
        .get(x).i32(24).op(Op.i32ShrU).op(Op.i32Or).set(x);
    };
    loopN(f, n, () => {
      if (kind === "store_be") {
        for (let k = 0; k < LIMBS; k++) {
          f.get(src).mem(Op.i32Load, 4 * k, 2).set(x);
          bswap();
          f.get(dst).get(x).mem(Op.i32Store, 28 - 4 * k, 0);
        }
        f.get(src).i32(32).op(Op.i32Add).set(src);
        f.get(dst).get(stride).op(Op.i32Add).set(dst);
      } else {
        const base = kind === "load_be" ? 0 : -1; // a safe chunk is a 32-byte scalar starting one byte earlier
        for (let k = 0; k < LIMBS; k++) {
          const off = base + 28 - 4 * k;
          if (off < 0) {
            // top limb of a safe chunk: its 3 low bytes only
            f.get(src).mem(Op.i32Load8U, 0, 0).i32(16).op(Op.i32Shl)
              .get(src).mem(Op.i32Load8U, 1, 0).i32(8).op(Op.i32Shl).op(Op.i32Or)
              .get(src).mem(Op.i32Load8U, 2, 0).op(Op.i32Or).set(x);
          } else {
            f.get(src).mem(Op.i32Load, off, 0).set(x);
            bswap();
          }
          f.get(dst).get(x).mem(Op.i32Store, 4 * k, 2);
        }
        f.get(dst).i32(32).op(Op.i32Add).set(dst);
        f.get(src).get(stride).op(Op.i32Add).set(src);
      }
    });
  }
  return m.encode(2);
}

/** `while (n-- > 0) body()` on the i32 local n. */
function loopN(f: FnBuilder, n: number, body: () => void): void {
  f.block(() => f.loop(() => {
    f.get(n).op(Op.i32Eqz).brIf(1);
    body();
    f.get(n).i32(1).op(Op.i32Sub).set(n);
    f.br(0);
  }));
}

interface Exports {
  memory: WasmMemory;
  mul(out: number, a: number, b: number): void;
  add(out: number, a: number, b: number): void;
  sub(out: number, a: number, b: number): void;
  mul_vec(out: number, a: number, b: number, n: number, bStride: number): void;
  add_vec(out: number, a: number, b: number, n: number): void;
  fft(ptr: number, n: number, tw: number, bitrev: number, tmp: number): void;
  load_be(dst: number, src: number, n: number, stride: number): void;
  load_safe(dst: number, src: number, n: number, stride: number): void;
  store_be(dst: number, src: number, n: number, stride: number): void;
}

/** Bytes of one element. */
export const FR_BYTES = 32;

/** Fr vectors in WASM memory. Pointers are byte addresses; `n` counts elements. */
export class FrWasm {
  private readonly x: Exports;
  private top = SCRATCH_START;
  private tablesTop = TABLES_START;
  private freeList: { ptr: number; size: number }[] = [];
  private readonly tables = new Map<string, number>();
  private residents: { owner: object; ptr: number; size: number }[] = [];
  private u8View: Uint8Array;
  private u32View: Uint32Array;
  private readonly domains = new Map<number, { tw: number; twInv: number; bitrev: number; nInv: number }>();

  constructor() {
    this.x = instantiateWasm<Exports>(compileWasm(buildModule()));
    this.u8View = new Uint8Array(this.x.memory.buffer);
    this.u32View = new Uint32Array(this.x.memory.buffer);
    this.writePlain(ADDR_R2, MONT_R2);
    this.writePlain(ADDR_ONE, 1n);
  }

  /** Byte view of the whole memory (renewed when memory grows: do not keep it across `alloc`). */
  get u8(): Uint8Array {
    if (this.u8View.buffer !== this.x.memory.buffer) this.refresh();
    return this.u8View;
  }
  get u32(): Uint32Array {
    if (this.u32View.buffer !== this.x.memory.buffer) this.refresh();
    return this.u32View;
  }
  private refresh(): void {
    this.u8View = new Uint8Array(this.x.memory.buffer);
    this.u32View = new Uint32Array(this.x.memory.buffer);
  }

  /** Allocates `bytes` of scratch (rounded up to 32), growing memory as needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top += Math.ceil(bytes / 32) * 32;
    this.ensure(this.top);
    return ptr;
  }
  /**
   * A long-lived block in the tables region (first fit over a free list); give it back with
   * `freeBlock`. Used for domain tables (never freed) and per-plan tables such as a recoverer's.
   */
  allocBlock(bytes: number): number {
    const size = Math.ceil(bytes / 32) * 32;
    const i = this.freeList.findIndex((b) => b.size >= size);
    if (i >= 0) {
      const b = this.freeList[i]!;
      const ptr = b.ptr;
      if (b.size === size) this.freeList.splice(i, 1);
      else this.freeList[i] = { ptr: b.ptr + size, size: b.size - size };
      return ptr;
    }
    const ptr = this.tablesTop;
    if (ptr + size > SCRATCH_START) throw new RangeError("Fr tables exceed their reserved WASM memory");
    this.tablesTop += size;
    this.ensure(this.tablesTop);
    return ptr;
  }
  freeBlock(ptr: number, bytes: number): void {
    const size = Math.ceil(bytes / 32) * 32;
    this.freeList.push({ ptr, size });
    this.freeList.sort((a, b) => a.ptr - b.ptr);
    const merged: { ptr: number; size: number }[] = [];
    for (const b of this.freeList) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.ptr + last.size === b.ptr) last.size += b.size;
      else merged.push({ ...b });
    }
    this.freeList = merged;
  }
  /**
   * The address of `bytes` kept resident in the tables region for `owner`: copied in on first use
   * and kept while `owner` is among the last few used (LRU), so a plan used for many columns is
   * copied once. Memory stays bounded however many plans exist.
   */
  resident(owner: object, bytes: Uint8Array): number {
    const i = this.residents.findIndex((r) => r.owner === owner);
    if (i >= 0) {
      const hit = this.residents[i]!;
      if (i > 0) {
        this.residents.splice(i, 1);
        this.residents.unshift(hit);
      }
      return hit.ptr;
    }
    if (this.residents.length >= MAX_RESIDENT) {
      const old = this.residents.pop()!;
      this.freeBlock(old.ptr, old.size);
    }
    const ptr = this.allocBlock(bytes.length);
    this.u8.set(bytes, ptr);
    this.residents.unshift({ owner, ptr, size: bytes.length });
    return ptr;
  }

  /** A cached constant vector (Montgomery form) under `key`, built once by `values`. */
  constTable(key: string, values: () => readonly bigint[]): number {
    let ptr = this.tables.get(key);
    if (ptr === undefined) {
      const v = values();
      ptr = this.allocBlock(v.length * FR_BYTES);
      this.writeBigints(ptr, v);
      this.tables.set(key, ptr);
    }
    return ptr;
  }
  private allocTable(bytes: number): number {
    return this.allocBlock(bytes);
  }
  private ensure(end: number): void {
    const need = end - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / 65536));
  }
  allocElements(n: number): number {
    return this.alloc(n * FR_BYTES);
  }
  mark(): number {
    return this.top;
  }
  /** Frees the scratch allocated after `mark`. */
  release(mark: number): void {
    if (mark < this.top) this.top = mark;
  }

  // ---- element I/O (plain form) -------------------------------------------------------------

  writePlain(ptr: number, v: bigint): void {
    const u32 = this.u32;
    let x = v;
    for (let k = 0; k < LIMBS; k++) {
      u32[(ptr >>> 2) + k] = Number(x & MASK32);
      x >>= 32n;
    }
  }
  readPlain(ptr: number): bigint {
    const u32 = this.u32;
    let v = 0n;
    for (let k = LIMBS - 1; k >= 0; k--) v = (v << 32n) | BigInt(u32[(ptr >>> 2) + k]!);
    return v;
  }
  /** Writes canonical bigints and converts them to Montgomery form. */
  writeBigints(ptr: number, values: readonly bigint[]): void {
    for (let i = 0; i < values.length; i++) this.writePlain(ptr + i * FR_BYTES, values[i]!);
    this.toMont(ptr, values.length);
  }
  /** Reads n Montgomery elements as canonical bigints (memory left unchanged). */
  readBigints(ptr: number, n: number): bigint[] {
    const tmp = this.mark();
    const buf = this.allocElements(n);
    this.u8.copyWithin(buf, ptr, ptr + n * FR_BYTES);
    this.fromMont(buf, n);
    const out = new Array<bigint>(n);
    for (let i = 0; i < n; i++) out[i] = this.readPlain(buf + i * FR_BYTES);
    this.release(tmp);
    return out;
  }

  // ---- kernels ------------------------------------------------------------------------------

  toMont(ptr: number, n: number): void {
    this.x.mul_vec(ptr, ptr, ADDR_R2, n, 0);
  }
  fromMont(ptr: number, n: number): void {
    this.x.mul_vec(ptr, ptr, ADDR_ONE, n, 0);
  }
  /** out[i] = a[i]·b[i] (or ·b[0] with `broadcast`). */
  mulVec(out: number, a: number, b: number, n: number, broadcast = false): void {
    this.x.mul_vec(out, a, b, n, broadcast ? 0 : FR_BYTES);
  }
  /** out[i] = a[i] + b[i] (any common form). */
  addVec(out: number, a: number, b: number, n: number): void {
    this.x.add_vec(out, a, b, n);
  }
  mul(out: number, a: number, b: number): void {
    this.x.mul(out, a, b);
  }
  add(out: number, a: number, b: number): void {
    this.x.add(out, a, b);
  }
  sub(out: number, a: number, b: number): void {
    this.x.sub(out, a, b);
  }
  /** Strided load of n 32-byte big-endian scalars at byte address src (plain form; not checked). */
  loadBe(dst: number, src: number, n: number, stride: number): void {
    this.x.load_be(dst, src, n, stride);
  }
  /** Strided load of n 31-byte safe chunks as scalars `0x00 ‖ chunk` (plain form). */
  loadSafe(dst: number, src: number, n: number, stride: number): void {
    this.x.load_safe(dst, src, n, stride);
  }
  /** Strided store of n plain elements as 32-byte big-endian scalars. */
  storeBe(dst: number, src: number, n: number, stride: number): void {
    this.x.store_be(dst, src, n, stride);
  }

  /**
   * In-place FFT over the natural-order roots ω_n^j: coefficients → evaluations, or with `inverse`
   * evaluations → n·coefficients (unscaled: multiply by `domainNInv(n)` where needed).
   */
  fftUnscaled(ptr: number, n: number, inverse = false): void {
    if (n === 1) return;
    const d = this.domain(n);
    this.x.fft(ptr, n, inverse ? d.twInv : d.tw, d.bitrev, ADDR_TMP);
  }
  /** Address of 1/n (Montgomery). */
  domainNInv(n: number): number {
    return this.domain(n).nInv;
  }
  /** Address of ω_n^j for j < n/2 (Montgomery, natural order); ω_n^{j+n/2} = −ω_n^j. */
  halfRoots(n: number): number {
    return this.domain(n).tw;
  }

  /**
   * In-place inversion of n non-zero Montgomery elements (Montgomery's trick: one field inversion
   * and 3(n − 1) products). Throws on a zero element.
   */
  invertBatch(ptr: number, n: number): void {
    if (n === 0) return;
    const mark = this.mark();
    try {
      const prefix = this.allocElements(n);
      const acc = this.allocElements(1);
      this.u8.copyWithin(prefix, ptr, ptr + FR_BYTES);
      for (let i = 1; i < n; i++) this.x.mul(prefix + i * FR_BYTES, prefix + (i - 1) * FR_BYTES, ptr + i * FR_BYTES);
      // Montgomery form m = xR: the plain inverse of m is (xR)^-1; times R^2 (two toMont) gives x^-1·R.
      const last = this.readPlain(prefix + (n - 1) * FR_BYTES);
      if (last === 0n) throw new RangeError("cannot invert zero");
      this.writePlain(acc, frInv(last));
      this.toMont(acc, 1);
      this.toMont(acc, 1);
      const tmp = this.allocElements(1);
      for (let i = n - 1; i > 0; i--) {
        // acc = (x_0···x_i)^-1: x_i^-1 = acc·prefix_{i−1}; then acc ← acc·x_i.
        this.x.mul(tmp, acc, prefix + (i - 1) * FR_BYTES);
        this.x.mul(acc, acc, ptr + i * FR_BYTES);
        this.u8.copyWithin(ptr + i * FR_BYTES, tmp, tmp + FR_BYTES);
      }
      this.u8.copyWithin(ptr, acc, acc + FR_BYTES);
    } finally {
      this.release(mark);
    }
  }

  private domain(n: number): { tw: number; twInv: number; bitrev: number; nInv: number } {
    let d = this.domains.get(n);
    if (d !== undefined) return d;
    if (n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`FFT size ${n} is not a power of two`);
    const w = frPow(7n, (R - 1n) / BigInt(n));
    const half = Math.max(1, n / 2);
    const tw = this.allocTable(half * FR_BYTES);
    const twInv = this.allocTable(half * FR_BYTES);
    const nInv = this.allocTable(FR_BYTES);
    const bitrev = this.allocTable(n * 4);
    const wInv = frPow(w, R - 2n);
    let a = 1n;
    let b = 1n;
    for (let k = 0; k < half; k++) {
      this.writePlain(tw + k * FR_BYTES, a);
      this.writePlain(twInv + k * FR_BYTES, b);
      a = (a * w) % R;
      b = (b * wInv) % R;
    }
    this.writePlain(nInv, frPow(BigInt(n), R - 2n));
    this.toMont(tw, half);
    this.toMont(twInv, half);
    this.toMont(nInv, 1);
    const bits = Math.log2(n);
    const u32 = this.u32;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let bit = 0; bit < bits; bit++) r = (r << 1) | ((i >>> bit) & 1);
      u32[(bitrev >>> 2) + i] = r;
    }
    d = { tw, twInv, bitrev, nInv };
    this.domains.set(n, d);
    return d;
  }
}


let instance: FrWasm | null = null;

/** The process-wide (per thread) WASM Fr engine, created on first use. */
export function frWasm(): FrWasm {
  instance ??= new FrWasm();
  return instance;
}
