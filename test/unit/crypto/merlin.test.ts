/**
 * Merlin transcript known answers.
 *
 * Provenance: the expected challenges are the merlin crate's own transcript traces, quoted with their
 * inputs in the Go ports' tests:
 *  - gtank/merlin merlin_test.go @ eb1d60f2c0c9e41fa148f7e9791732113e11dd00 (TestSimpleTranscript, whose
 *    comment is the Rust crate's debug trace of `transcript::tests::equivalence_simple`, and
 *    TestComplexTranscript);
 *  - oasisprotocol/curve25519-voi primitives/merlin/merlin_test.go @ 9075215235b7831a986762f57a46351c473c22b5
 *    (the same two vectors).
 */
import { expect } from "chai";
import { MerlinTranscript } from "../../../framework/crypto/merlin.ts";
import { toHex } from "../../../framework/codec/bytes.ts";

const fixed = (byte: number) => (n: number) => new Uint8Array(n).fill(byte);

describe("MerlinTranscript", () => {
  it("simple transcript: merlin equivalence_simple challenge", () => {
    const t = MerlinTranscript.create("test protocol");
    t.appendMessage("some label", "some data");
    expect(toHex(t.challengeBytes("challenge", 32))).to.equal(
      "0xd5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615",
    );
  });

  it("complex transcript: 1 KiB messages wrapping the sponge, 32 rounds", () => {
    const t = MerlinTranscript.create("test protocol");
    t.appendMessage("step1", "some data");
    const data = new Uint8Array(1024).fill(99);
    let challenge: Uint8Array = new Uint8Array();
    for (let i = 0; i < 32; i++) {
      challenge = t.challengeBytes("challenge", 32);
      t.appendMessage("bigdata", data);
      t.appendMessage("challengedata", challenge);
    }
    expect(toHex(challenge)).to.equal("0xa8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c");
  });

  it("string and byte labels are the same bytes; clone forks the state", () => {
    const a = MerlinTranscript.create("p");
    const b = MerlinTranscript.create(new TextEncoder().encode("p"));
    a.appendMessage("l", Uint8Array.of(1, 2, 3));
    b.appendMessage(new TextEncoder().encode("l"), Uint8Array.of(1, 2, 3));
    const c = a.clone();
    expect(toHex(a.challengeBytes("c", 16))).to.equal(toHex(b.challengeBytes("c", 16)));
    // c did not see a's challenge, so it now differs from a
    expect(toHex(c.challengeBytes("c", 16))).to.not.equal(toHex(a.challengeBytes("c", 16)));
  });

  it("appendU64 appends 8 little-endian bytes", () => {
    const a = MerlinTranscript.create("p");
    const b = MerlinTranscript.create("p");
    a.appendU64("n", 0x0102030405060708n);
    b.appendMessage("n", Uint8Array.of(8, 7, 6, 5, 4, 3, 2, 1));
    expect(toHex(a.challengeBytes("c", 8))).to.equal(toHex(b.challengeBytes("c", 8)));
  });

  it("witness bytes depend on transcript, nonce seed and entropy, and leave the transcript unchanged", () => {
    // Mirrors the Go ports' TestTranscriptRNG: only equal transcript + witness + entropy give equal output.
    const mk = (commitment: string) => {
      const t = MerlinTranscript.create("test protocol");
      t.appendMessage("com", commitment);
      return t;
    };
    const w1 = new TextEncoder().encode("Witness data 1");
    const w2 = new TextEncoder().encode("Witness data 2");
    const s1 = toHex(mk("Commitment data 1").witnessBytes("witness", 32, [w1], fixed(0)));
    const s2 = toHex(mk("Commitment data 2").witnessBytes("witness", 32, [w1], fixed(0)));
    const s3 = toHex(mk("Commitment data 2").witnessBytes("witness", 32, [w2], fixed(0)));
    const s4 = toHex(mk("Commitment data 2").witnessBytes("witness", 32, [w2], fixed(0)));
    const s5 = toHex(mk("Commitment data 2").witnessBytes("witness", 32, [w2], fixed(1)));
    expect(new Set([s1, s2, s3, s5]).size).to.equal(4);
    expect(s3).to.equal(s4);

    const t = mk("x");
    const u = t.clone();
    t.witnessBytes("witness", 64, [w1]);
    expect(toHex(t.challengeBytes("c", 32))).to.equal(toHex(u.challengeBytes("c", 32)));
  });
});
