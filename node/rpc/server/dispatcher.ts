/**
 * Transport-independent JSON-RPC 2.0 processing with jsonrpsee's semantics: single calls, batches,
 * notifications (no `id`: never answered), subscriptions, and the exact error objects.
 */
import { RpcError } from "../errors.ts";
import { RpcParams } from "./params.ts";
import { RpcConnection, Subscription, randomSubscriptionId, type SubscriptionKind } from "./connection.ts";
import type { MethodHandler, MethodOptions, RpcLogger, SubscriptionDef, SubscriptionHandler } from "./types.ts";

/** What processing a message yields: a response text, nothing, or a promise of either. */
export type Outcome = string | null | Promise<string | null>;

const enum Kind {
  Call,
  Subscribe,
  Unsubscribe,
}

interface CallEntry {
  readonly kind: Kind.Call;
  readonly name: string;
  readonly handler: MethodHandler;
  readonly unsafe: boolean;
  readonly names: readonly string[] | undefined;
}
interface SubscribeEntry {
  readonly kind: Kind.Subscribe;
  readonly name: string;
  readonly sub: SubscriptionKind;
  readonly unsafe: boolean;
}
interface UnsubscribeEntry {
  readonly kind: Kind.Unsubscribe;
  readonly name: string;
  readonly sub: SubscriptionKind;
  readonly unsafe: boolean;
}
type Entry = CallEntry | SubscribeEntry | UnsubscribeEntry;

export interface DispatcherLimits {
  maxResponseSize: number;
  maxSubscriptionsPerConnection: number;
  maxBatchSize: number | undefined;
  batchRequests: boolean;
}

const PARSE_ERROR = JSON.stringify({ jsonrpc: "2.0", id: null, error: RpcError.parseError() });
const INVALID_REQUEST_NULL = JSON.stringify({ jsonrpc: "2.0", id: null, error: RpcError.invalidRequest() });
const BATCHES_NOT_SUPPORTED = JSON.stringify({ jsonrpc: "2.0", id: null, error: RpcError.batchesNotSupported() });
const SUBSCRIPTION_OVER_HTTP = RpcError.internal("Subscriptions are not supported over HTTP; use a WebSocket connection");

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === "object" && typeof (x as { then?: unknown }).then === "function";
}

/** jsonrpsee `Id`: null, a string, or an unsigned integer. */
function isValidId(id: unknown): boolean {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isInteger(id) && id >= 0);
}

export class RpcDispatcher {
  private readonly entries = new Map<string, Entry>();
  private readonly canonical: { name: string; unsafe: boolean }[] = [];
  private namesCache: [string[] | null, string[] | null] = [null, null];
  /** Responses longer than this many UTF-16 units may exceed `maxResponseSize` bytes and get measured. */
  private readonly responseCheckChars: number;

  constructor(
    readonly limits: DispatcherLimits,
    readonly logger: RpcLogger | null,
  ) {
    this.responseCheckChars = Math.floor(limits.maxResponseSize / 3);
  }

  // ---------------------------------------------------------------- registration

  method(name: string, handler: MethodHandler, opts: MethodOptions = {}): void {
    const unsafe = opts.unsafe === true;
    const entry: CallEntry = { kind: Kind.Call, name, handler, unsafe, names: opts.params };
    this.register(name, entry, unsafe);
    for (const alias of opts.aliases ?? []) this.register(alias, entry, null);
  }

  subscription(def: SubscriptionDef, handler: SubscriptionHandler): void {
    if (def.subscribe === def.unsubscribe) throw new Error(`RPC subscription ${def.subscribe}: subscribe and unsubscribe names must differ`);
    const unsafe = def.unsafe === true;
    const sub: SubscriptionKind = {
      subscribe: def.subscribe,
      notification: def.notification,
      notifyPrefix: '{"jsonrpc":"2.0","method":' + JSON.stringify(def.notification) + ',"params":{"subscription":"',
      handler,
      unsafe,
      names: def.params ?? [],
    };
    const s: SubscribeEntry = { kind: Kind.Subscribe, name: def.subscribe, sub, unsafe };
    const u: UnsubscribeEntry = { kind: Kind.Unsubscribe, name: def.unsubscribe, sub, unsafe };
    this.register(def.subscribe, s, unsafe);
    this.register(def.unsubscribe, u, unsafe);
    for (const alias of def.subscribeAliases ?? []) this.register(alias, s, null);
    for (const alias of def.unsubscribeAliases ?? []) this.register(alias, u, null);
  }

  private register(name: string, entry: Entry, canonicalUnsafe: boolean | null): void {
    if (typeof name !== "string" || name.length === 0) throw new Error("RPC method name must be a non-empty string");
    if (this.entries.has(name)) throw new Error(`RPC method ${name} is already registered`);
    this.entries.set(name, entry);
    if (canonicalUnsafe !== null) {
      this.canonical.push({ name, unsafe: canonicalUnsafe });
      this.namesCache = [null, null];
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Canonical names, sorted; unsafe ones only when `includeUnsafe`. */
  methodNames(includeUnsafe: boolean): string[] {
    const slot = includeUnsafe ? 1 : 0;
    let names = this.namesCache[slot];
    if (names === null) {
      names = this.canonical.filter((c) => includeUnsafe || !c.unsafe).map((c) => c.name).sort();
      this.namesCache[slot] = names;
    }
    return names.slice();
  }

  /** Calls a plain method directly (e.g. for the HTTP `/health` proxy). */
  callDirect(name: string, conn: RpcConnection): unknown {
    const e = this.entries.get(name);
    if (e === undefined || e.kind !== Kind.Call) throw RpcError.methodNotFound();
    if (e.unsafe && !conn.ctx.unsafeAllowed) throw RpcError.unsafeDenied();
    return e.handler(new RpcParams(undefined, e.names), conn.ctx);
  }

  // ---------------------------------------------------------------- processing

  /**
   * Processes one message (a WebSocket frame or an HTTP body) of at most `maxRequestSize` bytes.
   * Subscribe responses on WebSockets are sent by the dispatcher itself (so that queued
   * notifications follow them) and yield `null`.
   */
  process(text: string, conn: RpcConnection): Outcome {
    let i = 0;
    const end = Math.min(text.length, 128);
    let c = 0;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    if (c === 0x7b /* { */) {
      let req: unknown;
      try {
        req = JSON.parse(text);
      } catch {
        return PARSE_ERROR;
      }
      return this.single(req, conn, null);
    }
    if (c === 0x5b /* [ */) {
      if (!this.limits.batchRequests) return BATCHES_NOT_SUPPORTED;
      let batch: unknown;
      try {
        batch = JSON.parse(text);
      } catch {
        return PARSE_ERROR;
      }
      if (!Array.isArray(batch)) return PARSE_ERROR;
      return this.batch(batch, conn);
    }
    return PARSE_ERROR;
  }

  /** One request object; `acts` collects subscriptions to activate after a batch response (null: not in a batch). */
  private single(req: unknown, conn: RpcConnection, acts: Subscription[] | null): Outcome {
    if (typeof req !== "object" || req === null || Array.isArray(req)) return INVALID_REQUEST_NULL;
    const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const id = r.id;
    if (r.jsonrpc !== "2.0" || typeof r.method !== "string") {
      // jsonrpsee: an unparseable request with a readable id is "Invalid request"; otherwise a
      // top-level one is a "Parse error" and a batch element "Invalid request", both with id null.
      if (id !== undefined && isValidId(id)) return this.error(id, RpcError.invalidRequest());
      return acts === null ? PARSE_ERROR : INVALID_REQUEST_NULL;
    }
    // A notification (no id) is never answered, and jsonrpsee does not run it either.
    if (id === undefined) return null;
    if (!isValidId(id)) return INVALID_REQUEST_NULL;

    const entry = this.entries.get(r.method);
    if (entry === undefined) return this.error(id, RpcError.methodNotFound());
    if (entry.unsafe && !conn.ctx.unsafeAllowed) return this.error(id, RpcError.unsafeDenied());

    switch (entry.kind) {
      case Kind.Call: {
        let result: unknown;
        try {
          result = entry.handler(new RpcParams(r.params, entry.names), conn.ctx);
        } catch (e) {
          return this.error(id, e, entry.name);
        }
        if (isThenable(result)) {
          return Promise.resolve(result).then(
            (v) => this.success(id, v),
            (e) => this.error(id, e, entry.name),
          );
        }
        return this.success(id, result);
      }
      case Kind.Subscribe:
        return this.subscribe(entry.sub, id, r.params, conn, acts);
      case Kind.Unsubscribe:
        return this.success(id, this.unsubscribe(entry.sub, r.params, conn));
    }
  }

  private batch(batch: unknown[], conn: RpcConnection): Outcome {
    const n = batch.length;
    if (n === 0) return INVALID_REQUEST_NULL;
    const max = this.limits.maxBatchSize;
    if (max !== undefined && n > max) return this.error(null, RpcError.batchTooLarge(max));
    const acts: Subscription[] = [];
    const outs: Outcome[] = new Array(n);
    let pending = false;
    for (let i = 0; i < n; i++) {
      const o = this.single(batch[i], conn, acts);
      if (o !== null && typeof o !== "string") pending = true;
      outs[i] = o;
    }
    if (pending) return Promise.all(outs).then((parts) => this.finishBatch(parts, conn, acts));
    return this.finishBatch(outs as (string | null)[], conn, acts);
  }

  private finishBatch(parts: (string | null)[], conn: RpcConnection, acts: Subscription[]): string | null {
    let body = "";
    for (const p of parts) {
      if (p === null) continue;
      body = body.length === 0 ? "[" + p : body + "," + p;
    }
    // Only notifications: nothing to answer.
    if (body.length === 0) return null;
    body += "]";
    if (this.tooBig(body)) body = this.error(null, RpcError.batchResponseTooLarge(this.limits.maxResponseSize));
    if (acts.length === 0) return body;
    if (!conn.closed) conn.send!(body);
    for (const s of acts) s.activate();
    return null;
  }

  private subscribe(kind: SubscriptionKind, id: unknown, rawParams: unknown, conn: RpcConnection, acts: Subscription[] | null): Outcome {
    if (conn.send === null) return this.error(id, SUBSCRIPTION_OVER_HTTP);
    const max = this.limits.maxSubscriptionsPerConnection;
    if (conn.subs.size >= max) return this.error(id, RpcError.tooManySubscriptions(max));
    let subId = randomSubscriptionId();
    while (conn.subs.has(subId)) subId = randomSubscriptionId();
    const sub = new Subscription(subId, kind, conn);
    conn.subs.set(subId, sub);
    let ret: unknown;
    try {
      ret = kind.handler(new RpcParams(rawParams, kind.names), sub, conn.ctx);
    } catch (e) {
      sub.abort();
      return this.error(id, e, kind.subscribe);
    }
    if (isThenable(ret)) {
      return Promise.resolve(ret).then(
        (fn) => this.accept(sub, id, fn as (() => void) | void, acts),
        (e) => {
          sub.abort();
          return this.error(id, e, kind.subscribe);
        },
      );
    }
    return this.accept(sub, id, ret as (() => void) | void, acts);
  }

  private accept(sub: Subscription, id: unknown, cleanup: (() => void) | void, acts: Subscription[] | null): string | null {
    sub.setCleanup(cleanup);
    const text = JSON.stringify({ jsonrpc: "2.0", id, result: sub.id });
    if (acts !== null) {
      acts.push(sub);
      return text;
    }
    const conn = sub.conn;
    if (!conn.closed) conn.send!(text);
    sub.activate();
    return null;
  }

  /** jsonrpsee: `[id]` of an active subscription of this kind on this connection → true, else false. */
  private unsubscribe(kind: SubscriptionKind, rawParams: unknown, conn: RpcConnection): boolean {
    if (!Array.isArray(rawParams) || rawParams.length === 0) return false;
    const subId = rawParams[0];
    if (typeof subId !== "string" && typeof subId !== "number") return false;
    const sub = conn.subs.get(String(subId));
    if (sub === undefined || sub.kind !== kind) return false;
    sub.close();
    return true;
  }

  // ---------------------------------------------------------------- serialisation

  private success(id: unknown, result: unknown): string {
    let text: string;
    try {
      text = JSON.stringify({ jsonrpc: "2.0", id, result: result === undefined ? null : result });
    } catch (e) {
      return this.error(id, e);
    }
    if (text.length > this.responseCheckChars && this.tooBig(text)) {
      return this.error(id, RpcError.oversizedResponse(this.limits.maxResponseSize));
    }
    return text;
  }

  private tooBig(text: string): boolean {
    return text.length > this.responseCheckChars && Buffer.byteLength(text) > this.limits.maxResponseSize;
  }

  /** Serialises an error response; anything thrown that is not an `RpcError` becomes -32603. */
  error(id: unknown, e: unknown, method?: string): string {
    let err: RpcError;
    if (e instanceof RpcError) err = e;
    else {
      const message = e instanceof Error ? e.message : String(e);
      this.logger?.warn("RPC handler failed", { method, error: message, stack: e instanceof Error ? e.stack : undefined });
      err = RpcError.internal(message);
    }
    try {
      return JSON.stringify({ jsonrpc: "2.0", id, error: err });
    } catch {
      return JSON.stringify({ jsonrpc: "2.0", id, error: RpcError.internal(err.message) });
    }
  }
}
