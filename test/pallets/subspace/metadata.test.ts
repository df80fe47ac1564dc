/**
 * Subspace (2) and Rewards (4) composed with System and Balances as in the consensus runtime:
 * metadata V14/V15 decodes through @polkadot/types, polkadot-js decodes our storage values and
 * events, and the constants read back as the reference runtime's values.
 */
import { expect } from "chai";
import { Metadata, TypeRegistry, expandMetadata } from "@polkadot/types";
import { u8aToHex, compactStripLength } from "@polkadot/util";
import { variant } from "../../../framework/codec/ty.ts";
import { toHex, fromHex, concatBytes } from "../../../framework/codec/bytes.ts";
import { callApi } from "../../../framework/runtime/apis.ts";
import { subspaceApi } from "../../../pallets/subspace/api.ts";
import { encodeSegmentHeader } from "../../../framework/primitives/subspace/core/segments.ts";
import { buildMetadata } from "../../../framework/runtime/metadata.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../../pallets/balances/balances.ts";
import { SubspacePallet, subspaceSystemPort, encodeSubspaceInherentData, SUBSPACE_INHERENT_ID } from "../../../pallets/subspace/subspace.ts";
import { RewardsPallet, balancesCurrency, rewardsSystemPort } from "../../../pallets/rewards/rewards.ts";
import { piecesToSolutionRange, MAINNET_RECORD, subspacePreDigestItem, decodeConsensusLog, SignedVoteTy } from "../../../framework/primitives/subspace/consensus/index.ts";
import { TestExt, testSystem, composeRuntime, call } from "../mock.ts";
import { goToBlock, segmentHeader, type SubspaceExt } from "./mock.ts";

function composed() {
  const system = testSystem({ ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA });
  const none = variant({}, { path: ["mock_runtime", "RuntimeHoldReason"] });
  const balances = new BalancesPallet({ existentialDeposit: 1n, maxLocks: 50, maxReserves: 50, maxFreezes: 50, holdReason: none, freezeReason: none }, system);
  // The reference runtime's values.
  const subspace = new SubspacePallet({
    blockAuthoringDelay: 4, potEntropyInjectionInterval: 50, potEntropyInjectionLookbackDepth: 2, potEntropyInjectionDelay: 15, eraDuration: 2016,
    initialSolutionRange: piecesToSolutionRange(1000n, [1n, 6n], MAINNET_RECORD), slotProbability: [1n, 6n], confirmationDepthK: 100,
    recentSegments: 5n, recentHistoryFraction: [1n, 10n], minSectorLifetime: 4n, expectedVotesPerBlock: 9, maxPiecesInSector: 1000,
    shouldAdjustSolutionRange: false, blockSlotCount: 6,
  }, subspaceSystemPort(system));
  const rewards = new RewardsPallet({ avgBlockspaceUsageNumBlocks: 100, maxRewardPoints: 20, proposerTaxOnVotes: [1, 10], maxNormalBlockLength: 3_932_160 },
    balancesCurrency(balances), subspace, rewardsSystemPort(system, () => 1n));
  const runtime = composeRuntime(system, [{ index: 2, pallet: subspace }, { index: 4, pallet: rewards }, { index: 5, pallet: balances }]);
  const ext = new TestExt(runtime, system, () => {
    system.buildGenesis();
    subspace.buildGenesis({ enableRewardsAt: { Height: 1 }, allowAuthoringBy: "Anyone", potSlotIterations: 100_000_000 });
    rewards.buildGenesis({ remainingIssuance: 1000, proposerSubsidyPoints: [{ block: 0, subsidy: 10 }] });
  }) as SubspaceExt;
  ext.subspace = subspace;
  return { ext, runtime, subspace, rewards };
}

describe("Subspace and Rewards in runtime metadata (polkadot-js)", () => {
  it("V14 and V15 decode and re-encode byte for byte; calls, storage, events, errors and constants as the reference", () => {
    const { runtime } = composed();
    const md = buildMetadata(runtime);
    for (const bytes of [md.v14, md.v15]) {
      const registry = new TypeRegistry();
      const m = new Metadata(registry, bytes);
      expect(u8aToHex(m.toU8a())).to.equal(toHex(bytes));
    }
    const registry = new TypeRegistry();
    const m = new Metadata(registry, md.v15);
    registry.setMetadata(m);
    const d = expandMetadata(registry, m);
    expect([...d.tx.subspace!.storeSegmentHeaders!.callIndex]).to.deep.equal([2, 0]);
    expect([...d.tx.subspace!.vote!.callIndex]).to.deep.equal([2, 2]);
    expect([...d.tx.subspace!.setPotSlotIterations!.callIndex]).to.deep.equal([2, 5]);
    expect([...d.tx.rewards!.updateIssuanceParams!.callIndex]).to.deep.equal([4, 0]);
    expect(d.consts.subspace!.initialSolutionRange!.toString()).to.equal("6148914691236495");
    expect(d.consts.subspace!.slotProbability!.toJSON()).to.deep.equal([1, 6]);
    expect(d.consts.subspace!.recentHistoryFraction!.toJSON()).to.deep.equal([1, 10]);
    expect(d.consts.subspace!.confirmationDepthK!.toString()).to.equal("100");
    expect(d.consts.rewards!.proposerTaxOnVotes!.toJSON()).to.deep.equal([1, 10]);
    expect(d.events.subspace!.FarmerVote!.meta.fields.map((f) => f.name.toString())).to.deep.equal(["public_key", "reward_address", "height", "parent_hash"]);
    expect(d.events.rewards!.BlockReward!.meta.fields.map((f) => f.name.toString())).to.deep.equal(["block_author", "reward"]);
    expect(d.errors.subspace!.PotSlotIterationsMustIncrease!.meta.index.toNumber()).to.equal(2);
    const hashers = (e: any) => e.meta.type.asMap.hashers.map((h: any) => h.type);
    expect(hashers(d.query.subspace!.segmentCommitment)).to.deep.equal(["Twox64Concat"]);
    expect(d.query.subspace!.counterForSegmentCommitment).to.not.equal(undefined);
    const key = (entry: any, ...args: any[]) => u8aToHex(compactStripLength(entry(...args))[1]);
    const { subspace } = composed();
    expect(key(d.query.subspace!.segmentCommitment, 3)).to.equal(toHex(subspace.SegmentCommitment.key(3n)));
  });

  it("polkadot-js decodes our stored values and events with the metadata's types", () => {
    const { ext, runtime } = composed();
    goToBlock(ext, 1, 7);
    ext.dispatch(call("Subspace", "store_segment_headers", { segmentHeaders: [segmentHeader(0n)] }), { tag: "None" });
    ext.execute(() => ext.subspace.onFinalize(1));
    goToBlock(ext, 2, 8);
    const md = buildMetadata(runtime);
    const registry = new TypeRegistry();
    const m = new Metadata(registry, md.v15);
    registry.setMetadata(m);
    const d = expandMetadata(registry, m);
    const typeOf = (entry: any) => registry.createLookupType(entry.meta.type.isPlain ? entry.meta.type.asPlain : entry.meta.type.asMap.value);
    const read = (entry: any, raw: Uint8Array | undefined) => registry.createType(typeOf(entry), raw).toJSON() as any;
    const st = (item: { key(...a: any[]): Uint8Array }, ...k: any[]) => ext.execute(() => ext.overlay.get(item.key(...k)));
    const s = ext.subspace;
    expect(read(d.query.subspace!.blockSlots, st(s.BlockSlots))).to.deep.equal({ 1: 7, 2: 8 });
    const r = read(d.query.subspace!.solutionRanges, st(s.SolutionRanges) ?? s.SolutionRanges.meta.default);
    expect([BigInt(r.current), r.next, BigInt(r.votingCurrent), r.votingNext]).to.deep.equal([6148914691236495n, null, 6148914691236495n, null]);
    expect(read(d.query.subspace!.potSlotIterations, st(s.PotSlotIterations))).to.deep.equal({ slotIterations: 100000000, update: null });
    const author = read(d.query.subspace!.currentBlockAuthorInfo, st(s.CurrentBlockAuthorInfo));
    expect(author[1]).to.equal(0);
    expect(author[4]).to.equal(8);
    expect(read(d.query.subspace!.parentVoteVerificationData, st(s.ParentVoteVerificationData)).currentSlot).to.equal(7);
    expect(read(d.query.subspace!.segmentCommitment, st(s.SegmentCommitment, 0n))).to.equal(toHex(segmentHeader(0n).segmentCommitment));
    // The event record of block 1 decoded through System.Events' metadata type.
    const ext2 = composed().ext;
    goToBlock(ext2, 1, 1);
    ext2.dispatch(call("Subspace", "store_segment_headers", { segmentHeaders: [segmentHeader(0n)] }), { tag: "None" });
    const events = registry.createType(typeOf(d.query.system!.events), ext2.execute(() => ext2.overlay.get(ext2.system.Events.key()))).toJSON() as any[];
    expect(events[0].event.index).to.equal("0x0200");
    expect(events[0].event.data[0].v0.segmentIndex).to.equal(0);
  });
});

describe("Subspace and Rewards through the executive", () => {
  it("a block with a PreRuntime(SUB_) header: inherent applied, SUB_ consensus logs in the finished header, author rewarded by Rewards", () => {
    const { ext, runtime, rewards } = composed();
    const pre = {
      slot: 42,
      solution: { publicKey: new Uint8Array(32).fill(1), rewardAddress: new Uint8Array(32).fill(7), sectorIndex: 0, historySize: 1n, pieceOffset: 0,
        recordCommitment: new Uint8Array(48), recordWitness: new Uint8Array(48), chunk: new Uint8Array(32), chunkWitness: new Uint8Array(48), proofOfSpace: new Uint8Array(160) },
      potInfo: { proofOfTime: new Uint8Array(16).fill(3), futureProofOfTime: new Uint8Array(16).fill(4) },
    };
    const header = ext.execute(() => {
      runtime.initializeBlock({ parentHash: new Uint8Array(32).fill(9), number: 1, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32), digest: { logs: [subspacePreDigestItem(pre)] } });
      const [x] = runtime.inherentExtrinsics(new Map([[SUBSPACE_INHERENT_ID, encodeSubspaceInherentData([segmentHeader(0n)])]]));
      expect(runtime.applyExtrinsic(x!)).to.deep.equal({ ok: true, value: { ok: true } });
      return runtime.finalizeBlock(() => new Uint8Array(32));
    });
    const sub = header.digest.logs.filter((l) => l.tag === "Consensus").map((l: any) => decodeConsensusLog(l.value[1]).tag);
    expect(sub).to.deep.equal(["SolutionRange", "PotSlotIterations", "SegmentCommitment"]);
    expect(header.digest.logs[0]!.tag).to.equal("PreRuntime");
    const ev = ext.events().filter((e) => e.tag === "Rewards").map((e) => e.value);
    expect(ev).to.deep.equal([{ tag: "BlockReward", value: { blockAuthor: new Uint8Array(32).fill(7), reward: 10n } }]);
    expect(ext.execute(() => rewards.RemainingIssuance.get())).to.equal(990n);
  });
});

describe("SubspaceApi (runtime API, SCALE in and out)", () => {
  it("answers every method with the reference's layouts (hand-computed bytes)", () => {
    const { ext, runtime } = composed();
    const submitted: Uint8Array[] = [];
    runtime.apis.push(subspaceApi({
      runtime, subspace: ext.subspace, slotDurationMs: 1000n, blockWeight: () => ({ refTime: 5n, proofSize: 6n }), submitExtrinsic: (x) => submitted.push(x),
    }));
    goToBlock(ext, 1, 1);
    const [x] = ext.execute(() => runtime.inherentExtrinsics(new Map([[SUBSPACE_INHERENT_ID, encodeSubspaceInherentData([segmentHeader(0n)])]])));
    ext.execute(() => runtime.applyExtrinsic(x!));
    const api = (name: string, input: Uint8Array = new Uint8Array(0)) => toHex(ext.execute(() => callApi(runtime, `SubspaceApi_${name}`, input)));
    expect(api("history_size")).to.equal("0x0100000000000000");
    expect(api("max_pieces_in_sector")).to.equal("0xe803");
    expect(api("should_adjust_solution_range")).to.equal("0x00");
    expect(api("root_plot_public_key")).to.equal("0x00");
    expect(api("pot_parameters")).to.equal("0x00" + "00e1f505" + "00");
    // current 6,148,914,691,236,495 = 0x0015d867c3ece28f (LE), next None, voting current, voting next None.
    expect(api("solution_ranges")).to.equal("0x8fe2ecc367d81500" + "00" + "8fe2ecc367d81500" + "00");
    expect(api("chain_constants")).to.equal("0x00" + "64000000" + "0400000000000000" + "e0070000" + "0100000000000000" + "0600000000000000"
      + "e803000000000000" + "0500000000000000" + "0100000000000000" + "0a00000000000000" + "0400000000000000");
    expect(api("segment_commitment", fromHex("0x0000000000000000"))).to.equal(toHex(concatBytes(Uint8Array.of(1), segmentHeader(0n).segmentCommitment)));
    expect(api("segment_commitment", fromHex("0x0100000000000000"))).to.equal("0x00");
    expect(api("extract_segment_headers", x!)).to.equal(toHex(concatBytes(Uint8Array.of(1, 4), encodeSegmentHeader(segmentHeader(0n)))));
    expect(api("is_inherent", x!)).to.equal("0x01");
    expect(api("block_weight")).to.equal("0x1418");
    const vote = { vote: { height: 2, parentHash: new Uint8Array(32), slot: 3, solution: { publicKey: new Uint8Array(32), rewardAddress: new Uint8Array(32), sectorIndex: 0, historySize: 1n, pieceOffset: 0,
      recordCommitment: new Uint8Array(48), recordWitness: new Uint8Array(48), chunk: new Uint8Array(32), chunkWitness: new Uint8Array(48), proofOfSpace: new Uint8Array(160) },
      proofOfTime: new Uint8Array(16), futureProofOfTime: new Uint8Array(16) }, signature: new Uint8Array(64) };
    expect(api("submit_vote_extrinsic", SignedVoteTy.enc(vote))).to.equal("0x");
    expect(submitted.length).to.equal(1);
    expect(runtime.decodeExtrinsic(submitted[0]!).call).to.deep.include({ tag: "Subspace" });
  });
});
