/**
 * `chainHead_v1_*`: following the head of the chain with per-subscription pinning, and body, call
 * and storage operations reported as follow events.
 *
 * SPEC: paritytech/json-rpc-interface-spec `src/api/chainHead_v1_*.md` (events, pinning, limits,
 * error codes -32800…-32804). Limits default to Substrate's `sc-rpc-spec-v2` shape, at or above the
 * spec minimums (2 follows per connection, 16 operations per follow).
 */
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { equalBytes, fromHex, toHex, utf8 } from "../../../framework/codec/bytes.ts";
import { Trie, TrieError } from "../../../framework/trie/index.ts";
import type { ImportedBlock } from "../../client/client.ts";
import { ClientError } from "../../client/client.ts";
import { RpcError, expectHash, expectObject, expectString, expectHex } from "../errors.ts";
import type { RpcParams, RpcServer, SubscriptionSink } from "../server/index.ts";
import type { RpcContext } from "./context.ts";
import { runtimeSpecJson } from "./json.ts";

/** Error codes of the chainHead group. */
export const ChainHeadErrorCode = {
  /** Too many `chainHead_v1_follow` subscriptions on this connection. */
  MAX_FOLLOWS: -32800,
  /** The block hash was not reported by this follow subscription, or has been unpinned. */
  INVALID_BLOCK: -32801,
  /** `chainHead_v1_call` on a follow subscription started with `withRuntime: false`. */
  NO_RUNTIME: -32802,
  /** `chainHead_v1_continue` on an operation that is not waiting for it. */
  NOT_WAITING: -32803,
  /** `chainHead_v1_unpin` with a duplicated hash. */
  DUPLICATE_HASHES: -32804,
} as const;

export interface ChainHeadLimits {
  /** Follow subscriptions per connection (spec minimum 2); one more gets -32800. */
  maxFollowsPerConnection: number;
  /** Concurrent operations per follow (spec minimum 16); each storage item counts as one. */
  maxOperationsPerFollow: number;
  /** Blocks pinned by one follow; beyond this the subscription gets a `stop` event. */
  maxPinnedBlocks: number;
  /** Storage items per `operationStorageItems` event; descendants queries then wait for `continue`. */
  storageItemsPerBatch: number;
}

export const CHAIN_HEAD_LIMITS: ChainHeadLimits = {
  maxFollowsPerConnection: 2,
  maxOperationsPerFollow: 16,
  maxPinnedBlocks: 512,
  storageItemsPerBatch: 16,
};

const CODE_KEY = utf8(":code");
const DEFAULT_CHILD_PREFIX = utf8(":child_storage:default:");

export type StorageQueryType = "value" | "hash" | "closestDescendantMerkleValue" | "descendantsValues" | "descendantsHashes";
const QUERY_TYPES: ReadonlySet<string> = new Set(["value", "hash", "closestDescendantMerkleValue", "descendantsValues", "descendantsHashes"]);

export interface StorageQuery {
  key: Uint8Array;
  type: StorageQueryType;
}

export interface StorageItemJson {
  key: string;
  value?: string;
  hash?: string;
  closestDescendantMerkleValue?: string;
}

/** Parses the `items` of a `chainHead_v1_storage`/`archive_v1_storage` call (-32602 on a bad shape). */
export function parseStorageQueries(raw: unknown[], what: string, allowPagination = false): (StorageQuery & { paginationStartKey?: Uint8Array })[] {
  return raw.map((it, i) => {
    const o = expectObject(it, `${what}[${i}]`);
    const key = expectHex(o.key, `${what}[${i}].key`);
    const type = expectString(o.type, `${what}[${i}].type`);
    if (!QUERY_TYPES.has(type)) throw RpcError.invalidParams(`${what}[${i}].type: unknown variant ${JSON.stringify(type)}`);
    const q: StorageQuery & { paginationStartKey?: Uint8Array } = { key, type: type as StorageQueryType };
    if (allowPagination && o.paginationStartKey !== undefined && o.paginationStartKey !== null) {
      if (type !== "descendantsValues" && type !== "descendantsHashes") {
        throw RpcError.invalidParams(`${what}[${i}].paginationStartKey is only valid for descendants queries`);
      }
      q.paginationStartKey = expectHex(o.paginationStartKey, `${what}[${i}].paginationStartKey`);
    }
    return q;
  });
}

/** The trie a storage query reads: the block's main trie, or a default-namespace child trie (undefined when absent). */
export function queryTrie(ctx: RpcContext, hash: Uint8Array, childTrie: Uint8Array | undefined): Trie | undefined {
  const main = ctx.client.stateAt(hash);
  if (childTrie === undefined) return main;
  const root = main.get(new Uint8Array([...DEFAULT_CHILD_PREFIX, ...childTrie]));
  if (root === undefined) return undefined;
  return Trie.fromRoot(root, ctx.client.db, ctx.client.runtime.trieVersion);
}

/** The items answering `queries`, in query order; descendants in ascending key order. */
export function* storageItems(trie: Trie, queries: readonly (StorageQuery & { paginationStartKey?: Uint8Array })[]): Generator<StorageItemJson> {
  for (const q of queries) {
    switch (q.type) {
      case "value": {
        const v = trie.get(q.key);
        if (v !== undefined) yield { key: toHex(q.key), value: toHex(v) };
        break;
      }
      case "hash": {
        const v = trie.get(q.key);
        if (v !== undefined) yield { key: toHex(q.key), hash: toHex(blake2_256(v)) };
        break;
      }
      case "closestDescendantMerkleValue": {
        const m = trie.closestDescendantMerkleValue(q.key);
        if (m !== undefined) yield { key: toHex(q.key), closestDescendantMerkleValue: toHex(m) };
        break;
      }
      case "descendantsValues":
        for (const [k, v] of trie.entries(q.key, q.paginationStartKey)) yield { key: toHex(k), value: toHex(v) };
        break;
      case "descendantsHashes":
        for (const [k, v] of trie.entries(q.key, q.paginationStartKey)) yield { key: toHex(k), hash: toHex(blake2_256(v)) };
        break;
    }
  }
}

/** Whether a failure reading a block means its data is gone (pruned or discarded) rather than an error. */
export function isInaccessible(e: unknown): boolean {
  if (e instanceof ClientError) return e.code === "CLIENT_ERROR_STATE_PRUNED" || e.code === "CLIENT_ERROR_UNKNOWN_BLOCK";
  // A trie node missing from the database: the state was pruned under a running iteration.
  return e instanceof TrieError && e.code === "TRIE_ERROR_INCOMPLETE_DATABASE";
}

// -------------------------------------------------------------------------------------------------

interface Operation {
  readonly id: string;
  /** Operation slots held (1 for body/call, the accepted item count for storage). */
  readonly slots: number;
  /** Set while a storage operation waits for `chainHead_v1_continue`. */
  resume: (() => void) | null;
  done: boolean;
}

interface Tracked {
  number: number;
  parent: string;
}

/** One `chainHead_v1_follow` subscription. */
class Follow {
  /** Pinned blocks → their SCALE header (kept so a header outlives a discarded fork). */
  readonly pinned = new Map<string, Uint8Array>();
  /** Reported blocks that are neither finalized nor pruned yet. */
  private readonly tracked = new Map<string, Tracked>();
  private finalized: string;
  private finalizedNumber: number;
  private best: string;
  readonly ops = new Map<string, Operation>();
  private usedSlots = 0;
  private nextOp = 0;
  stopped = false;
  private readonly onBlock = (b: ImportedBlock) => this.newBlock(b);
  private readonly onFinalized = (f: { hash: Uint8Array; number: number }) => this.finalize(f.hash, f.number);

  constructor(
    private readonly ctx: RpcContext,
    private readonly limits: ChainHeadLimits,
    readonly sink: SubscriptionSink,
    readonly withRuntime: boolean,
  ) {
    const { client } = ctx;
    const fin = client.finalizedHash;
    this.finalized = toHex(fin);
    this.finalizedNumber = client.finalizedNumber;
    this.best = this.finalized;
    this.pin(fin);
    const init: Record<string, unknown> = { event: "initialized", finalizedBlockHashes: [this.finalized] };
    if (withRuntime) init.finalizedBlockRuntime = this.runtime();
    sink.notify(init);
    // Every known non-finalized block, parents first (breadth-first from the finalized block).
    const queue: Uint8Array[] = [fin];
    while (queue.length > 0) {
      const parent = queue.shift()!;
      for (const child of client.db.children(parent)) {
        const header = client.header(child);
        if (header === undefined) continue;
        this.report(child, header.number, parent);
        if (this.stopped) return;
        queue.push(child);
      }
    }
    this.best = toHex(client.bestHash);
    sink.notify({ event: "bestBlockChanged", bestBlockHash: this.best });
    client.on("block", this.onBlock);
    client.on("finalized", this.onFinalized);
  }

  /** Detaches from the client (the subscription has ended). */
  dispose(): void {
    this.ctx.client.off("block", this.onBlock);
    this.ctx.client.off("finalized", this.onFinalized);
    for (const op of this.ops.values()) op.done = true;
    this.ops.clear();
    this.pinned.clear();
    this.tracked.clear();
  }

  /** Sends `stop` and ends the subscription. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sink.notify({ event: "stop" });
    // Closing drops what is still queued, so close only once `stop` has gone out (it may be queued
    // behind the subscribe response when the limit is hit while reporting the initial blocks).
    setImmediate(() => this.sink.close());
  }

  private runtime(): Record<string, unknown> {
    return { type: "valid", spec: runtimeSpecJson(this.ctx.crt.versionValue) };
  }

  private pin(hash: Uint8Array): boolean {
    const key = toHex(hash);
    if (this.pinned.has(key)) return true;
    if (this.pinned.size >= this.limits.maxPinnedBlocks) {
      this.stop();
      return false;
    }
    const header = this.ctx.client.headerBytes(hash);
    if (header === undefined) {
      this.stop();
      return false;
    }
    this.pinned.set(key, header);
    return true;
  }

  /** Whether `:code` differs from the parent's (the runtime changed in this block). */
  private runtimeChanged(hash: Uint8Array, parent: Uint8Array): boolean {
    try {
      const a = this.ctx.client.storage(hash, CODE_KEY);
      const b = this.ctx.client.storage(parent, CODE_KEY);
      return a === undefined || b === undefined ? a !== b : !equalBytes(a, b);
    } catch {
      return false;
    }
  }

  private report(hash: Uint8Array, number: number, parent: Uint8Array): void {
    if (!this.pin(hash)) return;
    const key = toHex(hash);
    const parentKey = toHex(parent);
    this.tracked.set(key, { number, parent: parentKey });
    const ev: Record<string, unknown> = { event: "newBlock", blockHash: key, parentBlockHash: parentKey };
    if (this.withRuntime) ev.newRuntime = this.runtimeChanged(hash, parent) ? this.runtime() : null;
    this.sink.notify(ev);
  }

  private newBlock(b: ImportedBlock): void {
    if (this.stopped) return;
    const key = toHex(b.hash);
    if (this.tracked.has(key) || key === this.finalized) return;
    const parent = toHex(b.header.parentHash);
    if (parent !== this.finalized && !this.tracked.has(parent)) {
      // A block on a fork that branched off below the finalized block can never be finalized: skip it.
      if (b.header.number <= this.finalizedNumber + 1) return;
      this.stop(); // a gap: we cannot keep a consistent view
      return;
    }
    this.report(b.hash, b.header.number, b.header.parentHash);
    if (this.stopped) return;
    if (b.isBest) {
      this.best = key;
      this.sink.notify({ event: "bestBlockChanged", bestBlockHash: key });
    }
  }

  private finalize(hash: Uint8Array, number: number): void {
    if (this.stopped || number <= this.finalizedNumber) return;
    const newKey = toHex(hash);
    // The newly finalized chain, from just above the old finalized block up to the new one.
    const path: string[] = [];
    let cur: string = newKey;
    while (cur !== this.finalized) {
      const t = this.tracked.get(cur);
      if (t === undefined) return this.stop();
      path.push(cur);
      cur = t.parent;
    }
    path.reverse();
    const onPath = new Set(path);
    const pruned: string[] = [];
    for (const [key, t] of this.tracked) {
      if (onPath.has(key)) continue;
      // Keep only descendants of the new finalized block: walk up to its height.
      let at: Tracked | undefined = t;
      let anc = key;
      while (at !== undefined && at.number > number) {
        anc = at.parent;
        at = this.tracked.get(anc);
      }
      if (anc !== newKey) pruned.push(key);
    }
    for (const k of path) this.tracked.delete(k);
    for (const k of pruned) this.tracked.delete(k);
    this.finalized = newKey;
    this.finalizedNumber = number;
    // The best block must not be among the pruned ones when `finalized` goes out.
    if (pruned.includes(this.best)) {
      const best = toHex(this.ctx.client.bestHash);
      this.best = this.tracked.has(best) ? best : newKey;
      this.sink.notify({ event: "bestBlockChanged", bestBlockHash: this.best });
    }
    this.sink.notify({ event: "finalized", finalizedBlockHashes: path, prunedBlockHashes: pruned });
  }

  // ------------------------------------------------------------------------------------------- operations

  /** Throws -32801 unless `hash` is pinned by this subscription. */
  requirePinned(hash: string): Uint8Array {
    const key = hash.toLowerCase();
    const header = this.pinned.get(key);
    if (header === undefined) throw new RpcError(ChainHeadErrorCode.INVALID_BLOCK, "Invalid block hash");
    return header;
  }

  unpin(hashes: string[]): void {
    const keys = hashes.map((h) => h.toLowerCase());
    if (new Set(keys).size !== keys.length) throw new RpcError(ChainHeadErrorCode.DUPLICATE_HASHES, "Received duplicate hashes for the `chainHead_unpin` method");
    for (const k of keys) if (!this.pinned.has(k)) throw new RpcError(ChainHeadErrorCode.INVALID_BLOCK, "Invalid block hash");
    for (const k of keys) this.pinned.delete(k);
  }

  /** Operation slots still free on this subscription. */
  freeSlots(): number {
    return this.limits.maxOperationsPerFollow - this.usedSlots;
  }

  startOperation(slots: number): Operation {
    const op: Operation = { id: String(this.nextOp++), slots, resume: null, done: false };
    this.usedSlots += slots;
    this.ops.set(op.id, op);
    return op;
  }

  finishOperation(op: Operation): void {
    if (op.done) return;
    op.done = true;
    op.resume = null;
    this.usedSlots -= op.slots;
    this.ops.delete(op.id);
  }

  /** Sends an operation event unless the operation or the subscription has ended. */
  emit(op: Operation, ev: Record<string, unknown>): void {
    if (!op.done && !this.stopped && !this.sink.closed) this.sink.notify({ operationId: op.id, ...ev });
  }
}

// -------------------------------------------------------------------------------------------------

export function registerChainHead(server: RpcServer, ctx: RpcContext, limits: ChainHeadLimits = CHAIN_HEAD_LIMITS): void {
  const { client } = ctx;
  /** connection id → follow subscription id → follow */
  const follows = new Map<number, Map<string, Follow>>();
  const lookup = (connectionId: number, sub: string): Follow | undefined => {
    const f = follows.get(connectionId)?.get(sub);
    return f === undefined || f.stopped ? undefined : f;
  };
  const LIMIT_REACHED = { result: "limitReached" } as const;
  /** Runs `fn` after the method response has been written (operation events must follow it). */
  const later = (fn: () => void) => setImmediate(fn);

  server.subscription({
    subscribe: "chainHead_v1_follow", notification: "chainHead_v1_followEvent", unsubscribe: "chainHead_v1_unfollow",
    params: ["withRuntime"],
  }, (p, sink, call) => {
    const withRuntime = p.boolean(0, "withRuntime");
    let mine = follows.get(call.connectionId);
    if (mine !== undefined && mine.size >= limits.maxFollowsPerConnection) {
      throw new RpcError(ChainHeadErrorCode.MAX_FOLLOWS, "Maximum number of chainHead_follow has been reached");
    }
    if (mine === undefined) follows.set(call.connectionId, (mine = new Map()));
    const f = new Follow(ctx, limits, sink, withRuntime);
    mine.set(sink.id, f);
    return () => {
      f.dispose();
      const m = follows.get(call.connectionId);
      m?.delete(sink.id);
      if (m !== undefined && m.size === 0) follows.delete(call.connectionId);
    };
  });

  server.method("chainHead_v1_header", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const hash = p.hash(1, "hash");
    const f = lookup(call.connectionId, sub);
    if (f === undefined) return null;
    return toHex(f.requirePinned(hash));
  }, { params: ["followSubscription", "hash"] });

  server.method("chainHead_v1_body", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const hash = p.hash(1, "hash");
    const f = lookup(call.connectionId, sub);
    if (f === undefined) return LIMIT_REACHED;
    f.requirePinned(hash);
    if (f.freeSlots() < 1) return LIMIT_REACHED;
    const op = f.startOperation(1);
    later(() => {
      if (op.done) return;
      let body: Uint8Array[] | undefined;
      try {
        body = client.body(fromHex(hash));
      } catch (e) {
        f.emit(op, { event: "operationError", error: (e as Error).message });
        return f.finishOperation(op);
      }
      f.emit(op, body === undefined ? { event: "operationInaccessible" } : { event: "operationBodyDone", value: body.map(toHex) });
      f.finishOperation(op);
    });
    return { result: "started", operationId: op.id };
  }, { params: ["followSubscription", "hash"] });

  server.method("chainHead_v1_call", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const hash = p.hash(1, "hash");
    const fn = p.string(2, "function");
    const input = p.hex(3, "callParameters");
    const f = lookup(call.connectionId, sub);
    if (f === undefined) return LIMIT_REACHED;
    f.requirePinned(hash);
    if (!f.withRuntime) throw new RpcError(ChainHeadErrorCode.NO_RUNTIME, "The follow subscription was started with `withRuntime` set to `false`");
    if (f.freeSlots() < 1) return LIMIT_REACHED;
    const op = f.startOperation(1);
    later(() => {
      if (op.done) return;
      try {
        f.emit(op, { event: "operationCallDone", output: toHex(client.call(fromHex(hash), fn, input)) });
      } catch (e) {
        f.emit(op, isInaccessible(e) ? { event: "operationInaccessible" } : { event: "operationError", error: (e as Error).message });
      }
      f.finishOperation(op);
    });
    return { result: "started", operationId: op.id };
  }, { params: ["followSubscription", "hash", "function", "callParameters"] });

  server.method("chainHead_v1_storage", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const hash = p.hash(1, "hash");
    const queries = parseStorageQueries(p.array(2, "items"), "items");
    const childTrie = p.optionalHex(3, "childTrie");
    const f = lookup(call.connectionId, sub);
    if (f === undefined) return LIMIT_REACHED;
    f.requirePinned(hash);
    const accepted = Math.min(queries.length, f.freeSlots());
    if (accepted <= 0 && queries.length > 0) return LIMIT_REACHED;
    const op = f.startOperation(accepted);
    const taken = queries.slice(0, accepted);
    const descendants = taken.some((q) => q.type === "descendantsValues" || q.type === "descendantsHashes");
    let items: Iterator<StorageItemJson> | null = null;
    let peeked: IteratorResult<StorageItemJson> | null = null;
    const step = () => {
      if (op.done) return;
      try {
        if (items === null) {
          const trie = queryTrie(ctx, fromHex(hash), childTrie);
          items = trie === undefined ? ([] as StorageItemJson[])[Symbol.iterator]() : storageItems(trie, taken);
        }
        const batch: StorageItemJson[] = [];
        let next = peeked ?? items.next();
        peeked = null;
        while (!next.done && batch.length < limits.storageItemsPerBatch) {
          batch.push(next.value);
          next = items.next();
        }
        if (batch.length > 0) f.emit(op, { event: "operationStorageItems", items: batch });
        if (!next.done) {
          peeked = next;
          if (descendants) {
            op.resume = () => later(step);
            f.emit(op, { event: "operationWaitingForContinue" });
          } else later(step);
          return;
        }
        f.emit(op, { event: "operationStorageDone" });
      } catch (e) {
        f.emit(op, isInaccessible(e) ? { event: "operationInaccessible" } : { event: "operationError", error: (e as Error).message });
      }
      f.finishOperation(op);
    };
    later(step);
    return { result: "started", operationId: op.id, discardedItems: queries.length - accepted };
  }, { params: ["followSubscription", "hash", "items", "childTrie"] });

  server.method("chainHead_v1_continue", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const opId = p.string(1, "operationId");
    const f = lookup(call.connectionId, sub);
    const op = f?.ops.get(opId);
    if (op === undefined) return null;
    if (op.resume === null) throw new RpcError(ChainHeadErrorCode.NOT_WAITING, "The operation is not waiting for `chainHead_v1_continue`");
    const resume = op.resume;
    op.resume = null;
    resume();
    return null;
  }, { params: ["followSubscription", "operationId"] });

  server.method("chainHead_v1_stopOperation", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const opId = p.string(1, "operationId");
    const f = lookup(call.connectionId, sub);
    const op = f?.ops.get(opId);
    if (f !== undefined && op !== undefined) f.finishOperation(op);
    return null;
  }, { params: ["followSubscription", "operationId"] });

  server.method("chainHead_v1_unpin", (p: RpcParams, call) => {
    const sub = p.string(0, "followSubscription");
    const raw = p.at(1, "hashOrHashes");
    const hashes = Array.isArray(raw) ? raw.map((h, i) => expectHash(h, `param 1 (hashOrHashes)[${i}]`)) : [expectHash(raw, "param 1 (hashOrHashes)")];
    const f = lookup(call.connectionId, sub);
    if (f === undefined) return null;
    f.unpin(hashes);
    return null;
  }, { params: ["followSubscription", "hashOrHashes"] });
}
