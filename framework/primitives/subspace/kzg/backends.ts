/**
 * The two EIP-4844 KZG backends behind one blob-level interface.
 *
 * - c-kzg 4.1.0: Ethereum's C library as a native Node addon (built from source at install;
 *   `allowScripts` in package.json). PERF: commit 57 ms, `computeKzgProof` 61 ms, verify 1.3 ms,
 *   setup load 2 s (reference/perf-limits.md §4).
 * - kzg-wasm 1.0.0: the same C code compiled to WASM, portable. PERF: commit 474 ms, verify 11 ms,
 *   setup load 14.5 s. It has no single-point opening, so `computeProof` is built here from the
 *   quotient polynomial in evaluation form, committed with `blobToKZGCommitment`.
 *
 * Both load the Ethereum KZG ceremony's mainnet setup that ships inside the package (4,096 G1
 * Lagrange and monomial powers, 65 G2 powers); loading happens lazily, once per process.
 */
import { createRequire } from "node:module";
import { BLS12_381_R, KZG_DOMAIN_SIZE, SCALAR_FULL_BYTES } from "../profile/index.ts";
import { domain, frBatchInv, frMul, frPow, frSub } from "../erasure-coding/field.ts";
import { isCanonicalScalar, scalarFromBytes, scalarToBytes } from "../core/scalar.ts";

export type KzgBackendName = "c-kzg" | "kzg-wasm";

/** Blob-level operations on 4,096-element EIP-4844 blobs (evaluations in bit-reversed order). */
export interface KzgBackend {
  readonly name: KzgBackendName;
  blobToCommitment(blob: Uint8Array): Uint8Array;
  /** Opening of the blob's polynomial at z (32-byte BE scalar): proof and y = p(z). */
  computeProof(blob: Uint8Array, z: Uint8Array): { proof: Uint8Array; y: Uint8Array };
  /** Verifies p(z) = y; false (never a throw) for malformed points or scalars. */
  verifyProof(commitment: Uint8Array, z: Uint8Array, y: Uint8Array, proof: Uint8Array): boolean;
  /** Optional override of the G1 commitment extension (stand-in backends whose commitments are not points). */
  extendCommitments?(source: readonly Uint8Array[]): Uint8Array[];
}

export const BLOB_SIZE = KZG_DOMAIN_SIZE * SCALAR_FULL_BYTES;

const require = createRequire(import.meta.url);

// ---- c-kzg ---------------------------------------------------------------------------------

interface CKzgModule {
  loadTrustedSetup(precompute: number, filePath?: string): void;
  blobToKzgCommitment(blob: Uint8Array): Uint8Array;
  computeKzgProof(blob: Uint8Array, z: Uint8Array): [Uint8Array, Uint8Array];
  verifyKzgProof(c: Uint8Array, z: Uint8Array, y: Uint8Array, p: Uint8Array): boolean;
}

let cKzgPromise: Promise<KzgBackend> | null = null;

/** Loads c-kzg and its bundled trusted setup (once per process). Rejects when the addon is missing. */
export function loadCKzg(): Promise<KzgBackend> {
  cKzgPromise ??= (async () => {
    const mod = require("c-kzg") as CKzgModule;
    mod.loadTrustedSetup(0);
    const backend: KzgBackend = {
      name: "c-kzg",
      blobToCommitment: (blob) => new Uint8Array(mod.blobToKzgCommitment(blob)),
      computeProof(blob, z) {
        const [proof, y] = mod.computeKzgProof(blob, z);
        return { proof: new Uint8Array(proof), y: new Uint8Array(y) };
      },
      verifyProof(commitment, z, y, proof) {
        try {
          return mod.verifyKzgProof(commitment, z, y, proof);
        } catch {
          return false;
        }
      },
    };
    return backend;
  })();
  cKzgPromise.catch(() => {
    cKzgPromise = null;
  });
  return cKzgPromise;
}

// ---- kzg-wasm ------------------------------------------------------------------------------

interface KzgWasm {
  blobToKZGCommitment(blob: string): string;
  verifyKZGProof(commitment: string, z: string, y: string, proof: string): boolean;
}

let kzgWasmPromise: Promise<KzgBackend> | null = null;

/** Loads kzg-wasm with its bundled mainnet setup (once per process; ≈ 15 s). */
export function loadKzgWasm(): Promise<KzgBackend> {
  kzgWasmPromise ??= (async () => {
    const { loadKZG } = (await import("kzg-wasm")) as unknown as { loadKZG: (precompute?: number) => Promise<KzgWasm> };
    const k = await loadKZG(0);
    const hex = (b: Uint8Array): string => "0x" + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
    const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.startsWith("0x") ? s.slice(2) : s, "hex"));
    const blobToCommitment = (blob: Uint8Array): Uint8Array => unhex(k.blobToKZGCommitment(hex(blob)));
    const backend: KzgBackend = {
      name: "kzg-wasm",
      blobToCommitment,
      computeProof(blob, z) {
        const { quotientBlob, y } = quotientForOpening(blob, z);
        return { proof: blobToCommitment(quotientBlob), y };
      },
      verifyProof(commitment, z, y, proof) {
        try {
          return k.verifyKZGProof(hex(commitment), hex(z), hex(y), hex(proof));
        } catch {
          return false;
        }
      },
    };
    return backend;
  })();
  kzgWasmPromise.catch(() => {
    kzgWasmPromise = null;
  });
  return kzgWasmPromise;
}

/**
 * The quotient q(x) = (p(x) − y)/(x − z) in blob layout, with y = p(z), as c-kzg's
 * `compute_kzg_proof_impl` computes it: for ω_i ≠ z, q_i = (p_i − y)/(ω_i − z); when z = ω_m is in
 * the domain, q_m = Σ_{i≠m} (p_i − y)·ω_i / (z·(z − ω_i)).
 */
export function quotientForOpening(blob: Uint8Array, zBytes: Uint8Array): { quotientBlob: Uint8Array; y: Uint8Array } {
  const n = KZG_DOMAIN_SIZE;
  const z = scalarFromBytes(zBytes);
  const d = domain(n);
  const brp = d.bitrev;
  // evals[i] in blob order (bit-reversed), roots likewise.
  const evals = new Array<bigint>(n);
  const roots = new Array<bigint>(n);
  let m = -1;
  for (let i = 0; i < n; i++) {
    evals[i] = scalarFromBytes(blob, i * SCALAR_FULL_BYTES);
    roots[i] = d.roots[brp[i]!]!;
    if (roots[i] === z) m = i;
  }
  let y: bigint;
  if (m >= 0) {
    y = evals[m]!;
  } else {
    // Barycentric: p(z) = (z^n − 1)/n · Σ p_i·ω_i/(z − ω_i).
    const inv = frBatchInv(roots.map((w) => frSub(z, w)));
    let acc = 0n;
    for (let i = 0; i < n; i++) acc = (acc + evals[i]! * ((roots[i]! * inv[i]!) % BLS12_381_R)) % BLS12_381_R;
    y = frMul(frMul(frSub(frPow(z, BigInt(n)), 1n), d.nInv), acc);
  }
  const denominators = roots.map((w, i) => (i === m ? 1n : frSub(w, z)));
  const inv = frBatchInv(denominators);
  const q = new Array<bigint>(n);
  for (let i = 0; i < n; i++) q[i] = i === m ? 0n : frMul(frSub(evals[i]!, y), inv[i]!);
  if (m >= 0) {
    const den2 = roots.map((w, i) => (i === m ? 1n : frMul(z, frSub(z, w))));
    const inv2 = frBatchInv(den2);
    let acc = 0n;
    for (let i = 0; i < n; i++) {
      if (i === m) continue;
      acc = (acc + frMul(frMul(frSub(evals[i]!, y), roots[i]!), inv2[i]!)) % BLS12_381_R;
    }
    q[m] = acc;
  }
  const quotientBlob = new Uint8Array(BLOB_SIZE);
  for (let i = 0; i < n; i++) quotientBlob.set(scalarToBytes(q[i]!), i * SCALAR_FULL_BYTES);
  return { quotientBlob, y: scalarToBytes(y) };
}

/** Whether every 32-byte word of the blob is a canonical scalar. */
export function isCanonicalBlob(blob: Uint8Array): boolean {
  if (blob.length !== BLOB_SIZE) return false;
  for (let o = 0; o < BLOB_SIZE; o += SCALAR_FULL_BYTES) if (!isCanonicalScalar(blob, o)) return false;
  return true;
}
