// Entry of every TypeScript worker thread: Node 20 does not apply tsx's `--import` hooks to a
// worker's own entry module, so the worker registers tsx itself and then imports the real script
// (`workerData.entry`, a file: URL). See spawnTsWorker in ./tsWorker.ts.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
