/**
 * A small test runtime shaped like Substrate's kitchensink (spec `node`/268, tx version 2) where
 * it matters for the ed25519 transfer vector of substrate-compat.md §4: System at 0, Balances at
 * 6 and the kitchensink's signed extensions, composed from our framework and pallets.
 */
import { struct, option, u32, compactU128, byteArray, variant, unit, type Ty } from "../../framework/codec/ty.ts";
import { Runtime, type RuntimeVersion } from "../../framework/runtime/runtime.ts";
import { validOk, type SignedExtension } from "../../framework/runtime/extension.ts";
import { invalid } from "../../framework/pallet/pallet.ts";
import { Overlay, MapState, keyBytes } from "../../framework/storage/overlay.ts";
import { withState } from "../../framework/storage/items.ts";
import { Trie, orderedTrieRoot } from "../../framework/trie/index.ts";
import { SystemPallet } from "../../pallets/system/system.ts";
import { checkGenesis, checkMortality, checkNonce, checkNonZeroSender, checkSpecVersion, checkTxVersion, checkWeight } from "../../pallets/system/extensions.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../pallets/balances/balances.ts";

export const KITCHENSINK_VERSION: RuntimeVersion = {
  specName: "node", implName: "substrate-node", authoringVersion: 10, specVersion: 268, implVersion: 0, transactionVersion: 2, systemVersion: 1,
};

/** `pallet_asset_conversion_tx_payment::ChargeAssetTxPayment`: extra = tip ‖ Option<AssetId>; here only the tip is charged. */
function chargeAssetTxPayment(balances: BalancesPallet): SignedExtension<{ tip: bigint; assetId: number | undefined }, undefined, undefined> {
  const extraTy = struct({ tip: compactU128, assetId: option(u32) }, { path: ["pallet_asset_conversion_tx_payment", "ChargeAssetTxPayment"] });
  return {
    identifier: "ChargeAssetTxPayment",
    extraTy, additionalTy: unit,
    additionalSigned: () => ({ ok: true, value: undefined }),
    validate: (ctx, e) => (e.assetId !== undefined ? invalid({ tag: "Payment" }) : balances.reducibleBalance(ctx.who!, "Preserve") < e.tip ? invalid({ tag: "Payment" }) : validOk()),
    preDispatch: (ctx, e) => {
      if (e.assetId !== undefined) return invalid({ tag: "Payment" });
      const r = balances.withdraw(ctx.who!, e.tip, "Preserve");
      return r.ok ? { ok: true, pre: undefined } : invalid({ tag: "Payment" });
    },
  };
}

/** `frame_metadata_hash_extension::CheckMetadataHash`: extra = mode (u8), additional = Option<[u8; 32]>. */
function checkMetadataHash(): SignedExtension<{ mode: { tag: string } }, Uint8Array | undefined, undefined> {
  const Mode = variant({ Disabled: { index: 0 }, Enabled: { index: 1 } }, { path: ["frame_metadata_hash_extension", "Mode"] });
  const extraTy = struct({ mode: Mode }, { path: ["frame_metadata_hash_extension", "CheckMetadataHash"] }) as Ty<{ mode: { tag: string } }>;
  return {
    identifier: "CheckMetadataHash",
    extraTy, additionalTy: option(byteArray(32)),
    // A runtime built without a metadata hash signs `None` whatever the mode.
    additionalSigned: () => ({ ok: true, value: undefined }),
    validate: () => validOk(),
    preDispatch: () => ({ ok: true, pre: undefined }),
  };
}

export interface Kitchensink {
  runtime: Runtime;
  system: SystemPallet;
  balances: BalancesPallet;
}

export function createKitchensink(): Kitchensink {
  const system = new SystemPallet({
    accountData: { ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA },
    blockHashCount: 2400, ss58Prefix: 42, version: KITCHENSINK_VERSION, apis: [],
    maxBlockWeight: { refTime: 2_000_000_000_000n, proofSize: 5n << 20n }, baseExtrinsicWeight: 100_000_000n, baseBlockWeight: 400_000_000n,
    maxBlockLength: 5 << 20, normalRatioPercent: 75,
  });
  const none = variant({}, { path: ["kitchensink_runtime", "RuntimeHoldReason"] });
  const balances = new BalancesPallet({ existentialDeposit: 1n, maxLocks: 50, maxReserves: 50, maxFreezes: 50, holdReason: none, freezeReason: none }, system);
  const runtime = new Runtime({
    crateName: "kitchensink_runtime",
    version: KITCHENSINK_VERSION,
    pallets: [{ index: 0, pallet: system }, { index: 6, pallet: balances }],
    system,
    signedExtensions: [
      checkNonZeroSender(), checkSpecVersion(system), checkTxVersion(system), checkGenesis(system), checkMortality(system),
      checkNonce(system), checkWeight(system), chargeAssetTxPayment(balances), checkMetadataHash(),
    ],
    maxExtrinsicLength: 5 << 20,
    trieVersion: 1,
    extrinsicsRootVersion: 0,
    orderedTrieRoot,
  });
  system.setRuntimeEventType(runtime.eventTy);
  runtime.setEventSink((ev, topics) => system.depositEncodedEvent(ev, topics));
  return { runtime, system, balances };
}

/** Genesis state with `BlockHash[0] = genesisHash` and the given endowments. */
export function kitchensinkGenesis(k: Kitchensink, genesisHash: Uint8Array, endowed: [Uint8Array, bigint][]): Trie {
  const overlay = new Overlay(new MapState());
  withState(overlay, () => {
    k.system.buildGenesis();
    k.system.BlockHash.set(0, genesisHash);
    k.system.ParentHash.set(genesisHash);
    k.balances.buildGenesis({ accounts: endowed });
  });
  return Trie.fromEntries([...overlay.changes()].filter(([, v]) => v).map(([key, v]) => [keyBytes(key), v!] as const), 1);
}
