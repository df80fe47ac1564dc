/**
 * Starts `subspace-farmer farm` as a separate process, as a user would, and follows its log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FARMER_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "subspace-farmer.js");

export interface FarmerProcess {
  proc: ChildProcess;
  logs: string[];
  /** Resolves with the first log line matching `re` (already logged or to come). */
  waitForLog(re: RegExp, timeoutMs: number): Promise<string>;
  /** SIGINT, then the exit code (SIGKILL after `killAfterMs`: a proof in progress is finished first). */
  stop(killAfterMs?: number): Promise<number | null>;
}

/** `subspace-farmer farm ARGS…`. */
export function startFarmerProcess(args: string[]): FarmerProcess {
  const proc = spawn(process.execPath, [FARMER_BIN, "farm", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const waiters: { re: RegExp; resolve(l: string): void }[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const onData = (d: Buffer) => {
    for (const line of d.toString().split("\n")) {
      if (!line) continue;
      logs.push(line);
      if (logs.length > 5000) logs.shift();
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  return {
    proc,
    logs,
    waitForLog(re, timeoutMs) {
      const seen = logs.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`farmer log never matched ${re}:\n${logs.slice(-40).join("\n")}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`farmer exited (${code}) before logging ${re}:\n${logs.slice(-40).join("\n")}`));
        });
      });
    },
    async stop(killAfterMs = 30_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGINT");
      const timer = setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
