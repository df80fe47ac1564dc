import { expect } from "chai";
import { readFileSync } from "node:fs";
import { concatBytes, fromHex, toHex, utf8 } from "../../../framework/codec/bytes.ts";
import {
  deriveGlobalChallenge,
  deriveGlobalRandomness,
  deriveNextSlotInput,
  genesisSeed,
  potKey,
  seedFromOutput,
  seedWithEntropy,
} from "../../../framework/primitives/subspace/pot/index.ts";
import { blake3Noble } from "./independentAes.ts";

const vectors = JSON.parse(readFileSync(new URL("../../vectors/pot-aes.json", import.meta.url), "utf8"));

// Expected values below are computed with @noble/hashes' BLAKE3 (framework/crypto uses hash-wasm),
// on inputs assembled by hand following the reference's formulas.
const OUTPUT = fromHex("0102030405060708090a0b0c0d0e0f10");
const ENTROPY = fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
const le64 = (n: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
};

describe("PoT derivations", () => {
  it("PotSeed::key() is blake3(seed)[..16]", () => {
    const seed = fromHex("d666ccd8d593c23da8db6b5b1413b13a");
    expect(toHex(potKey(seed))).to.equal(toHex(blake3Noble(seed).subarray(0, 16)));
  });

  for (const v of vectors.genesisSeed.cases) {
    it(`PotSeed::from_genesis matches the BLAKE3 official vector (${v.name})`, () => {
      expect(toHex(genesisSeed(fromHex(v.genesisHash), v.externalEntropy))).to.equal(`0x${v.seed}`);
      expect(toHex(genesisSeed(fromHex(v.genesisHash), utf8(v.externalEntropy)))).to.equal(`0x${v.seed}`);
    });
  }

  it("takes the external entropy as UTF-8 text, never hex-decoded; no entropy is the empty string", () => {
    const gh = new Uint8Array(32).fill(7);
    expect(toHex(genesisSeed(gh, "0xabcd"))).to.equal(toHex(blake3Noble(concatBytes(gh, utf8("0xabcd"))).subarray(0, 16)));
    expect(toHex(genesisSeed(gh, "0xabcd"))).to.not.equal(toHex(genesisSeed(gh, fromHex("abcd"))));
    expect(toHex(genesisSeed(gh))).to.equal(toHex(blake3Noble(gh).subarray(0, 16)));
    expect(toHex(genesisSeed(gh, "é"))).to.equal(toHex(blake3Noble(concatBytes(gh, Uint8Array.of(0xc3, 0xa9))).subarray(0, 16)));
  });

  it("PotOutput::seed() is the output itself, as a copy", () => {
    const seed = seedFromOutput(OUTPUT);
    expect(toHex(seed)).to.equal(toHex(OUTPUT));
    seed[0] = 0xff;
    expect(OUTPUT[0]).to.equal(1);
  });

  it("seed_with_entropy is blake3(entropy ‖ output)[..16], in that order", () => {
    const got = seedWithEntropy(OUTPUT, ENTROPY);
    expect(toHex(got)).to.equal(toHex(blake3Noble(concatBytes(ENTROPY, OUTPUT)).subarray(0, 16)));
    expect(toHex(got)).to.not.equal(toHex(blake3Noble(concatBytes(OUTPUT, ENTROPY)).subarray(0, 16)));
    expect(() => seedWithEntropy(OUTPUT, ENTROPY.subarray(0, 31))).to.throw(TypeError);
  });

  it("global randomness is blake3(output) (32 bytes)", () => {
    expect(toHex(deriveGlobalRandomness(OUTPUT))).to.equal(toHex(blake3Noble(OUTPUT)));
  });

  for (const slot of [0n, 1n, 1_234_567n, 0x0102030405060708n, 0xffff_ffff_ffff_ffffn]) {
    it(`global challenge is blake3(randomness ‖ slot u64 LE) for slot ${slot}`, () => {
      const randomness = deriveGlobalRandomness(OUTPUT);
      const expected = toHex(blake3Noble(concatBytes(randomness, le64(slot))));
      expect(toHex(deriveGlobalChallenge(randomness, slot))).to.equal(expected);
      if (slot <= BigInt(Number.MAX_SAFE_INTEGER)) expect(toHex(deriveGlobalChallenge(randomness, Number(slot)))).to.equal(expected);
    });
  }

  it("rejects a slot outside u64", () => {
    const randomness = deriveGlobalRandomness(OUTPUT);
    expect(() => deriveGlobalChallenge(randomness, -1)).to.throw(RangeError);
    expect(() => deriveGlobalChallenge(randomness, 1n << 64n)).to.throw(RangeError);
  });

  describe("PotNextSlotInput::derive", () => {
    const change = { slot: 11, slotIterations: 320, entropy: ENTROPY };

    it("without a change: next slot, same iterations, seed = output", () => {
      const next = deriveNextSlotInput(160, 9, OUTPUT, null);
      expect(next.slot).to.equal(10);
      expect(next.slotIterations).to.equal(160);
      expect(toHex(next.seed)).to.equal(toHex(OUTPUT));
    });

    it("a change for a later slot does not apply yet", () => {
      const next = deriveNextSlotInput(160, 9, OUTPUT, change);
      expect([next.slot, next.slotIterations, toHex(next.seed)]).to.deep.equal([10, 160, toHex(OUTPUT)]);
    });

    it("a change targeting exactly the next slot sets iterations and injects entropy", () => {
      const next = deriveNextSlotInput(160, 10, OUTPUT, change);
      expect(next.slot).to.equal(11);
      expect(next.slotIterations).to.equal(320);
      expect(toHex(next.seed)).to.equal(toHex(blake3Noble(concatBytes(ENTROPY, OUTPUT)).subarray(0, 16)));
    });

    it("a change in the past keeps its iterations but no longer injects entropy", () => {
      const next = deriveNextSlotInput(160, 11, OUTPUT, change);
      expect([next.slot, next.slotIterations, toHex(next.seed)]).to.deep.equal([12, 320, toHex(OUTPUT)]);
    });
  });
});
