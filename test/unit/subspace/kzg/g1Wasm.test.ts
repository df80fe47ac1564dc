import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381";
import { BLS12_381_P, G1_GENERATOR_BYTES, g1Wasm, AFFINE_BYTES } from "../../../../framework/primitives/subspace/kzg/index.ts";

// Cross-checked against @noble/curves (an independent implementation of BLS12-381).
const G1 = bls12_381.G1.ProjectivePoint;
const Fp = bls12_381.fields.Fp;
const R = bls12_381.fields.Fr.ORDER;
const P = BLS12_381_P;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Deterministic pseudo-random bigints (xorshift over 32-bit words). */
function rng(seed: number): (bits: number) => bigint {
  let s = seed >>> 0 || 1;
  return (bits) => {
    let v = 0n;
    for (let i = 0; i < Math.ceil(bits / 32); i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      v = (v << 32n) | BigInt(s);
    }
    return v & ((1n << BigInt(bits)) - 1n);
  };
}

/** Compressed encoding of any curve point (noble refuses to encode points outside G1). */
function encode(x: bigint, y: bigint): Uint8Array {
  const b = new Uint8Array(48);
  let v = x;
  for (let i = 47; i >= 0; i--, v >>= 8n) b[i] = Number(v & 0xffn);
  b[0]! |= 0x80;
  if (y > (P - 1n) / 2n) b[0]! |= 0x20;
  return b;
}

describe("G1Wasm (BLS12-381 G1 in WebAssembly)", () => {
  const g = g1Wasm();
  const rand = rng(42);

  it("multiplies in Fp like bigint arithmetic", () => {
    for (let i = 0; i < 50; i++) {
      const a = rand(384) % P;
      const b = rand(384) % P;
      expect(g.fpMul(a, b), `case ${i}`).to.equal((a * b) % P);
    }
    expect(g.fpMul(P - 1n, P - 1n)).to.equal(1n);
  });

  it("decompresses G1 points to noble's coordinates and compresses them back", () => {
    const mark = g.mark();
    try {
      const slot = g.alloc(AFFINE_BYTES);
      expect(g.decompress(G1_GENERATOR_BYTES, slot)).to.equal("point");
      expect(g.readAffine(slot)).to.deep.equal(G1.BASE.toAffine());
      for (let i = 0; i < 10; i++) {
        const pt = G1.BASE.multiply((rand(256) % (R - 1n)) + 1n);
        const bytes = pt.toRawBytes(true);
        expect(g.decompress(bytes, slot), `point ${i}`).to.equal("point");
        expect(g.readAffine(slot), `point ${i}`).to.deep.equal(pt.toAffine());
        expect(g.inG1(slot), `point ${i}`).to.equal(true);
        expect(hex(g.compress(g.msm([slot], [1n]))), `point ${i}`).to.equal(hex(bytes));
      }
    } finally {
      g.release(mark);
    }
  });

  it("accepts exactly one encoding per point (blst's rules)", () => {
    const mark = g.mark();
    try {
      const slot = g.alloc(AFFINE_BYTES);
      const inf = new Uint8Array(48);
      inf[0] = 0xc0;
      expect(g.decompress(inf, slot)).to.equal("infinity");
      const infSorted = inf.slice();
      infSorted[0] = 0xe0;
      expect(g.decompress(infSorted, slot), "infinity with the sort flag").to.equal("invalid");
      const infDirty = inf.slice();
      infDirty[47] = 1;
      expect(g.decompress(infDirty, slot), "infinity with a non-zero x").to.equal("invalid");
      const uncompressed = G1_GENERATOR_BYTES.slice();
      uncompressed[0]! &= 0x7f;
      expect(g.decompress(uncompressed, slot), "compression flag clear").to.equal("invalid");
      expect(g.decompress(G1_GENERATOR_BYTES.subarray(1), slot), "47 bytes").to.equal("invalid");
      // A curve point with a small x, so that x + p still fits the 381 bits of an encoding.
      let xs = 1n;
      while (Fp.pow(Fp.add(Fp.pow(xs, 3n), 4n), (P - 1n) / 2n) !== 1n) xs++;
      const ys = Fp.sqrt(Fp.add(Fp.pow(xs, 3n), 4n));
      expect(g.decompress(encode(xs, ys), slot), "small x").to.equal("point");
      expect(g.decompress(encode(xs + P, ys), slot), "x + p").to.equal("invalid");
      const flipped = G1_GENERATOR_BYTES.slice();
      flipped[0]! ^= 0x20;
      expect(g.decompress(flipped, slot), "other sort flag: −G").to.equal("point");
      expect(g.readAffine(slot)).to.deep.equal(G1.BASE.negate().toAffine());
      // x with x³ + 4 a non-square: not on the curve.
      let x0 = 1n;
      while (Fp.pow(Fp.add(Fp.pow(x0, 3n), 4n), (P - 1n) / 2n) === 1n) x0++;
      expect(g.decompress(encode(x0, 0n), slot), "not on the curve").to.equal("invalid");
    } finally {
      g.release(mark);
    }
  });

  it("gives noble's subgroup verdicts for curve points in and outside G1", () => {
    const mark = g.mark();
    try {
      const slot = g.alloc(AFFINE_BYTES);
      let outside = 0;
      for (let tried = 0; tried < 12; ) {
        const x = rand(384) % P;
        const rhs = Fp.add(Fp.pow(x, 3n), 4n);
        const y = Fp.pow(rhs, (P + 1n) / 4n);
        if (Fp.mul(y, y) !== rhs) continue;
        tried++;
        const point = G1.fromAffine({ x, y });
        expect(g.decompress(encode(x, y), slot)).to.equal("point");
        expect(g.readAffine(slot)).to.deep.equal({ x, y });
        expect(g.inG1(slot), `x = ${x}`).to.equal(point.isTorsionFree());
        if (!point.isTorsionFree()) outside++;
        const cleared = point.clearCofactor().toAffine();
        expect(g.decompress(encode(cleared.x, cleared.y), slot)).to.equal("point");
        expect(g.inG1(slot), "cofactor cleared").to.equal(true);
      }
      expect(outside).to.be.greaterThan(0);
    } finally {
      g.release(mark);
    }
  });

  it("computes multi-scalar multiplications as noble (mixed widths, zeros, repeated and opposite points)", () => {
    const mark = g.mark();
    try {
      const base = Array.from({ length: 40 }, (_, i) => G1.BASE.multiply(BigInt(i) * 0x1234567n + 99n));
      const cases: { points: (typeof base)[number][]; scalars: bigint[] }[] = [
        { points: [], scalars: [] },
        { points: [base[0]!], scalars: [0n] },
        { points: [base[0]!, base[0]!], scalars: [5n, 7n] }, // equal points: doubling inside the buckets
        { points: [base[0]!, base[0]!.negate()], scalars: [3n, 3n] }, // cancels to infinity
        { points: base, scalars: base.map((_, i) => (i % 3 === 0 ? rand(255) % R : rand(128))) },
        { points: base.slice(0, 7), scalars: base.slice(0, 7).map(() => R - 1n) },
      ];
      for (const [k, c] of cases.entries()) {
        const slots = c.points.map((pt) => {
          const s = g.alloc(AFFINE_BYTES);
          expect(g.decompress(pt.toRawBytes(true), s)).to.equal("point");
          return s;
        });
        const expected = c.points.reduce((acc, pt, i) => acc.add(pt.multiplyUnsafe(c.scalars[i]!)), G1.ZERO);
        expect(hex(g.compress(g.msm(slots, c.scalars))), `case ${k}`).to.equal(hex(expected.toRawBytes(true)));
      }
    } finally {
      g.release(mark);
    }
  });
});
