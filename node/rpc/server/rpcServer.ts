/**
 * The JSON-RPC server: WebSocket and HTTP POST on one port, with Substrate's (jsonrpsee's) limits,
 * error codes, CORS and unsafe-method policy. Method modules register on it with `method()` and
 * `subscription()`.
 *
 * SPEC: paritytech/jsonrpsee `server/src/{server.rs,transport/ws.rs,transport/http.rs}`,
 * paritytech/polkadot-sdk `substrate/client/rpc-servers/src/{lib.rs,utils.rs}`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { RpcError } from "../errors.ts";
import { RpcConnection } from "./connection.ts";
import { CorsPolicy } from "./cors.ts";
import { RpcDispatcher, type Outcome } from "./dispatcher.ts";
import type {
  MethodHandler,
  MethodOptions,
  RpcCallContext,
  RpcLogger,
  RpcMethodsPolicy,
  RpcServerOptions,
  SubscriptionDef,
  SubscriptionHandler,
} from "./types.ts";

const MIB = 1024 * 1024;

/** Substrate's defaults (`sc-cli` `RpcParams`). */
export const RPC_DEFAULTS = {
  maxConnections: 100,
  maxRequestSize: 15 * MIB,
  maxResponseSize: 15 * MIB,
  maxSubscriptionsPerConnection: 1024,
  pingIntervalMs: 30_000,
} as const;

/** jsonrpsee `PingConfig::max_failures` as configured by Substrate. */
const MAX_MISSED_PINGS = 3;
/** How long `close()` waits for clients to answer the close frame before cutting connections. */
const CLOSE_GRACE_MS = 250;

const JSON_CONTENT_TYPES = new Set([
  "application/json",
  "application/json; charset=utf-8",
  "application/json;charset=utf-8",
  "application/json-rpc",
  "application/json-rpc;charset=utf-8",
  "application/json-rpc; charset=utf-8",
]);

function isLoopback(address: string): boolean {
  return address === "::1" || address === "localhost" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

export class RpcServer {
  private readonly dispatcher: RpcDispatcher;
  private readonly cors: CorsPolicy;
  private readonly policy: RpcMethodsPolicy;
  private readonly logger: RpcLogger | null;
  private readonly maxConnections: number;
  private readonly maxRequestSize: number;
  private readonly pingIntervalMs: number;
  private readonly oversizedRequest: string;

  private http: Server | null = null;
  private wss: WebSocketServer | null = null;
  private readonly sockets = new Map<WebSocket, RpcConnection>();
  private httpInFlight = 0;
  private nextConnectionId = 1;
  private unsafeAllowedNow = false;
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(opts: RpcServerOptions = {}) {
    this.logger = opts.logger ?? null;
    this.maxConnections = opts.maxConnections ?? RPC_DEFAULTS.maxConnections;
    this.maxRequestSize = opts.maxRequestSize ?? RPC_DEFAULTS.maxRequestSize;
    this.pingIntervalMs = opts.pingIntervalMs ?? RPC_DEFAULTS.pingIntervalMs;
    this.policy = opts.methods ?? "auto";
    this.cors = new CorsPolicy(opts.cors === undefined ? "all" : opts.cors);
    this.dispatcher = new RpcDispatcher(
      {
        maxResponseSize: opts.maxResponseSize ?? RPC_DEFAULTS.maxResponseSize,
        maxSubscriptionsPerConnection: opts.maxSubscriptionsPerConnection ?? RPC_DEFAULTS.maxSubscriptionsPerConnection,
        maxBatchSize: opts.maxBatchSize,
        batchRequests: opts.batchRequests ?? true,
      },
      this.logger,
    );
    this.oversizedRequest = this.dispatcher.error(null, RpcError.oversizedRequest(this.maxRequestSize));
    this.unsafeAllowedNow = this.policy === "unsafe";
  }

  /** Registers a method (and its aliases). Throws on a duplicate name. */
  method(name: string, handler: MethodHandler, opts?: MethodOptions): void {
    this.dispatcher.method(name, handler, opts);
  }

  /** Registers a subscribe/notification/unsubscribe triple (and aliases). Throws on a duplicate name. */
  subscription(def: SubscriptionDef, handler: SubscriptionHandler): void {
    this.dispatcher.subscription(def, handler);
  }

  /** Whether a method name (canonical or alias) is registered. */
  hasMethod(name: string): boolean {
    return this.dispatcher.has(name);
  }

  /** Canonical method names (no aliases), sorted, for `rpc_methods`; unsafe ones only when allowed. */
  methodNames(): string[] {
    return this.dispatcher.methodNames(this.unsafeAllowed);
  }

  /** Whether unsafe methods are callable (`auto`: only once listening on a loopback address). */
  get unsafeAllowed(): boolean {
    return this.unsafeAllowedNow;
  }

  /** Live WebSocket connections. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Binds `host:port` (port 0 picks a free one) and returns the bound address. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    if (this.http !== null) throw new Error("RpcServer is already listening");
    const http = createServer({ keepAlive: true }, (req, res) => this.onHttpRequest(req, res));
    // Keep idle HTTP connections longer than clients' pools do (undici: 4 s), so a client never
    // reuses a socket the server is closing at that moment ("other side closed").
    http.keepAliveTimeout = 65_000;
    http.headersTimeout = 66_000;
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      clientTracking: false,
      // Frames between maxRequestSize and this get a -32007 reply and the connection survives,
      // as in jsonrpsee; beyond it ws closes the connection with 1009.
      maxPayload: Math.max(2 * this.maxRequestSize, this.maxRequestSize + MIB),
    });
    http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    http.on("clientError", (_e, socket) => socket.destroy());
    this.http = http;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        this.http = null;
        this.wss = null;
        reject(e);
      };
      http.once("error", onError);
      http.listen(port, host, () => {
        http.removeListener("error", onError);
        resolve();
      });
    });
    http.on("error", (e) => this.logger?.error("RPC server error", { error: e.message }));
    const addr = http.address() as AddressInfo;
    this.unsafeAllowedNow = this.policy === "unsafe" || (this.policy === "auto" && isLoopback(addr.address));
    if (this.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.pingAll(), this.pingIntervalMs);
      this.pingTimer.unref();
    }
    this.logger?.info("Running JSON-RPC server", { addr: `${addr.address}:${addr.port}`, unsafe: this.unsafeAllowedNow });
    return { host: addr.address, port: addr.port };
  }

  /** Closes every connection (running subscription cleanups) and frees the port. */
  async close(): Promise<void> {
    const http = this.http;
    if (http === null) return;
    this.http = null;
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    const wss = this.wss;
    this.wss = null; // refuses further upgrades
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve())); // stops accepting
    http.closeIdleConnections();
    // Send close frames, give clients a moment to answer them, then cut whatever is left.
    const sockets = [...this.sockets];
    this.sockets.clear();
    const closed: Promise<void>[] = [];
    for (const [ws, conn] of sockets) {
      conn.dispose();
      closed.push(new Promise((resolve) => ws.once("close", () => resolve())));
      ws.close(1001, "server shutting down");
    }
    if (closed.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(timer);
      for (const [ws] of sockets) ws.terminate();
    }
    wss?.close();
    http.closeAllConnections();
    await httpClosed;
  }

  // ---------------------------------------------------------------- WebSocket

  private connectionsInUse(): number {
    return this.sockets.size + this.httpInFlight;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const wss = this.wss;
    if (wss === null) return void socket.destroy();
    if (!this.cors.allows(req.headers.origin)) {
      this.logger?.debug("WebSocket origin refused", { origin: req.headers.origin });
      return rejectUpgrade(socket, 403, "Forbidden", "Origin of the request is not allowed.\n");
    }
    if (this.connectionsInUse() >= this.maxConnections) {
      this.logger?.debug("Too many connections", { max: this.maxConnections });
      return rejectUpgrade(socket, 429, "Too Many Requests", "Too many connections. Please try again later.");
    }
    // ws completes a valid handshake synchronously, so the connection is counted before the next upgrade.
    wss.handleUpgrade(req, socket, head, (ws) => this.onWebSocket(ws, req));
  }

  private onWebSocket(ws: WebSocket, req: IncomingMessage): void {
    const ctx: RpcCallContext = {
      transport: "ws",
      connectionId: this.nextConnectionId++,
      remoteAddress: req.socket.remoteAddress,
      unsafeAllowed: this.unsafeAllowedNow,
    };
    const conn = new RpcConnection(ctx, (text) => ws.send(text), this.logger);
    this.sockets.set(ws, conn);
    ws.on("message", (data: Buffer, isBinary: boolean) => this.onWsMessage(conn, data, isBinary));
    ws.on("pong", () => {
      conn.lastSeen = Date.now();
      conn.missedPings = 0;
    });
    ws.on("error", (e) => this.logger?.debug("WebSocket error", { connection: ctx.connectionId, error: e.message }));
    ws.once("close", () => {
      this.sockets.delete(ws);
      conn.dispose();
    });
  }

  private onWsMessage(conn: RpcConnection, data: Buffer | ArrayBuffer | Buffer[], _isBinary: boolean): void {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (buf.length > this.maxRequestSize) {
      conn.send!(this.oversizedRequest);
      return;
    }
    let out: Outcome;
    try {
      out = this.dispatcher.process(buf.toString("utf8"), conn);
    } catch (e) {
      this.logger?.error("RPC dispatch failed", { error: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (out === null) return;
    if (typeof out === "string") conn.send!(out);
    else
      out.then(
        (text) => {
          if (text !== null && !conn.closed) conn.send!(text);
        },
        (e) => this.logger?.error("RPC dispatch failed", { error: e instanceof Error ? e.message : String(e) }),
      );
  }

  private pingAll(): void {
    const now = Date.now();
    for (const [ws, conn] of this.sockets) {
      if (now - conn.lastSeen > 2 * this.pingIntervalMs) {
        if (++conn.missedPings >= MAX_MISSED_PINGS) {
          this.logger?.debug("WebSocket inactive; closing", { connection: conn.ctx.connectionId });
          ws.terminate();
          continue;
        }
      }
      ws.ping();
    }
  }

  // ---------------------------------------------------------------- HTTP

  private onHttpRequest(req: IncomingMessage, res: ServerResponse): void {
    const headers = req.headers;
    if (!this.cors.allows(headers.origin)) {
      return plain(res, 403, "Origin of the request is not allowed.\n");
    }
    const method = req.method;
    if (method === "OPTIONS") {
      this.cors.apply(res, headers, true);
      res.writeHead(200, { "content-length": "0" });
      res.end();
      return;
    }
    this.cors.apply(res, headers, false);
    if (method === "GET" && (req.url === "/health" || req.url === "/health/readiness")) {
      return this.health(req.url === "/health/readiness", res);
    }
    if (method !== "POST") return plain(res, 405, "Used HTTP Method is not allowed. POST is required\n");
    const ct = headers["content-type"];
    if (ct === undefined || !JSON_CONTENT_TYPES.has(ct.toLowerCase())) {
      return plain(res, 415, "Supplied content type is not allowed. Content-Type: application/json is required\n");
    }
    if (this.connectionsInUse() >= this.maxConnections) {
      return plain(res, 429, "Too many connections. Please try again later.");
    }
    const declared = headers["content-length"];
    if (declared !== undefined && Number(declared) > this.maxRequestSize) {
      res.setHeader("connection", "close");
      return json(res, 413, this.oversizedRequest);
    }

    this.httpInFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.httpInFlight--;
      }
    };
    res.once("close", release);

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > this.maxRequestSize) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on("error", release);
    req.on("end", () => {
      if (tooLarge) {
        res.setHeader("connection", "close");
        return json(res, 413, this.oversizedRequest);
      }
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString("utf8");
      if (!/^\s*[[{]/.test(text.slice(0, 128))) return json(res, 400, this.dispatcher.error(null, RpcError.parseError()));
      const conn = new RpcConnection(
        { transport: "http", connectionId: this.nextConnectionId++, remoteAddress: req.socket.remoteAddress, unsafeAllowed: this.unsafeAllowedNow },
        null,
        this.logger,
      );
      let out: Outcome;
      try {
        out = this.dispatcher.process(text, conn);
      } catch (e) {
        this.logger?.error("RPC dispatch failed", { error: e instanceof Error ? e.message : String(e) });
        return json(res, 500, this.dispatcher.error(null, RpcError.internal()));
      }
      if (out === null || typeof out === "string") return json(res, 200, out ?? "");
      out.then(
        (text) => json(res, 200, text ?? ""),
        () => json(res, 500, this.dispatcher.error(null, RpcError.internal())),
      );
    });
  }

  /** Substrate's `NodeHealthProxyLayer`: `GET /health` → `system_health`; `/health/readiness` → 200 or 500. */
  private health(readiness: boolean, res: ServerResponse): void {
    if (!this.dispatcher.has("system_health")) return plain(res, 404, "Not found\n");
    const conn = new RpcConnection(
      { transport: "http", connectionId: this.nextConnectionId++, remoteAddress: undefined, unsafeAllowed: this.unsafeAllowedNow },
      null,
      this.logger,
    );
    Promise.resolve()
      .then(() => this.dispatcher.callDirect("system_health", conn))
      .then(
        (h) => {
          if (!readiness) return json(res, 200, JSON.stringify(h));
          const health = h as { peers?: number; isSyncing?: boolean; shouldHavePeers?: boolean };
          const ready = health.isSyncing !== true && ((health.peers ?? 0) > 0 || health.shouldHavePeers !== true);
          res.writeHead(ready ? 200 : 500, { "content-length": "0" });
          res.end();
        },
        () => {
          res.writeHead(500, { "content-length": "0" });
          res.end();
        },
      );
  }
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.once("finish", () => socket.destroy());
}
