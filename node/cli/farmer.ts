/**
 * `subspace-farmer`: `benchmark plot|audit|prove|verify` (JSON lines), `info`, `scrub` and `wipe`
 * over farm directories. `farm` (plotting from and farming against a node) comes with the node's
 * farmer RPC; until then it says so.
 */
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { INFO_FILE, SingleDiskFarm } from "../farmer/farm.ts";
import { benchmarkAudit, benchmarkPlot, benchmarkProve, benchmarkVerify, figureLine } from "../farmer/benchmark.ts";

const HELP = `subspace-farmer 0.1.0
Usage: subspace-farmer <COMMAND> [OPTIONS]

Commands:
  farm       Farm on one or more farms (path=DIR,size=SIZE) against a node (--node-rpc-url)
  benchmark  Plotting, auditing, proving and verification benchmarks (JSON lines):
               benchmark [plot|audit|prove|verify]... [--pieces N] [--pos-k K] [--threads T]
  info       Show information about farms:      info DIR...
  scrub      Check farms for corruption:        scrub DIR...
  wipe       Remove farms' files:               wipe DIR...`;

/** A farm argument: `DIR` or the reference's `path=DIR[,size=…]`. */
function farmDirectory(arg: string): string {
  if (!arg.includes("=")) return arg;
  for (const part of arg.split(",")) {
    const [k, v] = part.split("=");
    if (k === "path" && v) return v;
  }
  throw new Error(`farm "${arg}" has no path=`);
}

async function benchmark(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { pieces: { type: "string" }, "pos-k": { type: "string" }, threads: { type: "string" } },
  });
  const kinds = positionals.length > 0 ? positionals : ["plot", "audit", "prove", "verify"];
  for (const k of kinds) if (!["plot", "audit", "prove", "verify"].includes(k)) throw new Error(`unknown benchmark "${k}" (plot, audit, prove, verify)`);
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  // Every benchmark needs a plotted sector; its figures are printed only for `plot`.
  const bench = await benchmarkPlot({ pieces: num(values.pieces), posK: num(values["pos-k"]), threads: num(values.threads), log: (l) => process.stderr.write(`${l}\n`) });
  const print = (fs: { name: string }[]): void => fs.forEach((f) => process.stdout.write(figureLine(f as Parameters<typeof figureLine>[0]) + "\n"));
  try {
    if (kinds.includes("plot")) print(bench.figures);
    if (kinds.includes("audit")) print(benchmarkAudit(bench));
    if (kinds.includes("prove") || kinds.includes("verify")) {
      const proved = benchmarkProve(bench);
      if (kinds.includes("prove")) print(proved.figures);
      if (kinds.includes("verify")) print(benchmarkVerify(bench, proved));
    }
  } finally {
    bench.cleanup();
  }
  return 0;
}

async function info(dirs: string[]): Promise<number> {
  if (dirs.length === 0) throw new Error("info: no farm given");
  for (const dir of dirs.map(farmDirectory)) {
    const farm = await SingleDiskFarm.open({ directory: dir, create: false });
    const out = {
      directory: dir,
      ...farm.info,
      sectorSize: farm.sectorSize,
      targetSectorCount: farm.targetSectorCount,
      plottedSectorCount: farm.plottedSectorCount,
      sectors: farm.sectors.map((m) => ({ sectorIndex: m.sectorIndex, historySize: m.historySize.toString(), valid: m.piecesInSector !== 0 })),
    };
    farm.close();
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  }
  return 0;
}

async function scrub(dirs: string[]): Promise<number> {
  if (dirs.length === 0) throw new Error("scrub: no farm given");
  let bad = 0;
  for (const dir of dirs.map(farmDirectory)) {
    const farm = await SingleDiskFarm.open({ directory: dir, create: false });
    const report = await farm.scrub();
    farm.close();
    bad += report.corrupted.length;
    process.stdout.write(JSON.stringify({ directory: dir, ...report, note: report.corrupted.length ? "corrupted sectors are re-plotted from the network by `farm`" : undefined }) + "\n");
  }
  return bad === 0 ? 0 : 1;
}

function wipe(dirs: string[]): number {
  if (dirs.length === 0) throw new Error("wipe: no farm given");
  for (const dir of dirs.map(farmDirectory)) {
    if (!existsSync(join(dir, INFO_FILE))) process.stderr.write(`${dir}: no farm info, removing known files only\n`);
    for (const f of SingleDiskFarm.wipe(dir)) process.stdout.write(`removed ${f}\n`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP + "\n");
    return cmd ? 0 : 1;
  }
  try {
    switch (cmd) {
      case "benchmark":
        return await benchmark(rest);
      case "info":
        return await info(rest);
      case "scrub":
        return await scrub(rest);
      case "wipe":
        return wipe(rest);
      default:
        process.stderr.write(`Error: "${cmd}" is not available yet in this build (farming against a node comes with the farmer RPC)\n`);
        return 1;
    }
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}
