import { expect } from "chai";
import { readFileSync } from "node:fs";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import { blake2_256 } from "../../../framework/crypto/index.ts";
import {
  EMPTY_TRIE_ROOT,
  TrieError,
  decodeNode,
  encodeNode,
  type TrieNodeData,
} from "../../../framework/trie/index.ts";

interface ProofCase {
  name: string;
  root: string;
  nodes: string[];
}
const proofVectors = JSON.parse(readFileSync(new URL("../../vectors/trie-proofs.json", import.meta.url), "utf8")) as {
  cases: ProofCase[];
};

const nibbles = (n: number, f = (i: number) => i % 16): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i));
const leaf = (partial: Uint8Array, value: Uint8Array): TrieNodeData => ({ partial, value: { hashed: false, value }, children: null });

describe("trie NodeCodec", () => {
  it("encodes the sp-trie single-tuple leaf (0x42aa04bb)", () => {
    // codec_trie_single_tuple: key 0xaa, value 0xbb: leaf header 0x40|2, partial aa, Compact(1), bb.
    expect(toHex(encodeNode(leaf(Uint8Array.from([10, 10]), Uint8Array.from([0xbb]))))).to.equal("0x42aa04bb");
  });

  it("encodes the sp-trie two-disjoint-keys branch", () => {
    const c1 = encodeNode(leaf(Uint8Array.from([3, 1, 4]), Uint8Array.from([0xff])));
    const c4 = encodeNode(leaf(Uint8Array.from([8, 1, 9]), Uint8Array.from([0xfe])));
    const children: (Uint8Array | null)[] = Array(16).fill(null);
    children[1] = c1;
    children[4] = c4;
    const root = encodeNode({ partial: new Uint8Array(0), value: null, children });
    expect(toHex(root)).to.equal("0x8012001443031404ff1443081904fe");
  });

  it("the empty node is 0x00 and hashes to the empty root", () => {
    expect(toHex(encodeNode(null))).to.equal("0x00");
    expect(decodeNode(fromHex("0x00"))).to.equal(null);
    expect(toHex(blake2_256(encodeNode(null)))).to.equal(toHex(EMPTY_TRIE_ROOT));
    expect(toHex(EMPTY_TRIE_ROOT)).to.equal("0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314");
  });

  // Header bytes derived from sp-trie node_header.rs `size_and_prefix_iterator`: the low bits hold
  // min(n, max); at max, n - max follows as 255-runs ending with a byte below 255.
  const headerCases: [string, number, string][] = [
    ["leaf", 62, "7e"],
    ["leaf", 63, "7f00"],
    ["leaf", 64, "7f01"],
    ["leaf", 63 + 254, "7ffe"],
    ["leaf", 63 + 255, "7fff00"],
    ["leaf", 63 + 256, "7fff01"],
    ["hashedLeaf", 30, "3e"],
    ["hashedLeaf", 31, "3f00"],
    ["hashedLeaf", 32, "3f01"],
    ["hashedBranch", 14, "1e"],
    ["hashedBranch", 15, "1f00"],
    ["hashedBranch", 16 + 255, "1fff01"],
    ["branch", 63, "bf00"],
    ["branchValue", 64, "ff01"],
  ];
  for (const [kind, n, header] of headerCases) {
    it(`${kind} with ${n} nibbles starts with 0x${header} and round-trips`, () => {
      const partial = nibbles(n, (i) => (i * 7 + 3) % 16);
      const kids: (Uint8Array | null)[] = Array(16).fill(null);
      kids[3] = new Uint8Array(32).fill(9);
      const node: TrieNodeData =
        kind === "leaf" ? leaf(partial, Uint8Array.from([1, 2]))
        : kind === "hashedLeaf" ? { partial, value: { hashed: true, hash: new Uint8Array(32).fill(5) }, children: null }
        : kind === "hashedBranch" ? { partial, value: { hashed: true, hash: new Uint8Array(32).fill(5) }, children: kids }
        : kind === "branch" ? { partial, value: null, children: kids }
        : { partial, value: { hashed: false, value: Uint8Array.from([7]) }, children: kids };
      const enc = encodeNode(node);
      expect(toHex(enc).slice(2, 2 + header.length)).to.equal(header);
      // Odd counts put the first nibble alone in the low half of the first partial byte.
      const p0 = enc[header.length / 2]!;
      expect(p0).to.equal(n & 1 ? partial[0]! : (partial[0]! << 4) | partial[1]!);
      expect(decodeNode(enc)).to.deep.equal(node);
    });
  }

  it("uses multi-byte compact lengths for long inline values", () => {
    for (const len of [63, 64, 16383, 16384]) {
      const enc = encodeNode(leaf(new Uint8Array(0), new Uint8Array(len).fill(1)));
      expect(decodeNode(enc)!.value).to.deep.equal({ hashed: false, value: new Uint8Array(len).fill(1) }, `len ${len}`);
      expect(enc.length).to.equal(1 + (len < 64 ? 1 : len < 16384 ? 2 : 4) + len);
    }
  });

  it("decodes and re-encodes every node of real Substrate proofs byte for byte (V0 and V1 nodes)", () => {
    let count = 0;
    let hashedValues = 0;
    let values = 0;
    for (const c of proofVectors.cases) {
      // A V1 proof also carries raw values, referenced by hash from hashed-value nodes.
      const valueHashes = new Set<string>();
      for (const hex of c.nodes) {
        try {
          const n = decodeNode(fromHex(hex));
          if (n?.value?.hashed) valueHashes.add(toHex(n.value.hash));
        } catch {
          // a raw value
        }
      }
      for (const hex of c.nodes) {
        const bytes = fromHex(hex);
        if (valueHashes.has(toHex(blake2_256(bytes)))) {
          values++;
          continue;
        }
        const node = decodeNode(bytes);
        if (node === null) continue;
        if (node.value?.hashed) hashedValues++;
        expect(toHex(encodeNode(node)), `${c.name} node ${hex.slice(0, 20)}`).to.equal(hex);
        count++;
      }
    }
    expect(count + values).to.equal(proofVectors.cases.reduce((s, c) => s + c.nodes.length, 0));
    expect(values, "raw values in V1 proofs").to.be.greaterThan(0);
    expect(hashedValues, "V1 hashed-value nodes exercised").to.be.greaterThan(10);
  });

  const invalid: [string, string][] = [
    ["unallowed header 0b0000_1xxx", "0x08"],
    ["truncated partial", "0x44aa"],
    ["bad padding nibble", "0x41f104bb"],
    ["branch without children", "0x800000"],
    ["trailing bytes", "0x42aa04bb00"],
    ["trailing bytes after the empty node", "0x0000"],
    ["non-canonical compact length", "0x42aa0500bb"],
    ["truncated value", "0x42aa08bb"],
    ["inline child longer than 32 bytes", "0x80010084" + "00".repeat(33)],
    ["truncated hashed value", "0x22aa" + "11".repeat(31)],
    ["empty input", "0x"],
  ];
  for (const [what, hex] of invalid) {
    it(`rejects ${what}`, () => {
      expect(() => decodeNode(fromHex(hex))).to.throw(TrieError).with.property("code", "TRIE_ERROR_INVALID_NODE");
    });
  }
});
