/**
 * Deep-sync PoT sampling (`full_pot_verification`, sc-consensus-subspace @72a5aa6f): within 1,581
 * blocks of the sync target every block is verified in full; further back a block is picked when a
 * uniform n in 0..=d falls below the sample size of d's range (1,581 up to 6,234; 3,162·(d−3,162)/(d−1)
 * up to 63,240; 3,162 up to 3,162,000; d/1,000 beyond).
 */
import { expect } from "chai";
import { fullPotVerification } from "../../../node/consensus/potJustification.ts";

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
