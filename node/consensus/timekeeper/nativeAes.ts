/**
 * The PoT backend: the native AES kernel (native/pot/, built by `npm ci` through node-gyp) when it
 * loads and this CPU has AES instructions, otherwise the pure TypeScript path over node:crypto.
 * `SUBSPACE_POT_BACKEND=ts|native` forces one (for tests and benchmarks); forcing `native` where it
 * does not load throws at start.
 *
 * PERF (project machine, 2-core Xeon with AES-NI/VAES/AVX-512, node 20; test/bench/pot.bench.ts,
 * native/pot/README.md): native proving 110–134 M iterations/s, 1.06–1.24 × `openssl speed -evp
 * aes-128-cbc` (10 dependent AESENC per iteration); native verification of a mainnet slot
 * (206,557,520 iterations) on one core 0.125 s of CPU (0.14–0.19 s wall) with VAES-512, against
 * ≈ 2.1 core-seconds for the TypeScript intervals.
 */
import { createRequire } from "node:module";
import type { PotAesKernel } from "../../../framework/primitives/subspace/pot/kernel.ts";

/** The addon's exports (native/pot/src/binding.c). */
export interface NativePotKernel extends PotAesKernel {
  /** "x86-64 aes-ni", "aarch64 crypto" or "none". */
  readonly accel: string;
  /** Verification kernels this CPU runs, preferred first ("vaes-512", "vaes-256", "aes-ni", "armv8"). */
  readonly variants: readonly string[];
  verify(key: Uint8Array, starts: Uint8Array, ends: Uint8Array, iterations: number, variant?: string): boolean;
  /** The 11 AES-128 round keys (176 bytes). */
  expandKey(key: Uint8Array): Uint8Array;
}

export type PotBackendName = "ts" | "native";

export const POT_BACKEND_ENV = "SUBSPACE_POT_BACKEND";
const ADDON = "../../../native/pot/build/Release/pot_native.node";

let loaded: { kernel: NativePotKernel | undefined; error: string | undefined } | undefined;

/** The native kernel, loaded once; undefined when it was not built, fails to load or this CPU has no AES kernel. */
export function loadNativePot(): NativePotKernel | undefined {
  if (loaded === undefined) {
    try {
      const kernel = createRequire(import.meta.url)(ADDON) as NativePotKernel;
      loaded = kernel.accel === "none"
        ? { kernel: undefined, error: "no AES instructions on this CPU" }
        : { kernel, error: undefined };
    } catch (e) {
      loaded = { kernel: undefined, error: (e as Error).message.split("\n")[0] };
    }
  }
  return loaded.kernel;
}

/** Why `loadNativePot()` returned undefined (for logs), or undefined when it loaded. */
export function nativePotLoadError(): string | undefined {
  loadNativePot();
  return loaded!.error;
}

/**
 * The backend to use: `requested` (or `SUBSPACE_POT_BACKEND`) when given, else native when it
 * loads. Throws when native is requested and unavailable, or for an unknown name.
 */
export function resolvePotBackend(requested: string | undefined = process.env[POT_BACKEND_ENV]): PotBackendName {
  const want = requested === undefined || requested === "" ? undefined : requested;
  if (want !== undefined && want !== "ts" && want !== "native") {
    throw new RangeError(`${POT_BACKEND_ENV} must be "ts" or "native", got ${JSON.stringify(want)}`);
  }
  if (want === "ts") return "ts";
  if (loadNativePot()) return "native";
  if (want === "native") throw new Error(`native PoT kernel unavailable: ${nativePotLoadError()}`);
  return "ts";
}

/** The kernel for a resolved backend name: the native kernel, or undefined for the TypeScript path. */
export function kernelFor(backend: PotBackendName): NativePotKernel | undefined {
  if (backend === "ts") return undefined;
  const kernel = loadNativePot();
  if (!kernel) throw new Error(`native PoT kernel unavailable: ${nativePotLoadError()}`);
  return kernel;
}
