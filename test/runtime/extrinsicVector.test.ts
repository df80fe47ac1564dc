/**
 * The ed25519 v4 signed transfer of substrate-compat.md §4 (signed by @polkadot/types against the
 * Substrate kitchensink metadata): it decodes with our extrinsic machinery, re-encodes byte for
 * byte, its signature verifies over the payload our signed extensions produce, and it dispatches
 * on a kitchensink-shaped runtime whose genesis hash is 0x11…11.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { Keyring } from "@polkadot/keyring";
import { Executor } from "../../framework/runtime/executor.ts";
import { fromHex, toHex } from "../../framework/codec/bytes.ts";
import { blake2_256, ed25519Verify } from "../../framework/crypto/index.ts";
import { withState } from "../../framework/storage/items.ts";
import { Overlay } from "../../framework/storage/overlay.ts";
import { createKitchensink, kitchensinkGenesis } from "./kitchensink.ts";

const V = JSON.parse(readFileSync(new URL("../vectors/substrate-extrinsic.json", import.meta.url), "utf8")).kitchensinkEd25519Transfer;
const bytes = fromHex(V.extrinsic);
const signer = fromHex(V.signer.publicKey);
const dest = fromHex(V.dest);
const genesis = fromHex(V.genesisHash);

describe("ed25519 v4 transfer vector (kitchensink, spec 268)", () => {
  const k = createKitchensink();
  const rt = k.runtime;

  it("the test runtime has the kitchensink's version and extension list", () => {
    expect(rt.version.specVersion).to.equal(V.specVersion);
    expect(rt.version.transactionVersion).to.equal(V.transactionVersion);
    expect(rt.signedExtensions.map((e) => e.identifier)).to.deep.equal(V.signedExtensions);
  });

  it("the signer is ed25519 //Alice", () => {
    expect(toHex(new Keyring({ type: "ed25519" }).addFromUri(V.signer.suri).publicKey)).to.equal(V.signer.publicKey);
  });

  it("decodes, and re-encodes byte for byte", () => {
    const x = rt.decodeExtrinsic(bytes);
    if (!x.signed) throw new Error("expected a signed extrinsic");
    expect(x.address).to.deep.equal({ tag: "Id", value: signer });
    expect(x.signature).to.deep.equal({ tag: "Ed25519", value: fromHex(V.signature) });
    expect(x.call).to.deep.equal({ tag: "Balances", value: { tag: "transfer_keep_alive", value: { dest: { tag: "Id", value: dest }, value: BigInt(V.value) } } });
    expect(toHex(x.encodedCall)).to.equal(V.call);
    // Era immortal, nonce 0, tip 0 without an asset, metadata-hash mode disabled.
    expect(x.extra).to.deep.equal([undefined, undefined, undefined, undefined, { tag: "Immortal" }, 0, undefined, { tip: 0n, assetId: undefined }, { mode: { tag: "Disabled" } }]);
    expect(toHex(x.encodedExtra)).to.equal("0x0000000000");
    expect(toHex(rt.encodeSigned(x.address, x.signature, x.extra, x.call))).to.equal(V.extrinsic);
    expect(toHex(blake2_256(bytes))).to.equal(V.txHash);
  });

  it("our signing payload is the vector's 115 bytes and the ed25519 signature verifies over it", () => {
    const state = kitchensinkGenesis(k, genesis, []);
    const x = rt.decodeExtrinsic(bytes);
    if (!x.signed) throw new Error("expected a signed extrinsic");
    const payload = withState(new Overlay(state), () => {
      const add = rt.additionalSigned(x.extra);
      if (!add.ok) throw new Error("additional signed failed");
      return rt.signingPayload(x.encodedCall, x.encodedExtra, add.value);
    });
    expect(payload.length).to.equal(115);
    expect(toHex(payload)).to.equal(V.signingPayload);
    expect(ed25519Verify(x.signature.value, payload, signer)).to.equal(true);
    const tampered = payload.slice();
    tampered[tampered.length - 1] ^= 1;
    expect(ed25519Verify(x.signature.value, tampered, signer)).to.equal(false);
  });

  it("validates and dispatches: Bob receives 12345", () => {
    const state = kitchensinkGenesis(k, genesis, [[signer, 10n ** 15n]]);
    const validity = withState(new Overlay(state), () => rt.validateTransaction("External", bytes, genesis));
    expect(validity.ok, String((validity as any).error?.value?.tag)).to.equal(true);
    const built = new Executor(rt).buildBlock(state, genesis, 1, [], new Map(), [bytes]);
    expect(built.results).to.deep.equal([{ ok: true, value: { ok: true } }]);
    const after = new Overlay(built.state);
    withState(after, () => {
      expect(k.balances.freeBalance(dest)).to.equal(12345n);
      expect(k.balances.freeBalance(signer)).to.equal(10n ** 15n - 12345n);
      expect(k.system.accountNonce(signer)).to.equal(1);
    });
    // The same bytes again are stale.
    const again = withState(new Overlay(built.state), () => rt.validateTransaction("External", bytes, built.hash));
    expect(again).to.deep.equal({ ok: false, error: { tag: "Invalid", value: { tag: "Stale" } } });
  });

  it("is a bad proof on a chain with another genesis hash", () => {
    const state = kitchensinkGenesis(k, new Uint8Array(32).fill(0x22), [[signer, 10n ** 15n]]);
    const v = withState(new Overlay(state), () => rt.validateTransaction("External", bytes, new Uint8Array(32).fill(0x22)));
    expect(v).to.deep.equal({ ok: false, error: { tag: "Invalid", value: { tag: "BadProof" } } });
  });
});
