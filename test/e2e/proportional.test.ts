/**
 * Two `subspace-farmer farm` processes with plots of different sizes against one
 * `subspace-node run --farmer` on a custom chain spec (issue 7, "must show"):
 *
 * 1. they win blocks in proportion to their space (a binomial test with a stated tolerance), and
 * 2. import rejects a block whose solution is out of range (re-signed by its farmer, so only the
 *    range check can fail), while the honest block still verifies and imports.
 *
 * Chain spec: `build-spec --chain dev` with
 * - `chainType: "Local"`: the node paces slots to 1/s only for "Development" chains
 *   (node/service/service.ts), so slots come as fast as PoT proves them;
 * - `potSlotIterations` 12,000,000: ≈ 0.12 s per slot on an idle core (≈ 100 M AES iterations/s),
 *   ≈ 0.2–0.4 s when the machine is loaded. A farmer has the block authoring delay (4 slots) to
 *   answer: a warm proof (record's PoS table cached) takes ≈ 50–250 ms, a cold one ≈ 1.2 s idle and
 *   up to ≈ 5 s loaded, so it misses its slot (see the warm-up below);
 * - `solutionRange` u64::MAX / 5: each audited chunk is within range with probability ρ ≈ 1/5. A
 *   record keeps its 4,096 encoded chunks in half of the 8,192 s-buckets, so a sector audits
 *   ≈ pieces / 2 encoded chunks per slot: farm A (1 piece) wins a slot with ≈ 10%, farm B
 *   (3 pieces) with ≈ 27%, both with ≈ 2.7% (≈ 8% of won slots). With the dev spec's u64::MAX every
 *   audited chunk would win and arrival order, not space, would pick the author. Solution range
 *   adjustment is off in this runtime, so the voting range equals the block range; the test counts
 *   blocks only and does not depend on votes.
 *
 * Farms: one sector each, of 1 piece (A) and 3 pieces (B): space 1 : 3 with only 4 records to plot
 * and to warm. Identities are fixed, so the plots are the same on every run; the PoT chain gets
 * fresh external entropy per run, so the slots' challenges (who wins them) are a new sample.
 *
 * Runtime: ≈ 1.5–2.5 min (segment 0 of this genesis is archived on a machine's first run, ≈ 30 s,
 * and cached under $XDG_CACHE_HOME afterwards; the counting window is at most 60 s).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fromHex, toHex } from "../../framework/codec/bytes.ts";
import { Header, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { blake2_256, blake3 } from "../../framework/crypto/index.ts";
import { sr25519SignWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import { parseChainSpec, chainSpecToJson } from "../../framework/chain-spec/chainSpec.ts";
import { extractPreDigest, subspacePreDigestItem, subspaceSealItem, type PreDigest } from "../../framework/primitives/subspace/consensus/index.ts";
import { segmentHeaderFromJson } from "../../framework/primitives/subspace/core/index.ts";
import { getKzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { checkpointsOutput, decodeSubspaceJustification, genesisSeed, type PotCheckpoints } from "../../framework/primitives/subspace/pot/index.ts";
import { RECORD_NUM_S_BUCKETS } from "../../framework/primitives/subspace/profile/index.ts";
import {
  SECTOR_METADATA_SIZE, SectorContentsMap, contentsMapSize, sectorIdFromPublicKey, sectorSize, sectorSlotChallenge, winningChunksOf,
} from "../../framework/primitives/subspace/sectors/index.ts";
import { slotGlobalChallenge, solutionDistance } from "../../framework/primitives/subspace/verification/index.ts";
import { CONSTANTS, createConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { genesisStorage } from "../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../../node/db/index.ts";
import { Client } from "../../node/client/client.ts";
import { verifyHeader, HeaderVerificationError } from "../../node/consensus/blockVerifier.ts";
import { encodeJustifications } from "../../node/consensus/potJustification.ts";
import { RESERVED_PLOT_METADATA, SingleDiskFarm } from "../../node/farmer/farm.ts";
import { Identity } from "../../node/farmer/identity.ts";
import { loadChainSpec } from "../../node/service/service.ts";
import { NODE_BIN, startNodeProcess, rpc, tempDir, Teardown, type NodeProcess, headerFromJson as headerOf } from "../utils/node.ts";
import { startFarmerProcess, type FarmerProcess } from "../utils/farmer.ts";

const U64_MAX = (1n << 64n) - 1n;
const POT_SLOT_ITERATIONS = 12_000_000;
const SOLUTION_RANGE = U64_MAX / 5n;
/**
 * Blocks counted after the warm-up (≈ 35 s at ≈ 3.5 blocks/s on a quiet machine; fewer per second
 * under load, hence the deadline), and the fewest uncontested ones the test accepts.
 */
const COUNTED_BLOCKS = 130;
const MIN_COUNTED_BLOCKS = 80;
const COUNT_DEADLINE_MS = 60_000;
/** The longest wait for every record's first (cold) proof before counting starts. */
const WARM_UP_MAX_MS = 45_000;
/** Tolerance in standard deviations (two-sided false failure ≈ 4.7·10⁻⁴ under the normal approximation). */
const Z = 3.5;

const POT_ENTROPY = `proportional-${randomBytes(8).toString("hex")}`;
/** Room for one sector of `pieces` and not for a second one. */
const farmSize = (pieces: number) => RESERVED_PLOT_METADATA + sectorSize(pieces) + SECTOR_METADATA_SIZE + 1000;


interface FetchedBlock {
  header: HeaderValue;
  extrinsics: Uint8Array[];
  pre: PreDigest<Uint8Array>;
  justification?: { seed: Uint8Array; checkpoints: readonly PotCheckpoints[] };
}

async function fetchBlock(url: string, n: number): Promise<FetchedBlock> {
  const hash = (await rpc(url, "chain_getBlockHash", [n])).result;
  const signed = (await rpc(url, "chain_getBlock", [hash])).result;
  const header = headerOf(signed.block.header);
  const j = (signed.justifications as [string, string][] | null)?.find(([e]) => e === "0x5355425f");
  return {
    header,
    extrinsics: signed.block.extrinsics.map(fromHex),
    pre: extractPreDigest(n, header.digest.logs.slice(0, -1)),
    justification: j ? (decodeSubspaceJustification(fromHex(j[1])) as FetchedBlock["justification"]) : undefined,
  };
}

const bestNumber = async (url: string): Promise<number> => parseInt((await rpc(url, "chain_getHeader")).result.number, 16);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Farm {
  name: string;
  /** Pieces in its one sector. */
  pieces: number;
  entropy: Uint8Array;
  path: string;
  identity: Identity;
  publicKey: string;
  process?: FarmerProcess;
  /** The plot, opened read-only by the test once plotted. */
  plot?: SingleDiskFarm;
  map?: SectorContentsMap;
}

/** Whether a farm holds an encoded chunk within range for a global challenge (what its farmer would prove). */
function farmWins(farm: Farm, globalChallenge: Uint8Array): boolean {
  return farm.plot!.audit(globalChallenge, SOLUTION_RANGE).some((a) => winningChunksOf(a, farm.map!).length > 0);
}

/**
 * P(the farm has no encoded chunk within range in a slot): its sector audits one uniform s-bucket
 * (from its sector slot challenge), whose k encoded chunks are each within range independently with
 * probability ρ (keyed BLAKE3 distances, random-oracle model): Σ_k P(k) (1 − ρ)^k, P(k) read from
 * the sector's contents map.
 */
function noWinProbability(farm: Farm, rho: number): number {
  const counts = new Array<number>(farm.pieces + 1).fill(0);
  for (let b = 0; b < RECORD_NUM_S_BUCKETS; b++) {
    let k = 0;
    for (let p = 0; p < farm.pieces; p++) if (farm.map!.isEncoded(p, b)) k++;
    counts[k]!++;
  }
  return counts.reduce((s, c, k) => s + (c / RECORD_NUM_S_BUCKETS) * (1 - rho) ** k, 0);
}

describe("e2e: two farmers win blocks in proportion to their space (custom spec, subspace-node + 2 × subspace-farmer)", function () {
  // First start for this spec: segment 0 is archived (~30–40 s, cached per genesis afterwards).
  this.timeout(240_000);
  const teardown = new Teardown();
  let dir: ReturnType<typeof tempDir>;
  let specPath: string;
  let node: NodeProcess;
  const farms: Farm[] = [
    { name: "A", pieces: 1, entropy: new Uint8Array(32).fill(0xa1) },
    { name: "B", pieces: 3, entropy: new Uint8Array(32).fill(0xb3) },
  ].map((f) => ({ ...f, path: "", identity: undefined as unknown as Identity, publicKey: "" }));
  const timings: string[] = [];
  const t0 = Date.now();
  const mark = (what: string) => timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  after(async () => {
    await teardown.run();
    console.log(`      timings: ${timings.join(", ")}`);
  });

  before(async () => {
    dir = tempDir("subspace-proportional-");
    teardown.add(() => dir.remove());
    const built = spawnSync(process.execPath, [NODE_BIN, "build-spec", "--chain", "dev"], { encoding: "utf8" });
    expect(built.status, built.stderr).to.equal(0);
    const spec = parseChainSpec(built.stdout, "build-spec --chain dev");
    spec.name = "Subspace proportional-space test";
    spec.id = "subspace_proportional_test";
    spec.chainType = "Local";
    const patch = (spec.genesis as { runtimeGenesis: { patch: any } }).runtimeGenesis.patch;
    expect(patch.subspace.solutionRange, "the dev spec's range").to.equal(U64_MAX);
    patch.subspace.solutionRange = SOLUTION_RANGE;
    patch.subspace.potSlotIterations = POT_SLOT_ITERATIONS;
    specPath = join(dir.path, "proportional.json");
    writeFileSync(specPath, chainSpecToJson(spec));

    // Fresh PoT entropy per run: the slots' challenges (hence who wins them) differ from run to run,
    // so each run is an independent sample (the genesis, its cached segment 0 and the plots do not change).
    node = await startNodeProcess(["--chain", specPath, "--farmer", "--no-dev-farm", "--unsafe-no-sync", "--pot-external-entropy", POT_ENTROPY]);
    const basePath = node.basePath;
    teardown.add(() => rmSync(basePath, { recursive: true, force: true }));
    teardown.add(() => node.stop());
    mark("node up");
    for (const f of farms) {
      f.path = join(dir.path, `farm-${f.name}`);
      mkdirSync(f.path);
      // The farmer opens an existing identity: a fixed one makes the plot the same on every run.
      f.identity = Identity.create(f.path, f.entropy);
      f.publicKey = toHex(f.identity.publicKey);
      const p = startFarmerProcess([
        "--reward-address", f.publicKey, `path=${f.path},size=${farmSize(f.pieces)}`, "--node-rpc-url", node.wsUrl,
        "--max-pieces-in-sector", String(f.pieces), "--plotting-threads", "1", "-l", "farmer=debug",
      ]);
      f.process = p;
      teardown.add(() => p.stop());
    }
    for (const f of farms) {
      await f.process!.waitForLog(/Plotting of farm 0 done/, 200_000);
      expect(f.process!.logs.some((l) => l.includes(`public key ${f.publicKey}`)), `farm ${f.name}'s log names its public key`).to.equal(true);
      f.plot = await SingleDiskFarm.open({ directory: f.path, create: false });
      const plot = f.plot;
      teardown.add(() => plot.close());
      expect(plot.plottedSectorCount).to.equal(1);
      expect(plot.piecesInSector).to.equal(f.pieces);
      f.map = SectorContentsMap.fromBytes(plot.sectorReader(0)(0, contentsMapSize(f.pieces)), f.pieces);
    }
    mark("both plotted");
  });

  it(`farm B (3 pieces) wins ≈ 3× as many blocks as farm A (1 piece), within ${Z}σ over ≥ ${MIN_COUNTED_BLOCKS} blocks`, async () => {
    const [A, B] = farms as [Farm, Farm];
    // The exact expectation from the plots. ρ = P(a uniform u64 distance ≤ ⌊range/2⌋ either way).
    const rho = Number(2n * (SOLUTION_RANGE / 2n) + 1n) / 2 ** 64;
    const [gA, gB] = [noWinProbability(A, rho), noWinProbability(B, rho)];
    const pOnlyA = (1 - gA) * gB;
    const pOnlyB = (1 - gB) * gA;
    const pBoth = (1 - gA) * (1 - gB);
    // A slot only one farm wins goes to that farm; in a contested slot (both win) the node takes the
    // solution that arrives first, which is not about space. Uncontested blocks are therefore the
    // test: given their number n, A's count is Binomial(n, q) with q below (slots are independent:
    // each has its own PoT output, hence its own global challenge).
    const q = pOnlyA / (pOnlyA + pOnlyB);
    const encoded = (f: Farm) => f.map!.numEncoded.reduce((x, y) => x + y, 0);
    const spaceShareA = A.pieces / (A.pieces + B.pieces);
    const encodedShareA = encoded(A) / (encoded(A) + encoded(B));
    // Every record encodes its 4,096 chunks (PoS K = 20), so the encoded-chunk share is the space share.
    expect(Math.abs(encodedShareA - spaceShareA), "encoded-chunk share vs space share").to.be.below(0.005);
    // Most slots have at most one winner.
    expect(pBoth / (1 - gA * gB), "contested share of won slots").to.be.below(0.1);

    // Warm-up: a record's first proof rebuilds its PoS table (≈ 1.2 s idle, several seconds under
    // load), misses its slot and makes the farmer skip the slots meanwhile, and farm B has three times
    // as many records to warm, so counting from the start would shortchange B. Counting starts once
    // every record of both farms was proved once (the farmers keep up to 8 proved records, so later
    // proofs are warm), as their debug logs tell (`Solution submitted … {"sector":0,"pieceOffset":p,…}`).
    const warmStart = Date.now();
    const cold = () => farms.flatMap((f) => {
      const proved = new Set(f.process!.logs.map((l) => /"sector":(\d+),"pieceOffset":(\d+).*"proveMs"/.exec(l)).filter((m) => m).map((m) => `${m![1]}:${m![2]}`));
      return Array.from({ length: f.pieces }, (_, p) => `0:${p}`).filter((k) => !proved.has(k)).map((k) => `${f.name} record ${k}`);
    });
    while (cold().length > 0 && Date.now() - warmStart < WARM_UP_MAX_MS) await sleep(500);
    const stillCold = cold();
    await sleep(1_500); // the last cold proof's skipped slots
    mark("records warm");
    const first = (await bestNumber(node.httpUrl)) + 1;
    const started = Date.now();
    let best = first - 1;
    while (best < first + COUNTED_BLOCKS - 1 && Date.now() - started < COUNT_DEADLINE_MS) {
      await sleep(1_000);
      best = await bestNumber(node.httpUrl);
    }
    const last = Math.min(best, first + COUNTED_BLOCKS - 1);
    mark(`counted #${first}..#${last}`);

    // The authors, and each block's slot replayed: did A, B or both hold a winning chunk?
    const blocks: FetchedBlock[] = [];
    for (let n = first - 1; n <= last; n++) blocks.push(await fetchBlock(node.httpUrl, n));
    // PoT outputs by slot: a block's own slot (pre-digest), and from its justification every slot after
    // its parent's future slot up to its own future slot (slot + authoring delay), the output being a
    // slot's last checkpoint.
    const outputs = new Map<number, Uint8Array>();
    const learn = (slot: number, output: Uint8Array) => {
      const known = outputs.get(slot);
      if (known) expect(toHex(output), `PoT output of slot ${slot}`).to.equal(toHex(known));
      outputs.set(slot, output);
    };
    for (const b of blocks) {
      if (b.header.number === 0) continue;
      learn(b.pre.slot, b.pre.potInfo.proofOfTime);
      const cps = b.justification?.checkpoints ?? [];
      cps.forEach((c, k) => learn(b.pre.slot + CONSTANTS.blockAuthoringDelay - (cps.length - 1) + k, checkpointsOutput(c)));
    }
    const count = { A: 0, B: 0, contestedA: 0, contestedB: 0 };
    for (const b of blocks.slice(1)) {
      const author = b.pre.solution.publicKey;
      const who = toHex(author) === A.publicKey ? "A" : toHex(author) === B.publicKey ? "B" : undefined;
      expect(who, `block #${b.header.number} is authored by one of the two farms`).to.not.equal(undefined);
      const gc = slotGlobalChallenge(b.pre.potInfo.proofOfTime, b.pre.slot);
      const [wA, wB] = [farmWins(A, gc), farmWins(B, gc)];
      expect(who === "A" ? wA : wB, `block #${b.header.number}: its author's plot wins slot ${b.pre.slot}`).to.equal(true);
      if (wA && wB) count[who === "A" ? "contestedA" : "contestedB"]++;
      else count[who!]++;
    }
    // Every slot of the window, replayed: wins that became no block (late or lost solutions; reported).
    const [s0, s1] = [blocks[1]!.pre.slot, blocks.at(-1)!.pre.slot];
    const authored = new Set(blocks.map((b) => b.pre.slot));
    const won = { A: 0, B: 0, both: 0, missedA: 0, missedB: 0, missedBoth: 0, replayed: 0 };
    for (let s = s0; s <= s1; s++) {
      const out = outputs.get(s);
      if (!out) continue;
      won.replayed++;
      const gc = slotGlobalChallenge(out, s);
      const [wA, wB] = [farmWins(A, gc), farmWins(B, gc)];
      const k = wA && wB ? "both" : wA ? "A" : wB ? "B" : undefined;
      if (!k) continue;
      won[k]++;
      if (!authored.has(s)) won[`missed${k}` as "missedA" | "missedB" | "missedBoth"]++;
    }

    // The tolerance: given n uncontested blocks, A's count is Binomial(n, q), σ = √(q(1 − q)/n)
    // (≈ 0.038 for n ≈ 125, ≈ 0.047 for the minimum n = 80). ±3.5σ leaves a false failure at ≈ 5·10⁻⁴
    // per run (normal approximation); the band (≈ 0.10–0.37 for n ≈ 125) is far from a 1 : 1 split (0.5).
    const n = count.A + count.B;
    const shareA = count.A / n;
    const sigma = Math.sqrt((q * (1 - q)) / n);
    const all = n + count.contestedA + count.contestedB;
    const summary =
      `records not warm when counting started: ${stillCold.join(", ") || "none"}; blocks #${first}..#${last} (slots ${s0}..${s1}): uncontested A ${count.A}, B ${count.B}; contested won by A ${count.contestedA}, by B ${count.contestedB}; ` +
      `A's uncontested share ${shareA.toFixed(3)}, expected ${q.toFixed(3)} ± ${(Z * sigma).toFixed(3)} (${Z}σ); A's share of all blocks ${((count.A + count.contestedA) / all).toFixed(3)} ` +
      `(space share ${spaceShareA}); per slot P(A wins) ${(1 - gA).toFixed(4)}, P(B wins) ${(1 - gB).toFixed(4)}, P(both) ${pBoth.toFixed(4)}; ` +
      `replayed ${won.replayed}/${s1 - s0 + 1} slots: won A-only ${won.A} (no block ${won.missedA}), B-only ${won.B} (${won.missedB}), both ${won.both} (${won.missedBoth})`;
    console.log(`      ${summary}`);
    expect(n, summary).to.be.at.least(MIN_COUNTED_BLOCKS);
    expect(Math.abs(shareA - q), summary).to.be.at.most(Z * sigma);
    // Enough blocks for the test to tell 1 : 3 from 1 : 1.
    expect(q + Z * sigma, summary).to.be.below(0.5);
  });

  it("import rejects a block whose solution is out of range (re-signed by its farmer), and the honest block imports", async () => {
    const crt = await createConsensusRuntime();
    // The node's CLI loads `--chain FILE` with `loadChainSpec`; the genesis must be the node's.
    const spec = await loadChainSpec(specPath, crt);
    const db = tempDir("subspace-proportional-db-");
    teardown.add(() => db.remove());
    const client = Client.open({ db: ChainDb.open(db.path, { statePruning: "archive", noSync: true }), runtime: crt.runtime, genesisStorage: genesisStorage(spec, crt), confirmationDepthK: 5 });
    teardown.add(() => client.close());
    expect(toHex(client.genesisHash)).to.equal((await rpc(node.httpUrl, "chain_getBlockHash", [0])).result);
    const kzg = await getKzg();
    const [segmentJson] = (await rpc(node.httpUrl, "subspace_segmentHeaders", [[0]])).result;
    const segment0 = segmentHeaderFromJson(segmentJson).segmentCommitment;
    const base = { kzg, knownSegmentCommitment: (i: bigint) => (i === 0n ? segment0 : undefined) };
    // Block 1's justification (if any) spans every slot since genesis: its PoT is not re-proven here.
    const b1 = await fetchBlock(node.httpUrl, 1);
    verifyHeader(client, crt, b1.header, base);
    client.importBlock(b1.header, b1.extrinsics);
    const b2 = await fetchBlock(node.httpUrl, 2);
    expect(b2.justification, "block #2 carries its PoT checkpoints").to.not.equal(undefined);
    const opts = { ...base, requireJustification: true, genesisSeed: genesisSeed(client.genesisHash, POT_ENTROPY), justifications: encodeJustifications(b2.justification!.seed, b2.justification!.checkpoints) };
    verifyHeader(client, crt, b2.header, opts);

    // The distance of block 2's solution, as verify.ts computes it: keyed BLAKE3 of the unmasked
    // chunk (chunk XOR blake3(PoS proof)) under the sector slot challenge, against the global challenge.
    const { pre } = b2;
    const s = pre.solution;
    const gc = slotGlobalChallenge(pre.potInfo.proofOfTime, pre.slot);
    const slotChallenge = sectorSlotChallenge(sectorIdFromPublicKey(s.publicKey, s.sectorIndex, s.historySize), gc);
    const mask = blake3(s.proofOfSpace);
    const distance = (chunk: Uint8Array) => solutionDistance(gc, chunk.map((x, i) => x ^ mask[i]!), slotChallenge);
    const half = SOLUTION_RANGE / 2n;
    expect(distance(s.chunk) <= half, "the honest solution is within range").to.equal(true);
    // Deterministic tampering: the first change of the chunk's last byte that lands outside the range
    // (the PoS proof, checked before the distance, is untouched; the chunk is checked only after it).
    let tampered: Uint8Array | undefined;
    for (let x = 1; x < 256 && !tampered; x++) {
      const c = Uint8Array.from(s.chunk);
      c[31] ^= x;
      if (distance(c) > half) tampered = c;
    }
    expect(tampered, "a chunk change that lands outside the range").to.not.equal(undefined);

    const author = farms.find((f) => f.publicKey === toHex(s.publicKey))!;
    const identity = Identity.open(author.path)!;
    expect(toHex(identity.publicKey)).to.equal(toHex(s.publicKey));
    const logs = b2.header.digest.logs.slice(0, -1);
    const preHeader: HeaderValue = { ...b2.header, digest: { logs: [subspacePreDigestItem({ ...pre, solution: { ...s, chunk: tampered! } }), ...logs.slice(1)] } };
    const seal = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, identity.keypair.secretKey, identity.keypair.publicKey, blake2_256(Header.enc(preHeader)));
    const bad: HeaderValue = { ...preHeader, digest: { logs: [...preHeader.digest.logs, subspaceSealItem(seal)] } };
    let error: unknown;
    try {
      verifyHeader(client, crt, bad, opts);
    } catch (e) {
      error = e;
    }
    expect(error, "the out-of-range block is rejected").to.be.instanceOf(HeaderVerificationError);
    expect((error as HeaderVerificationError).code, (error as Error).message).to.equal("HEADER_ERROR_INVALID_SOLUTION");
    expect((error as Error).message).to.include("SOLUTION_ERROR_OUTSIDE_SOLUTION_RANGE");
    expect(client.bestNumber).to.equal(1);

    // No harm done: the honest block verifies and imports, and matches the node's.
    verifyHeader(client, crt, b2.header, opts);
    const imported = client.importBlock(b2.header, b2.extrinsics);
    expect(client.bestNumber).to.equal(2);
    expect(toHex(imported.hash)).to.equal((await rpc(node.httpUrl, "chain_getBlockHash", [2])).result);
    mark("import checks done");
  });
});
