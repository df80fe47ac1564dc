/**
 * Storage keys computed through our descriptors against Substrate's (test/vectors/PROVENANCE.md),
 * and the transactional overlay (FRAME's storage layers).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { StorageValue, StorageMap, StorageDoubleMap, CountedStorageMap, WELL_KNOWN_KEYS, withState, transactional, storagePrefix } from "../../../framework/storage/items.ts";
import { Overlay, MapState, keyString } from "../../../framework/storage/overlay.ts";
import { u32, u64, u128, bytes, variant } from "../../../framework/codec/ty.ts";
import { AccountId32 } from "../../../framework/codec/substrate.ts";
import { toHex, fromHex, utf8 } from "../../../framework/codec/bytes.ts";
import { SystemPallet } from "../../../pallets/system/system.ts";
import { TimestampPallet } from "../../../pallets/timestamp/timestamp.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../../pallets/balances/balances.ts";

const V = JSON.parse(readFileSync(new URL("../../vectors/substrate-storage-keys.json", import.meta.url), "utf8"));
const ALICE = fromHex(V.accounts.alice_sr25519);

function pallets() {
  const system = new SystemPallet({
    accountData: { ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA }, blockHashCount: 250, ss58Prefix: 42,
    version: { specName: "t", implName: "t", authoringVersion: 0, specVersion: 1, implVersion: 0, transactionVersion: 1, systemVersion: 1 },
    apis: [], maxBlockWeight: { refTime: 2_000_000_000_000n, proofSize: 1n << 62n }, baseExtrinsicWeight: 1n, baseBlockWeight: 1n,
    maxBlockLength: 5 << 20, normalRatioPercent: 75,
  });
  const none = variant({}, { path: ["t", "R"] });
  const balances = new BalancesPallet({ existentialDeposit: 1n, maxLocks: 1, maxReserves: 1, maxFreezes: 1, holdReason: none, freezeReason: none }, system);
  return { system, balances, timestamp: new TimestampPallet({ minimumPeriod: 1n }) };
}

describe("storage keys (known answers)", () => {
  const { system, balances, timestamp } = pallets();
  const byItem: Record<string, (k: any) => Uint8Array> = {
    "System.Account": (k) => system.Account.key(fromHex(V.accounts[k])),
    "System.Number": () => system.Number.key(),
    "System.Events": () => system.Events.key(),
    "System.EventCount": () => system.EventCount.key(),
    "System.BlockHash": (k) => (k === "prefix" ? system.BlockHash.prefix : system.BlockHash.key(k)),
    "System.ParentHash": () => system.ParentHash.key(),
    "System.LastRuntimeUpgrade": () => system.LastRuntimeUpgrade.key(),
    "Timestamp.Now": () => timestamp.Now.key(),
    "Balances.TotalIssuance": () => balances.TotalIssuance.key(),
  };

  for (const v of V.keys as { item: string; key?: any; prefix?: boolean; hex: string }[]) {
    it(`${v.item}${v.key !== undefined ? `[${v.key}]` : v.prefix ? " (prefix)" : ""}`, () => {
      expect(toHex(byItem[v.item]!(v.prefix ? "prefix" : v.key))).to.equal(v.hex);
    });
  }

  it("the same keys through free-standing descriptors (Blake2_128Concat, Twox64Concat)", () => {
    const account = new StorageMap("System", "Account", "Blake2_128Concat", AccountId32, u32);
    expect(toHex(account.key(ALICE))).to.equal(V.keys[0].hex);
    const hash = new StorageMap("System", "BlockHash", "Twox64Concat", u32, bytes);
    expect(toHex(hash.key(0))).to.equal(V.keys.find((k: any) => k.key === 0).hex);
    expect(toHex(new StorageValue("Balances", "TotalIssuance", u128).key())).to.equal(V.keys.at(-1).hex);
    expect(toHex(storagePrefix("Timestamp", "Now"))).to.equal(V.keys.find((k: any) => k.item === "Timestamp.Now").hex);
  });

  it("well-known keys", () => {
    expect(toHex(WELL_KNOWN_KEYS.CODE)).to.equal(V.wellKnown[":code"]);
    expect(toHex(WELL_KNOWN_KEYS.HEAP_PAGES)).to.equal(V.wellKnown[":heappages"]);
    expect(toHex(WELL_KNOWN_KEYS.EXTRINSIC_INDEX)).to.equal(V.wellKnown[":extrinsic_index"]);
    expect(toHex(WELL_KNOWN_KEYS.CHILD_STORAGE_DEFAULT_PREFIX)).to.equal(V.wellKnown[":child_storage:default:"]);
  });

  it("metadata defaults: absent System.Account decodes to FRAME's default (flags = 2^127)", () => {
    const def = system.Account.meta.default;
    expect(toHex(def)).to.equal("0x" + "00".repeat(16) + "00".repeat(48) + "00000000000000000000000000000080");
  });
});

describe("storage items and the overlay", () => {
  const run = <R>(o: Overlay, f: () => R) => withState(o, f);

  it("ValueQuery defaults, OptionQuery, take, mutate", () => {
    const o = new Overlay(new MapState());
    const a = new StorageValue("T", "A", u64, { default: 7n });
    const b = new StorageValue("T", "B", u64);
    run(o, () => {
      expect(a.get()).to.equal(7n);
      expect(a.exists()).to.equal(false);
      expect(b.get()).to.equal(undefined);
      a.mutate((x) => x + 1n);
      expect(a.take()).to.equal(8n);
      expect(a.exists()).to.equal(false);
    });
  });

  it("nested transactions: rollback drops a layer, commit merges it down", () => {
    const base = new MapState(new Map([[keyString(utf8("k0")), Uint8Array.of(0)]]));
    const o = new Overlay(base);
    o.set(utf8("k1"), Uint8Array.of(1));
    o.startTransaction();
    o.set(utf8("k1"), Uint8Array.of(2));
    o.delete(utf8("k0"));
    o.startTransaction();
    o.set(utf8("k2"), Uint8Array.of(3));
    o.rollbackTransaction();
    expect(o.get(utf8("k2"))).to.equal(undefined);
    expect(o.get(utf8("k1"))).to.deep.equal(Uint8Array.of(2));
    o.rollbackTransaction();
    expect(o.get(utf8("k1"))).to.deep.equal(Uint8Array.of(1));
    expect(o.get(utf8("k0"))).to.deep.equal(Uint8Array.of(0));
    o.startTransaction();
    o.delete(utf8("k0"));
    o.commitTransaction();
    expect(o.get(utf8("k0"))).to.equal(undefined);
    expect([...o.changes()].map(([k, v]) => [k, v && [...v]])).to.deep.equal([[keyString(utf8("k1")), [1]], [keyString(utf8("k0")), null]]);
  });

  it("transactional(): an error result rolls back, an ok result keeps", () => {
    const o = new Overlay(new MapState());
    const v = new StorageValue("T", "V", u32, { default: 0 });
    run(o, () => {
      transactional(() => (v.set(1), { ok: false }));
      expect(v.get()).to.equal(0);
      transactional(() => (v.set(2), { ok: true }));
      expect(v.get()).to.equal(2);
      expect(() => transactional(() => { v.set(3); throw new Error("bug"); })).to.throw("bug");
      expect(v.get()).to.equal(2);
    });
  });

  it("append (System.Events style) across layers and over a base value", () => {
    const key = utf8("ev");
    const o = new Overlay(new MapState(new Map([[keyString(key), fromHex("0x040a")]])));
    o.append(key, Uint8Array.of(0x0b));
    o.startTransaction();
    o.append(key, Uint8Array.of(0x0c));
    expect(toHex(o.get(key)!)).to.equal("0x0c0a0b0c");
    o.rollbackTransaction();
    expect(toHex(o.get(key)!)).to.equal("0x080a0b");
    o.delete(key);
    o.append(key, Uint8Array.of(0x0d));
    expect(toHex(o.get(key)!)).to.equal("0x040d");
  });

  it("map iteration, prefix clear and the counted map's counter", () => {
    const o = new Overlay(new MapState());
    const m = new CountedStorageMap("T", "M", "Twox64Concat", u32, u32, u32);
    const d = new StorageDoubleMap("T", "D", "Blake2_128Concat", u32, "Twox64Concat", u32, u32);
    run(o, () => {
      for (const i of [3, 1, 2]) m.set(i, i * 10);
      m.set(1, 11);
      expect(m.count()).to.equal(3);
      expect([...m.entries()].map(([k, v]) => [k, v]).sort()).to.deep.equal([[1, 11], [2, 20], [3, 30]]);
      m.remove(2);
      expect(m.count()).to.equal(2);
      d.set(1, 1, 1);
      d.set(1, 2, 2);
      d.set(2, 1, 3);
      expect([...d.iterPrefix(1)]).to.deep.equal([[1, 1], [2, 2]]);
      expect(d.clearPrefix(1)).to.equal(2);
      expect(d.contains(2, 1)).to.equal(true);
      expect(m.clear()).to.equal(2);
      expect(m.count()).to.equal(0);
    });
  });
});
