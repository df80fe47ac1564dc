/**
 * pallet_rewards (autonomys/subspace @72a5aa6f, `crates/pallet-rewards/src/lib.rs`): issues block
 * and vote rewards at the end of each block from `RemainingIssuance`. The reference subsidy at a
 * height is interpolated linearly between `RewardPoint`s (the last point's subsidy applies beyond
 * it); the block reward shrinks with average blockspace use; the proposer takes
 * `ProposerTaxOnVotes` (1/10) of each vote reward.
 */
import { bool, struct, tuple, u32, u128, vec, newtype, type Ty } from "../../framework/codec/ty.ts";
import { AccountId32, type AccountId } from "../../framework/codec/substrate.ts";
import { StorageValue } from "../../framework/storage/items.ts";
import { Pallet, OK, fail, isRoot, BAD_ORIGIN, event, error, weight, type Origin } from "../../framework/pallet/pallet.ts";
import { toBigInt } from "../../framework/chain-spec/json.ts";
import type { BalancesPallet } from "../balances/balances.ts";
import type { SystemPallet } from "../system/system.ts";

const P = "Rewards";

/** `RewardPoint { block, subsidy }`: the subsidy at a height (relative to when rewards start). */
export interface RewardPoint {
  block: number;
  subsidy: bigint;
}
export const RewardPointTy: Ty<RewardPoint> = struct(
  { block: { type: u32, typeName: "BlockNumber" }, subsidy: { type: u128, typeName: "Balance" } },
  { path: ["pallet_rewards", "RewardPoint"], params: [{ name: "BlockNumber", type: u32 }, { name: "Balance", type: u128 }] },
);
/** `BoundedVec<RewardPoint, MaxRewardPoints>`. */
const RewardPointsTy: Ty<RewardPoint[]> = newtype(vec(RewardPointTy), {
  path: ["bounded_collections", "bounded_vec", "BoundedVec"], typeName: "Vec<T>",
  params: [{ name: "T", type: RewardPointTy }, { name: "S" }],
});

/** `pallet_rewards::Config` values (the reference runtime's in brackets). */
export interface RewardsConfig {
  /** Blocks over which average blockspace usage is computed [100]. */
  readonly avgBlockspaceUsageNumBlocks: number;
  /** Maximum subsidy points per schedule [20]. */
  readonly maxRewardPoints: number;
  /** Proposer's share of each vote reward, (numerator, denominator) [(1, 10)]. */
  readonly proposerTaxOnVotes: readonly [number, number];
  /** `frame_system` `BlockLength` for the Normal class, in bytes [75 % of 5 MiB]. */
  readonly maxNormalBlockLength: number;
}

/** `Currency::deposit_creating` (mints: total issuance grows by what is credited). */
export interface RewardsCurrency {
  depositCreating(who: AccountId, amount: bigint): void;
}

/** What the pallet needs from the consensus pallet (`RewardsEnabled`, `FindBlockRewardAddress`, `FindVotingRewardAddresses`). */
export interface RewardsConsensusPort {
  rewardsEnabled(): boolean;
  findBlockRewardAddress(): AccountId | undefined;
  findVotingRewardAddresses(): AccountId[];
}

/** What the pallet needs from `frame_system` and the fee pallet. */
export interface RewardsSystemPort {
  blockNumber(): number;
  /** `frame_system::all_extrinsics_len()` of the block being finalized. */
  allExtrinsicsLen(): number;
  /** The `TransactionByteFee` in force (pallet-transaction-fees). */
  transactionByteFee(): bigint;
}

/** Adapts System and a byte-fee getter to `RewardsSystemPort`. */
export function rewardsSystemPort(system: SystemPallet, transactionByteFee: () => bigint): RewardsSystemPort {
  return {
    blockNumber: () => system.blockNumber(),
    allExtrinsicsLen: () => system.AllExtrinsicsLen.getOption() ?? 0,
    transactionByteFee,
  };
}

/**
 * pallet-balances' `Currency::deposit_creating`: credits the account (nothing when a new account
 * would stay below the existential deposit), emits `Balances.Deposit`, and the positive imbalance
 * raises `TotalIssuance` by the amount credited.
 */
export function balancesCurrency(balances: BalancesPallet): RewardsCurrency {
  return {
    depositCreating(who, amount) {
      if (amount === 0n) return;
      if (!balances.depositInto(who, amount).ok) return;
      balances.deposit({ tag: "Deposit", value: { who, amount } });
      balances.TotalIssuance.mutate((t) => t + amount);
    },
  };
}

export class RewardsPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["Pallet rewards for issuing rewards to block producers."];

  readonly AvgBlockspaceUsage = new StorageValue(P, "AvgBlockspaceUsage", u32, { default: 0, docs: "Utilization of blockspace (in bytes) by the normal extrinsics used to adjust issuance" });
  readonly RewardsEnabled = new StorageValue(P, "RewardsEnabled", bool, { default: false, docs: "Whether rewards are enabled" });
  readonly RemainingIssuance = new StorageValue(P, "RemainingIssuance", u128, { default: 0n, docs: "Tokens left to issue to farmers at any given time" });
  readonly ProposerSubsidyPoints = new StorageValue(P, "ProposerSubsidyPoints", RewardPointsTy, { default: [], docs: "Block proposer subsidy parameters" });
  readonly VoterSubsidyPoints = new StorageValue(P, "VoterSubsidyPoints", RewardPointsTy, { default: [], docs: "Voter subsidy parameters" });

  constructor(
    readonly config: RewardsConfig,
    private readonly currency: RewardsCurrency,
    private readonly consensus: RewardsConsensusPort,
    private readonly system: RewardsSystemPort,
  ) {
    super();
    this.storage.push(this.AvgBlockspaceUsage, this.RewardsEnabled, this.RemainingIssuance, this.ProposerSubsidyPoints, this.VoterSubsidyPoints);
    Object.assign(this.calls, {
      update_issuance_params: {
        index: 0, args: { proposerSubsidyPoints: RewardPointsTy, voterSubsidyPoints: RewardPointsTy },
        weight: (a: { proposerSubsidyPoints: RewardPoint[]; voterSubsidyPoints: RewardPoint[] }) =>
          weight(2_896_895 + 200_000_000 + 9_931 * a.proposerSubsidyPoints.length + 4_206 * a.voterSubsidyPoints.length),
        docs: "Update dynamic issuance parameters",
        dispatch: (o: Origin, a: { proposerSubsidyPoints: RewardPoint[]; voterSubsidyPoints: RewardPoint[] }) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          // A `BoundedVec` longer than the bound does not decode in the reference.
          if (a.proposerSubsidyPoints.length > config.maxRewardPoints || a.voterSubsidyPoints.length > config.maxRewardPoints) {
            return fail(this.error("TooManyRewardPoints"));
          }
          this.ProposerSubsidyPoints.set(a.proposerSubsidyPoints);
          this.VoterSubsidyPoints.set(a.voterSubsidyPoints);
          return OK;
        },
      },
    });
    Object.assign(this.events, {
      BlockReward: event(0, { blockAuthor: AccountId32, reward: { type: u128, typeName: "BalanceOf<T>" } }, "Issued reward for the block author"),
      VoteReward: event(1, { voter: AccountId32, reward: { type: u128, typeName: "BalanceOf<T>" } }, "Issued reward for the voter"),
    });
    // The reference has no error enum (a too-long BoundedVec fails to decode); this one is ours.
    Object.assign(this.errors, {
      TooManyRewardPoints: error(0, "More reward points than `MaxRewardPoints` (the reference refuses to decode them)."),
    });
    this.constants.push(
      { name: "AvgBlockspaceUsageNumBlocks", ty: u32, value: config.avgBlockspaceUsageNumBlocks, docs: "Number of blocks over which to compute average blockspace usage" },
      {
        name: "TransactionByteFee", ty: u128, docs: "Cost of one byte of blockspace",
        get value() {
          try {
            return system.transactionByteFee();
          } catch {
            return 0n; // read outside runtime execution (metadata at start)
          }
        },
      },
      { name: "MaxRewardPoints", ty: u32, value: config.maxRewardPoints, docs: "Max number of reward points" },
      { name: "ProposerTaxOnVotes", ty: tuple(u32, u32), value: [...config.proposerTaxOnVotes], docs: "Tax of the proposer on vote rewards" },
    );
  }

  override onFinalize(n: number): void {
    if (!this.consensus.rewardsEnabled()) return;
    if (!this.RewardsEnabled.get()) {
      this.RewardsEnabled.set(true);
      // Schedules are relative to the block at which rewards start.
      this.ProposerSubsidyPoints.set(this.ProposerSubsidyPoints.get().map((p) => ({ ...p, block: p.block + n })));
      this.VoterSubsidyPoints.set(this.VoterSubsidyPoints.get().map((p) => ({ ...p, block: p.block + n })));
    }
    const avg = updateAvgBlockspaceUsage(this.system.allExtrinsicsLen(), this.AvgBlockspaceUsage.get(), this.config.avgBlockspaceUsageNumBlocks, this.system.blockNumber());
    this.AvgBlockspaceUsage.set(avg);

    const oldRemaining = this.RemainingIssuance.get();
    let remaining = oldRemaining;
    let blockReward = 0n;
    const author = this.consensus.findBlockRewardAddress();
    if (author) {
      blockReward = min(this.blockReward(this.ProposerSubsidyPoints.get(), n, avg), remaining);
      remaining -= blockReward;
    }
    const voters = this.consensus.findVotingRewardAddresses();
    if (voters.length > 0) {
      const full = referenceSubsidyForBlock(this.VoterSubsidyPoints.get(), n);
      const [taxNum, taxDen] = this.config.proposerTaxOnVotes;
      const tax = (full / BigInt(taxDen)) * BigInt(taxNum);
      const voteReward = full - tax;
      for (const voter of voters) {
        let reward = min(voteReward, remaining);
        remaining -= reward;
        const proposerReward = min(tax, remaining);
        remaining -= proposerReward;
        // An equivocating author forfeits its cut to the voter.
        if (author) blockReward += proposerReward;
        else reward += proposerReward;
        if (reward !== 0n) {
          this.currency.depositCreating(voter, reward);
          this.deposit({ tag: "VoteReward", value: { voter, reward } });
        }
      }
    }
    if (author && blockReward !== 0n) {
      this.currency.depositCreating(author, blockReward);
      this.deposit({ tag: "BlockReward", value: { blockAuthor: author, reward: blockReward } });
    }
    if (remaining !== oldRemaining) this.RemainingIssuance.set(remaining);
  }

  /** `block_reward`: the reference subsidy less its share of the average blockspace used. */
  blockReward(points: readonly RewardPoint[], height: number, avgBlockspaceUsage: number): bigint {
    const subsidy = referenceSubsidyForBlock(points, height);
    const maxLen = BigInt(this.config.maxNormalBlockLength);
    const maxBlockFee = maxLen * this.system.transactionByteFee();
    const decrease = (BigInt(avgBlockspaceUsage) * min(subsidy, maxBlockFee)) / maxLen;
    return subsidy > decrease ? subsidy - decrease : 0n;
  }

  /** `vote_reward`: the voters' reference subsidy (before the proposer's cut). */
  voteReward(points: readonly RewardPoint[], height: number): bigint {
    return referenceSubsidyForBlock(points, height);
  }

  /** Genesis: `{ remainingIssuance, proposerSubsidyPoints: [{block, subsidy}], voterSubsidyPoints }`. */
  override buildGenesis(raw: RewardsGenesisJson = {}): void {
    for (const k of Object.keys(raw)) {
      if (!["remainingIssuance", "proposerSubsidyPoints", "voterSubsidyPoints"].includes(k)) throw new Error(`rewards genesis: unknown field "${k}"`);
    }
    const points = (v: unknown, what: string): RewardPoint[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw new Error(`rewards genesis: ${what} must be a list`);
      if (v.length > this.config.maxRewardPoints) throw new Error(`rewards genesis: ${what} has more than ${this.config.maxRewardPoints} points`);
      return v.map((p: any, i: number) => ({ block: Number(toBigInt(p?.block, `${what}[${i}].block`)), subsidy: toBigInt(p?.subsidy, `${what}[${i}].subsidy`) }));
    };
    this.RemainingIssuance.set(raw.remainingIssuance === undefined ? 0n : toBigInt(raw.remainingIssuance, "rewards.remainingIssuance"));
    const proposer = points(raw.proposerSubsidyPoints, "proposerSubsidyPoints");
    const voter = points(raw.voterSubsidyPoints, "voterSubsidyPoints");
    if (proposer.length) this.ProposerSubsidyPoints.set(proposer);
    if (voter.length) this.VoterSubsidyPoints.set(voter);
  }

  override defaultGenesis(): RewardsGenesisJson {
    return { remainingIssuance: 0, proposerSubsidyPoints: [], voterSubsidyPoints: [] };
  }

  override integrityTest(): void {
    const [n, d] = this.config.proposerTaxOnVotes;
    if (d === 0 || n > d) throw new Error("Rewards: ProposerTaxOnVotes must be a fraction within [0, 1]");
    if (this.config.maxNormalBlockLength <= 0) throw new Error("Rewards: maxNormalBlockLength must be positive");
  }
}

export interface RewardsGenesisJson {
  remainingIssuance?: unknown;
  proposerSubsidyPoints?: unknown;
  voterSubsidyPoints?: unknown;
}

/**
 * `update_avg_blockspace_usage`: the plain mean of the old average and this block for the first
 * `numBlocks` blocks, then an exponential average with weight `2 / (numBlocks + 1)`.
 */
export function updateAvgBlockspaceUsage(used: number, oldAvg: number, numBlocks: number, height: number): number {
  if (numBlocks === 0) return used;
  if (height <= numBlocks) return Math.floor((oldAvg + used) / 2);
  const den = BigInt(numBlocks) + 1n;
  return Number((2n * BigInt(used) + (den - 2n) * BigInt(oldAvg)) / den);
}

/**
 * `reference_subsidy_for_block`: linear interpolation between the two points around `height`
 * (`from.subsidy − (from.subsidy − to.subsidy) / (to.block − from.block) × (height − from.block)`,
 * integer division first; no decrease when the schedule rises), the last point's subsidy at or
 * beyond it, and 0 before the first.
 */
export function referenceSubsidyForBlock(points: readonly RewardPoint[], height: number): bigint {
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i]!;
    const to = points[i + 1]!;
    if (height >= from.block && height < to.block) {
      if (to.subsidy > from.subsidy) return 0n; // `checked_sub` fails: the reference yields None → default 0
      return from.subsidy - ((from.subsidy - to.subsidy) / BigInt(to.block - from.block)) * BigInt(height - from.block);
    }
  }
  const last = points[points.length - 1];
  return last && height >= last.block ? last.subsidy : 0n;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);


/**
 * Mainnet's issuance schedule (`crates/subspace-node/src/chain_spec.rs`, `mainnet_compiled()`,
 * autonomys/subspace @72a5aa6f): 350 M AI3 remaining, and the same 11 points for proposers and
 * voters (blocks relative to when rewards are enabled; subsidies in Shannon).
 */
export const MAINNET_REMAINING_ISSUANCE = 350_000_000n * 10n ** 18n;
export const MAINNET_SUBSIDY_POINTS: readonly RewardPoint[] = Object.freeze([
  [0, 454545454545455000n], [10512000, 423672207997007000n], [26280000, 333635878252228000n], [42048000, 262825353875519000n],
  [57816000, 207116053874914000n], [73584000, 163272262877830000n], [94608000, 118963574070561000n], [120888000, 80153245846642200n],
  [149796000, 51971522998131200n], [183960000, 31192714495359900n], [220752000, 18033114698427300n],
].map(([block, subsidy]) => Object.freeze({ block: Number(block), subsidy: BigInt(subsidy) })));
