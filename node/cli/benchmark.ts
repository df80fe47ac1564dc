/** `subspace-node benchmark [NAME…]`: runs the benchmarks of test/bench (JSON lines on stdout). */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join, dirname } from "node:path";

export async function benchmarkCommand(args: string[]): Promise<number> {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "test", "bench", "run.ts"), ...args], { stdio: "inherit", cwd: root });
  return r.status ?? 1;
}
