import { expect } from "chai";
import { ExtBuilder, balancesRuntime } from "./mock.ts";
import { assertNoop, assertOk, checkOrigins, call, account, TestExt } from "../mock.ts";
import { MapState, Overlay } from "../../../framework/storage/overlay.ts";
import { withState } from "../../../framework/storage/items.ts";
import type { BalancesPallet } from "../../../pallets/balances/balances.ts";
import type { DispatchError } from "../../../framework/codec/substrate.ts";

const id = (who: Uint8Array) => ({ tag: "Id", value: who });
const signed = (who: Uint8Array) => ({ tag: "Signed" as const, who });
const B = (name: string, args: any) => call("Balances", name, args);
const token = (tag: string): DispatchError => ({ tag: "Token", value: { tag } });

type Ext = TestExt & { mock: { balances: BalancesPallet } };
const free = (ext: Ext, who: Uint8Array) => ext.execute(() => ext.mock.balances.freeBalance(who));

/** FRAME's `ensure_ti_valid`: total issuance equals the sum of every account's total balance. */
function ensureTotalIssuanceValid(ext: Ext): void {
  ext.execute(() => {
    let sum = 0n;
    for (const [, info] of ext.system.Account.entries()) sum += info.data.free + info.data.reserved;
    expect(ext.mock.balances.TotalIssuance.get(), "TotalIssuance == Σ balances").to.equal(sum);
  });
}

describe("pallet_balances (mock runtime)", () => {
  it("transfer_allow_death moves funds, creates the destination and emits Endowed + Transfer", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    const to = account(7);
    assertOk(ext.dispatch(B("transfer_allow_death", { dest: id(to), value: 50n }), signed(account(1))));
    expect(free(ext, account(1))).to.equal(50n);
    expect(free(ext, to)).to.equal(50n);
    const names = ext.events().map((e) => `${e.tag}.${e.value.tag}`);
    expect(names).to.deep.equal(["System.NewAccount", "Balances.Endowed", "Balances.Transfer"]);
    expect(ext.lastEvent()!.value.value).to.deep.equal({ from: account(1), to, amount: 50n });
    ensureTotalIssuanceValid(ext);
  });

  it("dust below the existential deposit is removed with the account (DustLost, KilledAccount) and burnt from issuance", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    const issuance = ext.execute(() => ext.mock.balances.TotalIssuance.get());
    assertOk(ext.dispatch(B("transfer_allow_death", { dest: id(account(2)), value: 95n }), signed(account(1))));
    expect(free(ext, account(1))).to.equal(0n);
    expect(ext.execute(() => ext.system.Account.contains(account(1))), "account reaped").to.equal(false);
    const evs = ext.events().map((e) => `${e.tag}.${e.value.tag}`);
    expect(evs).to.include.members(["Balances.DustLost", "System.KilledAccount", "Balances.Transfer"]);
    expect(ext.events().find((e) => e.value.tag === "DustLost")!.value.value).to.deep.equal({ account: account(1), amount: 5n });
    expect(ext.execute(() => ext.mock.balances.TotalIssuance.get())).to.equal(issuance - 5n);
    ensureTotalIssuanceValid(ext);
  });

  it("a transfer below the existential deposit to a new account is refused (BelowMinimum)", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    assertNoop(ext, () => ext.dispatch(B("transfer_allow_death", { dest: id(account(9)), value: 9n }), signed(account(1))), token("BelowMinimum"));
  });

  it("transfer_keep_alive refuses to kill the sender (NotExpendable) and leaves the state root unchanged", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    assertNoop(ext, () => ext.dispatch(B("transfer_keep_alive", { dest: id(account(2)), value: 95n }), signed(account(1))), token("NotExpendable"));
    assertNoop(ext, () => ext.dispatch(B("transfer_keep_alive", { dest: id(account(2)), value: 100n }), signed(account(1))), token("NotExpendable"));
    assertOk(ext.dispatch(B("transfer_keep_alive", { dest: id(account(2)), value: 90n }), signed(account(1))));
    expect(free(ext, account(1))).to.equal(10n);
    ensureTotalIssuanceValid(ext);
  });

  it("insufficient balance fails with FundsUnavailable and leaves the state root unchanged", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    assertNoop(ext, () => ext.dispatch(B("transfer_allow_death", { dest: id(account(2)), value: 101n }), signed(account(1))), token("FundsUnavailable"));
    assertNoop(ext, () => ext.dispatch(B("transfer_allow_death", { dest: id(account(2)), value: 1n }), signed(account(99))), token("FundsUnavailable"));
    ensureTotalIssuanceValid(ext);
  });

  it("transfer_all: keep_alive leaves the existential deposit; otherwise the sender is reaped", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    assertOk(ext.dispatch(B("transfer_all", { dest: id(account(7)), keepAlive: true }), signed(account(1))));
    expect(free(ext, account(1))).to.equal(10n);
    expect(free(ext, account(7))).to.equal(90n);
    assertOk(ext.dispatch(B("transfer_all", { dest: id(account(7)), keepAlive: false }), signed(account(2))));
    expect(free(ext, account(2))).to.equal(0n);
    expect(ext.execute(() => ext.system.Account.contains(account(2)))).to.equal(false);
    expect(free(ext, account(7))).to.equal(290n);
    ensureTotalIssuanceValid(ext);
  });

  it("root calls: force_transfer, force_set_balance, force_adjust_total_issuance; signed burn", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    assertOk(ext.dispatch(B("force_transfer", { source: id(account(1)), dest: id(account(2)), value: 100n }), { tag: "Root" }));
    expect(free(ext, account(2))).to.equal(300n);
    assertOk(ext.dispatch(B("force_set_balance", { who: id(account(3)), newFree: 1000n }), { tag: "Root" }));
    expect(free(ext, account(3))).to.equal(1000n);
    ensureTotalIssuanceValid(ext);
    assertOk(ext.dispatch(B("force_set_balance", { who: id(account(3)), newFree: 5n }), { tag: "Root" }));
    expect(free(ext, account(3)), "below ED: reaped").to.equal(0n);
    ensureTotalIssuanceValid(ext);
    assertOk(ext.dispatch(B("burn", { value: 50n, keepAlive: true }), signed(account(4))));
    expect(ext.lastEvent()!.value).to.deep.equal({ tag: "Burned", value: { who: account(4), amount: 50n } });
    ensureTotalIssuanceValid(ext);
    const deltaZero = ext.execute(() => ext.mock.balances.error("DeltaZero"));
    assertNoop(ext, () => ext.dispatch(B("force_adjust_total_issuance", { direction: { tag: "Increase" }, delta: 0n }), { tag: "Root" }), deltaZero);
    assertOk(ext.dispatch(B("force_adjust_total_issuance", { direction: { tag: "Increase" }, delta: 7n }), { tag: "Root" }));
    expect(ext.lastEvent()!.value.tag).to.equal("TotalIssuanceForced");
  });

  it("module errors carry the pallet index and error index", () => {
    const ext = new ExtBuilder().build();
    expect(ext.mock.balances.error("InsufficientBalance")).to.deep.equal({ tag: "Module", value: { index: 1, error: Uint8Array.of(2, 0, 0, 0) } });
  });

  it("origin checks for every call", () => {
    const ext = new ExtBuilder().existentialDeposit(10n).monied().build();
    const n = checkOrigins(ext, ext.mock.balances, account(1), {
      transfer_allow_death: { args: { dest: id(account(2)), value: 1n }, allowed: ["Signed"] },
      force_transfer: { args: { source: id(account(1)), dest: id(account(2)), value: 1n }, allowed: ["Root"] },
      transfer_keep_alive: { args: { dest: id(account(2)), value: 1n }, allowed: ["Signed"] },
      transfer_all: { args: { dest: id(account(2)), keepAlive: true }, allowed: ["Signed"] },
      force_unreserve: { args: { who: id(account(1)), amount: 1n }, allowed: ["Root"] },
      upgrade_accounts: { args: { who: [account(1)] }, allowed: ["Signed"] },
      force_set_balance: { args: { who: id(account(1)), newFree: 100n }, allowed: ["Root"] },
      force_adjust_total_issuance: { args: { direction: { tag: "Increase" }, delta: 1n }, allowed: ["Root"] },
      burn: { args: { value: 1n, keepAlive: true }, allowed: ["Signed"] },
    });
    expect(n).to.equal(27);
  });

  it("genesis rejects duplicates and balances below the existential deposit; integrity test rejects ED 0", () => {
    const m = balancesRuntime(10n);
    const build = (accounts: [Uint8Array, bigint][]) => () => withState(new Overlay(new MapState()), () => m.balances.buildGenesis({ accounts }));
    expect(build([[account(1), 10n], [account(1), 20n]])).to.throw(/duplicate/);
    expect(build([[account(1), 9n]])).to.throw(/existential deposit/);
    expect(() => balancesRuntime(0n)).to.throw(/ExistentialDeposit/);
  });
});
