/** pallet_utility: batch (stops at the first failure), batch_all (all or nothing), force_batch. */
import { u32, vec, lazy, type Ty } from "../../framework/codec/ty.ts";
import { DispatchError } from "../../framework/codec/substrate.ts";
import { Pallet, OK, fail, event, error, weight, type Origin, type DispatchResult } from "../../framework/pallet/pallet.ts";
import type { Runtime, RuntimeCallValue } from "../../framework/runtime/runtime.ts";

const P = "Utility";

export class UtilityPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["A stateless pallet with helpers for dispatch management."];
  private runtime!: Runtime;

  /** `callTy` is a lazy reference to the runtime's `RuntimeCall` (the pallet's calls contain it). */
  constructor(callTy: Ty<RuntimeCallValue>, private readonly maxBatch = 10_922) {
    super();
    const calls = vec(callTy);
    const sumWeight = (cs: RuntimeCallValue[]) =>
      cs.reduce((acc, c) => {
        const w = this.runtime.dispatchInfo(c).weight;
        return { refTime: acc.refTime + w.refTime, proofSize: acc.proofSize + w.proofSize };
      }, weight(5_000_000 + 5_000_000 * cs.length));
    Object.assign(this.calls, {
      batch: { index: 0, args: { calls }, weight: (a: any) => sumWeight(a.calls), docs: "Send a batch of dispatch calls; stops at the first failure.", dispatch: (o: Origin, a: any) => this.batch(o, a.calls, "batch") },
      batch_all: { index: 2, args: { calls }, weight: (a: any) => sumWeight(a.calls), docs: "Send a batch of dispatch calls and atomically execute them.", dispatch: (o: Origin, a: any) => this.batch(o, a.calls, "batch_all") },
      force_batch: { index: 4, args: { calls }, weight: (a: any) => sumWeight(a.calls), docs: "Send a batch of dispatch calls; failures do not stop it.", dispatch: (o: Origin, a: any) => this.batch(o, a.calls, "force_batch") },
    });
    Object.assign(this.events, {
      BatchInterrupted: event(0, { index: u32, error: DispatchError }, "Batch of dispatches did not complete fully. Index of first failing dispatch given, as well as the error."),
      BatchCompleted: event(1, {}, "Batch of dispatches completed fully with no error."),
      BatchCompletedWithErrors: event(2, {}, "Batch of dispatches completed but has errors."),
      ItemCompleted: event(3, {}, "A single item within a Batch of dispatches has completed with no error."),
      ItemFailed: event(4, { error: DispatchError }, "A single item within a Batch of dispatches has completed with error."),
      DispatchedAs: event(5, { result: lazy(() => dispatchResultTy) }, "A call was dispatched."),
    });
    Object.assign(this.errors, { TooManyCalls: error(0, "Too many calls batched.") });
    this.constants.push({ name: "batched_calls_limit", ty: u32, value: maxBatch, docs: "The limit on the number of batched calls." });
  }

  /** Gives the pallet the runtime it dispatches through (set by the runtime assembly). */
  attach(runtime: Runtime): void {
    this.runtime = runtime;
  }

  private batch(origin: Origin, calls: RuntimeCallValue[], mode: "batch" | "batch_all" | "force_batch"): DispatchResult {
    if (origin.tag === "None") return fail({ tag: "BadOrigin" });
    if (calls.length > this.maxBatch) return fail(this.error("TooManyCalls"));
    let failed = false;
    for (let i = 0; i < calls.length; i++) {
      const r = this.runtime.dispatch(calls[i]!, origin);
      if (!r.ok) {
        if (mode === "batch") {
          this.deposit({ tag: "BatchInterrupted", value: { index: i, error: r.error } });
          return OK;
        }
        if (mode === "batch_all") return fail(r.error);
        failed = true;
        this.deposit({ tag: "ItemFailed", value: { error: r.error } });
        continue;
      }
      this.deposit({ tag: "ItemCompleted", value: {} });
    }
    this.deposit({ tag: failed ? "BatchCompletedWithErrors" : "BatchCompleted", value: {} });
    return OK;
  }
}

import { result, unit } from "../../framework/codec/ty.ts";
const dispatchResultTy = result(unit, DispatchError);
