/**
 * pallet_subspace on a mock runtime, mirroring `crates/pallet-subspace/src/tests.rs` @72a5aa6f
 * with hand-computed expectations (era adjustment numbers worked out from the reference formula,
 * entropy from @noble/hashes' BLAKE3).
 */
import { expect } from "chai";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import { concatBytes, equalBytes, toHex } from "../../../framework/codec/bytes.ts";
import type { DigestItem, DispatchError } from "../../../framework/codec/substrate.ts";
import {
  decodeConsensusLog, SUBSPACE_ENGINE_ID, voteHash, type ConsensusLog, type ConsensusVerifier, type SignedVote, type Vote,
} from "../../../framework/primitives/subspace/consensus/index.ts";
import { encodeSubspaceInherentData, parseSubspaceGenesis, subspaceGenesisToJson, SUBSPACE_INHERENT_ID } from "../../../pallets/subspace/subspace.ts";
import { assertNoop, assertOk, checkOrigins, call, account } from "../mock.ts";
import {
  newTestExt, goToBlock, progressToBlock, segmentHeader, farmer, solutionOf, parentHashOf, INITIAL_SOLUTION_RANGE, type SubspaceExt,
} from "./mock.ts";

const NONE = { tag: "None" as const };
const ROOT = { tag: "Root" as const };
const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const moduleError = (index: number): DispatchError => ({ tag: "Module", value: { index: 2, error: Uint8Array.of(index, 0, 0, 0) } });

/** The `SUB_` consensus logs of the current block, decoded. */
function consensusLogs(ext: SubspaceExt): ConsensusLog[] {
  return ext.execute(() => ext.system.Digest.get().logs)
    .filter((l: DigestItem) => l.tag === "Consensus" && equalBytes(l.value[0], SUBSPACE_ENGINE_ID))
    .map((l: any) => decodeConsensusLog(l.value[1]));
}
/** Drops `undefined` object fields (decoded `None`s) so values compare with literals. */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v && typeof v === "object" && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, clean(x)])) as T;
  }
  return v;
}
const ranges = (ext: SubspaceExt) => clean(ext.execute(() => ext.subspace.SolutionRanges.get()));
const finalize = (ext: SubspaceExt) => ext.execute(() => ext.subspace.onFinalize(ext.system.blockNumber()));

describe("pallet_subspace (mock runtime)", () => {
  describe("genesis", () => {
    it("Anyone / FirstFarmer / RootFarmer, rewards at height / below a range / manually, PoT iterations", () => {
      const a = newTestExt({ enableRewardsAt: { Height: 7 }, allowAuthoringBy: "Anyone", potSlotIterations: 160 });
      a.execute(() => {
        expect(a.subspace.EnableRewards.getOption()).to.equal(7);
        expect(a.subspace.AllowAuthoringByAnyone.get()).to.equal(true);
        expect(a.subspace.RootPlotPublicKey.getOption()).to.equal(undefined);
        expect(clean(a.subspace.PotSlotIterations.getOption())).to.deep.equal({ slotIterations: 160 });
      });
      const pk = fill(32, 0xe6);
      const b = newTestExt({ enableRewardsAt: { SolutionRange: 123 }, allowAuthoringBy: { RootFarmer: toHex(pk).slice(2) }, potSlotIterations: 16 });
      b.execute(() => {
        expect(b.subspace.EnableRewards.getOption()).to.equal(undefined);
        expect(b.subspace.EnableRewardsBelowSolutionRange.getOption()).to.equal(123n);
        expect(b.subspace.AllowAuthoringByAnyone.get()).to.equal(false);
        expect(b.subspace.RootPlotPublicKey.getOption()).to.deep.equal(pk);
      });
      const c = newTestExt({ enableRewardsAt: "Manually", allowAuthoringBy: "FirstFarmer", potSlotIterations: 16 });
      c.execute(() => {
        expect(c.subspace.EnableRewards.getOption()).to.equal(undefined);
        expect(c.subspace.EnableRewardsBelowSolutionRange.getOption()).to.equal(undefined);
        expect(c.subspace.AllowAuthoringByAnyone.get()).to.equal(false);
      });
      const g = parseSubspaceGenesis({ enableRewardsAt: { Height: 1 }, allowAuthoringBy: { RootFarmer: "0x" + "ab".repeat(32) }, potSlotIterations: 100_000_000 });
      expect(subspaceGenesisToJson(g)).to.deep.equal({ enableRewardsAt: { Height: 1 }, allowAuthoringBy: { RootFarmer: "ab".repeat(32) }, potSlotIterations: 100_000_000 });
      expect(() => parseSubspaceGenesis({ potSlotIterations: 0 })).to.throw(/non-zero/);
      expect(() => parseSubspaceGenesis({ allowAuthoringBy: "Nobody" })).to.throw(/unknown/);
      expect(() => parseSubspaceGenesis({ extra: 1 } as any)).to.throw(/unknown field/);
    });

    it("initial solution ranges: current = voting = InitialSolutionRange while adjustment is off; ×10 voting when on", () => {
      const ext = newTestExt();
      expect(ranges(ext)).to.deep.equal({ current: INITIAL_SOLUTION_RANGE, votingCurrent: INITIAL_SOLUTION_RANGE });
      const on = newTestExt(undefined, { shouldAdjustSolutionRange: true });
      expect(ranges(on)).to.deep.equal({ current: INITIAL_SOLUTION_RANGE, votingCurrent: INITIAL_SOLUTION_RANGE * 10n });
    });
  });

  describe("block initialization and digests", () => {
    it("records the slot (last BlockSlotCount blocks), author info, randomness = blake3(PoT output), and deposits SolutionRange then PotSlotIterations", () => {
      const ext = newTestExt();
      const pre = goToBlock(ext, 1, 11, { proofOfTime: fill(16, 0x5a) });
      ext.execute(() => {
        expect(ext.subspace.BlockSlots.get()).to.deep.equal([[1, 11]]);
        expect(ext.subspace.currentSlot()).to.equal(11);
        expect(toHex(ext.subspace.BlockRandomness.getOption()!)).to.equal(toHex(nobleBlake3(fill(16, 0x5a))));
        expect(ext.subspace.CurrentBlockAuthorInfo.getOption()).to.deep.equal([pre.solution.publicKey, 0, 0, pre.solution.chunk, 11, pre.solution.rewardAddress]);
        expect(ext.subspace.CurrentBlockVoters.getOption()).to.deep.equal([]);
      });
      expect(consensusLogs(ext)).to.deep.equal([{ tag: "SolutionRange", value: INITIAL_SOLUTION_RANGE }, { tag: "PotSlotIterations", value: 100_000_000 }]);
      progressToBlock(ext, 8);
      ext.execute(() => {
        expect(ext.subspace.BlockSlots.get()).to.deep.equal([[3, 13], [4, 14], [5, 15], [6, 16], [7, 17], [8, 18]]);
        expect(ext.subspace.ParentBlockAuthorInfo.getOption()).to.deep.equal([pre.solution.publicKey, 0, 0, pre.solution.chunk, 17]);
        expect(ext.subspace.ParentVoteVerificationData.getOption()).to.deep.equal({
          solutionRange: INITIAL_SOLUTION_RANGE, voteSolutionRange: INITIAL_SOLUTION_RANGE, currentSlot: 17, parentSlot: 16,
        });
      });
    });

    it("a block without a SUB_ pre-digest is refused", () => {
      const ext = newTestExt();
      expect(() => ext.execute(() => {
        ext.system.initialize(2, parentHashOf(2), []);
        ext.subspace.onInitialize(2);
      })).to.throw(/pre-digest/);
    });

    it("FirstFarmer: the first author becomes the root farmer (RootPlotPublicKeyUpdate log); others are refused; enable_authoring_by_anyone lifts it", () => {
      const ext = newTestExt({ enableRewardsAt: { Height: 1 }, allowAuthoringBy: "FirstFarmer", potSlotIterations: 16 });
      goToBlock(ext, 1, 1, { farmer: farmer(1) });
      expect(consensusLogs(ext)[0]).to.deep.equal({ tag: "RootPlotPublicKeyUpdate", value: farmer(1).publicKey });
      expect(ext.execute(() => ext.subspace.rootPlotPublicKey())).to.deep.equal(farmer(1).publicKey);
      goToBlock(ext, 2, 2, { farmer: farmer(1) });
      expect(consensusLogs(ext).map((l) => l.tag)).to.deep.equal(["SolutionRange", "PotSlotIterations"]);
      expect(() => goToBlock(ext, 3, 3, { farmer: farmer(2) })).to.throw(/root user/);
      const ext2 = newTestExt({ allowAuthoringBy: "FirstFarmer", potSlotIterations: 16 });
      goToBlock(ext2, 1, 1, { farmer: farmer(1) });
      assertOk(ext2.dispatch(call("Subspace", "enable_authoring_by_anyone"), ROOT));
      expect(clean(consensusLogs(ext2).at(-1))).to.deep.equal({ tag: "RootPlotPublicKeyUpdate" });
      ext2.execute(() => {
        expect(ext2.subspace.AllowAuthoringByAnyone.get()).to.equal(true);
        expect(ext2.subspace.RootPlotPublicKey.getOption()).to.equal(undefined);
      });
      goToBlock(ext2, 2, 2, { farmer: farmer(2) });
    });
  });

  describe("store_segment_headers", () => {
    it("stores commitments (counted map), deposits SegmentCommitment logs and SegmentHeaderStored events; once per block", () => {
      const ext = newTestExt();
      goToBlock(ext, 1, 1);
      expect(ext.execute(() => ext.subspace.historySize())).to.equal(1n);
      const h0 = segmentHeader(0n);
      const h1 = segmentHeader(1n);
      assertOk(ext.dispatch(call("Subspace", "store_segment_headers", { segmentHeaders: [h0, h1] }), NONE));
      ext.execute(() => {
        expect(ext.subspace.SegmentCommitment.count()).to.equal(2);
        expect(ext.subspace.segmentCommitment(0n)).to.deep.equal(h0.segmentCommitment);
        expect(ext.subspace.segmentCommitment(1n)).to.deep.equal(h1.segmentCommitment);
        expect(ext.subspace.historySize()).to.equal(2n);
        expect(ext.subspace.DidProcessSegmentHeaders.get()).to.equal(true);
      });
      expect(ext.events().map((e) => e.value)).to.deep.equal([
        { tag: "SegmentHeaderStored", value: { segmentHeader: h0 } },
        { tag: "SegmentHeaderStored", value: { segmentHeader: h1 } },
      ]);
      expect(consensusLogs(ext).filter((l) => l.tag === "SegmentCommitment")).to.deep.equal([
        { tag: "SegmentCommitment", value: [0n, h0.segmentCommitment] },
        { tag: "SegmentCommitment", value: [1n, h1.segmentCommitment] },
      ]);
      expect(() => ext.dispatch(call("Subspace", "store_segment_headers", { segmentHeaders: [segmentHeader(2n)] }), NONE)).to.throw(/only once/);
      finalize(ext);
      expect(ext.execute(() => ext.subspace.DidProcessSegmentHeaders.exists())).to.equal(false);
    });

    it("validate_unsigned: only Local/InBlock; empty, gapped, repeated or already stored lists are BadMandatory", () => {
      const ext = newTestExt();
      goToBlock(ext, 1, 1);
      const v = (source: "External" | "Local" | "InBlock", hs: bigint[]) =>
        ext.execute(() => ext.subspace.validateUnsigned!(source, { tag: "store_segment_headers", value: { segmentHeaders: hs.map(segmentHeader) } }));
      expect(v("External", [0n])).to.deep.equal({ ok: false, error: { tag: "Invalid", value: { tag: "Call" } } });
      expect(v("Local", [0n])).to.deep.equal({ ok: true, value: { priority: (1n << 64n) - 1n, requires: [], provides: [], longevity: 0n, propagate: false } });
      const bad = { ok: false, error: { tag: "Invalid", value: { tag: "BadMandatory" } } };
      expect(v("Local", [])).to.deep.equal(bad);
      expect(v("Local", [1n])).to.deep.equal(bad);
      expect(v("Local", [0n, 2n])).to.deep.equal(bad);
      assertOk(ext.dispatch(call("Subspace", "store_segment_headers", { segmentHeaders: [segmentHeader(0n)] }), NONE));
      expect(v("Local", [0n])).to.deep.equal(bad);
      expect(v("InBlock", [1n, 1n])).to.deep.equal(bad);
      expect(v("InBlock", [1n, 2n]).ok).to.equal(true);
    });

    it("as an inherent through the executive: created from `subspace` inherent data, applied, checked against local data; a bad list is BadMandatory", () => {
      const ext = newTestExt();
      goToBlock(ext, 1, 1);
      const rt = ext.runtime;
      const data = (hs: bigint[]) => new Map([[SUBSPACE_INHERENT_ID, encodeSubspaceInherentData(hs.map(segmentHeader))]]);
      expect(ext.execute(() => rt.inherentExtrinsics(data([])))).to.deep.equal([]);
      const [x] = ext.execute(() => rt.inherentExtrinsics(data([0n])));
      expect(ext.execute(() => rt.checkInherents([x!], data([0n])))).to.deep.equal({ okay: true, fatalError: false, errors: [] });
      expect(ext.execute(() => rt.checkInherents([x!], data([1n]))).errors).to.deep.equal([["subspace", "IncorrectSegmentHeadersList"]]);
      expect(ext.execute(() => rt.applyExtrinsic(x!))).to.deep.equal({ ok: true, value: { ok: true } });
      expect(ext.execute(() => ext.subspace.SegmentCommitment.count())).to.equal(1);
      expect(ext.execute(() => rt.validateTransaction("Local", x!, parentHashOf(1)))).to.deep.equal({ ok: false, error: { tag: "Invalid", value: { tag: "MandatoryValidation" } } });
      finalize(ext);
      goToBlock(ext, 2, 2);
      const [gap] = ext.execute(() => rt.inherentExtrinsics(data([5n])));
      const before = ext.root();
      expect(ext.execute(() => rt.applyExtrinsic(gap!))).to.deep.equal({ ok: false, error: { tag: "Invalid", value: { tag: "BadMandatory" } } });
      expect(ext.root()).to.equal(before);
    });
  });

  describe("solution range adjustment", () => {
    it("era change (EraDuration 4, 3/10): next = cur × slots × 3 / 4 / 10 at block 4, current from block 5, NextSolutionRange logged (hand-computed)", () => {
      const ext = newTestExt();
      assertOk(ext.dispatch(call("Subspace", "enable_solution_range_adjustment", {}), ROOT));
      expect(clean(consensusLogs(ext))).to.deep.equal([{ tag: "EnableSolutionRangeAdjustmentAndOverride" }]);
      progressToBlock(ext, 3);
      expect(ranges(ext)).to.deep.equal({ current: INITIAL_SOLUTION_RANGE, votingCurrent: INITIAL_SOLUTION_RANGE });
      progressToBlock(ext, 4);
      // 5,409,602,367,656,760 × 4 slots × 3 / 4 blocks / 10 = 1,622,880,710,297,028; voting ×10.
      expect(ranges(ext)).to.deep.equal({ current: INITIAL_SOLUTION_RANGE, next: 1_622_880_710_297_028n, votingCurrent: INITIAL_SOLUTION_RANGE, votingNext: 16_228_807_102_970_280n });
      expect(ext.execute(() => ext.subspace.EraStartSlot.getOption())).to.equal(4);
      finalize(ext);
      expect(consensusLogs(ext).at(-1)).to.deep.equal({ tag: "NextSolutionRange", value: 1_622_880_710_297_028n });
      goToBlock(ext, 5, 5);
      expect(ranges(ext)).to.deep.equal({ current: 1_622_880_710_297_028n, votingCurrent: 16_228_807_102_970_280n });
      expect(consensusLogs(ext)[0]).to.deep.equal({ tag: "SolutionRange", value: 1_622_880_710_297_028n });
      // Era 2 takes 24 slots (4 → 28) for 4 blocks: × 24 × 3 / 4 / 10 = × 1.8 → 2,921,185,278,534,650.
      goToBlock(ext, 8, 5 + Math.floor((4 * 10) / 3) + 10); // the reference test's `current + 4 × 10 / 3 + 10`
      expect(ext.execute(() => ext.subspace.currentSlot())).to.equal(28);
      expect(ranges(ext).next).to.equal(2_921_185_278_534_650n);
    });

    it("while adjustment is off, the next range equals the current one", () => {
      const ext = newTestExt();
      progressToBlock(ext, 4);
      expect(ranges(ext)).to.deep.equal({ current: INITIAL_SOLUTION_RANGE, next: INITIAL_SOLUTION_RANGE, votingCurrent: INITIAL_SOLUTION_RANGE, votingNext: INITIAL_SOLUTION_RANGE });
      goToBlock(ext, 8, 40);
      expect(ranges(ext).next).to.equal(INITIAL_SOLUTION_RANGE);
    });

    it("an override applies at once and again at the next era; enabling twice fails with SolutionRangeAdjustmentAlreadyEnabled", () => {
      const ext = newTestExt();
      const r = 777_777n;
      assertOk(ext.dispatch(call("Subspace", "enable_solution_range_adjustment", { solutionRangeOverride: r, votingSolutionRangeOverride: r + 5n }), ROOT));
      expect(ranges(ext)).to.deep.equal({ current: r, votingCurrent: r + 5n });
      expect(consensusLogs(ext)).to.deep.equal([{ tag: "NextSolutionRange", value: r }, { tag: "EnableSolutionRangeAdjustmentAndOverride", value: r }]);
      progressToBlock(ext, 4);
      expect(ranges(ext)).to.deep.equal({ current: r, next: r, votingCurrent: r + 5n, votingNext: r + 5n });
      expect(ext.execute(() => ext.subspace.NextSolutionRangeOverride.getOption())).to.equal(undefined);
      assertNoop(ext, () => ext.dispatch(call("Subspace", "enable_solution_range_adjustment", {}), ROOT), moduleError(0), "enable twice");
      // Without a voting override, voting = range × (ExpectedVotesPerBlock + 1).
      const ext2 = newTestExt();
      assertOk(ext2.dispatch(call("Subspace", "enable_solution_range_adjustment", { solutionRangeOverride: 100n }), ROOT));
      expect(ranges(ext2)).to.deep.equal({ current: 100n, votingCurrent: 1000n });
    });

    it("EnableRewardsAt::SolutionRange: rewards start the block after an era brings the range at or below the threshold", () => {
      const ext = newTestExt({ enableRewardsAt: { SolutionRange: 1_622_880_710_297_028 }, allowAuthoringBy: "Anyone", potSlotIterations: 16 });
      assertOk(ext.dispatch(call("Subspace", "enable_solution_range_adjustment", {}), ROOT));
      progressToBlock(ext, 4);
      ext.execute(() => {
        expect(ext.subspace.EnableRewards.getOption()).to.equal(5);
        expect(ext.subspace.EnableRewardsBelowSolutionRange.getOption()).to.equal(undefined);
        expect(ext.subspace.rewardsEnabled()).to.equal(false);
        expect(ext.subspace.findBlockRewardAddress()).to.equal(undefined);
      });
      goToBlock(ext, 5, 5);
      ext.execute(() => {
        expect(ext.subspace.rewardsEnabled()).to.equal(true);
        expect(ext.subspace.findBlockRewardAddress()).to.deep.equal(farmer(1).rewardAddress);
      });
    });
  });

  describe("PoT entropy injection and slot iterations", () => {
    it("collects blake3(chunk ‖ PoT) every 5 blocks, schedules it 2 intervals later at slot + 4, logs PotParametersChange, prunes it after its slot", () => {
      const ext = newTestExt();
      const entropy = (b: number) => nobleBlake3(concatBytes(fill(32, b), fill(16, b)));
      const changes: Record<number, ConsensusLog | undefined> = {};
      for (let b = 1; b <= 21; b++) {
        goToBlock(ext, b, b, { chunk: fill(32, b), proofOfTime: fill(16, b) });
        changes[b] = consensusLogs(ext).find((l) => l.tag === "PotParametersChange");
        if (b === 10) {
          expect(clean(ext.execute(() => ext.subspace.PotEntropy.get()))).to.deep.equal([[5, { entropy: entropy(5) }], [10, { entropy: entropy(10) }]]);
        }
        if (b === 17) {
          expect(clean(ext.execute(() => ext.subspace.potParameters()))).to.deep.equal({ slotIterations: 100_000_000, nextChange: { slot: 19, slotIterations: 100_000_000, entropy: entropy(5) } });
        }
      }
      for (let b = 1; b <= 14; b++) expect(changes[b], `block ${b}`).to.equal(undefined);
      for (let b = 15; b <= 19; b++) expect(changes[b], `block ${b}`).to.deep.equal({ tag: "PotParametersChange", value: { slot: 19, slotIterations: 100_000_000, entropy: entropy(5) } });
      for (let b = 20; b <= 21; b++) expect(changes[b], `block ${b}`).to.deep.equal({ tag: "PotParametersChange", value: { slot: 24, slotIterations: 100_000_000, entropy: entropy(10) } });
      expect(clean(ext.execute(() => ext.subspace.PotEntropy.get()))).to.deep.equal([[10, { targetSlot: 24, entropy: entropy(10) }], [15, { entropy: entropy(15) }], [20, { entropy: entropy(20) }]]);
    });

    it("set_pot_slot_iterations: multiple of 16, must increase, takes effect at the next injection's slot, cannot be changed once scheduled", () => {
      const ext = newTestExt();
      progressToBlock(ext, 12);
      const set = (n: number) => ext.dispatch(call("Subspace", "set_pot_slot_iterations", { slotIterations: n }), ROOT);
      assertNoop(ext, () => set(100_000_001), moduleError(1), "not a multiple of 16");
      assertNoop(ext, () => set(100_000_000), moduleError(2), "must increase");
      assertOk(set(100_000_016));
      assertOk(set(100_000_032));
      expect(clean(ext.execute(() => ext.subspace.PotSlotIterations.getOption()))).to.deep.equal({ slotIterations: 100_000_000, update: { slotIterations: 100_000_032 } });
      progressToBlock(ext, 15);
      expect(clean(ext.execute(() => ext.subspace.PotSlotIterations.getOption()))).to.deep.equal({ slotIterations: 100_000_000, update: { targetSlot: 19, slotIterations: 100_000_032 } });
      expect(consensusLogs(ext).filter((l) => l.tag !== "SolutionRange")).to.deep.equal([
        { tag: "PotSlotIterations", value: 100_000_000 },
        { tag: "PotParametersChange", value: { slot: 19, slotIterations: 100_000_032, entropy: ext.execute(() => ext.subspace.PotEntropy.get())[0]![1].entropy } },
      ]);
      assertNoop(ext, () => set(100_000_048), moduleError(3), "already scheduled");
      progressToBlock(ext, 19);
      // The log still shows the iterations in force after the parent; storage switches at the target slot.
      expect(consensusLogs(ext).find((l) => l.tag === "PotSlotIterations")).to.deep.equal({ tag: "PotSlotIterations", value: 100_000_000 });
      expect(clean(ext.execute(() => ext.subspace.PotSlotIterations.getOption()))).to.deep.equal({ slotIterations: 100_000_032 });
      progressToBlock(ext, 20);
      expect(consensusLogs(ext).find((l) => l.tag === "PotSlotIterations")).to.deep.equal({ tag: "PotSlotIterations", value: 100_000_032 });
    });
  });

  describe("rewards port and enable_rewards_at", () => {
    it("EnableRewards gates the author's and voters' reward addresses; Height(h) never goes below the next block", () => {
      const ext = newTestExt({ enableRewardsAt: "Manually", potSlotIterations: 16 });
      progressToBlock(ext, 3);
      expect(ext.execute(() => ext.subspace.findBlockRewardAddress())).to.equal(undefined);
      assertOk(ext.dispatch(call("Subspace", "enable_rewards_at", { enableRewardsAt: { tag: "Height", value: 0 } }), ROOT));
      expect(ext.execute(() => ext.subspace.EnableRewards.getOption())).to.equal(4);
      assertOk(ext.dispatch(call("Subspace", "enable_rewards_at", { enableRewardsAt: { tag: "SolutionRange", value: 5n } }), ROOT));
      expect(ext.execute(() => ext.subspace.EnableRewardsBelowSolutionRange.getOption())).to.equal(5n);
      const authors: (Uint8Array | undefined)[] = [];
      ext.subspace.onBlockAuthor((who) => authors.push(who));
      progressToBlock(ext, 4);
      expect(authors).to.deep.equal([farmer(1).rewardAddress]);
      expect(ext.execute(() => ext.subspace.findVotingRewardAddresses())).to.deep.equal([]);
    });
  });

  describe("votes", () => {
    const sign = (vote: Vote, tag = 0) => concatBytes(voteHash(vote), fill(32, tag));
    const verifier = (distance = (1n << 62n)): ConsensusVerifier => ({
      checkRewardSignature: (hash, sig) => equalBytes(sig.subarray(0, 32), hash),
      verifySolution: () => ({ ok: true, distance }),
      isProofOfTimeValid: () => true,
    });
    /** Blocks 1–3 with segment 0 stored; block 4 is initialized by System only (the pool's view). */
    function setup(v: ConsensusVerifier | null = verifier()): SubspaceExt {
      const ext = newTestExt(undefined, {}, v ?? undefined);
      goToBlock(ext, 1, 1);
      assertOk(ext.dispatch(call("Subspace", "store_segment_headers", { segmentHeaders: [segmentHeader(0n)] }), NONE));
      progressToBlock(ext, 3);
      return ext;
    }
    const poolView = (ext: SubspaceExt, n: number) => ext.execute(() => {
      ext.subspace.onFinalize(ext.system.blockNumber());
      ext.system.initialize(n, parentHashOf(n), []);
    });
    const mkVote = (over: Partial<Vote> = {}, who = farmer(9)): Vote => ({
      height: 4, parentHash: parentHashOf(4), slot: 4, solution: solutionOf(who), proofOfTime: fill(16, 1), futureProofOfTime: fill(16, 2), ...over,
    });
    const signed = (vote: Vote, tag = 0): SignedVote => ({ vote, signature: sign(vote, tag) });
    const validate = (ext: SubspaceExt, sv: SignedVote, source: "External" | "InBlock" = "External") =>
      ext.execute(() => ext.subspace.validateUnsigned!(source, { tag: "vote", value: { signedVote: sv } }));
    const invalidAs = (tag: string) => ({ ok: false, error: { tag: "Invalid", value: { tag } } });

    it("pool validation: valid vote provides (\"SubspaceVote\", signature); height, parent, slot, signature, quality and commitment checks", () => {
      const ext = setup();
      poolView(ext, 4);
      const sv = signed(mkVote());
      const prefix = concatBytes(Uint8Array.of(12 << 2), new TextEncoder().encode("SubspaceVote"));
      expect(validate(ext, sv)).to.deep.equal({ ok: true, value: { priority: (1n << 64n) - 1n, requires: [], provides: [concatBytes(prefix, sv.signature)], longevity: 2n, propagate: true } });
      expect(validate(ext, signed(mkVote({ height: 1 })))).to.deep.equal(invalidAs("Call"));
      expect(validate(ext, signed(mkVote({ height: 5 })))).to.deep.equal(invalidAs("Future"));
      expect(validate(ext, signed(mkVote({ height: 2 })))).to.deep.equal(invalidAs("Stale"));
      expect(validate(ext, signed(mkVote({ parentHash: fill(32, 9) })))).to.deep.equal(invalidAs("Call"));
      expect(validate(ext, signed(mkVote({ slot: 3 })))).to.deep.equal(invalidAs("Stale"));
      expect(validate(ext, { vote: mkVote(), signature: fill(64, 1) })).to.deep.equal(invalidAs("BadProof"));
      const close = setup(verifier(INITIAL_SOLUTION_RANGE / 2n));
      poolView(close, 4);
      expect(validate(close, signed(mkVote())), "quality too high").to.deep.equal(invalidAs("Call"));
      const none = setup(null);
      poolView(none, 4);
      expect(validate(none, signed(mkVote())), "no verifier installed").to.deep.equal(invalidAs("Call"));
      const noSegments = newTestExt(undefined, {}, verifier());
      progressToBlock(noSegments, 3);
      poolView(noSegments, 4);
      expect(validate(noSegments, signed(mkVote())), "unknown segment commitment").to.deep.equal(invalidAs("Call"));
    });

    it("in a block: recorded as a voter, FarmerVote emitted, counted for rewards; a duplicate is refused; an equivocation revokes rewards", () => {
      const ext = setup();
      goToBlock(ext, 4, 5);
      const sv = signed(mkVote());
      const rt = ext.runtime;
      const x = rt.encodeUnsigned(call("Subspace", "vote", { signedVote: sv }));
      expect(ext.execute(() => rt.applyExtrinsic(x))).to.deep.equal({ ok: true, value: { ok: true } });
      expect(ext.events().find((e) => e.value.tag === "FarmerVote")!.value).to.deep.equal({
        tag: "FarmerVote", value: { publicKey: farmer(9).publicKey, rewardAddress: farmer(9).rewardAddress, height: 4, parentHash: parentHashOf(4) },
      });
      ext.execute(() => {
        expect(ext.subspace.CurrentBlockVoters.getOption()).to.deep.equal([[[farmer(9).publicKey, 0, 0, fill(32, 0), 4], [farmer(9).rewardAddress, sv.signature]]]);
        expect(ext.subspace.findVotingRewardAddresses()).to.deep.equal([farmer(9).rewardAddress]);
      });
      expect(validate(ext, sv, "InBlock"), "duplicate").to.deep.equal(invalidAs("Call"));
      // Same solution, different signature: equivocation; included, but the farmer's rewards are revoked.
      const eq = signed(mkVote(), 1);
      expect(validate(ext, eq, "InBlock").ok).to.equal(true);
      expect(ext.execute(() => ext.subspace.findVotingRewardAddresses())).to.deep.equal([]);
      // The block author reusing its own block's solution in a vote equivocates too.
      const own = signed(mkVote({ slot: 5, solution: solutionOf(farmer(1)) }));
      expect(validate(ext, own, "InBlock").ok).to.equal(true);
      ext.execute(() => {
        expect(ext.subspace.CurrentBlockAuthorInfo.getOption()![5]).to.equal(undefined);
        expect(ext.subspace.findBlockRewardAddress()).to.equal(undefined);
      });
      expect(validate(ext, signed(mkVote({ slot: 6 })), "InBlock"), "slot in the future").to.deep.equal(invalidAs("Future"));
    });
  });

  it("origin checks for every call", () => {
    const ext = newTestExt();
    goToBlock(ext, 1, 1);
    const vote: SignedVote = { vote: { height: 1, parentHash: fill(32, 0), slot: 1, solution: solutionOf(farmer(1)), proofOfTime: fill(16, 0), futureProofOfTime: fill(16, 0) }, signature: fill(64, 0) };
    const n = checkOrigins(ext, ext.subspace, account(1), {
      store_segment_headers: { args: { segmentHeaders: [segmentHeader(0n)] }, allowed: ["None"] },
      enable_solution_range_adjustment: { args: {}, allowed: ["Root"] },
      vote: { args: { signedVote: vote }, allowed: ["None"] },
      enable_rewards_at: { args: { enableRewardsAt: { tag: "Manually" } }, allowed: ["Root"] },
      enable_authoring_by_anyone: { args: {}, allowed: ["Root"] },
      set_pot_slot_iterations: { args: { slotIterations: 100_000_016 }, allowed: ["Root"] },
    });
    expect(n).to.equal(18);
  });

  it("metadata shapes: call, event and error indices; constants", () => {
    const ext = newTestExt();
    const s = ext.subspace;
    expect(Object.fromEntries(Object.entries(s.calls).map(([k, v]) => [k, v.index]))).to.deep.equal({
      store_segment_headers: 0, enable_solution_range_adjustment: 1, vote: 2, enable_rewards_at: 3, enable_authoring_by_anyone: 4, set_pot_slot_iterations: 5,
    });
    expect(Object.fromEntries(Object.entries(s.events).map(([k, v]) => [k, v.index]))).to.deep.equal({ SegmentHeaderStored: 0, FarmerVote: 1 });
    expect(Object.keys(s.errors)).to.deep.equal(["SolutionRangeAdjustmentAlreadyEnabled", "NotMultipleOfCheckpoints", "PotSlotIterationsMustIncrease", "PotSlotIterationsUpdateAlreadyScheduled"]);
    expect(s.constants.map((c) => c.name)).to.deep.equal([
      "BlockAuthoringDelay", "PotEntropyInjectionInterval", "PotEntropyInjectionLookbackDepth", "PotEntropyInjectionDelay", "EraDuration",
      "InitialSolutionRange", "SlotProbability", "ConfirmationDepthK", "RecentSegments", "RecentHistoryFraction", "MinSectorLifetime",
      "ExpectedVotesPerBlock", "MaxPiecesInSector", "BlockSlotCount",
    ]);
    expect(toHex(s.constants.find((c) => c.name === "SlotProbability")!.ty.enc(s.constants.find((c) => c.name === "SlotProbability")!.value))).to.equal("0x03000000000000000a00000000000000");
    expect(s.constants.find((c) => c.name === "ConfirmationDepthK")!.value).to.equal(10);
    expect(s.storage.map((i) => i.name)).to.deep.equal([
      "BlockSlots", "SolutionRanges", "ShouldAdjustSolutionRange", "NextSolutionRangeOverride", "EraStartSlot", "SegmentCommitment",
      "CounterForSegmentCommitment", "DidProcessSegmentHeaders", "ParentVoteVerificationData", "ParentBlockAuthorInfo", "EnableRewards",
      "EnableRewardsBelowSolutionRange", "CurrentBlockAuthorInfo", "ParentBlockVoters", "CurrentBlockVoters", "PotSlotIterations",
      "PotEntropy", "BlockRandomness", "AllowAuthoringByAnyone", "RootPlotPublicKey",
    ]);
  });
});
