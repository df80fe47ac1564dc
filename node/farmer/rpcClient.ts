/**
 * A small JSON-RPC 2.0 client over one WebSocket (`ws`), enough for the farmer↔node RPC: requests
 * with ids, Substrate-style subscriptions (`{"method": <notification>, "params": {"subscription",
 * "result"}}`), and a `close` event when the socket goes away. Reconnection is the caller's
 * business (see `NodeRpc`): a closed client stays closed and fails every pending call.
 */
import { EventEmitter } from "node:events";
import WebSocket from "ws";

export class RpcClientError extends Error {
  constructor(
    readonly code: "RPC_CLIENT_ERROR_CLOSED" | "RPC_CLIENT_ERROR_TIMEOUT" | "RPC_CLIENT_ERROR_CONNECT" | "RPC_CLIENT_ERROR_REMOTE",
    message: string,
    /** The JSON-RPC error code for `RPC_CLIENT_ERROR_REMOTE`. */
    readonly rpcCode?: number,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class RpcClient extends EventEmitter<{ close: [reason: string] }> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly subscriptions = new Map<string, (result: unknown) => void>();
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly timeoutMs: number,
  ) {
    super();
    ws.on("message", (data) => this.onMessage(data.toString()));
    ws.on("close", (code, reason) => this.shutdown(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`));
    ws.on("error", (e) => this.shutdown(`connection error: ${e.message}`));
  }

  /** Opens a connection; rejects with `RPC_CLIENT_ERROR_CONNECT` when the node does not answer. */
  static connect(url: string, o: { timeoutMs?: number; connectTimeoutMs?: number } = {}): Promise<RpcClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, handshakeTimeout: o.connectTimeoutMs ?? 5_000 });
      const fail = (e: Error) => {
        ws.removeAllListeners();
        ws.on("error", () => {});
        ws.terminate();
        reject(new RpcClientError("RPC_CLIENT_ERROR_CONNECT", `cannot connect to ${url}: ${e.message}`));
      };
      ws.once("error", fail);
      ws.once("open", () => {
        ws.off("error", fail);
        resolve(new RpcClient(ws, o.timeoutMs ?? 30_000));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  request<T = unknown>(method: string, params: unknown[] = [], timeoutMs = this.timeoutMs): Promise<T> {
    if (this.closed) return Promise.reject(new RpcClientError("RPC_CLIENT_ERROR_CLOSED", `${method}: connection closed`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcClientError("RPC_CLIENT_ERROR_TIMEOUT", `${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }), (e) => {
        if (!e) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcClientError("RPC_CLIENT_ERROR_CLOSED", `${method}: ${e.message}`));
      });
    });
  }

  /** Subscribes; `onResult` gets each notification's `result`. Returns the subscription id. */
  async subscribe(method: string, params: unknown[], onResult: (result: unknown) => void): Promise<string> {
    const id = await this.request<string | number>(method, params);
    const key = String(id);
    this.subscriptions.set(key, onResult);
    return key;
  }

  close(): void {
    if (this.closed) return;
    this.ws.close(1000);
    this.shutdown("closed by the farmer");
  }

  private onMessage(text: string): void {
    let msg: any;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg && typeof msg.id === "number" && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id)!;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new RpcClientError("RPC_CLIENT_ERROR_REMOTE", `${msg.error.message ?? "error"} (${msg.error.code})`, msg.error.code));
      else p.resolve(msg.result);
      return;
    }
    const sub = msg?.params?.subscription;
    if (typeof msg?.method === "string" && sub !== undefined) this.subscriptions.get(String(sub))?.(msg.params.result);
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RpcClientError("RPC_CLIENT_ERROR_CLOSED", reason));
    }
    this.pending.clear();
    this.subscriptions.clear();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    this.emit("close", reason);
  }
}
