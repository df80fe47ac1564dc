/**
 * Starts `subspace-node` as a separate process, as a user would, on 127.0.0.1 with a free port
 * (port 0, the bound address read back from the log) and a temporary base path.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { fromHex } from "../../framework/codec/bytes.ts";
import { decodeAll } from "../../framework/codec/ty.ts";
import { DigestItem, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const NODE_BIN = join(ROOT, "bin", "subspace-node.js");

export interface NodeProcess {
  proc: ChildProcess;
  port: number;
  wsUrl: string;
  httpUrl: string;
  basePath: string;
  logs: string[];
  /** Graceful stop (SIGINT) and wait for exit. */
  stop(): Promise<void>;
  /** kill -9 and wait for exit. */
  kill9(): Promise<void>;
}

export function tempDir(prefix = "subspace-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function startNodeProcess(args: string[], opts: { basePath?: string; timeoutMs?: number } = {}): Promise<NodeProcess> {
  // A base path made here belongs to this process handle: it goes when the node stops (tests that
  // restart a node on the same data pass their own).
  const ownsBasePath = opts.basePath === undefined;
  const basePath = opts.basePath ?? mkdtempSync(join(tmpdir(), "subspace-e2e-"));
  const removeOwned = () => {
    if (ownsBasePath) rmSync(basePath, { recursive: true, force: true });
  };
  const full = ["run", ...args, "--base-path", basePath, "--rpc-listen-on", "127.0.0.1:0"];
  const proc = spawn(process.execPath, [NODE_BIN, ...full], { stdio: ["ignore", "pipe", "pipe"], cwd: ROOT });
  const logs: string[] = [];
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start in time:\n${logs.join("\n")}`)), opts.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      for (const line of d.toString().split("\n")) {
        if (!line) continue;
        logs.push(line);
        if (logs.length > 2000) logs.shift();
        const m = /Running JSON-RPC server: addr=[^:]+:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    proc.stderr!.on("data", onData);
    proc.stdout!.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      removeOwned();
      reject(new Error(`node exited with ${code}:\n${logs.join("\n")}`));
    });
  });
  return {
    proc, port, basePath, logs,
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await exited;
      }
      removeOwned();
    },
    async kill9() {
      proc.kill("SIGKILL");
      await exited;
      removeOwned();
    },
  };
}

/** Raw JSON-RPC over HTTP. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<any> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      return await res.json();
    } catch (e) {
      // A pooled keep-alive socket may be closed under us once; a second failure is real.
      if (attempt >= 1) throw e;
    }
  }
}

/** LIFO teardown stack. */
export class Teardown {
  private readonly fns: (() => unknown)[] = [];
  add(fn: () => unknown): void {
    this.fns.push(fn);
  }
  async run(): Promise<void> {
    while (this.fns.length) {
      try {
        await this.fns.pop()!();
      } catch {
        // keep tearing down
      }
    }
  }
}

/** A header as `chain_getHeader` returns it (JSON, hex digest items) decoded into its SCALE value. */
export const headerFromJson = (j: any): HeaderValue => ({
  parentHash: fromHex(j.parentHash),
  number: parseInt(j.number, 16),
  stateRoot: fromHex(j.stateRoot),
  extrinsicsRoot: fromHex(j.extrinsicsRoot),
  digest: { logs: j.digest.logs.map((l: string) => decodeAll(DigestItem, fromHex(l))) },
});
