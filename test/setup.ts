/**
 * Mocha global fixtures for `npm test`: the per-chain-spec cache of the node (segment 0, the dev
 * farm: XDG_CACHE_HOME/subspace-node) goes to a temporary directory shared by every test of the run
 * (child processes inherit it) and removed at the end, so a test run leaves no state behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let dir: string | undefined;

export function mochaGlobalSetup(): void {
  if (process.env.SUBSPACE_TEST_KEEP_CACHE) return; // opt out to reuse ~/.cache across runs while developing
  dir = mkdtempSync(join(tmpdir(), "subspace-test-cache-"));
  process.env.XDG_CACHE_HOME = dir;
}

export function mochaGlobalTeardown(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
