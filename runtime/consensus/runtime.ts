/**
 * The Subspace consensus runtime: the pallet list with Subspace's indices, config values, signed
 * extensions in the Subspace runtime's order, runtime APIs, metadata and genesis.
 *
 * Adding a pallet: write `pallets/<name>/`, then add one line to `PALLETS` below.
 */
import { variant, unit, type Ty, lazy } from "../../framework/codec/ty.ts";
import type { DispatchInfo } from "../../framework/codec/substrate.ts";
import { createContainer, bindConstant, bindFactory, resolve, token, type Token } from "../../framework/di/index.ts";
import { Runtime, type RuntimeCallValue, type RuntimeVersion } from "../../framework/runtime/runtime.ts";
import { buildMetadata, type MetadataSet } from "../../framework/runtime/metadata.ts";
import { standardApis, runtimeVersionValue, apiId, type StandardApiDeps } from "../../framework/runtime/apis.ts";
import { noopExtension, validOk, type SignedExtension } from "../../framework/runtime/extension.ts";
import { invalid } from "../../framework/pallet/pallet.ts";
import type { Pallet } from "../../framework/pallet/pallet.ts";
import { orderedTrieRoot } from "../../framework/trie/index.ts";
import { SystemPallet } from "../../pallets/system/system.ts";
import { checkGenesis, checkMortality, checkNonce, checkNonZeroSender, checkSpecVersion, checkTxVersion, checkWeight } from "../../pallets/system/extensions.ts";
import { TimestampPallet } from "../../pallets/timestamp/timestamp.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../pallets/balances/balances.ts";
import { TransactionFeesPallet } from "../../pallets/transaction-fees/transactionFees.ts";
import { TransactionPaymentPallet } from "../../pallets/transaction-payment/transactionPayment.ts";
import { UtilityPallet } from "../../pallets/utility/utility.ts";
import { SudoPallet } from "../../pallets/sudo/sudo.ts";
import { RuntimeConfigsPallet } from "../../pallets/runtime-configs/runtimeConfigs.ts";
import { SubspacePallet, subspaceSystemPort } from "../../pallets/subspace/subspace.ts";
import { subspaceApi } from "../../pallets/subspace/api.ts";
import { objectsApi } from "./objectMapping.ts";
import { RewardsPallet, balancesCurrency, rewardsSystemPort } from "../../pallets/rewards/rewards.ts";
import { piecesToSolutionRange } from "../../framework/primitives/subspace/consensus/index.ts";
import { GenesisBuilder } from "./genesis.ts";

export const VERSION: RuntimeVersion = {
  specName: "subspace",
  implName: "subspace",
  authoringVersion: 0,
  specVersion: 1,
  implVersion: 0,
  transactionVersion: 1,
  systemVersion: 2,
};

/** 1 AI3 = 10^18 Shannon. */
export const AI3 = 10n ** 18n;
export const SHANNON = 1n;
export const SS58_PREFIX = 6094;

/** Runtime constants (Subspace runtime values where they exist; see runtime/consensus/README in the project README). */
export const CONSTANTS = {
  existentialDeposit: 10_000_000_000_000n * SHANNON,
  blockHashCount: 4096,
  /** 2 s of ref time per block (Subspace: `WEIGHT_REF_TIME_PER_SECOND * 2`). */
  maxBlockWeight: { refTime: 2_000_000_000_000n, proofSize: 0xffff_ffff_ffff_ffffn },
  baseExtrinsicWeight: 100_000_000n,
  baseBlockWeight: 400_000_000n,
  /** 5 MiB (Subspace `MAX_BLOCK_LENGTH`). */
  maxBlockLength: 5 * 1024 * 1024,
  normalRatioPercent: 75,
  /** Fee per unit of ref-time weight (Shannon). */
  weightFee: 10n,
  transactionByteFee: 1_000_000_000n,
  operationalFeeMultiplier: 5,
  /** Slot 1 s; timestamp minimum period = slot / 2 (ms). */
  minimumPeriod: 500n,
  slotDurationMs: 1000n,
  /** Subspace consensus constants (the Subspace runtime's values). */
  blockAuthoringDelay: 4,
  potEntropyInjectionInterval: 50,
  potEntropyInjectionLookbackDepth: 2,
  potEntropyInjectionDelay: 15,
  eraDuration: 2016,
  slotProbability: [1n, 6n] as const,
  recentSegments: 5n,
  recentHistoryFraction: [1n, 10n] as const,
  minSectorLifetime: 4n,
  expectedVotesPerBlock: 9,
  maxPiecesInSector: 1000,
} as const;

// Tokens for the composition root (the `Config` of each pallet).
const T = {
  system: token<SystemPallet>("SystemPallet"),
  timestamp: token<TimestampPallet>("TimestampPallet"),
  balances: token<BalancesPallet>("BalancesPallet"),
  transactionFees: token<TransactionFeesPallet>("TransactionFeesPallet"),
  transactionPayment: token<TransactionPaymentPallet>("TransactionPaymentPallet"),
  utility: token<UtilityPallet>("UtilityPallet"),
  sudo: token<SudoPallet>("SudoPallet"),
  runtimeConfigs: token<RuntimeConfigsPallet>("RuntimeConfigsPallet"),
  subspace: token<SubspacePallet>("SubspacePallet"),
  rewards: token<RewardsPallet>("RewardsPallet"),
  callTy: token<Ty<RuntimeCallValue>>("RuntimeCallType"),
};

/** `construct_runtime!`: pallet indices as in the Subspace runtime. */
const PALLETS: { index: number; token: Token<Pallet> }[] = [
  { index: 0, token: T.system },
  { index: 1, token: T.timestamp },
  { index: 2, token: T.subspace },
  { index: 4, token: T.rewards },
  { index: 5, token: T.balances },
  { index: 6, token: T.transactionFees },
  { index: 7, token: T.transactionPayment },
  { index: 8, token: T.utility },
  { index: 14, token: T.runtimeConfigs },
  { index: 100, token: T.sudo },
];

export interface ConsensusRuntime {
  readonly runtime: Runtime;
  readonly metadata: MetadataSet;
  readonly system: SystemPallet;
  readonly balances: BalancesPallet;
  readonly timestamp: TimestampPallet;
  readonly payment: TransactionPaymentPallet;
  readonly fees: TransactionFeesPallet;
  readonly sudo: SudoPallet;
  readonly runtimeConfigs: RuntimeConfigsPallet;
  readonly subspace: SubspacePallet;
  readonly rewards: RewardsPallet;
  readonly genesis: GenesisBuilder;
  /** `Core_version` value including API ids. */
  readonly versionValue: any;
  /** `:code`: an opaque identifier of this runtime, changing whenever the spec version does. */
  readonly code: Uint8Array;
}

const emptyReason = (name: string) => variant({}, { path: ["subspace_runtime", name] });

/** Composes the consensus runtime. Call once per process (or per test runtime). */
export async function createConsensusRuntime(): Promise<ConsensusRuntime> {
  const c = createContainer();
  let runtime: Runtime | undefined;
  bindConstant(c, T.callTy, lazy(() => runtime!.callTy));
  const apisPlaceholder: [Uint8Array, number][] = [];
  bindFactory(c, T.system, () => new SystemPallet({
    accountData: { ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA },
    blockHashCount: CONSTANTS.blockHashCount,
    ss58Prefix: SS58_PREFIX,
    version: VERSION,
    apis: apisPlaceholder,
    maxBlockWeight: CONSTANTS.maxBlockWeight,
    baseExtrinsicWeight: CONSTANTS.baseExtrinsicWeight,
    baseBlockWeight: CONSTANTS.baseBlockWeight,
    maxBlockLength: CONSTANTS.maxBlockLength,
    normalRatioPercent: CONSTANTS.normalRatioPercent,
  }));
  bindFactory(c, T.timestamp, () => new TimestampPallet({ minimumPeriod: CONSTANTS.minimumPeriod }));
  bindFactory(c, T.balances, (get) => new BalancesPallet({
    existentialDeposit: CONSTANTS.existentialDeposit, maxLocks: 50, maxReserves: 50, maxFreezes: 50,
    holdReason: emptyReason("RuntimeHoldReason"), freezeReason: emptyReason("RuntimeFreezeReason"),
  }, get(T.system)));
  bindFactory(c, T.transactionFees, (get) => new TransactionFeesPallet({ transactionByteFee: CONSTANTS.transactionByteFee }, get(T.balances)));
  bindFactory(c, T.transactionPayment, (get) => new TransactionPaymentPallet({
    operationalFeeMultiplier: CONSTANTS.operationalFeeMultiplier, weightFee: CONSTANTS.weightFee,
    baseExtrinsicWeight: CONSTANTS.baseExtrinsicWeight, maxBlockWeight: CONSTANTS.maxBlockWeight.refTime, maxBlockLength: CONSTANTS.maxBlockLength,
  }, get(T.balances), get(T.transactionFees), get(T.system)));
  bindFactory(c, T.utility, (get) => new UtilityPallet(get(T.callTy)));
  bindFactory(c, T.sudo, (get) => new SudoPallet(get(T.callTy)));
  bindFactory(c, T.runtimeConfigs, () => new RuntimeConfigsPallet());
  bindFactory(c, T.subspace, (get) => new SubspacePallet({
    blockAuthoringDelay: CONSTANTS.blockAuthoringDelay,
    potEntropyInjectionInterval: CONSTANTS.potEntropyInjectionInterval,
    potEntropyInjectionLookbackDepth: CONSTANTS.potEntropyInjectionLookbackDepth,
    potEntropyInjectionDelay: CONSTANTS.potEntropyInjectionDelay,
    eraDuration: CONSTANTS.eraDuration,
    slotProbability: CONSTANTS.slotProbability,
    initialSolutionRange: piecesToSolutionRange(BigInt(CONSTANTS.maxPiecesInSector), CONSTANTS.slotProbability),
    confirmationDepthK: () => get(T.runtimeConfigs).ConfirmationDepthK.get(),
    recentSegments: CONSTANTS.recentSegments,
    recentHistoryFraction: CONSTANTS.recentHistoryFraction,
    minSectorLifetime: CONSTANTS.minSectorLifetime,
    expectedVotesPerBlock: CONSTANTS.expectedVotesPerBlock,
    maxPiecesInSector: CONSTANTS.maxPiecesInSector,
    shouldAdjustSolutionRange: false,
    blockSlotCount: 6,
  }, subspaceSystemPort(get(T.system))));
  bindFactory(c, T.rewards, (get) => new RewardsPallet({
    avgBlockspaceUsageNumBlocks: 100, maxRewardPoints: 20, proposerTaxOnVotes: [1, 10],
    maxNormalBlockLength: Math.floor((CONSTANTS.maxBlockLength * CONSTANTS.normalRatioPercent) / 100),
  }, balancesCurrency(get(T.balances)), get(T.subspace), rewardsSystemPort(get(T.system), () => get(T.transactionFees).transactionByteFee())));

  const system = resolve(c, T.system);
  const balances = resolve(c, T.balances);
  const payment = resolve(c, T.transactionPayment);
  const runtimeConfigs = resolve(c, T.runtimeConfigs);
  const unitTy = unit;
  const signedExtensions: SignedExtension[] = [
    checkNonZeroSender(),
    checkSpecVersion(system),
    checkTxVersion(system),
    checkGenesis(system),
    checkMortality(system),
    checkNonce(system),
    checkWeight(system),
    payment.chargeTransactionPayment(),
    balanceTransferCheck(runtimeConfigs),
    noopExtension("SubspaceExtension", unitTy),
    noopExtension("DomainsExtension", unitTy),
    noopExtension("MessengerExtension", unitTy),
  ];
  runtime = new Runtime({
    crateName: "subspace_runtime",
    version: VERSION,
    pallets: PALLETS.map(({ index, token: t }) => ({ index, pallet: resolve(c, t) })),
    system,
    signedExtensions,
    maxExtrinsicLength: CONSTANTS.maxBlockLength,
    trieVersion: 1,
    extrinsicsRootVersion: VERSION.systemVersion >= 2 ? 1 : 0,
    orderedTrieRoot: (values, version) => orderedTrieRoot(values, version),
  });
  system.setRuntimeEventType(runtime.eventTy);
  runtime.setEventSink((ev, topics) => system.depositEncodedEvent(ev, topics));
  resolve(c, T.utility).attach(runtime);
  resolve(c, T.sudo).attach(runtime);

  const genesis = new GenesisBuilder(runtime);
  let metadata: MetadataSet = { v14: new Uint8Array(), v15: new Uint8Array() };
  const deps: StandardApiDeps = {
    runtime,
    get metadata() {
      return metadata;
    },
    accountNonce: (who) => system.accountNonce(who),
    payment: {
      queryInfo: (len, info, signed) => payment.queryInfo(len, info, signed),
      queryFeeDetails: (len, info, signed, tip) => payment.queryFeeDetails(len, info, signed, tip),
      weightToFee: (w) => payment.weightToFee(w),
      lengthToFee: (len) => BigInt(len) * resolve(c, T.transactionFees).transactionByteFee(),
      tipOf: (extra) => extra[signedExtensions.findIndex((e) => e.identifier === "ChargeTransactionPayment")] as bigint,
    },
    genesis,
    host: () => runtime!.host,
  };
  standardApis(deps);
  const subspace = resolve(c, T.subspace);
  subspace.onBlockAuthor((who) => resolve(c, T.transactionFees).setBlockAuthor(who));
  runtime.apis.push(subspaceApi({
    runtime, subspace, slotDurationMs: CONSTANTS.slotDurationMs,
    blockWeight: () => {
      const w = system.BlockWeight.get();
      return { refTime: w.normal.refTime + w.operational.refTime + w.mandatory.refTime, proofSize: w.normal.proofSize + w.operational.proofSize + w.mandatory.proofSize };
    },
  }));
  runtime.apis.push(objectsApi(runtime));
  const versionValue = await runtimeVersionValue(runtime);
  apisPlaceholder.push(...(versionValue.apis as [Uint8Array, number][]));
  // Core_version reads the cached value.
  const core = runtime.apis.find((a) => a.name === "Core")!;
  (core.methods[0] as any).call = () => versionValue;
  metadata = buildMetadata(runtime);
  runtime.integrityTest();
  void apiId;
  const code = new TextEncoder().encode(`subspace-ts-runtime:${VERSION.specName}:${VERSION.specVersion}:${VERSION.transactionVersion}`);
  return {
    runtime, metadata, system, balances, payment, runtimeConfigs, genesis, versionValue, code, subspace,
    rewards: resolve(c, T.rewards),
    timestamp: resolve(c, T.timestamp), fees: resolve(c, T.transactionFees), sudo: resolve(c, T.sudo),
  };
}

/** Subspace's `BalanceTransferCheckExtension`: balance transfers only while they are enabled. */
function balanceTransferCheck(configs: RuntimeConfigsPallet): SignedExtension<undefined, undefined, undefined> {
  const isTransfer = (call: RuntimeCallValue): boolean => {
    if (call.tag === "Balances") return call.value.tag.startsWith("transfer") || call.value.tag === "force_transfer";
    if (call.tag === "Utility") return (call.value.value?.calls ?? []).some(isTransfer);
    if (call.tag === "Sudo") return false;
    return false;
  };
  const check = (call: RuntimeCallValue) => !configs.EnableBalanceTransfers.get() && isTransfer(call);
  return {
    identifier: "BalanceTransferCheckExtension",
    extraTy: unit, additionalTy: unit,
    additionalSigned: () => ({ ok: true, value: undefined }),
    validate: (ctx) => (check(ctx.call as RuntimeCallValue) ? invalid({ tag: "Call" }) : validOk()),
    preDispatch: (ctx) => (check(ctx.call as RuntimeCallValue) ? invalid({ tag: "Call" }) : { ok: true, pre: undefined }),
  };
}

export type { DispatchInfo };
