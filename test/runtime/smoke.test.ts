import { expect } from "chai";
import { devChain, signWithPolkadotJs, produce } from "./helpers.ts";

describe("consensus runtime (smoke)", () => {
  it("applies a polkadot-js signed transfer_keep_alive", async () => {
    const chain = await devChain();
    const alice = chain.keyring.addFromUri("//Alice");
    const bob = chain.keyring.addFromUri("//Bob");
    const call = chain.registry.createType("Call", { callIndex: [5, 3], args: { dest: { Id: bob.publicKey }, value: 12345n } });
    const tx = signWithPolkadotJs(chain, call, alice, 0);
    const b1 = produce(chain, [tx]);
    expect(b1.results[0]).to.deep.equal({ ok: true, value: { ok: true } });
  });
});
