/**
 * frame_system: accounts and their reference counts, block bookkeeping (number, parent hash,
 * digest, block hashes), events, extrinsic accounting and block weight.
 */
import {
  struct, variant, vec, u8, u16, u32, u64, bool, bytes, compactU32, option, tuple, str, type Ty, newtype,
} from "../../framework/codec/ty.ts";
import {
  AccountId32, H256, DispatchInfo, DispatchError, Weight, DigestItem, Header, RuntimeVersion as RuntimeVersionTy,
  type AccountId, type DispatchClass,
} from "../../framework/codec/substrate.ts";
import { blake2_256 } from "../../framework/crypto/index.ts";
import { StorageValue, StorageMap, state, WELL_KNOWN_KEYS } from "../../framework/storage/items.ts";
import {
  Pallet, OK, fail, ensureSigned, isRoot, BAD_ORIGIN, event, error, weight, type DispatchResult, type Origin,
} from "../../framework/pallet/pallet.ts";
import type { SystemPort, RuntimeVersion } from "../../framework/runtime/runtime.ts";
import { eventRecordTy } from "../../framework/runtime/metadata.ts";

const P = "System";

export interface AccountInfo<D> {
  nonce: number;
  consumers: number;
  providers: number;
  sufficients: number;
  data: D;
}

export const Phase = variant(
  { ApplyExtrinsic: { index: 0, fields: u32 }, Finalization: { index: 1 }, Initialization: { index: 2 } },
  { path: ["frame_system", "Phase"] },
);
export type PhaseValue = { tag: "ApplyExtrinsic"; value: number } | { tag: "Finalization" } | { tag: "Initialization" };

export const LastRuntimeUpgradeInfo = struct(
  { specVersion: compactU32, specName: str },
  { path: ["frame_system", "LastRuntimeUpgradeInfo"] },
);

export function perDispatchClass<T>(t: Ty<T>): Ty<{ normal: T; operational: T; mandatory: T }> {
  return struct({ normal: t, operational: t, mandatory: t }, { path: ["frame_support", "dispatch", "PerDispatchClass"], params: [{ name: "T", type: t }] });
}
const PerClassWeight = perDispatchClass(Weight);

const WeightsPerClass = struct(
  { baseExtrinsic: Weight, maxExtrinsic: option(Weight), maxTotal: option(Weight), reserved: option(Weight) },
  { path: ["frame_system", "limits", "WeightsPerClass"] },
);
const BlockWeightsTy = struct(
  { baseBlock: Weight, maxBlock: Weight, perClass: perDispatchClass(WeightsPerClass) },
  { path: ["frame_system", "limits", "BlockWeights"] },
);
const BlockLengthTy = struct({ max: perDispatchClass(u32) }, { path: ["frame_system", "limits", "BlockLength"] });
const RuntimeDbWeight = struct({ read: u64, write: u64 }, { path: ["sp_weights", "RuntimeDbWeight"] });
const CodeUpgradeAuthorization = struct({ codeHash: H256, checkVersion: bool }, { path: ["frame_system", "CodeUpgradeAuthorization"] });

export interface SystemConfig {
  /** The account data type stored in `AccountInfo.data` (pallet-balances' `AccountData`). */
  readonly accountData: { ty: Ty<any>; default: any };
  readonly blockHashCount: number;
  readonly ss58Prefix: number;
  readonly version: RuntimeVersion;
  readonly apis: [Uint8Array, number][];
  /** Maximum block weight (ref time, picoseconds) and proof size. */
  readonly maxBlockWeight: { refTime: bigint; proofSize: bigint };
  readonly baseExtrinsicWeight: bigint;
  readonly baseBlockWeight: bigint;
  readonly maxBlockLength: number;
  /** Fraction of the block available to Normal extrinsics (FRAME: 75 %). */
  readonly normalRatioPercent: number;
}

const Topics = vec(H256);
const NO_TOPICS = Uint8Array.of(0);

/** FRAME's genesis placeholder for the parent hash and BlockHash[0] (`hash69`). */
export const HASH69 = new Uint8Array(32).fill(69);

export class SystemPallet extends Pallet implements SystemPort {
  readonly name = P;
  override readonly docs = ["Low-level account, block and event bookkeeping (frame_system)."];

  readonly AccountInfoTy: Ty<AccountInfo<any>>;
  readonly Account: StorageMap<AccountId, AccountInfo<any>>;
  readonly ExtrinsicCount = new StorageValue(P, "ExtrinsicCount", u32, { docs: "Total extrinsics count for the current block." });
  readonly InherentsApplied = new StorageValue(P, "InherentsApplied", bool, { default: false, docs: "Whether all inherents have been applied." });
  readonly BlockWeight = new StorageValue(P, "BlockWeight", PerClassWeight, {
    default: { normal: weight(0), operational: weight(0), mandatory: weight(0) },
    docs: "The current weight for the block.",
  });
  readonly AllExtrinsicsLen = new StorageValue(P, "AllExtrinsicsLen", u32, { docs: "Total length (in bytes) for all extrinsics put together, for the current block." });
  readonly BlockHash = new StorageMap(P, "BlockHash", "Twox64Concat", u32, H256, { default: new Uint8Array(32), docs: "Map of block numbers to block hashes." });
  readonly ExtrinsicData = new StorageMap(P, "ExtrinsicData", "Twox64Concat", u32, bytes, { default: new Uint8Array(0), docs: "Extrinsics data for the current block (maps an extrinsic's index to its data)." });
  readonly Number = new StorageValue(P, "Number", u32, { default: 0, docs: "The current block number being processed. Set by `execute_block`." });
  readonly ParentHash = new StorageValue(P, "ParentHash", H256, { default: new Uint8Array(32), docs: "Hash of the previous block." });
  readonly Digest = new StorageValue(P, "Digest", struct({ logs: vec(DigestItem) }, { path: ["sp_runtime", "generic", "digest", "Digest"] }), {
    default: { logs: [] },
    docs: "Digest of the current block, also part of the block header.",
  });
  readonly Events: StorageValue<any[]>;
  readonly EventCount = new StorageValue(P, "EventCount", u32, { default: 0, docs: "The number of events in the `Events<T>` list." });
  readonly EventTopics = new StorageMap(P, "EventTopics", "Blake2_128Concat", H256, vec(tuple(u32, u32)), { default: [], docs: "Mapping between a topic (represented by T::Hash) and a vector of indexes of events in the `<Events<T>>` list." });
  readonly LastRuntimeUpgrade = new StorageValue(P, "LastRuntimeUpgrade", LastRuntimeUpgradeInfo, { docs: "Stores the `spec_version` and `spec_name` of when the last runtime upgrade happened." });
  readonly UpgradedToU32RefCount = new StorageValue(P, "UpgradedToU32RefCount", bool, { default: false, docs: "True if we have upgraded so that `type RefCount` is `u32`. False (default) if not." });
  readonly UpgradedToTripleRefCount = new StorageValue(P, "UpgradedToTripleRefCount", bool, { default: false, docs: "True if we have upgraded so that AccountInfo contains three types of `RefCount`. False (default) if not." });
  readonly ExecutionPhase = new StorageValue(P, "ExecutionPhase", Phase, { docs: "The execution phase of the block." });
  readonly AuthorizedUpgrade = new StorageValue(P, "AuthorizedUpgrade", CodeUpgradeAuthorization, { docs: "`Some` if a code upgrade has been authorized." });

  private eventRecord!: Ty<any>;
  private extrinsicIndexKey = WELL_KNOWN_KEYS.EXTRINSIC_INDEX;
  private readonly normalMax: bigint;

  constructor(readonly config: SystemConfig) {
    super();
    this.AccountInfoTy = struct(
      { nonce: u32, consumers: u32, providers: u32, sufficients: u32, data: config.accountData.ty },
      { path: ["frame_system", "AccountInfo"], params: [{ name: "Nonce", type: u32 }, { name: "AccountData", type: config.accountData.ty }] },
    );
    this.Account = new StorageMap(P, "Account", "Blake2_128Concat", AccountId32, this.AccountInfoTy, {
      default: { nonce: 0, consumers: 0, providers: 0, sufficients: 0, data: config.accountData.default },
      docs: "The full account information for a particular account ID.",
    });
    this.Events = new StorageValue<any[]>(P, "Events", vec(lazyEventRecord(() => this.eventRecord)), {
      default: [],
      docs: "Events deposited for the current block.",
    });
    this.normalMax = (config.maxBlockWeight.refTime * BigInt(config.normalRatioPercent)) / 100n;
    this.storage.push(
      this.Account, this.ExtrinsicCount, this.InherentsApplied, this.BlockWeight, this.AllExtrinsicsLen, this.BlockHash,
      this.ExtrinsicData, this.Number, this.ParentHash, this.Digest, this.Events, this.EventCount, this.EventTopics,
      this.LastRuntimeUpgrade, this.UpgradedToU32RefCount, this.UpgradedToTripleRefCount, this.ExecutionPhase, this.AuthorizedUpgrade,
    );
    const w = (n: number) => () => weight(n * 1_000_000);
    Object.assign(this.calls, {
      remark: { index: 0, args: { remark: bytes }, weight: (a: any) => weight(1_000_000 + a.remark.length * 100), docs: "Make some on-chain remark.", dispatch: (o: Origin) => (o.tag === "Signed" || o.tag === "Root" ? OK : fail(BAD_ORIGIN)) },
      set_heap_pages: { index: 1, args: { pages: u64 }, weight: w(10), class: "Operational", docs: "Set the number of pages in the WebAssembly environment's heap.", dispatch: (o: Origin, a: any) => this.setHeapPages(o, a.pages) },
      set_code: { index: 2, args: { code: bytes }, weight: w(1000), class: "Operational", docs: "Set the new runtime code.", dispatch: (o: Origin, a: any) => this.setCode(o, a.code) },
      set_code_without_checks: { index: 3, args: { code: bytes }, weight: w(1000), class: "Operational", docs: "Set the new runtime code without doing any checks of the given `code`.", dispatch: (o: Origin, a: any) => this.setCode(o, a.code) },
      set_storage: { index: 4, args: { items: vec(tuple(bytes, bytes)) }, weight: (a: any) => weight(1_000_000 * (1 + a.items.length)), class: "Operational", docs: "Set some items of storage.", dispatch: (o: Origin, a: any) => this.rootOnly(o, () => a.items.forEach(([k, v]: [Uint8Array, Uint8Array]) => state().set(k, v))) },
      kill_storage: { index: 5, args: { keys: vec(bytes) }, weight: (a: any) => weight(1_000_000 * (1 + a.keys.length)), class: "Operational", docs: "Kill some items from storage.", dispatch: (o: Origin, a: any) => this.rootOnly(o, () => a.keys.forEach((k: Uint8Array) => state().delete(k))) },
      kill_prefix: { index: 6, args: { prefix: bytes, subkeys: u32 }, weight: (a: any) => weight(1_000_000 * (1 + a.subkeys)), class: "Operational", docs: "Kill all storage items with a key that starts with the given prefix.", dispatch: (o: Origin, a: any) => this.rootOnly(o, () => state().clearPrefix(a.prefix, a.subkeys)) },
      remark_with_event: { index: 7, args: { remark: bytes }, weight: (a: any) => weight(2_000_000 + a.remark.length * 100), docs: "Make some on-chain remark and emit event.", dispatch: (o: Origin, a: any) => this.remarkWithEvent(o, a.remark) },
    });
    Object.assign(this.events, {
      ExtrinsicSuccess: event(0, { dispatchInfo: DispatchInfo }, "An extrinsic completed successfully."),
      ExtrinsicFailed: event(1, { dispatchError: DispatchError, dispatchInfo: DispatchInfo }, "An extrinsic failed."),
      CodeUpdated: event(2, {}, "`:code` was updated."),
      NewAccount: event(3, { account: AccountId32 }, "A new account was created."),
      KilledAccount: event(4, { account: AccountId32 }, "An account was reaped."),
      Remarked: event(5, { sender: AccountId32, hash: H256 }, "On on-chain remark happened."),
    });
    Object.assign(this.errors, {
      InvalidSpecName: error(0, "The name of specification does not match between the current runtime and the new runtime."),
      SpecVersionNeedsToIncrease: error(1, "The specification version is not allowed to decrease between the current runtime and the new runtime."),
      FailedToExtractRuntimeVersion: error(2, "Failed to extract the runtime version from the new runtime."),
      NonDefaultComposite: error(3, "Suicide called when the account has non-default composite data."),
      NonZeroRefCount: error(4, "There is a non-zero reference count preventing the account from being purged."),
      CallFiltered: error(5, "The origin filter prevent the call to be dispatched."),
      MultiBlockMigrationsOngoing: error(6, "A multi-block migration is ongoing and prevents the current code from being replaced."),
      NothingAuthorized: error(7, "No upgrade authorized."),
      Unauthorized: error(8, "The submitted code is not authorized."),
    });
    const mb = config.maxBlockWeight;
    const perClass = (max: bigint | undefined, reserved: bigint | undefined) => ({
      baseExtrinsic: weight(config.baseExtrinsicWeight),
      maxExtrinsic: max === undefined ? undefined : weight(max - config.baseExtrinsicWeight, mb.proofSize),
      maxTotal: max === undefined ? undefined : weight(max, mb.proofSize),
      reserved: reserved === undefined ? undefined : weight(reserved, mb.proofSize),
    });
    this.constants.push(
      {
        name: "BlockWeights", ty: BlockWeightsTy, docs: "Block & extrinsics weights: base values and limits.",
        value: {
          baseBlock: weight(config.baseBlockWeight), maxBlock: weight(mb.refTime, mb.proofSize),
          perClass: { normal: perClass(this.normalMax, 0n), operational: perClass(mb.refTime, mb.refTime - this.normalMax), mandatory: perClass(undefined, undefined) },
        },
      },
      {
        name: "BlockLength", ty: BlockLengthTy, docs: "The maximum length of a block (in bytes).",
        value: { max: { normal: Math.floor((config.maxBlockLength * config.normalRatioPercent) / 100), operational: config.maxBlockLength, mandatory: config.maxBlockLength } },
      },
      { name: "BlockHashCount", ty: u32, value: config.blockHashCount, docs: "Maximum number of block number to block hash mappings to keep (oldest pruned first)." },
      { name: "DbWeight", ty: RuntimeDbWeight, value: { read: 25_000_000n, write: 100_000_000n }, docs: "The weight of runtime database operations the runtime can invoke." },
      {
        name: "Version", ty: RuntimeVersionTy, docs: "Get the chain's in-code version.",
        value: { ...config.version, apis: config.apis },
      },
      { name: "SS58Prefix", ty: u16, value: config.ss58Prefix, docs: "The designated SS58 prefix of this chain." },
    );
  }

  /** Installs the runtime's event type (called once by the runtime assembly). */
  setRuntimeEventType(runtimeEventTy: Ty<any>): void {
    this.eventRecord = eventRecordTy(runtimeEventTy);
  }

  get eventRecordType(): Ty<any> {
    return this.eventRecord;
  }

  // ----------------------------------------------------------------------------------------------
  // Calls

  private rootOnly(o: Origin, f: () => void): DispatchResult {
    if (!isRoot(o)) return fail(BAD_ORIGIN);
    f();
    return OK;
  }

  private setHeapPages(o: Origin, pages: bigint): DispatchResult {
    if (!isRoot(o)) return fail(BAD_ORIGIN);
    state().set(WELL_KNOWN_KEYS.HEAP_PAGES, u64.enc(pages));
    this.depositLog({ tag: "RuntimeEnvironmentUpdated" });
    return OK;
  }

  private setCode(o: Origin, code: Uint8Array): DispatchResult {
    if (!isRoot(o)) return fail(BAD_ORIGIN);
    state().set(WELL_KNOWN_KEYS.CODE, code);
    this.depositLog({ tag: "RuntimeEnvironmentUpdated" });
    this.deposit({ tag: "CodeUpdated", value: {} });
    return OK;
  }

  private remarkWithEvent(o: Origin, remark: Uint8Array): DispatchResult {
    const s = ensureSigned(o);
    if (!s.ok) return fail(s.error);
    this.deposit({ tag: "Remarked", value: { sender: s.who, hash: blake2_256(remark) } });
    return OK;
  }

  // ----------------------------------------------------------------------------------------------
  // Accounts

  account(who: AccountId): AccountInfo<any> {
    return this.Account.get(who);
  }

  accountNonce(who: AccountId): number {
    return this.Account.get(who).nonce;
  }

  incNonce(who: AccountId): void {
    this.Account.mutate(who, (a) => ({ ...a, nonce: a.nonce + 1 }));
  }

  accountExists(who: AccountId): boolean {
    return this.Account.contains(who);
  }

  /** Increments providers; emits NewAccount when the account comes into existence. */
  incProviders(who: AccountId): "Created" | "Extended" {
    const a = this.Account.get(who);
    if (a.providers === 0 && a.sufficients === 0) {
      this.Account.set(who, { ...a, providers: 1 });
      this.deposit({ tag: "NewAccount", value: { account: who } });
      return "Created";
    }
    this.Account.set(who, { ...a, providers: a.providers + 1 });
    return "Extended";
  }

  /** Decrements providers; reaps the account (KilledAccount) when nothing references it. */
  decProviders(who: AccountId): { ok: true; reaped: boolean } | { ok: false; error: DispatchError } {
    const a = this.Account.getOption(who);
    if (!a) return { ok: true, reaped: false };
    if (a.providers === 0) return { ok: true, reaped: false };
    if (a.providers === 1 && a.consumers > 0) return { ok: false, error: { tag: "ConsumerRemaining" } };
    if (a.providers === 1 && a.sufficients === 0) {
      this.Account.remove(who);
      this.deposit({ tag: "KilledAccount", value: { account: who } });
      return { ok: true, reaped: true };
    }
    this.Account.set(who, { ...a, providers: a.providers - 1 });
    return { ok: true, reaped: false };
  }

  incConsumers(who: AccountId): { ok: true } | { ok: false; error: DispatchError } {
    const a = this.Account.get(who);
    if (a.providers === 0) return { ok: false, error: { tag: "NoProviders" } };
    this.Account.set(who, { ...a, consumers: a.consumers + 1 });
    return { ok: true };
  }

  decConsumers(who: AccountId): void {
    const a = this.Account.getOption(who);
    if (a && a.consumers > 0) this.Account.set(who, { ...a, consumers: a.consumers - 1 });
  }

  mutateAccountData<D>(who: AccountId, f: (d: D) => D): void {
    this.Account.mutate(who, (a) => ({ ...a, data: f(a.data) }));
  }

  // ----------------------------------------------------------------------------------------------
  // Events and digest

  /** Appends an EventRecord for an encoded `RuntimeEvent` (wired as the runtime's event sink). */
  depositEncodedEvent(encodedRuntimeEvent: Uint8Array, topics: Uint8Array[]): void {
    // Events are not kept at genesis (block 0), as in FRAME.
    const block = this.Number.get();
    if (block === 0) return;
    const phase = this.ExecutionPhase.getOption() ?? { tag: "Initialization" };
    const count = this.EventCount.get();
    const encodedPhase = Phase.enc(phase as any);
    const encodedTopics = topics.length === 0 ? NO_TOPICS : Topics.enc(topics);
    const rec = new Uint8Array(encodedPhase.length + encodedRuntimeEvent.length + encodedTopics.length);
    rec.set(encodedPhase, 0);
    rec.set(encodedRuntimeEvent, encodedPhase.length);
    rec.set(encodedTopics, encodedPhase.length + encodedRuntimeEvent.length);
    this.Events.appendEncoded(rec);
    this.EventCount.set(count + 1);
    for (const t of topics) this.EventTopics.mutate(t, (v) => [...v, [block, count]]);
  }

  depositLog(item: any): void {
    this.Digest.mutate((d) => ({ logs: [...d.logs, item] }));
  }

  // ----------------------------------------------------------------------------------------------
  // SystemPort (driven by the executive)

  initialize(number: number, parentHash: Uint8Array, digest: any[]): void {
    this.ExecutionPhase.set({ tag: "Initialization" } as any);
    state().set(this.extrinsicIndexKey, u32.enc(0));
    this.Number.set(number);
    this.Digest.set({ logs: digest });
    this.ParentHash.set(parentHash);
    this.BlockHash.set(number - 1, parentHash);
    this.Events.kill();
    this.EventCount.kill();
    state().clearPrefix(this.EventTopics.prefix);
    this.BlockWeight.kill();
    this.InherentsApplied.kill();
    this.AllExtrinsicsLen.kill();
  }

  noteFinishedInitialize(): void {
    this.ExecutionPhase.set({ tag: "ApplyExtrinsic", value: 0 } as any);
  }

  extrinsicIndex(): number | undefined {
    const raw = state().get(this.extrinsicIndexKey);
    return raw ? u32.dec(raw.slice()) : undefined;
  }

  noteExtrinsic(encoded: Uint8Array): void {
    this.ExtrinsicData.set(this.extrinsicIndex() ?? 0, encoded);
  }

  noteAppliedExtrinsic(result: DispatchResult, info: any): void {
    if (result.ok) this.deposit({ tag: "ExtrinsicSuccess", value: { dispatchInfo: info } });
    else this.deposit({ tag: "ExtrinsicFailed", value: { dispatchError: result.error, dispatchInfo: info } });
    const next = (this.extrinsicIndex() ?? 0) + 1;
    state().set(this.extrinsicIndexKey, u32.enc(next));
    this.ExecutionPhase.set({ tag: "ApplyExtrinsic", value: next } as any);
  }

  noteFinishedExtrinsics(): void {
    const count = this.extrinsicIndex() ?? 0;
    state().delete(this.extrinsicIndexKey);
    this.ExtrinsicCount.set(count);
    this.ExecutionPhase.set({ tag: "Finalization" } as any);
  }

  registerExtraWeight(w: { refTime: bigint; proofSize: bigint }, cls: DispatchClass): void {
    this.BlockWeight.mutate((bw) => {
      const key = cls === "Normal" ? "normal" : cls === "Operational" ? "operational" : "mandatory";
      const cur = bw[key];
      return { ...bw, [key]: { refTime: cur.refTime + w.refTime, proofSize: cur.proofSize + w.proofSize } };
    });
  }

  /** CheckWeight's accounting: returns false when the extrinsic does not fit the block. */
  tryConsume(w: { refTime: bigint; proofSize: bigint }, cls: DispatchClass, len: number): boolean {
    const total = w.refTime + this.config.baseExtrinsicWeight;
    const bw = this.BlockWeight.get();
    const allLen = (this.AllExtrinsicsLen.getOption() ?? 0) + len;
    if (cls === "Normal") {
      const used = bw.normal.refTime + total;
      if (used > this.normalMax) return false;
      if (allLen > Math.floor((this.config.maxBlockLength * this.config.normalRatioPercent) / 100)) return false;
    } else if (cls === "Operational") {
      const used = bw.normal.refTime + bw.operational.refTime + total;
      if (used > this.config.maxBlockWeight.refTime) return false;
      if (allLen > this.config.maxBlockLength) return false;
    }
    this.registerExtraWeight({ refTime: total, proofSize: w.proofSize }, cls);
    this.AllExtrinsicsLen.set(allLen);
    return true;
  }

  /** Whether an extrinsic of this weight could ever fit (validation-time check). */
  fitsEmptyBlock(w: { refTime: bigint }, cls: DispatchClass, len: number): boolean {
    const total = w.refTime + this.config.baseExtrinsicWeight;
    if (cls === "Normal") return total <= this.normalMax && len <= Math.floor((this.config.maxBlockLength * this.config.normalRatioPercent) / 100);
    if (cls === "Operational") return total <= this.config.maxBlockWeight.refTime && len <= this.config.maxBlockLength;
    return true;
  }

  finalize(extrinsicsRoot: (exts: Uint8Array[]) => Uint8Array, stateRoot: () => Uint8Array): Header {
    this.ExecutionPhase.kill();
    this.AllExtrinsicsLen.kill();
    state().delete(WELL_KNOWN_KEYS.EXTRINSIC_INDEX);
    this.InherentsApplied.kill();
    const number = this.Number.get();
    const parentHash = this.ParentHash.get();
    const digest = this.Digest.get();
    const count = this.ExtrinsicCount.take() ?? 0;
    const exts: Uint8Array[] = [];
    for (let i = 0; i < count; i++) exts.push(this.ExtrinsicData.take(i));
    const toRemove = number - this.config.blockHashCount - 1;
    if (toRemove > 0) this.BlockHash.remove(toRemove);
    return { parentHash, number, stateRoot: stateRoot(), extrinsicsRoot: extrinsicsRoot(exts), digest };
  }

  blockNumber(): number {
    return this.Number.get();
  }

  // ----------------------------------------------------------------------------------------------
  // Genesis

  override buildGenesis(): void {
    this.BlockHash.set(0, HASH69);
    this.ParentHash.set(HASH69);
    this.LastRuntimeUpgrade.set({ specVersion: this.config.version.specVersion, specName: this.config.version.specName });
    this.UpgradedToU32RefCount.set(true);
    this.UpgradedToTripleRefCount.set(true);
    state().set(WELL_KNOWN_KEYS.EXTRINSIC_INDEX, u32.enc(0));
  }

  override integrityTest(): void {
    if (this.config.blockHashCount < 1) throw new Error("System: BlockHashCount must be at least 1");
  }
}

function lazyEventRecord(get: () => Ty<any>): Ty<any> {
  // The event record type depends on the composed runtime; resolved when metadata or storage needs it.
  return {
    get codec() { return get().codec; },
    get enc() { return get().enc; },
    get dec() { return get().dec; },
    info: { def: { tag: "lazy", target: get } },
  } as unknown as Ty<any>;
}

export { newtype, u8, option };
