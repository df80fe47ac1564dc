/** Mock runtime for pallet_balances: System + Balances, and FRAME's balances `ExtBuilder`. */
import { variant } from "../../../framework/codec/ty.ts";
import { BalancesPallet, AccountDataTy, DEFAULT_ACCOUNT_DATA } from "../../../pallets/balances/balances.ts";
import type { SystemPallet } from "../../../pallets/system/system.ts";
import type { Runtime } from "../../../framework/runtime/runtime.ts";
import { TestExt, testSystem, composeRuntime, account } from "../mock.ts";

export interface BalancesMock {
  runtime: Runtime;
  system: SystemPallet;
  balances: BalancesPallet;
}

export function balancesRuntime(existentialDeposit: bigint): BalancesMock {
  const system = testSystem({ ty: AccountDataTy, default: DEFAULT_ACCOUNT_DATA });
  const none = variant({}, { path: ["mock_runtime", "RuntimeHoldReason"] });
  const balances = new BalancesPallet({ existentialDeposit, maxLocks: 50, maxReserves: 50, maxFreezes: 50, holdReason: none, freezeReason: none }, system);
  return { runtime: composeRuntime(system, [{ index: 1, pallet: balances }]), system, balances };
}

export class ExtBuilder {
  private ed = 1n;
  private endowed: [Uint8Array, bigint][] = [];

  existentialDeposit(ed: bigint): this {
    this.ed = ed;
    return this;
  }

  /** FRAME's `monied(true)`: accounts 1–4 hold 10–40 × ED, account 12 holds 10 × ED. */
  monied(): this {
    this.endowed = [[account(1), 10n * this.ed], [account(2), 20n * this.ed], [account(3), 30n * this.ed], [account(4), 40n * this.ed], [account(12), 10n * this.ed]];
    return this;
  }

  balances(list: [Uint8Array, bigint][]): this {
    this.endowed = list;
    return this;
  }

  build(): TestExt & { mock: BalancesMock } {
    const mock = balancesRuntime(this.ed);
    const ext = new TestExt(mock.runtime, mock.system, () => {
      mock.system.buildGenesis();
      mock.balances.buildGenesis({ accounts: this.endowed });
    }) as TestExt & { mock: BalancesMock };
    ext.mock = mock;
    return ext;
  }
}
