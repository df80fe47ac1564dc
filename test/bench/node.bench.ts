/**
 * Node benchmarks (issue 3), each against a limit measured in the same run:
 * - end-to-end transfers/s sustained through RPC into blocks (pre-signed by a separate process),
 *   against the runtime-only rate of building a block of the same transfers in-process;
 * - state_getStorage requests/s over one WebSocket with 100 in flight, against a bare ws echo server;
 * - resident memory of the node process after many blocks with transfers (flatness per block).
 * Env: BENCH_TPS_SECONDS (default 60), BENCH_BLOCKS (default 10000).
 */
import { spawnSync, fork } from "node:child_process";
import { readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket, { WebSocketServer } from "ws";
import { report } from "./report.ts";
import { startNodeProcess, rpc } from "../utils/node.ts";
import { devChain, produce } from "../runtime/helpers.ts";
import { presign } from "./presign.ts";
import { decodePrefix, compactU32 } from "../../framework/codec/ty.ts";
import { fromHex } from "../../framework/codec/bytes.ts";

const here = dirname(fileURLToPath(import.meta.url));
const TPS_SECONDS = Number(process.env.BENCH_TPS_SECONDS ?? 60);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 10_000);

function splitExtrinsics(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < buf.length) {
    const [len, used] = decodePrefix(compactU32, buf.subarray(off));
    out.push(buf.slice(off, off + used + len));
    off += used + len;
  }
  return out;
}

/** A pipelined JSON-RPC client over one WebSocket. */
class WsClient {
  private next = 1;
  private readonly waiting = new Map<number, (m: any) => void>();
  readonly subs = new Map<string, (r: any) => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => {
      const m = JSON.parse(String(d));
      if (m.id !== undefined) {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        w?.(m);
      } else if (m.params?.subscription) this.subs.get(m.params.subscription)?.(m.params.result);
    });
  }
  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
      ws.once("open", () => resolve(new WsClient(ws)));
      ws.once("error", reject);
    });
  }
  call(method: string, params: unknown[]): Promise<any> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }
  close(): void {
    this.ws.close();
  }
}

async function runtimeOnlyRate(): Promise<number> {
  const chain = await devChain();
  const txs = await presign(chain.genesisHash, 170);
  const t0 = performance.now();
  const b = produce(chain, txs);
  const ms = performance.now() - t0;
  if (b.extrinsics.length !== txs.length + 1) throw new Error("runtime-only block did not include every transfer");
  return (txs.length / ms) * 1000;
}

async function endToEndTps(): Promise<{ tps: number; blocks: number }> {
  const node = await startNodeProcess(["--dev", "--sealing", "interval", "--dev-block-time", "1000", "--log", "dev-seal=warn"]);
  try {
    const genesis = (await rpc(node.httpUrl, "chain_getBlockHash", [0])).result as string;
    const perAccount = Math.ceil((TPS_SECONDS * 2000) / 6);
    const file = join(mkdtempSync(join(tmpdir(), "bench-")), "txs.bin");
    // Sign in a separate process.
    const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "presign.ts"), genesis, String(perAccount), file], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`presign failed: ${r.stderr}`);
    const txs = splitExtrinsics(new Uint8Array(readFileSync(file))).map((t) => "0x" + Buffer.from(t).toString("hex"));
    rmSync(dirname(file), { recursive: true, force: true });
    const client = await WsClient.open(node.wsUrl);
    // Count included transfers per block from new heads.
    const included: { at: number; count: number }[] = [];
    const sub = (await client.call("chain_subscribeNewHeads", [])).result as string;
    const counting = await WsClient.open(node.wsUrl);
    client.subs.set(sub, (h: any) => {
      void client.call("chain_getBlockHash", [parseInt(h.number, 16)]).then(async (hr) => {
        const b = await counting.call("chain_getBlock", [hr.result]);
        included.push({ at: performance.now(), count: b.result.block.extrinsics.length - 1 });
      });
    });
    // Submit with a bounded window so the pool stays within its limits.
    let nextTx = 0;
    let inflight = 0;
    let rejected = 0;
    const start = performance.now();
    const deadline = start + TPS_SECONDS * 1000;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (inflight < 256 && nextTx < txs.length && performance.now() < deadline) {
          inflight++;
          const tx = txs[nextTx++]!;
          void client.call("author_submitExtrinsic", [tx]).then((res) => {
            inflight--;
            if (res.error) {
              rejected++;
              if (res.error.code === 1016 || res.error.code === 1012) nextTx = Math.max(0, nextTx); // pool full: keep going
            }
            pump();
          });
        }
        if (performance.now() >= deadline || nextTx >= txs.length) {
          if (inflight === 0) resolve();
        }
      };
      pump();
      const t = setInterval(() => {
        if (performance.now() >= deadline) {
          clearInterval(t);
          const wait = setInterval(() => {
            if (inflight === 0) {
              clearInterval(wait);
              resolve();
            }
          }, 50);
        }
      }, 100);
    });
    await new Promise((r) => setTimeout(r, 2500));
    const inWindow = included.filter((b) => b.at >= start + 2000 && b.at <= deadline);
    const total = inWindow.reduce((a, b) => a + b.count, 0);
    const seconds = (Math.min(deadline, inWindow.at(-1)?.at ?? deadline) - (start + 2000)) / 1000;
    client.close();
    counting.close();
    if (rejected) process.stderr.write(`(${rejected} submissions rejected)\n`);
    return { tps: total / Math.max(seconds, 1e-9), blocks: inWindow.length };
  } finally {
    await node.stop();
    rmSync(node.basePath, { recursive: true, force: true });
  }
}

async function rpcRate(url: string, method: string, params: unknown[], seconds = 5): Promise<number> {
  const c = await WsClient.open(url);
  let done = 0;
  let stop = false;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let inflight = 0;
    const go = () => {
      while (!stop && inflight < 100) {
        inflight++;
        void c.call(method, params).then(() => {
          inflight--;
          done++;
          if (performance.now() - t0 > seconds * 1000) stop = true;
          if (stop && inflight === 0) resolve();
          else go();
        });
      }
    };
    go();
  });
  const rate = done / ((performance.now() - t0) / 1000);
  c.close();
  return rate;
}

async function storageRpcRate(): Promise<{ ours: number; bare: number }> {
  // The bare echo server runs in its own process, like the node.
  const echo = fork(join(here, "echoServer.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const port: number = await new Promise((r) => echo.once("message", (m: any) => r(m.port)));
  const bare = await rpcRate(`ws://127.0.0.1:${port}`, "state_getStorage", ["0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac"]);
  echo.kill();
  const node = await startNodeProcess(["--dev", "--dev-block-time", "5000", "--log", "dev-seal=warn"]);
  try {
    const aliceKey = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
    const ours = await rpcRate(node.wsUrl, "state_getStorage", [aliceKey]);
    return { ours, bare };
  } finally {
    await node.stop();
    rmSync(node.basePath, { recursive: true, force: true });
  }
}

function rssOf(pid: number): number {
  const s = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(s)![1]) * 1024;
}

async function memoryAfterBlocks(): Promise<{ early: number; late: number; blocks: number; perBlock: number }> {
  const node = await startNodeProcess(["--dev", "--dev-block-time", "1", "--log", "dev-seal=warn", "--unsafe-no-sync"]);
  try {
    const genesis = (await rpc(node.httpUrl, "chain_getBlockHash", [0])).result as string;
    const txs = (await presign(fromHex(genesis), Math.ceil(BLOCKS / 6) + 10)).map((t) => "0x" + Buffer.from(t).toString("hex"));
    const client = await WsClient.open(node.wsUrl);
    let i = 0;
    const best = async () => parseInt((await client.call("chain_getHeader", [])).result.number, 16);
    let early = 0;
    let earlyBlock = 0;
    for (;;) {
      const n = await best();
      // One transfer per block or so, keeping the chain moving with real state changes.
      for (let k = 0; k < 6 && i < txs.length; k++) void client.call("author_submitExtrinsic", [txs[i++]]);
      if (!early && n >= Math.min(1000, BLOCKS / 10)) {
        early = rssOf(node.proc.pid!);
        earlyBlock = n;
      }
      if (n >= BLOCKS) {
        const late = rssOf(node.proc.pid!);
        client.close();
        return { early, late, blocks: n, perBlock: (late - early) / (n - earlyBlock) };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await node.stop();
    rmSync(node.basePath, { recursive: true, force: true });
  }
}

const only = process.argv.slice(2);
const want = (n: string) => only.length === 0 || only.includes(n);

if (want("tps")) {
  const limit = await runtimeOnlyRate();
  const { tps } = await endToEndTps();
  report("node_e2e_transfers_per_second", tps, "tx/s", limit);
  report("node_e2e_transfers_goal", tps, "tx/s", 1000);
}
if (want("storage")) {
  const { ours, bare } = await storageRpcRate();
  report("rpc_state_getStorage_per_second", ours, "req/s", bare);
}
if (want("memory")) {
  const m = await memoryAfterBlocks();
  report("node_rss_after_blocks", m.late / 2 ** 20, "MiB", null);
  report("node_rss_growth_per_block", m.perBlock / 1024, "KiB/block", null);
}
process.exit(0);

export { WebSocketServer };
