/** Mock runtime for pallet_sudo: System + Sudo, with account 1 as the sudo key (FRAME's mock). */
import { u128, lazy, type Ty } from "../../../framework/codec/ty.ts";
import { SudoPallet } from "../../../pallets/sudo/sudo.ts";
import type { Runtime, RuntimeCallValue } from "../../../framework/runtime/runtime.ts";
import { TestExt, testSystem, composeRuntime, account } from "../mock.ts";

export type SudoExt = TestExt & { sudo: SudoPallet };

export function newTestExt(key: Uint8Array | null = account(1)): SudoExt {
  const system = testSystem({ ty: u128, default: 0n });
  let runtime: Runtime | undefined;
  const sudo = new SudoPallet(lazy(() => runtime!.callTy) as Ty<RuntimeCallValue>);
  runtime = composeRuntime(system, [{ index: 1, pallet: sudo }]);
  sudo.attach(runtime);
  const ext = new TestExt(runtime, system, () => {
    system.buildGenesis();
    sudo.buildGenesis({ key: key ?? undefined });
  }) as SudoExt;
  ext.sudo = sudo;
  return ext;
}
