/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` in its own process, one after another,
 * so figures do not disturb each other. Each prints JSON lines {name, value, unit, limit, ratio}.
 * Pass names to run a subset: `npm run bench -- trie pot`.
 */
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const file of files) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(JSON.stringify({ name: file, error: `exit ${r.status ?? r.signal}` }));
  }
}
process.exit(failed === 0 ? 0 : 1);
