/**
 * `subspace-node`: argv → NodeOptions and subcommands, with the reference's habits:
 * `run`, `build-spec`, `wipe` (purge-chain), `key generate|inspect`, `export-blocks`, `import-blocks`.
 * This is the only reader of process.argv and process.env.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { existsSync, rmSync, readFileSync, writeFileSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { homedir } from "node:os";
import type { NodeOptions } from "../service/service.ts";

// Heavy modules (runtime, crypto WASM, database) load only for the commands that need them,
// so `--help` and `key` answer at once.
const NODE_VERSION = "0.1.0";
const service = () => import("../service/service.ts");
const consensusRuntime = async () => (await import("../../runtime/consensus/runtime.ts")).createConsensusRuntime();

class CliError extends Error {}

const COMMON = {
  help: { type: "boolean", short: "h" },
  chain: { type: "string" },
  dev: { type: "boolean" },
  "base-path": { type: "string", short: "d" },
  tmp: { type: "boolean" },
  log: { type: "string", short: "l", multiple: true },
} as const;

const RUN_OPTIONS = {
  ...COMMON,
  "rpc-listen-on": { type: "string" },
  "rpc-cors": { type: "string" },
  "rpc-methods": { type: "string" },
  "rpc-max-connections": { type: "string" },
  "rpc-max-request-size": { type: "string" },
  "rpc-max-response-size": { type: "string" },
  "rpc-max-subscriptions-per-connection": { type: "string" },
  name: { type: "string" },
  "state-pruning": { type: "string" },
  "blocks-pruning": { type: "string" },
  "dev-block-time": { type: "string" },
  sealing: { type: "string" },
  "force-authoring": { type: "boolean" },
  farmer: { type: "boolean" },
  "no-dev-farm": { type: "boolean" },
  timekeeper: { type: "boolean" },
  "pot-external-entropy": { type: "string" },
  "unsafe-no-sync": { type: "boolean" },
} as const;

const HELP: Record<string, string> = {
  main: `subspace-node ${NODE_VERSION}
A Substrate-compatible Autonomys (Subspace) node in TypeScript.

Usage: subspace-node <COMMAND> [OPTIONS]

Commands:
  run            Run the node (\`run --dev\` for a self-contained dev chain)
  build-spec     Build a chain specification (plain or --raw)
  wipe           Remove the whole chain data of a base path (alias: purge-chain)
  key            Key utilities: generate, inspect
  export-blocks  Export blocks to a file (SCALE, or --json)
  import-blocks  Import blocks from a file
  benchmark      Runtime and node benchmarks (JSON lines)

Run \`subspace-node <COMMAND> --help\` for a command's options.`,
  run: `Usage: subspace-node run [OPTIONS]

Options:
      --dev                         Development chain: implies --chain dev --tmp --farmer --timekeeper --rpc-cors all
                                    (--tmp only when no --base-path is given)
      --chain <CHAIN>               dev, local, or the path of a chain spec JSON file (plain or raw) [default: dev with --dev]
  -d, --base-path <PATH>            Directory for chain data [default: ~/.local/share/subspace-node]
      --tmp                         Use a temporary base path, removed on exit
      --name <NAME>                 Human-readable node name
      --rpc-listen-on <IP:PORT>     JSON-RPC (WebSocket and HTTP) address [default: 127.0.0.1:9944]
      --rpc-cors <ORIGINS>          all, or a comma-separated list of origins [default: localhost origins; all with --dev]
      --rpc-methods <METHODS>       safe | unsafe | auto [default: auto]
      --rpc-max-connections <N>     [default: 100]
      --rpc-max-request-size <MB>   [default: 15]
      --rpc-max-response-size <MB>  [default: 15]
      --rpc-max-subscriptions-per-connection <N>  [default: 1024]
      --state-pruning <MODE>        archive | <N blocks> [default: archive]
      --farmer                      Author blocks with PoAS for farmers (implied by --dev): archiver, slot
                                    worker and the subspace_* farmer RPC for \`subspace-farmer farm\`
      --no-dev-farm                 With --dev, do not run the in-process dev farm (a small farm plotted
                                    from segment 0; both cached per chain spec under ~/.cache/subspace-node)
      --sealing <MODE>              Use the dev seal instead of PoAS: instant (on each transaction and on
                                    the interval) or interval (on the interval only)
      --dev-block-time <MS>         Dev seal interval in ms (implies --sealing instant) [default: 1000]
      --force-authoring             Produce blocks (implied by --dev)
      --timekeeper                  Run the Proof-of-Time timekeeper (implied by --dev)
      --pot-external-entropy <S>    External entropy for the genesis PoT seed [default: the chain spec's]
  -l, --log <DIRECTIVES>            Log filter, e.g. info, debug, rpc=debug,txpool=trace
  -h, --help                        Print help`,
  "build-spec": `Usage: subspace-node build-spec [--chain <CHAIN>] [--raw] [--dev]

Prints the chain specification as JSON to stdout.
      --chain <CHAIN>  dev, local or a chain spec file [default: local; dev with --dev]
      --raw            Emit the raw form (genesis storage as hex key/values)`,
  wipe: `Usage: subspace-node wipe [--chain <CHAIN>] [--base-path <PATH>] [-y]

Removes the chain data (database, keystore, network key) of the chain under the base path.
  -y, --yes  Do not ask for confirmation`,
  key: `Usage: subspace-node key <generate|inspect> [OPTIONS]

  generate [--scheme sr25519|ed25519|ecdsa] [--words 12|24] [--network <SS58 PREFIX>] [--output-type text|json]
  inspect <URI> [--scheme …] [--network …] [--output-type text|json] [--public]`,
  "export-blocks": `Usage: subspace-node export-blocks [--chain <CHAIN>] [--base-path <PATH>] [--from N] [--to N] [--binary] <OUTPUT>

Exports blocks as JSON lines (default) or binary SCALE (--binary) to OUTPUT (or stdout with -).`,
  "import-blocks": `Usage: subspace-node import-blocks [--chain <CHAIN>] [--base-path <PATH>] [--binary] [--allow-unsealed] <INPUT>

Imports blocks from a file written by export-blocks, verifying each sealed (PoAS) header and
executing each block. Blocks without a Seal(SUB_) (authored by the dev seal stand-in, --sealing)
are refused unless --allow-unsealed is given.`,
};

function parse<T extends ParseArgsConfig["options"]>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}

function defaultBasePath(): string {
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "subspace-node");
}

function parseListen(v: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(v);
  if (!m) throw new CliError(`--rpc-listen-on: expected IP:PORT, got "${v}"`);
  const port = Number(m[2]);
  if (port > 65535) throw new CliError(`--rpc-listen-on: port out of range`);
  return { host: m[1]!, port };
}

function intOpt(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new CliError(`--${name}: expected a non-negative integer, got "${v}"`);
  return Number(v);
}

export function runOptions(args: string[]): NodeOptions {
  const { values: v } = parse(args, RUN_OPTIONS);
  const dev = v.dev === true;
  const devSeal = v.sealing !== undefined || v["dev-block-time"] !== undefined || (v["force-authoring"] === true && !dev && v.farmer !== true);
  const basePath = v["base-path"];
  const tmp = v.tmp === true || (dev && !basePath);
  const pruning = v["state-pruning"] ?? "archive";
  if (pruning !== "archive" && !/^\d+$/.test(pruning)) throw new CliError(`--state-pruning: expected "archive" or a number of blocks, got "${pruning}"`);
  const methods = v["rpc-methods"] ?? "auto";
  if (!["safe", "unsafe", "auto"].includes(methods)) throw new CliError(`--rpc-methods: expected safe, unsafe or auto, got "${methods}"`);
  const corsRaw = v["rpc-cors"] ?? (dev ? "all" : "http://localhost:*,http://127.0.0.1:*,https://localhost:*,https://127.0.0.1:*,https://polkadot.js.org");
  const cors = corsRaw === "all" ? "all" : corsRaw === "none" ? null : corsRaw.split(",").map((s) => s.trim()).filter(Boolean);
  return {
    chain: v.chain ?? (dev ? "dev" : "dev"),
    basePath: tmp ? undefined : basePath ?? defaultBasePath(),
    tmp,
    name: v.name,
    rpc: {
      ...parseListen(v["rpc-listen-on"] ?? "127.0.0.1:9944"),
      cors,
      methods: methods as "safe" | "unsafe" | "auto",
      maxConnections: intOpt(v["rpc-max-connections"], "rpc-max-connections", 100),
      maxRequestSize: intOpt(v["rpc-max-request-size"], "rpc-max-request-size", 15) * 1024 * 1024,
      maxResponseSize: intOpt(v["rpc-max-response-size"], "rpc-max-response-size", 15) * 1024 * 1024,
      maxSubscriptionsPerConnection: intOpt(v["rpc-max-subscriptions-per-connection"], "rpc-max-subscriptions-per-connection", 1024),
    },
    statePruning: pruning === "archive" ? "archive" : Number(pruning),
    log: v.log ?? [],
    blockTimeMs: intOpt(v["dev-block-time"], "dev-block-time", 1000),
    // `--dev` authors with PoAS and an in-process farmer; asking for a dev seal (`--sealing` or
    // `--dev-block-time`) selects the stand-in seal instead (fast blocks for tests and tooling).
    produceBlocks: devSeal,
    sealOnTransactions: sealingMode(v.sealing) === "instant",
    farmer: v.farmer === true || (dev && !devSeal),
    devFarm: dev && v["no-dev-farm"] !== true,
    timekeeper: dev || v.timekeeper === true,
    potExternalEntropy: v["pot-external-entropy"],
    unsafeNoSync: v["unsafe-no-sync"] === true,
  };
}

function sealingMode(v: string | undefined): "instant" | "interval" {
  if (v === undefined || v === "instant" || v === "interval") return v ?? "instant";
  throw new CliError(`--sealing: expected instant or interval, got "${v}"`);
}

async function run(args: string[]): Promise<void> {
  const opts = runOptions(args);
  const node = await (await service()).startNode(opts);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`Received ${signal}, shutting down\n`);
    await node.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

async function buildSpec(args: string[]): Promise<void> {
  const { values: v } = parse(args, { ...COMMON, raw: { type: "boolean" }, "disable-default-bootnode": { type: "boolean" } });
  const crt = await consensusRuntime();
  const { loadChainSpec } = await service();
  const { genesisStorage } = await import("../../runtime/consensus/chainSpecs.ts");
  const { chainSpecToJson, toRawSpec } = await import("../../framework/chain-spec/chainSpec.ts");
  const spec = await loadChainSpec(v.chain ?? (v.dev ? "dev" : "local"), crt);
  const out = v.raw ? toRawSpec(spec, genesisStorage(spec, crt)) : spec;
  process.stdout.write(chainSpecToJson(out));
}

async function wipe(args: string[]): Promise<void> {
  const { values: v } = parse(args, { ...COMMON, yes: { type: "boolean", short: "y" } });
  const crt = await consensusRuntime();
  const spec = await (await service()).loadChainSpec(v.chain ?? "dev", crt);
  const base = v["base-path"] ?? defaultBasePath();
  const dir = join(base, "chains", spec.id);
  if (!existsSync(dir)) {
    process.stdout.write(`${dir} did not exist.\n`);
    return;
  }
  if (!v.yes) {
    process.stdout.write(`Are you sure to remove "${dir}"? [y/N]: `);
    const answer = await new Promise<string>((resolve) => process.stdin.once("data", (d) => resolve(String(d).trim())));
    if (!/^y(es)?$/i.test(answer)) {
      process.stdout.write("Aborted\n");
      return;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`"${dir}" removed.\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === "--help" || command === "-h" || command === "help") {
      process.stdout.write(HELP.main + "\n");
      return command ? 0 : 1;
    }
    if (command === "--version" || command === "-V") {
      process.stdout.write(`subspace-node ${NODE_VERSION}\n`);
      return 0;
    }
    const name = command === "purge-chain" ? "wipe" : command;
    if (rest.includes("--help") || rest.includes("-h")) {
      const text = HELP[name];
      if (!text) throw new CliError(`unknown command "${command}"`);
      process.stdout.write(text + "\n");
      return 0;
    }
    switch (name) {
      case "run":
        await run(rest);
        return -1; // keeps running
      case "build-spec":
        await buildSpec(rest);
        return 0;
      case "wipe":
        await wipe(rest);
        return 0;
      case "key":
        return await (await import("./key.ts")).keyCommand(rest);
      case "export-blocks":
        await (await import("./blocks.ts")).exportBlocks(rest, { defaultBasePath, createWriteStream });
        return 0;
      case "import-blocks":
        await (await import("./blocks.ts")).importBlocks(rest, { defaultBasePath, readFileSync });
        return 0;
      case "benchmark": {
        const { benchmarkCommand } = await import("./benchmark.ts");
        return await benchmarkCommand(rest);
      }
      default:
        throw new CliError(`unknown command "${command}"; see subspace-node --help`);
    }
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}

export { writeFileSync };
