/**
 * `subspace-farmer farm` as a separate process against `subspace-node run --dev --no-dev-farm`:
 * it plots a one-sector farm from the node's archived history over the farmer RPC, authors blocks
 * whose pre-digest pays Bob, and Bob receives `Rewards.BlockReward`; restarted on the same
 * directory it farms again without re-plotting.
 */
import { expect } from "chai";
import { ApiPromise, WsProvider } from "@polkadot/api";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { exactView, fromHex, toHex } from "../../framework/codec/bytes.ts";
import { DigestItem } from "../../framework/codec/substrate.ts";
import { extractPreDigest } from "../../framework/primitives/subspace/consensus/index.ts";
import { RESERVED_PLOT_METADATA } from "../../node/farmer/farm.ts";
import { SECTOR_METADATA_SIZE, sectorSize } from "../../framework/primitives/subspace/sectors/index.ts";
import { parseFarmSpec, parseRewardAddress, parseSize } from "../../node/farmer/farmerOptions.ts";
import { startNodeProcess, rpc, tempDir, Teardown, type NodeProcess } from "../utils/node.ts";
import { startFarmerProcess as startFarmer, type FarmerProcess } from "../utils/farmer.ts";

/** One sector of two pieces, and not enough for a second one. */
const FARM_SIZE = RESERVED_PLOT_METADATA + sectorSize(2) + SECTOR_METADATA_SIZE + 1000;

/** The reward address of block `hash`'s pre-digest solution. */
async function blockRewardAddress(url: string, hash: string): Promise<{ number: number; rewardAddress: string }> {
  const header = (await rpc(url, "chain_getHeader", [hash])).result;
  const number = parseInt(header.number, 16);
  const logs = (header.digest.logs as string[]).map((l) => DigestItem.dec(exactView(fromHex(l))));
  return { number, rewardAddress: toHex(extractPreDigest(number, logs).solution.rewardAddress) };
}

/** Waits for a block above `above` authored for `rewardAddress`; returns its number and hash. */
async function waitForBlockPaying(url: string, rewardAddress: string, above: number, timeoutMs: number): Promise<{ number: number; hash: string }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hash = (await rpc(url, "chain_getBlockHash")).result as string;
    const b = await blockRewardAddress(url, hash);
    if (b.number > above && b.rewardAddress === rewardAddress) return { number: b.number, hash };
    if (Date.now() > end) throw new Error(`no block above #${above} paying ${rewardAddress} (best #${b.number} pays ${b.rewardAddress})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe("subspace-farmer farm options", () => {
  it("parses sizes, farm specs and reward addresses", async () => {
    expect(parseSize("20MiB")).to.equal(20 * 2 ** 20);
    expect(parseSize("1GiB")).to.equal(2 ** 30);
    expect(parseSize("1.5 GB")).to.equal(1_500_000_000);
    expect(parseSize("4096")).to.equal(4096);
    expect(() => parseSize("12 parsecs")).to.throw(/invalid size/);
    expect(parseFarmSpec("path=/a/b,size=2MiB")).to.deep.equal({ directory: "/a/b", allocatedSpace: 2 * 2 ** 20 });
    expect(parseFarmSpec("size=1000,path=/x")).to.deep.equal({ directory: "/x", allocatedSpace: 1000 });
    expect(() => parseFarmSpec("path=/x")).to.throw(/no size=/);
    expect(() => parseFarmSpec("/x")).to.throw(/path=DIR,size=SIZE/);
    await cryptoWaitReady();
    const bob = new Keyring({ type: "sr25519" }).addFromUri("//Bob");
    // The same account under the generic (42) and Autonomys (6094) prefixes, and as hex.
    const generic = new Keyring({ type: "sr25519", ss58Format: 42 }).encodeAddress(bob.publicKey);
    const autonomys = new Keyring({ type: "sr25519", ss58Format: 6094 }).encodeAddress(bob.publicKey);
    for (const a of [generic, autonomys, toHex(bob.publicKey)]) expect(toHex(parseRewardAddress(a)), a).to.equal(toHex(bob.publicKey));
    expect(() => parseRewardAddress("0x1234")).to.throw(/32 bytes/);
    expect(() => parseRewardAddress("not-an-address")).to.throw(/neither SS58 nor/);
  });
});

describe("e2e: subspace-farmer farm against subspace-node --dev --no-dev-farm", function () {
  // Segment 0 is archived on a machine's first run (30–60 s) and cached after that.
  this.timeout(180_000);
  const teardown = new Teardown();
  let node: NodeProcess;
  let bobAddress: string;
  let bobHex: string;
  after(() => teardown.run());

  it("plots, authors blocks rewarding Bob, and resumes after a restart without re-plotting", async () => {
    await cryptoWaitReady();
    const bob = new Keyring({ type: "sr25519", ss58Format: 42 }).addFromUri("//Bob");
    bobAddress = bob.address;
    bobHex = toHex(bob.publicKey);
    const farmDir = tempDir("subspace-farm-");
    teardown.add(() => farmDir.remove());
    node = await startNodeProcess(["--dev", "--no-dev-farm"]);
    teardown.add(() => node.stop());
    teardown.add(() => import("node:fs").then((fs) => fs.rmSync(node.basePath, { recursive: true, force: true })));
    const args = ["--reward-address", bobAddress, `path=${farmDir.path},size=${FARM_SIZE}`, "--node-rpc-url", node.wsUrl];

    // First run: plots the one sector, then farms.
    const t0 = Date.now();
    const first = startFarmer(args);
    teardown.add(() => first.stop());
    await first.waitForLog(/Plotted sector 0 of farm 0/, 150_000);
    const tPlotted = Date.now();
    const authored = await waitForBlockPaying(node.httpUrl, bobHex, 0, 90_000);
    const tBlock = Date.now();
    expect(first.logs.some((l) => /Farm 0 at .*: created/.test(l)), "a new farm").to.equal(true);
    expect(first.logs.some((l) => /Plotting farm 0 \[#+\] 100% 2\/2/.test(l)), "a progress bar").to.equal(true);

    // Bob got the block reward of that block.
    const api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
    teardown.add(() => api.disconnect());
    const events = (await (await api.at(authored.hash)).query.system.events()) as unknown as { event: { section: string; method: string; data: { toHex(): string; toString(): string }[] } }[];
    const rewards = events.filter((e) => e.event.section === "rewards" && e.event.method === "BlockReward");
    expect(rewards, `events of #${authored.number}: ${events.map((e) => `${e.event.section}.${e.event.method}`).join(", ")}`).to.have.length(1);
    expect(rewards[0]!.event.data[0]!.toHex()).to.equal(bobHex);
    expect(BigInt(rewards[0]!.event.data[1]!.toString()) > 0n).to.equal(true);
    await api.disconnect();

    expect(await first.stop(), `clean exit on SIGINT:\n${first.logs.slice(-15).join("\n")}`).to.equal(0);
    expect(first.logs.some((l) => /Stopping the farmer/.test(l))).to.equal(true);
    const best = parseInt((await rpc(node.httpUrl, "chain_getHeader")).result.number, 16);

    // Second run on the same directory: nothing to plot, blocks go on.
    const t1 = Date.now();
    const second = startFarmer(args);
    teardown.add(() => second.stop());
    await second.waitForLog(/Farm 0 loaded: all 1 sectors already plotted/, 60_000);
    const again = await waitForBlockPaying(node.httpUrl, bobHex, best, 60_000);
    const tAgain = Date.now();
    expect(second.logs.some((l) => /Farm 0 at .*: opened/.test(l))).to.equal(true);
    expect(second.logs.filter((l) => /Plotting farm|Plotted sector/.test(l)), "no re-plotting").to.deep.equal([]);
    expect(again.number).to.be.greaterThan(best);
    expect(await second.stop(), `clean exit on SIGINT:\n${second.logs.slice(-15).join("\n")}`).to.equal(0);
    console.log(
      `      farmer timings: plotted ${((tPlotted - t0) / 1000).toFixed(1)} s after start, first Bob block #${authored.number} at ${((tBlock - t0) / 1000).toFixed(1)} s; ` +
        `after restart block #${again.number} at ${((tAgain - t1) / 1000).toFixed(1)} s; stops: ${first.logs.at(-1)}; ${second.logs.at(-1)}`,
    );
  });
});
