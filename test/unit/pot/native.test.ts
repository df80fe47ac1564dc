/**
 * The native AES kernel (native/pot/) against the TypeScript path and independent AES-128s:
 * identical checkpoints and verification outcomes on every kernel this CPU runs. Skipped, with the
 * loader's reason, only where the addon was not built or the CPU has no AES instructions.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import {
  checkpointLanes,
  potKey,
  prove,
  proveWithKernel,
  proveWithKey,
  verifyCheckpoints,
  verifyCheckpointsWithKernel,
  PotError,
  type PotCheckpoints,
} from "../../../framework/primitives/subspace/pot/index.ts";
import { loadNativePot, nativePotLoadError, resolvePotBackend, type NativePotKernel } from "../../../node/consensus/timekeeper/nativeAes.ts";
import { PotVerifierPool, Timekeeper, type PotSlotInfo } from "../../../node/consensus/timekeeper/index.ts";
import { naiveCheckpoints, nobleChain, REF_KEY, REF_KEY_1, REF_SEED, REF_SEED_1 } from "./independentAes.ts";

const vectors = JSON.parse(readFileSync(new URL("../../vectors/pot-aes.json", import.meta.url), "utf8"));


// FIPS-197 Appendix A.1: expansion of key 2b7e1516 28aed2a6 abf71588 09cf4f3c, round keys 1 and 10
// (w[4..7] and w[40..43]).
const FIPS_KEY = fromHex("2b7e151628aed2a6abf7158809cf4f3c");
const FIPS_RK1 = "a0fafe1788542cb123a339392a6c7605";
const FIPS_RK10 = "d014f9a8c9ee2589e13f0cc8b6630ca6";

const hexAll = (cps: PotCheckpoints): string[] => cps.map((c) => toHex(c));
const flat = (cps: PotCheckpoints): Uint8Array => Uint8Array.from(cps.flatMap((c) => [...c]));

const native = loadNativePot();

describe("native PoT kernel", function () {
  this.timeout(20_000);
  before(function () {
    if (!native) {
      // Only where `npm ci` could not build native/pot (no compiler, no headers) or the CPU lacks AES.
      console.log(`      skipped: native PoT kernel unavailable (${nativePotLoadError()})`);
      this.skip();
    }
  });
  const k = (): NativePotKernel => native!;

  describe("AES-128 known answers", () => {
    it("expands keys as FIPS-197 Appendix A.1", () => {
      const rk = k().expandKey(FIPS_KEY);
      expect(rk.length).to.equal(176);
      expect(toHex(rk.subarray(0, 16))).to.equal(toHex(FIPS_KEY));
      expect(toHex(rk.subarray(16, 32))).to.equal(`0x${FIPS_RK1}`);
      expect(toHex(rk.subarray(160, 176))).to.equal(`0x${FIPS_RK10}`);
    });

    for (const v of vectors.aes128Block.cases) {
      it(`one step is one AES-128 encryption (${v.name})`, () => {
        expect(toHex(k().prove(fromHex(v.key), fromHex(v.plaintext), 1, 1))).to.equal(`0x${v.ciphertext}`);
      });
    }

    for (const v of vectors.aes128Chain.cases) {
      it(`chains ${v.iterations} encryptions (${v.name})`, () => {
        expect(toHex(k().prove(fromHex(v.key), fromHex(v.input), v.iterations, 1))).to.equal(`0x${v.output}`);
      });
    }

    it("reproduces the Rijndael ECB Monte Carlo test (400 × 10,000 chained encryptions)", () => {
      const mc = vectors.rijndaelMonteCarlo;
      let key = fromHex(mc.key);
      let block = fromHex(mc.input);
      for (let i = 0; i < mc.outerLoops; i++) {
        block = k().prove(key, block, mc.innerIterations, 1);
        key = key.map((b, j) => b ^ block[j]!);
      }
      expect(toHex(block)).to.equal(`0x${mc.output}`);
    });
  });

  describe("proving: identical to the TypeScript path", () => {
    const seeds = [REF_SEED, REF_SEED_1, new Uint8Array(16)];
    for (const [si, seed] of seeds.entries()) {
      for (const iterations of [16, 160, 16 * 2048, 8 * 5003 * 2]) {
        it(`seed #${si}, ${iterations} iterations`, () => {
          expect(hexAll(proveWithKernel(k(), seed, iterations))).to.deep.equal(hexAll(prove(seed, iterations)));
        });
      }
    }

    it("agrees with per-block ECB, @noble/ciphers and the reference's aes::create constants", () => {
      expect(hexAll(proveWithKernel(k(), REF_SEED, 160))).to.deep.equal(hexAll(naiveCheckpoints(potKey(REF_SEED), REF_SEED, 160)));
      expect(toHex(k().prove(REF_KEY, REF_SEED, 20, 8).subarray(112))).to.equal(toHex(proveWithKey(REF_SEED, REF_KEY, 20)[7]!));
      expect(toHex(k().prove(REF_KEY, REF_SEED, 1234, 1))).to.equal(toHex(nobleChain(REF_KEY, REF_SEED, 1234)));
    });

    it("applies the protocol's iteration rules and leaves its inputs untouched", () => {
      for (const bad of [0, 8, 24, -16, 1.5, 2 ** 32]) {
        expect(() => proveWithKernel(k(), REF_SEED, bad), `${bad}`).to.throw(PotError);
      }
      const seed = REF_SEED.slice();
      proveWithKernel(k(), seed, 160);
      expect(toHex(seed)).to.equal(toHex(REF_SEED));
    });

    it("rejects malformed arguments with TypeError or RangeError", () => {
      expect(() => k().prove(new Uint8Array(15), REF_SEED, 1, 1)).to.throw(RangeError);
      expect(() => k().prove(REF_KEY, [1, 2] as unknown as Uint8Array, 1, 1)).to.throw(TypeError);
      expect(() => k().prove(REF_KEY, REF_SEED, 0, 1)).to.throw(RangeError);
      expect(() => k().prove(REF_KEY, REF_SEED, 1, 0)).to.throw(RangeError);
      expect(() => k().prove(REF_KEY, REF_SEED, 1.5, 1)).to.throw(RangeError);
      expect(() => k().verify(REF_KEY, new Uint8Array(32), new Uint8Array(16), 2)).to.throw(RangeError);
      expect(() => k().verify(REF_KEY, new Uint8Array(17), new Uint8Array(17), 2)).to.throw(RangeError);
      expect(() => k().verify(REF_KEY, new Uint8Array(16), new Uint8Array(16), 2, "no-such-kernel")).to.throw(RangeError);
    });
  });

  describe("verification: every kernel this CPU runs gives the TypeScript outcome", () => {
    const iterations = 16 * 300;
    const checkpoints = prove(REF_SEED, iterations);
    const key = potKey(REF_SEED);
    const { starts, ends } = checkpointLanes(REF_SEED, checkpoints);

    it("lists at least one kernel", () => {
      expect(k().variants.length).to.be.greaterThan(0);
    });

    it("accepts honest checkpoints and rejects each tampered one, a wrong seed, key or iterations", () => {
      for (const variant of k().variants) {
        const v = (s: Uint8Array, e: Uint8Array, n: number, kk = key): boolean => k().verify(kk, s, e, n, variant);
        expect(v(starts, ends, iterations / 8), variant).to.equal(true);
        for (let i = 0; i < 8; i++) {
          const bad = ends.slice();
          bad[16 * i + ((5 * i) % 16)]! ^= 0x40;
          expect(v(starts, bad, iterations / 8), `${variant} end ${i}`).to.equal(false);
          const badStart = starts.slice();
          badStart[16 * i]! ^= 1;
          expect(v(badStart, ends, iterations / 8), `${variant} start ${i}`).to.equal(false);
        }
        expect(v(checkpointLanes(REF_SEED_1, checkpoints).starts, ends, iterations / 8), `${variant} seed`).to.equal(false);
        expect(v(starts, ends, iterations / 8, REF_KEY_1), `${variant} key`).to.equal(false);
        for (const n of [iterations / 8 - 2, iterations / 8 + 2, iterations / 8 + 1, iterations / 4, 0]) {
          expect(v(starts, ends, n), `${variant} iterations ${n}`).to.equal(false);
        }
      }
    });

    it("verifies any number of lanes (padded groups of 8) and odd or zero iteration counts", () => {
      for (const variant of k().variants) {
        for (const lanes of [1, 3, 8, 9, 17]) {
          for (const n of [1, 2, 7, 50]) {
            const s = new Uint8Array(16 * lanes).map((_, i) => (i * 31 + lanes) & 0xff);
            const e = new Uint8Array(16 * lanes);
            for (let j = 0; j < lanes; j++) e.set(k().prove(key, s.subarray(16 * j, 16 * j + 16), n, 1), 16 * j);
            expect(k().verify(key, s, e, n, variant), `${variant} ${lanes}×${n}`).to.equal(true);
            const bad = e.slice();
            bad[bad.length - 1]! ^= 1; // the last lane, in the last (possibly padded) group
            expect(k().verify(key, s, bad, n, variant), `${variant} ${lanes}×${n} bad`).to.equal(false);
          }
          const s = new Uint8Array(16 * lanes).fill(lanes);
          expect(k().verify(key, s, s, 0, variant), `${variant} 0 iterations`).to.equal(true);
        }
      }
    });

    it("verifyCheckpointsWithKernel matches verifyCheckpoints on good and bad inputs", () => {
      const tampered = checkpoints.map((c) => c.slice());
      tampered[5]![3] ^= 1;
      const cases: [Uint8Array, number, PotCheckpoints][] = [
        [REF_SEED, iterations, checkpoints],
        [REF_SEED, iterations, tampered],
        [REF_SEED_1, iterations, checkpoints],
        [REF_SEED, iterations + 16, checkpoints],
        [REF_SEED, iterations + 8, checkpoints],
        [REF_SEED, 0, checkpoints],
        [REF_SEED, iterations, checkpoints.slice(0, 7)],
        [REF_SEED, iterations, [...checkpoints, checkpoints[7]!]],
      ];
      for (const [i, [seed, n, cps]] of cases.entries()) {
        expect(verifyCheckpointsWithKernel(k(), seed, n, cps), `case ${i}`).to.equal(verifyCheckpoints(seed, n, cps));
      }
      expect(verifyCheckpointsWithKernel(k(), REF_SEED, iterations, checkpoints)).to.equal(true);
      expect(flat(checkpoints)).to.deep.equal(ends);
    });
  });

  describe("backend selection and the node's workers", () => {
    it("resolves SUBSPACE_POT_BACKEND values", () => {
      expect(resolvePotBackend("ts")).to.equal("ts");
      expect(resolvePotBackend("native")).to.equal("native");
      expect(resolvePotBackend("")).to.equal("native");
      expect(() => resolvePotBackend("wasm")).to.throw(RangeError);
    });

    it("verifier pools on both backends agree", async () => {
      const iterations = 16 * 2000;
      const checkpoints = prove(REF_SEED, iterations);
      const bad = checkpoints.map((c) => c.slice());
      bad[7]![0] ^= 1;
      const pools = [new PotVerifierPool({ threads: 1, backend: "ts" }), new PotVerifierPool({ threads: 1, backend: "native" })];
      try {
        for (const pool of pools) {
          const got = await Promise.all([
            pool.verify(REF_SEED, iterations, checkpoints),
            pool.verify(REF_SEED, iterations, bad),
            pool.verify(REF_SEED_1, iterations, checkpoints),
          ]);
          expect(got, pool.backend).to.deep.equal([true, false, false]);
        }
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
    });

    it("timekeepers on both backends emit the same slots", async () => {
      const run = async (backend: "ts" | "native"): Promise<string[][]> => {
        const tk = new Timekeeper({ genesisSeed: REF_SEED, slotIterations: 16 * 512, backend });
        expect(tk.backend).to.equal(backend);
        const got: PotSlotInfo[] = [];
        try {
          await new Promise<void>((resolve) => {
            tk.on("slot", (s: PotSlotInfo) => {
              got.push(s);
              if (got.length === 3) resolve();
            });
            tk.start();
          });
        } finally {
          await tk.stop();
        }
        return got.slice(0, 3).map((s) => [String(s.slot), toHex(s.seed), ...hexAll(s.checkpoints)]);
      };
      const [ts, nat] = await Promise.all([run("ts"), run("native")]);
      expect(nat).to.deep.equal(ts);
      expect(ts.map((s) => s[0])).to.deep.equal(["1", "2", "3"]);
    });
  });
});
