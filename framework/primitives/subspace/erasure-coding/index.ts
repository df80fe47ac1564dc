/**
 * Reed–Solomon erasure coding over BLS12-381 Fr, as `crates/subspace-erasure-coding`:
 * `extend` has `das_fft_extension` semantics (n source values are the evaluations at the even
 * indices ω_{2n}^{2i} of a polynomial of degree < n; the n outputs are its evaluations at the odd
 * indices ω_{2n}^{2i+1}), and `recover` rebuilds all 2n evaluations, in natural (interleaved)
 * order, from any n of them (`recover_poly_from_samples`).
 *
 * The transforms run on the WASM Fr kernels (`frWasm.ts`); the bigint API converts at the edges,
 * and the `*Wasm` / `*Bytes` methods let callers stay in WASM memory or in big-endian bytes.
 */
import { PRIMITIVE_ROOT_OF_UNITY, SCALAR_FULL_BYTES } from "../profile/index.ts";
import { InvalidScalarError, isCanonicalScalar } from "../core/scalar.ts";
import { FR_MODULUS, domain, frInv, isPowerOfTwo } from "./field.ts";
import { FR_BYTES, frWasm, type FrWasm } from "./frWasm.ts";

export * from "./field.ts";
export { FR_BYTES, FrWasm, frWasm } from "./frWasm.ts";

const R = FR_MODULUS;

export class ErasureCodingError extends Error {
  constructor(readonly code: "ERASURE_CODING_ERROR_SIZE" | "ERASURE_CODING_ERROR_NOT_ENOUGH_SHARDS" | "ERASURE_CODING_ERROR_INCONSISTENT", message: string) {
    super(message);
  }
}

/** A recovery plan for one erasure pattern; reuse it for every column with the same missing shards. */
export interface ShardRecoverer {
  /** Indices (in 0..2n) that are present. */
  readonly present: readonly number[];
  /**
   * Rebuild all 2n evaluations from `shards` (missing entries are ignored). Throws
   * `ERASURE_CODING_ERROR_INCONSISTENT` when more than n shards are present and disagree.
   */
  recover(shards: readonly (bigint | null | undefined)[]): bigint[];
  /**
   * The same in WASM memory: `ptr` holds 2n elements (missing ones are ignored and overwritten),
   * replaced in place by all 2n values. Linear with Montgomery-form constants: plain or Montgomery
   * elements alike. Same errors as `recover`.
   */
  recoverWasm(f: FrWasm, ptr: number): void;
  /**
   * The n source values (even indices) from 2n 32-byte big-endian scalars in `shards` (missing
   * entries are ignored, present ones must be canonical: `InvalidScalarError` otherwise), as n
   * 32-byte big-endian scalars. Stays in bytes and WASM memory (no bigint); when exactly n shards
   * are present only the n-point transform of the source values runs at the end. Same errors as
   * `recover`.
   */
  recoverSourceBytes(shards: Uint8Array): Uint8Array;
}

export class ErasureCoding {
  readonly maxShards: number;

  /** `scale`: log2 of the maximum number of shards (the reference uses `log2(NUM_PIECES)` etc.). */
  constructor(readonly scale: number) {
    if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `bad scale ${scale}`);
    this.maxShards = 2 ** scale;
  }

  /** n source shards → n parity shards (`das_fft_extension`). n must be a power of two, 2n ≤ maxShards. */
  extend(source: readonly bigint[]): bigint[] {
    const n = source.length;
    this.checkSize(2 * n);
    const f = frWasm();
    const mark = f.mark();
    const p = f.allocElements(n);
    f.writeBigints(p, source);
    this.extendWasm(f, p, p, n);
    const out = f.readBigints(p, n);
    f.release(mark);
    return out;
  }

  /** `extend` on n 32-byte big-endian scalars; throws `InvalidScalarError` on a non-canonical one. */
  extendBytes(source: Uint8Array): Uint8Array {
    const n = source.length / SCALAR_FULL_BYTES;
    if (!Number.isInteger(n)) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", "source is not a whole number of scalars");
    this.checkSize(2 * n);
    for (let o = 0; o < source.length; o += SCALAR_FULL_BYTES) if (!isCanonicalScalar(source, o)) throw new InvalidScalarError();
    const f = frWasm();
    const mark = f.mark();
    const bytes = f.alloc(source.length);
    const p = f.allocElements(n);
    f.u8.set(source, bytes);
    f.loadBe(p, bytes, n, FR_BYTES);
    this.extendWasm(f, p, p, n);
    f.storeBe(bytes, p, n, FR_BYTES);
    const out = f.u8.slice(bytes, bytes + source.length);
    f.release(mark);
    return out;
  }

  /**
   * `extend` in WASM memory: n elements at `src` → n parity elements at `out` (may alias). The map
   * is linear with Montgomery-form constants, so it takes and gives plain or Montgomery elements
   * alike (plain values need no conversion).
   */
  extendWasm(f: FrWasm, src: number, out: number, n: number): void {
    this.checkSize(2 * n);
    if (src !== out) f.u8.copyWithin(out, src, src + n * FR_BYTES);
    // Coefficients over the n-domain (iFFT, 1/n folded into the shift), shifted by ω_{2n}^k, then
    // evaluated over the n-domain: the values at the odd 2n-th roots.
    const shift = f.constTable(`extend-shift/${n}`, () => {
      const roots = domain(2 * n).roots;
      const nInv = frInv(BigInt(n));
      return Array.from({ length: n }, (_, k) => (roots[k]! * nInv) % R);
    });
    f.fftUnscaled(out, n, true);
    f.mulVec(out, out, shift, n);
    f.fftUnscaled(out, n, false);
  }

  /** All 2n shards (interleaved source/parity, natural order) from any n of them. */
  recover(shards: readonly (bigint | null | undefined)[]): bigint[] {
    const present: number[] = [];
    for (let i = 0; i < shards.length; i++) if (shards[i] !== null && shards[i] !== undefined) present.push(i);
    return this.recoverer(shards.length, present).recover(shards);
  }

  /** The n source shards (even indices) from any n of the 2n shards. */
  recoverSource(shards: readonly (bigint | null | undefined)[]): bigint[] {
    return this.recover(shards).filter((_, i) => i % 2 === 0);
  }

  /** Precompute recovery for `total` = 2n shards of which `present` are known. */
  recoverer(total: number, present: readonly number[]): ShardRecoverer {
    this.checkSize(total);
    const n = total / 2;
    const isPresent = new Uint8Array(total);
    for (const i of present) {
      if (!Number.isInteger(i) || i < 0 || i >= total) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `shard index ${i} out of range`);
      isPresent[i] = 1;
    }
    const count = isPresent.reduce((a, b) => a + b, 0);
    if (count < n) {
      throw new ErasureCodingError("ERASURE_CODING_ERROR_NOT_ENOUGH_SHARDS", `need at least ${n} of ${total} shards to recover, got ${count}`);
    }
    const presentList = [...isPresent.keys()].filter((i) => isPresent[i] === 1);
    const viaWasm = (recoverWasm: (f: FrWasm, ptr: number) => void): ShardRecoverer["recover"] => (shards) => {
      if (shards.length !== total) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `expected ${total} shard slots, got ${shards.length}`);
      const f = frWasm();
      const mark = f.mark();
      try {
        const p = f.allocElements(total);
        f.writeBigints(p, shards.map((s, i) => (isPresent[i] ? (s as bigint) : 0n)));
        recoverWasm(f, p);
        return f.readBigints(p, total);
      } finally {
        f.release(mark);
      }
    };
    const checkBytes = (shards: Uint8Array): void => {
      if (shards.length !== total * SCALAR_FULL_BYTES) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `expected ${total} shards of ${SCALAR_FULL_BYTES} bytes, got ${shards.length} bytes`);
      for (let i = 0; i < total; i++) if (isPresent[i] && !isCanonicalScalar(shards, i * SCALAR_FULL_BYTES)) throw new InvalidScalarError();
    };
    if (count === total) {
      return {
        present: presentList,
        recover: (shards) => shards.map((s) => s as bigint),
        recoverWasm: () => {},
        recoverSourceBytes: (shards) => {
          checkBytes(shards);
          const out = new Uint8Array(n * SCALAR_FULL_BYTES);
          for (let i = 0; i < n; i++) out.set(shards.subarray(2 * i * SCALAR_FULL_BYTES, (2 * i + 1) * SCALAR_FULL_BYTES), i * SCALAR_FULL_BYTES);
          return out;
        },
      };
    }
    const checkConsistency = count > n;
    // Tables (Montgomery): Z on the domain and 1/Z on the coset k·ω^i (k = 7 is not in the domain,
    // so Z never vanishes there), built in WASM, kept here as bytes and made resident in WASM
    // memory while the plan is in use; k^j/total and k^−j/total are per-size constants.
    const f = frWasm();
    const built = f.mark();
    const missing: number[] = [];
    for (let i = 0; i < total; i++) if (!isPresent[i]) missing.push(i);
    const scratch = f.allocElements(2 * total);
    const zDomain = scratch;
    const zCoset = scratch + total * FR_BYTES;
    zeroPolynomialWasm(f, total, missing, zDomain);
    f.u8.copyWithin(zCoset, zDomain, zDomain + total * FR_BYTES);
    f.fftUnscaled(zDomain, total, false);
    f.mulVec(zCoset, zCoset, cosetPowers(f, total).pow, total);
    f.fftUnscaled(zCoset, total, false);
    f.invertBatch(zCoset, total);
    const tableImage = f.u8.slice(scratch, scratch + 2 * total * FR_BYTES);
    f.release(built);
    const owner = {};

    /**
     * All 2n values in place, or with `sourceOnly` (and no consistency check to run) only the n
     * source values, contiguous at `ptr`: P has degree < n, so its values at ω_{2n}^{2i} = ω_n^i
     * are the n-point transform of its n low coefficients.
     */
    const run = (fw: FrWasm, ptr: number, sourceOnly: boolean): void => {
      const tables = fw.resident(owner, tableImage);
      const tZ = tables;
      const tZInv = tables + total * FR_BYTES;
      const { powScaled: tK, invPowScaled: tKInv } = cosetPowers(fw, total);
      const mark = fw.mark();
      try {
        const saved = checkConsistency ? fw.u8.slice(ptr, ptr + total * FR_BYTES) : null;
        fw.mulVec(ptr, ptr, tZ, total); // E·Z on the domain (Z vanishes at the missing shards)
        fw.fftUnscaled(ptr, total, true);
        fw.mulVec(ptr, ptr, tK, total); // (E·Z)(k x) coefficients
        fw.fftUnscaled(ptr, total, false);
        fw.mulVec(ptr, ptr, tZInv, total); // P on the coset
        fw.fftUnscaled(ptr, total, true);
        fw.mulVec(ptr, ptr, tKInv, total); // P coefficients
        const u32 = fw.u32;
        const hiStart = (ptr + n * FR_BYTES) >>> 2;
        const hiEnd = (ptr + total * FR_BYTES) >>> 2;
        if (checkConsistency) {
          for (let w = hiStart; w < hiEnd; w++) {
            if (u32[w] !== 0) throw new ErasureCodingError("ERASURE_CODING_ERROR_INCONSISTENT", "shards are not evaluations of one polynomial of degree < n");
          }
        } else if (sourceOnly) {
          fw.fftUnscaled(ptr, n, false);
          return;
        } else {
          u32.fill(0, hiStart, hiEnd);
        }
        fw.fftUnscaled(ptr, total, false);
        if (saved !== null) {
          const u8 = fw.u8;
          for (let i = 0; i < total; i++) {
            if (!isPresent[i]) continue;
            const o = ptr + i * FR_BYTES;
            for (let b = 0; b < FR_BYTES; b++) {
              if (u8[o + b] !== saved[i * FR_BYTES + b]) throw new ErasureCodingError("ERASURE_CODING_ERROR_INCONSISTENT", `shard ${i} disagrees with the others`);
            }
          }
        }
        if (sourceOnly) {
          // After the check: compact the even (source) positions to the front.
          const u8 = fw.u8;
          for (let i = 1; i < n; i++) u8.copyWithin(ptr + i * FR_BYTES, ptr + 2 * i * FR_BYTES, ptr + (2 * i + 1) * FR_BYTES);
        }
      } finally {
        fw.release(mark);
      }
    };
    const recoverWasm = (fw: FrWasm, ptr: number): void => run(fw, ptr, false);
    const recoverSourceBytes = (shards: Uint8Array): Uint8Array => {
      checkBytes(shards);
      const fw = frWasm();
      const mark = fw.mark();
      try {
        const bytes = fw.alloc(shards.length);
        const p = fw.allocElements(total);
        const u8 = fw.u8;
        u8.set(shards, bytes);
        for (const i of missing) u8.fill(0, bytes + i * FR_BYTES, bytes + (i + 1) * FR_BYTES);
        // Plain elements: the plan's tables are Montgomery, so every product keeps plain form.
        fw.loadBe(p, bytes, total, FR_BYTES);
        run(fw, p, true);
        fw.storeBe(bytes, p, n, FR_BYTES);
        return fw.u8.slice(bytes, bytes + n * FR_BYTES);
      } finally {
        fw.release(mark);
      }
    };
    return { present: presentList, recover: viaWasm(recoverWasm), recoverWasm, recoverSourceBytes };
  }

  private checkSize(total: number): void {
    if (!isPowerOfTwo(total) || total < 2 || total > this.maxShards) {
      throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `shard count ${total} must be a power of two in 2..${this.maxShards}`);
    }
  }
}

/** k^j and k^j/total, k^−j/total for j < total (k = 7, the coset shift), as WASM constant tables. */
function cosetPowers(f: FrWasm, total: number): { pow: number; powScaled: number; invPowScaled: number } {
  const k = PRIMITIVE_ROOT_OF_UNITY;
  const kInv = frInv(k);
  const totalInv = frInv(BigInt(total));
  const powers = (base: bigint, scale: bigint) => () => {
    const out = new Array<bigint>(total);
    let x = scale;
    for (let j = 0; j < total; j++) {
      out[j] = x;
      x = (x * base) % R;
    }
    return out;
  };
  return {
    pow: f.constTable(`coset-pow/${total}`, powers(k, 1n)),
    powScaled: f.constTable(`coset-pow-scaled/${total}`, powers(k, totalInv)),
    invPowScaled: f.constTable(`coset-inv-pow-scaled/${total}`, powers(kInv, totalInv)),
  };
}

/** Below this degree, schoolbook products of polynomials beat three FFTs. */
const SCHOOLBOOK_DEGREE = 8;

/**
 * Z(x) = Π_{i ∈ missing} (x − ω_total^i) into `out` (total elements, Montgomery, coefficients low
 * to high, zero-padded): a subproduct tree whose products of monic polynomials run on the WASM
 * kernels (schoolbook for small degrees, FFT above), O(m log² m) for m missing points, where the
 * schoolbook product over all of them would be O(m²) (≈ 16 M products at m = 4,096).
 *
 * A monic polynomial of degree d is kept as its d low coefficients (the leading 1 implicit):
 * (x^a + A)(x^b + B) = x^(a+b) + x^b·A + x^a·B + A·B.
 */
export function zeroPolynomialWasm(f: FrWasm, total: number, missing: readonly number[], out: number): void {
  const m = missing.length;
  const one = f.constTable("one", () => [1n]);
  f.u8.fill(0, out, out + total * FR_BYTES);
  if (m === 0) {
    f.u8.copyWithin(out, one, one + FR_BYTES);
    return;
  }
  if (m >= total) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", "Z of every point of the domain does not fit its size");
  const mark = f.mark();
  try {
    const half = total / 2;
    const tw = f.halfRoots(total);
    const zero = f.allocElements(1);
    f.u8.fill(0, zero, zero + FR_BYTES);
    // Level 0: x − ω^i, kept as its low coefficient −ω^i (ω^{i+half} = −ω^i).
    let level: { ptr: number; deg: number }[] = [];
    const leaves = f.allocElements(m);
    missing.forEach((i, j) => {
      const dst = leaves + j * FR_BYTES;
      if (i < half) f.sub(dst, zero, tw + i * FR_BYTES);
      else f.u8.copyWithin(dst, tw + (i - half) * FR_BYTES, tw + (i - half + 1) * FR_BYTES);
      level.push({ ptr: dst, deg: 1 });
    });
    const tmp = f.allocElements(1);
    while (level.length > 1) {
      const next: { ptr: number; deg: number }[] = [];
      for (let p = 0; p + 1 < level.length; p += 2) {
        const a = level[p]!;
        const b = level[p + 1]!;
        const deg = a.deg + b.deg;
        const c = f.allocElements(deg);
        // A·B has degree ≤ deg − 2 and fills c[0 .. deg−2]; c[deg−1] starts at zero.
        if (Math.min(a.deg, b.deg) <= SCHOOLBOOK_DEGREE) {
          f.u8.fill(0, c, c + deg * FR_BYTES);
          for (let i = 0; i < a.deg; i++) {
            for (let j = 0; j < b.deg; j++) {
              f.mul(tmp, a.ptr + i * FR_BYTES, b.ptr + j * FR_BYTES);
              f.add(c + (i + j) * FR_BYTES, c + (i + j) * FR_BYTES, tmp);
            }
          }
        } else {
          let size = 1;
          while (size < deg - 1) size <<= 1;
          const fa = f.allocElements(size);
          const fb = f.allocElements(size);
          f.u8.fill(0, fa, fa + size * FR_BYTES);
          f.u8.fill(0, fb, fb + size * FR_BYTES);
          f.u8.copyWithin(fa, a.ptr, a.ptr + a.deg * FR_BYTES);
          f.u8.copyWithin(fb, b.ptr, b.ptr + b.deg * FR_BYTES);
          f.fftUnscaled(fa, size, false);
          f.fftUnscaled(fb, size, false);
          f.mulVec(fa, fa, fb, size);
          f.fftUnscaled(fa, size, true);
          f.mulVec(fa, fa, f.domainNInv(size), size, true);
          f.u8.copyWithin(c, fa, fa + (deg - 1) * FR_BYTES);
          f.u8.fill(0, c + (deg - 1) * FR_BYTES, c + deg * FR_BYTES);
        }
        f.addVec(c + b.deg * FR_BYTES, c + b.deg * FR_BYTES, a.ptr, a.deg);
        f.addVec(c + a.deg * FR_BYTES, c + a.deg * FR_BYTES, b.ptr, b.deg);
        next.push({ ptr: c, deg });
      }
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    const z = level[0]!;
    f.u8.copyWithin(out, z.ptr, z.ptr + m * FR_BYTES);
    f.u8.copyWithin(out + m * FR_BYTES, one, one + FR_BYTES);
  } finally {
    f.release(mark);
  }
}
