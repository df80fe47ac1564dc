import { expect } from "chai";
import { newTestChain, signWithPolkadotJs, produce, queryInfo, queryFeeDetails, headEvents, type Chain } from "./mock.ts";
import { CONSTANTS } from "../../../runtime/consensus/runtime.ts";

describe("pallet_transaction_payment + pallet_transaction_fees (consensus runtime)", function () {
  let chain: Chain;
  let alice: any;
  let bob: any;
  let nonce = 0;
  const read = <R>(f: () => R) => chain.executor.read(chain.state, f);
  const free = (who: Uint8Array) => read(() => chain.crt.balances.freeBalance(who));
  const issuance = () => read(() => chain.crt.balances.TotalIssuance.get());

  before(async () => {
    chain = await newTestChain();
    alice = chain.keyring.addFromUri("//Alice");
    bob = chain.keyring.addFromUri("//Bob");
  });

  it("the fee is charged even when the dispatch fails, and the nonce still moves", () => {
    const tooMuch = chain.registry.createType("Call", { callIndex: [5, 0], args: { dest: { Id: bob.publicKey }, value: 10n ** 30n } });
    const tx = signWithPolkadotJs(chain, tooMuch, alice, nonce);
    const quoted = queryInfo(chain, tx).partialFee;
    const [a0, b0, i0] = [free(alice.publicKey), free(bob.publicKey), issuance()];
    const built = produce(chain, [tx]);
    nonce++;
    expect(built.results[0]).to.deep.equal({ ok: true, value: { ok: false, error: { tag: "Token", value: { tag: "FundsUnavailable" } } } });
    const evs = headEvents(chain);
    const paid = evs.find((e) => e.name === "TransactionPayment.TransactionFeePaid")!;
    expect(paid.value.who).to.deep.equal(alice.publicKey);
    expect(paid.value.actualFee).to.equal(quoted);
    expect(free(alice.publicKey)).to.equal(a0 - quoted);
    expect(free(bob.publicKey)).to.equal(b0);
    expect(read(() => chain.crt.system.accountNonce(alice.publicKey))).to.equal(1);
    const failed = evs.find((e) => e.name === "System.ExtrinsicFailed")!;
    expect(failed.value.dispatchError).to.deep.equal({ tag: "Token", value: { tag: "FundsUnavailable" } });
    expect(evs.map((e) => e.name)).to.include.members(["Balances.Withdraw", "TransactionFees.BlockFees"]);
    // The block author (the solution's reward address in the pre-digest) receives the fees at
    // finalization, split into storage and compute; issuance is unchanged by fees.
    const paidOut = evs.find((e) => e.name === "TransactionFees.BlockFees")!;
    expect(paidOut.phase).to.deep.equal({ tag: "Finalization" });
    expect(paidOut.value.storage + paidOut.value.compute + paidOut.value.tips).to.equal(quoted);
    expect(paidOut.value.storage).to.equal(BigInt(tx.length) * CONSTANTS.transactionByteFee);
    const reward = evs.find((e) => e.name === "Rewards.BlockReward")?.value.reward ?? 0n;
    expect(issuance()).to.equal(i0 + reward);
  });

  it("the fee is base + length + weight (query_fee_details), and a tip is added to it and raises priority", () => {
    const transfer = chain.registry.createType("Call", { callIndex: [5, 3], args: { dest: { Id: bob.publicKey }, value: 10n ** 18n } });
    const tx = signWithPolkadotJs(chain, transfer, alice, nonce);
    const d = queryFeeDetails(chain, tx);
    const info = queryInfo(chain, tx);
    const w = chain.crt.runtime.dispatchInfo({ tag: "Balances", value: { tag: "transfer_keep_alive", value: { dest: { tag: "Id", value: bob.publicKey }, value: 1n } } }).weight;
    expect(d.inclusionFee).to.deep.equal({
      baseFee: CONSTANTS.baseExtrinsicWeight * CONSTANTS.weightFee,
      lenFee: BigInt(tx.length) * CONSTANTS.transactionByteFee,
      adjustedWeightFee: w.refTime * CONSTANTS.weightFee,
    });
    expect(info.partialFee).to.equal(d.inclusionFee!.baseFee + d.inclusionFee!.lenFee + d.inclusionFee!.adjustedWeightFee);
    const tip = 10n ** 15n;
    const tipped = signWithPolkadotJs(chain, transfer, alice, nonce, tip);
    expect(queryFeeDetails(chain, tipped).tip).to.equal(tip);
    const a0 = free(alice.publicKey);
    const built = produce(chain, [tipped]);
    nonce++;
    expect(built.results[0]).to.deep.equal({ ok: true, value: { ok: true } });
    const paid = headEvents(chain).find((e) => e.name === "TransactionPayment.TransactionFeePaid")!;
    expect(paid.value.tip).to.equal(tip);
    expect(a0 - free(alice.publicKey)).to.equal(10n ** 18n + paid.value.actualFee);
    expect(paid.value.actualFee).to.equal(queryInfo(chain, tipped).partialFee + tip);
  });

  it("a successful sudo pays no fee (the withdrawn fee is refunded)", () => {
    const remark = chain.registry.createType("Call", { callIndex: [0, 0], args: { remark: "0x01" } });
    const sudo = chain.registry.createType("Call", { callIndex: [100, 0], args: { call: remark } });
    const tx = signWithPolkadotJs(chain, sudo, alice, nonce);
    const a0 = free(alice.publicKey);
    expect(produce(chain, [tx]).results[0]).to.deep.equal({ ok: true, value: { ok: true } });
    nonce++;
    const evs = headEvents(chain);
    expect(evs.find((e) => e.name === "TransactionPayment.TransactionFeePaid")!.value.actualFee).to.equal(0n);
    expect(evs.map((e) => e.name)).to.include.members(["Balances.Withdraw", "Balances.Deposit", "Sudo.Sudid"]);
    expect(free(alice.publicKey)).to.equal(a0);
  });

  it("a sudo attempt by a non-key account fails with RequireSudo and pays its fee", () => {
    const remark = chain.registry.createType("Call", { callIndex: [0, 0], args: { remark: "0x01" } });
    const sudo = chain.registry.createType("Call", { callIndex: [100, 0], args: { call: remark } });
    const tx = signWithPolkadotJs(chain, sudo, bob, 0);
    const quoted = queryInfo(chain, tx).partialFee;
    expect(quoted > 0n).to.equal(true);
    const b0 = free(bob.publicKey);
    const r = produce(chain, [tx]).results[0];
    expect(r).to.deep.equal({ ok: true, value: { ok: false, error: { tag: "Module", value: { index: 100, error: Uint8Array.of(0, 0, 0, 0) } } } });
    expect(free(bob.publicKey)).to.equal(b0 - quoted);
  });

  it("unsigned and inherent extrinsics pay nothing; query_info reports no fee for them", () => {
    const x = chain.crt.runtime.encodeUnsigned({ tag: "Timestamp", value: { tag: "set", value: { now: 1n } } });
    expect(queryInfo(chain, x).partialFee).to.equal(0n);
    expect(queryInfo(chain, x).class).to.deep.equal({ tag: "Mandatory" });
  });
});
