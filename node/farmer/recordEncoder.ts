/**
 * Record encoders for plotting: in this thread (tests, tiny farms), or a pool of worker threads so
 * plotting uses every core and never blocks the event loop (`CpuRecordsEncoder` with several
 * table generators in the reference).
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { PosTablesCache, DEFAULT_POS_K } from "../../framework/primitives/subspace/pos/index.ts";
import { encodeRecord, type EncodedRecord } from "../../framework/primitives/subspace/sectors/index.ts";
import { spawnTsWorker } from "../consensus/timekeeper/tsWorker.ts";

export interface RecordEncoder {
  readonly posK: number;
  /** Encodes one record (`record` may be transferred away; do not reuse it). */
  encode(posSeed: Uint8Array, record: Uint8Array): Promise<EncodedRecord>;
  close(): Promise<void>;
}

export class InlineRecordEncoder implements RecordEncoder {
  private readonly cache = new PosTablesCache();
  constructor(readonly posK: number = DEFAULT_POS_K) {}
  async encode(posSeed: Uint8Array, record: Uint8Array): Promise<EncodedRecord> {
    return encodeRecord(posSeed, record, { posK: this.posK, posCache: this.cache });
  }
  async close(): Promise<void> {}
}

interface Pending {
  resolve(r: EncodedRecord): void;
  reject(e: Error): void;
}

export class WorkerRecordEncoder implements RecordEncoder {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { seed: Uint8Array; record: Uint8Array; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Pending>();

  constructor(
    readonly posK: number = DEFAULT_POS_K,
    threads: number = availableParallelism(),
  ) {
    for (let i = 0; i < Math.max(1, threads); i++) {
      const w = spawnTsWorker(new URL("./encodeWorker.ts", import.meta.url), { posK });
      w.on("message", (m: { error?: string; chunks: Uint8Array; bitfield: Uint8Array; numEncoded: number }) => {
        const p = this.inFlight.get(w);
        this.inFlight.delete(w);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve({ chunks: m.chunks, bitfield: m.bitfield, numEncoded: m.numEncoded });
        this.idle.push(w);
        this.pump();
      });
      w.on("error", (e) => {
        this.inFlight.get(w)?.reject(e);
        this.inFlight.delete(w);
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  encode(seed: Uint8Array, record: Uint8Array): Promise<EncodedRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ seed, record, pending: { resolve, reject } });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.inFlight.set(w, job.pending);
      const record = job.record.byteOffset === 0 && job.record.byteLength === job.record.buffer.byteLength ? job.record : job.record.slice();
      w.postMessage({ id: 0, seed: job.seed, record }, [record.buffer as ArrayBuffer]);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
