import { expect } from "chai";
import { toHex } from "../../../framework/codec/bytes.ts";
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { HASH_SCRATCH_BYTES, directHashing, hashInto, hashScratch, hashScratchInto } from "../../../framework/trie/blake2.ts";
import { prng, randomBytes } from "./helpers.ts";

describe("trie blake2 (allocation-free path)", () => {
  it("uses hash-wasm's module directly", () => {
    expect(directHashing).to.equal(true);
  });

  it("agrees with framework/crypto blake2_256 on every length class, in and beyond the scratch", () => {
    const rand = prng(1);
    const out = new Uint8Array(40);
    for (const len of [0, 1, 31, 32, 33, 127, 128, 129, 1000, HASH_SCRATCH_BYTES, HASH_SCRATCH_BYTES + 1, 50_000]) {
      const data = randomBytes(rand, len);
      hashInto(data, out, 5);
      expect(toHex(out.subarray(5, 37)), `len ${len}`).to.equal(toHex(blake2_256(data)));
      if (len <= HASH_SCRATCH_BYTES) {
        hashScratch.set(data);
        hashScratchInto(len, out, 0);
        expect(toHex(out.subarray(0, 32)), `scratch len ${len}`).to.equal(toHex(blake2_256(data)));
      }
    }
  });
});
