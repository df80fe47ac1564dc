/**
 * Transactions waiting for tags no ready transaction (nor the chain, recently) provides.
 * Semantics of polkadot-sdk `sc-transaction-pool` graph/future.rs.
 */
import type { PoolTransaction } from "./types.ts";

export interface WaitingTransaction {
  tx: PoolTransaction;
  /** Required tag keys not yet satisfied. */
  missing: Set<string>;
  /** Import order, used to find the oldest when the queue is over its limit. */
  importedAt: number;
}

export class FutureQueue {
  /** tag key → hashes waiting for it */
  private readonly wanted = new Map<string, Set<string>>();
  private readonly waiting = new Map<string, WaitingTransaction>();
  private totalBytes = 0;

  get size(): number {
    return this.waiting.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  contains(hash: string): boolean {
    return this.waiting.has(hash);
  }

  get(hash: string): PoolTransaction | undefined {
    return this.waiting.get(hash)?.tx;
  }

  *transactions(): IterableIterator<PoolTransaction> {
    for (const w of this.waiting.values()) yield w.tx;
  }

  import(w: WaitingTransaction): void {
    for (const tag of w.missing) {
      let set = this.wanted.get(tag);
      if (set === undefined) this.wanted.set(tag, (set = new Set()));
      set.add(w.tx.hash);
    }
    this.waiting.set(w.tx.hash, w);
    this.totalBytes += w.tx.bytes;
  }

  /** Marks tags as provided; removes and returns the transactions that have nothing left missing. */
  satisfyTags(tags: Iterable<string>): WaitingTransaction[] {
    const ready: WaitingTransaction[] = [];
    for (const tag of tags) {
      const hashes = this.wanted.get(tag);
      if (hashes === undefined) continue;
      this.wanted.delete(tag);
      for (const hash of hashes) {
        const w = this.waiting.get(hash);
        if (w === undefined) continue;
        w.missing.delete(tag);
        if (w.missing.size === 0) {
          this.waiting.delete(hash);
          this.totalBytes -= w.tx.bytes;
          ready.push(w);
        }
      }
    }
    return ready;
  }

  remove(hashes: Iterable<string>): PoolTransaction[] {
    const removed: PoolTransaction[] = [];
    for (const hash of hashes) {
      const w = this.waiting.get(hash);
      if (w === undefined) continue;
      this.waiting.delete(hash);
      this.totalBytes -= w.tx.bytes;
      for (const tag of w.missing) {
        const set = this.wanted.get(tag);
        if (set === undefined) continue;
        set.delete(hash);
        if (set.size === 0) this.wanted.delete(tag);
      }
      removed.push(w.tx);
    }
    return removed;
  }

  /** Removes the transactions that provide any of the tags (they conflict with what the chain now has). */
  pruneTags(tags: Set<string>): PoolTransaction[] {
    if (tags.size === 0 || this.waiting.size === 0) return [];
    const hit: string[] = [];
    for (const w of this.waiting.values()) {
      if (w.tx.providesKeys.some((t) => tags.has(t))) hit.push(w.tx.hash);
    }
    return this.remove(hit);
  }

  /** The transaction waiting longest (dropped first when over the limit). */
  oldest(): string | undefined {
    let best: WaitingTransaction | undefined;
    for (const w of this.waiting.values()) if (best === undefined || w.importedAt < best.importedAt) best = w;
    return best?.tx.hash;
  }
}
