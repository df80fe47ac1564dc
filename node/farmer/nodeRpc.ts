/**
 * The farmer's view of its node (`NodeRpcClient` of the reference farmer): the `subspace_*` farmer
 * RPC with typed values, over one WebSocket that is re-established when the node goes away.
 *
 * - Calls made while disconnected wait for the reconnection (or fail with the fatal error).
 * - Subscriptions are remembered and re-made on every new connection.
 * - A node that does not come back within `reconnectTimeoutMs`, or comes back on another chain,
 *   is fatal: `fatal` fires once and every waiting call rejects with a `NodeRpcError`.
 */
import { EventEmitter } from "node:events";
import { fromHex, toHex, equalBytes } from "../../framework/codec/bytes.ts";
import { segmentHeaderFromJson, type SegmentHeader, type SegmentHeaderJson } from "../../framework/primitives/subspace/core/index.ts";
import type { Solution } from "../../framework/primitives/subspace/sectors/index.ts";
import type { PieceSelection } from "../../framework/primitives/subspace/sectors/index.ts";
import type { Logger } from "../service/logger.ts";
import { RpcClient, RpcClientError } from "./rpcClient.ts";

export type NodeRpcErrorCode = "NODE_RPC_ERROR_UNREACHABLE" | "NODE_RPC_ERROR_GONE" | "NODE_RPC_ERROR_OTHER_CHAIN" | "NODE_RPC_ERROR_UNSAFE_DENIED" | "NODE_RPC_ERROR_BAD_ANSWER";

export class NodeRpcError extends Error {
  constructor(
    readonly code: NodeRpcErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `subspace_getFarmerAppInfo`, decoded. */
export interface FarmerAppInfo {
  readonly genesisHash: Uint8Array;
  readonly syncing: boolean;
  readonly farmingTimeoutMs: number;
  readonly historySize: bigint;
  readonly pieceSelection: PieceSelection;
  readonly minSectorLifetime: bigint;
}

/** `subspace_slot_info`, decoded. */
export interface SlotInfo {
  readonly slotNumber: number;
  readonly globalChallenge: Uint8Array;
  readonly solutionRange: bigint;
  readonly votingSolutionRange: bigint;
}

/** `subspace_reward_signing`, decoded. */
export interface RewardSigningInfo {
  readonly hash: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface NodeRpcOptions {
  readonly url: string;
  /** How long the first connection is tried before giving up. */
  readonly connectTimeoutMs: number;
  /** How long a lost connection is retried before giving up (0: give up at once). */
  readonly reconnectTimeoutMs: number;
  readonly retryIntervalMs?: number;
  /** Per-request answer timeout. */
  readonly requestTimeoutMs?: number;
}

interface Subscription {
  readonly method: string;
  readonly params: unknown[];
  readonly onResult: (r: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

import { solutionToJson } from "../../framework/primitives/subspace/sectors/solution.ts";
export { solutionToJson };

function bytesOf(v: unknown, what: string, len?: number): Uint8Array {
  if (typeof v !== "string" || !/^(0x)?([0-9a-fA-F]{2})*$/.test(v)) throw new NodeRpcError("NODE_RPC_ERROR_BAD_ANSWER", `${what} is not hex`);
  const b = fromHex(v.startsWith("0x") ? v : `0x${v}`);
  if (len !== undefined && b.length !== len) throw new NodeRpcError("NODE_RPC_ERROR_BAD_ANSWER", `${what} is ${b.length} bytes, expected ${len}`);
  return b;
}

function bigintOf(v: unknown, what: string): bigint {
  if ((typeof v === "string" && /^\d+$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw new NodeRpcError("NODE_RPC_ERROR_BAD_ANSWER", `${what} is not a non-negative integer`);
}

export function parseFarmerAppInfo(j: any): FarmerAppInfo {
  const p = j?.protocolInfo;
  const frac = p?.recentHistoryFraction;
  if (!Array.isArray(frac) || frac.length !== 2) throw new NodeRpcError("NODE_RPC_ERROR_BAD_ANSWER", "protocolInfo.recentHistoryFraction is not a pair");
  const timeout = j?.farmingTimeout;
  return {
    genesisHash: bytesOf(j?.genesisHash, "genesisHash", 32),
    syncing: j?.syncing === true,
    farmingTimeoutMs: timeout && typeof timeout.secs === "number" ? timeout.secs * 1000 + Math.floor((timeout.nanos ?? 0) / 1e6) : 0,
    historySize: bigintOf(p?.historySize, "protocolInfo.historySize"),
    pieceSelection: {
      maxPiecesInSector: Number(bigintOf(p?.maxPiecesInSector, "protocolInfo.maxPiecesInSector")),
      recentSegments: bigintOf(p?.recentSegments, "protocolInfo.recentSegments"),
      recentHistoryFraction: [bigintOf(frac[0], "recentHistoryFraction[0]"), bigintOf(frac[1], "recentHistoryFraction[1]")],
    },
    minSectorLifetime: bigintOf(p?.minSectorLifetime, "protocolInfo.minSectorLifetime"),
  };
}

export function parseSlotInfo(j: any): SlotInfo {
  return {
    slotNumber: Number(bigintOf(j?.slotNumber, "slotNumber")),
    globalChallenge: bytesOf(j?.globalChallenge, "globalChallenge", 32),
    solutionRange: bigintOf(j?.solutionRange, "solutionRange"),
    votingSolutionRange: bigintOf(j?.votingSolutionRange, "votingSolutionRange"),
  };
}

export function parseRewardSigningInfo(j: any): RewardSigningInfo {
  return { hash: bytesOf(j?.hash, "hash", 32), publicKey: bytesOf(j?.publicKey, "publicKey", 32) };
}

export class NodeRpc extends EventEmitter<{ fatal: [NodeRpcError]; lost: [string]; reconnected: [] }> {
  private client: RpcClient | undefined;
  private connecting: Promise<RpcClient> | undefined;
  private readonly subscriptions: Subscription[] = [];
  private genesisHash: Uint8Array | undefined;
  private fatalError: NodeRpcError | undefined;
  private stopped = false;

  constructor(
    private readonly o: NodeRpcOptions,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Connects for the first time and reads the farmer app info (remembering the chain). */
  async connect(): Promise<FarmerAppInfo> {
    this.connecting = this.establish(this.o.connectTimeoutMs, false);
    await this.connecting;
    const info = await this.farmerAppInfo();
    this.genesisHash = info.genesisHash;
    return info;
  }

  get fatal(): NodeRpcError | undefined {
    return this.fatalError;
  }

  /** A call that waits through reconnections (for idempotent reads). */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    for (;;) {
      const c = await this.current();
      try {
        return await c.request<T>(method, params, this.o.requestTimeoutMs);
      } catch (e) {
        if (e instanceof RpcClientError && e.code === "RPC_CLIENT_ERROR_CLOSED" && !this.stopped) continue;
        throw this.explain(method, e as Error);
      }
    }
  }

  /** A call made once, on the current connection only (submissions: stale after a reconnection). */
  async callOnce<T>(method: string, params: unknown[] = []): Promise<T> {
    const c = this.client;
    if (c === undefined || c.isClosed) throw new RpcClientError("RPC_CLIENT_ERROR_CLOSED", `${method}: not connected`);
    try {
      return await c.request<T>(method, params, this.o.requestTimeoutMs);
    } catch (e) {
      throw this.explain(method, e as Error);
    }
  }

  /** Subscribes now and again after every reconnection. */
  async subscribe(method: string, params: unknown[], onResult: (r: unknown) => void): Promise<void> {
    const s = { method, params, onResult };
    this.subscriptions.push(s);
    const c = await this.current();
    try {
      await c.subscribe(method, params, onResult);
    } catch (e) {
      if (e instanceof RpcClientError && e.code === "RPC_CLIENT_ERROR_CLOSED") return; // re-made on reconnection
      throw this.explain(method, e as Error);
    }
  }

  async farmerAppInfo(): Promise<FarmerAppInfo> {
    return parseFarmerAppInfo(await this.call("subspace_getFarmerAppInfo"));
  }

  async piece(index: bigint): Promise<Uint8Array | undefined> {
    const hex = await this.call<string | null>("subspace_piece", [Number(index)]);
    return hex === null ? undefined : bytesOf(hex, `piece ${index}`);
  }

  async segmentHeaders(indexes: bigint[]): Promise<(SegmentHeader | undefined)[]> {
    const list = await this.call<(SegmentHeaderJson | null)[]>("subspace_segmentHeaders", [indexes.map(Number)]);
    return list.map((j) => (j === null ? undefined : segmentHeaderFromJson(j)));
  }

  async lastSegmentHeaders(limit: number): Promise<SegmentHeader[]> {
    const list = await this.call<SegmentHeaderJson[]>("subspace_lastSegmentHeaders", [limit]);
    return list.map(segmentHeaderFromJson);
  }

  submitSolution(slotNumber: number, solution: Solution): Promise<null> {
    return this.callOnce("subspace_submitSolutionResponse", [{ slotNumber, solution: solutionToJson(solution) }]);
  }

  submitRewardSignature(hash: Uint8Array, signature: Uint8Array | undefined): Promise<null> {
    return this.callOnce("subspace_submitRewardSignature", [{ hash: toHex(hash), signature: signature === undefined ? null : toHex(signature) }]);
  }

  close(): void {
    this.stopped = true;
    this.client?.close();
  }

  private current(): Promise<RpcClient> {
    if (this.fatalError) return Promise.reject(this.fatalError);
    if (this.client !== undefined && !this.client.isClosed) return Promise.resolve(this.client);
    if (this.connecting === undefined) return Promise.reject(new NodeRpcError("NODE_RPC_ERROR_UNREACHABLE", "not connected"));
    return this.connecting;
  }

  /** Tries to connect until `timeoutMs` has passed; on a reconnection, checks the chain and re-subscribes. */
  private async establish(timeoutMs: number, reconnect: boolean): Promise<RpcClient> {
    const deadline = Date.now() + timeoutMs;
    let lastError = "";
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new NodeRpcError("NODE_RPC_ERROR_GONE", "farmer stopping");
      try {
        const c = await RpcClient.connect(this.o.url, { timeoutMs: this.o.requestTimeoutMs });
        try {
          if (reconnect) {
            const info = parseFarmerAppInfo(await c.request("subspace_getFarmerAppInfo"));
            if (this.genesisHash !== undefined && !equalBytes(info.genesisHash, this.genesisHash)) {
              throw this.fail(new NodeRpcError("NODE_RPC_ERROR_OTHER_CHAIN", `the node at ${this.o.url} now serves another chain (genesis ${toHex(info.genesisHash)})`));
            }
            for (const s of this.subscriptions) await c.subscribe(s.method, s.params, s.onResult);
          }
        } catch (e) {
          c.close();
          throw e;
        }
        if (c.isClosed) throw new Error("connection closed during setup");
        this.client = c;
        c.once("close", (reason) => this.onClose(c, reason));
        if (reconnect) {
          this.log.info(`🔌 Reconnected to the node at ${this.o.url}`);
          this.emit("reconnected");
        }
        return c;
      } catch (e) {
        if (e instanceof NodeRpcError && e.code === "NODE_RPC_ERROR_OTHER_CHAIN") throw e;
        lastError = (e as Error).message;
        if (Date.now() + (this.o.retryIntervalMs ?? 1_000) > deadline) {
          const what = reconnect
            ? `the node at ${this.o.url} went away and did not come back within ${Math.round(timeoutMs / 1000)} s (${lastError})`
            : `cannot connect to the node at ${this.o.url} (${lastError}); is \`subspace-node run --dev\` (or --farmer) running there?`;
          throw this.fail(new NodeRpcError(reconnect ? "NODE_RPC_ERROR_GONE" : "NODE_RPC_ERROR_UNREACHABLE", what));
        }
        if (attempt === 0 && !reconnect) this.log.info(`Waiting for the node at ${this.o.url}…`);
        await sleep(this.o.retryIntervalMs ?? 1_000);
      }
    }
  }

  private onClose(c: RpcClient, reason: string): void {
    if (this.stopped || c !== this.client || this.fatalError) return;
    this.log.warn(`⚠️  Lost the connection to the node (${reason}); reconnecting for up to ${Math.round(this.o.reconnectTimeoutMs / 1000)} s`);
    this.emit("lost", reason);
    this.connecting = this.establish(this.o.reconnectTimeoutMs, true);
    this.connecting.catch(() => {}); // reported through `fatal`
  }

  private fail(e: NodeRpcError): NodeRpcError {
    if (this.fatalError === undefined) {
      this.fatalError = e;
      this.client?.close();
      this.emit("fatal", e);
    }
    return this.fatalError;
  }

  private explain(method: string, e: Error): Error {
    if (e instanceof RpcClientError && e.code === "RPC_CLIENT_ERROR_REMOTE" && (e.rpcCode === -32601 || /unsafe/i.test(e.message))) {
      return new NodeRpcError("NODE_RPC_ERROR_UNSAFE_DENIED", `the node refused ${method} (${e.message}): farming needs the node's unsafe RPC methods (--rpc-methods unsafe, or auto on loopback)`);
    }
    return e;
  }
}

/**
 * The range a farmer audits with: the voting range (as the reference's farmer), so solutions that
 * are not good enough for a block still earn votes; the node tells blocks and votes apart.
 */
export const auditRange = (info: { solutionRange: bigint; votingSolutionRange: bigint }): bigint =>
  info.votingSolutionRange > info.solutionRange ? info.votingSolutionRange : info.solutionRange;
