/**
 * Recycling of the prover's output buffers. Node allocates a fresh Buffer for every cipher
 * `update()` and frees it only at a garbage collection; at ≈ 1.6 GB/s of output, buffers are
 * recycled cold. A minor (scavenge) GC every 2 MiB of output lets malloc hand back chunks that are
 * still in cache.
 * PERF: 32 KiB chunks, interleaved runs on the project machine: 92.8 → 101.5 M it/s and
 * 88.7 → 95.1 M it/s (≈ +7–9 %); see test/bench/pot.bench.ts (`worker_rate` vs `prove.rate`).
 *
 * `gc` is reached through `--expose-gc` set at run time and a fresh VM context, which exposes it
 * there only; the main context's globals are untouched. Returns undefined where that fails.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { POT_CHUNK_BYTES } from "../../../framework/primitives/subspace/pot/prover.ts";

/** Chunks between two minor GCs: 2 MiB of output at the default chunk size. */
export const CHUNKS_PER_GC = (2 * 1024 * 1024) / POT_CHUNK_BYTES;

export function chunkGc(chunksPerGc: number = CHUNKS_PER_GC): (() => void) | undefined {
  let gc: ((opts?: { type?: "minor" | "major" }) => void) | undefined;
  try {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as typeof gc;
  } catch {
    return undefined;
  }
  if (typeof gc !== "function") return undefined;
  const collect = gc;
  let chunks = 0;
  return () => {
    if (++chunks >= chunksPerGc) {
      chunks = 0;
      collect({ type: "minor" });
    }
  };
}
