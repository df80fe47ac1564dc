/**
 * Per-transaction status streams (`author_submitAndWatchExtrinsic`) and the bookkeeping of which
 * watched transactions sit in which block awaiting finality.
 * Semantics of polkadot-sdk `sc-transaction-pool` graph/listener.rs and graph/watcher.rs.
 */
import { isFinalStatus, type TransactionStatus } from "./types.ts";

/**
 * The status stream of one submitted transaction. Statuses are kept from the start, so a consumer
 * attaching late (after `submitAndWatch` resolved) still sees "ready"/"future" first. Usable as an
 * async iterator (ends after a final status or `close()`) or through `subscribe`.
 */
export class TransactionWatcher implements AsyncIterable<TransactionStatus> {
  readonly hash: string;
  private readonly history: TransactionStatus[] = [];
  private readonly listeners = new Set<(s: TransactionStatus) => void>();
  private wake: (() => void)[] = [];
  private ended = false;
  private readonly onClose: (w: TransactionWatcher) => void;

  constructor(hash: string, onClose: (w: TransactionWatcher) => void) {
    this.hash = hash;
    this.onClose = onClose;
  }

  /** Every status emitted so far. */
  get statuses(): readonly TransactionStatus[] {
    return this.history;
  }

  /** True after a final status or `close()`. */
  get done(): boolean {
    return this.ended;
  }

  /** Calls `fn` for each status emitted so far and each later one; returns an unsubscribe function. */
  subscribe(fn: (s: TransactionStatus) => void): () => void {
    for (const s of this.history) fn(s);
    if (!this.ended) this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Stops watching (RPC unsubscribe): no more statuses; iterators end. */
  close(): void {
    if (this.ended) return;
    this.finish();
  }

  /** Resolves with the final status (or undefined when closed without one). */
  async final(): Promise<TransactionStatus | undefined> {
    let last: TransactionStatus | undefined;
    for await (const s of this) last = s;
    return last !== undefined && isFinalStatus(last) ? last : undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TransactionStatus> {
    let i = 0;
    for (;;) {
      while (i < this.history.length) yield this.history[i++]!;
      if (this.ended) return;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  /** @internal Called by the pool. */
  emit(s: TransactionStatus): void {
    if (this.ended) return;
    this.history.push(s);
    for (const fn of this.listeners) fn(s);
    if (isFinalStatus(s)) this.finish();
    else this.notify();
  }

  private finish(): void {
    this.ended = true;
    this.listeners.clear();
    this.notify();
    this.onClose(this);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = [];
    for (const resolve of w) resolve();
  }
}

/** Routes pool events to watchers and tracks inclusion blocks until finality. */
export class WatcherRegistry {
  private readonly watchers = new Map<string, TransactionWatcher[]>();
  /** block hash → watched transactions included in it, oldest block first */
  private readonly finality = new Map<string, string[]>();
  private readonly maxFinalityWatchers: number;

  constructor(maxFinalityWatchers: number) {
    this.maxFinalityWatchers = maxFinalityWatchers;
  }

  create(hash: string): TransactionWatcher {
    const w = new TransactionWatcher(hash, (x) => this.detach(x));
    const list = this.watchers.get(hash);
    if (list === undefined) this.watchers.set(hash, [w]);
    else list.push(w);
    return w;
  }

  isWatched(hash: string): boolean {
    return this.watchers.has(hash);
  }

  get watchedCount(): number {
    return this.watchers.size;
  }

  private detach(w: TransactionWatcher): void {
    const list = this.watchers.get(w.hash);
    if (list === undefined) return;
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.watchers.delete(w.hash);
  }

  private fire(hash: string, s: TransactionStatus): void {
    const list = this.watchers.get(hash);
    if (list === undefined) return;
    for (const w of [...list]) w.emit(s);
  }

  ready(hash: string): void {
    this.fire(hash, "ready");
  }

  future(hash: string): void {
    this.fire(hash, "future");
  }

  usurped(hash: string, by: string): void {
    this.fire(hash, { usurped: by });
  }

  dropped(hash: string): void {
    this.fire(hash, "dropped");
  }

  invalid(hash: string): void {
    this.fire(hash, "invalid");
  }

  broadcast(hash: string, peers: string[]): void {
    this.fire(hash, { broadcast: peers });
  }

  /** The transaction was included in `block`; it now waits for that block's finality. */
  inBlock(block: string, hash: string): void {
    if (!this.watchers.has(hash)) return;
    let txs = this.finality.get(block);
    if (txs === undefined) this.finality.set(block, (txs = []));
    if (!txs.includes(hash)) txs.push(hash);
    this.fire(hash, { inBlock: block });
    while (this.finality.size > this.maxFinalityWatchers) {
      const [oldest, list] = this.finality.entries().next().value as [string, string[]];
      this.finality.delete(oldest);
      for (const h of list) this.fire(h, { finalityTimeout: oldest });
    }
  }

  retracted(block: string): void {
    const txs = this.finality.get(block);
    if (txs === undefined) return;
    this.finality.delete(block);
    for (const h of txs) this.fire(h, { retracted: block });
  }

  finalized(block: string, alsoIncluded: Iterable<string> = []): string[] {
    const txs = this.finality.get(block) ?? [];
    this.finality.delete(block);
    const all = new Set(txs);
    for (const h of alsoIncluded) if (this.watchers.has(h)) all.add(h);
    for (const h of all) this.fire(h, { finalized: block });
    return [...all];
  }
}
