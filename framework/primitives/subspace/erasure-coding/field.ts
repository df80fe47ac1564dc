/**
 * BLS12-381 Fr arithmetic on `bigint` and radix-2 FFTs over the natural-order roots of unity
 * ω_N = 7^((r−1)/N) (c-kzg `SCALE2_ROOT_OF_UNITY`, the roots Subspace and EIP-4844 use).
 *
 * PERF: `(a*b)%r` on bigint runs ≈ 3.6–4.4 M/s here, ≈ 20 % faster than @noble/curves' Fr.mul
 * (reference/perf-limits.md §5); an FFT of 2^12 takes ≈ 10 ms. The hot paths (erasure extension
 * and recovery) run on the WASM kernels of `frWasm.ts` instead (≈ 21 M mul/s, no allocation);
 * these bigint helpers serve one-off work (domains, recovery plans, KZG polynomials).
 */
import { BLS12_381_R, PRIMITIVE_ROOT_OF_UNITY } from "../profile/index.ts";

export const FR_MODULUS = BLS12_381_R;
const R = BLS12_381_R;

export const frAdd = (a: bigint, b: bigint): bigint => {
  const s = a + b;
  return s >= R ? s - R : s;
};
export const frSub = (a: bigint, b: bigint): bigint => {
  const s = a - b;
  return s < 0n ? s + R : s;
};
export const frMul = (a: bigint, b: bigint): bigint => (a * b) % R;
export const frNeg = (a: bigint): bigint => (a === 0n ? 0n : R - a);

export function frPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % R;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % R;
    b = (b * b) % R;
    e >>= 1n;
  }
  return result;
}

/** Inverse by Fermat; throws on zero. */
export function frInv(a: bigint): bigint {
  if (a === 0n) throw new RangeError("inverse of zero in Fr");
  return frPow(a, R - 2n);
}

/** Montgomery batch inversion (one exponentiation); throws if any value is zero. */
export function frBatchInv(values: readonly bigint[]): bigint[] {
  const n = values.length;
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * values[i]!) % R;
  }
  let inv = frInv(acc);
  const out = new Array<bigint>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]!) % R;
    inv = (inv * values[i]!) % R;
  }
  return out;
}

// ---- roots of unity ------------------------------------------------------------------------

const rootCache = new Map<number, bigint>();

/** The primitive N-th root of unity ω_N (N a power of two ≤ 2^32). */
export function rootOfUnity(n: number): bigint {
  let w = rootCache.get(n);
  if (w === undefined) {
    if (!isPowerOfTwo(n) || n > 2 ** 32) throw new RangeError(`domain size ${n} is not a power of two ≤ 2^32`);
    w = frPow(PRIMITIVE_ROOT_OF_UNITY, (R - 1n) / BigInt(n));
    rootCache.set(n, w);
  }
  return w;
}

export const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

interface Domain {
  readonly n: number;
  /** ω^j for j < n (natural order). */
  readonly roots: bigint[];
  /** ω^{-j} for j < n. */
  readonly invRoots: bigint[];
  readonly nInv: bigint;
  readonly bitrev: Uint32Array;
}

const domainCache = new Map<number, Domain>();

/** Cached FFT domain of size n (powers of ω_n, inverse powers, bit-reversal permutation). */
export function domain(n: number): Domain {
  let d = domainCache.get(n);
  if (d !== undefined) return d;
  const w = rootOfUnity(n);
  const roots = new Array<bigint>(n);
  roots[0] = 1n;
  for (let j = 1; j < n; j++) roots[j] = (roots[j - 1]! * w) % R;
  const invRoots = new Array<bigint>(n);
  invRoots[0] = 1n;
  for (let j = 1; j < n; j++) invRoots[j] = roots[n - j]!;
  const bits = Math.log2(n);
  const bitrev = new Uint32Array(n);
  for (let i = 0; i < n; i++) bitrev[i] = reverseBits(i, bits);
  d = { n, roots, invRoots, nInv: frInv(BigInt(n)), bitrev };
  domainCache.set(n, d);
  return d;
}

export function reverseBits(i: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++) {
    r = (r << 1) | ((i >>> b) & 1);
  }
  return r;
}

/**
 * In-place FFT: coefficients → evaluations at ω_n^j (natural order), or the inverse
 * (evaluations → coefficients) when `inverse`. n = a.length must be a power of two.
 */
export function fftInPlace(a: bigint[], inverse = false): void {
  const n = a.length;
  if (n === 1) return;
  const d = domain(n);
  const bitrev = d.bitrev;
  for (let i = 0; i < n; i++) {
    const j = bitrev[i]!;
    if (j > i) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
  const tw = inverse ? d.invRoots : d.roots;
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >>> 1;
    const step = n / len;
    for (let start = 0; start < n; start += len) {
      for (let j = 0, k = 0; j < half; j++, k += step) {
        const i0 = start + j;
        const i1 = i0 + half;
        const u = a[i0]!;
        const v = (a[i1]! * tw[k]!) % R;
        const s = u + v;
        a[i0] = s >= R ? s - R : s;
        const t = u - v;
        a[i1] = t < 0n ? t + R : t;
      }
    }
  }
  if (inverse) {
    const nInv = d.nInv;
    for (let i = 0; i < n; i++) a[i] = (a[i]! * nInv) % R;
  }
}

/** FFT into a new array. */
export function fft(values: readonly bigint[], inverse = false): bigint[] {
  const a = values.slice();
  fftInPlace(a, inverse);
  return a;
}

/**
 * Evaluate the polynomial with `coeffs` (length m ≤ n) at all ω_n^j: zero-pad and FFT.
 */
export function evaluateOnDomain(coeffs: readonly bigint[], n: number): bigint[] {
  if (coeffs.length > n) throw new RangeError("polynomial longer than the domain");
  const a = new Array<bigint>(n).fill(0n);
  for (let i = 0; i < coeffs.length; i++) a[i] = coeffs[i]!;
  fftInPlace(a, false);
  return a;
}

/** Evaluate a polynomial in coefficient form at one point (Horner). */
export function evaluatePoly(coeffs: readonly bigint[], x: bigint): bigint {
  let acc = 0n;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = (acc * x + coeffs[i]!) % R;
  return acc;
}
