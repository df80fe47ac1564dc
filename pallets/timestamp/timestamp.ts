/** pallet_timestamp: the block's time, set once per block by an inherent. */
import { u64, compactU64, bool } from "../../framework/codec/ty.ts";
import { StorageValue } from "../../framework/storage/items.ts";
import { Pallet, OK, fail, isNone, BAD_ORIGIN, weight, type Origin, type InherentData } from "../../framework/pallet/pallet.ts";

const P = "Timestamp";
export const TIMESTAMP_INHERENT_ID = "timstap0";

export interface TimestampConfig {
  /** Minimum period between blocks in milliseconds (FRAME: slot duration / 2). */
  readonly minimumPeriod: bigint;
}

export class TimestampPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["The Timestamp pallet: the current time for the block."];
  readonly Now = new StorageValue(P, "Now", u64, { default: 0n, docs: "The current time for the current block." });
  readonly DidUpdate = new StorageValue(P, "DidUpdate", bool, { default: false, docs: "Whether the timestamp has been updated in this block." });

  constructor(readonly config: TimestampConfig) {
    super();
    this.storage.push(this.Now, this.DidUpdate);
    Object.assign(this.calls, {
      set: {
        index: 0, args: { now: compactU64 }, weight: () => weight(10_000_000), class: "Mandatory", paysFee: false,
        docs: "Set the current time. Must be called exactly once per block, as an inherent.",
        dispatch: (o: Origin, a: { now: bigint }) => {
          if (!isNone(o)) return fail(BAD_ORIGIN);
          if (this.DidUpdate.get()) throw new Error("Timestamp must be updated only once in the block");
          const prev = this.Now.get();
          if (prev !== 0n && a.now < prev + this.config.minimumPeriod) throw new Error("Timestamp must increment by at least <MinimumPeriod> between sequential blocks");
          this.Now.set(a.now);
          this.DidUpdate.set(true);
          return OK;
        },
      },
    });
    this.constants.push({ name: "MinimumPeriod", ty: u64, value: config.minimumPeriod, docs: "The minimum period between blocks." });
    this.inherent = {
      identifier: TIMESTAMP_INHERENT_ID,
      required: true,
      create: (data: InherentData) => {
        const raw = data.get(TIMESTAMP_INHERENT_ID);
        if (!raw) return undefined;
        const now = u64.dec(raw.slice());
        const next = this.Now.get() + this.config.minimumPeriod;
        return { tag: "set", value: { now: now > next ? now : next } };
      },
      check: (call, data) => {
        const raw = data.get(TIMESTAMP_INHERENT_ID);
        if (!raw) return undefined;
        const local = u64.dec(raw.slice());
        const t = (call.value as { now: bigint }).now;
        // Substrate allows up to 30 s of drift into the future.
        if (t > local + 30_000n) return "timestamp too far in the future";
        if (t < this.Now.get() + this.config.minimumPeriod) return "timestamp below the minimum period";
        return undefined;
      },
      isInherent: (call) => call.tag === "set",
    };
  }

  override onFinalize(): void {
    if (!this.DidUpdate.take()) throw new Error("Timestamp must be updated once in the block");
  }
}
