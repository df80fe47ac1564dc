/**
 * Runs the kzg-wasm backend on a worker thread for the equivalence test: its setup load (≈ 15 s,
 * all in WASM) then overlaps the rest of the run on the other core instead of blocking it.
 * Protocol: the worker posts "ready" once loaded, then answers each `WasmJob` with its result.
 */
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { getKzg, Polynomial, type Kzg } from "../../../../framework/primitives/subspace/kzg/index.ts";

export type WasmJob =
  | { op: "commit"; blob: Uint8Array }
  | { op: "witness"; blob: Uint8Array; numValues: number; index: number }
  | { op: "openAt"; blob: Uint8Array; z: bigint }
  | { op: "verify"; commitment: Uint8Array; numValues: number; index: number; value: Uint8Array; witness: Uint8Array }
  | { op: "verifyAt"; commitment: Uint8Array; z: bigint; y: Uint8Array; proof: Uint8Array }
  | { op: "verifyBatch"; items: { commitment: Uint8Array; numValues: number; index: number; value: Uint8Array; witness: Uint8Array }[] }
  | { op: "backend" };

function run(kzg: Kzg, job: WasmJob): unknown {
  switch (job.op) {
    case "commit": return kzg.commit(new Polynomial(job.blob));
    case "witness": return kzg.createWitness(new Polynomial(job.blob), job.numValues, job.index);
    case "openAt": return kzg.openAt(new Polynomial(job.blob), job.z);
    case "verify": return kzg.verify(job.commitment, job.numValues, job.index, job.value, job.witness);
    case "verifyAt": return kzg.verifyAt(job.commitment, job.z, job.y, job.proof);
    case "verifyBatch": return kzg.verifyBatch(job.items);
    case "backend": return kzg.backend;
  }
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const kzg = await getKzg({ backend: "kzg-wasm" });
  port.on("message", (job: WasmJob) => port.postMessage(run(kzg, job)));
  port.postMessage("ready");
}

/** A kzg-wasm instance on a worker thread; `call` runs jobs one at a time. */
export interface WasmKzgWorker {
  ready: Promise<void>;
  call<T>(job: WasmJob): Promise<T>;
  stop(): Promise<number>;
}

export function startWasmKzgWorker(): WasmKzgWorker {
  // tsx must be registered inside the worker before it can load this .ts file.
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const w = new Worker(code, { eval: true });
  w.unref();
  const queue: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  ready.catch(() => {}); // reported by whoever awaits it
  let isReady = false;
  w.on("message", (m) => {
    if (!isReady && m === "ready") {
      isReady = true;
      readyResolve();
    } else {
      queue.shift()?.resolve(m);
    }
  });
  w.on("error", (e) => {
    readyReject(e);
    for (const p of queue.splice(0)) p.reject(e);
  });
  return {
    ready,
    call<T>(job: WasmJob): Promise<T> {
      return ready.then(() => new Promise<T>((resolve, reject) => {
        queue.push({ resolve: resolve as (v: unknown) => void, reject });
        w.postMessage(job);
      }));
    },
    stop: () => w.terminate(),
  };
}
