import { expect } from "chai";
import { newTestExt } from "./mock.ts";
import { assertNoop, assertOk, checkOrigins, call, account } from "../mock.ts";
import { state, WELL_KNOWN_KEYS } from "../../../framework/storage/items.ts";
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { utf8, toHex } from "../../../framework/codec/bytes.ts";
import { u64 } from "../../../framework/codec/ty.ts";

const S = (name: string, args: any) => call("System", name, args);
const signed = (who: Uint8Array) => ({ tag: "Signed" as const, who });
const ROOT = { tag: "Root" as const };
const BAD = { tag: "BadOrigin" as const };

describe("frame_system (mock runtime)", () => {
  it("remark accepts signed and root origins and changes nothing", () => {
    const ext = newTestExt();
    const root = ext.root();
    assertOk(ext.dispatch(S("remark", { remark: utf8("hello") }), signed(account(1))));
    assertOk(ext.dispatch(S("remark", { remark: utf8("hello") }), ROOT));
    expect(ext.root()).to.equal(root);
  });

  it("remark_with_event emits Remarked{sender, blake2_256(remark)} in phase ApplyExtrinsic(0); root is refused", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(S("remark_with_event", { remark: utf8("hello") }), signed(account(1))));
    expect(ext.lastEvent()).to.deep.equal({ tag: "System", value: { tag: "Remarked", value: { sender: account(1), hash: blake2_256(utf8("hello")) } } });
    const rec = ext.execute(() => ext.system.Events.get())[0];
    expect(rec.phase).to.deep.equal({ tag: "ApplyExtrinsic", value: 0 });
    assertNoop(ext, () => ext.dispatch(S("remark_with_event", { remark: utf8("x") }), ROOT), BAD);
  });

  it("set_storage, kill_storage and kill_prefix (root)", () => {
    const ext = newTestExt();
    const items = [[utf8(":t:a1"), Uint8Array.of(1)], [utf8(":t:a2"), Uint8Array.of(2)], [utf8(":t:b1"), Uint8Array.of(3)]];
    assertOk(ext.dispatch(S("set_storage", { items }), ROOT));
    ext.execute(() => expect(state().get(utf8(":t:a2"))).to.deep.equal(Uint8Array.of(2)));
    assertOk(ext.dispatch(S("kill_storage", { keys: [utf8(":t:b1")] }), ROOT));
    ext.execute(() => expect(state().get(utf8(":t:b1"))).to.equal(undefined));
    assertOk(ext.dispatch(S("kill_prefix", { prefix: utf8(":t:a"), subkeys: 10 }), ROOT));
    ext.execute(() => expect([...state().keys(utf8(":t:"))]).to.deep.equal([]));
  });

  it("set_heap_pages and set_code write the well-known keys and note RuntimeEnvironmentUpdated", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(S("set_heap_pages", { pages: 64n }), ROOT));
    assertOk(ext.dispatch(S("set_code", { code: utf8("new runtime") }), ROOT));
    ext.execute(() => {
      expect(toHex(state().get(WELL_KNOWN_KEYS.HEAP_PAGES)!)).to.equal(toHex(u64.enc(64n)));
      expect(state().get(WELL_KNOWN_KEYS.CODE)).to.deep.equal(utf8("new runtime"));
      expect(ext.system.Digest.get().logs).to.deep.equal([{ tag: "RuntimeEnvironmentUpdated" }, { tag: "RuntimeEnvironmentUpdated" }]);
    });
    expect(ext.lastEvent()!.value.tag).to.equal("CodeUpdated");
  });

  it("origin checks for every call", () => {
    const ext = newTestExt();
    const n = checkOrigins(ext, ext.system, account(1), {
      remark: { args: { remark: utf8("r") }, allowed: ["Signed", "Root"] },
      set_heap_pages: { args: { pages: 1n }, allowed: ["Root"] },
      set_code: { args: { code: utf8("c") }, allowed: ["Root"] },
      set_code_without_checks: { args: { code: utf8("c") }, allowed: ["Root"] },
      set_storage: { args: { items: [] }, allowed: ["Root"] },
      kill_storage: { args: { keys: [] }, allowed: ["Root"] },
      kill_prefix: { args: { prefix: utf8(":x"), subkeys: 1 }, allowed: ["Root"] },
      remark_with_event: { args: { remark: utf8("r") }, allowed: ["Signed"] },
    });
    expect(n).to.equal(24);
  });

  it("reference counting: providers create and reap accounts; consumers block reaping", () => {
    const ext = newTestExt();
    ext.execute(() => {
      const sys = ext.system;
      expect(sys.incProviders(account(5))).to.equal("Created");
      expect(sys.incConsumers(account(5))).to.deep.equal({ ok: true });
      expect(sys.decProviders(account(5))).to.deep.equal({ ok: false, error: { tag: "ConsumerRemaining" } });
      sys.decConsumers(account(5));
      expect(sys.decProviders(account(5))).to.deep.equal({ ok: true, reaped: true });
      expect(sys.incConsumers(account(6))).to.deep.equal({ ok: false, error: { tag: "NoProviders" } });
    });
    expect(ext.events().map((e) => e.value.tag)).to.deep.equal(["NewAccount", "KilledAccount"]);
  });

  it("no events are kept at genesis (block 0); a new block clears the previous block's events", () => {
    const ext = newTestExt();
    ext.execute(() => ext.system.Number.set(0));
    assertOk(ext.dispatch(S("remark_with_event", { remark: utf8("x") }), signed(account(1))));
    expect(ext.events()).to.deep.equal([]);
    ext.execute(() => ext.system.Number.set(1));
    assertOk(ext.dispatch(S("remark_with_event", { remark: utf8("x") }), signed(account(1))));
    expect(ext.events()).to.have.length(1);
    ext.execute(() => ext.system.initialize(2, new Uint8Array(32).fill(1), []));
    expect(ext.events()).to.deep.equal([]);
    ext.execute(() => expect(ext.system.BlockHash.get(1)).to.deep.equal(new Uint8Array(32).fill(1)));
  });
});
