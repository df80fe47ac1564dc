/**
 * `subspace-farmer`: `farm` (plot from and farm against a node over its `subspace_*` RPC),
 * `benchmark plot|audit|prove|verify` (JSON lines), `info`, `scrub` and `wipe` over farm directories.
 */
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { INFO_FILE, SingleDiskFarm } from "../farmer/farm.ts";
import { Farmer, DEFAULT_PIECES_IN_SECTOR } from "../farmer/farmerProcess.ts";
import { parseFarmSpec, parseRewardAddress, FarmerOptionError } from "../farmer/farmerOptions.ts";
import { createLogger, parseLogDirectives } from "../service/logger.ts";
import { benchmarkAudit, benchmarkPlot, benchmarkProve, benchmarkVerify, figureLine } from "../farmer/benchmark.ts";

const HELP = `subspace-farmer 0.1.0
Usage: subspace-farmer <COMMAND> [OPTIONS]

Commands:
  farm       Plot and farm against a node:  farm --reward-address ADDR path=DIR,size=SIZE [path=…]...
  benchmark  Plotting, auditing, proving and verification benchmarks (JSON lines):
               benchmark [plot|audit|prove|verify]... [--pieces N] [--pos-k K] [--threads T]
  info       Show information about farms:      info DIR...
  scrub      Check farms for corruption:        scrub DIR...
  wipe       Remove farms' files:               wipe DIR...

Run \`subspace-farmer farm --help\` for the farming options.`;

const FARM_HELP = `Usage: subspace-farmer farm --reward-address <ADDRESS> path=<DIR>,size=<SIZE> [path=…,size=…]... [OPTIONS]

Plots each farm from the node's archived history (pieces over subspace_piece, checked against their
segment commitments), then audits every slot, submits solutions and signs the rewards of its blocks.
A farm that is already plotted is farmed at once on restart. SIZE: bytes or 20MiB, 1GiB, 1.5GB, ...

Options:
      --reward-address <ADDRESS>      Account rewarded for blocks: SS58 (any prefix) or 0x-hex of 32 bytes
      --node-rpc-url <URL>            The node's WebSocket RPC [default: ws://127.0.0.1:9944]
      --max-pieces-in-sector <N>      Pieces per sector of new farms [default: ${DEFAULT_PIECES_IN_SECTOR}]; an existing
                                      farm keeps its own
      --plotting-threads <N>          Record encoding threads [default: all cores]
      --record-cache <N>              Proved records kept for later slots (≈ 50 MB each) [default: 8]
      --no-verify-pieces              Do not check downloaded pieces against segment commitments
      --reconnect-timeout <SECS>      How long to wait for a node that went away before exiting [default: 60]
  -l, --log <DIRECTIVES>              Log filter, e.g. info, debug, farmer=debug
  -h, --help                          Print help`;

async function farm(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "reward-address": { type: "string" },
      "node-rpc-url": { type: "string" },
      "max-pieces-in-sector": { type: "string" },
      "plotting-threads": { type: "string" },
      "record-cache": { type: "string" },
      "no-verify-pieces": { type: "boolean" },
      "reconnect-timeout": { type: "string" },
      log: { type: "string", short: "l", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(FARM_HELP + "\n");
    return 0;
  }
  const int = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new FarmerOptionError(`--${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  if (values["reward-address"] === undefined) throw new FarmerOptionError("--reward-address is required (SS58 or 0x-hex of 32 bytes)");
  const rewardAddress = parseRewardAddress(values["reward-address"]);
  if (positionals.length === 0) throw new FarmerOptionError("no farm given: add path=DIR,size=SIZE (e.g. path=/tmp/farm,size=20MiB)");
  const farms = positionals.map(parseFarmSpec);
  const dirs = new Set(farms.map((f) => f.directory));
  if (dirs.size !== farms.length) throw new FarmerOptionError("the same farm directory is given twice");
  const log = createLogger(parseLogDirectives(values.log ?? []), "farmer");
  const reconnect = int("reconnect-timeout", values["reconnect-timeout"], 0);
  const farmer = new Farmer({
    nodeRpcUrl: values["node-rpc-url"] ?? "ws://127.0.0.1:9944",
    rewardAddress,
    farms,
    piecesInSector: int("max-pieces-in-sector", values["max-pieces-in-sector"], 1),
    plottingThreads: int("plotting-threads", values["plotting-threads"], 1),
    recordCacheSize: int("record-cache", values["record-cache"], 1),
    verifyPieces: values["no-verify-pieces"] !== true,
    reconnectTimeoutMs: reconnect === undefined ? undefined : reconnect * 1000,
    log,
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`${sig} again: exiting at once\n`);
      process.exit(130);
    }
    log.info(`Received ${sig}`);
    void farmer.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await farmer.run();
    return 0;
  } catch (e) {
    await farmer.stop();
    log.error(`Farmer stopped: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

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
      case "farm":
        return await farm(rest);
      case "benchmark":
        return await benchmark(rest);
      case "info":
        return await info(rest);
      case "scrub":
        return await scrub(rest);
      case "wipe":
        return wipe(rest);
      default:
        process.stderr.write(`Error: unknown command "${cmd}"\n${HELP}\n`);
        return 1;
    }
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}
