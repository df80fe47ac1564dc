import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { getKzg, type Kzg } from "../../../../framework/primitives/subspace/kzg/index.ts";
import { scalarFromBytes, scalarToBytes } from "../../../../framework/primitives/subspace/core/index.ts";
import { domain } from "../../../../framework/primitives/subspace/erasure-coding/index.ts";

const vectors = JSON.parse(readFileSync(new URL("../../../vectors/subspace-archiving.json", import.meta.url), "utf8"));
const require = createRequire(import.meta.url);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function randomRecordBytes(n: number): Uint8Array {
  const out = new Uint8Array(n * 32);
  for (let j = 0; j < n; j++) out.set(randomBytes(31), j * 32 + 1);
  return out;
}

describe("KZG trusted setups shipped with c-kzg and kzg-wasm", () => {
  it("are the same EIP-4844 mainnet setup", async () => {
    const txt = readFileSync(require.resolve("c-kzg/deps/c-kzg/trusted_setup.txt"), "utf8").trim().split("\n");
    const [n1, n2] = [Number(txt[0]), Number(txt[1])];
    expect(n1).to.equal(vectors.trustedSetup.numG1);
    expect(n2).to.equal(vectors.trustedSetup.numG2);
    const lagrange = txt.slice(2, 2 + n1).join("");
    const g2 = txt.slice(2 + n1, 2 + n1 + n2).join("");
    const monomial = txt.slice(2 + n1 + n2, 2 + 2 * n1 + n2).join("");
    expect(txt[2]).to.equal(vectors.trustedSetup.firstG1Lagrange);
    const setupFile = join(dirname(require.resolve("kzg-wasm")), "..", "esm", "trustedSetup.js");
    const wasmSetup = (await import(pathToFileURL(setupFile).href)).default as Record<string, string>;
    expect(wasmSetup.g1_lagrange === lagrange, "g1_lagrange").to.equal(true);
    expect(wasmSetup.g2_monomial === g2, "g2_monomial").to.equal(true);
    expect(wasmSetup.g1_monomial === monomial, "g1_monomial").to.equal(true);
  });
});

describe("Kzg (c-kzg and kzg-wasm)", function () {
  this.timeout(120_000);
  let ckzg: Kzg;
  let wasm: Kzg;
  const record = randomRecordBytes(4096);

  before(async () => {
    // kzg-wasm's setup load takes ≈ 15 s: loaded once for the whole describe.
    [ckzg, wasm] = await Promise.all([getKzg({ backend: "c-kzg" }), getKzg({ backend: "kzg-wasm" })]);
  });

  it("getKzg prefers c-kzg and caches one instance per backend", async () => {
    expect((await getKzg()).backend).to.equal("c-kzg");
    expect(await getKzg({ backend: "c-kzg" })).to.equal(ckzg);
    expect(wasm.backend).to.equal("kzg-wasm");
  });

  it("opens record polynomials at natural-order roots ω_4096^j to the j-th value", () => {
    const poly = ckzg.polyFromScalarBytes(record);
    const c = ckzg.commit(poly);
    for (const j of [0, 1, 17, 4095]) {
      const value = record.subarray(j * 32, j * 32 + 32);
      const w = ckzg.createWitness(poly, 4096, j);
      expect(ckzg.verify(c, 4096, j, value, w), `j=${j}`).to.equal(true);
      expect(ckzg.verify(c, 4096, (j + 1) % 4096, value, w), `wrong index j=${j}`).to.equal(false);
    }
    // a poly from the same values as bigints is the same blob
    const values = Array.from({ length: 4096 }, (_, j) => scalarFromBytes(record, j * 32));
    expect(hex(ckzg.poly(values).blob)).to.equal(hex(poly.blob));
  });

  it("gives identical commitments, proofs and verdicts on both backends", () => {
    const poly = ckzg.polyFromScalarBytes(record);
    const cc = ckzg.commit(poly);
    const cw = wasm.commit(wasm.polyFromScalarBytes(record));
    expect(hex(cw)).to.equal(hex(cc));
    // in-domain (4,096), odd s-bucket of the 8,192 domain, and an arbitrary point
    const points: [number, number][] = [[4096, 5], [8192, 33]];
    for (const [n, i] of points) {
      const a = ckzg.createWitness(poly, n, i);
      const b = wasm.createWitness(poly, n, i);
      expect(hex(b), `proof ${n}/${i}`).to.equal(hex(a));
    }
    const z = 123456789n;
    const oc = ckzg.openAt(poly, z);
    const ow = wasm.openAt(poly, z);
    expect(hex(ow.proof)).to.equal(hex(oc.proof));
    expect(hex(ow.y)).to.equal(hex(oc.y));
    for (const k of [ckzg, wasm]) {
      expect(k.verifyAt(cc, z, oc.y, oc.proof), k.backend).to.equal(true);
      const wrongY = scalarToBytes((scalarFromBytes(oc.y) + 1n) % 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n);
      expect(k.verifyAt(cc, z, wrongY, oc.proof), `${k.backend} wrong y`).to.equal(false);
    }
  });

  it("commits and opens 256-value polynomials (segment commitments) identically", () => {
    const values = Array.from({ length: 256 }, (_, i) => BigInt(i) * 0x1234567890abcdefn + 1n);
    const pc = ckzg.poly(values);
    const c = ckzg.commit(pc);
    expect(hex(wasm.commit(wasm.poly(values)))).to.equal(hex(c));
    const w = ckzg.createWitness(pc, 256, 7);
    expect(hex(wasm.createWitness(pc, 256, 7))).to.equal(hex(w));
    for (const k of [ckzg, wasm]) {
      expect(k.verify(c, 256, 7, scalarToBytes(values[7]!), w), k.backend).to.equal(true);
      expect(k.verify(c, 256, 8, scalarToBytes(values[7]!), w), `${k.backend} index`).to.equal(false);
      expect(k.verifyBatch([{ commitment: c, numValues: 256, index: 7, value: scalarToBytes(values[7]!), witness: w }])).to.equal(true);
    }
    // values at the 256-domain are the polynomial's values at ω_4096^(16i)
    expect(domain(4096).roots[16 * 7]).to.equal(domain(256).roots[7]);
  });

  it("returns false (never throws) for malformed commitments, witnesses and values", () => {
    const poly = ckzg.polyFromScalarBytes(record);
    const c = ckzg.commit(poly);
    const w = ckzg.createWitness(poly, 4096, 3);
    const v = record.subarray(96, 128);
    const badPoint = new Uint8Array(48).fill(0xff);
    const nonCanonical = new Uint8Array(32).fill(0xff);
    for (const k of [ckzg, wasm]) {
      expect(k.verify(badPoint, 4096, 3, v, w), `${k.backend} commitment`).to.equal(false);
      expect(k.verify(c, 4096, 3, v, badPoint), `${k.backend} witness`).to.equal(false);
      expect(k.verify(c, 4096, 3, nonCanonical, w), `${k.backend} value`).to.equal(false);
      expect(k.verify(c, 4096, 4096, v, w), `${k.backend} index`).to.equal(false);
      expect(k.verify(c.subarray(1), 4096, 3, v, w), `${k.backend} length`).to.equal(false);
    }
    expect(() => ckzg.polyFromScalarBytes(new Uint8Array(4096 * 32).fill(0xff))).to.throw(/canonical/);
  });
});
