/**
 * The PoAS dev chain end to end: `subspace-node run --dev` archives segment 0 (cached per chain spec
 * in ~/.cache/subspace-node), plots its in-process farm, and authors blocks whose headers carry
 * `PreRuntime(SUB_)` and a valid `Seal(SUB_)`; @polkadot/api still works; rewards reach the farmer;
 * segment headers go on chain; pieces are served; and import rejects tampered headers.
 */
import { expect } from "chai";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import { ApiPromise, WsProvider, Keyring } from "@polkadot/api";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { NODE_BIN, startNodeProcess, rpc, Teardown, tempDir, type NodeProcess, headerFromJson as headerOf } from "../utils/node.ts";
import { fromHex, toHex } from "../../framework/codec/bytes.ts";
import { encodeCompact } from "../../framework/codec/ty.ts";
import { concatBytes } from "../../framework/codec/bytes.ts";
import { Header, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { blake2_256 } from "../../framework/crypto/index.ts";
import { sr25519SignWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import { extractPreDigest, subspacePreDigestItem, subspaceSealItem } from "../../framework/primitives/subspace/consensus/index.ts";
import { segmentHeaderFromJson } from "../../framework/primitives/subspace/core/index.ts";
import { isPieceValid } from "../../framework/primitives/subspace/archiving/index.ts";
import { getKzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { createConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { builtinSpec, genesisStorage } from "../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../../node/db/index.ts";
import { Client } from "../../node/client/client.ts";
import { verifyHeader, HeaderVerificationError } from "../../node/consensus/blockVerifier.ts";
import { defaultCacheDir } from "../../node/consensus/archiver.ts";
import { devFarmDirectory } from "../../node/consensus/devFarmer.ts";
import { Identity } from "../../node/farmer/identity.ts";
import { encodeJustifications } from "../../node/consensus/potJustification.ts";
import { decodeSubspaceJustification, genesisSeed } from "../../framework/primitives/subspace/pot/index.ts";

/** SCALE `Justifications` from `chain_getBlock`'s JSON `[[engineId, bytes]]`. */
const encodeJustificationsJson = (j: [string, string][]): Uint8Array =>
  concatBytes(encodeCompact(j.length), ...j.flatMap(([engine, body]) => [fromHex(engine), encodeCompact(fromHex(body).length), fromHex(body)]));

async function waitFor<T>(f: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined); // the node may be busy (first proofs) or restarting a connection
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}


describe("e2e: PoAS dev chain (subspace-node run --dev)", function () {
  this.timeout(300_000);
  const teardown = new Teardown();
  let node: NodeProcess;
  let api: ApiPromise;
  after(() => teardown.run());

  before(async () => {
    node = await startNodeProcess(["--dev"]);
    teardown.add(() => node.stop());
    // First start on a machine: segment 0 (~30–60 s) and a 2-record sector; later starts: seconds.
    await waitFor(async () => ((await rpc(node.httpUrl, "chain_getHeader")).result.number !== "0x0" ? true : undefined), 240_000, "the first PoAS block");
    api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true });
    teardown.add(() => api.disconnect());
  });

  it("authors blocks with PreRuntime(SUB_) and a valid Seal(SUB_), and pays block rewards to the farmer", async () => {
    const h = headerOf((await rpc(node.httpUrl, "chain_getHeader")).result);
    const tags = h.digest.logs.map((l) => l.tag);
    expect(tags[0]).to.equal("PreRuntime");
    expect(tags[tags.length - 1]).to.equal("Seal");
    const pre = extractPreDigest(h.number, h.digest.logs.slice(0, -1));
    expect(pre.solution.proofOfSpace.length).to.equal(160);
    const hash = (await rpc(node.httpUrl, "chain_getBlockHash", [h.number])).result;
    const events: any = await (await api.at(hash)).query.system.events();
    const reward = events.find((e: any) => e.event.section === "rewards" && e.event.method === "BlockReward");
    expect(reward, "Rewards.BlockReward").to.not.equal(undefined);
    expect(toHex(reward.event.data[0].toU8a())).to.equal(toHex(pre.solution.rewardAddress));
  });

  it("stores segment 0's header on chain and serves its pieces", async () => {
    const h1 = (await rpc(node.httpUrl, "chain_getBlockHash", [1])).result;
    const events: any = await (await api.at(h1)).query.system.events();
    expect(events.some((e: any) => e.event.section === "subspace" && e.event.method === "SegmentHeaderStored")).to.equal(true);
    const [headerJson] = (await rpc(node.httpUrl, "subspace_segmentHeaders", [[0]])).result;
    const segment = segmentHeaderFromJson(headerJson);
    const kzg = await getKzg();
    for (const index of [0, 1, 200]) {
      const piece = fromHex((await rpc(node.httpUrl, "subspace_piece", [index])).result);
      expect(isPieceValid(kzg, piece, segment.segmentCommitment, index), `piece ${index}`).to.equal(true);
    }
  });

  it("still takes a @polkadot/api transfer to finalized", async () => {
    const keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
    const alice = keyring.addFromUri("//Alice");
    const bob = keyring.addFromUri("//Bob");
    const statuses: string[] = [];
    await new Promise<void>((resolve, reject) => {
      api.tx.balances.transferKeepAlive(bob.address, 10n ** 18n).signAndSend(alice, (r) => {
        statuses.push(r.status.type);
        if (r.status.isFinalized) resolve();
        if (r.isError) reject(new Error(r.status.type));
      }).catch(reject);
    });
    expect(statuses).to.include.members(["Ready", "InBlock", "Finalized"]);
  });

  it("import rejects a bad seal, a reused slot, a block from the future, a tampered PoT output or checkpoint, and a wrong chunk witness", async () => {
    const dir = tempDir();
    teardown.add(() => dir.remove());
    const crt = await createConsensusRuntime();
    const client = Client.open({ db: ChainDb.open(dir.path, { statePruning: "archive", noSync: true }), runtime: crt.runtime, genesisStorage: genesisStorage(builtinSpec("dev", crt)!, crt), confirmationDepthK: 5 });
    teardown.add(() => client.close());
    const kzg = await getKzg();
    const [headerJson] = (await rpc(node.httpUrl, "subspace_segmentHeaders", [[0]])).result;
    const known = (i: bigint) => (i === 0n ? segmentHeaderFromJson(headerJson).segmentCommitment : undefined);
    const fetch = async (n: number) => {
      const b = (await rpc(node.httpUrl, "chain_getBlock", [(await rpc(node.httpUrl, "chain_getBlockHash", [n])).result])).result.block;
      const block = (await rpc(node.httpUrl, "chain_getBlock", [(await rpc(node.httpUrl, "chain_getBlockHash", [n])).result])).result;
      const j = block.justifications as [string, string][] | null;
      expect(j, `block #${n} carries a SUB_ justification`).to.not.equal(null);
      const sub = decodeSubspaceJustification(fromHex(j!.find(([e]) => e === "0x5355425f")![1]));
      return { header: headerOf(b.header), extrinsics: b.extrinsics.map(fromHex) as Uint8Array[], justification: sub };
    };
    const seed = genesisSeed(client.genesisHash, "");
    const opts = (j: { seed: Uint8Array; checkpoints: readonly Uint8Array[][] }) => ({
      kzg, knownSegmentCommitment: known, genesisSeed: seed, requireJustification: true, justifications: encodeJustifications(j.seed, j.checkpoints as any),
    });
    const b1 = await fetch(1);
    verifyHeader(client, crt, b1.header, opts(b1.justification as any));
    client.importBlock(b1.header, b1.extrinsics);
    const b2 = await fetch(2);
    verifyHeader(client, crt, b2.header, opts(b2.justification as any));

    const identity = Identity.open(devFarmDirectory(defaultCacheDir(), client.genesisHash))!;
    const pre = extractPreDigest(b2.header.number, b2.header.digest.logs.slice(0, -1));
    /** Rebuilds block 2's header with a changed pre-digest, correctly re-signed by the farmer. */
    const resign = (change: (p: typeof pre) => typeof pre): HeaderValue => {
      const logs = b2.header.digest.logs.slice(0, -1);
      const preHeader: HeaderValue = { ...b2.header, digest: { logs: [subspacePreDigestItem(change(pre)), ...logs.slice(1)] } };
      const sig = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, identity.keypair.secretKey, identity.keypair.publicKey, blake2_256(Header.enc(preHeader)));
      return { ...preHeader, digest: { logs: [...preHeader.digest.logs, subspaceSealItem(sig)] } };
    };
    const expectReject = (h: HeaderValue, code: string, extra: object = {}) => {
      try {
        verifyHeader(client, crt, h, { ...opts(b2.justification as any), ...extra });
      } catch (e) {
        expect(e).to.be.instanceOf(HeaderVerificationError);
        expect((e as HeaderVerificationError).code, (e as Error).message).to.equal(code);
        return;
      }
      throw new Error(`expected ${code}`);
    };
    const sealed = b2.header.digest.logs;
    const badSig = Uint8Array.from((sealed[sealed.length - 1] as any).value[1]);
    badSig[5] ^= 1;
    expectReject({ ...b2.header, digest: { logs: [...sealed.slice(0, -1), subspaceSealItem(badSig)] } }, "HEADER_ERROR_BAD_SEAL");
    const parentSlot = extractPreDigest(1, b1.header.digest.logs.slice(0, -1)).slot;
    expectReject(resign((p) => ({ ...p, slot: parentSlot })), "HEADER_ERROR_SLOT_NOT_INCREASING");
    expectReject(b2.header, "HEADER_ERROR_FUTURE_SLOT", { currentSlot: pre.slot - 10 });
    expectReject(b2.header, "HEADER_ERROR_PROOF_OF_TIME", { proofOfTimeFor: () => new Uint8Array(16).fill(7) });
    // A tampered PoT checkpoint in the block's justification.
    const tampered = b2.justification.checkpoints.map((c: any) => c.map((x: Uint8Array) => Uint8Array.from(x)));
    tampered[0][3][0] ^= 1;
    expectReject(b2.header, "HEADER_ERROR_PROOF_OF_TIME", { justifications: encodeJustifications(b2.justification.seed, tampered) });
    // Deep-sync sampling (a block not picked for full verification): checkpoints of slots up to the
    // block's own are not looked at, those after it (up to the future proof of time) always are.
    const justified = b2.justification.checkpoints as Uint8Array[][];
    const futureSlot = pre.slot + 4;
    const slotOf = (i: number) => futureSlot - (justified.length - 1 - i);
    const tamperAt = (i: number) => {
      const t = justified.map((c) => c.map((x) => Uint8Array.from(x)));
      t[i]![3]![0] ^= 1;
      return encodeJustifications(b2.justification.seed, t as any);
    };
    expectReject(b2.header, "HEADER_ERROR_PROOF_OF_TIME", { fullPotVerification: false, justifications: tamperAt(justified.length - 1) });
    const early = justified.findIndex((_, i) => slotOf(i) <= pre.slot);
    if (early >= 0) verifyHeader(client, crt, b2.header, { ...opts(b2.justification as any), fullPotVerification: false, justifications: tamperAt(early) });
    const witness = Uint8Array.from(pre.solution.chunkWitness);
    witness[10] ^= 1;
    expectReject(resign((p) => ({ ...p, solution: { ...p.solution, chunkWitness: witness } })), "HEADER_ERROR_INVALID_SOLUTION");
    // The node was not harmed: the honest block still verifies and imports.
    verifyHeader(client, crt, b2.header, opts(b2.justification as any));
    client.importBlock(b2.header, b2.extrinsics);
    expect(client.bestNumber).to.equal(2);
  });

  it("maps a System.remark into history: subspace_subscribeObjectMappings reports blake3(remark) in segment 1", async () => {
    const keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
    const alice = keyring.addFromUri("//Alice");
    const payload = new TextEncoder().encode(`an object stored on the dev chain at ${Date.now()}`);
    const want = toHex(nobleBlake3(payload)).slice(2);
    const provider = new WsProvider(node.wsUrl);
    teardown.add(() => provider.disconnect());
    await provider.isReady;
    const seen = new Promise<{ blockNumber: number; objects: [string, number, number][] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no object mapping for the remark")), 120_000);
      void provider.subscribe("subspace_object_mappings", "subspace_subscribeObjectMappings", [], (err: Error | null, m: any) => {
        if (err) return reject(err);
        if (m.objects.some((o: [string, number, number]) => o[0] === want)) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
    // The filtered subscription reports only the listed hashes; a bad hash is refused.
    const filtered = new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no filtered object mapping for the remark")), 120_000);
      void provider.subscribe("subspace_filtered_object_mappings", "subspace_subscribeFilteredObjectMappings", [[want]], (err: Error | null, m: any) => {
        if (err) return reject(err);
        clearTimeout(timer);
        resolve(m);
      });
    });
    const bad = await provider.send("subspace_subscribeFilteredObjectMappings", [["0x12"]]).then(() => undefined, (e: Error) => e);
    expect(bad?.message).to.match(/^-32602: /);
    let inBlock = 0;
    await new Promise<void>((resolve, reject) => {
      api.tx.system.remark(toHex(payload)).signAndSend(alice, (r) => {
        if (r.status.isInBlock) {
          void api.rpc.chain.getHeader(r.status.asInBlock).then((h) => {
            inBlock = h.number.toNumber();
            resolve();
          });
        }
        if (r.isError) reject(new Error(r.status.type));
      }).catch(reject);
    });
    const m = await seen;
    // Reported when the block is archived (finalized, confirmation depth 5), with the block's number.
    expect(m.blockNumber).to.equal(inBlock);
    const [, pieceIndex] = m.objects.find((o) => o[0] === want)!;
    expect(pieceIndex).to.be.at.least(256).and.below(512); // segment 1: the history after genesis
    const f = await filtered;
    expect(f.blockNumber).to.equal(inBlock);
    expect(f.objects.map((o: [string, number, number]) => o[0])).to.deep.equal([want]);
  });

  // Last: it narrows the solution range for the rest of this node's life.
  it("turns solutions outside the block range but inside the voting range into votes, rewarded with Rewards.VoteReward", async () => {
    const keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
    const alice = keyring.addFromUri("//Alice");
    // A quarter of the solution space for blocks; the voting range (×10) saturates to all of it, so
    // about three of four audited chunks are votes (ShouldAdjustSolutionRange was false: the voting
    // range equalled the block range and no vote was possible until now).
    const range = 1n << 62n;
    await new Promise<void>((resolve, reject) => {
      api.tx.sudo.sudo(api.tx.subspace.enableSolutionRangeAdjustment(range, null)).signAndSend(alice, (r) => {
        if (r.status.isInBlock) resolve();
        if (r.isError) reject(new Error(r.status.type));
      }).catch(reject);
    });
    const ranges: any = await api.query.subspace.solutionRanges();
    expect(ranges.current.toBigInt()).to.equal(range);
    expect(ranges.votingCurrent.toBigInt()).to.equal((1n << 64n) - 1n);
    const found = await waitFor(async () => {
      const head = await api.rpc.chain.getHeader();
      for (let n = head.number.toNumber(); n > head.number.toNumber() - 5 && n > 0; n--) {
        const events: any = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events();
        const vote = events.find((e: any) => e.event.section === "subspace" && e.event.method === "FarmerVote");
        const reward = events.find((e: any) => e.event.section === "rewards" && e.event.method === "VoteReward");
        if (vote && reward) return { vote: vote.event.data, reward: reward.event.data, n };
      }
      return undefined;
    }, 120_000, "a block with a FarmerVote and a VoteReward");
    // The vote names the farm's key and reward address, and the reward goes to that address.
    expect(found.vote.rewardAddress.toString()).to.equal(found.reward.voter.toString());
    expect(found.reward.reward.toBigInt() > 0n).to.equal(true);
    expect(found.vote.height.toNumber()).to.be.at.most(found.n);

    // The whole sealed chain, votes included, imports into a fresh node through `import-blocks`:
    // every header verified (seal, PoT justification, solution), every block re-executed (the runtime
    // checks each vote's solution and proofs of time through the node's verifier).
    const dir = tempDir();
    teardown.add(() => dir.remove());
    const lines: string[] = [];
    for (let n = 1; n <= found.n; n++) {
      const block = (await rpc(node.httpUrl, "chain_getBlock", [(await rpc(node.httpUrl, "chain_getBlockHash", [n])).result])).result;
      const j = block.justifications as [string, string][] | null;
      const header = Header.enc(headerOf(block.block.header));
      lines.push(JSON.stringify({
        header: toHex(header), extrinsics: block.block.extrinsics,
        ...(j ? { justifications: toHex(encodeJustificationsJson(j)) } : {}),
      }));
    }
    const file = join(dir.path, "blocks.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    const imp = spawnSync(process.execPath, [NODE_BIN, "import-blocks", "--chain", "dev", "--base-path", join(dir.path, "b"), file], { encoding: "utf8", timeout: 120_000 });
    expect(imp.status, imp.stderr).to.equal(0);
    expect(imp.stderr).to.include(`Imported ${found.n} blocks`);
  });
});
