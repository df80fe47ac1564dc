/** The `subspace-node` binary's subcommands, run as a user would. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { NODE_BIN, startNodeProcess, rpc, tempDir, Teardown } from "../utils/node.ts";
import { parseChainSpec } from "../../framework/chain-spec/chainSpec.ts";
import { parseJson, stringifyJson } from "../../framework/chain-spec/json.ts";

const run = (args: string[]) => spawnSync(process.execPath, [NODE_BIN, ...args], { encoding: "utf8", timeout: 60_000 });
const SPECS = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..", "chain-specs");

describe("e2e: subspace-node CLI", function () {
  this.timeout(120_000);
  const teardown = new Teardown();
  after(() => teardown.run());

  it("prints --help for every command", () => {
    for (const cmd of ["run", "build-spec", "wipe", "key", "export-blocks", "import-blocks"]) {
      const r = run([cmd, "--help"]);
      expect(r.status, cmd).to.equal(0);
      expect(r.stdout, cmd).to.match(/Usage: subspace-node/);
    }
    expect(run(["--help"]).stdout).to.match(/Commands:/);
  });

  it("build-spec regenerates the checked-in chain specs byte for byte", () => {
    for (const c of ["dev", "local", "production"]) {
      expect(run(["build-spec", "--chain", c]).stdout, `${c}.json`).to.equal(readFileSync(join(SPECS, `${c}.json`), "utf8"));
      expect(run(["build-spec", "--chain", c, "--raw"]).stdout, `${c}.raw.json`).to.equal(readFileSync(join(SPECS, `${c}.raw.json`), "utf8"));
    }
    const raw = parseChainSpec(readFileSync(join(SPECS, "dev.raw.json"), "utf8"));
    expect(raw.properties).to.deep.equal({ ss58Format: 6094, tokenDecimals: 18, tokenSymbol: "AI3" });
    expect(Object.keys((raw.genesis as any).raw.top)).to.include("0x3a636f6465"); // :code
  });

  it("runs a user-written spec in plain and raw form with the same genesis, and rejects a malformed one clearly", async () => {
    const dir = tempDir();
    teardown.add(() => dir.remove());
    const plain = parseJson(readFileSync(join(SPECS, "local.json"), "utf8"));
    plain.name = "My test chain";
    plain.id = "my_test";
    const plainPath = join(dir.path, "mine.json");
    writeFileSync(plainPath, stringifyJson(plain));
    const rawOut = run(["build-spec", "--chain", plainPath, "--raw"]);
    expect(rawOut.status).to.equal(0);
    const rawPath = join(dir.path, "mine.raw.json");
    writeFileSync(rawPath, rawOut.stdout);
    const genesis: string[] = [];
    for (const spec of [plainPath, rawPath]) {
      const n = await startNodeProcess(["--chain", spec, "--tmp"], { basePath: join(dir.path, "base-" + genesis.length) });
      teardown.add(() => n.stop());
      expect((await rpc(n.httpUrl, "system_chain")).result).to.equal("My test chain");
      genesis.push((await rpc(n.httpUrl, "chain_getBlockHash", [0])).result);
      await n.stop();
    }
    expect(genesis[0]).to.equal(genesis[1]);
    const badPath = join(dir.path, "bad.json");
    writeFileSync(badPath, JSON.stringify({ name: "x", id: "x", genesis: { runtimeGenesis: { code: "0x00" } } }));
    const bad = run(["run", "--chain", badPath, "--tmp", "--rpc-listen-on", "127.0.0.1:0"]);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/Error: .*needs exactly one of "patch" or "config"/);
    writeFileSync(badPath, "{ not json");
    const bad2 = run(["build-spec", "--chain", badPath]);
    expect(bad2.status).to.equal(1);
    expect(bad2.stderr).to.match(/not valid JSON/);
  });

  it("key generate and inspect agree, with the Autonomys SS58 prefix", () => {
    const gen = JSON.parse(run(["key", "generate", "--output-type", "json"]).stdout);
    expect(gen.ss58Address).to.match(/^su/);
    const inspected = JSON.parse(run(["key", "inspect", gen.secretPhrase, "--output-type", "json"]).stdout);
    expect(inspected.publicKey).to.equal(gen.publicKey);
    const alice = JSON.parse(run(["key", "inspect", "//Alice", "--output-type", "json"]).stdout);
    // sr25519 //Alice: the well-known Substrate dev key.
    expect(alice.publicKey).to.equal("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
  });

  it("exports blocks, imports them into a fresh base path (re-executing them), and wipes", async () => {
    const dir = tempDir();
    teardown.add(() => dir.remove());
    const a = join(dir.path, "a");
    const n = await startNodeProcess(["--dev", "--dev-block-time", "100"], { basePath: a });
    teardown.add(() => n.stop());
    for (;;) {
      if (parseInt((await rpc(n.httpUrl, "chain_getHeader")).result.number, 16) >= 5) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await n.stop();
    const file = join(dir.path, "blocks.jsonl");
    const exp = run(["export-blocks", "--chain", "dev", "--base-path", a, "--to", "5", file]);
    expect(exp.status, exp.stderr).to.equal(0);
    const b = join(dir.path, "b");
    // Dev-seal blocks carry no Seal(SUB_): refused unless asked for, and nothing is imported.
    const refused = run(["import-blocks", "--chain", "dev", "--base-path", b, file]);
    expect(refused.status).to.not.equal(0);
    expect(refused.stderr).to.match(/block #1 has no Seal\(SUB_\).*--allow-unsealed/);
    const imp = run(["import-blocks", "--chain", "dev", "--base-path", b, "--allow-unsealed", file]);
    expect(imp.status, imp.stderr).to.equal(0);
    expect(imp.stderr).to.match(/Imported 5 blocks/);
    const m = await startNodeProcess(["--chain", "dev"], { basePath: b });
    teardown.add(() => m.stop());
    const h5 = (await rpc(m.httpUrl, "chain_getBlockHash", [5])).result;
    await m.stop();
    const m2 = await startNodeProcess(["--chain", "dev"], { basePath: a });
    teardown.add(() => m2.stop());
    expect((await rpc(m2.httpUrl, "chain_getBlockHash", [5])).result).to.equal(h5);
    await m2.stop();
    expect(run(["wipe", "--chain", "dev", "--base-path", b, "-y"]).status).to.equal(0);
    expect(existsSync(join(b, "chains", "subspace_dev"))).to.equal(false);
  });
});
