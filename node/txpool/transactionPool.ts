/**
 * The transaction pool: validates submissions through the runtime, keeps them in a ready/future
 * dependency graph, follows the chain (pruning, revalidation, retraction, finality) and reports
 * statuses to watchers. No RPC, no database.
 *
 * SPEC: polkadot-sdk substrate/client/transaction-pool (single-state graph: graph/pool.rs,
 * graph/validated_pool.rs, graph/base_pool.rs). Deliberate differences, each kinder to users:
 * - only transactions actually in a block get `inBlock`; others pruned with it that fail
 *   re-validation get `invalid` (Substrate reports `inBlock` for those too);
 * - when a transaction is removed as invalid or stale, its dependants are re-imported (usually
 *   into future) instead of being removed as invalid alongside it;
 * - a throwing validator (runtime API failure) is reported as POOL_VALIDATION_FAILED without a ban;
 * - the banned/imported check is repeated after validation, so concurrent submissions of one
 *   transaction yield exactly one success and POOL_ALREADY_IMPORTED for the others.
 */
import { BasePool, exceeded, type Imported } from "./basePool.ts";
import { BanList } from "./banList.ts";
import type { BestIterator } from "./readyQueue.ts";
import { PoolError, validityToPoolError } from "./errors.ts";
import { TransactionWatcher, WatcherRegistry } from "./watcher.ts";
import {
  DEFAULT_POOL_OPTIONS,
  type BlockRef,
  type PoolStatus,
  type PoolTransaction,
  type PoolValidator,
  type TransactionPoolOptions,
  type TransactionSource,
  type ValidTransaction,
  type Validity,
} from "./types.ts";

const U64_MAX = (1n << 64n) - 1n;

interface Block {
  hash: string;
  number: number;
}

export interface PruneResult {
  /** Hashes of the block's transactions (each got `inBlock` if watched). */
  included: string[];
  /** Transactions promoted from future to ready. */
  promoted: string[];
  /** Transactions that left the pool as invalid, stale or conflicting. */
  removed: string[];
}

export interface RevalidateResult {
  /** Validations run. */
  checked: number;
  /** Removed as invalid. */
  invalid: string[];
  /** Re-imported with a changed validity. */
  updated: number;
}

type Place = "ready" | "future" | "failed" | "dropped";

/** Internal key of a tag: its bytes as a latin1 string (cheap to build, exact as a Map key). */
export function tagKey(tag: Uint8Array): string {
  if (tag.length <= 64) {
    let s = "";
    for (let i = 0; i < tag.length; i++) s += String.fromCharCode(tag[i]!);
    return s;
  }
  return Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength).toString("latin1");
}

export class TransactionPool {
  private readonly validator: PoolValidator;
  private readonly opts: TransactionPoolOptions;
  private readonly pool = new BasePool();
  private readonly bans: BanList;
  private readonly watchers: WatcherRegistry;
  private readonly importListeners = new Set<(hash: string) => void>();
  private best: Block = { hash: "0x", number: 0 };

  constructor(validator: PoolValidator, options: Partial<TransactionPoolOptions> = {}) {
    this.validator = validator;
    this.opts = { ...DEFAULT_POOL_OPTIONS, ...options };
    this.bans = new BanList(this.opts.banTimeMs, this.opts.now, Math.max(2048, this.opts.ready.count + this.opts.future.count));
    this.watchers = new WatcherRegistry(this.opts.maxFinalityWatchers);
  }

  // ---- submission ------------------------------------------------------------------------

  /** Validates `tx` at `at` and imports it; resolves with its hash or throws a PoolError. */
  async submit(source: TransactionSource, tx: Uint8Array, at: BlockRef): Promise<string> {
    return (await this.submitOne(source, tx, at, false, false)).hash;
  }

  /** As `submit`, returning a watcher that already holds the first status ("ready" or "future"). */
  async submitAndWatch(source: TransactionSource, tx: Uint8Array, at: BlockRef): Promise<{ hash: string; watcher: TransactionWatcher }> {
    const r = await this.submitOne(source, tx, at, true, false);
    return { hash: r.hash, watcher: r.watcher! };
  }

  private async submitOne(
    source: TransactionSource,
    data: Uint8Array,
    at: BlockRef,
    watch: boolean,
    ignoreBan: boolean,
  ): Promise<{ hash: string; watcher?: TransactionWatcher }> {
    const hash = this.validator.hash(data);
    this.checkKnown(hash, ignoreBan);
    const block = this.resolve(at);
    const validity = await this.validate(source, data, block.hash);
    // The pool may have moved on while the runtime was validating.
    this.checkKnown(hash, ignoreBan);
    const tx = this.toPoolTransaction(hash, data, source, validity, block.number);
    return this.importValidated(tx, watch);
  }

  private checkKnown(hash: string, ignoreBan: boolean): void {
    if (!ignoreBan && this.bans.isBanned(hash)) throw new PoolError({ code: "POOL_TEMPORARILY_BANNED" });
    if (this.pool.isImported(hash)) throw new PoolError({ code: "POOL_ALREADY_IMPORTED", hash });
  }

  private async validate(source: TransactionSource, data: Uint8Array, atHash: string): Promise<Validity> {
    try {
      return await this.validator.validate(source, data, atHash);
    } catch (e) {
      throw new PoolError({ code: "POOL_VALIDATION_FAILED", reason: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Turns a validation result into a pool transaction, or throws (banning invalid ones). */
  private toPoolTransaction(hash: string, data: Uint8Array, source: TransactionSource, validity: Validity, atNumber: number): PoolTransaction {
    if (!validity.ok) {
      if (validity.error.type === "Invalid") this.bans.ban([hash]);
      else this.watchers.invalid(hash);
      throw validityToPoolError(validity.error);
    }
    if (validity.value.provides.length === 0) {
      this.bans.ban([hash]);
      throw new PoolError({ code: "POOL_NO_TAGS" });
    }
    return makeTransaction(hash, data, source, validity.value, atNumber);
  }

  private importValidated(tx: PoolTransaction, watch: boolean): { hash: string; watcher?: TransactionWatcher } {
    const watcher = watch ? this.watchers.create(tx.hash) : undefined;
    let imported: ReturnType<BasePool["import"]>;
    try {
      imported = this.pool.import(tx);
    } catch (e) {
      watcher?.close();
      throw e;
    }
    if (imported.kind === "cycle") {
      watcher?.close();
      for (const h of imported.lost) this.watchers.dropped(h);
      throw new PoolError({ code: "POOL_CYCLE_DETECTED" });
    }
    this.fireImported(imported);
    const removed = this.enforceLimits();
    if (removed.has(tx.hash)) throw new PoolError({ code: "POOL_IMMEDIATELY_DROPPED" });
    return { hash: tx.hash, watcher };
  }

  private fireImported(imported: Imported): void {
    if (imported.kind === "future") {
      this.watchers.future(imported.hash);
      return;
    }
    this.watchers.ready(imported.hash);
    for (const h of imported.failed) this.watchers.invalid(h);
    for (const r of imported.removed) this.watchers.usurped(r.hash, imported.hash);
    for (const h of imported.promoted) this.watchers.ready(h);
    for (const fn of this.importListeners) fn(imported.hash);
  }

  /** Evicts over-limit transactions (banned, watchers get "dropped"); returns their hashes. */
  private enforceLimits(): Set<string> {
    const s = this.pool.status();
    const { ready, future } = this.opts;
    if (!exceeded(ready, s.ready, s.readyBytes) && !exceeded(future, s.future, s.futureBytes)) return new Set();
    const removed = new Set(this.pool.enforceLimits(ready, future).map((t) => t.hash));
    this.bans.ban(removed);
    for (const h of removed) this.watchers.dropped(h);
    return removed;
  }

  // ---- queries ---------------------------------------------------------------------------

  /** Ready transactions in block-inclusion order (dependencies first, then priority, then age). */
  ready(): PoolTransaction[] {
    return this.pool.ready.ordered();
  }

  /**
   * For the block builder: ready transactions one at a time in `ready()` order; after one fails
   * to apply, `reportInvalid(hash)` skips everything that depends on it. Do not modify the pool
   * while iterating.
   */
  readyIterator(): BestIterator {
    return this.pool.ready.iterator();
  }

  /** Transactions waiting for tags. */
  futures(): PoolTransaction[] {
    return [...this.pool.future.transactions()];
  }

  /** `author_pendingExtrinsics`: the ready transactions' bytes, in inclusion order. */
  pending(): Uint8Array[] {
    return this.ready().map((t) => t.data);
  }

  status(): PoolStatus {
    return this.pool.status();
  }

  has(hash: string): boolean {
    return this.pool.isImported(hash);
  }

  get(hash: string): PoolTransaction | undefined {
    return this.pool.get(hash);
  }

  isBanned(hash: string): boolean {
    return this.bans.isBanned(hash);
  }

  /** The block the pool last pruned or revalidated at. */
  bestBlock(): Block {
    return { ...this.best };
  }

  /** Called with the hash of every transaction entering the ready queue by submission (for gossip). */
  onImported(fn: (hash: string) => void): () => void {
    this.importListeners.add(fn);
    return () => this.importListeners.delete(fn);
  }

  /** Reports that a transaction was gossiped (`{broadcast: peers}` to its watchers). */
  broadcasted(hash: string, peers: string[]): void {
    this.watchers.broadcast(hash, peers);
  }

  // ---- removal ---------------------------------------------------------------------------

  /**
   * `author_removeExtrinsic`: removes and bans the transactions (watchers get "invalid");
   * their dependants are re-imported. Returns the hashes actually removed.
   */
  remove(hashes: string[]): string[] {
    const present = hashes.filter((h) => this.pool.isImported(h));
    this.bans.ban(hashes);
    this.removeAndReimport(new Map(present.map((h) => [h, null])));
    return present;
  }

  /** Bans hashes without touching the pool. */
  ban(hashes: string[]): void {
    this.bans.ban(hashes);
  }

  // ---- chain events ----------------------------------------------------------------------

  /**
   * A block was imported as the new best: its transactions leave the pool (watchers get
   * `{inBlock}`) and are banned, the tags they provide count as provided by the chain (promoting
   * futures), other pruned transactions are re-validated, and stale ones are dropped as invalid.
   *
   * `providedTags` supplies tags for included transactions the pool does not hold: either a flat
   * list of tags or a map from transaction hash to tags. Without it, such transactions are
   * validated at `opts.parentHash` when given. Call `revalidate` afterwards to re-check the rest.
   */
  async pruneForBlock(
    block: BlockRef,
    includedTxs: Uint8Array[],
    providedTags?: Uint8Array[] | Map<string, Uint8Array[]>,
    opts: { parentHash?: string } = {},
  ): Promise<PruneResult> {
    const at = this.resolve(block);
    this.best = at;
    const hashes = includedTxs.map((tx) => this.validator.hash(tx));
    const tags: string[] = [];
    for (let i = 0; i < hashes.length; i++) {
      const known = this.pool.get(hashes[i]!);
      if (known !== undefined) {
        tags.push(...known.providesKeys);
        continue;
      }
      const given = providedTags instanceof Map ? providedTags.get(hashes[i]!) : undefined;
      if (given !== undefined) {
        for (const t of given) tags.push(tagKey(t));
      } else if (opts.parentHash !== undefined && !this.isEmpty()) {
        try {
          const v = await this.validator.validate("InBlock", includedTxs[i]!, opts.parentHash);
          if (v.ok) for (const t of v.value.provides) tags.push(tagKey(t));
        } catch {
          // unknown tags: revalidation will sort out conflicting transactions
        }
      }
    }
    if (Array.isArray(providedTags)) for (const t of providedTags) tags.push(tagKey(t));

    const included = new Set(hashes);
    const status = this.pool.pruneTags(tags);
    const promoted: string[] = [];
    for (const p of status.promoted) {
      this.fireImported(p);
      if (p.kind === "ready") promoted.push(p.hash, ...p.promoted);
    }
    // An included transaction still waiting in future leaves it here; it gets inBlock, not dropped.
    const removed = status.failed.filter((h) => !included.has(h));
    for (const h of removed) this.watchers.dropped(h);

    this.bans.ban(hashes);
    for (const h of included) this.watchers.inBlock(at.hash, h);

    // Transactions pruned without being in the block (conflicting tags, exhausted predecessors)
    // may still be valid: re-validate and re-import them.
    const toReverify = status.pruned.filter((t) => !included.has(t.hash));
    const results = await this.validateBatched(toReverify, at.hash);
    for (let i = 0; i < toReverify.length; i++) {
      const tx = toReverify[i]!;
      const r = results[i]!;
      try {
        if (r === "error") throw new PoolError({ code: "POOL_VALIDATION_FAILED", reason: "revalidation failed" });
        if (this.pool.isImported(tx.hash)) continue;
        this.importValidated(this.toPoolTransaction(tx.hash, tx.data, tx.source, r, at.number), false);
      } catch (e) {
        if (e instanceof PoolError && e.code === "POOL_ALREADY_IMPORTED") continue;
        this.bans.ban([tx.hash]);
        this.watchers.invalid(tx.hash);
        removed.push(tx.hash);
      }
    }
    this.enforceLimits();
    removed.push(...this.clearStale(at.number));
    this.bans.clearTimeouts();
    return { included: hashes, promoted, removed };
  }

  /**
   * Re-validates every transaction in the pool at `at` (in concurrent batches of
   * `revalidationBatchSize`): invalid ones are removed and banned (watchers get "invalid"),
   * changed ones are re-imported and may move between queues; "unknown" results keep the old
   * validity. Stale transactions (validity expired) are removed first.
   */
  async revalidate(at: BlockRef): Promise<RevalidateResult> {
    const block = this.resolve(at);
    this.best = block;
    this.clearStale(block.number);
    const snapshot = [...this.pool.ready.transactions(), ...this.pool.future.transactions()];
    const results = await this.validateBatched(snapshot, block.hash);
    const updates = new Map<string, PoolTransaction | null>();
    const invalid: string[] = [];
    for (let i = 0; i < snapshot.length; i++) {
      const tx = snapshot[i]!;
      if (this.pool.get(tx.hash) !== tx) continue; // removed or replaced meanwhile
      const r = results[i]!;
      if (r === "error" || (!r.ok && r.error.type === "Invalid") || (r.ok && r.value.provides.length === 0)) {
        updates.set(tx.hash, null);
        invalid.push(tx.hash);
        continue;
      }
      if (!r.ok) continue; // unknown validity: keep as is
      const fresh = makeTransaction(tx.hash, tx.data, tx.source, r.value, block.number);
      if (sameGraphPosition(tx, fresh)) {
        tx.validTill = fresh.validTill; // PERF: no graph change, no re-import, no events
      } else {
        updates.set(tx.hash, fresh);
      }
    }
    const updated = updates.size - invalid.length;
    this.bans.ban(invalid);
    this.removeAndReimport(updates);
    return { checked: snapshot.length, invalid, updated };
  }

  /**
   * A block left the best chain: watchers of its transactions get `{retracted}`, and its
   * transactions are unbanned and re-submitted at `at` (default: the best block) as External.
   */
  async retract(blockHash: string, txs: Uint8Array[], at?: BlockRef): Promise<string[]> {
    this.watchers.retracted(blockHash);
    const block = at === undefined ? this.best : this.resolve(at);
    const hashes = txs.map((tx) => this.validator.hash(tx));
    for (const h of hashes) this.bans.unban(h);
    const todo = txs.map((data, i) => ({ data, hash: hashes[i]! })).filter((t) => !this.pool.isImported(t.hash));
    const results = await this.validateBatched(todo.map((t) => ({ data: t.data, source: "External" as const })), block.hash);
    const resubmitted: string[] = [];
    for (let i = 0; i < todo.length; i++) {
      const { hash, data } = todo[i]!;
      const r = results[i]!;
      try {
        if (r === "error") throw new PoolError({ code: "POOL_VALIDATION_FAILED", reason: "validation failed" });
        this.checkKnown(hash, true);
        this.importValidated(this.toPoolTransaction(hash, data, "External", r, block.number), false);
        resubmitted.push(hash);
      } catch (e) {
        if (e instanceof PoolError && e.code === "POOL_ALREADY_IMPORTED") continue;
        this.watchers.invalid(hash);
      }
    }
    return resubmitted;
  }

  /**
   * A block was finalized: watchers of transactions included in it get `{finalized}` (those the
   * pool saw pruned at that block, plus any of `txHashes`). Returns the hashes notified.
   */
  finalized(blockHash: string, txHashes: Iterable<string> = []): string[] {
    return this.watchers.finalized(blockHash, txHashes);
  }

  // ---- internals -------------------------------------------------------------------------

  private isEmpty(): boolean {
    return this.pool.ready.size === 0 && this.pool.future.size === 0;
  }

  private resolve(at: BlockRef): Block {
    if (typeof at !== "string") return at;
    const n = this.opts.blockNumber?.(at);
    if (n !== undefined) return { hash: at, number: n };
    return { hash: at, number: this.best.number };
  }

  /** Runs validations `revalidationBatchSize` at a time; a throwing validator yields "error". */
  private async validateBatched(
    txs: readonly { data: Uint8Array; source: TransactionSource }[],
    atHash: string,
  ): Promise<(Validity | "error")[]> {
    const out: (Validity | "error")[] = [];
    const size = Math.max(1, this.opts.revalidationBatchSize);
    for (let i = 0; i < txs.length; i += size) {
      const batch = txs.slice(i, i + size).map(async (t): Promise<Validity | "error"> => {
        try {
          return await this.validator.validate(t.source, t.data, atHash);
        } catch {
          return "error";
        }
      });
      out.push(...(await Promise.all(batch)));
    }
    return out;
  }

  /** Removes transactions whose validity ran out at block `number` (banned; watchers get "invalid"). */
  private clearStale(number: number): string[] {
    const n = BigInt(number);
    const stale: string[] = [];
    for (const t of this.pool.ready.transactions()) if (t.validTill <= n) stale.push(t.hash);
    for (const t of this.pool.future.transactions()) if (t.validTill <= n) stale.push(t.hash);
    if (stale.length === 0) return stale;
    this.bans.ban(stale);
    this.removeAndReimport(new Map(stale.map((h) => [h, null])));
    return stale;
  }

  /**
   * Applies new validities: each listed transaction leaves the pool with its dependants; `null`
   * entries are gone for good (watchers get "invalid"), the rest (new validity or, for
   * dependants, the old one) are imported again. Watchers hear only of changed positions.
   */
  private removeAndReimport(updates: Map<string, PoolTransaction | null>): void {
    const initial = new Map<string, "ready" | "future">();
    const toImport: PoolTransaction[] = [];
    const invalid: string[] = [];
    for (const hash of updates.keys()) {
      for (const r of this.pool.removeSubtree([hash])) {
        initial.set(r.tx.hash, r.wasReady ? "ready" : "future");
        const u = updates.get(r.tx.hash);
        if (u === null) invalid.push(r.tx.hash);
        else toImport.push(u ?? r.tx);
        if (r.tx.hash !== hash) updates.delete(r.tx.hash);
      }
    }
    for (const h of invalid) this.watchers.invalid(h);

    const final = new Map<string, Place>();
    for (const tx of toImport) {
      if (this.pool.isImported(tx.hash)) continue;
      try {
        const r = this.pool.import(tx);
        if (r.kind === "future") {
          final.set(r.hash, "future");
        } else if (r.kind === "ready") {
          final.set(r.hash, "ready");
          for (const h of r.promoted) final.set(h, "ready");
          for (const h of r.failed) final.set(h, "failed");
          for (const x of r.removed) final.set(x.hash, "dropped");
        } else {
          final.set(r.hash, "failed");
          for (const h of r.lost) final.set(h, "dropped");
        }
      } catch {
        final.set(tx.hash, "failed");
      }
    }
    for (const [h, place] of final) {
      if (initial.get(h) === place) continue;
      if (place === "ready") this.watchers.ready(h);
      else if (place === "future") this.watchers.future(h);
      else if (place === "dropped") this.watchers.dropped(h);
      else this.watchers.invalid(h);
    }
    this.enforceLimits();
  }
}

function makeTransaction(hash: string, data: Uint8Array, source: TransactionSource, v: ValidTransaction, atNumber: number): PoolTransaction {
  let validTill = BigInt(atNumber) + v.longevity;
  if (validTill > U64_MAX) validTill = U64_MAX;
  return {
    hash,
    data,
    bytes: data.length,
    priority: v.priority,
    validTill,
    requires: v.requires,
    provides: v.provides,
    requiresKeys: v.requires.map(tagKey),
    providesKeys: v.provides.map(tagKey),
    propagate: v.propagate,
    source,
  };
}

function sameGraphPosition(a: PoolTransaction, b: PoolTransaction): boolean {
  return a.priority === b.priority && a.propagate === b.propagate && sameKeys(a.requiresKeys, b.requiresKeys) && sameKeys(a.providesKeys, b.providesKeys);
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
