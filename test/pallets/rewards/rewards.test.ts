/**
 * pallet_rewards on a mock runtime. Known answers from `crates/pallet-rewards/src/tests.rs`
 * @72a5aa6f (blockspace averages, the subsidy schedule with its start-block offset); the rest
 * are hand-computed from the reference formulas, written out beside each expectation.
 */
import { expect } from "chai";
import { assertNoop, assertOk, checkOrigins, call, account } from "../mock.ts";
import { referenceSubsidyForBlock, updateAvgBlockspaceUsage, type RewardPoint } from "../../../pallets/rewards/rewards.ts";
import { newTestExt, finalizeBlock, startBlock, type RewardsExt } from "./mock.ts";

const A = account(1);
const V1 = account(2);
const V2 = account(3);
const ROOT = { tag: "Root" as const };

const rewardEvents = (ext: RewardsExt) => ext.events().filter((e) => e.tag === "Rewards").map((e) => e.value);
const free = (ext: RewardsExt, who: Uint8Array) => ext.execute(() => ext.balances.freeBalance(who));

const GENESIS = {
  remainingIssuance: 1_000_000_000_000n,
  proposerSubsidyPoints: [{ block: 0, subsidy: 1_000_000 }, { block: 10, subsidy: 500_000 }],
  voterSubsidyPoints: [{ block: 0, subsidy: 100_000 }],
};

describe("pallet_rewards (mock runtime)", () => {
  it("update_avg_blockspace_usage: the reference's known answers", () => {
    const cases: [number, number, number, number, number][] = [
      [100, 400, 100, 99, 250], [0, 400, 100, 99, 200], [100, 0, 100, 99, 50],
      [100, 400, 100, 100, 250], [0, 400, 100, 100, 200], [100, 0, 100, 100, 50],
      [100, 400, 100, 101, 394], [0, 400, 100, 101, 392], [100, 0, 100, 101, 1],
      [100, 400, 0, 100, 100], [0, 400, 0, 100, 0], [100, 0, 0, 100, 100],
    ];
    for (const [used, old, num, height, want] of cases) expect(updateAvgBlockspaceUsage(used, old, num, height), `${used},${old},${num},${height}`).to.equal(want);
  });

  it("subsidy schedule: the reference's points (start block 10): exact at points, non-increasing after each, last point beyond, 0 before", () => {
    const ext = newTestExt();
    const start = 10;
    const points: RewardPoint[] = [
      { block: 0, subsidy: 100000000000000000n }, { block: 201600, subsidy: 99989921015995728n }, { block: 79041600, subsidy: 92408728791312960n },
      { block: 779041600, subsidy: 45885578019877912n }, { block: 2443104160, subsidy: 8687806947398648n },
    ].map((p) => ({ ...p, block: p.block + start }));
    const br = (h: number, used = 0) => ext.execute(() => ext.rewards.blockReward(points, h, used));
    const vr = (h: number) => ext.execute(() => ext.rewards.voteReward(points, h));
    expect(ext.execute(() => ext.rewards.blockReward([], 0, 0))).to.equal(0n);
    expect(vr(start - 1)).to.equal(0n);
    expect(br(start - 1)).to.equal(0n);
    expect(br(start, 1000) < br(start, 0)).to.equal(true);
    for (const p of points) {
      expect(br(p.block), `block ${p.block}`).to.equal(p.subsidy);
      expect(vr(p.block), `block ${p.block}`).to.equal(p.subsidy);
      expect(br(p.block + 1) <= p.subsidy, `block ${p.block + 1}`).to.equal(true);
    }
    expect(vr(points.at(-1)!.block + 1)).to.equal(points.at(-1)!.subsidy);
    // Hand-computed interpolation: 1e17 − (1e17 − 99,989,921,015,995,728) / 201,600 × 100,800 (integer division first).
    expect(referenceSubsidyForBlock(points, start + 100_800)).to.equal(99_994_960_508_032_000n);
    expect(referenceSubsidyForBlock(points, start + 1)).to.equal(99_999_999_950_005_040n);
    // A rising schedule yields nothing between its points (the reference's `checked_sub` fails).
    expect(referenceSubsidyForBlock([{ block: 0, subsidy: 1n }, { block: 10, subsidy: 2n }], 5)).to.equal(0n);
  });

  it("block reward shrinks by avg × min(subsidy, max block fee) / max normal block length (hand-computed)", () => {
    const ext = newTestExt();
    const points = [{ block: 0, subsidy: 750_000n }];
    // 2000 × 750,000 / 3,932,160 = 381 (floor).
    expect(ext.execute(() => ext.rewards.blockReward(points, 5, 2000))).to.equal(750_000n - 381n);
    // Above the max block fee (3,932,160 × byte fee 1) the decrease is the average itself.
    expect(ext.execute(() => ext.rewards.blockReward([{ block: 0, subsidy: 10n ** 17n }], 5, 1000))).to.equal(10n ** 17n - 1000n);
  });

  it("first rewarded block: points shift to it; author and two voters paid with the proposer's 1/10 cut; events, balances, issuance", () => {
    const ext = newTestExt(GENESIS);
    ext.consensus.author = A;
    ext.consensus.voters = [V1, V2];
    const issuanceBefore = ext.execute(() => ext.balances.TotalIssuance.get());
    finalizeBlock(ext, 0);
    ext.execute(() => {
      expect(ext.rewards.RewardsEnabled.get()).to.equal(true);
      expect(ext.rewards.ProposerSubsidyPoints.get()).to.deep.equal([{ block: 1, subsidy: 1_000_000n }, { block: 11, subsidy: 500_000n }]);
      expect(ext.rewards.VoterSubsidyPoints.get()).to.deep.equal([{ block: 1, subsidy: 100_000n }]);
    });
    // Vote reward 100,000; tax 100,000 / 10 × 1 = 10,000; each voter 90,000; author 1,000,000 + 2 × 10,000.
    expect(rewardEvents(ext)).to.deep.equal([
      { tag: "VoteReward", value: { voter: V1, reward: 90_000n } },
      { tag: "VoteReward", value: { voter: V2, reward: 90_000n } },
      { tag: "BlockReward", value: { blockAuthor: A, reward: 1_020_000n } },
    ]);
    expect(free(ext, A)).to.equal(1_020_000n);
    expect(free(ext, V1)).to.equal(90_000n);
    ext.execute(() => {
      expect(ext.rewards.RemainingIssuance.get()).to.equal(1_000_000_000_000n - 1_200_000n);
      expect(ext.balances.TotalIssuance.get()).to.equal(issuanceBefore + 1_200_000n);
    });
    expect(ext.events().filter((e) => e.tag === "Balances" && e.value.tag === "Deposit").length).to.equal(3);

    // Block 6, 4000 bytes used: avg (0 + 4000) / 2 = 2000; subsidy 1e6 − 500,000 / 10 × 5 = 750,000; − 381.
    ext.consensus.voters = [];
    startBlock(ext, 6);
    finalizeBlock(ext, 4000);
    expect(ext.execute(() => ext.rewards.AvgBlockspaceUsage.get())).to.equal(2000);
    expect(rewardEvents(ext)).to.deep.equal([{ tag: "BlockReward", value: { blockAuthor: A, reward: 749_619n } }]);
  });

  it("an equivocating author (none found) forfeits its cut to the voters", () => {
    const ext = newTestExt(GENESIS);
    ext.consensus.author = undefined;
    ext.consensus.voters = [V1];
    finalizeBlock(ext);
    expect(rewardEvents(ext)).to.deep.equal([{ tag: "VoteReward", value: { voter: V1, reward: 100_000n } }]);
    expect(ext.execute(() => ext.rewards.RemainingIssuance.get())).to.equal(1_000_000_000_000n - 100_000n);
  });

  it("rewards never exceed the remaining issuance", () => {
    const ext = newTestExt({ ...GENESIS, remainingIssuance: 150_000n });
    ext.consensus.author = A;
    ext.consensus.voters = [V1];
    finalizeBlock(ext);
    // Block reward min(1,000,000, 150,000) takes everything; the voter and the tax get 0.
    expect(rewardEvents(ext)).to.deep.equal([{ tag: "BlockReward", value: { blockAuthor: A, reward: 150_000n } }]);
    expect(ext.execute(() => ext.rewards.RemainingIssuance.get())).to.equal(0n);
    startBlock(ext, 2);
    finalizeBlock(ext);
    expect(rewardEvents(ext)).to.deep.equal([]);
  });

  it("nothing happens while rewards are disabled", () => {
    const ext = newTestExt(GENESIS);
    ext.consensus.enabled = false;
    ext.consensus.author = A;
    const before = ext.root();
    finalizeBlock(ext, 0);
    ext.execute(() => ext.system.AllExtrinsicsLen.kill());
    expect(ext.root()).to.equal(before);
    expect(rewardEvents(ext)).to.deep.equal([]);
  });

  it("update_issuance_params: root sets both schedules; more than MaxRewardPoints is refused", () => {
    const ext = newTestExt(GENESIS);
    const pts = [{ block: 5, subsidy: 7n }];
    assertOk(ext.dispatch(call("Rewards", "update_issuance_params", { proposerSubsidyPoints: pts, voterSubsidyPoints: [] }), ROOT));
    ext.execute(() => {
      expect(ext.rewards.ProposerSubsidyPoints.get()).to.deep.equal(pts);
      expect(ext.rewards.VoterSubsidyPoints.get()).to.deep.equal([]);
    });
    const many = Array.from({ length: 21 }, (_, i) => ({ block: i, subsidy: 1n }));
    assertNoop(ext, () => ext.dispatch(call("Rewards", "update_issuance_params", { proposerSubsidyPoints: many, voterSubsidyPoints: [] }), ROOT),
      { tag: "Module", value: { index: 4, error: Uint8Array.of(0, 0, 0, 0) } }, "21 points");
    expect(checkOrigins(ext, ext.rewards, account(9), { update_issuance_params: { args: { proposerSubsidyPoints: [], voterSubsidyPoints: [] }, allowed: ["Root"] } })).to.equal(3);
  });

  it("genesis: remaining issuance and points from JSON (bigints, strings); empty schedules leave storage unset; bad input throws", () => {
    const ext = newTestExt({ remainingIssuance: 350_000_000n * 10n ** 18n, proposerSubsidyPoints: [{ block: 0, subsidy: "454545454545455000" }] });
    ext.execute(() => {
      expect(ext.rewards.RemainingIssuance.get()).to.equal(350_000_000n * 10n ** 18n);
      expect(ext.rewards.ProposerSubsidyPoints.get()).to.deep.equal([{ block: 0, subsidy: 454_545_454_545_455_000n }]);
      expect(ext.rewards.VoterSubsidyPoints.exists()).to.equal(false);
    });
    expect(() => newTestExt({ proposerSubsidyPoints: Array.from({ length: 21 }, () => ({ block: 0, subsidy: 1 })) })).to.throw(/more than 20/);
    expect(() => newTestExt({ remainingIssuance: "lots" })).to.throw(/integer/);
    expect(() => newTestExt({ other: 1 } as any)).to.throw(/unknown field/);
  });

  it("metadata shapes: call, events, constants, storage", () => {
    const r = newTestExt().rewards;
    expect(r.calls.update_issuance_params!.index).to.equal(0);
    expect(Object.fromEntries(Object.entries(r.events).map(([k, v]) => [k, v.index]))).to.deep.equal({ BlockReward: 0, VoteReward: 1 });
    expect(r.storage.map((s) => s.name)).to.deep.equal(["AvgBlockspaceUsage", "RewardsEnabled", "RemainingIssuance", "ProposerSubsidyPoints", "VoterSubsidyPoints"]);
    expect(r.constants.map((c) => [c.name, c.value])).to.deep.equal([["AvgBlockspaceUsageNumBlocks", 10], ["TransactionByteFee", 1n], ["MaxRewardPoints", 20], ["ProposerTaxOnVotes", [1, 10]]]);
  });
});
