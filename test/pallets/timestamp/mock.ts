/** Mock runtime for pallet_timestamp: System + Timestamp (MinimumPeriod 5 ms, as FRAME's mock). */
import { u128 } from "../../../framework/codec/ty.ts";
import { TimestampPallet } from "../../../pallets/timestamp/timestamp.ts";
import { TestExt, testSystem, composeRuntime } from "../mock.ts";

export function newTestExt(minimumPeriod = 5n): TestExt & { timestamp: TimestampPallet } {
  const system = testSystem({ ty: u128, default: 0n });
  const timestamp = new TimestampPallet({ minimumPeriod });
  const runtime = composeRuntime(system, [{ index: 1, pallet: timestamp }]);
  const ext = new TestExt(runtime, system, () => system.buildGenesis()) as TestExt & { timestamp: TimestampPallet };
  ext.timestamp = timestamp;
  return ext;
}
