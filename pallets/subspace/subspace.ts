/**
 * pallet_subspace (autonomys/subspace @72a5aa6f, `crates/pallet-subspace/src/lib.rs`): consensus
 * bookkeeping of the Subspace chain. Segment headers arrive by inherent (`store_segment_headers`),
 * every block's `PreRuntime(SUB_)` pre-digest records the slot, the author and the PoT output,
 * solution ranges adjust once per era, blockchain entropy is injected into the PoT chain on a
 * schedule, and farmers vote. Every block deposits `Consensus(SUB_)` logs (`SolutionRange`,
 * `PotSlotIterations`, and `PotParametersChange` / `NextSolutionRange` when due).
 *
 * Differences forced by this runtime's shape (no behaviour a client can observe):
 * - `vote` is dispatched with the `None` origin after `validateUnsigned` has checked it (the
 *   reference uses a `SubspaceExtension` that turns the bare extrinsic into its
 *   `ValidatedUnsigned` origin); signed and root origins are refused with `BadOrigin`.
 * - The reference runs `check_segment_headers` in `pre_dispatch`; inherents skip
 *   `validateUnsigned` here, so `store_segment_headers` runs the same check when dispatched and
 *   fails (the executive then rejects the block with `BadMandatory`, as the reference does).
 * - Reward signatures, solutions and PoT outputs are checked through the `ConsensusVerifier` port
 *   (host functions in the reference); with none installed, votes are refused.
 */
import {
  bool, option, struct, tuple, u8, u16, u32, u64, vec, variant, newtype, decodeAll, type Ty,
} from "../../framework/codec/ty.ts";
import { AccountId32, H256, btreeMap, type AccountId, type DigestItem } from "../../framework/codec/substrate.ts";
import { compareBytes, equalBytes, toHex, fromHex, concatBytes } from "../../framework/codec/bytes.ts";
import { blake2_256, blake3 } from "../../framework/crypto/hashing.ts";
import { StorageValue, CountedStorageMap } from "../../framework/storage/items.ts";
import {
  Pallet, OK, fail, isRoot, isNone, BAD_ORIGIN, event, error, weight, invalid,
  type DispatchResult, type Origin, type InherentData, type TransactionSource, type TransactionValidity, type ValidTransaction,
} from "../../framework/pallet/pallet.ts";
import type { Weight } from "../../framework/codec/substrate.ts";
import type { SegmentHeader } from "../../framework/primitives/subspace/core/segments.ts";
import { NUM_PIECES } from "../../framework/primitives/subspace/profile/index.ts";
import { sectorIdFromPublicKey, derivePieceIndex, expirationCheckSegmentIndex } from "../../framework/primitives/subspace/sectors/index.ts";
import {
  Blake3HashTy, HistorySizeTy, NonZeroU32Ty, PieceOffsetTy, PublicKeyTy, RandomnessTy, RewardSignatureTy, ScalarBytesTy,
  SegmentCommitmentTy, SegmentHeaderTy, SegmentIndexTy, SlotTy, findPreDigest, votingSolutionRange, deriveNextSolutionRange,
  derivePotEntropy, voteHash, SignedVoteTy, solutionRangeItem, potSlotIterationsItem, potParametersChangeItem, nextSolutionRangeItem,
  segmentCommitmentItem, enableSolutionRangeAdjustmentAndOverrideItem, rootPlotPublicKeyUpdateItem, U64_MAX,
  type PreDigest, type SignedVote, type ConsensusVerifier, type PotParametersChange,
} from "../../framework/primitives/subspace/consensus/index.ts";
import type { SystemPallet } from "../system/system.ts";

const P = "Subspace";
export const SUBSPACE_INHERENT_ID = "subspace";
/** `PotCheckpoints::NUM_CHECKPOINTS × 2`: slot iterations must be a multiple of it. */
const POT_ITERATIONS_MULTIPLE = 16;
const PRIORITY_MAX = U64_MAX;

// ---- Config and ports -------------------------------------------------------------------------

/** `pallet_subspace::Config` values (the reference runtime's in brackets). */
export interface SubspaceConfig {
  /** Slots between a slot's arrival and when its block may be produced [4]. */
  readonly blockAuthoringDelay: number;
  /** Blocks between entropy injections into the PoT chain [50]. */
  readonly potEntropyInjectionInterval: number;
  /** Injection intervals to look back for the entropy to inject (u8) [2]. */
  readonly potEntropyInjectionLookbackDepth: number;
  /** Slots after the block when an injection takes effect [15]. */
  readonly potEntropyInjectionDelay: number;
  /** Era length in blocks [2016]. */
  readonly eraDuration: number;
  /** Solution range of the first era [`pieces_to_solution_range(1000, (1, 6))`]. */
  readonly initialSolutionRange: bigint;
  /** Probability that a slot has a block, as (numerator, denominator) [(1, 6)]. */
  readonly slotProbability: readonly [bigint, bigint];
  /** Depth after which a block enters the archived history [runtime-configs storage; 100]. */
  readonly confirmationDepthK: number | (() => number);
  /** Latest segments considered "recent history" [5]. */
  readonly recentSegments: bigint;
  /** Fraction of a sector's pieces taken from recent history [(1, 10)]. */
  readonly recentHistoryFraction: readonly [bigint, bigint];
  /** Minimum sector lifetime in segments [4]. */
  readonly minSectorLifetime: bigint;
  /** Votes expected per block [9]. */
  readonly expectedVotesPerBlock: number;
  /** Maximum pieces per sector (u16) [1000]. */
  readonly maxPiecesInSector: number;
  /** Whether solution ranges adjust from genesis [false: root enables it later]. */
  readonly shouldAdjustSolutionRange: boolean;
  /** Block number → slot mappings kept in `BlockSlots` [6]. */
  readonly blockSlotCount: number;
}

/** What the pallet needs from `frame_system`. */
export interface SubspaceSystem {
  /** The digest of the block being executed (pre-runtime items included). */
  digestLogs(): readonly DigestItem[];
  /** `frame_system::deposit_log`. */
  depositLog(item: DigestItem): void;
  blockNumber(): number;
  /** `frame_system::block_hash(n)` (zero when unknown). */
  blockHash(n: number): Uint8Array;
}

/** Adapts the System pallet to `SubspaceSystem`. */
export function subspaceSystemPort(system: SystemPallet): SubspaceSystem {
  return {
    digestLogs: () => system.Digest.get().logs,
    depositLog: (item) => system.depositLog(item),
    blockNumber: () => system.blockNumber(),
    blockHash: (n) => system.BlockHash.get(n),
  };
}

/** `subspace_runtime_primitives::{RewardsEnabled, FindBlockRewardAddress, FindVotingRewardAddresses}`. */
export interface SubspaceRewardsPort {
  rewardsEnabled(): boolean;
  /** Reward address of the current block's author, when rewards are enabled and it did not equivocate. */
  findBlockRewardAddress(): AccountId | undefined;
  /** Reward addresses of the current block's (or, during initialization, the parent's) voters. */
  findVotingRewardAddresses(): AccountId[];
}

// ---- Types ------------------------------------------------------------------------------------

export type EnableRewardsAt = { tag: "Height"; value: number } | { tag: "SolutionRange"; value: bigint } | { tag: "Manually" };
export const EnableRewardsAtTy: Ty<EnableRewardsAt> = variant<EnableRewardsAt>(
  { Height: { index: 0, fields: u32 }, SolutionRange: { index: 1, fields: u64 }, Manually: { index: 2 } },
  { path: ["pallet_subspace", "pallet", "EnableRewardsAt"], params: [{ name: "BlockNumber", type: u32 }] },
);

export type AllowAuthoringBy = { tag: "Anyone" } | { tag: "FirstFarmer" } | { tag: "RootFarmer"; value: Uint8Array };

export interface SolutionRanges {
  current: bigint;
  next?: bigint;
  votingCurrent: bigint;
  votingNext?: bigint;
}
export const SolutionRangesTy: Ty<SolutionRanges> = struct(
  { current: u64, next: option(u64), votingCurrent: u64, votingNext: option(u64) },
  { path: ["sp_consensus_subspace", "SolutionRanges"] },
) as Ty<SolutionRanges>;

const SolutionRangeOverrideTy = struct(
  { solutionRange: { type: u64, typeName: "SolutionRange" }, votingSolutionRange: { type: u64, typeName: "SolutionRange" } },
  { path: ["pallet_subspace", "pallet", "SolutionRangeOverride"] },
);

export interface VoteVerificationData {
  solutionRange: bigint;
  voteSolutionRange: bigint;
  currentSlot: number;
  parentSlot: number;
}
const VoteVerificationDataTy: Ty<VoteVerificationData> = struct(
  { solutionRange: { type: u64, typeName: "SolutionRange" }, voteSolutionRange: { type: u64, typeName: "SolutionRange" }, currentSlot: SlotTy, parentSlot: SlotTy },
  { path: ["pallet_subspace", "VoteVerificationData"] },
);

/** `(PublicKey, SectorIndex, PieceOffset, ScalarBytes, Slot)`: identifies one use of a solution. */
export type SolutionKey = [Uint8Array, number, number, Uint8Array, number];
const SolutionKeyTy = tuple(PublicKeyTy, u16, PieceOffsetTy, ScalarBytesTy, SlotTy) as unknown as Ty<SolutionKey>;
export type AuthorInfo = [Uint8Array, number, number, Uint8Array, number, AccountId | undefined];
const AuthorInfoTy = tuple(PublicKeyTy, u16, PieceOffsetTy, ScalarBytesTy, SlotTy, option(AccountId32)) as unknown as Ty<AuthorInfo>;
/** `BTreeMap<SolutionKey, (Option<AccountId>, RewardSignature)>`, as sorted entries. */
export type Voters = [SolutionKey, [AccountId | undefined, Uint8Array]][];
const VotersTy = btreeMap(SolutionKeyTy, tuple(option(AccountId32), RewardSignatureTy)) as unknown as Ty<Voters>;

export interface PotEntropyValue {
  targetSlot?: number;
  entropy: Uint8Array;
}
const PotEntropyValueTy: Ty<PotEntropyValue> = struct(
  { targetSlot: option(SlotTy), entropy: Blake3HashTy },
  { path: ["pallet_subspace", "pallet", "PotEntropyValue"] },
) as Ty<PotEntropyValue>;
const PotEntropyTy = btreeMap(u32, PotEntropyValueTy);

export interface PotSlotIterationsValue {
  slotIterations: number;
  update?: { targetSlot?: number; slotIterations: number };
}
const PotSlotIterationsUpdateTy = struct(
  { targetSlot: option(SlotTy), slotIterations: NonZeroU32Ty },
  { path: ["pallet_subspace", "pallet", "PotSlotIterationsUpdate"] },
);
const PotSlotIterationsValueTy: Ty<PotSlotIterationsValue> = struct(
  { slotIterations: NonZeroU32Ty, update: option(PotSlotIterationsUpdateTy) },
  { path: ["pallet_subspace", "pallet", "PotSlotIterationsValue"] },
) as Ty<PotSlotIterationsValue>;

const boundedBTreeMap = <K, V>(k: Ty<K>, v: Ty<V>) =>
  newtype(btreeMap(k, v), { path: ["bounded_collections", "bounded_btree_map", "BoundedBTreeMap"], typeName: "BTreeMap<K, V>" });

/** `PotParameters::V0 { slot_iterations, next_change }`. */
export interface PotParameters {
  slotIterations: number;
  nextChange?: PotParametersChange;
}

/** `ChainConstants::V0`. */
export interface ChainConstants {
  confirmationDepthK: number;
  blockAuthoringDelay: number;
  eraDuration: number;
  slotProbability: [bigint, bigint];
  slotDuration: bigint;
  recentSegments: bigint;
  recentHistoryFraction: [bigint, bigint];
  minSectorLifetime: bigint;
}

const InherentTypeTy = struct({ segmentHeaders: vec(SegmentHeaderTy) });

/** Why a vote is refused (`CheckVoteError`), with the transaction validity it maps to. */
export type CheckVoteError =
  | "UnexpectedBeforeHeightTwo" | "HeightInTheFuture" | "HeightInThePast" | "IncorrectParentHash" | "SlotInTheFuture"
  | "SlotInThePast" | "BadRewardSignature" | "UnknownSegmentCommitment" | "InvalidHistorySize" | "InvalidSolution"
  | "QualityTooHigh" | "InvalidProofOfTime" | "InvalidFutureProofOfTime" | "DuplicateVote" | "Equivocated";

const VOTE_ERROR_VALIDITY: Record<CheckVoteError, "Call" | "Future" | "Stale" | "BadProof" | "BadSigner"> = {
  UnexpectedBeforeHeightTwo: "Call", HeightInTheFuture: "Future", HeightInThePast: "Stale", IncorrectParentHash: "Call",
  SlotInTheFuture: "Future", SlotInThePast: "Stale", BadRewardSignature: "BadProof", UnknownSegmentCommitment: "Call",
  InvalidHistorySize: "Call", InvalidSolution: "Call", QualityTooHigh: "Call", InvalidProofOfTime: "Future",
  InvalidFutureProofOfTime: "Call", DuplicateVote: "Call", Equivocated: "BadSigner",
};

// ---- Pallet -----------------------------------------------------------------------------------

export class SubspacePallet extends Pallet implements SubspaceRewardsPort {
  readonly name = P;
  override readonly docs = ["Subspace consensus: segment headers, solution ranges, PoT parameters, votes and block authorship."];

  readonly BlockSlots = new StorageValue(P, "BlockSlots", boundedBTreeMap(u32, SlotTy), { default: [], docs: "Bounded mapping from block number to slot" });
  readonly SolutionRanges: StorageValue<SolutionRanges>;
  readonly ShouldAdjustSolutionRange: StorageValue<boolean>;
  readonly NextSolutionRangeOverride = new StorageValue(P, "NextSolutionRangeOverride", SolutionRangeOverrideTy, { docs: "Override solution range during next update" });
  readonly EraStartSlot = new StorageValue(P, "EraStartSlot", SlotTy, { docs: "Slot at which current era started." });
  readonly SegmentCommitment = new CountedStorageMap(P, "SegmentCommitment", "Twox64Concat", SegmentIndexTy, SegmentCommitmentTy, u32, {
    docs: "Mapping from segment index to corresponding segment commitment of contained records.",
  });
  readonly DidProcessSegmentHeaders = new StorageValue(P, "DidProcessSegmentHeaders", bool, { default: false, docs: "Whether the segment headers inherent has been processed in this block (temporary value)." });
  readonly ParentVoteVerificationData = new StorageValue(P, "ParentVoteVerificationData", VoteVerificationDataTy, { docs: "Storage of previous vote verification data, updated on each block during finalization." });
  readonly ParentBlockAuthorInfo = new StorageValue(P, "ParentBlockAuthorInfo", SolutionKeyTy, { docs: "Parent block author information." });
  readonly EnableRewards = new StorageValue(P, "EnableRewards", u32, { docs: "Enable rewards since specified block number." });
  readonly EnableRewardsBelowSolutionRange = new StorageValue(P, "EnableRewardsBelowSolutionRange", u64, { docs: "Enable rewards when solution range is below this threshold." });
  readonly CurrentBlockAuthorInfo = new StorageValue(P, "CurrentBlockAuthorInfo", AuthorInfoTy, { docs: "Block author information" });
  readonly ParentBlockVoters = new StorageValue(P, "ParentBlockVoters", VotersTy, { default: [], docs: "Voters in the parent block (set at the end of the block with current values)." });
  readonly CurrentBlockVoters = new StorageValue(P, "CurrentBlockVoters", VotersTy, { docs: "Voters in the current block thus far" });
  readonly PotSlotIterations = new StorageValue(P, "PotSlotIterations", PotSlotIterationsValueTy, { docs: "Number of iterations for proof of time per slot with optional scheduled update" });
  readonly PotEntropy = new StorageValue(P, "PotEntropy", PotEntropyTy, { default: [], docs: "Entropy that needs to be injected into proof of time chain at specific slot associated with block number it came from." });
  readonly BlockRandomness = new StorageValue(P, "BlockRandomness", RandomnessTy, { docs: "The current block randomness, updated at block initialization." });
  readonly AllowAuthoringByAnyone = new StorageValue(P, "AllowAuthoringByAnyone", bool, { default: false, docs: "Allow block authoring by anyone or just root." });
  readonly RootPlotPublicKey = new StorageValue(P, "RootPlotPublicKey", PublicKeyTy, { docs: "Root plot public key." });

  private verifier?: ConsensusVerifier;
  private blockAuthorListeners: ((who: AccountId | undefined) => void)[] = [];

  constructor(readonly config: SubspaceConfig, private readonly system: SubspaceSystem, verifier?: ConsensusVerifier) {
    super();
    this.verifier = verifier;
    const initial = config.initialSolutionRange;
    this.SolutionRanges = new StorageValue(P, "SolutionRanges", SolutionRangesTy, {
      default: {
        current: initial,
        votingCurrent: config.shouldAdjustSolutionRange ? votingSolutionRange(initial, config.expectedVotesPerBlock) : initial,
      },
      docs: "Solution ranges used for challenges.",
    });
    this.ShouldAdjustSolutionRange = new StorageValue(P, "ShouldAdjustSolutionRange", bool, {
      default: config.shouldAdjustSolutionRange, docs: "Storage to check if the solution range is to be adjusted for next era",
    });
    this.storage.push(
      this.BlockSlots, this.SolutionRanges, this.ShouldAdjustSolutionRange, this.NextSolutionRangeOverride, this.EraStartSlot,
      this.SegmentCommitment, this.SegmentCommitment.counter, this.DidProcessSegmentHeaders, this.ParentVoteVerificationData,
      this.ParentBlockAuthorInfo, this.EnableRewards, this.EnableRewardsBelowSolutionRange, this.CurrentBlockAuthorInfo,
      this.ParentBlockVoters, this.CurrentBlockVoters, this.PotSlotIterations, this.PotEntropy, this.BlockRandomness,
      this.AllowAuthoringByAnyone, this.RootPlotPublicKey,
    );

    const db = (reads: number, writes: number) => 25_000_000 * reads + 100_000_000 * writes;
    Object.assign(this.calls, {
      store_segment_headers: {
        index: 0, args: { segmentHeaders: vec(SegmentHeaderTy) }, class: "Mandatory",
        weight: (a: { segmentHeaders: SegmentHeader[] }) => weight(4_660_743 + db(1, 1) + a.segmentHeaders.length * (4_740_893 + db(1, 2)), 1489 + 2475 * a.segmentHeaders.length),
        docs: "Submit new segment header to the blockchain. This is an inherent extrinsic and part of the Subspace consensus logic.",
        dispatch: (o: Origin, a: { segmentHeaders: SegmentHeader[] }) => {
          if (!isNone(o)) return fail(BAD_ORIGIN);
          return this.storeSegmentHeaders(a.segmentHeaders);
        },
      },
      enable_solution_range_adjustment: {
        index: 1, args: { solutionRangeOverride: option(u64), votingSolutionRangeOverride: option(u64) },
        weight: () => weight(6_249_000 + db(1, 2), 1485),
        docs: "Enable solution range adjustment after every era. Note: No effect on the solution range for the current era",
        dispatch: (o: Origin, a: { solutionRangeOverride?: bigint; votingSolutionRangeOverride?: bigint }) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          const r = this.enableSolutionRangeAdjustment(a.solutionRangeOverride, a.votingSolutionRangeOverride);
          if (!r.ok) return r;
          this.system.depositLog(enableSolutionRangeAdjustmentAndOverrideItem(a.solutionRangeOverride));
          return OK;
        },
      },
      vote: {
        index: 2, args: { signedVote: { type: SignedVoteTy, typeName: "Box<SignedVote<BlockNumberFor<T>, T::Hash, T::AccountId>>" } }, class: "Operational",
        weight: () => weight(4_660_000),
        docs: "Farmer vote, currently only used for extra rewards to farmers.",
        dispatch: (o: Origin, a: { signedVote: SignedVote }) => {
          if (!isNone(o)) return fail(BAD_ORIGIN);
          const { vote } = a.signedVote;
          this.deposit({
            tag: "FarmerVote",
            value: { publicKey: vote.solution.publicKey, rewardAddress: vote.solution.rewardAddress, height: vote.height, parentHash: vote.parentHash },
          });
          return OK;
        },
      },
      enable_rewards_at: {
        index: 3, args: { enableRewardsAt: EnableRewardsAtTy }, weight: () => weight(2_419_000 + db(0, 1)),
        docs: "Enable rewards for blocks and votes at specified block height.",
        dispatch: (o: Origin, a: { enableRewardsAt: EnableRewardsAt }) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          const e = a.enableRewardsAt;
          if (e.tag === "Height") this.EnableRewards.set(Math.max(e.value, this.system.blockNumber() + 1));
          else if (e.tag === "SolutionRange") this.EnableRewardsBelowSolutionRange.set(e.value);
          return OK;
        },
      },
      enable_authoring_by_anyone: {
        index: 4, args: {}, weight: () => weight(3_990_000 + db(1, 2), 1485),
        docs: "Enable storage access for all users.",
        dispatch: (o: Origin) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          this.AllowAuthoringByAnyone.set(true);
          this.RootPlotPublicKey.kill();
          this.system.depositLog(rootPlotPublicKeyUpdateItem(undefined));
          return OK;
        },
      },
      set_pot_slot_iterations: {
        index: 5, args: { slotIterations: NonZeroU32Ty }, weight: () => weight(3_730_000 + db(1, 1), 1485),
        docs: "Update proof of time slot iterations",
        dispatch: (o: Origin, a: { slotIterations: number }) => {
          if (!isRoot(o)) return fail(BAD_ORIGIN);
          return this.setPotSlotIterations(a.slotIterations);
        },
      },
    });

    Object.assign(this.events, {
      SegmentHeaderStored: event(0, { segmentHeader: SegmentHeaderTy }, "Segment header was stored in blockchain history."),
      FarmerVote: event(1, { publicKey: PublicKeyTy, rewardAddress: AccountId32, height: { type: u32, typeName: "BlockNumberFor<T>" }, parentHash: { type: H256, typeName: "T::Hash" } }, "Farmer vote."),
    });
    Object.assign(this.errors, {
      SolutionRangeAdjustmentAlreadyEnabled: error(0, "Solution range adjustment already enabled."),
      NotMultipleOfCheckpoints: error(1, "Iterations are not multiple of number of checkpoints times two"),
      PotSlotIterationsMustIncrease: error(2, "Proof of time slot iterations must increase as hardware improves"),
      PotSlotIterationsUpdateAlreadyScheduled: error(3, "Proof of time slot iterations update already scheduled"),
    });

    const self = this;
    const historySizePair = tuple(HistorySizeTy, HistorySizeTy);
    this.constants.push(
      { name: "BlockAuthoringDelay", ty: SlotTy, value: config.blockAuthoringDelay, docs: "Number of slots between slot arrival and when corresponding block can be produced." },
      { name: "PotEntropyInjectionInterval", ty: u32, value: config.potEntropyInjectionInterval, docs: "Interval, in blocks, between blockchain entropy injection into proof of time chain." },
      { name: "PotEntropyInjectionLookbackDepth", ty: u8, value: config.potEntropyInjectionLookbackDepth, docs: "Interval, in entropy injection intervals, where to take entropy for injection from." },
      { name: "PotEntropyInjectionDelay", ty: SlotTy, value: config.potEntropyInjectionDelay, docs: "Delay after block, in slots, when entropy injection takes effect." },
      { name: "EraDuration", ty: u32, value: config.eraDuration, docs: "The amount of time, in blocks, that each era should last." },
      { name: "InitialSolutionRange", ty: u64, value: config.initialSolutionRange, docs: "Initial solution range used for challenges during the very first era." },
      { name: "SlotProbability", ty: tuple(u64, u64), value: [...config.slotProbability], docs: "How often in slots slots (on average, not counting collisions) will have a block." },
      {
        name: "ConfirmationDepthK", ty: u32, docs: "Depth `K` after which a block enters the recorded history.",
        get value() {
          return self.confirmationDepthKOr(0);
        },
      },
      { name: "RecentSegments", ty: HistorySizeTy, value: config.recentSegments, docs: "Number of latest archived segments that are considered \"recent history\"." },
      { name: "RecentHistoryFraction", ty: historySizePair, value: [...config.recentHistoryFraction], docs: "Fraction of pieces from the \"recent history\" (`recent_segments`) in each sector." },
      { name: "MinSectorLifetime", ty: HistorySizeTy, value: config.minSectorLifetime, docs: "Minimum lifetime of a plotted sector, measured in archived segment." },
      { name: "ExpectedVotesPerBlock", ty: u32, value: config.expectedVotesPerBlock, docs: "Number of votes expected per block." },
      { name: "MaxPiecesInSector", ty: u16, value: config.maxPiecesInSector, docs: "How many pieces one sector is supposed to contain (max)" },
      { name: "BlockSlotCount", ty: u32, value: config.blockSlotCount, docs: "Maximum number of block number to block slot mappings to keep (oldest pruned first)." },
    );

    this.inherent = {
      identifier: SUBSPACE_INHERENT_ID,
      create: (data: InherentData) => {
        const headers = inherentSegmentHeaders(data);
        return headers && headers.length > 0 ? { tag: "store_segment_headers", value: { segmentHeaders: headers } } : undefined;
      },
      check: (call, data) => {
        if (call.tag !== "store_segment_headers") return undefined;
        const expected = inherentSegmentHeaders(data) ?? [];
        const actual = (call.value as { segmentHeaders: SegmentHeader[] }).segmentHeaders;
        const enc = vec(SegmentHeaderTy);
        return equalBytes(enc.enc(actual), enc.enc(expected)) ? undefined : "IncorrectSegmentHeadersList";
      },
      isInherent: (call) => call.tag === "store_segment_headers",
    };
  }

  // ---- Ports ----------------------------------------------------------------------------------

  /** Installs the node's verification host functions (solution, PoT, reward signature). */
  setConsensusVerifier(verifier: ConsensusVerifier | undefined): void {
    this.verifier = verifier;
  }

  /**
   * Called at the end of `on_initialize` with `find_block_reward_address()` (e.g.
   * `TransactionFees.setBlockAuthor`, which the reference fills from the same port).
   */
  onBlockAuthor(listener: (who: AccountId | undefined) => void): void {
    this.blockAuthorListeners.push(listener);
  }

  rewardsEnabled(): boolean {
    const h = this.EnableRewards.getOption();
    return h !== undefined && this.system.blockNumber() >= h;
  }

  findBlockRewardAddress(): AccountId | undefined {
    const info = this.CurrentBlockAuthorInfo.getOption();
    if (!info || !this.rewardsEnabled()) return undefined;
    return info[5];
  }

  findVotingRewardAddresses(): AccountId[] {
    if (!this.rewardsEnabled()) return [];
    const voters = this.CurrentBlockVoters.getOption() ?? this.ParentBlockVoters.get();
    return voters.flatMap(([, [addr]]) => (addr ? [addr] : []));
  }

  /** `history_size()`: archived segments, at least 1 (the chain starts with one segment). */
  historySize(): bigint {
    const n = BigInt(this.SegmentCommitment.count());
    return n > 0n ? n : 1n;
  }

  /** `archived_history_size()` in bytes. */
  archivedHistorySize(archivedSegmentSize: bigint): bigint {
    return BigInt(this.SegmentCommitment.count()) * archivedSegmentSize;
  }

  segmentCommitment(index: bigint): Uint8Array | undefined {
    return this.SegmentCommitment.getOption(index);
  }

  /** `current_slot()`: the slot of the latest block in `BlockSlots` (0 before any). */
  currentSlot(): number {
    const s = this.BlockSlots.get();
    return s.length ? s[s.length - 1]![1] : 0;
  }

  solutionRanges(): SolutionRanges {
    return this.SolutionRanges.get();
  }

  shouldAdjustSolutionRange(): boolean {
    return this.ShouldAdjustSolutionRange.get();
  }

  rootPlotPublicKey(): Uint8Array | undefined {
    return this.RootPlotPublicKey.getOption();
  }

  /** `Randomness::random(subject)`: `(blake2_256(subject ‖ BlockRandomness), block number)`. */
  random(subject: Uint8Array): [Uint8Array, number] {
    return [blake2_256(concatBytes(subject, this.blockRandomness())), this.system.blockNumber()];
  }

  randomSeed(): [Uint8Array, number] {
    return [blake2_256(this.blockRandomness()), this.system.blockNumber()];
  }

  private blockRandomness(): Uint8Array {
    const r = this.BlockRandomness.getOption();
    if (!r) throw new Error("Block randomness is always set in block initialization");
    return r;
  }

  /** `pot_parameters()`: the iterations in force and the next scheduled parameters change. */
  potParameters(): PotParameters {
    const its = this.potSlotIterationsValue();
    const src = this.entropySourceBlock(this.system.blockNumber());
    const out: PotParameters = { slotIterations: its.slotIterations };
    if (src !== undefined) {
      const v = entropyMap(this.PotEntropy.get()).get(src);
      if (v) {
        if (v.targetSlot === undefined) throw new Error("Always present due to identical check present in block initialization");
        out.nextChange = { slot: v.targetSlot, slotIterations: this.iterationsAt(its, v.targetSlot), entropy: v.entropy };
      }
    }
    return out;
  }

  /** `chain_constants()`. */
  chainConstants(slotDurationMs: bigint): ChainConstants {
    const c = this.config;
    return {
      confirmationDepthK: this.confirmationDepthKOr(0), blockAuthoringDelay: c.blockAuthoringDelay, eraDuration: c.eraDuration,
      slotProbability: [...c.slotProbability] as [bigint, bigint], slotDuration: slotDurationMs, recentSegments: c.recentSegments,
      recentHistoryFraction: [...c.recentHistoryFraction] as [bigint, bigint], minSectorLifetime: c.minSectorLifetime,
    };
  }

  private confirmationDepthKOr(fallback: number): number {
    const k = this.config.confirmationDepthK;
    if (typeof k === "number") return k;
    try {
      return k();
    } catch {
      return fallback; // read outside runtime execution (metadata at start): no state to read
    }
  }

  // ---- Hooks ----------------------------------------------------------------------------------

  override onInitialize(n: number): Weight {
    const pre = findPreDigest(this.system.digestLogs());
    if (!pre) throw new Error("Block must always have pre-digest");
    const slot = pre.slot;

    // BlockSlots keeps the last `BlockSlotCount` blocks.
    const toRemove = n - this.config.blockSlotCount;
    const slots = this.BlockSlots.get().filter(([b]) => b !== toRemove && b !== n);
    this.BlockSlots.set(insertSorted(slots, [n, slot]));

    this.CurrentBlockAuthorInfo.kill();
    const pk = pre.solution.publicKey;
    if (!this.AllowAuthoringByAnyone.get()) {
      const root = this.RootPlotPublicKey.getOption();
      if (root) {
        if (!equalBytes(root, pk)) throw new Error("Client bug, authoring must be only done by the root user");
      } else {
        this.RootPlotPublicKey.set(pk);
        this.system.depositLog(rootPlotPublicKeyUpdateItem(pk));
      }
    }
    const key: SolutionKey = [pk, pre.solution.sectorIndex, pre.solution.pieceOffset, pre.solution.chunk, slot];
    if (!findVoter(this.ParentBlockVoters.get(), key)) {
      this.CurrentBlockAuthorInfo.set([...key, pre.solution.rewardAddress]);
    }
    this.CurrentBlockVoters.set([]);

    const ranges = this.SolutionRanges.get();
    if (ranges.next !== undefined && ranges.votingNext !== undefined) {
      this.SolutionRanges.set({ current: ranges.next, votingCurrent: ranges.votingNext });
    }

    this.BlockRandomness.set(blake3(pre.potInfo.proofOfTime));
    this.system.depositLog(solutionRangeItem(this.SolutionRanges.get().current));

    if (n % this.config.eraDuration === 0) this.enactEraChange();

    this.initializePot(n, pre);

    const author = this.findBlockRewardAddress();
    for (const l of this.blockAuthorListeners) l(author);
    return weight(0);
  }

  override onFinalize(_n: number): void {
    const next = this.SolutionRanges.get().next;
    if (next !== undefined) this.system.depositLog(nextSolutionRangeItem(next));

    const info = this.CurrentBlockAuthorInfo.getOption();
    if (info) this.ParentBlockAuthorInfo.set(info.slice(0, 5) as SolutionKey);
    else this.ParentBlockAuthorInfo.kill();

    this.ParentVoteVerificationData.set(this.currentVoteVerificationData(true));
    this.ParentBlockVoters.set(this.CurrentBlockVoters.getOption() ?? []);
    this.DidProcessSegmentHeaders.kill();
  }

  private enactEraChange(): void {
    const c = this.config;
    const currentSlot = this.currentSlot();
    const ranges = this.SolutionRanges.get();
    let next: bigint;
    let votingNext: bigint;
    const override = this.ShouldAdjustSolutionRange.get() ? this.NextSolutionRangeOverride.getOption() : undefined;
    if (!this.ShouldAdjustSolutionRange.get()) {
      next = ranges.current;
      votingNext = ranges.current;
    } else if (override) {
      this.NextSolutionRangeOverride.kill();
      next = override.solutionRange;
      votingNext = override.votingSolutionRange;
    } else {
      next = deriveNextSolutionRange(BigInt(this.EraStartSlot.getOption() ?? 0), BigInt(currentSlot), c.slotProbability, ranges.current, BigInt(c.eraDuration));
      votingNext = votingSolutionRange(next, c.expectedVotesPerBlock);
    }
    this.SolutionRanges.set({ ...ranges, next, votingNext });
    const threshold = this.EnableRewardsBelowSolutionRange.getOption();
    if (threshold !== undefined && next <= threshold) {
      this.EnableRewardsBelowSolutionRange.kill();
      this.EnableRewards.set(this.system.blockNumber() + 1);
    }
    this.EraStartSlot.set(currentSlot);
  }

  /** The block that supplies the entropy injected next, if any (`last injection block − lookback`). */
  private entropySourceBlock(n: number): number | undefined {
    const interval = this.config.potEntropyInjectionInterval;
    const lookback = interval * this.config.potEntropyInjectionLookbackDepth;
    const last = Math.floor(n / interval) * interval;
    return last >= lookback ? last - lookback : undefined;
  }

  private iterationsAt(its: PotSlotIterationsValue, targetSlot: number): number {
    const u = its.update;
    return u && u.targetSlot !== undefined && u.targetSlot === targetSlot ? u.slotIterations : its.slotIterations;
  }

  private potSlotIterationsValue(): PotSlotIterationsValue {
    const v = this.PotSlotIterations.getOption();
    if (!v) throw new Error("PotSlotIterations is always initialized during genesis");
    return v;
  }

  private initializePot(n: number, pre: PreDigest): void {
    const c = this.config;
    let its = this.potSlotIterationsValue();
    // The iterations in force after the parent block.
    this.system.depositLog(potSlotIterationsItem(its.slotIterations));
    if (its.update && its.update.targetSlot !== undefined && its.update.targetSlot <= pre.slot) {
      its = { slotIterations: its.update.slotIterations };
      this.PotSlotIterations.set(its);
    }
    const entropy = entropyMap(this.PotEntropy.get());
    const src = this.entropySourceBlock(n);
    if (n % c.potEntropyInjectionInterval === 0) {
      entropy.set(n, { entropy: derivePotEntropy(pre.solution.chunk, pre.potInfo.proofOfTime) });
      const value = src !== undefined ? entropy.get(src) : undefined;
      if (value) {
        const target = pre.slot + c.potEntropyInjectionDelay;
        value.targetSlot = target;
        if (its.update && its.update.targetSlot === undefined) {
          its = { ...its, update: { ...its.update, targetSlot: target } };
          this.PotSlotIterations.set(its);
        }
      }
      this.PotEntropy.set(entropyEntries(entropy));
    }
    if (src !== undefined) {
      const value = entropy.get(src);
      if (value) {
        if (value.targetSlot === undefined) throw new Error("Target slot is guaranteed to be present due to logic above");
        this.system.depositLog(potParametersChangeItem({ slot: value.targetSlot, slotIterations: this.iterationsAt(its, value.targetSlot), entropy: value.entropy }));
      }
    }
    // Drop the oldest entry once its injection slot has passed.
    const first = entropy.entries().next();
    if (!first.done && first.value[1].targetSlot !== undefined && first.value[1].targetSlot < pre.slot) {
      entropy.delete(first.value[0]);
      this.PotEntropy.set(entropyEntries(entropy));
    }
  }

  // ---- Calls ----------------------------------------------------------------------------------

  private storeSegmentHeaders(headers: SegmentHeader[]): DispatchResult {
    if (this.DidProcessSegmentHeaders.exists()) throw new Error("Segment headers must be updated only once in the block");
    // The reference's `pre_dispatch` check (see the module comment).
    if (this.checkSegmentHeaders(headers) !== undefined) return fail({ tag: "Other" });
    for (const h of headers) {
      this.SegmentCommitment.set(h.segmentIndex, h.segmentCommitment);
      this.system.depositLog(segmentCommitmentItem(h.segmentIndex, h.segmentCommitment));
      this.deposit({ tag: "SegmentHeaderStored", value: { segmentHeader: h } });
    }
    this.DidProcessSegmentHeaders.set(true);
    return OK;
  }

  /** `check_segment_headers`: non-empty, consecutive, following stored history, never repeated. */
  checkSegmentHeaders(headers: readonly SegmentHeader[]): "BadMandatory" | undefined {
    if (headers.length === 0) return "BadMandatory";
    const first = headers[0]!.segmentIndex;
    if (first > 0n && !this.SegmentCommitment.contains(first - 1n)) return "BadMandatory";
    if (this.SegmentCommitment.contains(first)) return "BadMandatory";
    let last = first;
    for (const h of headers.slice(1)) {
      if (h.segmentIndex !== last + 1n) return "BadMandatory";
      if (this.SegmentCommitment.contains(h.segmentIndex)) return "BadMandatory";
      last = h.segmentIndex;
    }
    return undefined;
  }

  private enableSolutionRangeAdjustment(override?: bigint, votingOverride?: bigint): DispatchResult {
    if (this.ShouldAdjustSolutionRange.get()) return fail(this.error("SolutionRangeAdjustmentAlreadyEnabled"));
    this.ShouldAdjustSolutionRange.set(true);
    if (override !== undefined) {
      const voting = votingOverride ?? votingSolutionRange(override, this.config.expectedVotesPerBlock);
      const ranges = this.SolutionRanges.get();
      if (ranges.next !== undefined) {
        this.SolutionRanges.set({ ...ranges, next: override, votingNext: voting });
      } else {
        this.SolutionRanges.set({ ...ranges, current: override, votingCurrent: voting });
        this.NextSolutionRangeOverride.set({ solutionRange: override, votingSolutionRange: voting });
        this.system.depositLog(nextSolutionRangeItem(override));
      }
    }
    return OK;
  }

  private setPotSlotIterations(slotIterations: number): DispatchResult {
    if (slotIterations % POT_ITERATIONS_MULTIPLE !== 0) return fail(this.error("NotMultipleOfCheckpoints"));
    const its = this.potSlotIterationsValue();
    if (its.slotIterations >= slotIterations) return fail(this.error("PotSlotIterationsMustIncrease"));
    if (its.update && its.update.targetSlot !== undefined) return fail(this.error("PotSlotIterationsUpdateAlreadyScheduled"));
    this.PotSlotIterations.set({ slotIterations: its.slotIterations, update: { slotIterations } });
    return OK;
  }

  // ---- Unsigned validation --------------------------------------------------------------------

  override validateUnsigned(source: TransactionSource, call: { tag: string; value?: any }): TransactionValidity {
    if (call.tag === "store_segment_headers") {
      if (source !== "Local" && source !== "InBlock") return invalid({ tag: "Call" });
      if (this.checkSegmentHeaders(call.value.segmentHeaders)) return invalid({ tag: "BadMandatory" });
      return valid({ priority: PRIORITY_MAX, requires: [], provides: [], longevity: 0n, propagate: false });
    }
    if (call.tag === "vote") {
      const sv = call.value.signedVote as SignedVote;
      if (source === "InBlock") {
        // `pre_dispatch_vote`: an equivocation is recorded and the vote still goes in.
        const err = this.checkVote(sv, true);
        if (err && err !== "Equivocated") return invalid({ tag: VOTE_ERROR_VALIDITY[err] });
        return valid({ priority: 0n, requires: [], provides: [], longevity: U64_MAX, propagate: true });
      }
      const err = this.checkVote(sv, false);
      if (err) return invalid({ tag: VOTE_ERROR_VALIDITY[err] });
      return valid({ priority: PRIORITY_MAX, requires: [], provides: [tagged("SubspaceVote", sv.signature)], longevity: 2n, propagate: true });
    }
    return invalid({ tag: "Call" });
  }

  /**
   * `current_vote_verification_data`: from the pool (block not initialized) the next ranges apply;
   * during block execution the current ones.
   */
  currentVoteVerificationData(isBlockInitialized: boolean): VoteVerificationData {
    const r = this.SolutionRanges.get();
    const parent = this.ParentVoteVerificationData.getOption();
    return {
      solutionRange: isBlockInitialized ? r.current : r.next ?? r.current,
      voteSolutionRange: isBlockInitialized ? r.votingCurrent : r.votingNext ?? r.votingCurrent,
      currentSlot: this.currentSlot(),
      parentSlot: parent ? (isBlockInitialized ? parent.currentSlot : parent.parentSlot) : this.currentSlot(),
    };
  }

  /** `check_vote`: undefined when the vote is acceptable. `preDispatch` records the voter. */
  checkVote(signedVote: SignedVote, preDispatch: boolean): CheckVoteError | undefined {
    const { height, parentHash, slot, solution, proofOfTime, futureProofOfTime } = signedVote.vote;
    const current = this.system.blockNumber();
    if (current <= 1 || height <= 1) return "UnexpectedBeforeHeightTwo";
    if (!(height === current || height === current - 1)) return height > current ? "HeightInTheFuture" : "HeightInThePast";
    if (!equalBytes(parentHash, this.system.blockHash(height - 1))) return "IncorrectParentHash";

    const currentData = this.currentVoteVerificationData(preDispatch);
    const parentData = this.ParentVoteVerificationData.getOption();
    if (!parentData) throw new Error("Above check for block number ensures that this value is always present");
    if (preDispatch) {
      const cs = currentData.currentSlot;
      if (slot > cs || (slot === cs && height !== current)) return "SlotInTheFuture";
    }
    const parentSlot = preDispatch
      ? (height === current ? parentData.currentSlot : parentData.parentSlot)
      : (height === current ? currentData.currentSlot : currentData.parentSlot);
    if (slot <= parentSlot) return "SlotInThePast";

    const verifier = this.verifier;
    if (!verifier) return "InvalidSolution";
    if (!verifier.checkRewardSignature(voteHash(signedVote.vote), signedVote.signature, solution.publicKey)) return "BadRewardSignature";

    const data = height === current ? currentData : parentData;
    const c = this.config;
    const selection = { maxPiecesInSector: c.maxPiecesInSector, recentSegments: c.recentSegments, recentHistoryFraction: c.recentHistoryFraction };
    const id = sectorIdFromPublicKey(solution.publicKey, solution.sectorIndex, solution.historySize);
    const segmentIndex = derivePieceIndex(id, solution.pieceOffset, solution.historySize, selection) / BigInt(NUM_PIECES);
    const segmentCommitment = this.SegmentCommitment.getOption(segmentIndex);
    if (!segmentCommitment) return "UnknownSegmentCommitment";
    if (solution.historySize + c.minSectorLifetime > U64_MAX) return "InvalidHistorySize";
    const expirationCommitment = this.SegmentCommitment.getOption(expirationCheckSegmentIndex(solution.historySize, c.minSectorLifetime));
    const verified = verifier.verifySolution(solution, slot, {
      proofOfTime,
      solutionRange: data.voteSolutionRange,
      pieceCheckParams: {
        maxPiecesInSector: c.maxPiecesInSector, segmentCommitment, recentSegments: c.recentSegments,
        recentHistoryFraction: c.recentHistoryFraction, minSectorLifetime: c.minSectorLifetime,
        currentHistorySize: this.historySize(), sectorExpirationCheckSegmentCommitment: expirationCommitment,
      },
    });
    if (!verified.ok) return "InvalidSolution";
    if (verified.distance <= data.solutionRange / 2n) return "QualityTooHigh";
    if (!verifier.isProofOfTimeValid(parentHash, slot, proofOfTime, !preDispatch)) return "InvalidProofOfTime";
    if (preDispatch && !verifier.isProofOfTimeValid(parentHash, slot + c.blockAuthoringDelay, futureProofOfTime, false)) return "InvalidFutureProofOfTime";

    const key: SolutionKey = [solution.publicKey, solution.sectorIndex, solution.pieceOffset, solution.chunk, slot];
    const parentAuthor = this.ParentBlockAuthorInfo.getOption();
    const currentAuthor = this.CurrentBlockAuthorInfo.getOption();
    let equivocating = (parentAuthor !== undefined && compareKeys(parentAuthor, key) === 0)
      || (currentAuthor !== undefined && compareKeys(currentAuthor.slice(0, 5) as SolutionKey, key) === 0);
    if (!equivocating) {
      const seen = findVoter(this.ParentBlockVoters.get(), key);
      if (seen) {
        if (!equalBytes(seen[1], signedVote.signature)) equivocating = true;
        else return "DuplicateVote";
      }
    }
    if (!equivocating) {
      const seen = findVoter(this.CurrentBlockVoters.getOption() ?? [], key);
      if (seen) {
        if (!equalBytes(seen[1], signedVote.signature)) equivocating = true;
        else return "DuplicateVote";
      }
    }
    if (preDispatch) {
      const voters = this.CurrentBlockVoters.getOption();
      if (!voters) throw new Error("CurrentBlockVoters is always set during block initialization");
      this.CurrentBlockVoters.set(upsertVoter(voters, key, [equivocating ? undefined : solution.rewardAddress, signedVote.signature]));
    }
    if (equivocating) {
      const offender = solution.publicKey;
      const author = this.CurrentBlockAuthorInfo.getOption();
      if (author && equalBytes(author[0], offender)) this.CurrentBlockAuthorInfo.set([...author.slice(0, 5), undefined] as AuthorInfo);
      const voters = this.CurrentBlockVoters.getOption();
      if (voters) {
        this.CurrentBlockVoters.set(voters.map(([k, [addr, sig]]) => [k, [equalBytes(k[0], offender) ? undefined : addr, sig]]));
      }
      return "Equivocated";
    }
    return undefined;
  }

  // ---- Genesis --------------------------------------------------------------------------------

  /**
   * Genesis config as the reference's serde JSON (camelCase fields, enum variants by name):
   * `{ enableRewardsAt: {"Height": n} | {"SolutionRange": n} | "Manually",
   *    allowAuthoringBy: "Anyone" | "FirstFarmer" | {"RootFarmer": "<hex public key>"},
   *    potSlotIterations: n }`.
   */
  override buildGenesis(raw: SubspaceGenesisJson = {}): void {
    const g = parseSubspaceGenesis(raw);
    const e = g.enableRewardsAt;
    if (e.tag === "Height") this.EnableRewards.set(e.value);
    else if (e.tag === "SolutionRange") this.EnableRewardsBelowSolutionRange.set(e.value);
    const a = g.allowAuthoringBy;
    this.AllowAuthoringByAnyone.set(a.tag === "Anyone");
    if (a.tag === "RootFarmer") this.RootPlotPublicKey.set(a.value);
    this.PotSlotIterations.set({ slotIterations: g.potSlotIterations });
    if (g.solutionRange !== undefined) {
      const r = g.solutionRange;
      const voting = this.config.shouldAdjustSolutionRange ? votingSolutionRange(r, this.config.expectedVotesPerBlock) : r;
      this.SolutionRanges.set({ ...this.SolutionRanges.get(), current: r, votingCurrent: voting });
    }
  }

  override defaultGenesis(): SubspaceGenesisJson {
    return { enableRewardsAt: { Height: 1 }, allowAuthoringBy: "Anyone", potSlotIterations: 1 };
  }

  override integrityTest(): void {
    const c = this.config;
    if (c.eraDuration < 1) throw new Error("Subspace: EraDuration must be at least 1");
    if (c.potEntropyInjectionInterval < 1) throw new Error("Subspace: PotEntropyInjectionInterval must be at least 1");
    if (c.potEntropyInjectionInterval <= c.potEntropyInjectionDelay) throw new Error("Subspace: entropy injection interval must exceed the injection delay");
    if (c.potEntropyInjectionDelay <= c.blockAuthoringDelay + 1) throw new Error("Subspace: entropy injection delay must exceed BlockAuthoringDelay + 1");
    if (c.blockSlotCount < 2) throw new Error("Subspace: BlockSlotCount must be at least 2");
    if (c.slotProbability[1] === 0n || c.slotProbability[0] > c.slotProbability[1]) throw new Error("Subspace: SlotProbability must be within (0, 1]");
  }
}

// ---- Genesis JSON -------------------------------------------------------------------------------

export interface SubspaceGenesisJson {
  enableRewardsAt?: unknown;
  allowAuthoringBy?: unknown;
  potSlotIterations?: unknown;
  solutionRange?: unknown;
}

export interface SubspaceGenesis {
  enableRewardsAt: EnableRewardsAt;
  allowAuthoringBy: AllowAuthoringBy;
  potSlotIterations: number;
  /**
   * Extension of this implementation: the first era's solution range, overriding the runtime's
   * `InitialSolutionRange` (dev chains with tiny plots use u64::MAX, as the reference's test runtime).
   */
  solutionRange?: bigint;
}

/** Parses the genesis section (variant names also accepted in camelCase, keys with or without `0x`). */
export function parseSubspaceGenesis(raw: SubspaceGenesisJson): SubspaceGenesis {
  const known = new Set(["enableRewardsAt", "allowAuthoringBy", "potSlotIterations", "solutionRange"]);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw new Error(`subspace genesis: unknown field "${k}"`);
  const enumOf = (v: unknown, what: string): [string, unknown] => {
    if (typeof v === "string") return [v.toLowerCase(), undefined];
    if (v && typeof v === "object" && Object.keys(v).length === 1) {
      const [k, val] = Object.entries(v)[0]!;
      return [k.toLowerCase(), val];
    }
    throw new Error(`subspace genesis: ${what} must be a variant name or a one-key object`);
  };
  const int = (v: unknown, what: string): bigint => {
    if (typeof v === "bigint") return v;
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v);
    throw new Error(`subspace genesis: ${what} must be an integer`);
  };
  let enableRewardsAt: EnableRewardsAt = { tag: "Height", value: 1 };
  if (raw.enableRewardsAt !== undefined) {
    const [k, v] = enumOf(raw.enableRewardsAt, "enableRewardsAt");
    if (k === "height") enableRewardsAt = { tag: "Height", value: Number(int(v, "enableRewardsAt.Height")) };
    else if (k === "solutionrange") enableRewardsAt = { tag: "SolutionRange", value: int(v, "enableRewardsAt.SolutionRange") };
    else if (k === "manually") enableRewardsAt = { tag: "Manually" };
    else throw new Error(`subspace genesis: unknown enableRewardsAt variant "${k}"`);
  }
  let allowAuthoringBy: AllowAuthoringBy = { tag: "Anyone" };
  if (raw.allowAuthoringBy !== undefined) {
    const [k, v] = enumOf(raw.allowAuthoringBy, "allowAuthoringBy");
    if (k === "anyone") allowAuthoringBy = { tag: "Anyone" };
    else if (k === "firstfarmer") allowAuthoringBy = { tag: "FirstFarmer" };
    else if (k === "rootfarmer") {
      if (typeof v !== "string") throw new Error("subspace genesis: RootFarmer needs a hex public key");
      const pk = fromHex(v.startsWith("0x") ? v : `0x${v}`);
      if (pk.length !== 32) throw new Error("subspace genesis: RootFarmer public key must be 32 bytes");
      allowAuthoringBy = { tag: "RootFarmer", value: pk };
    } else throw new Error(`subspace genesis: unknown allowAuthoringBy variant "${k}"`);
  }
  const its = raw.potSlotIterations === undefined ? 1n : int(raw.potSlotIterations, "potSlotIterations");
  if (its < 1n || its > 0xffff_ffffn) throw new Error("subspace genesis: potSlotIterations must be a non-zero u32");
  let solutionRange: bigint | undefined;
  if (raw.solutionRange !== undefined) {
    solutionRange = int(raw.solutionRange, "solutionRange");
    if (solutionRange < 1n || solutionRange > 0xffff_ffff_ffff_ffffn) throw new Error("subspace genesis: solutionRange must be a non-zero u64");
  }
  return { enableRewardsAt, allowAuthoringBy, potSlotIterations: Number(its), solutionRange };
}

/** The reference's JSON for a genesis value (bare hex public key, as the `hex` crate writes it). */
export function subspaceGenesisToJson(g: SubspaceGenesis): SubspaceGenesisJson {
  const e = g.enableRewardsAt;
  const a = g.allowAuthoringBy;
  return {
    enableRewardsAt: e.tag === "Manually" ? "Manually" : { [e.tag]: e.value },
    allowAuthoringBy: a.tag === "RootFarmer" ? { RootFarmer: toHex(a.value).slice(2) } : a.tag,
    potSlotIterations: g.potSlotIterations,
  };
}

// ---- Helpers ------------------------------------------------------------------------------------

function valid(v: ValidTransaction): TransactionValidity {
  return { ok: true, value: v };
}

/** `ValidTransactionBuilder::with_tag_prefix(prefix).and_provides(tag)`: `SCALE((prefix: &str, tag))`. */
function tagged(prefix: string, tag: Uint8Array): Uint8Array {
  const p = new TextEncoder().encode(prefix);
  return concatBytes(Uint8Array.of(p.length << 2), p, tag);
}

function inherentSegmentHeaders(data: InherentData): SegmentHeader[] | undefined {
  const raw = data.get(SUBSPACE_INHERENT_ID);
  if (!raw) return undefined;
  return decodeAll(InherentTypeTy, raw).segmentHeaders;
}

/** Encodes the `subspace` inherent data: `InherentType { segment_headers }`. */
export function encodeSubspaceInherentData(segmentHeaders: SegmentHeader[]): Uint8Array {
  return InherentTypeTy.enc({ segmentHeaders });
}

function insertSorted(entries: [number, number][], entry: [number, number]): [number, number][] {
  return [...entries, entry].sort((a, b) => a[0] - b[0]);
}

type EntropyEntries = [number, PotEntropyValue][];
function entropyMap(entries: EntropyEntries): Map<number, PotEntropyValue> {
  return new Map(entries.map(([k, v]) => [k, { ...v }]));
}
function entropyEntries(m: Map<number, PotEntropyValue>): EntropyEntries {
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.targetSlot === undefined ? { entropy: v.entropy } : v]);
}

/** Rust's `Ord` on `(PublicKey, SectorIndex, PieceOffset, ScalarBytes, Slot)`. */
export function compareKeys(a: SolutionKey, b: SolutionKey): number {
  return compareBytes(a[0], b[0]) || a[1] - b[1] || a[2] - b[2] || compareBytes(a[3], b[3]) || a[4] - b[4];
}

function findVoter(voters: Voters, key: SolutionKey): [AccountId | undefined, Uint8Array] | undefined {
  return voters.find(([k]) => compareKeys(k, key) === 0)?.[1];
}

function upsertVoter(voters: Voters, key: SolutionKey, value: [AccountId | undefined, Uint8Array]): Voters {
  return [...voters.filter(([k]) => compareKeys(k, key) !== 0), [key, value] as [SolutionKey, [AccountId | undefined, Uint8Array]]]
    .sort((x, y) => compareKeys(x[0], y[0]));
}
