/** Test helpers: a seeded PRNG, a naive reference root, a refcounting node store, reachability. */
import { compareBytes, toHex } from "../../../framework/codec/bytes.ts";
import { blake2_256 } from "../../../framework/crypto/index.ts";
import {
  decodeNode,
  encodeNode,
  type StateVersion,
  type TrieCommit,
  type TrieNodeData,
  type TrieNodeStore,
} from "../../../framework/trie/index.ts";

/** mulberry32: a small seeded PRNG, so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

const toNibbles = (b: Uint8Array): number[] => [...b].flatMap((x) => [x >> 4, x & 15]);

/**
 * The root of `entries` built the obvious way, straight from the format: sort, take the longest
 * common prefix as the partial key, group by next nibble, recurse, encode with `encodeNode`.
 * Independent of the persistent trie's algorithms (it shares only the node codec).
 */
export function naiveRoot(entries: Iterable<readonly [Uint8Array, Uint8Array]>, version: StateVersion): Uint8Array {
  const items = [...entries].map(([k, v]) => [toNibbles(k), v] as const);
  items.sort((a, b) => compareBytes(Uint8Array.from(a[0]), Uint8Array.from(b[0])));
  const build = (list: (readonly [number[], Uint8Array])[], d: number): Uint8Array | null => {
    if (list.length === 0) return null;
    const first = list[0]![0];
    let p = Math.min(...list.map(([k]) => k.length)) - d;
    for (const [k] of list) {
      let j = 0;
      while (j < p && k[d + j] === first[d + j]) j++;
      p = j;
    }
    const end = d + p;
    const here = list.find(([k]) => k.length === end);
    const below = list.filter(([k]) => k.length > end);
    const v = here?.[1];
    const value: TrieNodeData["value"] =
      v === undefined ? null : version === 1 && v.length >= 33 ? { hashed: true, hash: blake2_256(v) } : { hashed: false, value: v };
    const partial = Uint8Array.from(first.slice(d, end));
    if (below.length === 0) return encodeNode({ partial, value, children: null });
    const children: (Uint8Array | null)[] = [];
    for (let n = 0; n < 16; n++) {
      const enc = build(below.filter(([k]) => k[end] === n), end + 1);
      children.push(enc === null ? null : enc.length < 32 ? enc : blake2_256(enc));
    }
    return encodeNode({ partial, value, children });
  };
  return blake2_256(build(items, 0) ?? Uint8Array.of(0));
}

/** A store that counts references as `TrieCommit` documents (multiset), deleting at zero. */
export class RefcountStore implements TrieNodeStore {
  readonly nodes = new Map<string, Uint8Array>();
  readonly rc = new Map<string, number>();
  reads = 0;

  getNode(hash: Uint8Array): Uint8Array | undefined {
    this.reads++;
    return this.nodes.get(toHex(hash));
  }

  /** Writes a version. */
  add(c: TrieCommit): void {
    for (const [k, bytes] of c.inserted) {
      this.rc.set(k, (this.rc.get(k) ?? 0) + (c.insertedRefs.get(k) ?? 1));
      this.nodes.set(k, bytes);
    }
  }

  /** Applies a child's `removed` once its parent state is pruned. */
  release(c: TrieCommit): void {
    for (const k of c.removed) this.drop(k, 1);
  }

  /** Discards a version that never became canonical (undoes `add`). */
  discard(c: TrieCommit): void {
    for (const k of c.inserted.keys()) this.drop(k, c.insertedRefs.get(k) ?? 1);
  }

  private drop(k: string, n: number): void {
    const left = (this.rc.get(k) ?? 0) - n;
    if (left < 0) throw new Error(`refcount of ${k} below zero`);
    if (left === 0) {
      this.rc.delete(k);
      this.nodes.delete(k);
    } else {
      this.rc.set(k, left);
    }
  }
}

/**
 * References to stored entries in the version with `root`, counted per occurrence in the tree:
 * the root, every child held by hash, every hashed value. Reads only `nodes`.
 */
export function referenceCounts(root: Uint8Array, nodes: Map<string, Uint8Array>, emptyRoot: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  if (toHex(root) === toHex(emptyRoot)) return counts;
  const visit = (hash: Uint8Array | null, enc: Uint8Array): void => {
    if (hash !== null) counts.set(toHex(hash), (counts.get(toHex(hash)) ?? 0) + 1);
    const n = decodeNode(enc)!;
    if (n.value?.hashed) {
      const k = toHex(n.value.hash);
      if (!nodes.has(k)) throw new Error(`missing value ${k}`);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const c of n.children ?? []) {
      if (c === null) continue;
      if (c.length === 32) {
        const child = nodes.get(toHex(c));
        if (child === undefined) throw new Error(`missing node ${toHex(c)}`);
        visit(c, child);
      } else {
        visit(null, c);
      }
    }
  };
  const enc = nodes.get(toHex(root));
  if (enc === undefined) throw new Error("missing root");
  visit(root, enc);
  return counts;
}
