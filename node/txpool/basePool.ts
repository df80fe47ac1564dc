/**
 * The dependency graph of validated transactions: ready and future queues, replacement, pruning
 * and limits. Synchronous and I/O-free. Semantics of polkadot-sdk `sc-transaction-pool`
 * graph/base_pool.rs.
 */
import { PoolError } from "./errors.ts";
import { FutureQueue, type WaitingTransaction } from "./futureQueue.ts";
import { ReadyQueue } from "./readyQueue.ts";
import type { PoolStatus, PoolTransaction, QueueLimit } from "./types.ts";

/** Outcome of a successful import (or of a promotion during pruning). */
export type Imported =
  | {
      kind: "ready";
      hash: string;
      /** Promoted from the future queue by this import. */
      promoted: string[];
      /** Failed to be promoted and discarded. */
      failed: string[];
      /** Removed from the ready queue (replaced). */
      removed: PoolTransaction[];
    }
  | { kind: "future"; hash: string };

/**
 * Importing closed a dependency cycle that pushed the transaction itself out: it is not in the
 * pool, and neither are `lost` (transactions that left the pool on the way).
 */
export interface CycleDetected {
  kind: "cycle";
  hash: string;
  lost: string[];
}

export interface PruneStatus {
  /** Imports that the pruned tags triggered (future → ready). */
  promoted: Imported[];
  /** Discarded: futures providing a pruned tag, and promotions that failed. */
  failed: string[];
  /** Removed from the ready queue. */
  pruned: PoolTransaction[];
}

export interface RemovedTransaction {
  tx: PoolTransaction;
  wasReady: boolean;
}

/** Pruned tags are remembered for this many prune calls, so a late import still counts them as provided. */
const RECENTLY_PRUNED_TAGS = 2;

export class BasePool {
  readonly ready = new ReadyQueue();
  readonly future = new FutureQueue();
  private readonly recentlyPruned: Set<string>[] = Array.from({ length: RECENTLY_PRUNED_TAGS }, () => new Set<string>());
  private recentlyPrunedIndex = 0;
  private importSeq = 0;

  isImported(hash: string): boolean {
    return this.ready.contains(hash) || this.future.contains(hash);
  }

  get(hash: string): PoolTransaction | undefined {
    return this.ready.get(hash) ?? this.future.get(hash);
  }

  status(): PoolStatus {
    return { ready: this.ready.size, readyBytes: this.ready.bytes, future: this.future.size, futureBytes: this.future.bytes };
  }

  /**
   * Imports a validated transaction: to ready when every required tag is provided by a ready
   * transaction or was recently pruned, otherwise to future. Throws POOL_ALREADY_IMPORTED and
   * POOL_TOO_LOW_PRIORITY.
   */
  import(tx: PoolTransaction): Imported | CycleDetected {
    if (this.isImported(tx.hash)) throw new PoolError({ code: "POOL_ALREADY_IMPORTED", hash: tx.hash });
    const w = this.waiting(tx);
    if (w.missing.size > 0) {
      this.future.import(w);
      return { kind: "future", hash: tx.hash };
    }
    return this.importToReady(w);
  }

  private waiting(tx: PoolTransaction): WaitingTransaction {
    const missing = new Set<string>();
    for (const tag of tx.requiresKeys) {
      if (this.ready.isProvided(tag)) continue;
      if (this.recentlyPruned.some((s) => s.has(tag))) continue;
      missing.add(tag);
    }
    return { tx, missing, importedAt: ++this.importSeq };
  }

  private importToReady(first: WaitingTransaction): Imported | CycleDetected {
    const hash = first.tx.hash;
    let promoted: string[] = [];
    const failed: string[] = [];
    const removed: PoolTransaction[] = [];
    const toImport: WaitingTransaction[] = [first];
    let isFirst = true;
    for (let w = toImport.pop(); w !== undefined; w = toImport.pop()) {
      for (const p of this.future.satisfyTags(w.tx.providesKeys)) toImport.push(p);
      try {
        const replaced = this.ready.import(w.tx);
        if (!isFirst) promoted.push(w.tx.hash);
        if (replaced.length > 0) {
          const gone = new Set(replaced.map((r) => r.hash));
          promoted = promoted.filter((h) => !gone.has(h));
          removed.push(...replaced);
        }
      } catch (e) {
        if (isFirst) throw e;
        if (e instanceof PoolError && e.code === "POOL_TOO_LOW_PRIORITY") {
          removed.push(w.tx);
          const h = w.tx.hash;
          promoted = promoted.filter((p) => p !== h);
        } else {
          failed.push(w.tx.hash);
        }
      }
      isFirst = false;
    }
    if (removed.some((r) => r.hash === hash)) {
      // A promoted transaction pushed out the one being imported: a cycle that cannot resolve.
      const dropped = this.ready.removeSubtree(promoted);
      const lost = [...removed.map((r) => r.hash), ...dropped.map((d) => d.hash), ...failed].filter((h) => h !== hash);
      return { kind: "cycle", hash, lost: [...new Set(lost)] };
    }
    return { kind: "ready", hash, promoted, failed, removed };
  }

  /** Removes the transactions and, for ready ones, everything depending on them. */
  removeSubtree(hashes: string[]): RemovedTransaction[] {
    const out: RemovedTransaction[] = this.ready.removeSubtree(hashes).map((tx) => ({ tx, wasReady: true }));
    for (const tx of this.future.remove(hashes)) out.push({ tx, wasReady: false });
    return out;
  }

  /**
   * Marks tags as provided by the chain: removes the ready transactions providing them (and their
   * exhausted predecessors), drops futures providing them, promotes futures that required them.
   */
  pruneTags(tags: string[]): PruneStatus {
    const slot = this.recentlyPruned[this.recentlyPrunedIndex]!;
    this.recentlyPrunedIndex = (this.recentlyPrunedIndex + 1) % RECENTLY_PRUNED_TAGS;
    slot.clear();
    const failed = this.future.pruneTags(new Set(tags)).map((t) => t.hash);
    const toImport: WaitingTransaction[] = [];
    const pruned: PoolTransaction[] = [];
    for (const tag of tags) {
      for (const w of this.future.satisfyTags([tag])) toImport.push(w);
      for (const p of this.ready.pruneTag(tag)) pruned.push(p);
      slot.add(tag);
    }
    const promoted: Imported[] = [];
    for (const w of toImport) {
      try {
        const r = this.importToReady(w);
        if (r.kind === "cycle") failed.push(r.hash, ...r.lost);
        else promoted.push(r);
      } catch {
        failed.push(w.tx.hash);
      }
    }
    return { promoted, failed, pruned };
  }

  /**
   * Evicts until both queues are within their limits: from ready the lowest priority (oldest among
   * equals) with its dependants, from future the oldest. Returns what was removed.
   */
  enforceLimits(ready: QueueLimit, future: QueueLimit): PoolTransaction[] {
    const removed: PoolTransaction[] = [];
    while (exceeded(ready, this.ready.size, this.ready.bytes)) {
      const worst = this.ready.worst();
      if (worst === undefined) break;
      for (const r of this.removeSubtree([worst])) removed.push(r.tx);
    }
    while (exceeded(future, this.future.size, this.future.bytes)) {
      const oldest = this.future.oldest();
      if (oldest === undefined) break;
      for (const r of this.removeSubtree([oldest])) removed.push(r.tx);
    }
    return removed;
  }
}

export function exceeded(limit: QueueLimit, count: number, bytes: number): boolean {
  return count > limit.count || bytes > limit.totalBytes;
}
