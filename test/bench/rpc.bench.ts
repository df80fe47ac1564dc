/**
 * JSON-RPC throughput over one WebSocket with 100 requests in flight: `echo` served by RpcServer
 * versus a bare `ws` echo server (JSON.parse + JSON.stringify, no RpcServer) measured the same way
 * in the same run (reference/perf-limits.md §7). Each server runs in its own child process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WebSocket, WebSocketServer } from "ws";
import { report } from "./report.ts";

const IN_FLIGHT = 100;
const WARMUP_MS = 1000;
const MEASURE_MS = 5000;
const ROUNDS = 2;
/** A state_getStorage-like request: one 32-byte hex key. */
const KEY = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9";

type Kind = "rpc" | "bare";

async function serve(kind: Kind): Promise<void> {
  let port: number;
  if (kind === "rpc") {
    const { RpcServer } = await import("../../node/rpc/server/index.ts");
    const server = new RpcServer({ methods: "unsafe", pingIntervalMs: 0 });
    server.method("echo", (params) => params.raw);
    port = (await server.listen("127.0.0.1", 0)).port;
  } else {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    wss.on("connection", (ws) => {
      ws.on("message", (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { id: unknown; params: unknown };
        ws.send(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: m.params }));
      });
    });
    port = (wss.address() as { port: number }).port;
  }
  process.stdout.write(`PORT ${port}\n`);
}

function startChild(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "serve", kind], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`server child exited with ${code}`)));
  });
}

/** Requests per second over one connection with IN_FLIGHT outstanding requests. */
async function measure(port: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let id = 0;
  let received = 0;
  let counting = false;
  let counted = 0;
  const send = () => ws.send(`{"jsonrpc":"2.0","id":${++id},"method":"echo","params":["${KEY}"]}`);
  ws.on("message", () => {
    received++;
    if (counting) counted++;
    send();
  });
  for (let i = 0; i < IN_FLIGHT; i++) send();
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const elapsed = (performance.now() - t0) / 1000;
  counting = false;
  ws.terminate();
  if (received === 0) throw new Error("no responses");
  return counted / elapsed;
}

async function run(kind: Kind): Promise<number> {
  const { child, port } = await startChild(kind);
  try {
    return await measure(port);
  } finally {
    child.kill();
  }
}

if (process.argv[2] === "serve") {
  await serve(process.argv[3] as Kind);
} else {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(await run("bare"));
    ours.push(await run("rpc"));
  }
  const best = (xs: number[]) => Math.max(...xs);
  report("rpc.echo.ws_100_in_flight", best(ours), "req/s", best(bare));
}
