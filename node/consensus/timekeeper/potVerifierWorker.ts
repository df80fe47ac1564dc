/**
 * Worker thread of PotVerifierPool. Each message is one or more checkpoint intervals (16-byte
 * lanes of `input` and `expected`). With the TypeScript backend (one interval per message) it
 * re-runs the interval, polling the job's shared abort flag between cipher chunks so a mismatch
 * elsewhere stops it early; with the native backend (a whole slot per message) it verifies all
 * intervals at once, meeting in the middle.
 */
import { parentPort, workerData } from "node:worker_threads";
import { verifyCheckpointInterval } from "../../../framework/primitives/subspace/pot/prover.ts";
import { chunkGc } from "./chunkGc.ts";
import { kernelFor, type PotBackendName } from "./nativeAes.ts";

export interface VerifierWorkerData {
  readonly backend: PotBackendName;
}

export interface IntervalTask {
  readonly id: number;
  readonly key: Uint8Array;
  /** Start of each interval (16 bytes per interval). */
  readonly input: Uint8Array;
  /** Claimed end of each interval (16 bytes per interval). */
  readonly expected: Uint8Array;
  readonly checkpointIterations: number;
  /** Int32 flag shared by all tasks of one verification; non-zero means stop. */
  readonly abort: SharedArrayBuffer;
}

export interface IntervalResult {
  readonly id: number;
  readonly ok: boolean;
}

const port = parentPort!;
const kernel = kernelFor((workerData?.data as VerifierWorkerData | undefined)?.backend ?? "ts");
const onChunk = kernel ? undefined : chunkGc();

function verifyTs(task: IntervalTask, flag: Int32Array): boolean {
  for (let at = 0; at < task.input.length; at += 16) {
    const ok = Atomics.load(flag, 0) === 0
      && verifyCheckpointInterval(task.key, task.input.subarray(at, at + 16), task.expected.subarray(at, at + 16), task.checkpointIterations, {
        shouldAbort: () => Atomics.load(flag, 0) !== 0,
        onChunk,
      });
    if (!ok) return false;
  }
  return true;
}

port.on("message", (task: IntervalTask) => {
  const flag = new Int32Array(task.abort);
  const ok = kernel
    ? Atomics.load(flag, 0) === 0 && kernel.verify(task.key, task.input, task.expected, task.checkpointIterations)
    : verifyTs(task, flag);
  port.postMessage({ id: task.id, ok } satisfies IntervalResult);
});
