import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { G1Error, getKzg, type Kzg } from "../../../../framework/primitives/subspace/kzg/index.ts";
import { scalarFromBytes, scalarToBytes } from "../../../../framework/primitives/subspace/core/index.ts";
import { ErasureCoding, FR_MODULUS, domain } from "../../../../framework/primitives/subspace/erasure-coding/index.ts";
import { startWasmKzgWorker } from "./kzgWasmWorker.ts";

// kzg-wasm loads its setup for ≈ 15 s: started on a worker thread as this file is imported, so the
// load overlaps the rest of the run; one equivalence test below waits for it.
const wasmWorker = startWasmKzgWorker();

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

describe("Kzg (c-kzg)", () => {
  let ckzg: Kzg;
  const record = randomRecordBytes(4096);
  const values256 = Array.from({ length: 256 }, (_, i) => BigInt(i) * 0x1234567890abcdefn + 1n);

  before(async () => {
    ckzg = await getKzg({ backend: "c-kzg" });
  });

  it("getKzg prefers c-kzg and caches one instance per backend", async () => {
    expect((await getKzg()).backend).to.equal("c-kzg");
    expect(await getKzg({ backend: "c-kzg" })).to.equal(ckzg);
  });

  it("opens record polynomials at natural-order roots ω_4096^j to the j-th value", () => {
    const poly = ckzg.polyFromScalarBytes(record);
    const c = ckzg.commit(poly);
    for (const j of [0, 1, 4095]) {
      const value = record.subarray(j * 32, j * 32 + 32);
      const w = ckzg.createWitness(poly, 4096, j);
      expect(ckzg.verify(c, 4096, j, value, w), `j=${j}`).to.equal(true);
      expect(ckzg.verify(c, 4096, (j + 1) % 4096, value, w), `wrong index j=${j}`).to.equal(false);
    }
    // a poly from the same values as bigints is the same blob
    const values = Array.from({ length: 4096 }, (_, j) => scalarFromBytes(record, j * 32));
    expect(hex(ckzg.poly(values).blob)).to.equal(hex(poly.blob));
  });

  it("opens at 8,192-domain points and arbitrary points; a wrong y fails", () => {
    const poly = ckzg.polyFromScalarBytes(record);
    const c = ckzg.commit(poly);
    const z = 123456789n;
    const o = ckzg.openAt(poly, z);
    expect(ckzg.verifyAt(c, z, o.y, o.proof)).to.equal(true);
    expect(ckzg.verifyAt(c, z, scalarToBytes((scalarFromBytes(o.y) + 1n) % FR_MODULUS), o.proof), "wrong y").to.equal(false);
    // odd s-bucket of the 8,192 domain: the opening's y is the value there
    const w = ckzg.createWitness(poly, 8192, 33);
    const at = ckzg.openAt(poly, domain(8192).roots[33]!);
    expect(hex(at.proof)).to.equal(hex(w));
    expect(ckzg.verify(c, 8192, 33, at.y, w)).to.equal(true);
  });

  it("commits and opens 256-value polynomials (segment commitments)", () => {
    const pc = ckzg.poly(values256);
    const c = ckzg.commit(pc);
    const w = ckzg.createWitness(pc, 256, 7);
    expect(ckzg.verify(c, 256, 7, scalarToBytes(values256[7]!), w)).to.equal(true);
    expect(ckzg.verify(c, 256, 8, scalarToBytes(values256[7]!), w), "index").to.equal(false);
    expect(ckzg.verifyBatch([{ commitment: c, numValues: 256, index: 7, value: scalarToBytes(values256[7]!), witness: w }])).to.equal(true);
    // values at the 256-domain are the polynomial's values at ω_4096^(16i)
    expect(domain(4096).roots[16 * 7]).to.equal(domain(256).roots[7]);
  });

  it("extends source-record commitments in G1 to exactly the commitments of the parity records", () => {
    // 8 source records → 8 parity records column by column (das_fft_extension), all committed
    // directly; the G1 extension of the 8 source commitments must give the 8 parity commitments.
    const n = 8;
    const ec = new ErasureCoding(4);
    const source = Array.from({ length: n }, () => randomRecordBytes(4096));
    const parity = Array.from({ length: n }, () => new Uint8Array(4096 * 32));
    const column = new Uint8Array(n * 32);
    for (let j = 0; j < 4096; j++) {
      source.forEach((r, i) => column.set(r.subarray(j * 32, j * 32 + 32), i * 32));
      const ext = ec.extendBytes(column);
      parity.forEach((r, i) => r.set(ext.subarray(i * 32, i * 32 + 32), j * 32));
    }
    const commit = (r: Uint8Array): Uint8Array => ckzg.commit(ckzg.polyFromScalarBytes(r));
    const extended = ckzg.extendCommitments(source.map(commit));
    expect(extended.map(hex)).to.deep.equal(parity.map((r) => hex(commit(r))));
    // the identity (a zero record) extends to identities
    const zero = commit(new Uint8Array(4096 * 32));
    expect(ckzg.extendCommitments([zero, zero]).map(hex)).to.deep.equal([hex(zero), hex(zero)]);
    expect(() => ckzg.extendCommitments([new Uint8Array(48).fill(0xff), zero])).to.throw(G1Error);
  });

  it("returns false (never throws) for malformed commitments, witnesses and values", () => {
    const poly = ckzg.polyFromScalarBytes(record);
    const c = ckzg.commit(poly);
    const w = ckzg.createWitness(poly, 4096, 3);
    const v = record.subarray(96, 128);
    for (const [what, args] of malformedCases(c, w, v)) expect(ckzg.verify(...args), what).to.equal(false);
    expect(() => ckzg.polyFromScalarBytes(new Uint8Array(4096 * 32).fill(0xff))).to.throw(/canonical/);
  });

  it("kzg-wasm gives identical commitments, proofs and verdicts (worker thread)", async function () {
    this.timeout(180_000); // waits for the worker's setup load if it has not finished yet
    const poly = ckzg.polyFromScalarBytes(record);
    const c = ckzg.commit(poly);
    const seg = ckzg.poly(values256);
    const sc = ckzg.commit(seg);
    const z = 123456789n;
    const open = ckzg.openAt(poly, z);
    const w256 = ckzg.createWitness(seg, 256, 7);
    const v7 = scalarToBytes(values256[7]!);
    const wrongY = scalarToBytes((scalarFromBytes(open.y) + 1n) % FR_MODULUS);
    await wasmWorker.ready;
    expect(await wasmWorker.call({ op: "backend" })).to.equal("kzg-wasm");
    expect(hex(await wasmWorker.call<Uint8Array>({ op: "commit", blob: poly.blob })), "record commitment").to.equal(hex(c));
    expect(hex(await wasmWorker.call<Uint8Array>({ op: "commit", blob: seg.blob })), "segment commitment").to.equal(hex(sc));
    // in-domain (4,096 and 256), odd s-bucket of the 8,192 domain, and an arbitrary point
    for (const [p, n, i] of [[poly, 4096, 5], [poly, 8192, 33], [seg, 256, 7]] as const) {
      const got = await wasmWorker.call<Uint8Array>({ op: "witness", blob: p.blob, numValues: n, index: i });
      expect(hex(got), `proof ${n}/${i}`).to.equal(hex(ckzg.createWitness(p, n, i)));
    }
    const o = await wasmWorker.call<{ proof: Uint8Array; y: Uint8Array }>({ op: "openAt", blob: poly.blob, z });
    expect(hex(o.proof)).to.equal(hex(open.proof));
    expect(hex(o.y)).to.equal(hex(open.y));
    const verdicts: [string, boolean, Promise<boolean>][] = [
      ["verifyAt", true, wasmWorker.call({ op: "verifyAt", commitment: c, z, y: open.y, proof: open.proof })],
      ["verifyAt wrong y", false, wasmWorker.call({ op: "verifyAt", commitment: c, z, y: wrongY, proof: open.proof })],
      ["verify 256/7", true, wasmWorker.call({ op: "verify", commitment: sc, numValues: 256, index: 7, value: v7, witness: w256 })],
      ["verify 256/8", false, wasmWorker.call({ op: "verify", commitment: sc, numValues: 256, index: 8, value: v7, witness: w256 })],
      ["verifyBatch", true, wasmWorker.call({ op: "verifyBatch", items: [{ commitment: sc, numValues: 256, index: 7, value: v7, witness: w256 }] })],
    ];
    const w3 = ckzg.createWitness(poly, 4096, 3);
    for (const [what, [commitment, numValues, index, value, witness]] of malformedCases(c, w3, record.subarray(96, 128))) {
      verdicts.push([what, false, wasmWorker.call({ op: "verify", commitment, numValues, index, value, witness })]);
    }
    for (const [what, expected, got] of verdicts) expect(await got, what).to.equal(expected);
  });
});

/** Inputs that are not a valid opening: an invalid point, a non-canonical value, a bad index or length. */
function malformedCases(c: Uint8Array, w: Uint8Array, v: Uint8Array): [string, [Uint8Array, number, number, Uint8Array, Uint8Array]][] {
  const badPoint = new Uint8Array(48).fill(0xff);
  const nonCanonical = new Uint8Array(32).fill(0xff);
  return [
    ["commitment", [badPoint, 4096, 3, v, w]],
    ["witness", [c, 4096, 3, v, badPoint]],
    ["value", [c, 4096, 3, nonCanonical, w]],
    ["index", [c, 4096, 4096, v, w]],
    ["length", [c.subarray(1), 4096, 3, v, w]],
  ];
}
