/**
 * Auditing and proving for a slot over several farms, run off the main thread: the first proof of a
 * record rebuilds its PoS table (seconds), which must not hold up reward signing or the next slot
 * notification. `FarmsProver` runs in the worker (./proveWorker.ts); `WorkerProver` is its handle
 * in the farmer process.
 */
import type { Worker } from "node:worker_threads";
import type { Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { recoverSourceBytes, type AuditResult, type ProvedRecord, type Solution } from "../../framework/primitives/subspace/sectors/index.ts";
import { createTables } from "../../framework/primitives/subspace/pos/index.ts";
import { RECORD_NUM_S_BUCKETS, SCALAR_FULL_BYTES } from "../../framework/primitives/subspace/profile/index.ts";
import { spawnTsWorker } from "../consensus/timekeeper/tsWorker.ts";
import { SingleDiskFarm } from "./farm.ts";

/** What the farmer asks for each slot. */
export interface ProveRequest {
  readonly slotNumber: number;
  readonly globalChallenge: Uint8Array;
  readonly solutionRange: bigint;
}

/** The best solution of a slot over every farm, or none. */
export interface ProveOutcome {
  readonly slotNumber: number;
  readonly solution?: Solution;
  readonly farmIndex?: number;
  readonly distance?: bigint;
  /** Sectors whose audit had candidates. */
  readonly candidates: number;
  readonly auditMs: number;
  readonly proveMs: number;
  /** Proving errors met on the way (a candidate that did not prove). */
  readonly errors: string[];
}

/**
 * Proved records kept for later slots (PoS tables are ≈ 50 MB each at K = 20), least recently used
 * first out, shared by every farm of the worker.
 */
export class RecordCacheLru {
  private readonly entries = new Map<string, ProvedRecord>();
  constructor(readonly capacity: number) {}

  get(key: string): ProvedRecord | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  set(key: string, v: ProvedRecord): void {
    this.entries.delete(key);
    this.entries.set(key, v);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  /** A `Map`-shaped view for one farm (`proveAudit`'s `recordCache`), keys prefixed by `prefix`. */
  view(prefix: string): Map<string, ProvedRecord> {
    const lru = this;
    return new (class extends Map<string, ProvedRecord> {
      override get(k: string) {
        return lru.get(`${prefix}/${k}`);
      }
      override set(k: string, v: ProvedRecord) {
        lru.set(`${prefix}/${k}`, v);
        return this;
      }
      override has(k: string) {
        return lru.get(`${prefix}/${k}`) !== undefined;
      }
    })();
  }
}

/** Audits and proves over open farms (in whichever thread holds them). */
/**
 * Runs the one-time work of a thread's first proof ahead of time: compiling and tiering up the PoS
 * table kernels at `posK`, and the record-domain transforms and tables of recovery (≈ 0.2 s of a
 * first cold proof otherwise). Throwaway inputs; nothing is kept but the compiled code and the
 * per-size constant tables.
 */
export function warmUpProving(posK: number): void {
  createTables(new Uint8Array(32), posK);
  const present = new Uint8Array(RECORD_NUM_S_BUCKETS);
  for (let s = 0; s < RECORD_NUM_S_BUCKETS; s += 2) present[s] = 1;
  recoverSourceBytes(new Uint8Array(RECORD_NUM_S_BUCKETS * SCALAR_FULL_BYTES), present);
}

export class FarmsProver {
  private readonly caches: Map<string, ProvedRecord>[];

  constructor(
    private readonly farms: SingleDiskFarm[],
    private readonly kzg: Kzg,
    private readonly rewardAddress: Uint8Array,
    readonly cache: RecordCacheLru,
  ) {
    this.caches = farms.map((f) => cache.view(f.info.id));
  }

  /** `warmUpProving` at the farms' PoS K. */
  warmUp(): void {
    const k = this.farms[0]?.info.posK;
    if (k !== undefined) warmUpProving(k);
  }

  /** Re-reads farm `i` from disk (after a sector was plotted into it). */
  async reload(i: number): Promise<void> {
    const old = this.farms[i]!;
    this.farms[i] = await SingleDiskFarm.open({ directory: old.directory, create: false });
    old.close();
  }

  prove(req: ProveRequest): ProveOutcome {
    const t0 = performance.now();
    const audits: { farm: number; audit: AuditResult }[] = [];
    this.farms.forEach((f, farm) => {
      for (const audit of f.audit(req.globalChallenge, req.solutionRange)) audits.push({ farm, audit });
    });
    // Best candidate first across farms and sectors.
    audits.sort((a, b) => (a.audit.candidates[0]!.distance < b.audit.candidates[0]!.distance ? -1 : a.audit.candidates[0]!.distance > b.audit.candidates[0]!.distance ? 1 : 0));
    const t1 = performance.now();
    const errors: string[] = [];
    for (const { farm, audit } of audits) {
      try {
        const solutions = this.farms[farm]!.prove(audit, { kzg: this.kzg, rewardAddress: this.rewardAddress, recordCache: this.caches[farm], limit: 1 });
        if (solutions[0] !== undefined) {
          return { slotNumber: req.slotNumber, solution: solutions[0], farmIndex: farm, distance: audit.candidates[0]!.distance, candidates: audits.length, auditMs: t1 - t0, proveMs: performance.now() - t1, errors };
        }
      } catch (e) {
        errors.push(`farm ${farm} sector ${audit.sectorIndex}: ${(e as Error).message}`);
      }
    }
    return { slotNumber: req.slotNumber, candidates: audits.length, auditMs: t1 - t0, proveMs: performance.now() - t1, errors };
  }

  close(): void {
    for (const f of this.farms) f.close();
  }
}

/** Worker messages. */
export type ProveWorkerRequest =
  | { readonly id: number; readonly type: "prove"; readonly req: ProveRequest }
  | { readonly id: number; readonly type: "reload"; readonly farmIndex: number }
  | { readonly id: number; readonly type: "close" };
export type ProveWorkerResponse =
  | { readonly id: number; readonly type: "ready" }
  | { readonly id: number; readonly type: "proved"; readonly outcome: ProveOutcome }
  | { readonly id: number; readonly type: "reloaded" }
  | { readonly id: number; readonly type: "error"; readonly error: string };

export interface ProveWorkerData {
  readonly directories: string[];
  readonly rewardAddress: Uint8Array;
  readonly recordCacheSize: number;
}

/** The farmer process's handle on the proving worker thread; requests are answered in order. */
export class WorkerProver {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: ProveWorkerResponse): void; reject(e: Error): void }>();
  private exitError: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (m: ProveWorkerResponse) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === "error") p?.reject(new Error(m.error));
      else p?.resolve(m);
    });
    const fail = (e: Error) => {
      this.exitError ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`proving worker exited (${code})`)));
  }

  /** Starts the worker; resolves once it has opened every farm and loaded KZG (its message 0). */
  static async start(data: ProveWorkerData): Promise<WorkerProver> {
    const p = new WorkerProver(spawnTsWorker(new URL("./proveWorker.ts", import.meta.url), data));
    await new Promise<ProveWorkerResponse>((resolve, reject) => p.pending.set(0, { resolve, reject }));
    return p;
  }

  async prove(req: ProveRequest): Promise<ProveOutcome> {
    const r = await this.send({ id: this.nextId++, type: "prove", req });
    if (r.type !== "proved") throw new Error(`unexpected worker answer ${r.type}`);
    return r.outcome;
  }

  async reload(farmIndex: number): Promise<void> {
    await this.send({ id: this.nextId++, type: "reload", farmIndex });
  }

  /**
   * Asks the worker to exit after the job at hand, and terminates it only after `graceMs`:
   * terminating a thread inside a c-kzg call aborts the whole process (node-addon-api throws
   * `Napi::Error` with no one to catch it), and a first proof may take seconds.
   */
  async close(graceMs = 20_000): Promise<void> {
    if (this.exitError === undefined) this.worker.postMessage({ id: this.nextId++, type: "close" } satisfies ProveWorkerRequest);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([this.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut) await this.worker.terminate();
  }

  private send(msg: ProveWorkerRequest): Promise<ProveWorkerResponse> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject });
      this.worker.postMessage(msg);
    });
  }
}
