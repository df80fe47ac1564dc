/**
 * Mock runtime for pallet_rewards: System + Balances + Rewards, with the reference mock's values
 * (`crates/pallet-rewards/src/mock.rs` @72a5aa6f: 10-block blockspace average, byte fee 1, 20
 * points, proposer tax 1/10, ED 1, FRAME's default Normal block length 3,932,160) and a consensus
 * fake standing in for pallet-subspace's `RewardsEnabled`/`FindBlockRewardAddress`/`FindVotingRewardAddresses`.
 */
import { variant } from "../../../framework/codec/ty.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../../pallets/balances/balances.ts";
import { RewardsPallet, balancesCurrency, rewardsSystemPort, type RewardsConfig, type RewardsConsensusPort, type RewardsGenesisJson } from "../../../pallets/rewards/rewards.ts";
import type { SystemPallet } from "../../../pallets/system/system.ts";
import { TestExt, testSystem, composeRuntime } from "../mock.ts";

export const TEST_CONFIG: RewardsConfig = {
  avgBlockspaceUsageNumBlocks: 10,
  maxRewardPoints: 20,
  proposerTaxOnVotes: [1, 10],
  maxNormalBlockLength: 3_932_160,
};

/** A settable stand-in for pallet-subspace's reward ports. */
export class FakeConsensus implements RewardsConsensusPort {
  enabled = true;
  author: Uint8Array | undefined;
  voters: Uint8Array[] = [];
  rewardsEnabled(): boolean {
    return this.enabled;
  }
  findBlockRewardAddress(): Uint8Array | undefined {
    return this.enabled ? this.author : undefined;
  }
  findVotingRewardAddresses(): Uint8Array[] {
    return this.enabled ? this.voters : [];
  }
}

export type RewardsExt = TestExt & { system: SystemPallet; balances: BalancesPallet; rewards: RewardsPallet; consensus: FakeConsensus };

export function newTestExt(genesis: RewardsGenesisJson = {}, config: Partial<RewardsConfig> = {}): RewardsExt {
  const system = testSystem({ ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA });
  const none = variant({}, { path: ["mock_runtime", "RuntimeHoldReason"] });
  const balances = new BalancesPallet({ existentialDeposit: 1n, maxLocks: 50, maxReserves: 50, maxFreezes: 50, holdReason: none, freezeReason: none }, system);
  const consensus = new FakeConsensus();
  const rewards = new RewardsPallet({ ...TEST_CONFIG, ...config }, balancesCurrency(balances), consensus, rewardsSystemPort(system, () => 1n));
  const runtime = composeRuntime(system, [{ index: 1, pallet: balances }, { index: 4, pallet: rewards }]);
  const ext = new TestExt(runtime, system, () => {
    system.buildGenesis();
    balances.buildGenesis({});
    rewards.buildGenesis(genesis);
  }) as RewardsExt;
  Object.assign(ext, { balances, rewards, consensus });
  return ext;
}

/** Finalizes the current block's Rewards hook with `len` bytes of extrinsics, then starts block `next`. */
export function finalizeBlock(ext: RewardsExt, len = 0): void {
  ext.execute(() => {
    ext.system.AllExtrinsicsLen.set(len);
    ext.rewards.onFinalize(ext.system.blockNumber());
  });
}

export function startBlock(ext: RewardsExt, n: number): void {
  ext.execute(() => {
    ext.system.initialize(n, new Uint8Array(32).fill(n), []);
    ext.system.noteFinishedInitialize();
  });
}
