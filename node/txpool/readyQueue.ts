/**
 * Transactions whose required tags are all provided, by the chain or by other ready transactions,
 * linked into a dependency graph. Semantics of polkadot-sdk `sc-transaction-pool` graph/ready.rs.
 */
import { PoolError } from "./errors.ts";
import type { PoolTransaction } from "./types.ts";

const U64_MAX = (1n << 64n) - 1n;

interface ReadyEntry {
  tx: PoolTransaction;
  insertionId: number;
  /** Hashes of ready transactions that require a tag this one provides. */
  unlocks: string[];
  /** How many required tags are provided from outside the queue (chain, pruned transactions). */
  requiresOffset: number;
}

/** Inclusion order: higher priority, then shorter remaining validity, then longer in the queue. */
function better(a: ReadyEntry, b: ReadyEntry): boolean {
  if (a.tx.priority !== b.tx.priority) return a.tx.priority > b.tx.priority;
  if (a.tx.validTill !== b.tx.validTill) return a.tx.validTill < b.tx.validTill;
  return a.insertionId < b.insertionId;
}

export class ReadyQueue {
  private insertionSeq = 0;
  /** tag key → hash of the single ready transaction providing it */
  private readonly providedTags = new Map<string, string>();
  private readonly entries = new Map<string, ReadyEntry>();
  /** Entries with no dependency inside the queue. */
  private readonly best = new Set<ReadyEntry>();
  private totalBytes = 0;

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  contains(hash: string): boolean {
    return this.entries.has(hash);
  }

  get(hash: string): PoolTransaction | undefined {
    return this.entries.get(hash)?.tx;
  }

  isProvided(tag: string): boolean {
    return this.providedTags.has(tag);
  }

  *transactions(): IterableIterator<PoolTransaction> {
    for (const e of this.entries.values()) yield e.tx;
  }

  /**
   * Adds a transaction whose requirements are all satisfied. Returns the transactions it replaced
   * (those providing one of its tags, with their dependants that lose a tag). Throws
   * POOL_TOO_LOW_PRIORITY unless its priority is above the sum of those it would replace.
   */
  import(tx: PoolTransaction): PoolTransaction[] {
    const insertionId = ++this.insertionSeq;
    const { replaced, unlocks } = this.replacePrevious(tx);
    let goesToBest = true;
    let requiresOffset = 0;
    for (const tag of tx.requiresKeys) {
      const provider = this.providedTags.get(tag);
      const entry = provider === undefined ? undefined : this.entries.get(provider);
      if (entry !== undefined) {
        entry.unlocks.push(tx.hash);
        goesToBest = false;
      } else {
        requiresOffset++;
      }
    }
    for (const tag of tx.providesKeys) this.providedTags.set(tag, tx.hash);
    const entry: ReadyEntry = { tx, insertionId, unlocks, requiresOffset };
    if (goesToBest) this.best.add(entry);
    this.entries.set(tx.hash, entry);
    this.totalBytes += tx.bytes;
    return replaced;
  }

  private replacePrevious(tx: PoolTransaction): { replaced: PoolTransaction[]; unlocks: string[] } {
    let replaceHashes: Set<string> | undefined;
    for (const tag of tx.providesKeys) {
      const h = this.providedTags.get(tag);
      if (h !== undefined) (replaceHashes ??= new Set()).add(h);
    }
    if (replaceHashes === undefined) return { replaced: [], unlocks: [] };
    let old = 0n;
    const unlocks: string[] = [];
    for (const h of replaceHashes) {
      const e = this.entries.get(h);
      if (e === undefined) continue;
      old += e.tx.priority;
      unlocks.push(...e.unlocks);
    }
    if (old > U64_MAX) old = U64_MAX;
    if (old >= tx.priority) throw new PoolError({ code: "POOL_TOO_LOW_PRIORITY", old, new: tx.priority });
    const replaced = this.removeSubtreeWithFilter([...replaceHashes], new Set(tx.providesKeys));
    return { replaced, unlocks };
  }

  /** Removes the transactions and everything that depends on them. */
  removeSubtree(hashes: string[]): PoolTransaction[] {
    return this.removeSubtreeWithFilter([...hashes], undefined);
  }

  /**
   * Removes subtrees rooted at `toRemove`; descends into a transaction's dependants only when it
   * took away a tag that is not in `keepTags` (tags a replacement keeps providing).
   */
  private removeSubtreeWithFilter(toRemove: string[], keepTags: Set<string> | undefined): PoolTransaction[] {
    const removed: PoolTransaction[] = [];
    for (let hash = toRemove.pop(); hash !== undefined; hash = toRemove.pop()) {
      const e = this.entries.get(hash);
      if (e === undefined) continue;
      this.entries.delete(hash);
      this.totalBytes -= e.tx.bytes;
      let removedSomeTags = false;
      for (const tag of e.tx.providesKeys) {
        if (keepTags !== undefined && keepTags.has(tag)) continue;
        removedSomeTags = true;
        if (this.providedTags.get(tag) === hash) this.providedTags.delete(tag);
      }
      for (const tag of e.tx.requiresKeys) {
        const provider = this.providedTags.get(tag);
        const pe = provider === undefined ? undefined : this.entries.get(provider);
        if (pe !== undefined) removeItem(pe.unlocks, hash);
      }
      this.best.delete(e);
      if (removedSomeTags) for (const u of e.unlocks) toRemove.push(u);
      removed.push(e.tx);
    }
    return removed;
  }

  /**
   * Removes the transaction providing `tag` (now provided by the chain) and, eagerly, the
   * predecessors left with nothing to unlock; its dependants stay and may become best.
   */
  pruneTag(tag: string): PoolTransaction[] {
    const removed: PoolTransaction[] = [];
    const toRemove = [tag];
    for (let t = toRemove.pop(); t !== undefined; t = toRemove.pop()) {
      const hash = this.providedTags.get(t);
      if (hash === undefined) continue;
      this.providedTags.delete(t);
      const e = this.entries.get(hash);
      if (e === undefined) continue;
      this.entries.delete(hash);
      this.totalBytes -= e.tx.bytes;
      this.best.delete(e);
      for (const req of e.tx.requiresKeys) {
        const prev = this.providedTags.get(req);
        const pe = prev === undefined ? undefined : this.entries.get(prev);
        if (pe === undefined) continue;
        removeItem(pe.unlocks, hash);
        if (pe.unlocks.length === 0) toRemove.push(...pe.tx.providesKeys);
      }
      for (const u of e.unlocks) {
        const ue = this.entries.get(u);
        if (ue === undefined) continue;
        ue.requiresOffset++;
        if (ue.requiresOffset === ue.tx.requiresKeys.length) this.best.add(ue);
      }
      for (const p of e.tx.providesKeys) if (this.providedTags.get(p) === hash) this.providedTags.delete(p);
      removed.push(e.tx);
    }
    return removed;
  }

  /**
   * All ready transactions in inclusion order: never before a transaction providing a tag it
   * requires; among those available, the best by priority, remaining validity, then age.
   */
  ordered(): PoolTransaction[] {
    const it = this.iterator();
    const out: PoolTransaction[] = [];
    for (let t = it.next(); t !== undefined; t = it.next()) out.push(t);
    return out;
  }

  /**
   * A pull iterator in `ordered()` order for the block builder, which can report a transaction as
   * invalid so that everything depending on it is skipped. Reads the live queue: do not mutate the
   * pool while iterating.
   */
  iterator(): BestIterator {
    return new BestIterator(this.entries, this.best);
  }
  /**
   * The transaction to evict when over the limit: lowest priority, and among equals the one
   * inserted first (limit enforcement prefers keeping newer transactions, as Substrate does).
   */
  worst(): string | undefined {
    let worst: ReadyEntry | undefined;
    for (const e of this.entries.values()) {
      if (
        worst === undefined ||
        e.tx.priority < worst.tx.priority ||
        (e.tx.priority === worst.tx.priority && e.insertionId < worst.insertionId)
      ) {
        worst = e;
      }
    }
    return worst?.tx.hash;
  }
}

export class BestIterator {
  private readonly heap = new EntryHeap();
  private readonly awaiting = new Map<string, number>();
  private readonly queued = new Set<string>();
  private readonly invalid = new Set<string>();
  private readonly entries: Map<string, ReadyEntry>;

  constructor(entries: Map<string, ReadyEntry>, best: Set<ReadyEntry>) {
    this.entries = entries;
    for (const e of best) this.enqueue(e);
  }

  private enqueue(e: ReadyEntry): void {
    if (this.queued.has(e.tx.hash)) return;
    this.queued.add(e.tx.hash);
    this.heap.push(e);
  }

  next(): PoolTransaction | undefined {
    for (let e = this.heap.pop(); e !== undefined; e = this.heap.pop()) {
      if (this.invalid.has(e.tx.hash) || this.entries.get(e.tx.hash) !== e) continue;
      for (const u of e.unlocks) {
        const ue = this.entries.get(u);
        if (ue === undefined) continue;
        const satisfied = (this.awaiting.get(u) ?? ue.requiresOffset) + 1;
        if (satisfied >= ue.tx.requiresKeys.length) {
          this.awaiting.delete(u);
          this.enqueue(ue);
        } else {
          this.awaiting.set(u, satisfied);
        }
      }
      return e.tx;
    }
    return undefined;
  }

  /** Skips every transaction unlocked by `hash` (and, transitively, their dependants). */
  reportInvalid(hash: string): void {
    const e = this.entries.get(hash);
    if (e === undefined) return;
    for (const u of e.unlocks) this.invalid.add(u);
  }
}

function removeItem(list: string[], item: string): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Binary max-heap on `better`. */
class EntryHeap {
  private readonly a: ReadyEntry[] = [];

  push(e: ReadyEntry): void {
    const a = this.a;
    let i = a.length;
    a.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!better(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): ReadyEntry | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && better(a[l]!, a[m]!)) m = l;
      if (r < a.length && better(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }
}
