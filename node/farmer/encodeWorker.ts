/** Worker thread: encodes records for plotting (`encodeRecord`), one message per record. */
import { parentPort, workerData } from "node:worker_threads";
import { PosTablesCache } from "../../framework/primitives/subspace/pos/index.ts";
import { encodeRecord } from "../../framework/primitives/subspace/sectors/index.ts";

interface Request {
  readonly id: number;
  readonly seed: Uint8Array;
  readonly record: Uint8Array;
}

const posK = (workerData as { data: { posK: number } }).data.posK;
const posCache = new PosTablesCache();
const port = parentPort!;
port.on("message", (req: Request) => {
  try {
    const t0 = performance.now();
    const r = encodeRecord(req.seed, req.record, { posK, posCache });
    port.postMessage({ id: req.id, chunks: r.chunks, bitfield: r.bitfield, numEncoded: r.numEncoded, ms: performance.now() - t0 }, [r.chunks.buffer as ArrayBuffer, r.bitfield.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ id: req.id, error: (e as Error).message });
  }
});
