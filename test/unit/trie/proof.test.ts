import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import { Trie, TrieError, generateProof, proofStore, verifyProof } from "../../../framework/trie/index.ts";
import { prng, randomBytes } from "./helpers.ts";

interface ProofCase {
  name: string;
  root: string;
  nodes: string[];
  values: { key: string; value?: string | null; incomplete?: boolean }[];
  closestDescendantMerkleValue?: { prefixNibbles: string; merkleValue?: string | null; incomplete?: boolean }[];
  nextKeyAfter?: { key: string; next: string };
}
const vectors = JSON.parse(readFileSync(new URL("../../vectors/trie-proofs.json", import.meta.url), "utf8")) as { cases: ProofCase[] };

const nibbles = (hex: string): Uint8Array => Uint8Array.from([...hex], (c) => parseInt(c, 16));

function expectInvalidProof(f: () => unknown, what: string): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, what).to.be.instanceOf(TrieError);
  expect((error as TrieError).code, what).to.equal("TRIE_ERROR_INVALID_PROOF");
}

describe("storage proofs", () => {
  for (const version of [0, 1] as const) {
    it(`round-trip present and absent keys (V${version})`, () => {
      const rand = prng(10 + version);
      const entries = Array.from({ length: 400 }, (_, i) => {
        const key = i % 3 === 0 ? randomBytes(rand, 32) : Uint8Array.from([0x26, 0xaa, ...randomBytes(rand, 1 + (i % 5))]);
        return [key, randomBytes(rand, [0, 4, 32, 33, 80][i % 5]!)] as const;
      });
      const trie = Trie.fromEntries(entries, version);
      const asked = [...entries.slice(0, 20).map(([k]) => k), randomBytes(rand, 32), Uint8Array.of(0x26, 0xaa), Uint8Array.of(0x26)];
      const proof = generateProof(trie, asked);
      const got = verifyProof(trie.root, proof, asked);
      for (const k of asked) expect(got.get(toHex(k)) && toHex(got.get(toHex(k))!), toHex(k)).to.equal(trie.get(k) && toHex(trie.get(k)!));
      expect(got.get(toHex(asked[20]!))).to.equal(undefined);
      // A proof for one key proves only what lies on its path.
      const one = generateProof(trie, [asked[0]!]);
      expect(one.length).to.be.lessThan(proof.length);
      expectInvalidProof(() => verifyProof(trie.root, one, [asked[1]!]), "another key");
    });
  }

  it("rejects altered or missing nodes and values", () => {
    const rand = prng(99);
    const entries = Array.from({ length: 300 }, () => [randomBytes(rand, 32), randomBytes(rand, 60)] as const);
    const trie = Trie.fromEntries(entries, 1);
    const keys = entries.slice(0, 3).map(([k]) => k);
    const proof = generateProof(trie, keys);
    expect(verifyProof(trie.root, proof, keys).size).to.equal(3);
    for (let i = 0; i < proof.length; i++) {
      const altered = proof.map((n) => n.slice());
      altered[i]![altered[i]!.length >> 1]! ^= 1;
      expectInvalidProof(() => verifyProof(trie.root, altered, keys), `altered entry ${i}`);
      expectInvalidProof(() => verifyProof(trie.root, proof.filter((_, j) => j !== i), keys), `missing entry ${i}`);
    }
    expectInvalidProof(() => verifyProof(new Uint8Array(32).fill(3), proof, keys), "wrong root");
  });

  it("a proof from a lazily loaded trie equals the in-memory one", () => {
    const rand = prng(5);
    const entries = Array.from({ length: 300 }, () => [randomBytes(rand, 32), randomBytes(rand, 50)] as const);
    const trie = Trie.fromEntries(entries, 1);
    const keys = [entries[7]![0], randomBytes(rand, 32)];
    const proof = generateProof(trie, keys);
    const lazy = Trie.fromRoot(trie.root, proofStore(proof), 1);
    expect(generateProof(lazy, keys).map(toHex).sort()).to.deep.equal(proof.map(toHex).sort());
  });

  describe("real Substrate proofs (smoldot proof_decode tests)", () => {
    for (const c of vectors.cases) {
      it(c.name, () => {
        const proof = c.nodes.map(fromHex);
        const root = fromHex(c.root);
        for (const v of c.values) {
          if (v.incomplete) {
            expectInvalidProof(() => verifyProof(root, proof, [fromHex(v.key)]), v.key);
          } else {
            const got = verifyProof(root, proof, [fromHex(v.key)]).get(v.key);
            expect(got === undefined ? null : toHex(got), v.key).to.equal(v.value);
          }
        }
        const trie = Trie.fromRoot(root, proofStore(proof), 1);
        for (const q of c.closestDescendantMerkleValue ?? []) {
          const what = `closest descendant of ${q.prefixNibbles || "root"}`;
          if (q.incomplete) {
            expect(() => trie.closestDescendantMerkleValueNibbles(nibbles(q.prefixNibbles)), what).to.throw(TrieError);
          } else {
            const mv = trie.closestDescendantMerkleValueNibbles(nibbles(q.prefixNibbles));
            expect(mv === undefined ? null : toHex(mv), what).to.equal(q.merkleValue);
          }
        }
        if (c.nextKeyAfter !== undefined) {
          const next = trie.keys(new Uint8Array(0), fromHex(c.nextKeyAfter.key)).next();
          expect(next.done).to.equal(false);
          expect(toHex(next.value as Uint8Array)).to.equal(c.nextKeyAfter.next);
        }
        // Regenerating the proof of the proven keys from the proof itself yields the same nodes
        // Substrate put in it (for the single-key Polkadot proof: exactly them).
        const present = c.values.filter((v) => typeof v.value === "string").map((v) => fromHex(v.key));
        if (present.length > 0) {
          const again = generateProof(trie, present).map(toHex);
          for (const n of again) expect(c.nodes, "regenerated node is in the original proof").to.include(n);
          if (c.name.startsWith("polkadot")) expect(again.sort()).to.deep.equal([...c.nodes].sort());
        }
      });
    }
  });
});
