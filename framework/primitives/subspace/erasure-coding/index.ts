/**
 * Reed–Solomon erasure coding over BLS12-381 Fr, as `crates/subspace-erasure-coding`:
 * `extend` has `das_fft_extension` semantics (n source values are the evaluations at the even
 * indices ω_{2n}^{2i} of a polynomial of degree < n; the n outputs are its evaluations at the odd
 * indices ω_{2n}^{2i+1}), and `recover` rebuilds all 2n evaluations, in natural (interleaved)
 * order, from any n of them (`recover_poly_from_samples`).
 */
import { PRIMITIVE_ROOT_OF_UNITY } from "../profile/index.ts";
import { FR_MODULUS, domain, fftInPlace, frBatchInv, frInv, isPowerOfTwo } from "./field.ts";

export * from "./field.ts";

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
}

export class ErasureCoding {
  readonly maxShards: number;

  /** `scale`: log2 of the maximum number of shards (the reference uses `log2(NUM_PIECES)` etc.). */
  constructor(readonly scale: number) {
    if (!Number.isInteger(scale) || scale < 1 || scale > 32) throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `bad scale ${scale}`);
    this.maxShards = 2 ** scale;
  }

  /** n source shards → n parity shards (`das_fft_extension`). n must be a power of two, 2n ≤ maxShards. */
  extend(source: readonly bigint[]): bigint[] {
    const n = source.length;
    this.checkSize(2 * n);
    const a = source.slice();
    fftInPlace(a, true); // coefficients of the degree < n polynomial over the n-domain
    const shift = domain(2 * n).roots; // ω_{2n}^k
    for (let k = 1; k < n; k++) a[k] = (a[k]! * shift[k]!) % R;
    fftInPlace(a, false); // evaluations at ω_{2n}^{2i+1}
    return a;
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
    if (count === total) {
      return { present: presentList, recover: (shards) => shards.map((s) => s as bigint) };
    }
    const d = domain(total);
    // Z(x) = Π_{missing i} (x − ω^i), coefficients low to high.
    let z: bigint[] = [1n];
    for (let i = 0; i < total; i++) {
      if (isPresent[i]) continue;
      const negRoot = d.roots[i] === 0n ? 0n : R - d.roots[i]!;
      const next = new Array<bigint>(z.length + 1).fill(0n);
      for (let j = 0; j < z.length; j++) {
        next[j] = (next[j]! + z[j]! * negRoot) % R;
        next[j + 1] = (next[j + 1]! + z[j]!) % R;
      }
      z = next;
    }
    const zPadded = new Array<bigint>(total).fill(0n);
    for (let j = 0; j < z.length; j++) zPadded[j] = z[j]!;
    const zEval = zPadded.slice();
    fftInPlace(zEval, false);
    // Coset k·ω^i with k = 7 (not in the domain, so Z never vanishes there).
    const k = PRIMITIVE_ROOT_OF_UNITY;
    const kInv = frInv(k);
    const kPow = new Array<bigint>(total);
    const kInvPow = new Array<bigint>(total);
    kPow[0] = 1n;
    kInvPow[0] = 1n;
    for (let j = 1; j < total; j++) {
      kPow[j] = (kPow[j - 1]! * k) % R;
      kInvPow[j] = (kInvPow[j - 1]! * kInv) % R;
    }
    const zCoset = zPadded.map((c, j) => (c * kPow[j]!) % R);
    fftInPlace(zCoset, false);
    const zCosetInv = frBatchInv(zCoset);
    const checkConsistency = count > n;

    return {
      present: presentList,
      recover(shards) {
        const a = new Array<bigint>(total);
        for (let i = 0; i < total; i++) a[i] = isPresent[i] ? ((shards[i] as bigint) * zEval[i]!) % R : 0n;
        fftInPlace(a, true); // (P·Z) coefficients
        for (let j = 1; j < total; j++) a[j] = (a[j]! * kPow[j]!) % R;
        fftInPlace(a, false); // (P·Z)(k ω^i)
        for (let i = 0; i < total; i++) a[i] = (a[i]! * zCosetInv[i]!) % R;
        fftInPlace(a, true); // P(k x) coefficients
        for (let j = 1; j < total; j++) a[j] = (a[j]! * kInvPow[j]!) % R;
        for (let j = n; j < total; j++) {
          if (a[j] !== 0n) {
            if (checkConsistency) throw new ErasureCodingError("ERASURE_CODING_ERROR_INCONSISTENT", "shards are not evaluations of one polynomial of degree < n");
            a[j] = 0n;
          }
        }
        fftInPlace(a, false);
        if (checkConsistency) {
          for (let i = 0; i < total; i++) {
            if (isPresent[i] && a[i] !== shards[i]) throw new ErasureCodingError("ERASURE_CODING_ERROR_INCONSISTENT", `shard ${i} disagrees with the others`);
          }
        }
        return a;
      },
    };
  }

  private checkSize(total: number): void {
    if (!isPowerOfTwo(total) || total < 2 || total > this.maxShards) {
      throw new ErasureCodingError("ERASURE_CODING_ERROR_SIZE", `shard count ${total} must be a power of two in 2..${this.maxShards}`);
    }
  }
}
