/**
 * BLS12-381 G1 in WebAssembly, for the commitment-level work of batched piece verification:
 * strict decompression of 48-byte points, the prime-order subgroup check, and multi-scalar
 * multiplication (Pippenger) over affine inputs. The module is emitted at load time by
 * `../erasure-coding/wasmEmitter.ts`, like the Fr kernels.
 *
 * Fp elements are twelve little-endian 32-bit limbs (48 bytes) in Montgomery form (x·2^384 mod p),
 * multiplied by CIOS without final carries (valid since p < 2^381). Points are Jacobian
 * (X, Y, Z; 144 bytes, infinity when Z = 0) or affine (x, y; 96 bytes) on y² = x³ + 4.
 *
 * Decompression is blst's (`POINTonE1_Uncompress`, what c-kzg runs): the compression flag must be
 * set; the infinity encoding is exactly 0xc0 ‖ 0^47; otherwise x < p, x³ + 4 must be a square and
 * the sort flag picks y. So every point has exactly one accepted encoding, and equal points mean
 * equal bytes. The subgroup check is the endomorphism test φ(P) = −x²·P (Scott, eprint 2021/1130;
 * blst and @noble/curves use the same), two multiplications by the 64-bit |x|.
 *
 * PERF (this machine, one thread): Fp multiplication ≈ 0.15–0.25 µs (288 i64 products on 32-bit
 * limbs; @noble/curves' bigint Fp ≈ 0.4–0.5 µs); decompression + subgroup check ≈ 0.26 ms per
 * point (@noble/curves: ≈ 1.1 ms + 0.85 ms for its torsion check); a 130-point MSM with mixed 128-
 * and 255-bit scalars ≈ 14 ms.
 */
import { I32, ModuleBuilder, Op, compileWasm, instantiateWasm, type FnBuilder, type WasmMemory } from "../erasure-coding/wasmEmitter.ts";
import { emitModAdd, emitModSub, emitMontMul, montgomeryModulus } from "../erasure-coding/montgomery.ts";

/** The base field modulus p. */
export const BLS12_381_P =
  0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaabn;
const P = BLS12_381_P;
const LIMBS = 12;
const EL = 48; // bytes per element
const MASK32 = 0xffffffffn;
const FP = montgomeryModulus(P, LIMBS);
const MONT = (1n << 384n) % P;
/** |x| of the BLS parameter x = −0xd201000000010000. */
const BLS_X_ABS = 0xd201000000010000n;
/** A primitive cube root of unity in Fp with φ(x, y) = (β·x, y) acting as −x² on G1 (as @noble/curves). */
const BETA =
  0x5f19672fdf76ce51ba69c6076a0f77eaddb3a93be6f89688de17d813620a00022e01fffffffefffen;
/** The compressed generator of G1. */
export const G1_GENERATOR_BYTES = Uint8Array.from(Buffer.from(
  "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb", "hex"));

// ---- memory layout ---------------------------------------------------------------------------
const C_ONE = 0; // 1 (Montgomery)
const C_R2 = 48; // 2^768 mod p: plain → Montgomery
const C_PLAIN1 = 96; // plain 1: Montgomery → plain
const C_B = 144; // 4 (Montgomery)
const C_BETA = 192; // β (Montgomery)
const C_ZERO = 240;
const C_EXP_SQRT = 288; // (p + 1)/4, plain limbs
const C_EXP_INV = 336; // p − 2, plain limbs
const TEMPS = 512; // function scratch: 64 elements
const T = (i: number): number => TEMPS + i * EL;
const HEAP_START = TEMPS + 64 * EL + 4096;

const powerOf = (base: bigint, exp: bigint): bigint => {
  let r = 1n;
  let b = base % P;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
  }
  return r;
};

/** An operand address: a constant, or a parameter/local plus a byte offset. */
type Addr = number | { l: number; o?: number };

function buildModule(): Uint8Array {
  const m = new ModuleBuilder();
  const push = (f: FnBuilder, a: Addr): void => {
    if (typeof a === "number") f.i32(a);
    else {
      f.get(a.l);
      if (a.o) f.i32(a.o).op(Op.i32Add);
    }
  };

  // fp_mul(out, a, b): out = a·b·2^−384 mod p (out may alias a or b); fp_add, fp_sub: canonical in, canonical out.
  const fpMul = emitMontMul(m, "fp_mul", FP);
  const fpAdd = emitModAdd(m, "fp_add", FP);
  const fpSub = emitModSub(m, "fp_sub", FP);

  // fp_is_zero(a) → i32; fp_eq(a, b) → i32; fp_copy(out, a).
  const fpIsZero = m.fn("fp_is_zero", [I32], [I32]);
  {
    const f = fpIsZero;
    f.get(0).mem(Op.i64Load, 0, 3);
    for (let w = 1; w < 6; w++) f.get(0).mem(Op.i64Load, 8 * w, 3).op(Op.i64Or);
    f.op(Op.i64Eqz);
  }
  const fpEq = m.fn("fp_eq", [I32, I32], [I32]);
  {
    const f = fpEq;
    for (let w = 0; w < 6; w++) {
      f.get(0).mem(Op.i64Load, 8 * w, 3).get(1).mem(Op.i64Load, 8 * w, 3).op(0x85); // i64.xor
      if (w > 0) f.op(Op.i64Or);
    }
    f.op(Op.i64Eqz);
  }
  const fpCopy = m.fn("fp_copy", [I32, I32], []);
  for (let w = 0; w < 6; w++) fpCopy.get(0).get(1).mem(Op.i64Load, 8 * w, 3).mem(Op.i64Store, 8 * w, 3);

  // Helpers emitting calls on addresses.
  const E = (f: FnBuilder) => ({
    mul: (o: Addr, a: Addr, b: Addr) => { push(f, o); push(f, a); push(f, b); f.call(fpMul); },
    add: (o: Addr, a: Addr, b: Addr) => { push(f, o); push(f, a); push(f, b); f.call(fpAdd); },
    sub: (o: Addr, a: Addr, b: Addr) => { push(f, o); push(f, a); push(f, b); f.call(fpSub); },
    copy: (o: Addr, a: Addr) => { push(f, o); push(f, a); f.call(fpCopy); },
    isZero: (a: Addr) => { push(f, a); f.call(fpIsZero); },
    eq: (a: Addr, b: Addr) => { push(f, a); push(f, b); f.call(fpEq); },
  });
  const X = (l: number): Addr => ({ l });
  const Y = (l: number): Addr => ({ l, o: EL });
  const Z = (l: number): Addr => ({ l, o: 2 * EL });

  // fp_pow(out, a, exp, nbits): out = a^exp, exp as little-endian u32 limbs (out may alias a).
  const fpPow = m.fn("fp_pow", [I32, I32, I32, I32], []);
  {
    const f = fpPow;
    const e = E(f);
    const base = T(0);
    e.copy(base, X(1));
    e.copy(X(0), C_ONE);
    f.block(() => f.loop(() => {
      f.get(3).op(Op.i32Eqz).brIf(1);
      f.get(3).i32(1).op(Op.i32Sub).set(3);
      e.mul(X(0), X(0), X(0));
      // bit (nbits − 1) of exp
      f.get(2).get(3).i32(5).op(Op.i32ShrU).i32(2).op(Op.i32Shl).op(Op.i32Add).mem(Op.i32Load, 0, 2)
        .get(3).i32(31).op(Op.i32And).op(Op.i32ShrU).i32(1).op(Op.i32And)
        .ifThen(() => e.mul(X(0), X(0), base));
      f.br(0);
    }));
  }

  // p_dbl(out, p): Jacobian doubling (a = 0): A = X², B = Y², C = B², D = 4·X·B, E = 3A,
  // X3 = E² − 2D, Y3 = E·(D − X3) − 8C, Z3 = 2·Y·Z; out may alias p (written once p is read).
  const pDbl = m.fn("p_dbl", [I32, I32], []);
  {
    const f = pDbl;
    const e = E(f);
    const [o, p] = [0, 1];
    const D = (i: number) => T(4 + i);
    e.mul(D(0), X(p), X(p)); // A
    e.mul(D(1), Y(p), Y(p)); // B
    e.mul(D(3), X(p), D(1));
    e.add(D(3), D(3), D(3));
    e.add(D(3), D(3), D(3)); // D
    e.mul(D(2), D(1), D(1)); // C
    e.add(D(4), D(0), D(0));
    e.add(D(4), D(4), D(0)); // E
    e.mul(Z(o), Y(p), Z(p));
    e.add(Z(o), Z(o), Z(o)); // Z3 (Y(p) is not read after this when o = p: Y3 comes from temps)
    e.mul(D(5), D(4), D(4));
    e.sub(D(5), D(5), D(3));
    e.sub(X(o), D(5), D(3)); // X3
    e.sub(D(1), D(3), X(o));
    e.mul(D(1), D(4), D(1));
    e.add(D(2), D(2), D(2));
    e.add(D(2), D(2), D(2));
    e.add(D(2), D(2), D(2)); // 8C
    e.sub(Y(o), D(1), D(2)); // Y3
  }

  const copyPoint = (f: FnBuilder, o: number, p: number): void => {
    const e = E(f);
    e.copy(X(o), X(p));
    e.copy(Y(o), Y(p));
    e.copy(Z(o), Z(p));
  };

  // p_add(out, p, q): Jacobian addition, add-2007-bl with the special cases; out may alias.
  const pAdd = m.fn("p_add", [I32, I32, I32], []);
  {
    const f = pAdd;
    const e = E(f);
    const [o, p, q] = [0, 1, 2];
    const A = (i: number) => T(12 + i);
    e.isZero(Z(p));
    f.ifThen(() => { copyPoint(f, o, q); f.op(Op.return); });
    e.isZero(Z(q));
    f.ifThen(() => { copyPoint(f, o, p); f.op(Op.return); });
    e.mul(A(0), Z(p), Z(p)); // Z1Z1
    e.mul(A(1), Z(q), Z(q)); // Z2Z2
    e.mul(A(2), X(p), A(1)); // U1
    e.mul(A(3), X(q), A(0)); // U2
    e.mul(A(4), Y(p), Z(q));
    e.mul(A(4), A(4), A(1)); // S1
    e.mul(A(5), Y(q), Z(p));
    e.mul(A(5), A(5), A(0)); // S2
    e.sub(A(6), A(3), A(2)); // H
    e.sub(A(7), A(5), A(4)); // S2 − S1
    e.isZero(A(6));
    f.ifThen(() => {
      e.isZero(A(7));
      f.ifThen(() => { f.get(o).get(p).call(pDbl); }, () => { e.copy(Z(o), C_ZERO); });
      f.op(Op.return);
    });
    e.add(A(7), A(7), A(7)); // r
    e.add(A(8), A(6), A(6));
    e.mul(A(8), A(8), A(8)); // I
    e.mul(A(9), A(6), A(8)); // J
    e.mul(A(10), A(2), A(8)); // V
    e.mul(A(11), A(7), A(7));
    e.sub(A(11), A(11), A(9));
    e.sub(A(11), A(11), A(10));
    e.sub(A(11), A(11), A(10)); // X3
    e.sub(A(12), A(10), A(11));
    e.mul(A(12), A(7), A(12));
    e.mul(A(4), A(4), A(9));
    e.add(A(4), A(4), A(4));
    e.sub(A(12), A(12), A(4)); // Y3
    e.add(A(2), Z(p), Z(q));
    e.mul(A(2), A(2), A(2));
    e.sub(A(2), A(2), A(0));
    e.sub(A(2), A(2), A(1));
    e.mul(A(2), A(2), A(6)); // Z3
    e.copy(X(o), A(11));
    e.copy(Y(o), A(12));
    e.copy(Z(o), A(2));
  }

  // p_madd(out, p, q): Jacobian p plus affine q (not infinity), madd-2007-bl; out may alias p.
  const pMadd = m.fn("p_madd", [I32, I32, I32], []);
  {
    const f = pMadd;
    const e = E(f);
    const [o, p, q] = [0, 1, 2];
    const M = (i: number) => T(26 + i);
    e.isZero(Z(p));
    f.ifThen(() => { e.copy(X(o), X(q)); e.copy(Y(o), Y(q)); e.copy(Z(o), C_ONE); f.op(Op.return); });
    e.mul(M(0), Z(p), Z(p)); // Z1Z1
    e.mul(M(1), X(q), M(0)); // U2
    e.mul(M(2), Y(q), Z(p));
    e.mul(M(2), M(2), M(0)); // S2
    e.sub(M(3), M(1), X(p)); // H
    e.sub(M(4), M(2), Y(p)); // S2 − Y1
    e.isZero(M(3));
    f.ifThen(() => {
      e.isZero(M(4));
      f.ifThen(() => { f.get(o).get(p).call(pDbl); }, () => { e.copy(Z(o), C_ZERO); });
      f.op(Op.return);
    });
    e.mul(M(5), M(3), M(3)); // HH
    e.add(M(6), M(5), M(5));
    e.add(M(6), M(6), M(6)); // I
    e.mul(M(7), M(3), M(6)); // J
    e.add(M(4), M(4), M(4)); // r
    e.mul(M(8), X(p), M(6)); // V
    e.mul(M(9), M(4), M(4));
    e.sub(M(9), M(9), M(7));
    e.sub(M(9), M(9), M(8));
    e.sub(M(9), M(9), M(8)); // X3
    e.sub(M(10), M(8), M(9));
    e.mul(M(10), M(4), M(10));
    e.mul(M(11), Y(p), M(7));
    e.add(M(11), M(11), M(11));
    e.sub(M(10), M(10), M(11)); // Y3
    e.add(M(12), Z(p), M(3));
    e.mul(M(12), M(12), M(12));
    e.sub(M(12), M(12), M(0));
    e.sub(M(12), M(12), M(5)); // Z3
    e.copy(X(o), M(9));
    e.copy(Y(o), M(10));
    e.copy(Z(o), M(12));
  }

  // p_mul_x(out, p): out = [|x|]·p (out must not alias p).
  const pMulX = m.fn("p_mul_x", [I32, I32], []);
  {
    const f = pMulX;
    copyPoint(f, 0, 1);
    for (let bit = 62; bit >= 0; bit--) {
      f.get(0).get(0).call(pDbl);
      if ((BLS_X_ABS >> BigInt(bit)) & 1n) f.get(0).get(0).get(1).call(pAdd);
    }
  }

  // in_g1(a) → i32: whether the affine point a (on the curve) is in the order-r subgroup:
  // φ(a) = −x²·a, i.e. [|x|]([|x|]a) = (X, Y, Z) with X = β·x·Z² and Y = −y·Z³.
  {
    const f = m.fn("in_g1", [I32], [I32]);
    const e = E(f);
    const j0 = T(40);
    const j1 = T(43);
    const j2 = T(46);
    const t0 = T(49);
    const t1 = T(50);
    e.copy(j0, X(0));
    e.copy(j0 + EL, Y(0));
    e.copy(j0 + 2 * EL, C_ONE);
    f.i32(j1).i32(j0).call(pMulX);
    f.i32(j2).i32(j1).call(pMulX);
    e.isZero(j2 + 2 * EL);
    f.ifThen(() => { f.i32(0).op(Op.return); });
    e.mul(t0, j2 + 2 * EL, j2 + 2 * EL);
    e.mul(t1, C_BETA, X(0));
    e.mul(t1, t1, t0);
    e.eq(t1, j2);
    f.op(Op.i32Eqz).ifThen(() => { f.i32(0).op(Op.return); });
    e.mul(t0, t0, j2 + 2 * EL);
    e.mul(t0, t0, Y(0));
    e.add(t0, t0, j2 + EL);
    e.isZero(t0);
  }
  return m.encode(2);
}

interface Exports {
  memory: WasmMemory;
  fp_mul(o: number, a: number, b: number): void;
  fp_add(o: number, a: number, b: number): void;
  fp_sub(o: number, a: number, b: number): void;
  fp_is_zero(a: number): number;
  fp_eq(a: number, b: number): number;
  fp_copy(o: number, a: number): void;
  fp_pow(o: number, a: number, exp: number, nbits: number): void;
  p_dbl(o: number, p: number): void;
  p_add(o: number, p: number, q: number): void;
  p_madd(o: number, p: number, q: number): void;
  p_mul_x(o: number, p: number): void;
  in_g1(a: number): number;
}

/** Bytes of an affine point in WASM memory. */
export const AFFINE_BYTES = 2 * EL;
const JACOBIAN_BYTES = 3 * EL;
const HALF_P_LIMBS = Array.from({ length: LIMBS }, (_, k) => Number((((P - 1n) / 2n) >> BigInt(32 * k)) & MASK32));

/** Outcome of `decompress`. */
export type Decompressed = "point" | "infinity" | "invalid";

/** G1 points in WASM memory. Pointers are byte addresses; scratch is a bump allocator (`mark`/`release`). */
export class G1Wasm {
  private readonly x: Exports;
  private top = HEAP_START;
  private u8View: Uint8Array;
  private u32View: Uint32Array;

  constructor() {
    this.x = instantiateWasm<Exports>(compileWasm(buildModule()));
    this.u8View = new Uint8Array(this.x.memory.buffer);
    this.u32View = new Uint32Array(this.x.memory.buffer);
    this.writePlain(C_R2, (MONT * MONT) % P);
    this.writePlain(C_ONE, MONT);
    this.writePlain(C_PLAIN1, 1n);
    this.writePlain(C_B, (4n * MONT) % P);
    this.writePlain(C_BETA, (BETA * MONT) % P);
    this.writePlain(C_ZERO, 0n);
    this.writePlain(C_EXP_SQRT, (P + 1n) / 4n);
    this.writePlain(C_EXP_INV, P - 2n);
  }

  private get u32(): Uint32Array {
    if (this.u32View.buffer !== this.x.memory.buffer) {
      this.u8View = new Uint8Array(this.x.memory.buffer);
      this.u32View = new Uint32Array(this.x.memory.buffer);
    }
    return this.u32View;
  }
  private get u8(): Uint8Array {
    void this.u32;
    return this.u8View;
  }
  private writePlain(ptr: number, v: bigint): void {
    const u32 = this.u32;
    let x = v;
    for (let k = 0; k < LIMBS; k++) {
      u32[(ptr >>> 2) + k] = Number(x & MASK32);
      x >>= 32n;
    }
  }

  alloc(bytes: number): number {
    const ptr = this.top;
    this.top += Math.ceil(bytes / 16) * 16;
    const need = this.top - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / 65536));
    return ptr;
  }
  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    if (mark < this.top) this.top = mark;
  }

  /**
   * Decompresses a 48-byte point into the affine slot `out` (Montgomery) without the subgroup
   * check; see the module comment for the accepted encodings.
   */
  decompress(bytes: Uint8Array, out: number): Decompressed {
    if (bytes.length !== EL) return "invalid";
    const b0 = bytes[0]!;
    if ((b0 & 0x80) === 0) return "invalid";
    if ((b0 & 0x40) !== 0) {
      if ((b0 & 0x3f) !== 0) return "invalid";
      for (let i = 1; i < EL; i++) if (bytes[i] !== 0) return "invalid";
      return "infinity";
    }
    const sort = (b0 & 0x20) !== 0;
    const u32 = this.u32;
    const base = out >>> 2;
    for (let k = 0; k < LIMBS; k++) {
      const o = EL - 4 - 4 * k;
      let w = ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
      if (k === LIMBS - 1) w &= 0x1fffffff;
      u32[base + k] = w;
    }
    if (compareLimbs(u32, base, PL_NUM) >= 0) return "invalid"; // x ≥ p
    const ex = this.x;
    const xm = out;
    const y = out + EL;
    const t = T(60);
    ex.fp_mul(xm, xm, C_R2); // Montgomery x
    ex.fp_mul(t, xm, xm);
    ex.fp_mul(t, t, xm);
    ex.fp_add(t, t, C_B); // x³ + 4
    ex.fp_pow(y, t, C_EXP_SQRT, 381);
    const y2 = T(61);
    ex.fp_mul(y2, y, y);
    if (ex.fp_eq(y2, t) === 0) return "invalid"; // not on the curve
    const plain = T(62);
    ex.fp_mul(plain, y, C_PLAIN1);
    const big = compareLimbs(this.u32, plain >>> 2, HALF_P_LIMBS) > 0;
    if (big !== sort) ex.fp_sub(y, C_ZERO, y);
    return "point";
  }

  /** Whether the affine point at `ptr` lies in the prime-order subgroup. */
  inG1(ptr: number): boolean {
    return this.x.in_g1(ptr) === 1;
  }

  /** Negates the affine point at `ptr` in place. */
  negate(ptr: number): void {
    this.x.fp_sub(ptr + EL, C_ZERO, ptr + EL);
  }

  /**
   * Σ scalars[i]·points[i] (affine slots, none at infinity; scalars in [0, 2^256)) by Pippenger's
   * bucket method; returns a Jacobian point in scratch.
   */
  msm(points: readonly number[], scalars: readonly bigint[]): number {
    const n = points.length;
    const acc = this.alloc(JACOBIAN_BYTES);
    this.u8.fill(0, acc, acc + JACOBIAN_BYTES);
    if (n === 0) return acc;
    const limbs = new Uint32Array(n * 8);
    let maxBits = 0;
    const bits = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let s = scalars[i]!;
      bits[i] = s.toString(2).length;
      if (s === 0n) bits[i] = 0;
      maxBits = Math.max(maxBits, bits[i]!);
      for (let k = 0; k < 8; k++) {
        limbs[i * 8 + k] = Number(s & MASK32);
        s >>= 32n;
      }
    }
    if (maxBits === 0) return acc;
    // Window width minimising (digit additions + per-window bucket reduction).
    let c = 1;
    let best = Infinity;
    for (let w = 1; w <= 14; w++) {
      let adds = 0;
      for (let i = 0; i < n; i++) adds += Math.ceil(bits[i]! / w);
      const cost = adds + Math.ceil(maxBits / w) * (2 ** (w + 1) + w);
      if (cost < best) {
        best = cost;
        c = w;
      }
    }
    const windows = Math.ceil(maxBits / c);
    const nb = 1 << c;
    const buckets = this.alloc(nb * JACOBIAN_BYTES);
    const sum = this.alloc(JACOBIAN_BYTES);
    const tot = this.alloc(JACOBIAN_BYTES);
    const ex = this.x;
    const mask = nb - 1;
    for (let w = windows - 1; w >= 0; w--) {
      if (w !== windows - 1) for (let k = 0; k < c; k++) ex.p_dbl(acc, acc);
      const u8 = this.u8;
      u8.fill(0, buckets, buckets + nb * JACOBIAN_BYTES);
      const bit = w * c;
      const li = bit >>> 5;
      const sh = bit & 31;
      for (let i = 0; i < n; i++) {
        if (bits[i]! <= bit) continue;
        let d = limbs[i * 8 + li]! >>> sh;
        if (sh + c > 32 && li < 7) d |= limbs[i * 8 + li + 1]! << (32 - sh);
        d &= mask;
        if (d !== 0) ex.p_madd(buckets + d * JACOBIAN_BYTES, buckets + d * JACOBIAN_BYTES, points[i]!);
      }
      u8.fill(0, sum, sum + JACOBIAN_BYTES);
      u8.fill(0, tot, tot + JACOBIAN_BYTES);
      for (let d = nb - 1; d >= 1; d--) {
        ex.p_add(sum, sum, buckets + d * JACOBIAN_BYTES);
        ex.p_add(tot, tot, sum);
      }
      ex.p_add(acc, acc, tot);
    }
    return acc;
  }

  /** The compressed encoding (c-kzg's) of the Jacobian point at `ptr`. */
  compress(ptr: number): Uint8Array {
    const out = new Uint8Array(EL);
    const ex = this.x;
    if (ex.fp_is_zero(ptr + 2 * EL) === 1) {
      out[0] = 0xc0;
      return out;
    }
    const zi = T(56);
    const t = T(57);
    const xa = T(58);
    const ya = T(59);
    ex.fp_pow(zi, ptr + 2 * EL, C_EXP_INV, 381);
    ex.fp_mul(t, zi, zi);
    ex.fp_mul(xa, ptr, t);
    ex.fp_mul(t, t, zi);
    ex.fp_mul(ya, ptr + EL, t);
    ex.fp_mul(xa, xa, C_PLAIN1);
    ex.fp_mul(ya, ya, C_PLAIN1);
    const u32 = this.u32;
    for (let k = 0; k < LIMBS; k++) {
      const w = u32[(xa >>> 2) + k]!;
      const o = EL - 4 - 4 * k;
      out[o] = w >>> 24;
      out[o + 1] = (w >>> 16) & 0xff;
      out[o + 2] = (w >>> 8) & 0xff;
      out[o + 3] = w & 0xff;
    }
    out[0]! |= 0x80;
    if (compareLimbs(u32, ya >>> 2, HALF_P_LIMBS) > 0) out[0]! |= 0x20;
    return out;
  }

  /** Testing aid: the affine point at `ptr` as plain coordinates. */
  readAffine(ptr: number): { x: bigint; y: bigint } {
    const t = T(63);
    const read = (a: number): bigint => {
      this.x.fp_mul(t, a, C_PLAIN1);
      const u32 = this.u32;
      let v = 0n;
      for (let k = LIMBS - 1; k >= 0; k--) v = (v << 32n) | BigInt(u32[(t >>> 2) + k]!);
      return v;
    };
    return { x: read(ptr), y: read(ptr + EL) };
  }

  /** Testing aid: the Fp product a·b mod p through the WASM kernel. */
  fpMul(a: bigint, b: bigint): bigint {
    const pa = T(60);
    const pb = T(61);
    this.writePlain(pa, (a * MONT) % P);
    this.writePlain(pb, b % P);
    this.x.fp_mul(pa, pa, pb);
    let v = 0n;
    const u32 = this.u32;
    for (let k = LIMBS - 1; k >= 0; k--) v = (v << 32n) | BigInt(u32[(pa >>> 2) + k]!);
    return v;
  }
}

const PL_NUM = FP.q.map(Number);

/** Compares the limbs at u32[base..base+12) with `limbs` (little-endian): −1, 0 or 1. */
function compareLimbs(u32: Uint32Array, base: number, limbs: readonly number[]): number {
  for (let k = LIMBS - 1; k >= 0; k--) {
    const a = u32[base + k]!;
    const b = limbs[k]!;
    if (a !== b) return a > b ? 1 : -1;
  }
  return 0;
}

let instance: G1Wasm | null = null;

/** The process-wide (per thread) WASM G1 engine, created on first use. */
export function g1Wasm(): G1Wasm {
  instance ??= new G1Wasm();
  return instance;
}
