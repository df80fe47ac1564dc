/**
 * Genesis presets (`genesis_config_presets.rs` analogue) and the genesis build: the runtime's
 * JSON genesis config (camelCase pallet sections, as Substrate's `RuntimeGenesisConfig` serialises)
 * is turned into storage by each pallet's `buildGenesis`.
 */
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { ss58Decode, ss58Encode } from "../../framework/crypto/index.ts";
import { toBigInt } from "../../framework/chain-spec/json.ts";
import { Overlay, MapState, keyString } from "../../framework/storage/overlay.ts";
import { withState, state, WELL_KNOWN_KEYS } from "../../framework/storage/items.ts";
import type { Runtime } from "../../framework/runtime/runtime.ts";
import type { GenesisBuilderPort } from "../../framework/runtime/apis.ts";
import { MAINNET_REMAINING_ISSUANCE, MAINNET_SUBSIDY_POINTS } from "../../pallets/rewards/rewards.ts";

await cryptoWaitReady();

export const DEV_ACCOUNTS = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"] as const;
const AI3 = 10n ** 18n;

/** sr25519 `//Name` dev account ids. */
export function devAccount(name: string): Uint8Array {
  const keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
  return keyring.addFromUri(`//${name}`).publicKey;
}

export interface GenesisConfigJson {
  system?: Record<string, never>;
  subspace?: Record<string, unknown>;
  rewards?: Record<string, unknown>;
  balances?: { balances: [string, bigint | number | string][] };
  sudo?: { key?: string | null };
  runtimeConfigs?: {
    enableDomains?: boolean;
    enableDynamicCostOfStorage?: boolean;
    enableBalanceTransfers?: boolean;
    confirmationDepthK?: number;
    domainBlockPruningDepth?: number;
    stakingWithdrawalPeriod?: number;
  };
  transactionPayment?: Record<string, unknown>;
  [pallet: string]: unknown;
}

/**
 * A production-like genesis with the reference's mainnet values (`chain_spec.rs` mainnet-compiled):
 * PoT 206,557,520 iterations, k = 100, rewards enabled manually, 350 M AI3 remaining issuance with
 * the mainnet subsidy schedule, domains, dynamic storage cost and balance transfers off. No funded
 * accounts and no sudo key: a real network sets its own in a patch.
 */
function productionPreset(): GenesisConfigJson {
  return {
    system: {},
    balances: { balances: [] },
    sudo: { key: null },
    subspace: { enableRewardsAt: "Manually", allowAuthoringBy: "Anyone", potSlotIterations: 206_557_520 },
    rewards: {
      remainingIssuance: MAINNET_REMAINING_ISSUANCE,
      proposerSubsidyPoints: MAINNET_SUBSIDY_POINTS.map((p) => ({ block: p.block, subsidy: p.subsidy })),
      voterSubsidyPoints: MAINNET_SUBSIDY_POINTS.map((p) => ({ block: p.block, subsidy: p.subsidy })),
    },
    runtimeConfigs: {
      enableDomains: false,
      enableDynamicCostOfStorage: false,
      enableBalanceTransfers: false,
      confirmationDepthK: 100,
      domainBlockPruningDepth: 14_400,
      stakingWithdrawalPeriod: 14_400,
    },
  };
}

export class GenesisBuilder implements GenesisBuilderPort {
  constructor(private readonly runtime: Runtime) {}

  presetNames(): string[] {
    return ["development", "local_testnet", "production"];
  }

  preset(name: string | undefined): GenesisConfigJson | undefined {
    const fund = (names: readonly string[], amount: bigint) => names.map((n) => [ss58Encode(devAccount(n)), amount] as [string, bigint]);
    const base = (funded: readonly string[], dev: boolean): GenesisConfigJson => ({
      system: {},
      balances: { balances: fund(funded, 1_000n * AI3) },
      sudo: { key: ss58Encode(devAccount("Alice")) },
      subspace: {
        enableRewardsAt: { Height: 1 },
        allowAuthoringBy: "Anyone",
        // ≈ 0.5 s of proving per slot on the project machine (2-core EPYC, ~95 M AES iterations/s),
        // paced to one slot per second, so the timekeeper takes about half a core.
        potSlotIterations: 50_000_000,
        // u64::MAX: every audited chunk is within range, so the dev farm's small plot wins every slot
        // (the reference's test runtime does the same); the `local` chain keeps the runtime default.
        ...(dev ? { solutionRange: 0xffff_ffff_ffff_ffffn } : {}),
      },
      rewards: {
        remainingIssuance: 1_000_000n * AI3,
        proposerSubsidyPoints: [{ block: 0, subsidy: 454_545_454_545_455_000n }],
        voterSubsidyPoints: [{ block: 0, subsidy: 454_545_454_545_455_000n }],
      },
      runtimeConfigs: {
        enableDomains: false,
        enableDynamicCostOfStorage: false,
        enableBalanceTransfers: true,
        confirmationDepthK: 5,
        domainBlockPruningDepth: 10,
        stakingWithdrawalPeriod: 10,
      },
    });
    if (name === undefined) return { system: {}, balances: { balances: [] }, sudo: { key: null }, runtimeConfigs: {} };
    if (name === "development" || name === "dev") return base(DEV_ACCOUNTS, true);
    if (name === "local_testnet" || name === "local") return base(DEV_ACCOUNTS, false);
    if (name === "production") return productionPreset();
    return undefined;
  }

  /** Builds genesis storage for `config` into the current state (run inside `withState`). */
  build(config: GenesisConfigJson): void {
    const known = new Set(["system", "timestamp", "subspace", "rewards", "balances", "transactionFees", "transactionPayment", "utility", "runtimeConfigs", "sudo"]);
    for (const k of Object.keys(config)) if (!known.has(k)) throw new Error(`unknown genesis config section "${k}"`);
    for (const { pallet } of this.runtime.pallets) {
      const section = sectionName(pallet.name);
      const raw = (config as Record<string, any>)[section] ?? {};
      if (!pallet.buildGenesis) continue;
      if (pallet.name === "Balances") {
        const list = (raw.balances ?? []) as [string, unknown][];
        if (!Array.isArray(list)) throw new Error("balances.balances must be a list of [account, amount]");
        pallet.buildGenesis({ accounts: list.map(([who, amount], i) => [accountOf(who, `balances.balances[${i}]`), toBigInt(amount, `balances.balances[${i}]`)]) });
      } else if (pallet.name === "Sudo") {
        pallet.buildGenesis({ key: raw.key ? accountOf(raw.key, "sudo.key") : undefined });
      } else {
        pallet.buildGenesis(raw);
      }
    }
  }

  /** Full genesis storage for a config: every key/value, including `:code`. */
  buildStorage(config: GenesisConfigJson, code: Uint8Array): Map<string, Uint8Array> {
    const overlay = new Overlay(new MapState());
    withState(overlay, () => {
      this.build(config);
      state().set(WELL_KNOWN_KEYS.CODE, code);
    });
    const out = new Map<string, Uint8Array>();
    for (const [k, v] of overlay.changes()) if (v) out.set(k, v);
    return out;
  }
}

function sectionName(pallet: string): string {
  return pallet[0]!.toLowerCase() + pallet.slice(1);
}

function accountOf(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string") throw new Error(`${what}: expected an SS58 address or 0x-hex account id`);
  try {
    return ss58Decode(v);
  } catch {
    throw new Error(`${what}: invalid account "${v}"`);
  }
}

export { keyString };
