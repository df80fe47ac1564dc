import { expect } from "chai";
import { newTestExt } from "./mock.ts";
import { assertOk, checkOrigins, call, account } from "../mock.ts";

describe("pallet_runtime_configs (mock runtime)", () => {
  it("genesis sets every switch (balance transfers on by default)", () => {
    const ext = newTestExt({ enableDomains: true, confirmationDepthK: 100 });
    ext.execute(() => {
      expect(ext.configs.EnableDomains.get()).to.equal(true);
      expect(ext.configs.EnableBalanceTransfers.get()).to.equal(true);
      expect(ext.configs.EnableDynamicCostOfStorage.get()).to.equal(false);
      expect(ext.configs.ConfirmationDepthK.get()).to.equal(100);
    });
  });

  it("root flips each switch", () => {
    const ext = newTestExt();
    assertOk(ext.dispatch(call("RuntimeConfigs", "set_enable_balance_transfers", { enableBalanceTransfers: false }), { tag: "Root" }));
    assertOk(ext.dispatch(call("RuntimeConfigs", "set_enable_domains", { enableDomains: true }), { tag: "Root" }));
    assertOk(ext.dispatch(call("RuntimeConfigs", "set_enable_dynamic_cost_of_storage", { enableDynamicCostOfStorage: true }), { tag: "Root" }));
    ext.execute(() => {
      expect(ext.configs.EnableBalanceTransfers.get()).to.equal(false);
      expect(ext.configs.EnableDomains.get()).to.equal(true);
      expect(ext.configs.EnableDynamicCostOfStorage.get()).to.equal(true);
    });
  });

  it("origin checks for every call (root only)", () => {
    const ext = newTestExt();
    const n = checkOrigins(ext, ext.configs, account(1), {
      set_enable_domains: { args: { enableDomains: true }, allowed: ["Root"] },
      set_enable_dynamic_cost_of_storage: { args: { enableDynamicCostOfStorage: true }, allowed: ["Root"] },
      set_enable_balance_transfers: { args: { enableBalanceTransfers: true }, allowed: ["Root"] },
    });
    expect(n).to.equal(9);
  });
});
