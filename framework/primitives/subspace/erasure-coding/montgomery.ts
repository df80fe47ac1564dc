/**
 * Emitters of prime-field kernels for `wasmEmitter.ts` modules, shared by the Fr kernels
 * (`frWasm.ts`, 8 limbs) and the G1 kernels (`../kzg/g1Wasm.ts`, Fp, 12 limbs): elements are
 * little-endian 32-bit limbs in linear memory; multiplication is Montgomery's CIOS without final
 * carries, valid for moduli below 2^(32·limbs − 1), which both BLS12-381 moduli are.
 *
 * Every emitted function takes (out, a, b) byte addresses; out may alias a or b.
 */
import { I32, I64, Op, type FnBuilder, type ModuleBuilder } from "./wasmEmitter.ts";

const MASK32 = 0xffffffffn;

export interface MontgomeryModulus {
  readonly limbs: number;
  /** The modulus's limbs, little-endian. */
  readonly q: readonly bigint[];
  /** −q^{-1} mod 2^32. */
  readonly qInv: bigint;
}

export function montgomeryModulus(modulus: bigint, limbs: number): MontgomeryModulus {
  if (modulus >> BigInt(32 * limbs - 1) !== 0n) throw new RangeError("modulus too large for carry-free CIOS");
  const q = Array.from({ length: limbs }, (_, k) => (modulus >> BigInt(32 * k)) & MASK32);
  let inv = 1n;
  for (let i = 0; i < 5; i++) inv = (inv * (2n - q[0]! * inv)) & MASK32; // Newton: doubles correct bits
  return { limbs, q, qInv: (-inv) & MASK32 };
}

/** `name(out, a, b)`: out = a·b·2^(−32·limbs) mod q. */
export function emitMontMul(m: ModuleBuilder, name: string, mod: MontgomeryModulus): FnBuilder {
  const { limbs, q, qInv } = mod;
  const f = m.fn(name, [I32, I32, I32], []);
  const [out, a, b] = [0, 1, 2];
  const av = Array.from({ length: limbs }, () => f.local(I64));
  const t = Array.from({ length: limbs }, () => f.local(I64));
  const bi = f.local(I64);
  const p = f.local(I64);
  const A = f.local(I64);
  const C = f.local(I64);
  const mm = f.local(I64);
  for (let j = 0; j < limbs; j++) f.get(a).mem(Op.i64Load32U, 4 * j, 2).set(av[j]!);
  for (let j = 0; j < limbs; j++) f.i64(0n).set(t[j]!);
  const lo = (dst: number): void => void f.get(p).i64(MASK32).op(Op.i64And).set(dst);
  const hi = (dst: number): void => void f.get(p).i64(32n).op(Op.i64ShrU).set(dst);
  for (let i = 0; i < limbs; i++) {
    f.get(b).mem(Op.i64Load32U, 4 * i, 2).set(bi);
    // (A, t0) = t0 + a0·bi
    f.get(t[0]!).get(av[0]!).get(bi).op(Op.i64Mul).op(Op.i64Add).set(p);
    hi(A);
    lo(t[0]!);
    // m = t0·q' mod 2^32; C = (t0 + m·q0) >> 32
    f.get(t[0]!).i64(qInv).op(Op.i64Mul).i64(MASK32).op(Op.i64And).set(mm);
    f.get(t[0]!).get(mm).i64(q[0]!).op(Op.i64Mul).op(Op.i64Add).set(p);
    hi(C);
    for (let j = 1; j < limbs; j++) {
      // (A, tj) = tj + aj·bi + A
      f.get(t[j]!).get(av[j]!).get(bi).op(Op.i64Mul).op(Op.i64Add).get(A).op(Op.i64Add).set(p);
      hi(A);
      lo(t[j]!);
      // (C, t[j−1]) = tj + m·qj + C
      f.get(t[j]!).get(mm).i64(q[j]!).op(Op.i64Mul).op(Op.i64Add).get(C).op(Op.i64Add).set(p);
      hi(C);
      lo(t[j - 1]!);
    }
    f.get(C).get(A).op(Op.i64Add).set(t[limbs - 1]!);
  }
  storeReduced(f, out, t, p, mod);
  return f;
}

/** `name(out, a, b)`: out = a + b mod q (canonical inputs and output). */
export function emitModAdd(m: ModuleBuilder, name: string, mod: MontgomeryModulus): FnBuilder {
  const f = m.fn(name, [I32, I32, I32], []);
  const s = Array.from({ length: mod.limbs }, () => f.local(I64));
  const p = f.local(I64);
  const c = f.local(I64);
  f.i64(0n).set(c);
  for (let j = 0; j < mod.limbs; j++) {
    f.get(1).mem(Op.i64Load32U, 4 * j, 2).get(2).mem(Op.i64Load32U, 4 * j, 2).op(Op.i64Add).get(c).op(Op.i64Add).set(p);
    f.get(p).i64(32n).op(Op.i64ShrU).set(c);
    f.get(p).i64(MASK32).op(Op.i64And).set(s[j]!);
  }
  storeReduced(f, 0, s, p, mod);
  return f;
}

/** `name(out, a, b)`: out = a − b mod q (canonical inputs and output). */
export function emitModSub(m: ModuleBuilder, name: string, mod: MontgomeryModulus): FnBuilder {
  const { limbs, q } = mod;
  const f = m.fn(name, [I32, I32, I32], []);
  const d = Array.from({ length: limbs }, () => f.local(I64));
  const p = f.local(I64);
  const br = f.local(I64);
  const mask = f.local(I64);
  f.i64(0n).set(br);
  for (let j = 0; j < limbs; j++) {
    f.get(1).mem(Op.i64Load32U, 4 * j, 2).get(2).mem(Op.i64Load32U, 4 * j, 2).op(Op.i64Sub).get(br).op(Op.i64Sub).set(p);
    f.get(p).i64(63n).op(Op.i64ShrU).set(br);
    f.get(p).i64(MASK32).op(Op.i64And).set(d[j]!);
  }
  // On borrow add q back: mask = 0 − borrow (all ones or zero).
  f.i64(0n).get(br).op(Op.i64Sub).i64(MASK32).op(Op.i64And).set(mask);
  f.i64(0n).set(br); // reused as the carry
  for (let j = 0; j < limbs; j++) {
    f.get(d[j]!).i64(q[j]!).get(mask).op(Op.i64And).op(Op.i64Add).get(br).op(Op.i64Add).set(p);
    f.get(p).i64(32n).op(Op.i64ShrU).set(br);
    f.get(0).get(p).mem(Op.i64Store32, 4 * j, 2);
  }
  return f;
}

/** Stores t (< 2q) reduced below q at out: subtract q unless that borrows. */
function storeReduced(f: FnBuilder, out: number, t: number[], p: number, mod: MontgomeryModulus): void {
  const d = Array.from({ length: mod.limbs }, () => f.local(I64));
  const br = f.local(I64);
  const keep = f.local(I32);
  f.i64(0n).set(br);
  for (let j = 0; j < mod.limbs; j++) {
    f.get(t[j]!).i64(mod.q[j]!).op(Op.i64Sub).get(br).op(Op.i64Sub).set(p);
    f.get(p).i64(63n).op(Op.i64ShrU).set(br);
    f.get(p).i64(MASK32).op(Op.i64And).set(d[j]!);
  }
  f.get(br).op(Op.i32WrapI64).set(keep);
  for (let j = 0; j < mod.limbs; j++) f.get(out).get(t[j]!).get(d[j]!).get(keep).op(Op.select).mem(Op.i64Store32, 4 * j, 2);
}
