import { expect } from "chai";
import { newTestExt, type UtilityExt } from "./mock.ts";
import { assertNoop, assertOk, checkOrigins, call, account } from "../mock.ts";
import { utf8 } from "../../../framework/codec/bytes.ts";
import type { DispatchError } from "../../../framework/codec/substrate.ts";

const id = (who: Uint8Array) => ({ tag: "Id", value: who });
const signed = (who: Uint8Array) => ({ tag: "Signed" as const, who });
const transfer = (to: number, value: bigint) => call("Balances", "transfer_allow_death", { dest: id(account(to)), value });
const U = (name: string, calls: any[]) => call("Utility", name, { calls });
const free = (ext: UtilityExt, n: number) => ext.execute(() => ext.balances.freeBalance(account(n)));
const FUNDS: DispatchError = { tag: "Token", value: { tag: "FundsUnavailable" } };
const names = (ext: UtilityExt) => ext.events().map((e) => `${e.tag}.${e.value.tag}`);

describe("pallet_utility (mock runtime)", () => {
  it("batch: runs calls in order and stops at the first failure with BatchInterrupted; earlier calls stay", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(U("batch", [transfer(2, 1n), transfer(2, 1n), transfer(2, 100n), transfer(2, 1n)]), signed(account(1))));
    expect(free(ext, 1)).to.equal(8n);
    expect(free(ext, 2)).to.equal(12n);
    expect(names(ext)).to.deep.equal(["Balances.Transfer", "Utility.ItemCompleted", "Balances.Transfer", "Utility.ItemCompleted", "Utility.BatchInterrupted"]);
    expect(ext.lastEvent()!.value.value).to.deep.equal({ index: 2, error: FUNDS });
  });

  it("batch: all good gives BatchCompleted", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(U("batch", [transfer(2, 1n), transfer(2, 2n)]), signed(account(1))));
    expect(ext.lastEvent()!.value.tag).to.equal("BatchCompleted");
    expect(free(ext, 2)).to.equal(13n);
  });

  it("batch_all: one failure rolls back everything (error and unchanged state root)", () => {
    const ext = newTestExt();
    assertNoop(ext, () => ext.dispatch(U("batch_all", [transfer(2, 1n), transfer(2, 1n), transfer(2, 100n)]), signed(account(1))), FUNDS);
    expect(free(ext, 1)).to.equal(10n);
    assertOk(ext.dispatch(U("batch_all", [transfer(2, 1n), transfer(2, 1n)]), signed(account(1))));
    expect(free(ext, 2)).to.equal(12n);
    expect(ext.lastEvent()!.value.tag).to.equal("BatchCompleted");
  });

  it("force_batch: failures do not stop it (ItemFailed, BatchCompletedWithErrors)", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(U("force_batch", [transfer(2, 100n), transfer(2, 1n)]), signed(account(1))));
    expect(free(ext, 2)).to.equal(11n);
    expect(names(ext).filter((n) => n.startsWith("Utility"))).to.deep.equal(["Utility.ItemFailed", "Utility.ItemCompleted", "Utility.BatchCompletedWithErrors"]);
  });

  it("the batch's origin is each call's origin: root calls need a root batch", () => {
    const ext = newTestExt();
    const setStorage = call("System", "set_storage", { items: [[utf8(":u"), Uint8Array.of(1)]] });
    assertOk(ext.dispatch(U("batch", [setStorage]), signed(account(1))));
    expect(ext.lastEvent()!.value).to.deep.equal({ tag: "BatchInterrupted", value: { index: 0, error: { tag: "BadOrigin" } } });
    assertOk(ext.dispatch(U("batch_all", [setStorage]), { tag: "Root" }));
    expect(ext.lastEvent()!.value.tag).to.equal("BatchCompleted");
  });

  it("nested batches and TooManyCalls", () => {
    const ext = newTestExt(2);
    assertOk(ext.dispatch(U("batch_all", [U("batch_all", [transfer(2, 1n)]), transfer(2, 1n)]), signed(account(1))));
    expect(free(ext, 2)).to.equal(12n);
    assertNoop(ext, () => ext.dispatch(U("batch", [transfer(2, 1n), transfer(2, 1n), transfer(2, 1n)]), signed(account(1))), ext.utility.error("TooManyCalls"));
  });

  it("a batch's weight is the sum of its calls plus overhead", () => {
    const ext = newTestExt();
    const one = ext.runtime.dispatchInfo(transfer(2, 1n)).weight.refTime;
    const w = ext.runtime.dispatchInfo(U("batch", [transfer(2, 1n), transfer(2, 1n)])).weight.refTime;
    expect(w > 2n * one).to.equal(true);
  });

  it("origin checks for every call: None is refused", () => {
    const ext = newTestExt();
    const n = checkOrigins(ext, ext.utility, account(1), {
      batch: { args: { calls: [] }, allowed: ["Signed", "Root"] },
      batch_all: { args: { calls: [] }, allowed: ["Signed", "Root"] },
      force_batch: { args: { calls: [] }, allowed: ["Signed", "Root"] },
    });
    expect(n).to.equal(9);
  });
});
