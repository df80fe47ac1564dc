import { expect } from "chai";
import { readFileSync } from "node:fs";
import { compareBytes, fromHex, startsWith, toHex, utf8 } from "../../../framework/codec/bytes.ts";
import {
  EMPTY_TRIE_ROOT,
  Trie,
  TrieError,
  encodeCompactU32,
  orderedTrieRoot,
  type StateVersion,
  type TrieCommit,
} from "../../../framework/trie/index.ts";
import { RefcountStore, naiveRoot, prng, randomBytes, referenceCounts } from "./helpers.ts";

interface VectorCase {
  name: string;
  version: StateVersion;
  pairs?: [string, string][];
  pairsUtf8?: [string, string][];
  root?: string;
  rootNodeEncoding?: string;
}
const vectors = JSON.parse(readFileSync(new URL("../../vectors/trie.json", import.meta.url), "utf8")) as { cases: VectorCase[] };

type Model = Map<string, Uint8Array>;

const entriesOf = (m: Model): [Uint8Array, Uint8Array][] => [...m].map(([k, v]) => [fromHex(k), v]);
const sortedKeys = (m: Model): string[] => [...m.keys()].map(fromHex).sort(compareBytes).map(toHex);

const BASES = [0, 1, 2].map((i) => randomBytes(prng(i), 40));

/**
 * Keys that are prefixes of each other (empty key included), short keys from a tiny alphabet,
 * random 32-byte keys, and storage-like keys: long shared prefixes diverging at any nibble.
 */
function randomKey(rand: () => number): Uint8Array {
  const r = rand();
  if (r < 0.15) return randomBytes(rand, 32);
  if (r < 0.5) {
    const base = BASES[Math.floor(rand() * BASES.length)]!;
    const k = Uint8Array.from([...base.subarray(0, Math.floor(rand() * 41)), ...randomBytes(rand, Math.floor(rand() * 3))]);
    if (k.length > 0 && rand() < 0.7) k[Math.floor(rand() * k.length)]! ^= rand() < 0.5 ? 0x01 : 0x10;
    return k;
  }
  const alphabet = [0x00, 0x01, 0x10, 0x11, 0xff, 0xf0];
  const len = Math.floor(rand() * 5);
  return Uint8Array.from({ length: len }, () => alphabet[Math.floor(rand() * alphabet.length)]!);
}

const VALUE_POOL = [0, 1, 31, 32, 33, 34, 80].map((len, i) => new Uint8Array(len).fill(i + 1));
/** Values around the V1 threshold, often identical (shared value nodes), sometimes empty. */
function randomValue(rand: () => number): Uint8Array {
  if (rand() < 0.5) return VALUE_POOL[Math.floor(rand() * VALUE_POOL.length)]!;
  return randomBytes(rand, [0, 1, 5, 31, 32, 33, 40, 100][Math.floor(rand() * 8)]!);
}

function randomChanges(rand: () => number, model: Model, size: number): Map<string, Uint8Array | null> {
  const changes = new Map<string, Uint8Array | null>();
  const existing = [...model.keys()];
  for (let i = 0; i < size; i++) {
    const r = rand();
    if (r < 0.35 && existing.length > 0) changes.set(existing[Math.floor(rand() * existing.length)]!, null);
    else if (r < 0.5 && existing.length > 0) changes.set(existing[Math.floor(rand() * existing.length)]!, randomValue(rand));
    else changes.set(toHex(randomKey(rand)), r < 0.55 ? null : randomValue(rand));
  }
  return changes;
}

function applyToModel(model: Model, changes: Map<string, Uint8Array | null>): Model {
  const next = new Map(model);
  for (const [k, v] of changes) {
    if (v === null) next.delete(k);
    else next.set(k, v);
  }
  return next;
}

function expectSameContent(trie: Trie, model: Model, what: string): void {
  for (const [k, v] of model) expect(toHex(trie.get(fromHex(k))!), `${what}: get ${k}`).to.equal(toHex(v));
  expect([...trie.keys()].map(toHex), `${what}: keys`).to.deep.equal(sortedKeys(model));
}

describe("Trie", () => {
  describe("known roots", () => {
    for (const c of vectors.cases) {
      it(`${c.name} (V${c.version})`, () => {
        const pairs = c.pairs ? c.pairs.map(([k, v]) => [fromHex(k), fromHex(v)] as const) : c.pairsUtf8!.map(([k, v]) => [utf8(k), utf8(v)] as const);
        const trie = Trie.fromEntries(pairs, c.version);
        if (c.root !== undefined) expect(toHex(trie.root)).to.equal(c.root);
        if (c.rootNodeEncoding !== undefined) {
          const commit = trie.commit();
          expect(toHex(commit.inserted.get(toHex(trie.root))!)).to.equal(c.rootNodeEncoding);
        }
        expect(toHex(naiveRoot(pairs, c.version)), "naive reference agrees").to.equal(toHex(trie.root));
      });
    }

    it("empty trie root is 0x03170a2e…1314 in both versions", () => {
      expect(toHex(Trie.empty(0).root)).to.equal("0x03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314");
      expect(toHex(Trie.empty(1).root)).to.equal(toHex(EMPTY_TRIE_ROOT));
    });

    it("V1 hashes values of 33 bytes and more, V0 never", () => {
      for (const len of [32, 33]) {
        const e = [[Uint8Array.of(1, 2), new Uint8Array(len).fill(7)] as const];
        const v1 = Trie.fromEntries(e, 1).commit();
        const v0 = Trie.fromEntries(e, 0).commit();
        expect(v1.inserted.size, `V1 len ${len}: root node (+ value node)`).to.equal(len >= 33 ? 2 : 1);
        expect(v0.inserted.size, `V0 len ${len}`).to.equal(1);
        expect(toHex(v1.root)).to.equal(toHex(naiveRoot(e, 1)));
        if (len === 32) expect(toHex(v1.root), "below threshold both agree").to.equal(toHex(v0.root));
        else expect(toHex(v1.root)).to.not.equal(toHex(v0.root));
      }
    });
  });

  describe("orderedTrieRoot", () => {
    for (const version of [0, 1] as const) {
      it(`keys are Compact<u32>(index) (V${version}), across the 1- and 2-byte compact boundary`, () => {
        const rand = prng(7 + version);
        for (const n of [0, 1, 2, 63, 64, 65, 200]) {
          const values = Array.from({ length: n }, () => randomBytes(rand, Math.floor(rand() * 60)));
          const expected = naiveRoot(values.map((v, i) => [encodeCompactU32(i), v] as const), version);
          expect(toHex(orderedTrieRoot(values, version)), `n=${n}`).to.equal(toHex(expected));
        }
      });
    }
  });

  describe("incremental roots", () => {
    for (const version of [0, 1] as const) {
      it(`equal the from-scratch and naive roots over random change sets (V${version})`, () => {
        const rand = prng(1000 + version);
        let model: Model = new Map();
        let trie = Trie.empty(version);
        const history: [Trie, Model, string][] = [];
        for (let round = 0; round < 60; round++) {
          const changes = randomChanges(rand, model, 1 + Math.floor(rand() * 25));
          trie = trie.apply(changes);
          model = applyToModel(model, changes);
          const scratch = Trie.fromEntries(entriesOf(model), version);
          expect(toHex(trie.root), `round ${round}`).to.equal(toHex(scratch.root));
          expect(toHex(trie.root), `round ${round} naive`).to.equal(toHex(naiveRoot(entriesOf(model), version)));
          expectSameContent(trie, model, `round ${round}`);
          for (let j = 0; j < 5; j++) {
            const k = randomKey(rand);
            expect(trie.get(k) === undefined, `absent/present ${toHex(k)}`).to.equal(!model.has(toHex(k)));
          }
          history.push([trie, model, toHex(trie.root)]);
        }
        // Old versions are untouched by later ones.
        for (const [t, m, root] of history) {
          expect(toHex(t.root)).to.equal(root);
          expectSameContent(t, m, `old version ${root}`);
        }
      });
    }

    it("deleting every key returns to the empty root", () => {
      const rand = prng(5);
      const keys = Array.from({ length: 200 }, () => randomKey(rand));
      let trie = Trie.fromEntries(keys.map((k) => [k, randomValue(rand)] as const), 1);
      for (let i = 0; i < keys.length; i += 17) trie = trie.apply(keys.slice(i, i + 17).map((k) => [k, null] as const));
      expect(toHex(trie.root)).to.equal(toHex(EMPTY_TRIE_ROOT));
      expect(trie.isEmpty).to.equal(true);
      expect([...trie.keys()]).to.deep.equal([]);
    });

    it("keeps the empty key and empty values apart from absence", () => {
      const t = Trie.fromEntries([[new Uint8Array(0), new Uint8Array(0)], [Uint8Array.of(1), new Uint8Array(0)]], 0);
      expect(t.get(new Uint8Array(0))).to.deep.equal(new Uint8Array(0));
      expect(t.get(Uint8Array.of(1))).to.deep.equal(new Uint8Array(0));
      expect(t.get(Uint8Array.of(2))).to.equal(undefined);
      expect(toHex(t.root)).to.equal(toHex(naiveRoot([[new Uint8Array(0), new Uint8Array(0)], [Uint8Array.of(1), new Uint8Array(0)]], 0)));
    });

    it("a change set that changes nothing keeps the root and commits nothing", () => {
      const a = Trie.fromEntries([[Uint8Array.of(1), Uint8Array.of(2)]], 1);
      const b = a.apply([[Uint8Array.of(1), Uint8Array.of(2)], [Uint8Array.of(9), null]]);
      expect(toHex(b.root)).to.equal(toHex(a.root));
      const c = b.commit();
      expect(c.inserted.size).to.equal(0);
      expect(c.removed).to.deep.equal([]);
    });

    it("handles values larger than the hashing scratch (16 KiB) in leaves and branches", () => {
      for (const version of [0, 1] as const) {
        const big = Uint8Array.from({ length: 40_000 }, (_, i) => i & 255);
        const entries = [
          [Uint8Array.of(1), big],
          [Uint8Array.of(1, 2), big.subarray(0, 20_000)],
          [Uint8Array.of(1, 3), Uint8Array.of(9)],
          [Uint8Array.of(7), big.subarray(5, 17_000)],
        ] as const;
        const t = Trie.fromEntries(entries, version);
        expect(toHex(t.root), `V${version}`).to.equal(toHex(naiveRoot(entries, version)));
        const store = new RefcountStore();
        store.add(t.commit());
        const lazy = Trie.fromRoot(t.root, store, version);
        for (const [k, v] of entries) expect(lazy.get(k)!.length, `V${version} ${toHex(k)}`).to.equal(v.length);
        const t2 = lazy.apply([[Uint8Array.of(1, 2, 3), big]]);
        expect(toHex(t2.root)).to.equal(toHex(naiveRoot([...entries, [Uint8Array.of(1, 2, 3), big]], version)));
      }
    });

    it("accepts hex string keys", () => {
      const t = Trie.fromEntries(new Map([["0xaa", Uint8Array.of(0xbb)]]), 0);
      expect(toHex(t.get(Uint8Array.of(0xaa))!)).to.equal("0xbb");
    });
  });

  describe("iteration", () => {
    it("keys(prefix, startAfter) and entries() match a sorted filter of the model", () => {
      const rand = prng(42);
      const model: Model = new Map();
      for (let i = 0; i < 300; i++) model.set(toHex(randomKey(rand)), randomValue(rand));
      const trie = Trie.fromEntries(entriesOf(model), 1);
      const all = sortedKeys(model).map(fromHex);
      const probes: Uint8Array[] = [new Uint8Array(0), ...all.slice(0, 40), ...Array.from({ length: 40 }, () => randomKey(rand))];
      for (const prefix of probes.slice(0, 30)) {
        const p = prefix.subarray(0, Math.floor(rand() * (prefix.length + 1)));
        for (const after of [undefined, ...probes.slice(0, 25)]) {
          const expected = all.filter((k) => startsWith(k, p) && (after === undefined || compareBytes(k, after) > 0)).map(toHex);
          const got = [...trie.keys(p, after)].map(toHex);
          expect(got, `prefix ${toHex(p)} after ${after && toHex(after)}`).to.deep.equal(expected);
        }
      }
      const entries = [...trie.entries()];
      expect(entries.map(([k]) => toHex(k))).to.deep.equal(sortedKeys(model));
      for (const [k, v] of entries) expect(toHex(v)).to.equal(toHex(model.get(toHex(k))!));
    });

    it("stops early without visiting the rest (paged reads)", () => {
      const trie = Trie.fromEntries(Array.from({ length: 1000 }, (_, i) => [Uint8Array.of(i >> 8, i & 255), Uint8Array.of(1)] as const), 0);
      const page: string[] = [];
      for (const k of trie.keys(new Uint8Array(0), Uint8Array.of(1, 200))) {
        page.push(toHex(k));
        if (page.length === 3) break;
      }
      expect(page).to.deep.equal(["0x01c9", "0x01ca", "0x01cb"]);
    });
  });

  describe("lazy loading and commits", () => {
    for (const version of [0, 1] as const) {
      it(`a version loaded from a refcounted store reads, iterates and changes like the in-memory one (V${version})`, () => {
        const rand = prng(77 + version);
        const store = new RefcountStore();
        let model: Model = new Map();
        let mem = Trie.empty(version);
        store.add(mem.commit());
        for (let round = 0; round < 25; round++) {
          const changes = randomChanges(rand, model, 1 + Math.floor(rand() * 30));
          // Apply the same changes to a version loaded from the store and to the in-memory one.
          const lazy = Trie.fromRoot(mem.root, store, version).apply(changes);
          mem = mem.apply(changes);
          model = applyToModel(model, changes);
          expect(toHex(lazy.root), `round ${round}`).to.equal(toHex(mem.root));
          const c = mem.commit();
          const lc = lazy.commit();
          expect(toHex(lc.root)).to.equal(toHex(c.root));
          store.add(c);
          const fresh = Trie.fromRoot(mem.root, store, version);
          expectSameContent(fresh, model, `round ${round} lazy`);
          expect(toHex(fresh.root)).to.equal(toHex(mem.root));
        }
      });
    }

    it("a lazy trie reads only the nodes on the path", () => {
      const rand = prng(3);
      const entries = Array.from({ length: 5000 }, () => [randomBytes(rand, 32), randomBytes(rand, 40)] as const);
      const t = Trie.fromEntries(entries, 1);
      const store = new RefcountStore();
      store.add(t.commit());
      const lazy = Trie.fromRoot(t.root, store, 1);
      store.reads = 0;
      expect(toHex(lazy.get(entries[123]![0])!)).to.equal(toHex(entries[123]![1]));
      expect(store.reads).to.be.within(3, 8); // ~4 nodes deep plus the hashed value
    });

    it("a missing node throws TRIE_ERROR_INCOMPLETE_DATABASE", () => {
      const t = Trie.fromEntries(Array.from({ length: 50 }, (_, i) => [Uint8Array.of(i), new Uint8Array(40).fill(i)] as const), 0);
      const store = new RefcountStore();
      store.add(t.commit());
      const victim = [...store.nodes.keys()].find((k) => k !== toHex(t.root))!;
      store.nodes.delete(victim);
      const lazy = Trie.fromRoot(t.root, store, 0);
      let error: unknown;
      try {
        for (let i = 0; i < 50; i++) lazy.get(Uint8Array.of(i));
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TrieError);
      expect((error as TrieError).code).to.equal("TRIE_ERROR_INCOMPLETE_DATABASE");
      expect(toHex((error as TrieError).hash!)).to.equal(victim);
      expect(() => Trie.fromRoot(new Uint8Array(32).fill(1), store, 0).get(Uint8Array.of(1))).to.throw(TrieError);
    });

    for (const version of [0, 1] as const) {
      it(`commits keep every live version readable and prune to exactly the last state (V${version}, forks, duplicate nodes)`, () => {
        const rand = prng(900 + version);
        const store = new RefcountStore();
        // Few distinct values and keys with shared suffixes, so identical nodes and values recur.
        const vals = [Uint8Array.of(1), new Uint8Array(40).fill(2), new Uint8Array(40).fill(3), new Uint8Array(80).fill(4)];
        const key = (): Uint8Array => Uint8Array.of([0x10, 0x20, 0x30][Math.floor(rand() * 3)]!, Math.floor(rand() * 24), 0xab);
        const change = (model: Model): Map<string, Uint8Array | null> => {
          const ch = new Map<string, Uint8Array | null>();
          for (let i = 0; i < 6; i++) {
            const k = rand() < 0.3 && model.size > 0 ? [...model.keys()][Math.floor(rand() * model.size)]! : toHex(key());
            ch.set(k, rand() < 0.3 ? null : vals[Math.floor(rand() * vals.length)]!);
          }
          return ch;
        };
        type Version = { trie: Trie; model: Model; commit: TrieCommit };
        const genesisTrie = Trie.empty(version).apply(new Map([[toHex(key()), vals[1]!]]));
        const genesis: Version = { trie: genesisTrie, model: new Map([...genesisTrie.entries()].map(([k, v]) => [toHex(k), v])), commit: genesisTrie.commit() };
        store.add(genesis.commit);
        const canon: Version[] = [genesis];
        let pruned = 0; // canon[0..pruned) are pruned
        const WINDOW = 4;
        let duplicates = 0;
        for (let step = 0; step < 40; step++) {
          const parent = canon[canon.length - 1]!;
          // A fork from the parent that is discarded later.
          // Build half of the versions on a parent freshly loaded from the store (decoded nodes).
          const base = (): Trie => (rand() < 0.5 ? parent.trie : Trie.fromRoot(parent.trie.root, store, version));
          const fch = change(parent.model);
          const fork = base().apply(fch);
          const forkVersion: Version = { trie: fork, model: applyToModel(parent.model, fch), commit: fork.commit() };
          store.add(forkVersion.commit);
          const ch = change(parent.model);
          const next = base().apply(ch);
          const v: Version = { trie: next, model: applyToModel(parent.model, ch), commit: next.commit() };
          store.add(v.commit);
          for (const n of v.commit.insertedRefs.values()) if (n > 1) duplicates++;
          canon.push(v);
          // Every live version (and the fork) reads back entirely from the store.
          for (const live of [...canon.slice(pruned), forkVersion]) {
            expectSameContent(Trie.fromRoot(live.trie.root, store, version), live.model, `step ${step}`);
          }
          store.discard(forkVersion.commit);
          while (canon.length - pruned > WINDOW) {
            pruned++;
            store.release(canon[pruned]!.commit);
          }
        }
        while (canon.length - pruned > 1) {
          pruned++;
          store.release(canon[pruned]!.commit);
        }
        const last = canon[canon.length - 1]!;
        const counts = referenceCounts(last.trie.root, store.nodes, EMPTY_TRIE_ROOT);
        expect([...store.rc].sort(), "store holds exactly the last version, with its reference counts").to.deep.equal([...counts].sort());
        expect(duplicates, "identical nodes or values were exercised").to.be.greaterThan(0);
      });
    }

    it("commit() is taken once", () => {
      const t = Trie.empty(0).apply([[Uint8Array.of(1), Uint8Array.of(1)]]);
      t.commit();
      expect(() => t.commit()).to.throw(TypeError);
    });
  });
});
