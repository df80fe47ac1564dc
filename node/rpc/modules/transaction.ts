/**
 * `transaction_v1_broadcast/stop` and `transactionWatch_v1_submitAndWatch/unwatch`.
 *
 * SPEC: paritytech/json-rpc-interface-spec `src/api/transaction_v1_*.md`, `transactionWatch_v1_*.md`.
 * Pool statuses map to watch events as Substrate's `sc-rpc-spec-v2` does: future/ready/broadcast →
 * `validated`; inBlock → `bestChainBlockIncluded {hash, index}`; retracted → `bestChainBlockIncluded null`;
 * finalized → `finalized`; finalityTimeout and dropped → `dropped`; usurped and invalid → `invalid`.
 */
import { randomBytes } from "node:crypto";
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import { PoolError, type TransactionStatus, type TransactionWatcher } from "../../txpool/index.ts";
import { invalidTransactionReason, unknownTransactionReason } from "../../txpool/errors.ts";
import { INVALID_PARAMS_CODE, RpcError } from "../errors.ts";
import type { RpcParams, RpcServer } from "../server/index.ts";
import type { RpcContext } from "./context.ts";

export interface TransactionLimits {
  /** Simultaneous `transaction_v1_broadcast` operations per connection (spec minimum 4); beyond it `null`. */
  maxBroadcastsPerConnection: number;
  /** Simultaneous broadcast operations in total (bounds what disconnected clients leave behind). */
  maxBroadcasts: number;
}

export const TRANSACTION_LIMITS: TransactionLimits = { maxBroadcastsPerConnection: 16, maxBroadcasts: 4096 };

/** A `transactionWatch_v1_watchEvent` result. */
export type TransactionEvent =
  | { event: "validated" }
  | { event: "bestChainBlockIncluded"; block: { hash: string; index: number } | null }
  | { event: "finalized"; block: { hash: string; index: number } }
  | { event: "error"; error: string }
  | { event: "invalid"; error: string }
  | { event: "dropped"; error: string };

export const isFinalEvent = (e: TransactionEvent): boolean => e.event !== "validated" && e.event !== "bestChainBlockIncluded";

/** The event a pool submission error becomes (the spec reports these as events, never as JSON-RPC errors). */
export function submitErrorEvent(e: unknown): TransactionEvent {
  if (!(e instanceof PoolError)) return { event: "error", error: e instanceof Error ? e.message : String(e) };
  const p = e.payload;
  switch (p.code) {
    case "POOL_INVALID":
      return { event: "invalid", error: `Invalid Transaction: ${invalidTransactionReason(p.error)}` };
    case "POOL_UNKNOWN_VALIDITY":
      return { event: "invalid", error: `Unknown Transaction Validity: ${unknownTransactionReason(p.error)}` };
    case "POOL_TEMPORARILY_BANNED":
    case "POOL_IMMEDIATELY_DROPPED":
      return { event: "dropped", error: e.message };
    case "POOL_VALIDATION_FAILED":
      return { event: "error", error: e.message };
    default:
      return { event: "invalid", error: e.message };
  }
}

/** Maps one pool status to its watch event (`undefined`: nothing to report). */
export function statusEvent(ctx: RpcContext, txHash: string, s: TransactionStatus): TransactionEvent | undefined {
  if (s === "future" || s === "ready") return { event: "validated" };
  if (s === "dropped") return { event: "dropped", error: "Extrinsic dropped from the pool due to exceeding limits" };
  if (s === "invalid") return { event: "invalid", error: "Extrinsic marked as invalid" };
  if ("broadcast" in s) return { event: "validated" };
  if ("inBlock" in s) return { event: "bestChainBlockIncluded", block: { hash: s.inBlock, index: indexIn(ctx, s.inBlock, txHash) } };
  if ("retracted" in s) return { event: "bestChainBlockIncluded", block: null };
  if ("finalized" in s) return { event: "finalized", block: { hash: s.finalized, index: indexIn(ctx, s.finalized, txHash) } };
  if ("finalityTimeout" in s) return { event: "dropped", error: "Maximum number of finality watchers has been reached" };
  if ("usurped" in s) return { event: "invalid", error: "Extrinsic was rendered invalid by another extrinsic" };
  return undefined;
}

/** Index of the transaction in the block body (0 when the body is unknown). */
function indexIn(ctx: RpcContext, block: string, txHash: string): number {
  const body = ctx.client.body(fromHex(block));
  if (body === undefined) return 0;
  const i = body.findIndex((x) => toHex(blake2_256(x)) === txHash);
  return i < 0 ? 0 : i;
}

const bestRef = (ctx: RpcContext) => ({ hash: toHex(ctx.client.bestHash), number: ctx.client.bestNumber });

/** Feeds a watcher's statuses as events to `out`, skipping repeated `validated`; returns an unsubscribe. */
function followWatcher(ctx: RpcContext, watcher: TransactionWatcher, out: (e: TransactionEvent) => void): () => void {
  let last: string | undefined;
  return watcher.subscribe((s) => {
    const e = statusEvent(ctx, watcher.hash, s);
    if (e === undefined) return;
    if (e.event === "validated" && last === "validated") return;
    last = e.event;
    out(e);
  });
}

export function registerTransaction(server: RpcServer, ctx: RpcContext, limits: TransactionLimits = TRANSACTION_LIMITS): void {
  const { pool } = ctx;

  // ---------------------------------------------------------------- transactionWatch_v1
  server.subscription({
    subscribe: "transactionWatch_v1_submitAndWatch", notification: "transactionWatch_v1_watchEvent",
    unsubscribe: "transactionWatch_v1_unwatch", params: ["transaction"],
  }, (p, sink) => {
    const tx = p.hex(0, "transaction");
    let stop: (() => void) | null = null;
    let ended = false;
    const send = (e: TransactionEvent) => {
      if (ended) return;
      sink.notify(e);
      if (isFinalEvent(e)) {
        ended = true;
        setImmediate(() => sink.close());
      }
    };
    pool.submitAndWatch("External", tx, bestRef(ctx)).then(
      ({ watcher }) => {
        if (sink.closed) return; // unwatched meanwhile; the transaction stays in the pool
        stop = followWatcher(ctx, watcher, send);
      },
      (e) => send(submitErrorEvent(e)),
    );
    return () => {
      ended = true;
      stop?.();
    };
  });

  // ---------------------------------------------------------------- transaction_v1
  interface Broadcast {
    connectionId: number;
    stop: (() => void) | null;
  }
  const ops = new Map<string, Broadcast>();
  const perConnection = new Map<number, number>();
  const end = (id: string) => {
    const op = ops.get(id);
    if (op === undefined) return;
    ops.delete(id);
    op.stop?.();
    const n = (perConnection.get(op.connectionId) ?? 1) - 1;
    if (n <= 0) perConnection.delete(op.connectionId);
    else perConnection.set(op.connectionId, n);
  };

  server.method("transaction_v1_broadcast", (p: RpcParams, call) => {
    const tx = p.hex(0, "transaction");
    const mine = perConnection.get(call.connectionId) ?? 0;
    if (mine >= limits.maxBroadcastsPerConnection || ops.size >= limits.maxBroadcasts) return null;
    let id = randomBytes(8).toString("hex");
    while (ops.has(id)) id = randomBytes(8).toString("hex");
    const op: Broadcast = { connectionId: call.connectionId, stop: null };
    ops.set(id, op);
    perConnection.set(call.connectionId, mine + 1);
    // Invalid transactions are dropped silently; the operation ends when the transaction's fate is known.
    pool.submitAndWatch("External", tx, bestRef(ctx)).then(
      ({ watcher }) => {
        if (ops.get(id) !== op) return;
        op.stop = followWatcher(ctx, watcher, (e) => {
          if (isFinalEvent(e)) setImmediate(() => end(id));
        });
      },
      () => end(id),
    );
    return id;
  }, { params: ["transaction"] });

  server.method("transaction_v1_stop", (p: RpcParams, call) => {
    const id = p.string(0, "operationId");
    const op = ops.get(id);
    if (op === undefined || op.connectionId !== call.connectionId) throw new RpcError(INVALID_PARAMS_CODE, "Invalid operation id");
    end(id);
    return null;
  }, { params: ["operationId"] });
}
