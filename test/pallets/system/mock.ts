/** Mock runtime for frame_system: System alone, with a u128 as the account data. */
import { u128 } from "../../../framework/codec/ty.ts";
import { TestExt, testSystem, composeRuntime } from "../mock.ts";

export function newTestExt(): TestExt {
  const system = testSystem({ ty: u128, default: 0n });
  const runtime = composeRuntime(system, []);
  return new TestExt(runtime, system, () => system.buildGenesis());
}
