/** pallet_sudo: one key may dispatch calls as root. */
import { AccountId32, MultiAddress, DispatchError, Weight, type AccountId } from "../../framework/codec/substrate.ts";
import { result, unit, type Ty } from "../../framework/codec/ty.ts";
import { StorageValue } from "../../framework/storage/items.ts";
import { Pallet, OK, fail, ensureSigned, event, error, weight, type Origin, type DispatchResult } from "../../framework/pallet/pallet.ts";
import type { Runtime, RuntimeCallValue } from "../../framework/runtime/runtime.ts";
import { lookup } from "../balances/balances.ts";
import { option } from "../../framework/codec/ty.ts";

const P = "Sudo";
const DispatchResultTy = result(unit, DispatchError);

export class SudoPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["The Sudo pallet: a single account that may dispatch calls as Root."];
  readonly Key = new StorageValue(P, "Key", AccountId32, { docs: "The `AccountId` of the sudo key." });
  private runtime!: Runtime;

  constructor(callTy: Ty<RuntimeCallValue>) {
    super();
    this.storage.push(this.Key);
    const inner = (a: any) => this.runtime.dispatchInfo(a.call).weight;
    Object.assign(this.calls, {
      sudo: { index: 0, args: { call: callTy }, weight: (a: any) => add(inner(a), 10_000_000n), docs: "Authenticates the sudo key and dispatches a function call with `Root` origin.", dispatch: (o: Origin, a: any) => this.sudoAs(o, a.call, { tag: "Root" }, "Sudid") },
      sudo_unchecked_weight: { index: 1, args: { call: callTy, weight: Weight }, weight: (a: any) => a.weight, docs: "Authenticates the sudo key and dispatches a function call with `Root` origin, with a given weight.", dispatch: (o: Origin, a: any) => this.sudoAs(o, a.call, { tag: "Root" }, "Sudid") },
      set_key: { index: 2, args: { new: MultiAddress }, weight: () => weight(10_000_000), docs: "Authenticates the current sudo key and sets the given AccountId as the new sudo key.", dispatch: (o: Origin, a: any) => this.setKey(o, a.new) },
      sudo_as: { index: 3, args: { who: MultiAddress, call: callTy }, weight: (a: any) => add(inner(a), 10_000_000n), docs: "Authenticates the sudo key and dispatches a function call with `Signed` origin from a given account.", dispatch: (o: Origin, a: any) => {
        const who = lookup(a.who);
        if (!who) return fail({ tag: "CannotLookup" });
        return this.sudoAs(o, a.call, { tag: "Signed", who }, "SudoAsDone");
      } },
      remove_key: { index: 4, args: {}, weight: () => weight(10_000_000), docs: "Permanently removes the sudo key.", dispatch: (o: Origin) => {
        const c = this.ensureSudo(o);
        if (!c.ok) return c;
        this.Key.kill();
        this.deposit({ tag: "KeyRemoved", value: {} });
        return { ok: true, paysFee: false };
      } },
    });
    Object.assign(this.events, {
      Sudid: event(0, { sudoResult: DispatchResultTy }, "A sudo call just took place."),
      KeyChanged: event(1, { old: option(AccountId32), new: AccountId32 }, "The sudo key has been updated."),
      KeyRemoved: event(2, {}, "The key was permanently removed."),
      SudoAsDone: event(3, { sudoResult: DispatchResultTy }, "A [sudo_as](Pallet::sudo_as) call just took place."),
    });
    Object.assign(this.errors, { RequireSudo: error(0, "Sender must be the Sudo account.") });
  }

  attach(runtime: Runtime): void {
    this.runtime = runtime;
  }

  private ensureSudo(o: Origin): DispatchResult & { who?: AccountId } {
    const s = ensureSigned(o);
    if (!s.ok) return fail(s.error);
    const key = this.Key.getOption();
    if (!key || Buffer.compare(Buffer.from(key), Buffer.from(s.who)) !== 0) return fail(this.error("RequireSudo"));
    return { ok: true, who: s.who };
  }

  private sudoAs(o: Origin, call: RuntimeCallValue, as: Origin, eventName: "Sudid" | "SudoAsDone"): DispatchResult {
    const c = this.ensureSudo(o);
    if (!c.ok) return c;
    const r = this.runtime.dispatch(call, as);
    this.deposit({ tag: eventName, value: { sudoResult: r.ok ? { ok: true, value: undefined } : { ok: false, error: r.error } } });
    // The sudo key pays no fee for a successful call (post-dispatch Pays::No); calls are declared
    // Pays::Yes, so a failed attempt (RequireSudo) pays like any other transaction.
    return { ok: true, paysFee: false };
  }

  private setKey(o: Origin, address: any): DispatchResult {
    const c = this.ensureSudo(o);
    if (!c.ok) return c;
    const next = lookup(address);
    if (!next) return fail({ tag: "CannotLookup" });
    this.deposit({ tag: "KeyChanged", value: { old: this.Key.getOption(), new: next } });
    this.Key.set(next);
    return { ok: true, paysFee: false };
  }

  override buildGenesis(config: { key?: Uint8Array }): void {
    if (config.key) this.Key.set(config.key);
  }
}

const add = (w: { refTime: bigint; proofSize: bigint }, r: bigint) => ({ refTime: w.refTime + r, proofSize: w.proofSize });
