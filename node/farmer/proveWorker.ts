/**
 * Worker thread of `WorkerProver` (./proving.ts): opens the farms read-side, loads KZG, then answers
 * `prove` (audit every farm, prove the best candidate) and `reload` (re-read a farm after plotting)
 * one at a time, in order, and `close` (exit between jobs). Message 0 says it is ready (or why not).
 */
import { parentPort, workerData } from "node:worker_threads";
import { getKzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { SingleDiskFarm } from "./farm.ts";
import { FarmsProver, RecordCacheLru, type ProveWorkerData, type ProveWorkerRequest, type ProveWorkerResponse } from "./proving.ts";

const data = (workerData as { data: ProveWorkerData }).data;
const port = parentPort!;
const reply = (m: ProveWorkerResponse) => port.postMessage(m);

const prover = (async () => {
  const kzg = await getKzg();
  const farms = await Promise.all(data.directories.map((directory) => SingleDiskFarm.open({ directory, create: false })));
  return new FarmsProver(farms, kzg, data.rewardAddress, new RecordCacheLru(data.recordCacheSize));
})();
prover.then(
  () => reply({ id: 0, type: "ready" }),
  (e) => reply({ id: 0, type: "error", error: (e as Error).message }),
);

// Warmed before the first job, so the first slot's cold proof costs what later ones do.
let queue: Promise<unknown> = prover.then((p) => p.warmUp(), () => {});
port.on("message", (m: ProveWorkerRequest) => {
  queue = queue.then(async () => {
    if (m.type === "close") {
      // Between jobs, so never inside a native (c-kzg) call.
      await prover.then((p) => p.close(), () => {});
      process.exit(0);
    }
    try {
      const p = await prover;
      if (m.type === "prove") reply({ id: m.id, type: "proved", outcome: p.prove(m.req) });
      else {
        await p.reload(m.farmIndex);
        reply({ id: m.id, type: "reloaded" });
      }
    } catch (e) {
      reply({ id: m.id, type: "error", error: (e as Error).message });
    }
  });
});
