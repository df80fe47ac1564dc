import { expect } from "chai";
import { Struct, u8 } from "scale-ts";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import {
  GossipProofCodec,
  PotCheckpointsCodec,
  PotCodecError,
  decodeExact,
  decodeGossipProof,
  decodePotParameters,
  decodePotParametersChange,
  decodeSubspaceJustification,
  encodeGossipProof,
  encodePotParameters,
  encodePotParametersChange,
  encodeSubspaceJustification,
  PotNextSlotInputCodec,
  type GossipProof,
} from "../../../framework/primitives/subspace/pot/index.ts";

// Expected encodings are written by hand from the SCALE rules of the reference's types: u64/u32
// little-endian, [u8; N] raw, [T; 8] without a length prefix, Vec<T> with a compact length,
// enums with a one-byte index, Option as 00 / 01 ‖ value.
const rep = (byte: string, n: number): string => byte.repeat(n);
const CHECKPOINTS = Array.from({ length: 8 }, (_, i) => new Uint8Array(16).fill(0x10 + i));
const CHECKPOINTS_HEX = Array.from({ length: 8 }, (_, i) => rep((0x10 + i).toString(16), 16)).join("");
const SEED = fromHex("000102030405060708090a0b0c0d0e0f");
const SEED_HEX = "000102030405060708090a0b0c0d0e0f";
const ENTROPY = new Uint8Array(32).fill(0xaa);

const PROOF: GossipProof = { slot: 1_234_567, seed: SEED, slotIterations: 100_000_000, checkpoints: CHECKPOINTS };
// slot 1,234,567 = 0x12d687; iterations 100,000,000 = 0x05f5e100.
const PROOF_HEX = "0x" + "87d6120000000000" + SEED_HEX + "00e1f505" + CHECKPOINTS_HEX;

const view = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v)));

describe("PoT SCALE codecs", () => {
  it("PotCheckpoints is 128 raw bytes", () => {
    expect(toHex(PotCheckpointsCodec.enc(CHECKPOINTS))).to.equal("0x" + CHECKPOINTS_HEX);
    expect(() => PotCheckpointsCodec.enc(CHECKPOINTS.slice(0, 7))).to.throw(TypeError);
  });

  it("GossipProof encodes as slot u64 ‖ seed ‖ slot_iterations u32 ‖ checkpoints (156 bytes) and back", () => {
    const bytes = encodeGossipProof(PROOF);
    expect(bytes.length).to.equal(156);
    expect(toHex(bytes)).to.equal(PROOF_HEX);
    expect(view(decodeGossipProof(fromHex(PROOF_HEX)))).to.deep.equal(view(PROOF));
  });

  it("decodes a GossipProof from a subarray and nested in a struct (cursor check)", () => {
    const padded = fromHex("ffff" + PROOF_HEX.slice(2) + "ff");
    expect(view(decodeGossipProof(padded.subarray(2, 158)))).to.deep.equal(view(PROOF));
    const Outer = Struct({ a: u8, p: GossipProofCodec, b: u8, q: GossipProofCodec });
    const outerHex = "0x07" + PROOF_HEX.slice(2) + "09" + PROOF_HEX.slice(2);
    expect(toHex(Outer.enc({ a: 7, p: PROOF, b: 9, q: PROOF }))).to.equal(outerHex);
    expect(view(decodeExact(Outer, fromHex(outerHex)))).to.deep.equal(view({ a: 7, p: PROOF, b: 9, q: PROOF }));
  });

  it("rejects truncated, over-long and zero-iteration GossipProofs", () => {
    expect(() => decodeGossipProof(fromHex(PROOF_HEX).subarray(0, 155))).to.throw(PotCodecError);
    expect(() => decodeGossipProof(fromHex(PROOF_HEX + "00"))).to.throw(PotCodecError);
    const zeroIterations = "0x" + "87d6120000000000" + SEED_HEX + "00000000" + CHECKPOINTS_HEX;
    expect(() => decodeGossipProof(fromHex(zeroIterations))).to.throw(PotCodecError);
    expect(() => encodeGossipProof({ ...PROOF, slotIterations: 0 })).to.throw(RangeError);
    expect(() => encodeGossipProof({ ...PROOF, seed: SEED.subarray(0, 15) })).to.throw(TypeError);
  });

  it("PotParametersChange encodes as slot u64 ‖ slot_iterations u32 ‖ entropy [u8; 32]", () => {
    const change = { slot: 10, slotIterations: 16, entropy: ENTROPY };
    const hex = "0x" + "0a00000000000000" + "10000000" + rep("aa", 32);
    expect(toHex(encodePotParametersChange(change))).to.equal(hex);
    expect(view(decodePotParametersChange(fromHex(hex)))).to.deep.equal(view(change));
  });

  it("PotNextSlotInput encodes as slot u64 ‖ slot_iterations u32 ‖ seed", () => {
    const input = { slot: 2, slotIterations: 0x01020304, seed: SEED };
    expect(toHex(PotNextSlotInputCodec.enc(input))).to.equal("0x" + "0200000000000000" + "04030201" + SEED_HEX);
  });

  it("PotParameters::V0 with and without a next change", () => {
    const none = "0x" + "00" + "00e1f505" + "00";
    expect(toHex(encodePotParameters({ slotIterations: 100_000_000, nextChange: undefined }))).to.equal(none);
    expect(view(decodePotParameters(fromHex(none)))).to.deep.equal({ slotIterations: 100_000_000 });
    const change = { slot: 10, slotIterations: 16, entropy: ENTROPY };
    const some = "0x" + "00" + "00e1f505" + "01" + "0a00000000000000" + "10000000" + rep("aa", 32);
    expect(toHex(encodePotParameters({ slotIterations: 100_000_000, nextChange: change }))).to.equal(some);
    expect(view(decodePotParameters(fromHex(some)))).to.deep.equal(view({ slotIterations: 100_000_000, nextChange: change }));
    expect(() => decodePotParameters(fromHex("0x" + "00" + "00e1f505" + "02"))).to.throw(PotCodecError);
    expect(() => decodePotParameters(fromHex("0x" + "01" + "00e1f505" + "00"))).to.throw(PotCodecError);
  });

  it("SubspaceJustification::PotCheckpoints is index 0 ‖ seed ‖ compact length ‖ checkpoints", () => {
    const two = { seed: SEED, checkpoints: [CHECKPOINTS, CHECKPOINTS] };
    const twoHex = "0x" + "00" + SEED_HEX + "08" + CHECKPOINTS_HEX + CHECKPOINTS_HEX;
    expect(toHex(encodeSubspaceJustification(two))).to.equal(twoHex);
    expect(view(decodeSubspaceJustification(fromHex(twoHex)))).to.deep.equal(view(two));
    const empty = { seed: SEED, checkpoints: [] };
    expect(toHex(encodeSubspaceJustification(empty))).to.equal("0x00" + SEED_HEX + "00");
    expect(view(decodeSubspaceJustification(fromHex("0x00" + SEED_HEX + "00")))).to.deep.equal(view(empty));
  });

  it("rejects a justification with an unknown variant, a lying length prefix or trailing bytes", () => {
    expect(() => decodeSubspaceJustification(fromHex("0x01" + SEED_HEX + "00"))).to.throw(PotCodecError);
    // compact(2^30 − 1) announces a billion checkpoint sets; only one follows.
    expect(() => decodeSubspaceJustification(fromHex("0x00" + SEED_HEX + "feffffff" + CHECKPOINTS_HEX))).to.throw(PotCodecError);
    expect(() => decodeSubspaceJustification(fromHex("0x00" + SEED_HEX + "08" + CHECKPOINTS_HEX))).to.throw(PotCodecError);
    expect(() => decodeSubspaceJustification(fromHex("0x00" + SEED_HEX + "00" + "00"))).to.throw(PotCodecError);
  });
});
