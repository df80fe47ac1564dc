import { expect } from "chai";
import { newTestExt } from "./mock.ts";
import { assertOk, checkOrigins, call, account } from "../mock.ts";
import { u64 } from "../../../framework/codec/ty.ts";
import { TIMESTAMP_INHERENT_ID } from "../../../pallets/timestamp/timestamp.ts";

const set = (now: bigint) => call("Timestamp", "set", { now });
const NONE = { tag: "None" as const };
const data = (ms: bigint) => new Map([[TIMESTAMP_INHERENT_ID, u64.enc(ms)]]);

describe("pallet_timestamp (mock runtime)", () => {
  it("set (inherent, origin None) stores the time; on_finalize clears DidUpdate", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(set(42n), NONE));
    ext.execute(() => {
      expect(ext.timestamp.Now.get()).to.equal(42n);
      expect(ext.timestamp.DidUpdate.get()).to.equal(true);
      ext.timestamp.onFinalize();
      expect(ext.timestamp.DidUpdate.exists()).to.equal(false);
    });
  });

  it("must be set once per block, at least MinimumPeriod after the previous time, and before finalization", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(set(42n), NONE));
    expect(() => ext.dispatch(set(50n), NONE)).to.throw(/only once/);
    ext.execute(() => ext.timestamp.onFinalize());
    expect(() => ext.dispatch(set(46n), NONE)).to.throw(/MinimumPeriod/);
    assertOk(ext.dispatch(set(47n), NONE));
    ext.execute(() => ext.timestamp.onFinalize());
    expect(() => ext.execute(() => ext.timestamp.onFinalize())).to.throw(/updated once/);
  });

  it("origin checks: only None may call set", () => {
    const ext = newTestExt();
    expect(checkOrigins(ext, ext.timestamp, account(1), { set: { args: { now: 1n }, allowed: ["None"] } })).to.equal(3);
  });

  it("inherent: created from the inherent data (never below previous + MinimumPeriod) and checked", () => {
    const ext = newTestExt();
    const inh = ext.timestamp.inherent!;
    expect(inh.identifier).to.equal("timstap0");
    expect(inh.required).to.equal(true);
    ext.execute(() => {
      expect(inh.create(new Map())).to.equal(undefined);
      expect(inh.create(data(1000n))).to.deep.equal({ tag: "set", value: { now: 1000n } });
      ext.timestamp.Now.set(1000n);
      expect(inh.create(data(1002n))).to.deep.equal({ tag: "set", value: { now: 1005n } });
      expect(inh.check!({ tag: "set", value: { now: 1005n } }, data(1005n))).to.equal(undefined);
      expect(inh.check!({ tag: "set", value: { now: 1004n } }, data(1005n))).to.match(/minimum period/);
      expect(inh.check!({ tag: "set", value: { now: 31_006n } }, data(1005n))).to.match(/future/);
      expect(inh.check!({ tag: "set", value: { now: 31_005n } }, data(1005n))).to.equal(undefined);
    });
  });

  it("through the executive: the inherent applies; the pool refuses it (MandatoryValidation); check_inherents flags a missing one", () => {
    const ext = newTestExt();
    const rt = ext.runtime;
    const [x] = ext.execute(() => rt.inherentExtrinsics(data(2000n)));
    expect(ext.execute(() => rt.applyExtrinsic(x!))).to.deep.equal({ ok: true, value: { ok: true } });
    expect(ext.execute(() => rt.validateTransaction("External", x!, new Uint8Array(32)))).to.deep.equal({ ok: false, error: { tag: "Invalid", value: { tag: "MandatoryValidation" } } });
    const missing = ext.execute(() => rt.checkInherents([], data(2000n)));
    expect(missing.okay).to.equal(false);
    expect(missing.errors).to.deep.equal([["timstap0", "required inherent missing"]]);
  });
});
