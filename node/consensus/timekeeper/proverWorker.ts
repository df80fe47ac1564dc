/**
 * The timekeeper's worker thread: proves slot after slot (the native kernel or the pure prover, as
 * the timekeeper resolved the backend; see ./nativeAes.ts), deriving each next
 * input itself (`deriveNextSlotInput`, with the parameters change it was given) so no round trip
 * to the main thread sits between two slots. Between slots it yields to its event loop, where a
 * `run` message replaces the chain it follows and a `parameters` message replaces the pending
 * parameters change. Each proof carries the generation of the `run` it belongs to, so the main
 * thread drops proofs of a superseded chain.
 */
import { parentPort, workerData } from "node:worker_threads";
// Only the modules the loop needs (not the codecs): every import adds to the worker's start-up.
import { concatCheckpoints, deriveNextSlotInput, type PotParametersChange } from "../../../framework/primitives/subspace/pot/derivations.ts";
import { prove } from "../../../framework/primitives/subspace/pot/prover.ts";
import { proveWithKernel } from "../../../framework/primitives/subspace/pot/kernel.ts";
import { chunkGc } from "./chunkGc.ts";
import { kernelFor, type PotBackendName } from "./nativeAes.ts";

export interface ProverWorkerData {
  readonly backend: PotBackendName;
}

export interface ProverRun {
  readonly type: "run";
  readonly generation: number;
  readonly slot: number;
  readonly slotIterations: number;
  readonly seed: Uint8Array;
  readonly parametersChange: PotParametersChange | null;
  /** Slots start at least this far apart (0: back to back). */
  readonly minSlotIntervalMs: number;
}

export interface ProverParameters {
  readonly type: "parameters";
  readonly parametersChange: PotParametersChange | null;
}

export interface ProverPause {
  readonly type: "pause";
}

export type ToProver = ProverRun | ProverParameters | ProverPause;

export interface ProverProof {
  readonly type: "proof";
  readonly generation: number;
  readonly slot: number;
  readonly slotIterations: number;
  readonly seed: Uint8Array;
  /** The 8 checkpoints, concatenated (128 bytes). */
  readonly checkpoints: Uint8Array;
  /** What this worker proves next, so the main thread can detect a stale parameters change. */
  readonly next: { readonly slot: number; readonly slotIterations: number; readonly seed: Uint8Array };
  readonly provingMs: number;
}

export interface ProverFailure {
  readonly type: "error";
  readonly generation: number;
  readonly message: string;
}

export type FromProver = ProverProof | ProverFailure;

interface Job {
  generation: number;
  slot: number;
  slotIterations: number;
  seed: Uint8Array;
  parametersChange: PotParametersChange | null;
  minSlotIntervalMs: number;
}

const port = parentPort!;
const kernel = kernelFor((workerData?.data as ProverWorkerData | undefined)?.backend ?? "ts");
const onChunk = kernel ? undefined : chunkGc();
let job: Job | null = null;
let running = false;

port.on("message", (m: ToProver) => {
  if (m.type === "run") {
    job = { ...m };
    if (!running) void loop();
  } else if (m.type === "parameters") {
    if (job) job.parametersChange = m.parametersChange;
  } else {
    job = null;
  }
});

const yieldToEvents = (ms: number): Promise<void> =>
  new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

async function loop(): Promise<void> {
  running = true;
  try {
    while (job !== null) {
      const current = job;
      const started = performance.now();
      let checkpoints;
      try {
        checkpoints = kernel
          ? proveWithKernel(kernel, current.seed, current.slotIterations)
          : prove(current.seed, current.slotIterations, { onChunk });
      } catch (e) {
        port.postMessage({ type: "error", generation: current.generation, message: (e as Error).message } satisfies ProverFailure);
        if (job === current) job = null;
        continue;
      }
      const provingMs = performance.now() - started;
      const output = checkpoints[checkpoints.length - 1]!;
      const next = deriveNextSlotInput(current.slotIterations, current.slot, output, current.parametersChange);
      const flat = concatCheckpoints(checkpoints);
      port.postMessage({
        type: "proof",
        generation: current.generation,
        slot: current.slot,
        slotIterations: current.slotIterations,
        seed: current.seed,
        checkpoints: flat,
        next,
        provingMs,
      } satisfies ProverProof, [flat.buffer as ArrayBuffer]);
      if (job === current) Object.assign(current, next);
      await yieldToEvents(current.minSlotIntervalMs - (performance.now() - started));
    }
  } finally {
    running = false;
  }
}
