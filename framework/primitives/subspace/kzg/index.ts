/**
 * KZG commitments for the TS profile (`shared/subspace-kzg` semantics on the EIP-4844 setup).
 *
 * A polynomial is given by its values at the natural-order roots ω_N^j (N a power of two ≤ 4,096),
 * exactly as the reference's `Kzg::poly` (an inverse FFT of the values). The backends commit
 * 4,096-element blobs holding evaluations over the 4,096 roots in bit-reversed order, so a
 * polynomial is evaluated over the 4,096-point domain and permuted into blob order. Openings are
 * at z = ω_N^index for any N (256 for segment witnesses, 8,192 for chunk witnesses), or any z.
 */
import { KZG_DOMAIN_SIZE, SCALAR_FULL_BYTES } from "../profile/index.ts";
import { domain, evaluateOnDomain, fftInPlace, isPowerOfTwo, rootOfUnity, frPow } from "../erasure-coding/field.ts";
import { InvalidScalarError, isCanonicalScalar, scalarFromBytes, scalarToBytes, writeScalar } from "../core/scalar.ts";
import { BLOB_SIZE, loadCKzg, loadKzgWasm, type KzgBackend, type KzgBackendName } from "./backends.ts";
import { extendCommitmentsG1 } from "./g1.ts";

export { BLOB_SIZE, loadCKzg, loadKzgWasm, quotientForOpening, isCanonicalBlob } from "./backends.ts";
export type { KzgBackend, KzgBackendName } from "./backends.ts";
export { G1Error, extendCommitmentsG1, g1FftInPlace, g1FromBytes, g1Msm, g1ToBytes, g1ToBytesBatch, type G1Point } from "./g1.ts";
export { AFFINE_BYTES, BLS12_381_P, G1_GENERATOR_BYTES, G1Wasm, g1Wasm, type Decompressed } from "./g1Wasm.ts";

export const COMMITMENT_SIZE = 48;
export const WITNESS_SIZE = 48;

/** A polynomial of degree < 4,096 in EIP-4844 blob layout. */
export class Polynomial {
  constructor(readonly blob: Uint8Array) {
    if (blob.length !== BLOB_SIZE) throw new RangeError(`blob must be ${BLOB_SIZE} bytes`);
  }
}

export class KzgError extends Error {
  constructor(readonly code: "KZG_ERROR_SIZE" | "KZG_ERROR_INDEX" | "KZG_ERROR_BACKEND_UNAVAILABLE", message: string) {
    super(message);
  }
}

export interface Kzg {
  readonly backend: KzgBackendName;
  /** `Kzg::poly`: the polynomial taking `values[j]` at ω_N^j, N = values.length (power of two ≤ 4,096). */
  poly(values: readonly bigint[]): Polynomial;
  /** Same from N concatenated 32-byte big-endian scalars; throws `InvalidScalarError` on non-canonical ones. */
  polyFromScalarBytes(bytes: Uint8Array): Polynomial;
  commit(poly: Polynomial): Uint8Array;
  /** Witness of the value at ω_{numValues}^index (`Kzg::create_witness`). */
  createWitness(poly: Polynomial, numValues: number, index: number): Uint8Array;
  /** Opening at an arbitrary point z: proof and y = p(z) (32-byte BE). */
  openAt(poly: Polynomial, z: bigint): { proof: Uint8Array; y: Uint8Array };
  /** `Kzg::verify`: p(ω_{numValues}^index) = value; false for malformed inputs. */
  verify(commitment: Uint8Array, numValues: number, index: number, value: Uint8Array, witness: Uint8Array): boolean;
  /** p(z) = y at an arbitrary point; false for malformed inputs. */
  verifyAt(commitment: Uint8Array, z: bigint, y: Uint8Array, proof: Uint8Array): boolean;
  /**
   * Commitments to the parity records of a segment from the commitments to its n source records
   * (`extend_commitments`: `das_fft_extension` in G1). Equal, by linearity, to committing the
   * parity records; throws `G1Error` on an invalid point.
   */
  extendCommitments(source: readonly Uint8Array[]): Uint8Array[];
  /** Verifies several openings; true only if all hold. */
  verifyBatch(items: readonly { commitment: Uint8Array; numValues: number; index: number; value: Uint8Array; witness: Uint8Array }[]): boolean;
}

/** The point ω_N^index. */
export function evaluationPoint(numValues: number, index: number): bigint {
  if (!isPowerOfTwo(numValues) || numValues > 2 ** 32) throw new KzgError("KZG_ERROR_SIZE", `numValues ${numValues} is not a power of two`);
  if (!Number.isInteger(index) || index < 0 || index >= numValues) throw new KzgError("KZG_ERROR_INDEX", `index ${index} out of range for ${numValues} values`);
  return numValues <= 16_384 ? domain(numValues).roots[index]! : frPow(rootOfUnity(numValues), BigInt(index));
}

class KzgImpl implements Kzg {
  readonly backend: KzgBackendName;
  constructor(private readonly b: KzgBackend) {
    this.backend = b.name;
  }

  poly(values: readonly bigint[]): Polynomial {
    const n = values.length;
    if (!isPowerOfTwo(n) || n > KZG_DOMAIN_SIZE) throw new KzgError("KZG_ERROR_SIZE", `polynomial of ${n} values: must be a power of two ≤ ${KZG_DOMAIN_SIZE}`);
    let evals: readonly bigint[];
    if (n === KZG_DOMAIN_SIZE) {
      evals = values;
    } else {
      const coeffs = values.slice();
      fftInPlace(coeffs, true);
      evals = evaluateOnDomain(coeffs, KZG_DOMAIN_SIZE);
    }
    const brp = domain(KZG_DOMAIN_SIZE).bitrev;
    const blob = new Uint8Array(BLOB_SIZE);
    for (let i = 0; i < KZG_DOMAIN_SIZE; i++) writeScalar(blob, i * SCALAR_FULL_BYTES, evals[brp[i]!]!);
    return new Polynomial(blob);
  }

  polyFromScalarBytes(bytes: Uint8Array): Polynomial {
    const n = bytes.length / SCALAR_FULL_BYTES;
    if (n !== KZG_DOMAIN_SIZE) {
      const values = new Array<bigint>(n);
      for (let j = 0; j < n; j++) values[j] = scalarFromBytes(bytes, j * SCALAR_FULL_BYTES);
      return this.poly(values);
    }
    // PERF: a full-size record only needs its 32-byte words permuted into bit-reversed order.
    const brp = domain(KZG_DOMAIN_SIZE).bitrev;
    const blob = new Uint8Array(BLOB_SIZE);
    for (let i = 0; i < KZG_DOMAIN_SIZE; i++) {
      const src = brp[i]! * SCALAR_FULL_BYTES;
      if (!isCanonicalScalar(bytes, src)) throw new InvalidScalarError();
      blob.set(bytes.subarray(src, src + SCALAR_FULL_BYTES), i * SCALAR_FULL_BYTES);
    }
    return new Polynomial(blob);
  }

  commit(poly: Polynomial): Uint8Array {
    return this.b.blobToCommitment(poly.blob);
  }

  createWitness(poly: Polynomial, numValues: number, index: number): Uint8Array {
    return this.b.computeProof(poly.blob, scalarToBytes(evaluationPoint(numValues, index))).proof;
  }

  openAt(poly: Polynomial, z: bigint): { proof: Uint8Array; y: Uint8Array } {
    return this.b.computeProof(poly.blob, scalarToBytes(z));
  }

  verify(commitment: Uint8Array, numValues: number, index: number, value: Uint8Array, witness: Uint8Array): boolean {
    if (commitment.length !== COMMITMENT_SIZE || witness.length !== WITNESS_SIZE || value.length !== SCALAR_FULL_BYTES) return false;
    if (!isCanonicalScalar(value)) return false;
    let z: bigint;
    try {
      z = evaluationPoint(numValues, index);
    } catch {
      return false;
    }
    return this.b.verifyProof(commitment, scalarToBytes(z), value, witness);
  }

  verifyAt(commitment: Uint8Array, z: bigint, y: Uint8Array, proof: Uint8Array): boolean {
    if (commitment.length !== COMMITMENT_SIZE || proof.length !== WITNESS_SIZE || y.length !== SCALAR_FULL_BYTES) return false;
    if (!isCanonicalScalar(y)) return false;
    return this.b.verifyProof(commitment, scalarToBytes(z), y, proof);
  }

  extendCommitments(source: readonly Uint8Array[]): Uint8Array[] {
    return this.b.extendCommitments?.(source) ?? extendCommitmentsG1(source);
  }

  verifyBatch(items: readonly { commitment: Uint8Array; numValues: number; index: number; value: Uint8Array; witness: Uint8Array }[]): boolean {
    for (const it of items) if (!this.verify(it.commitment, it.numValues, it.index, it.value, it.witness)) return false;
    return true;
  }
}

/** Wrap a blob-level backend into the `Kzg` interface. */
export function kzgFromBackend(backend: KzgBackend): Kzg {
  return new KzgImpl(backend);
}

const kzgByBackend = new Map<KzgBackendName, Promise<Kzg>>();
let defaultKzg: Promise<Kzg> | null = null;

/**
 * The process-wide KZG instance, loaded lazily once: c-kzg when its native addon loads, kzg-wasm
 * otherwise. `backend` forces one (tests, benchmarks); a forced backend that fails to load rejects.
 */
export function getKzg(options: { backend?: KzgBackendName } = {}): Promise<Kzg> {
  const forced = options.backend;
  if (forced !== undefined) {
    let p = kzgByBackend.get(forced);
    if (p === undefined) {
      p = (forced === "c-kzg" ? loadCKzg() : loadKzgWasm()).then(kzgFromBackend);
      p.catch(() => kzgByBackend.delete(forced));
      kzgByBackend.set(forced, p);
    }
    return p;
  }
  defaultKzg ??= getKzg({ backend: "c-kzg" }).catch(() => getKzg({ backend: "kzg-wasm" }));
  return defaultKzg;
}
