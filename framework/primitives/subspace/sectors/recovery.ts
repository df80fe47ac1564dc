/**
 * Recovering a record from the chunks a sector keeps of it (`ErasureCoding::recover_poly` in the
 * reference's proving and reading paths).
 *
 * A plotted record keeps 4,096 of its 8,192 s-bucket values (evaluations of one polynomial of
 * degree < 4,096 at ω_8192^s); which ones depends on the record's PoS table, so every record has
 * its own erasure pattern. The erasure-coding module's recoverer builds the vanishing polynomial
 * of the missing points by schoolbook multiplication (O(n·m), ≈ 8 M modular products here); this
 * one multiplies a subproduct tree with FFTs (O(n log² n)).
 *
 * PERF: on the project machine, recovering one 8,192-value record takes ≈ 0.35 s (bigint Fr
 * arithmetic at ≈ 0.3 µs per modular product); the schoolbook zero polynomial alone took > 2 s.
 */
import { FR_MODULUS, domain, fftInPlace, frBatchInv, frInv, isPowerOfTwo } from "../erasure-coding/index.ts";
import { PRIMITIVE_ROOT_OF_UNITY } from "../profile/index.ts";

const R = FR_MODULUS;
/** Below this degree, schoolbook multiplication beats three FFTs. */
const SCHOOLBOOK_DEGREE = 32;

export class RecoveryError extends Error {
  constructor(
    readonly code: "RECOVERY_ERROR_SIZE" | "RECOVERY_ERROR_NOT_ENOUGH_SHARDS" | "RECOVERY_ERROR_INCONSISTENT",
    message: string,
  ) {
    super(message);
  }
}

/** Product of two monic polynomials (coefficients low to high). */
function mulMonic(a: bigint[], b: bigint[]): bigint[] {
  const da = a.length - 1;
  const db = b.length - 1;
  const d = da + db;
  if (Math.min(da, db) <= SCHOOLBOOK_DEGREE) {
    const c = new Array<bigint>(d + 1).fill(0n);
    for (let i = 0; i <= da; i++) {
      const ai = a[i]!;
      if (ai === 0n) continue;
      for (let j = 0; j <= db; j++) c[i + j] = c[i + j]! + ai * b[j]!;
    }
    for (let i = 0; i <= d; i++) c[i] = c[i]! % R;
    return c;
  }
  let n = 1;
  while (n < d) n <<= 1;
  // A cyclic convolution of size n = d wraps the leading x^d term (1, both inputs are monic) onto x^0.
  const fa = new Array<bigint>(n).fill(0n);
  const fb = new Array<bigint>(n).fill(0n);
  for (let i = 0; i <= da; i++) fa[i] = a[i]!;
  for (let i = 0; i <= db; i++) fb[i] = b[i]!;
  fftInPlace(fa, false);
  fftInPlace(fb, false);
  for (let i = 0; i < n; i++) fa[i] = (fa[i]! * fb[i]!) % R;
  fftInPlace(fa, true);
  if (d === n) {
    fa[0] = fa[0]! === 0n ? R - 1n : fa[0]! - 1n;
    fa.push(1n);
  } else {
    fa.length = d + 1;
  }
  return fa;
}

/** Z(x) = Π (x − root), coefficients low to high (length roots.length + 1). */
export function zeroPolynomial(roots: readonly bigint[]): bigint[] {
  if (roots.length === 0) return [1n];
  let level: bigint[][] = roots.map((r) => [r === 0n ? 0n : R - r, 1n]);
  while (level.length > 1) {
    const next: bigint[][] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(mulMonic(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

const cosetPowers = new Map<number, { pow: bigint[]; invPow: bigint[] }>();

function cosetPowersFor(n: number): { pow: bigint[]; invPow: bigint[] } {
  let c = cosetPowers.get(n);
  if (c === undefined) {
    const k = PRIMITIVE_ROOT_OF_UNITY;
    const kInv = frInv(k);
    const pow = new Array<bigint>(n);
    const invPow = new Array<bigint>(n);
    pow[0] = 1n;
    invPow[0] = 1n;
    for (let j = 1; j < n; j++) {
      pow[j] = (pow[j - 1]! * k) % R;
      invPow[j] = (invPow[j - 1]! * kInv) % R;
    }
    c = { pow, invPow };
    cosetPowers.set(n, c);
  }
  return c;
}

/**
 * The coefficients (length total/2) of the polynomial of degree < total/2 taking `shards[i]` at
 * ω_total^i for every present (non-null) shard. Needs at least total/2 shards; with more, they
 * must agree (`RECOVERY_ERROR_INCONSISTENT` otherwise).
 */
export function recoverCoefficients(shards: readonly (bigint | null | undefined)[]): bigint[] {
  const total = shards.length;
  if (!isPowerOfTwo(total) || total < 2) throw new RecoveryError("RECOVERY_ERROR_SIZE", `shard count ${total} is not a power of two ≥ 2`);
  const n = total / 2;
  const roots = domain(total).roots;
  const missing: bigint[] = [];
  for (let i = 0; i < total; i++) if (shards[i] === null || shards[i] === undefined) missing.push(roots[i]!);
  if (total - missing.length < n) {
    throw new RecoveryError("RECOVERY_ERROR_NOT_ENOUGH_SHARDS", `need ${n} of ${total} shards, got ${total - missing.length}`);
  }
  let coeffs: bigint[];
  if (missing.length === 0) {
    coeffs = shards as bigint[];
    coeffs = coeffs.slice();
    fftInPlace(coeffs, true);
  } else {
    const z = zeroPolynomial(missing);
    const zPadded = new Array<bigint>(total).fill(0n);
    for (let j = 0; j < z.length; j++) zPadded[j] = z[j]!;
    const zEval = zPadded.slice();
    fftInPlace(zEval, false);
    // (P·Z)(ω^i) = E(ω^i)·Z(ω^i) everywhere (Z vanishes where E is unknown); deg(P·Z) < total.
    const a = new Array<bigint>(total);
    for (let i = 0; i < total; i++) {
      const s = shards[i];
      a[i] = s === null || s === undefined ? 0n : (s * zEval[i]!) % R;
    }
    fftInPlace(a, true);
    // Divide by Z on the coset k·ω^i, where Z never vanishes.
    const { pow, invPow } = cosetPowersFor(total);
    for (let j = 1; j < total; j++) a[j] = (a[j]! * pow[j]!) % R;
    fftInPlace(a, false);
    const zCoset = new Array<bigint>(total);
    for (let j = 0; j < total; j++) zCoset[j] = (zPadded[j]! * pow[j]!) % R;
    fftInPlace(zCoset, false);
    const zCosetInv = frBatchInv(zCoset);
    for (let i = 0; i < total; i++) a[i] = (a[i]! * zCosetInv[i]!) % R;
    fftInPlace(a, true);
    for (let j = 1; j < total; j++) a[j] = (a[j]! * invPow[j]!) % R;
    coeffs = a;
  }
  for (let j = n; j < total; j++) {
    if (coeffs[j] !== 0n) throw new RecoveryError("RECOVERY_ERROR_INCONSISTENT", "shards are not evaluations of one polynomial of degree < n");
  }
  coeffs.length = n;
  return coeffs;
}

/**
 * The source values (the evaluations at the even points ω_total^{2i} = ω_{total/2}^i, i.e. the
 * record) of the polynomial through the present shards.
 */
export function recoverSourceValues(shards: readonly (bigint | null | undefined)[]): bigint[] {
  const coeffs = recoverCoefficients(shards);
  fftInPlace(coeffs, false);
  return coeffs;
}
