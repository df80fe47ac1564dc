/** pallet_runtime_configs (Subspace): root-controlled feature switches and chain parameters. */
import { bool, u32, struct } from "../../framework/codec/ty.ts";
import { StorageValue } from "../../framework/storage/items.ts";
import { Pallet, OK, fail, isRoot, BAD_ORIGIN, weight, type Origin } from "../../framework/pallet/pallet.ts";

const P = "RuntimeConfigs";
const CouncilDemocracyConfigParams = struct(
  { councilMotionDuration: u32, democracyCooloffPeriod: u32, democracyEnactmentPeriod: u32, democracyFastTrackVotingPeriod: u32, democracyLaunchPeriod: u32, democracyVoteLockingPeriod: u32, democracyVotingPeriod: u32 },
  { path: ["pallet_runtime_configs", "CouncilDemocracyConfigParams"], params: [{ name: "BlockNumber", type: u32 }] },
);

export interface RuntimeConfigsGenesis {
  enableDomains: boolean;
  enableDynamicCostOfStorage: boolean;
  enableBalanceTransfers: boolean;
  confirmationDepthK: number;
  domainBlockPruningDepth: number;
  stakingWithdrawalPeriod: number;
}

export class RuntimeConfigsPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["Runtime configuration switches (Subspace)."];
  readonly EnableDomains = new StorageValue(P, "EnableDomains", bool, { default: false, docs: "Whether to enable domains." });
  readonly EnableDynamicCostOfStorage = new StorageValue(P, "EnableDynamicCostOfStorage", bool, { default: false, docs: "Whether to enable dynamic cost of storage." });
  readonly EnableBalanceTransfers = new StorageValue(P, "EnableBalanceTransfers", bool, { default: false, docs: "Whether to enable balances transfers." });
  readonly ConfirmationDepthK = new StorageValue(P, "ConfirmationDepthK", u32, { default: 0, docs: "Confirmation depth k." });
  readonly CouncilDemocracyConfig = new StorageValue(P, "CouncilDemocracyConfig", CouncilDemocracyConfigParams, { docs: "Council and democracy config params." });
  readonly DomainBlockPruningDepth = new StorageValue(P, "DomainBlockPruningDepth", u32, { default: 0, docs: "Domain block pruning depth." });
  readonly StakingWithdrawalPeriod = new StorageValue(P, "StakingWithdrawalPeriod", u32, { default: 0, docs: "Staking withdrawal period." });

  constructor() {
    super();
    this.storage.push(this.EnableDomains, this.EnableDynamicCostOfStorage, this.EnableBalanceTransfers, this.ConfirmationDepthK, this.CouncilDemocracyConfig, this.DomainBlockPruningDepth, this.StakingWithdrawalPeriod);
    const setter = (item: StorageValue<boolean>) => (o: Origin, a: { enable: boolean }) => {
      if (!isRoot(o)) return fail(BAD_ORIGIN);
      item.set(a.enable);
      return OK;
    };
    Object.assign(this.calls, {
      set_enable_domains: { index: 0, args: { enableDomains: bool }, weight: () => weight(5_000_000), class: "Operational", docs: "Change enable domains state.", dispatch: (o: Origin, a: any) => setter(this.EnableDomains)(o, { enable: a.enableDomains }) },
      set_enable_dynamic_cost_of_storage: { index: 1, args: { enableDynamicCostOfStorage: bool }, weight: () => weight(5_000_000), class: "Operational", docs: "Enable or disable dynamic cost of storage.", dispatch: (o: Origin, a: any) => setter(this.EnableDynamicCostOfStorage)(o, { enable: a.enableDynamicCostOfStorage }) },
      set_enable_balance_transfers: { index: 2, args: { enableBalanceTransfers: bool }, weight: () => weight(5_000_000), class: "Operational", docs: "Enable or disable balance transfers for all users.", dispatch: (o: Origin, a: any) => setter(this.EnableBalanceTransfers)(o, { enable: a.enableBalanceTransfers }) },
    });
  }

  override buildGenesis(g: Partial<RuntimeConfigsGenesis>): void {
    this.EnableDomains.set(g.enableDomains ?? false);
    this.EnableDynamicCostOfStorage.set(g.enableDynamicCostOfStorage ?? false);
    this.EnableBalanceTransfers.set(g.enableBalanceTransfers ?? true);
    this.ConfirmationDepthK.set(g.confirmationDepthK ?? 5);
    this.DomainBlockPruningDepth.set(g.domainBlockPruningDepth ?? 10);
    this.StakingWithdrawalPeriod.set(g.stakingWithdrawalPeriod ?? 10);
  }
}
