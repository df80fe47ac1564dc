import { randomBytes } from "node:crypto";
import type { RpcCallContext, RpcLogger, SubscriptionHandler, SubscriptionSink } from "./types.ts";

/** One registered subscription kind (subscribe/notification/unsubscribe triple). */
export interface SubscriptionKind {
  readonly subscribe: string;
  readonly notification: string;
  /** `{"jsonrpc":"2.0","method":<notification>,"params":{"subscription":"` — the id, then `","result":…}}` follows. */
  readonly notifyPrefix: string;
  readonly handler: SubscriptionHandler;
  readonly unsafe: boolean;
  readonly names: readonly string[];
}

/**
 * A client connection: one WebSocket, or one HTTP request (`send === null`, no subscriptions).
 * Owns the connection's subscriptions and runs their cleanups when it closes.
 */
export class RpcConnection {
  readonly subs = new Map<string, Subscription>();
  closed = false;
  /** Last pong (or the connection time), for the ping check. */
  lastSeen = Date.now();
  missedPings = 0;

  constructor(
    readonly ctx: RpcCallContext,
    /** Writes one text frame; `null` for HTTP. */
    readonly send: ((text: string) => void) | null,
    readonly logger: RpcLogger | null,
  ) {}

  /** Ends every subscription (running its cleanup) and drops anything still to be sent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sub of [...this.subs.values()]) sub.close();
  }
}

/** Server side of one subscription; see `SubscriptionSink`. */
export class Subscription implements SubscriptionSink {
  closed = false;
  /** Notifications produced before the subscribe response went out; `null` once active. */
  private queue: string[] | null = [];
  /** `null` while the handler has not returned yet. */
  private cleanup: (() => void) | undefined | null = null;

  constructor(
    readonly id: string,
    readonly kind: SubscriptionKind,
    readonly conn: RpcConnection,
  ) {}

  notify(result: unknown): void {
    if (this.closed) return;
    let json: string;
    try {
      json = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      this.conn.logger?.error("Cannot serialise subscription notification", {
        notification: this.kind.notification,
        error: e instanceof Error ? e.message : String(e),
      });
      return;
    }
    const msg = this.kind.notifyPrefix + this.id + '","result":' + json + "}}";
    if (this.queue !== null) this.queue.push(msg);
    else this.conn.send!(msg);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = null;
    this.conn.subs.delete(this.id);
    const fn = this.cleanup;
    this.cleanup = undefined;
    if (fn) this.runCleanup(fn);
  }

  /** Called once the handler has returned: stores its cleanup, or runs it if the subscription already ended. */
  setCleanup(ret: unknown): void {
    const fn = typeof ret === "function" ? (ret as () => void) : undefined;
    if (this.closed) {
      if (fn) this.runCleanup(fn);
    } else this.cleanup = fn;
  }

  /** The subscribe response has been sent: flush queued notifications and send the rest directly. */
  activate(): void {
    const q = this.queue;
    this.queue = null;
    if (this.closed || q === null) return;
    for (const m of q) this.conn.send!(m);
  }

  /** The handler failed: forget the subscription without a cleanup. */
  abort(): void {
    this.closed = true;
    this.queue = null;
    this.conn.subs.delete(this.id);
  }

  private runCleanup(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.conn.logger?.error("Subscription cleanup threw", {
        subscription: this.kind.subscribe,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
let pool = Buffer.alloc(0);
let poolPos = 0;

/** A random 16-character alphanumeric id, like Substrate's `RandomStringIdProvider::new(16)`. */
export function randomSubscriptionId(): string {
  let out = "";
  while (out.length < 16) {
    if (poolPos >= pool.length) {
      pool = randomBytes(1024);
      poolPos = 0;
    }
    const b = pool[poolPos++]!;
    if (b < 248) out += ALPHANUMERIC[b % 62];
  }
  return out;
}
