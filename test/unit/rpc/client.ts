/** A tiny raw JSON-RPC WebSocket client for the server tests. */
import { WebSocket } from "ws";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = any;

export class TestClient {
  private readonly inbox: Msg[] = [];
  private readonly waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private nextId = 1;
  readonly closed: Promise<void>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.inbox.push(m);
    });
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
  }

  static connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once("open", () => resolve(new TestClient(ws)));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Next message matching `pred` (already received or future), in arrival order. */
  waitFor(pred: (m: Msg) => boolean, timeoutMs = 2000): Promise<Msg> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m: Msg) => (clearTimeout(t), resolve(m)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error("timed out waiting for a message"));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  next(timeoutMs?: number): Promise<Msg> {
    return this.waitFor(() => true, timeoutMs);
  }

  /** Sends a request and resolves with the whole response object. */
  request(method: string, params?: unknown): Promise<Record<string, any>> {
    const id = this.nextId++;
    const req: Record<string, unknown> = { jsonrpc: "2.0", id, method };
    if (params !== undefined) req.params = params;
    this.ws.send(JSON.stringify(req));
    return this.waitFor((m) => !Array.isArray(m) && m.id === id) as Promise<Record<string, any>>;
  }

  /** Messages received but not consumed yet. */
  get pending(): readonly Msg[] {
    return this.inbox;
  }

  close(): Promise<void> {
    this.ws.close();
    return this.closed;
  }
}
