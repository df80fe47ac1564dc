/**
 * Deep-sync PoT sampling (`full_pot_verification`, sc-consensus-subspace @72a5aa6f): within 1,581
 * blocks of the sync target every block is verified in full; further back a block is picked when a
 * uniform n in 0..=d falls below the sample size of d's range (1,581 up to 6,234; 3,162·(d−3,162)/(d−1)
 * up to 63,240; 3,162 up to 3,162,000; d/1,000 beyond).
 */
import { expect } from "chai";
import { fullPotVerification, verifyPotJustification } from "../../../node/consensus/potJustification.ts";
import { prove, deriveNextSlotInput, checkpointsOutput, type PotCheckpoints } from "../../../framework/primitives/subspace/pot/index.ts";

/** A `random()` that makes n = k for distance d. */
const pick = (k: number, d: number) => () => (k + 0.5) / (d + 1);

describe("PoT verification sampling for deep sync", () => {
  it("verifies every block within 1,581 of the target (and any block past it)", () => {
    for (const d of [0, 1, 1_000, 1_581]) expect(fullPotVerification(10_000_000, 10_000_000 - d, () => 0.999999)).to.equal(true);
    expect(fullPotVerification(100, 200, () => 0.999999)).to.equal(true);
  });

  it("samples older blocks with the reference's sample sizes at each range boundary", () => {
    const cases: [number, number][] = [
      [1_582, 1_581], [6_234, 1_581],
      [6_235, Math.floor((3_162 * (6_235 - 3_162)) / 6_234)], [63_240, Math.floor((3_162 * (63_240 - 3_162)) / 63_239)],
      [63_241, 3_162], [3_162_000, 3_162], [3_162_001, 3_162], [10_000_000, 10_000],
    ];
    for (const [d, size] of cases) {
      expect(fullPotVerification(20_000_000, 20_000_000 - d, pick(size - 1, d)), `d=${d}, n=${size - 1}`).to.equal(true);
      expect(fullPotVerification(20_000_000, 20_000_000 - d, pick(size, d)), `d=${d}, n=${size}`).to.equal(false);
    }
  });

  it("picks roughly sampleSize/(d+1) of blocks with a real random source", () => {
    const d = 31_620; // sample size 3,162·(31,620 − 3,162)/31,619 = 2,845: p ≈ 0.09
    let picked = 0;
    for (let i = 0; i < 20_000; i++) if (fullPotVerification(d, 0)) picked++;
    const p = 2_845 / (d + 1);
    // Binomial(20,000, 0.09): σ ≈ 40; ±6σ never flakes.
    expect(Math.abs(picked - 20_000 * p)).to.be.below(6 * Math.sqrt(20_000 * p * (1 - p)));
  });
});

describe("PoT justification of a block not sampled", () => {
  // A synthetic chain from a genesis seed, 160 iterations per slot; the block is at slot 3 with its
  // future proof at slot 7, the parent is genesis: the justification holds slots 1..7.
  const iterations = 160;
  const genesis = new Uint8Array(16).fill(9);
  const slots: PotCheckpoints[] = [];
  let input = { slot: 1, slotIterations: iterations, seed: genesis as Uint8Array };
  for (let s = 1; s <= 7; s++) {
    const cps = prove(input.seed, input.slotIterations);
    slots.push(cps);
    input = deriveNextSlotInput(iterations, s, checkpointsOutput(cps), null);
  }
  const context = (fullVerification: boolean) => ({
    parentFutureSlot: 0, genesisSeed: genesis, slotIterations: iterations, parametersChange: null,
    slot: 3, proofOfTime: checkpointsOutput(slots[2]!), futureSlot: 7, futureProofOfTime: checkpointsOutput(slots[6]!), fullVerification,
  });
  const tampered = (slot: number) => {
    const t = slots.map((c) => c.map((x) => Uint8Array.from(x)));
    t[slot - 1]![3]![0] ^= 1;
    return { seed: genesis, checkpoints: t };
  };

  it("accepts the honest justification either way", () => {
    expect(verifyPotJustification({ seed: genesis, checkpoints: slots }, context(true))).to.equal(undefined);
    expect(verifyPotJustification({ seed: genesis, checkpoints: slots }, context(false))).to.equal(undefined);
  });

  it("skips the checkpoints up to the block's slot, but always verifies those after it up to the future proof", () => {
    for (const s of [1, 2, 3]) {
      expect(verifyPotJustification(tampered(s), context(true)), `slot ${s} sampled`).to.match(/invalid PoT checkpoints/);
      expect(verifyPotJustification(tampered(s), context(false)), `slot ${s} unsampled`).to.equal(undefined);
    }
    for (const s of [4, 5, 6, 7]) expect(verifyPotJustification(tampered(s), context(false)), `slot ${s} unsampled`).to.match(/invalid PoT checkpoints/);
  });

  it("still requires the seed that follows the parent and the block's proofs of time on the chain", () => {
    expect(verifyPotJustification({ seed: new Uint8Array(16), checkpoints: slots }, context(false))).to.match(/seed/);
    expect(verifyPotJustification({ seed: genesis, checkpoints: slots }, { ...context(false), proofOfTime: new Uint8Array(16) })).to.match(/proof of time of slot 3/);
  });
});
