/**
 * Bad input through `TaggedTransactionQueue_validate_transaction` as the node calls it (SCALE in,
 * SCALE out): each case gets a precise `TransactionValidityError`, and nothing crashes the
 * runtime. Transactions are signed by polkadot-js against our metadata.
 */
import { expect } from "chai";
import { devChain, signWithPolkadotJs, produce, devDigest, type Chain } from "./helpers.ts";
import { concatBytes, toHex } from "../../framework/codec/bytes.ts";
import { decodeAll, encodeCompact } from "../../framework/codec/ty.ts";
import { TransactionSourceTy, TransactionValidityTy, ApiError } from "../../framework/runtime/apis.ts";

type Validity = ReturnType<typeof TransactionValidityTy.dec>;
const invalid = (tag: string) => ({ ok: false, error: { tag: "Invalid", value: { tag } } });
const frame = (body: Uint8Array) => concatBytes(encodeCompact(body.length), body);

describe("TaggedTransactionQueue_validate_transaction: bad input", function () {
  let chain: Chain;
  let alice: any;
  let bob: any;
  let transfer: (value: bigint) => any;

  const validate = (tx: Uint8Array, at = chain.head.hash): Validity => {
    const input = concatBytes(TransactionSourceTy.enc({ tag: "External" }), tx, at);
    return decodeAll(TransactionValidityTy, chain.executor.call(chain.state, at, "TaggedTransactionQueue_validate_transaction", input));
  };

  before(async () => {
    chain = await devChain();
    alice = chain.keyring.addFromUri("//Alice");
    bob = chain.keyring.addFromUri("//Bob");
    transfer = (value) => chain.registry.createType("Call", { callIndex: [5, 3], args: { dest: { Id: bob.publicKey }, value } });
    // Alice's nonce becomes 1.
    const r = produce(chain, [signWithPolkadotJs(chain, transfer(10n ** 18n), alice, 0)]);
    expect(r.results[0]).to.deep.equal({ ok: true, value: { ok: true } });
  });

  it("a good transaction is valid (the baseline)", () => {
    const v = validate(signWithPolkadotJs(chain, transfer(10n ** 18n), alice, 1));
    expect(v.ok).to.equal(true);
  });

  it("malformed bytes inside a well-formed length prefix: Invalid(Call)", () => {
    for (const body of ["0x84ffff", "0x04", "0x00", "0x8400", "0x0f0000"]) {
      expect(validate(frame(Buffer.from(body.slice(2), "hex"))), body).to.deep.equal(invalid("Call"));
    }
  });

  it("a truncated extrinsic: Invalid(Call) when re-framed; a typed API error when its length prefix overruns the input", () => {
    const tx = signWithPolkadotJs(chain, transfer(10n ** 18n), alice, 1);
    const body = tx.subarray(tx.length - (tx.length - 2)); // strip the 2-byte compact prefix
    expect(validate(frame(body.subarray(0, body.length - 3)))).to.deep.equal(invalid("Call"));
    const input = concatBytes(TransactionSourceTy.enc({ tag: "External" }), tx.subarray(0, tx.length - 3));
    expect(() => chain.executor.call(chain.state, chain.head.hash, "TaggedTransactionQueue_validate_transaction", input)).to.throw(ApiError);
  });

  it("a bad signature: Invalid(BadProof)", () => {
    const tx = signWithPolkadotJs(chain, transfer(10n ** 18n), alice, 1);
    // Signature bytes follow the length prefix (2), version (1), address (33) and signature tag (1).
    const bad = tx.slice();
    bad[2 + 1 + 33 + 1 + 10] ^= 0x01;
    expect(validate(bad)).to.deep.equal(invalid("BadProof"));
    // Signed by Bob, claiming to be Alice.
    const forged = signWithPolkadotJs(chain, transfer(1n), bob, 0);
    const swapped = forged.slice();
    swapped.set(alice.publicKey, 2 + 1 + 1);
    expect(validate(swapped)).to.deep.equal(invalid("BadProof"));
  });

  it("wrong genesis hash, spec version or transaction version (all in the signed payload): Invalid(BadProof)", () => {
    const v = chain.crt.runtime.version;
    const cases = {
      genesis: { genesisHash: new Uint8Array(32).fill(7) },
      spec: { specVersion: v.specVersion + 1 },
      txVersion: { transactionVersion: v.transactionVersion + 1 },
    };
    for (const [what, o] of Object.entries(cases)) {
      expect(validate(signWithPolkadotJs(chain, transfer(1n), alice, 1, 0n, o)), what).to.deep.equal(invalid("BadProof"));
    }
  });

  it("a mortal era whose birth block is not ours: Invalid(BadProof)", () => {
    const era = { current: chain.head.header.number, period: 64 };
    const ok = signWithPolkadotJs(chain, transfer(1n), alice, 1, 0n, { era, blockHash: chain.head.hash });
    expect(validate(ok).ok).to.equal(true);
    const wrongBirth = signWithPolkadotJs(chain, transfer(1n), alice, 1, 0n, { era, blockHash: new Uint8Array(32).fill(9) });
    expect(validate(wrongBirth)).to.deep.equal(invalid("BadProof"));
  });

  it("nonces: stale is Invalid(Stale); future is valid but requires its predecessor, and does not apply", () => {
    expect(validate(signWithPolkadotJs(chain, transfer(1n), alice, 0))).to.deep.equal(invalid("Stale"));
    const future = signWithPolkadotJs(chain, transfer(10n ** 18n), alice, 3);
    const v = validate(future);
    if (!v.ok) throw new Error("future nonce should be valid for the pool");
    expect(v.value.requires.map(toHex)).to.deep.equal([toHex(concatBytes(alice.publicKey, Uint8Array.of(2, 0, 0, 0)))]);
    expect(v.value.provides.map(toHex)).to.deep.equal([toHex(concatBytes(alice.publicKey, Uint8Array.of(3, 0, 0, 0)))]);
    const exact = validate(signWithPolkadotJs(chain, transfer(10n ** 18n), alice, 1));
    if (!exact.ok) throw new Error("exact nonce should be valid");
    expect(exact.value.requires).to.deep.equal([]);
    const r = chain.executor.read(chain.state, () => {
      const rt = chain.crt.runtime;
      rt.initializeBlock({ parentHash: chain.head.hash, number: chain.head.header.number + 1, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32), digest: { logs: devDigest(chain.head.header.number + 1) } });
      return [rt.applyExtrinsic(future), rt.applyExtrinsic(signWithPolkadotJs(chain, transfer(1n), alice, 0))];
    });
    expect(r).to.deep.equal([invalid("Future"), invalid("Stale")]);
  });

  it("an unknown pallet or call index: Invalid(Call)", () => {
    const tx = signWithPolkadotJs(chain, transfer(1n), alice, 1);
    // The call's first two bytes sit right after the 3-byte extra (era, nonce, tip) at the end of the header.
    const callAt = 2 + 1 + 33 + 65 + 3;
    expect([tx[callAt], tx[callAt + 1]]).to.deep.equal([5, 3]);
    for (const [p, c] of [[42, 0], [5, 99], [255, 255]]) {
      const bad = tx.slice();
      bad[callAt] = p!;
      bad[callAt + 1] = c!;
      expect(validate(bad), `${p}/${c}`).to.deep.equal(invalid("Call"));
    }
  });

  it("an oversized extrinsic (> 5 MiB): Invalid(ExhaustsResources), without decoding it", () => {
    const remark = chain.registry.createType("Call", { callIndex: [0, 0], args: { remark: "0x" + "00".repeat(5 * 1024 * 1024 + 1) } });
    const tx = signWithPolkadotJs(chain, remark, alice, 1);
    expect(tx.length).to.be.greaterThan(5 * 1024 * 1024);
    expect(validate(tx)).to.deep.equal(invalid("ExhaustsResources"));
  });

  it("an unpayable fee: Invalid(Payment) (unknown account; account holding only the existential deposit)", () => {
    const dave = chain.keyring.addFromUri("//Nobody");
    expect(validate(signWithPolkadotJs(chain, transfer(1n), dave, 0))).to.deep.equal(invalid("Payment"));
    const ed = chain.crt.balances.config.existentialDeposit;
    const poor = chain.keyring.addFromUri("//Poor");
    const fund = chain.registry.createType("Call", { callIndex: [5, 0], args: { dest: { Id: poor.publicKey }, value: ed } });
    expect(produce(chain, [signWithPolkadotJs(chain, fund, alice, 1)]).results[0]).to.deep.equal({ ok: true, value: { ok: true } });
    const remark = chain.registry.createType("Call", { callIndex: [0, 0], args: { remark: "0x00" } });
    expect(validate(signWithPolkadotJs(chain, remark, poor, 0))).to.deep.equal(invalid("Payment"));
  });

  it("never crashes: 300 random framed byte strings all get a decodable answer", () => {
    let seed = 0x2545f491;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const good = signWithPolkadotJs(chain, transfer(1n), alice, 2);
    for (let i = 0; i < 300; i++) {
      // Half are mutations of a good transaction, half pure noise.
      const body = i % 2 === 0 ? good.slice(2) : new Uint8Array(1 + (rnd() % 120)).map(rnd);
      if (i % 2 === 0) for (let k = 0; k < 3; k++) body[rnd() % body.length] = rnd();
      const v = validate(frame(body));
      expect(v.ok === false || v.ok === true, `case ${i}`).to.equal(true);
    }
  });
});
