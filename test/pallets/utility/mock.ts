/** Mock runtime for pallet_utility: System + Balances (calls to batch) + Utility. */
import { variant, lazy, type Ty } from "../../../framework/codec/ty.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../../pallets/balances/balances.ts";
import { UtilityPallet } from "../../../pallets/utility/utility.ts";
import type { Runtime, RuntimeCallValue } from "../../../framework/runtime/runtime.ts";
import { TestExt, testSystem, composeRuntime, account } from "../mock.ts";

export type UtilityExt = TestExt & { balances: BalancesPallet; utility: UtilityPallet };

export function newTestExt(maxBatch?: number): UtilityExt {
  const system = testSystem({ ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA });
  const none = variant({}, { path: ["mock_runtime", "RuntimeHoldReason"] });
  const balances = new BalancesPallet({ existentialDeposit: 1n, maxLocks: 50, maxReserves: 50, maxFreezes: 50, holdReason: none, freezeReason: none }, system);
  let runtime: Runtime | undefined;
  const utility = new UtilityPallet(lazy(() => runtime!.callTy) as Ty<RuntimeCallValue>, maxBatch);
  runtime = composeRuntime(system, [{ index: 1, pallet: balances }, { index: 2, pallet: utility }]);
  utility.attach(runtime);
  const ext = new TestExt(runtime, system, () => {
    system.buildGenesis();
    balances.buildGenesis({ accounts: [[account(1), 10n], [account(2), 10n]] });
  }) as UtilityExt;
  ext.balances = balances;
  ext.utility = utility;
  return ext;
}
