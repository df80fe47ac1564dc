/**
 * `subspace-farmer`: the farmer's commands arrive with the PoAS consensus work (farm, benchmark,
 * info, scrub, wipe). Until then it answers --help and says so for every command.
 */
const HELP = `subspace-farmer 0.1.0
Usage: subspace-farmer <COMMAND> [OPTIONS]

Commands:
  farm       Farm on one or more farms (path=DIR,size=SIZE) against a node (--node-rpc-url)
  benchmark  Plotting, auditing, proving and verification benchmarks (JSON lines)
  info       Show information about farms
  scrub      Check farms for corruption and repair what can be repaired
  wipe       Remove farms`;

export async function main(argv: string[]): Promise<number> {
  const [cmd] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h") {
    process.stdout.write(HELP + "\n");
    return cmd ? 0 : 1;
  }
  if (cmd === "benchmark") {
    const { benchmarkCommand } = await import("./benchmark.ts");
    return benchmarkCommand(argv.slice(1).length ? argv.slice(1) : ["pos", "pot", "archiving"]);
  }
  process.stderr.write(`Error: "${cmd}" is not available yet in this build (it comes with PoAS consensus)\n`);
  return 1;
}
