/**
 * sr25519 with an arbitrary signing context, checked against independent implementations:
 * @polkadot/wasm-crypto (schnorrkel compiled to WASM, "substrate" context) and @scure/sr25519 through
 * @polkadot/util-crypto (JS, "substrate" context), plus known answers:
 *  - polkadot-js/wasm packages/wasm-crypto/src/rs/sr25519.rs @ 37a67e6c29397f1a6e0d4f570e5182c1decc1e26,
 *    test `can_verify_known_message` (Alice's key, a "substrate"-context signature);
 *  - paritytech/polkadot-sdk substrate/primitives/core/src/sr25519.rs @ 7718444f589ab5d3519e6fd663d7ae00fa2f0cc7,
 *    test `verify_from_old_wasm_works` (a pre-audit signature without the schnorrkel marker, which
 *    `Pair::verify` rejects);
 *  - REWARD_SIGNING_CONTEXT = b"subspace_reward": autonomys/subspace crates/subspace-core-primitives
 *    (`pub const REWARD_SIGNING_CONTEXT: &[u8] = b"subspace_reward";`).
 * The Merlin transcript underneath has its own known answers in merlin.test.ts.
 */
import { expect } from "chai";
import * as wasm from "@polkadot/wasm-crypto";
import { sr25519Verify as scureVerify } from "@polkadot/util-crypto";
import { ristretto255 } from "@noble/curves/ed25519.js";
import {
  sr25519SignWithContext,
  sr25519VerifyWithContext,
  REWARD_SIGNING_CONTEXT,
  SUBSTRATE_SIGNING_CONTEXT,
} from "../../../framework/crypto/schnorrkel.ts";
import { sr25519KeypairFromSeed, sr25519Sign, sr25519Verify, type Keypair } from "../../../framework/crypto/index.ts";
import { fromHex, toHex, equalBytes } from "../../../framework/codec/bytes.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const L = ristretto255.Point.Fn.ORDER;

function leToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}
function bigintToLe32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}
/** A deterministic entropy source for repeatable signatures. */
function counterRng(start: number): (n: number) => Uint8Array {
  let c = start;
  return (n) => new Uint8Array(n).fill(c++ & 0xff);
}

const KEYS: Keypair[] = [1, 2, 3].map((b) => sr25519KeypairFromSeed(new Uint8Array(32).fill(b)));
// 0 bytes, 1 byte, a 32-byte hash, more than one STROBE block (rate 166), and 1 KiB
const MESSAGES: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(0x42), new Uint8Array(32).fill(0xab), new Uint8Array(200).fill(7), new Uint8Array(1024).map((_, i) => i)];

describe("sr25519 with a signing context (schnorrkel)", () => {
  before(async () => {
    await wasm.waitReady();
  });

  it("REWARD_SIGNING_CONTEXT is b\"subspace_reward\"", () => {
    expect(toHex(REWARD_SIGNING_CONTEXT)).to.equal(toHex(utf8("subspace_reward")));
    expect(toHex(SUBSTRATE_SIGNING_CONTEXT)).to.equal(toHex(utf8("substrate")));
  });

  it("\"substrate\" signatures from our signer verify with wasm-crypto, framework sr25519Verify and @scure/sr25519", () => {
    let n = 0;
    for (const [ki, kp] of KEYS.entries()) {
      for (const [mi, msg] of MESSAGES.entries()) {
        const sig = sr25519SignWithContext(SUBSTRATE_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg);
        expect(sig.length).to.equal(64);
        expect(sig[63]! & 0x80, "schnorrkel marker").to.equal(0x80);
        expect(wasm.sr25519Verify(sig, msg, kp.publicKey), `wasm key ${ki} msg ${mi}`).to.equal(true);
        expect(sr25519Verify(sig, msg, kp.publicKey), `framework key ${ki} msg ${mi}`).to.equal(true);
        expect(scureVerify(msg, sig, kp.publicKey), `scure key ${ki} msg ${mi}`).to.equal(true);
        n++;
      }
    }
    expect(n).to.equal(KEYS.length * MESSAGES.length);
  });

  it("wasm-crypto's sr25519Sign signatures verify with ours", () => {
    for (const [ki, kp] of KEYS.entries()) {
      for (const [mi, msg] of MESSAGES.entries()) {
        const sig = sr25519Sign(kp, msg);
        expect(sr25519VerifyWithContext(SUBSTRATE_SIGNING_CONTEXT, sig, msg, kp.publicKey), `key ${ki} msg ${mi}`).to.equal(true);
      }
    }
  });

  it("known answer: polkadot-js/wasm can_verify_known_message", () => {
    const message = utf8("I hereby verify that I control 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
    const publicKey = fromHex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
    const signature = fromHex(
      "1037eb7e51613d0dcf5930ae518819c87d655056605764840d9280984e1b7063c4566b55bf292fcab07b369d01095879b50517beca4d26e6a65866e25fec0d83",
    );
    expect(sr25519VerifyWithContext(SUBSTRATE_SIGNING_CONTEXT, signature, message, publicKey)).to.equal(true);
    expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, signature, message, publicKey)).to.equal(false);
  });

  it("known answer: sp-core verify_from_old_wasm_works (unmarked pre-audit signature is rejected)", () => {
    const { publicKey } = sr25519KeypairFromSeed(new Uint8Array(32));
    const signature = fromHex(
      "28a854d54903e056f89581c691c1f7d2ff39f8f896c9e9c22475e60902cc2b3547199e0e91fa32902028f2ca2355e8cdd16cfe19ba5e8b658c94aa80f3b81a00",
    );
    expect(sr25519VerifyWithContext(SUBSTRATE_SIGNING_CONTEXT, signature, utf8("SUBSTRATE"), publicKey)).to.equal(false);
  });

  it("a \"subspace_reward\" signature does not verify under \"substrate\", and vice versa", () => {
    const kp = KEYS[0]!;
    const msg = new Uint8Array(32).fill(0x5a); // a pre-hash
    const reward = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg);
    expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, reward, msg, kp.publicKey)).to.equal(true);
    expect(sr25519VerifyWithContext(SUBSTRATE_SIGNING_CONTEXT, reward, msg, kp.publicKey)).to.equal(false);
    expect(wasm.sr25519Verify(reward, msg, kp.publicKey)).to.equal(false);
    expect(scureVerify(msg, reward, kp.publicKey)).to.equal(false);

    const substrateByWasm = sr25519Sign(kp, msg);
    const substrateByUs = sr25519SignWithContext(SUBSTRATE_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg);
    for (const sig of [substrateByWasm, substrateByUs]) {
      expect(sr25519VerifyWithContext(SUBSTRATE_SIGNING_CONTEXT, sig, msg, kp.publicKey)).to.equal(true);
      expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, msg, kp.publicKey)).to.equal(false);
    }
  });

  it("other contexts are separated too, including the empty one and a context that is a prefix of another", () => {
    const kp = KEYS[1]!;
    const msg = utf8("vote");
    const contexts = [new Uint8Array(0), utf8("subspace"), utf8("subspace_reward"), utf8("subspace_reward\0")];
    const sigs = contexts.map((c) => sr25519SignWithContext(c, kp.secretKey, kp.publicKey, msg));
    for (const [i, ci] of contexts.entries()) {
      for (const [j, sig] of sigs.entries()) {
        expect(sr25519VerifyWithContext(ci, sig, msg, kp.publicKey), `context ${i} signature ${j}`).to.equal(i === j);
      }
    }
  });

  it("signing is deterministic for a fixed entropy source and randomised otherwise", () => {
    const kp = KEYS[2]!;
    const msg = utf8("block pre-hash");
    const a = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg, counterRng(0));
    const b = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg, counterRng(0));
    const c = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg, counterRng(9));
    const d = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg);
    expect(toHex(a)).to.equal(toHex(b));
    expect(toHex(a.subarray(0, 32))).to.not.equal(toHex(c.subarray(0, 32)));
    expect(toHex(a.subarray(0, 32))).to.not.equal(toHex(d.subarray(0, 32)));
    for (const sig of [a, c, d]) expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, msg, kp.publicKey)).to.equal(true);
  });

  it("tampered message, signature or key → false", () => {
    const kp = KEYS[0]!;
    const other = KEYS[1]!;
    const msg = new Uint8Array(32).fill(0x11);
    const sig = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg, counterRng(3));
    expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, msg, kp.publicKey)).to.equal(true);

    for (const i of [0, 31]) {
      const m = msg.slice();
      m[i]! ^= 1;
      expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, m, kp.publicKey), `message byte ${i}`).to.equal(false);
    }
    expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, msg.subarray(1), kp.publicKey), "truncated message").to.equal(false);
    for (const [i, bit] of [[0, 1], [17, 0x10], [31, 0x40], [32, 1], [48, 0x80], [62, 2], [63, 1], [63, 0x80]] as const) {
      const s = sig.slice();
      s[i]! ^= bit;
      expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, s, msg, kp.publicKey), `signature byte ${i} bit ${bit}`).to.equal(false);
    }
    expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, msg, other.publicKey), "other key").to.equal(false);
    const pk = kp.publicKey.slice();
    pk[5]! ^= 4;
    expect(sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, sig, msg, pk), "flipped key bit").to.equal(false);
  });

  it("malformed input → false, never a throw", () => {
    const kp = KEYS[0]!;
    const msg = utf8("m");
    const sig = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg);
    const v = (s: unknown, m: unknown, p: unknown, c: unknown = REWARD_SIGNING_CONTEXT) =>
      sr25519VerifyWithContext(c as Uint8Array, s as Uint8Array, m as Uint8Array, p as Uint8Array);
    const cases: [string, () => boolean][] = [
      ["63-byte signature", () => v(sig.subarray(0, 63), msg, kp.publicKey)],
      ["65-byte signature", () => v(Uint8Array.of(...sig, 0), msg, kp.publicKey)],
      ["empty signature", () => v(new Uint8Array(0), msg, kp.publicKey)],
      ["31-byte key", () => v(sig, msg, kp.publicKey.subarray(0, 31))],
      ["33-byte key", () => v(sig, msg, Uint8Array.of(...kp.publicKey, 0))],
      ["signature not bytes", () => v("0x00", msg, kp.publicKey)],
      ["key undefined", () => v(sig, msg, undefined)],
      ["message null", () => v(sig, null, kp.publicKey)],
      ["context not bytes", () => v(sig, msg, kp.publicKey, 42)],
      ["key not a ristretto encoding (all 0xff)", () => v(sig, msg, new Uint8Array(32).fill(0xff))],
      ["key with a negative field element (1)", () => v(sig, msg, Uint8Array.of(1, ...new Uint8Array(31)))],
      ["all-zero signature", () => v(new Uint8Array(64), msg, kp.publicKey)],
      ["all-0xff signature", () => v(new Uint8Array(64).fill(0xff), msg, kp.publicKey)],
    ];
    for (const [name, run] of cases) {
      let result: boolean | "threw" = "threw";
      try {
        result = run();
      } catch {
        /* reported below */
      }
      expect(result, name).to.equal(false);
    }
  });

  it("agrees with wasm-crypto on edge cases (identity key, s ≥ ℓ, non-canonical R, missing marker)", () => {
    const kp = KEYS[0]!;
    const msg = utf8("edge");
    const good = sr25519SignWithContext(SUBSTRATE_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, msg, counterRng(5));
    const s = leToBigint(Uint8Array.of(...good.subarray(32, 63), good[63]! & 0x7f));

    const withS = (value: bigint) => {
      const out = good.slice();
      out.set(bigintToLe32(value), 32);
      out[63]! |= 0x80;
      return out;
    };
    const unmarked = good.slice();
    unmarked[63]! &= 0x7f;
    const rNonCanonical = good.slice();
    rNonCanonical[31]! |= 0x80; // sets bit 255 of R's field element: never a canonical encoding
    // With the identity as public key, R = [s]B verifies for any message: schnorrkel accepts it (it
    // only requires a valid encoding), so a compatible verifier must too.
    const forgedS = 123456789n;
    const forged = new Uint8Array(64);
    forged.set(ristretto255.Point.BASE.multiply(forgedS).toBytes(), 0);
    forged.set(bigintToLe32(forgedS), 32);
    forged[63]! |= 0x80;

    const cases: [string, Uint8Array, Uint8Array, boolean][] = [
      ["valid", good, kp.publicKey, true],
      ["s + ℓ", withS(s + L), kp.publicKey, false],
      ["s = ℓ", withS(L), kp.publicKey, false],
      ["unmarked", unmarked, kp.publicKey, false],
      ["non-canonical R", rNonCanonical, kp.publicKey, false],
      ["identity key, R = [s]B", forged, new Uint8Array(32), true],
    ];
    for (const [name, sig, pk, expected] of cases) {
      expect(sr25519Verify(sig, msg, pk), `wasm ${name}`).to.equal(expected);
      expect(sr25519VerifyWithContext(SUBSTRATE_SIGNING_CONTEXT, sig, msg, pk), `ours ${name}`).to.equal(expected);
    }
    expect(equalBytes(withS(s), good)).to.equal(true);
  });

  it("signing rejects a malformed secret or public key", () => {
    const kp = KEYS[0]!;
    const msg = utf8("m");
    expect(() => sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey.subarray(0, 63), kp.publicKey, msg)).to.throw(RangeError);
    expect(() => sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey.subarray(0, 31), msg)).to.throw(RangeError);
    expect(() => sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, new Uint8Array(32).fill(0xff), msg)).to.throw();
  });
});
