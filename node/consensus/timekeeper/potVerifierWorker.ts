/**
 * Worker thread of PotVerifierPool: verifies one checkpoint interval per message, polling the
 * job's shared abort flag between cipher chunks so a mismatch elsewhere stops it early.
 */
import { parentPort } from "node:worker_threads";
import { verifyCheckpointInterval } from "../../../framework/primitives/subspace/pot/prover.ts";
import { chunkGc } from "./chunkGc.ts";

export interface IntervalTask {
  readonly id: number;
  readonly key: Uint8Array;
  readonly input: Uint8Array;
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
const onChunk = chunkGc();
port.on("message", (task: IntervalTask) => {
  const flag = new Int32Array(task.abort);
  const ok = Atomics.load(flag, 0) === 0
    && verifyCheckpointInterval(task.key, task.input, task.expected, task.checkpointIterations, {
      shouldAbort: () => Atomics.load(flag, 0) !== 0,
      onChunk,
    });
  port.postMessage({ id: task.id, ok } satisfies IntervalResult);
});
