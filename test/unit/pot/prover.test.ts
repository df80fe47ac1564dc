import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import {
  POT_CHUNK_BYTES,
  PotError,
  aesChain,
  isValidSlotIterations,
  potKey,
  prove,
  proveWithKey,
  verifyCheckpointInterval,
  verifyCheckpoints,
  type PotCheckpoints,
} from "../../../framework/primitives/subspace/pot/index.ts";
import { ecbEncryptBlock, naiveCheckpoints, nobleChain, REF_KEY, REF_SEED, REF_SEED_1 } from "./independentAes.ts";

const vectors = JSON.parse(readFileSync(new URL("../../vectors/pot-aes.json", import.meta.url), "utf8"));


const hexAll = (cps: PotCheckpoints): string[] => cps.map((c) => toHex(c));

describe("PoT prover", () => {
  describe("AES-128 known answers", () => {
    for (const v of vectors.aes128Block.cases) {
      it(`one iteration is one AES-128 block encryption (${v.name})`, () => {
        const key = fromHex(v.key);
        const pt = fromHex(v.plaintext);
        expect(toHex(aesChain(key, pt, 1))).to.equal(`0x${v.ciphertext}`);
        // The independent paths agree with the standard too.
        expect(toHex(ecbEncryptBlock(key, pt))).to.equal(`0x${v.ciphertext}`);
        expect(toHex(nobleChain(key, pt, 1))).to.equal(`0x${v.ciphertext}`);
      });
    }

    for (const v of vectors.aes128Chain.cases) {
      it(`chains ${v.iterations} encryptions (${v.name}), whole and in 112-byte chunks`, () => {
        const key = fromHex(v.key);
        const input = fromHex(v.input);
        expect(toHex(aesChain(key, input, v.iterations))).to.equal(`0x${v.output}`);
        expect(toHex(aesChain(key, input, v.iterations, { chunkBytes: 112 }))).to.equal(`0x${v.output}`);
      });
    }

    it("reproduces the Rijndael ECB Monte Carlo test (400 × 10,000 chained encryptions)", () => {
      const mc = vectors.rijndaelMonteCarlo;
      let key = fromHex(mc.key);
      let block = fromHex(mc.input);
      for (let i = 0; i < mc.outerLoops; i++) {
        block = aesChain(key, block, mc.innerIterations);
        key = key.map((b, j) => b ^ block[j]!);
      }
      expect(toHex(block)).to.equal(`0x${mc.output}`);
    });

    it("returns a copy of the block for zero iterations and leaves its inputs untouched", () => {
      const key = fromHex("000102030405060708090a0b0c0d0e0f");
      const block = Buffer.from("00112233445566778899aabbccddeeff", "hex");
      const out = aesChain(key, block, 0);
      out[0] = 0xff;
      expect(block.toString("hex")).to.equal("00112233445566778899aabbccddeeff");
      aesChain(key, block, 100);
      expect(block.toString("hex")).to.equal("00112233445566778899aabbccddeeff");
    });
  });

  describe("prove", () => {
    const seeds = [REF_SEED, REF_SEED_1, fromHex("00000000000000000000000000000000")];
    // 16 is the smallest slot; 8 × 2,048 blocks fill exactly one default chunk per checkpoint;
    // 8 × 5,003 × 2 spans several chunks with a partial last one.
    const iterationCounts = [16, 160, 8 * (POT_CHUNK_BYTES / 16), 8 * 5003 * 2];

    for (const [si, seed] of seeds.entries()) {
      for (const iterations of iterationCounts) {
        it(`seed #${si}, ${iterations} iterations: checkpoint i is the state after (i+1)·iterations/8 steps (per-block ECB)`, () => {
          const expected = naiveCheckpoints(potKey(seed), seed, iterations);
          const got = prove(seed, iterations);
          expect(got).to.have.length(8);
          expect(hexAll(got)).to.deep.equal(hexAll(expected));
        });
      }
    }

    it("agrees with @noble/ciphers and with small chunks across many chunk boundaries", () => {
      const iterations = 16 * 1001;
      const got = prove(REF_SEED, iterations, { chunkBytes: 48 });
      expect(hexAll(got)).to.deep.equal(hexAll(prove(REF_SEED, iterations)));
      expect(toHex(got[7]!)).to.equal(toHex(nobleChain(potKey(REF_SEED), REF_SEED, iterations)));
      expect(toHex(got[3]!)).to.equal(toHex(nobleChain(potKey(REF_SEED), REF_SEED, iterations / 2)));
    });

    it("uses key = blake3(seed)[..16]: proveWithKey with that key gives the same checkpoints", () => {
      expect(hexAll(proveWithKey(REF_SEED, potKey(REF_SEED), 20))).to.deep.equal(hexAll(prove(REF_SEED, 160)));
    });

    it("proves with an arbitrary key as the reference's aes::create test does (SEED, KEY, 20 per checkpoint)", () => {
      const expected = naiveCheckpoints(REF_KEY, REF_SEED, 160);
      expect(hexAll(proveWithKey(REF_SEED, REF_KEY, 20))).to.deep.equal(hexAll(expected));
    });

    for (const bad of [0, 8, 15, 24, 100, -16, 1.5, 2 ** 32, 2 ** 32 + 16, Number.NaN]) {
      it(`throws PotError for slot iterations ${bad}`, () => {
        expect(isValidSlotIterations(bad)).to.equal(false);
        expect(() => prove(REF_SEED, bad)).to.throw(PotError).with.property("code", "POT_ERROR_INVALID_ITERATIONS");
      });
    }

    it("accepts the largest u32 multiple of 16 as valid iterations", () => {
      expect(isValidSlotIterations(0xffff_fff0)).to.equal(true);
      expect(isValidSlotIterations(206_557_520)).to.equal(true); // mainnet genesis value
    });

    it("rejects a seed that is not 16 bytes", () => {
      expect(() => prove(new Uint8Array(15), 16)).to.throw(TypeError);
    });
  });

  describe("verifyCheckpoints", () => {
    const iterations = 16 * 300;
    const checkpoints = prove(REF_SEED, iterations);

    it("accepts honest checkpoints", () => {
      expect(verifyCheckpoints(REF_SEED, iterations, checkpoints)).to.equal(true);
    });

    for (let i = 0; i < 8; i++) {
      it(`rejects checkpoint ${i} with one flipped bit`, () => {
        const tampered = checkpoints.map((c) => c.slice());
        tampered[i]![i * 2] ^= 0x01;
        expect(verifyCheckpoints(REF_SEED, iterations, tampered)).to.equal(false);
      });
    }

    it("rejects the reference's BAD_CIPHER ([22; 16]) as checkpoint 0", () => {
      const tampered = checkpoints.map((c) => c.slice());
      tampered[0] = new Uint8Array(16).fill(22);
      expect(verifyCheckpoints(REF_SEED, iterations, tampered)).to.equal(false);
    });

    it("rejects a wrong seed", () => {
      expect(verifyCheckpoints(REF_SEED_1, iterations, checkpoints)).to.equal(false);
    });

    for (const wrong of [iterations + 16, iterations - 16, iterations * 2]) {
      it(`rejects wrong iterations ${wrong}`, () => {
        expect(verifyCheckpoints(REF_SEED, wrong, checkpoints)).to.equal(false);
      });
    }

    for (const bad of [iterations + 8, iterations + 2, 0, -iterations]) {
      it(`rejects iterations ${bad} (not a positive multiple of 16) without throwing`, () => {
        expect(verifyCheckpoints(REF_SEED, bad, checkpoints)).to.equal(false);
      });
    }

    it("rejects a truncated, an extended and a malformed list", () => {
      expect(verifyCheckpoints(REF_SEED, iterations, checkpoints.slice(0, 7))).to.equal(false);
      expect(verifyCheckpoints(REF_SEED, iterations, [...checkpoints, checkpoints[7]!])).to.equal(false);
      expect(verifyCheckpoints(REF_SEED, iterations, [...checkpoints.slice(0, 7), checkpoints[7]!.subarray(0, 15)])).to.equal(false);
    });

    it("verifies one interval on its own and fails it when aborted", () => {
      const key = potKey(REF_SEED);
      const ci = iterations / 8;
      expect(verifyCheckpointInterval(key, checkpoints[2]!, checkpoints[3]!, ci)).to.equal(true);
      expect(verifyCheckpointInterval(key, checkpoints[2]!, checkpoints[3]!, ci, { chunkBytes: 64, shouldAbort: () => true })).to.equal(false);
      let polls = 0;
      expect(verifyCheckpointInterval(key, checkpoints[2]!, checkpoints[3]!, ci, { chunkBytes: 64, shouldAbort: () => (polls++, false) })).to.equal(true);
      expect(polls).to.be.greaterThan(0);
    });
  });
});
