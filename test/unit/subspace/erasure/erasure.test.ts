import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  ErasureCoding, ErasureCodingError, FR_MODULUS, domain, evaluatePoly, fft, frBatchInv, frInv, frMul, frWasm, rootOfUnity,
} from "../../../../framework/primitives/subspace/erasure-coding/index.ts";
import { scalarFromBytes, scalarToBytes } from "../../../../framework/primitives/subspace/core/index.ts";

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

describe("WASM Fr kernels (against bigint)", () => {
  const R = FR_MODULUS;
  // Edge values: 0, 1, r−1, 2^255-ish, values with all-ones limbs below r.
  const edges = [0n, 1n, 2n, R - 1n, R - 2n, (1n << 254n) - 1n, (1n << 128n) - 1n, 0xffffffffn];
  const xs = [...edges, ...randomScalars(56, 21)];
  const ys = [...edges.slice().reverse(), ...randomScalars(56, 22)];

  it("mul, add and sub agree with bigint arithmetic mod r, including edge values", () => {
    const f = frWasm();
    const mark = f.mark();
    const n = xs.length;
    const [a, b, o] = [f.allocElements(n), f.allocElements(n), f.allocElements(n)];
    f.writeBigints(a, xs);
    f.writeBigints(b, ys);
    f.mulVec(o, a, b, n);
    expect(f.readBigints(o, n)).to.deep.equal(xs.map((x, i) => (x * ys[i]!) % R));
    for (let i = 0; i < n; i++) f.add(o + 32 * i, a + 32 * i, b + 32 * i);
    expect(f.readBigints(o, n)).to.deep.equal(xs.map((x, i) => (x + ys[i]!) % R));
    for (let i = 0; i < n; i++) f.sub(o + 32 * i, a + 32 * i, b + 32 * i);
    expect(f.readBigints(o, n)).to.deep.equal(xs.map((x, i) => (((x - ys[i]!) % R) + R) % R));
    // aliasing: out = a
    f.mul(a, a, b);
    expect(f.readBigints(a, 1)[0]).to.equal((xs[0]! * ys[0]!) % R);
    f.release(mark);
  });

  it("batch inversion in WASM equals single bigint inversions, and refuses zero", () => {
    const f = frWasm();
    const mark = f.mark();
    try {
      const v = [1n, R - 1n, ...randomScalars(37, 9).map((x) => (x === 0n ? 2n : x))];
      const p = f.allocElements(v.length);
      f.writeBigints(p, v);
      f.invertBatch(p, v.length);
      expect(f.readBigints(p, v.length)).to.deep.equal(v.map(frInv));
      f.writeBigints(p, [3n, 0n, 5n]);
      expect(() => f.invertBatch(p, 3)).to.throw(/zero/);
    } finally {
      f.release(mark);
    }
  });

  it("FFT and inverse FFT equal the bigint FFT for n = 2..256", () => {
    const f = frWasm();
    const mark = f.mark();
    for (const n of [2, 4, 64, 256]) {
      const v = randomScalars(n, n + 100);
      const p = f.allocElements(n);
      f.writeBigints(p, v);
      f.fftUnscaled(p, n);
      expect(f.readBigints(p, n), `fft ${n}`).to.deep.equal(fft(v));
      f.fftUnscaled(p, n, true);
      f.mulVec(p, p, f.domainNInv(n), n, true);
      expect(f.readBigints(p, n), `ifft ${n}`).to.deep.equal(v);
    }
    f.release(mark);
  });

  it("strided big-endian and safe-chunk loads and stores", () => {
    const f = frWasm();
    const mark = f.mark();
    const v = randomScalars(4, 5);
    const bytes = f.alloc(4 * 40);
    v.forEach((x, i) => f.u8.set(scalarToBytes(x), bytes + 40 * i));
    const p = f.allocElements(4);
    f.loadBe(p, bytes, 4, 40);
    expect([0, 1, 2, 3].map((i) => f.readPlain(p + 32 * i))).to.deep.equal(v);
    const out = f.alloc(4 * 32);
    f.storeBe(out, p, 4, 32);
    expect([0, 1, 2, 3].map((i) => scalarFromBytes(f.u8, out + 32 * i))).to.deep.equal(v);
    // 31-byte chunks are the scalars 0x00 ‖ chunk
    const safe = f.alloc(31 * 3);
    for (let i = 0; i < 93; i++) f.u8[safe + i] = (i * 37 + 11) & 0xff;
    f.loadSafe(p, safe, 3, 31);
    for (let i = 0; i < 3; i++) {
      const expected = BigInt("0x" + Buffer.from(f.u8.subarray(safe + 31 * i, safe + 31 * (i + 1))).toString("hex"));
      expect(f.readPlain(p + 32 * i), `chunk ${i}`).to.equal(expected);
    }
    f.release(mark);
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

  it("extendBytes equals extend on big-endian scalars and rejects non-canonical ones", () => {
    const source = randomScalars(64, 31);
    const bytes = new Uint8Array(64 * 32);
    source.forEach((x, i) => bytes.set(scalarToBytes(x), 32 * i));
    const out = ec.extendBytes(bytes);
    expect(Array.from({ length: 64 }, (_, i) => scalarFromBytes(out, 32 * i))).to.deep.equal(ec.extend(source));
    bytes.fill(0xff, 0, 32);
    expect(() => ec.extendBytes(bytes)).to.throw(/canonical/);
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

  it("keeps many recovery plans usable at once (tables reloaded as plans take turns)", () => {
    const source = randomScalars(8, 41);
    const parity = ec.extend(source);
    const all = source.flatMap((s, i) => [s, parity[i]!]);
    const plans = Array.from({ length: 7 }, (_, t) => ec.recoverer(16, shuffle([...Array(16).keys()], 200 + t).slice(0, 8)));
    for (let round = 0; round < 2; round++) {
      plans.forEach((plan, t) => {
        const shards = all.map((v, i) => (plan.present.includes(i) ? v : null));
        expect(plan.recover(shards), `round ${round} plan ${t}`).to.deep.equal(all);
      });
    }
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
