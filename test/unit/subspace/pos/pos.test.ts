import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createCipheriv } from "node:crypto";
import { blake3 } from "../../../../framework/crypto/index.ts";
import { fromHex, toHex } from "../../../../framework/codec/bytes.ts";
import {
  computeF1,
  computeFx,
  createTables,
  findProof,
  firstKBits,
  hasMatch,
  hasProof,
  isProofValid,
  metadataSizeBits,
  newFxScratch,
  PARAM_BC,
  PosTablesCache,
  posWasmSupported,
  type PosTables,
} from "../../../../framework/primitives/subspace/pos/index.ts";
import { chachaBlock, chachaKeyWords } from "../../../../framework/primitives/subspace/pos/chacha.ts";
import { blake3SingleBlock } from "../../../../framework/primitives/subspace/pos/blake3Block.ts";
import { bucketize } from "../../../../framework/primitives/subspace/pos/tables.ts";
import { PosWasm } from "../../../../framework/primitives/subspace/pos/posWasm.ts";

const vectors = (name: string) => JSON.parse(readFileSync(new URL(`../../../vectors/${name}`, import.meta.url), "utf8"));
const proofsK20 = vectors("pos-k20-proofs.json") as {
  k: number;
  seed: string;
  proofs: { challengeIndex: number; proof: string }[];
  noProofChallengeIndex: number;
};
const f1fx = vectors("pos-f1-fx.json") as {
  f1: { k: number; seedBeforeChiaMapping: string; xs: number[]; ys: number[] }[];
  fx: { k: number; cases: [number, string, string, string, string, string][] };
};
const rfc8439 = vectors("pos-chacha20-rfc8439.json") as { key: string; nonce: string; counter: number; block: string };

/** A value as `bits` bits left-aligned in 32-bit words. */
function toWords(value: bigint, bits: number): Uint32Array {
  const n = Math.ceil(bits / 32);
  const aligned = value << BigInt(n * 32 - bits);
  return Uint32Array.from({ length: n }, (_, i) => Number((aligned >> BigInt(32 * (n - 1 - i))) & 0xffffffffn));
}

function fromWords(words: Uint32Array, bits: number): bigint {
  const n = Math.ceil(bits / 32);
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 32n) | BigInt(words[i]);
  return v >> BigInt(n * 32 - bits);
}

describe("pos kernels", () => {
  it("ChaCha core matches RFC 8439 §2.3.2 (20 rounds) and OpenSSL", () => {
    const key = fromHex(rfc8439.key);
    const nonce = new DataView(fromHex(rfc8439.nonce).buffer);
    const out = new Uint32Array(16);
    chachaBlock(chachaKeyWords(key), rfc8439.counter, nonce.getUint32(0, true), nonce.getUint32(4, true), nonce.getUint32(8, true), 20, out, 0);
    expect(toHex(new Uint8Array(out.buffer))).to.equal(rfc8439.block);
    const iv = new Uint8Array(16);
    iv[0] = rfc8439.counter;
    iv.set(fromHex(rfc8439.nonce), 4);
    const openssl = createCipheriv("chacha20", key, iv).update(new Uint8Array(64));
    expect(toHex(new Uint8Array(out.buffer))).to.equal(toHex(openssl));
  });

  it("single-block BLAKE3 equals the general hasher for every length 0..64", () => {
    for (let len = 0; len <= 64; len++) {
      const input = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 0xff);
      const words = new Uint32Array(16);
      new Uint8Array(words.buffer).set(input);
      const out = new Uint32Array(8);
      blake3SingleBlock(words, len, out);
      expect(toHex(new Uint8Array(out.buffer)), `length ${len}`).to.equal(toHex(blake3(input)));
    }
  });
});

describe("pos f1 / fx / matching (reference chiapos vectors)", () => {
  for (const c of f1fx.f1) {
    it(`f1 at K=${c.k}`, () => {
      const original = fromHex(c.seedBeforeChiaMapping);
      const seed = new Uint8Array(32);
      seed[0] = 1;
      seed.set(original.subarray(0, 31), 1);
      c.xs.forEach((x, i) => expect(computeF1(c.k, seed, x), `x ${x}`).to.equal(c.ys[i]));
    });
  }

  it(`fx at K=${f1fx.fx.k}, tables 2..7 (${f1fx.fx.cases.length} cases)`, () => {
    const k = f1fx.fx.k;
    let run = 0;
    for (const [table, left, right, y, expectedY, expectedMeta] of f1fx.fx.cases) {
      const parentBits = metadataSizeBits(k, table - 1);
      const outBits = metadataSizeBits(k, table);
      const out = new Uint32Array(8);
      const yOut = computeFx(k, table, Number(y), toWords(BigInt(left), parentBits), 0, toWords(BigInt(right), parentBits), 0, out, 0, newFxScratch());
      expect(yOut, `table ${table} y`).to.equal(Number(expectedY));
      if (BigInt(expectedMeta) !== 0n) expect(fromWords(out, outBits), `table ${table} metadata`).to.equal(BigInt(expectedMeta));
      run++;
    }
    expect(run).to.equal(12);
  });

  it("hasMatch agrees with chiapos' direct matching rule", () => {
    // chiapos tests/test.cpp CheckMatch, on adjacent buckets
    const check = (yl: number, yr: number): boolean => {
      const bl = Math.floor(yl / PARAM_BC);
      if (Math.floor(yr / PARAM_BC) !== bl + 1) return false;
      const mod = (a: number, m: number) => ((a % m) + m) % m;
      for (let m = 0; m < 64; m++) {
        const dc = Math.floor((yr % PARAM_BC) / 127) - Math.floor((yl % PARAM_BC) / 127);
        if (mod(dc - m, 119) === 0) {
          const c = (2 * m + (bl % 2)) ** 2;
          if (mod(((yr % PARAM_BC) % 127) - ((yl % PARAM_BC) % 127) - c, 127) === 0) return true;
        }
      }
      return false;
    };
    let matches = 0;
    let state = 12345;
    for (let i = 0; i < 40_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const yl = state % (PARAM_BC * 100);
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const yr = (Math.floor(yl / PARAM_BC) + 1) * PARAM_BC + (state % PARAM_BC);
      const expected = check(yl, yr);
      expect(hasMatch(yl, yr), `${yl} ${yr}`).to.equal(expected);
      if (expected) matches++;
    }
    expect(matches).to.be.greaterThan(40_000 * 0.003);
  });

  it("first_k = u32_be(index LE bytes) >> (32 − K)", () => {
    expect(firstKBits(0x04030201, 20)).to.equal(0x01020304 >>> 12);
    expect(firstKBits(0xffffffff, 20)).to.equal(0xfffff);
  });

  it("buckets keep the first 512 entries by position, sorted by (y, position)", () => {
    const k = 15;
    const n = 700;
    const ys = new Uint32Array(n);
    for (let i = 0; i < n; i++) ys[i] = (i * 7919) % 300; // all in bucket 0, with repeated ys
    ys[n - 1] = PARAM_BC + 5; // one in bucket 1
    const { ys: sorted, positions, bucketStart } = bucketize(k, ys, n);
    expect(bucketStart[1]).to.equal(512);
    expect(bucketStart[2]).to.equal(513);
    for (let i = 0; i < 512; i++) expect(positions[i]).to.be.lessThan(512);
    for (let i = 1; i < 512; i++) {
      const ordered = sorted[i - 1] < sorted[i] || (sorted[i - 1] === sorted[i] && positions[i - 1] < positions[i]);
      expect(ordered, `entry ${i}`).to.equal(true);
    }
    expect(positions[512]).to.equal(n - 1);
  });
});

describe("pos tables K=20 (reference proofs)", function () {
  this.timeout(60_000);
  const seed = fromHex(proofsK20.seed);
  let tables: PosTables;
  before(() => {
    // the default cache: the WASM backend where supported (the TS backend is checked against it below)
    tables = createTables(seed, proofsK20.k);
  });

  it("builds with the WASM backend on this platform", () => {
    expect(posWasmSupported()).to.equal(true);
    expect(new PosTablesCache().backend).to.equal("wasm");
  });

  for (const { challengeIndex, proof } of proofsK20.proofs) {
    it(`finds the reference's proof for challenge index ${challengeIndex} and verifies it`, () => {
      const found = findProof(tables, challengeIndex);
      expect(found && toHex(found)).to.equal(proof);
      expect(isProofValid(seed, challengeIndex, fromHex(proof), proofsK20.k)).to.equal(true);
    });
  }

  it(`finds no proof for challenge index ${proofsK20.noProofChallengeIndex}`, () => {
    expect(findProof(tables, proofsK20.noProofChallengeIndex)).to.equal(undefined);
    expect(hasProof(tables, proofsK20.noProofChallengeIndex)).to.equal(false);
  });

  it("about 60% of challenge indices have a proof, and the proofs found verify", () => {
    let withProof = 0;
    for (let i = 0; i < 20_000; i++) if (hasProof(tables, i)) withProof++;
    expect(withProof / 20_000).to.be.within(0.55, 0.68);
    let checked = 0;
    for (let i = 0; checked < 64; i += 7) {
      const proof = findProof(tables, i);
      if (!proof) continue;
      expect(isProofValid(seed, i, proof, 20), `index ${i}`).to.equal(true);
      checked++;
    }
  });

  it("rejects tampered proofs, wrong challenges, wrong seeds and wrong lengths", () => {
    const { challengeIndex, proof: hex } = proofsK20.proofs[0];
    const proof = fromHex(hex);
    for (let bit = 0; bit < proof.length * 8; bit += 13) {
      const bad = proof.slice();
      bad[bit >>> 3] ^= 0x80 >>> (bit & 7);
      expect(isProofValid(seed, challengeIndex, bad, 20), `bit ${bit}`).to.equal(false);
    }
    // swapping the two halves breaks the left/right order
    const swapped = new Uint8Array(proof.length);
    swapped.set(proof.subarray(80), 0);
    swapped.set(proof.subarray(0, 80), 80);
    expect(isProofValid(seed, challengeIndex, swapped, 20)).to.equal(false);
    expect(isProofValid(seed, challengeIndex ^ 1, proof, 20)).to.equal(false);
    const otherSeed = seed.slice();
    otherSeed[0] ^= 1;
    expect(isProofValid(otherSeed, challengeIndex, proof, 20)).to.equal(false);
    expect(isProofValid(seed, challengeIndex, proof.subarray(1), 20)).to.equal(false);
    // the challenge's low bits beyond first_k do not matter (index bytes are read little-endian)
    expect(isProofValid(seed, challengeIndex ^ (1 << 24), proof, 20)).to.equal(true);
  });
});

describe("pos tables, small K self-consistency", () => {
  it("gives the same tables with a fresh cache as with one reused across K values", () => {
    const seed = new Uint8Array(32).fill(7);
    createTables(new Uint8Array(32).fill(1), 16);
    const reused = createTables(seed, 15);
    const fresh = createTables(seed, 15, new PosTablesCache());
    expect(toHex(new Uint8Array(reused.lastYs.buffer))).to.equal(toHex(new Uint8Array(fresh.lastYs.buffer)));
    reused.pairs.forEach((p, i) => expect(toHex(new Uint8Array(p.buffer)), `table ${i + 2}`).to.equal(toHex(new Uint8Array(fresh.pairs[i].buffer))));
  });

  for (const k of [15, 16]) {
    it(`K=${k}: proofs found verify, and fail for the next challenge prefix`, () => {
      const seed = new Uint8Array(32).fill(k);
      const tables = createTables(seed, k);
      let found = 0;
      for (let i = 0; i < 400; i++) {
        const index = Math.imul(i, 0x9e3779b1) >>> 0;
        const proof = findProof(tables, index);
        if (!proof) continue;
        found++;
        expect(proof.length).to.equal(8 * k);
        expect(isProofValid(seed, index, proof, k), `index ${index}`).to.equal(true);
        const nextPrefix = (firstKBits(index, k) + 1) % 2 ** k;
        const be = nextPrefix << (32 - k);
        const other = ((be >>> 24) | ((be >>> 8) & 0xff00) | ((be << 8) & 0xff0000) | (be << 24)) >>> 0;
        expect(isProofValid(seed, other, proof, k)).to.equal(false);
      }
      expect(found).to.be.greaterThan(150);
    });
  }
});

describe("pos tables, WASM and TS backends", () => {
  const hex = (a: Uint32Array): string => toHex(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const same = (a: PosTables, b: PosTables, what: string): void => {
    expect(hex(a.lastYs), `${what} table 7 ys`).to.equal(hex(b.lastYs));
    expect(a.pairs.length).to.equal(6);
    a.pairs.forEach((p, i) => expect(hex(p), `${what} table ${i + 2} pairs`).to.equal(hex(b.pairs[i])));
  };
  const ts = new PosTablesCache({ backend: "ts" });
  const wasm = new PosTablesCache({ backend: "wasm" });

  it("a TS-only cache stays on TS", () => {
    expect(ts.backend).to.equal("ts");
    expect(ts.wasmFor(15)).to.equal(undefined);
  });

  for (const [k, seeds] of [[15, 3], [16, 2], [17, 1]] as const) {
    it(`K=${k}: identical tables from both backends (${seeds} seeds, one reused WASM instance)`, () => {
      for (let s = 0; s < seeds; s++) {
        const seed = Uint8Array.from({ length: 32 }, (_, j) => (j * 29 + s * 101 + k) & 0xff);
        same(createTables(seed, k, wasm), createTables(seed, k, ts), `K=${k} seed ${s}`);
      }
    });
  }

  it("a WASM build that would exceed its capacity gives up (createTables then takes the TS path)", () => {
    const k = 15;
    const seed = new Uint8Array(32).fill(3);
    // table 2 has a little under 2^K matches: a capacity of 2^K trips the per-bucket-pair check
    expect(new PosWasm(k, { cap: 2 ** k }).build((ys) => ys.set(f1Of(seed, k)))).to.equal(null);
    expect(new PosWasm(k, { cap: 2 ** k - 1 }).build((ys) => ys.set(f1Of(seed, k)))).to.equal(null);
    const built = new PosWasm(k).build((ys) => ys.set(f1Of(seed, k)));
    expect(built).to.not.equal(null);
    same({ k, ...built! }, createTables(seed, k, ts), "direct build");
  });

  it("WASM buckets keep the first 512 entries by position, sorted by (y, position), as the TS path", () => {
    const k = 15;
    const n = 700;
    const ys = new Uint32Array(n);
    for (let i = 0; i < n; i++) ys[i] = (i * 7919) % 300; // all in bucket 0, with repeated ys
    ys[n - 1] = PARAM_BC + 5; // one in bucket 1
    ys[n - 2] = 3 * PARAM_BC + 1;
    const fromWasm = new PosWasm(k).bucketize(ys);
    const fromTs = bucketize(k, ys, n);
    expect(fromWasm.bucketStart[1]).to.equal(512);
    expect(hex(fromWasm.ys)).to.equal(hex(fromTs.ys));
    expect(hex(fromWasm.positions)).to.equal(hex(fromTs.positions));
    expect(hex(fromWasm.bucketStart)).to.equal(hex(fromTs.bucketStart));
  });
});

/** Table 1 ys (f1 of every x) via the single-x evaluator. */
function f1Of(seed: Uint8Array, k: number): Uint32Array {
  const out = new Uint32Array(2 ** k);
  for (let x = 0; x < out.length; x++) out[x] = computeF1(k, seed, x);
  return out;
}
