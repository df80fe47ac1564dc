/**
 * Starts a worker thread running a TypeScript module. Node 20 does not apply the `--import tsx`
 * hooks of the parent to a worker's entry, so workers start from a small ESM bootstrap that
 * registers tsx and then imports the script. The script reads its own data from
 * `workerData.data`.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

const BOOTSTRAP = new URL("./tsWorkerBootstrap.mjs", import.meta.url);

export function spawnTsWorker(entry: URL, data?: unknown, options: Omit<WorkerOptions, "workerData"> = {}): Worker {
  return new Worker(BOOTSTRAP, { ...options, workerData: { entry: entry.href, data } });
}
