/** Mock runtime for pallet_runtime_configs: System + RuntimeConfigs. */
import { u128 } from "../../../framework/codec/ty.ts";
import { RuntimeConfigsPallet, type RuntimeConfigsGenesis } from "../../../pallets/runtime-configs/runtimeConfigs.ts";
import { TestExt, testSystem, composeRuntime } from "../mock.ts";

export function newTestExt(genesis: Partial<RuntimeConfigsGenesis> = {}): TestExt & { configs: RuntimeConfigsPallet } {
  const system = testSystem({ ty: u128, default: 0n });
  const configs = new RuntimeConfigsPallet();
  const runtime = composeRuntime(system, [{ index: 14, pallet: configs }]);
  const ext = new TestExt(runtime, system, () => {
    system.buildGenesis();
    configs.buildGenesis(genesis);
  }) as TestExt & { configs: RuntimeConfigsPallet };
  ext.configs = configs;
  return ext;
}
