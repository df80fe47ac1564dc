import { expect } from "chai";
import { fromHex } from "../../../framework/codec/bytes.ts";
import { prove } from "../../../framework/primitives/subspace/pot/index.ts";
import { PotVerifierPool, PotVerifierPoolError } from "../../../node/consensus/timekeeper/index.ts";

const SEED = fromHex("d666ccd8d593c23da8db6b5b1413b13a");
const SEED_1 = fromHex("d7d6dcd8d593c23da8db6b5b1413b13a");
const ITERS = 16 * 5000;

describe("PotVerifierPool", function () {
  this.timeout(20_000);
  const checkpoints = prove(SEED, ITERS);
  let pool: PotVerifierPool;
  before(() => {
    pool = new PotVerifierPool({ threads: 2 });
  });
  after(async () => {
    await pool.close();
  });

  it("accepts honest checkpoints", async () => {
    expect(await pool.verify(SEED, ITERS, checkpoints)).to.equal(true);
  });

  it("rejects any single tampered checkpoint", async () => {
    const results = await Promise.all(checkpoints.map((_, i) => {
      const tampered = checkpoints.map((c) => c.slice());
      tampered[i]![15 - i] ^= 0x80;
      return pool.verify(SEED, ITERS, tampered);
    }));
    expect(results).to.deep.equal(new Array(8).fill(false));
  });

  it("rejects a wrong seed, wrong iterations, iterations not a multiple of 16 and a truncated list", async () => {
    expect(await pool.verify(SEED_1, ITERS, checkpoints)).to.equal(false);
    expect(await pool.verify(SEED, ITERS + 16, checkpoints)).to.equal(false);
    expect(await pool.verify(SEED, ITERS * 2, checkpoints)).to.equal(false);
    expect(await pool.verify(SEED, ITERS + 8, checkpoints)).to.equal(false);
    expect(await pool.verify(SEED, 0, checkpoints)).to.equal(false);
    expect(await pool.verify(SEED, ITERS, checkpoints.slice(0, 7))).to.equal(false);
    expect(await pool.verify(SEED.subarray(0, 15), ITERS, checkpoints)).to.equal(false);
  });

  it("answers interleaved verifications independently", async () => {
    const other = prove(SEED_1, 16 * 64);
    const bad = checkpoints.map((c) => c.slice());
    bad[0]![0] ^= 1;
    const results = await Promise.all([
      pool.verify(SEED, ITERS, checkpoints),
      pool.verify(SEED, ITERS, bad),
      pool.verify(SEED_1, 16 * 64, other),
      pool.verify(SEED, 16 * 64, other),
      pool.verify(SEED, ITERS, checkpoints),
    ]);
    expect(results).to.deep.equal([true, false, true, false, true]);
  });

  it("refuses work once closed", async () => {
    const p = new PotVerifierPool({ threads: 1 });
    expect(await p.verify(SEED, 16 * 8, prove(SEED, 16 * 8))).to.equal(true);
    await p.close();
    try {
      await p.verify(SEED, ITERS, checkpoints);
      expect.fail("verify after close resolved");
    } catch (e) {
      expect(e).to.be.instanceOf(PotVerifierPoolError).with.property("code", "POT_VERIFIER_ERROR_CLOSED");
    }
    expect(() => new PotVerifierPool({ threads: 0 })).to.throw(RangeError);
  });
});
