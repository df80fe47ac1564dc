import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  ErasureCoding, ErasureCodingError, FR_MODULUS, domain, evaluatePoly, fft, frBatchInv, frInv, frMul, rootOfUnity,
} from "../../../../framework/primitives/subspace/erasure-coding/index.ts";

const vectors = JSON.parse(readFileSync(new URL("../../../vectors/subspace-archiving.json", import.meta.url), "utf8"));

/** Deterministic pseudo-random field elements (xorshift; test data only). */
function randomScalars(n: number, seed: number): bigint[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
  return Array.from({ length: n }, () => {
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 32n) | BigInt(next());
    return v % FR_MODULUS;
  });
}

function shuffle<T>(a: T[], seed: number): T[] {
  const r = randomScalars(a.length, seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Number(r[i]! % BigInt(i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe("Fr arithmetic and roots of unity", () => {
  it("roots of unity equal c-kzg's SCALE2_ROOT_OF_UNITY table (generator 7)", () => {
    for (const [k, h] of vectors.rootsOfUnity) expect(rootOfUnity(2 ** k), `2^${k}`).to.equal(BigInt(h));
  });

  it("ω_N has order exactly N", () => {
    const w = rootOfUnity(256);
    let x = 1n;
    for (let i = 1; i <= 256; i++) {
      x = frMul(x, w);
      if (i < 256) expect(x, `ω^${i}`).to.not.equal(1n);
    }
    expect(x).to.equal(1n);
  });

  it("batch inversion matches single inversions", () => {
    const xs = randomScalars(20, 7).map((x) => x || 1n);
    expect(frBatchInv(xs)).to.deep.equal(xs.map(frInv));
  });

  it("FFT equals a naive DFT and its inverse round-trips", () => {
    const coeffs = randomScalars(16, 3);
    const evals = fft(coeffs);
    const d = domain(16);
    evals.forEach((e, j) => expect(e, `eval ${j}`).to.equal(evaluatePoly(coeffs, d.roots[j]!)));
    expect(fft(evals, true)).to.deep.equal(coeffs);
  });
});

describe("ErasureCoding", () => {
  const ec = new ErasureCoding(13);

  it("extend: sources are evaluations at even indices, parity at odd indices (das_fft_extension)", () => {
    for (const n of [1, 2, 8, 128]) {
      const source = randomScalars(n, n);
      const parity = ec.extend(source);
      const coeffs = fft(source, true);
      const d = domain(2 * n);
      source.forEach((s, i) => expect(evaluatePoly(coeffs, d.roots[2 * i]!)).to.equal(s));
      parity.forEach((p, i) => expect(p, `n=${n} parity ${i}`).to.equal(evaluatePoly(coeffs, d.roots[2 * i + 1]!)));
    }
  });

  it("recovers all 2n shards from random halves", () => {
    const source = randomScalars(128, 11);
    const parity = ec.extend(source);
    const all = source.flatMap((s, i) => [s, parity[i]!]);
    for (let trial = 0; trial < 5; trial++) {
      const keep = new Set(shuffle([...Array(256).keys()], 100 + trial).slice(0, 128));
      const shards = all.map((v, i) => (keep.has(i) ? v : null));
      expect(ec.recover(shards), `trial ${trial}`).to.deep.equal(all);
      expect(ec.recoverSource(shards)).to.deep.equal(source);
    }
    // more than half present also works, and all present is the identity
    expect(ec.recover(all.map((v, i) => (i % 4 === 3 ? null : v)))).to.deep.equal(all);
    expect(ec.recover(all)).to.deep.equal(all);
  });

  it("fails clearly with fewer than half the shards", () => {
    const all = randomScalars(16, 5);
    const shards = all.map((v, i) => (i < 7 ? v : null));
    expect(() => ec.recover(shards)).to.throw(ErasureCodingError, /need at least 8 of 16 shards/);
  });

  it("detects inconsistent shards when more than half are present", () => {
    const source = randomScalars(8, 9);
    const all = source.flatMap((s, i) => [s, ec.extend(source)[i]!]);
    const bad = all.map((v, i) => (i === 3 ? (v + 1n) % FR_MODULUS : i === 0 ? null : v));
    expect(() => ec.recover(bad)).to.throw(ErasureCodingError, /disagree|not evaluations/);
  });

  it("rejects sizes that are not powers of two or exceed the scale", () => {
    expect(() => ec.extend(randomScalars(3, 1))).to.throw(ErasureCodingError);
    expect(() => new ErasureCoding(2).extend(randomScalars(4, 1))).to.throw(ErasureCodingError);
  });
});
