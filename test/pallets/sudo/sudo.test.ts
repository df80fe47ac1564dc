import { expect } from "chai";
import { newTestExt } from "./mock.ts";
import { assertNoop, checkOrigins, call, account } from "../mock.ts";
import { state } from "../../../framework/storage/items.ts";
import { utf8 } from "../../../framework/codec/bytes.ts";
import { blake2_256 } from "../../../framework/crypto/index.ts";

const id = (who: Uint8Array) => ({ tag: "Id", value: who });
const signed = (who: Uint8Array) => ({ tag: "Signed" as const, who });
const setStorage = call("System", "set_storage", { items: [[utf8(":s"), Uint8Array.of(1)]] });
const remarkEv = call("System", "remark_with_event", { remark: utf8("hi") });
const Sudo = (name: string, args: any) => call("Sudo", name, args);
const OK_RESULT = { ok: true, value: undefined };

describe("pallet_sudo (mock runtime)", () => {
  it("sudo dispatches as Root, emits Sudid{Ok} and pays no fee", () => {
    const ext = newTestExt();
    const r = ext.dispatch(Sudo("sudo", { call: setStorage }), signed(account(1)));
    expect(r).to.deep.equal({ ok: true, paysFee: false });
    ext.execute(() => expect(state().get(utf8(":s"))).to.deep.equal(Uint8Array.of(1)));
    expect(ext.lastEvent()!.value).to.deep.equal({ tag: "Sudid", value: { sudoResult: OK_RESULT } });
  });

  it("an inner failure is reported in Sudid, the sudo call itself succeeds", () => {
    const ext = newTestExt();
    const r = ext.dispatch(Sudo("sudo", { call: remarkEv }), signed(account(1)));
    expect(r.ok).to.equal(true);
    expect(ext.lastEvent()!.value).to.deep.equal({ tag: "Sudid", value: { sudoResult: { ok: false, error: { tag: "BadOrigin" } } } });
  });

  it("sudo_unchecked_weight uses the given weight", () => {
    const ext = newTestExt();
    const weight = { refTime: 123n, proofSize: 7n };
    expect(ext.runtime.dispatchInfo(Sudo("sudo_unchecked_weight", { call: setStorage, weight })).weight).to.deep.equal(weight);
    expect(ext.dispatch(Sudo("sudo_unchecked_weight", { call: setStorage, weight }), signed(account(1))).ok).to.equal(true);
    expect(ext.lastEvent()!.value.tag).to.equal("Sudid");
  });

  it("sudo_as dispatches with the given signed origin (SudoAsDone)", () => {
    const ext = newTestExt();
    expect(ext.dispatch(Sudo("sudo_as", { who: id(account(5)), call: remarkEv }), signed(account(1))).ok).to.equal(true);
    const evs = ext.events().map((e) => e.value);
    expect(evs[0]).to.deep.equal({ tag: "Remarked", value: { sender: account(5), hash: blake2_256(utf8("hi")) } });
    expect(evs[1]).to.deep.equal({ tag: "SudoAsDone", value: { sudoResult: OK_RESULT } });
  });

  it("set_key hands the key over (KeyChanged); the old key gets RequireSudo", () => {
    const ext = newTestExt();
    expect(ext.dispatch(Sudo("set_key", { new: id(account(2)) }), signed(account(1))).ok).to.equal(true);
    expect(ext.lastEvent()!.value).to.deep.equal({ tag: "KeyChanged", value: { old: account(1), new: account(2) } });
    assertNoop(ext, () => ext.dispatch(Sudo("sudo", { call: setStorage }), signed(account(1))), ext.sudo.error("RequireSudo"));
    expect(ext.dispatch(Sudo("sudo", { call: setStorage }), signed(account(2))).ok).to.equal(true);
  });

  it("every sudo call from a non-key account is RequireSudo with no state change", () => {
    const ext = newTestExt();
    const req = ext.sudo.error("RequireSudo");
    expect(req).to.deep.equal({ tag: "Module", value: { index: 1, error: Uint8Array.of(0, 0, 0, 0) } });
    const calls = [
      Sudo("sudo", { call: setStorage }), Sudo("sudo_unchecked_weight", { call: setStorage, weight: { refTime: 1n, proofSize: 1n } }),
      Sudo("set_key", { new: id(account(3)) }), Sudo("sudo_as", { who: id(account(3)), call: remarkEv }), Sudo("remove_key", {}),
    ];
    for (const c of calls) assertNoop(ext, () => ext.dispatch(c, signed(account(3))), req, c.value.tag);
  });

  it("remove_key removes the key for good (KeyRemoved); without a key nobody is sudo", () => {
    const ext = newTestExt();
    expect(ext.dispatch(Sudo("remove_key", {}), signed(account(1))).ok).to.equal(true);
    expect(ext.lastEvent()!.value.tag).to.equal("KeyRemoved");
    assertNoop(ext, () => ext.dispatch(Sudo("sudo", { call: setStorage }), signed(account(1))), ext.sudo.error("RequireSudo"));
    const keyless = newTestExt(null);
    assertNoop(keyless, () => keyless.dispatch(Sudo("sudo", { call: setStorage }), signed(account(1))), keyless.sudo.error("RequireSudo"));
  });

  it("origin checks for every call (signed by the key only; Root and None are BadOrigin)", () => {
    const ext = newTestExt();
    const n = checkOrigins(ext, ext.sudo, account(1), {
      sudo: { args: { call: setStorage }, allowed: ["Signed"] },
      sudo_unchecked_weight: { args: { call: setStorage, weight: { refTime: 1n, proofSize: 1n } }, allowed: ["Signed"] },
      set_key: { args: { new: id(account(2)) }, allowed: ["Signed"] },
      sudo_as: { args: { who: id(account(2)), call: remarkEv }, allowed: ["Signed"] },
      remove_key: { args: {}, allowed: ["Signed"] },
    });
    expect(n).to.equal(15);
  });
});
