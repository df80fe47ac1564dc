import type { RpcParams } from "./params.ts";

/** Minimal structured logger; any `logger.child({module: "rpc"})` with these methods fits. */
export interface RpcLogger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

/** `--rpc-methods`: `auto` exposes unsafe methods only when listening on a loopback address. */
export type RpcMethodsPolicy = "safe" | "unsafe" | "auto";

/** `--rpc-cors`: `"all"`, a list of allowed origins, or `null` (no CORS headers; browser origins refused). */
export type RpcCors = "all" | readonly string[] | null;

export interface RpcServerOptions {
  /** Max simultaneous WebSocket connections plus in-flight HTTP requests (Substrate default 100). */
  maxConnections?: number;
  /** Max request size in bytes (Substrate default 15 MiB). */
  maxRequestSize?: number;
  /** Max response size in bytes (Substrate default 15 MiB). */
  maxResponseSize?: number;
  /** Max active subscriptions per WebSocket connection (Substrate default 1024). */
  maxSubscriptionsPerConnection?: number;
  /** Max calls in one batch; `undefined` means unlimited (Substrate default). */
  maxBatchSize?: number;
  /** `false` answers every batch with -32005 (`--rpc-disable-batch-requests`). Default true. */
  batchRequests?: boolean;
  /** Allowed browser origins (`--rpc-cors`). Default `"all"`. */
  cors?: RpcCors;
  /** Unsafe method policy (`--rpc-methods`). Default `"auto"`. */
  methods?: RpcMethodsPolicy;
  /** WebSocket ping interval in ms (Substrate: 30 s; 0 disables). A connection silent for
   *  `2 × pingInterval` on 3 consecutive checks is closed, as jsonrpsee's `PingConfig` does. */
  pingIntervalMs?: number;
  logger?: RpcLogger;
}

export interface RpcCallContext {
  readonly transport: "ws" | "http";
  /** Unique per WebSocket connection (per request for HTTP). */
  readonly connectionId: number;
  readonly remoteAddress: string | undefined;
  /** Whether unsafe methods may be called from here. */
  readonly unsafeAllowed: boolean;
}

/** The server side of one subscription. */
export interface SubscriptionSink {
  /** The subscription id sent to the client (a random 16-character string, as Substrate's). */
  readonly id: string;
  /** Sends `{"jsonrpc":"2.0","method":<notification>,"params":{"subscription":id,"result":result}}`.
   *  Notifications sent before the subscribe response has gone out are queued behind it. No-op once closed. */
  notify(result: unknown): void;
  /** Ends the subscription from the server side and runs its cleanup. Idempotent. */
  close(): void;
  readonly closed: boolean;
}

export type MethodHandler = (params: RpcParams, ctx: RpcCallContext) => unknown | Promise<unknown>;

/** Returns an optional cleanup, run exactly once when the subscription ends (unsubscribe, `sink.close()`, disconnect). */
export type SubscriptionHandler = (
  params: RpcParams,
  sink: SubscriptionSink,
  ctx: RpcCallContext,
) => (() => void) | void | Promise<(() => void) | void>;

export interface MethodOptions {
  /** Extra wire names answering the same method (not listed by `methodNames`). */
  aliases?: readonly string[];
  /** Denied with -32601 "RPC call is unsafe to be called externally" when unsafe methods are not allowed. */
  unsafe?: boolean;
  /** Parameter names, so that named (object) params map to positions for `params.at(i)`. */
  params?: readonly string[];
}

export interface SubscriptionDef {
  subscribe: string;
  subscribeAliases?: readonly string[];
  /** The notification method name, e.g. `chain_newHead`. */
  notification: string;
  unsubscribe: string;
  unsubscribeAliases?: readonly string[];
  unsafe?: boolean;
  /** Parameter names of the subscribe call (see `MethodOptions.params`). */
  params?: readonly string[];
}
