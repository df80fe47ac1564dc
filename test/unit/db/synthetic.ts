/**
 * Synthetic "tries" for ChainDb tests: a state is a set of node ids; node id i has content `node-<i>` and
 * hash blake2_256(content), so identical ids are identical content-addressed nodes. Commits follow the
 * TrieCommit contract with set semantics: `inserted` ∩ parent state = ∅, `removed` ⊆ parent state.
 */
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { toHex, utf8 } from "../../../framework/codec/bytes.ts";
import type { BlockCommit, TrieCommit } from "../../../node/db/index.ts";
import { prng } from "../trie/helpers.ts";

export const nodeContent = (id: number): Uint8Array => utf8(`node-${id}`.padEnd(40, "."));
const hashCache = new Map<number, Uint8Array>();
export function nodeHash(id: number): Uint8Array {
  let h = hashCache.get(id);
  if (h === undefined) hashCache.set(id, (h = blake2_256(nodeContent(id))));
  return h;
}
export const blockHash = (tag: string): Uint8Array => blake2_256(utf8(`block-${tag}`));


export function trieCommit(rootId: number, inserted: Iterable<number>, removed: Iterable<number>): TrieCommit {
  const ins = new Map<string, Uint8Array>();
  for (const id of inserted) ins.set(toHex(nodeHash(id)), nodeContent(id));
  return { root: nodeHash(rootId), inserted: ins, removed: [...removed].map((id) => toHex(nodeHash(id))) };
}

export interface SynBlock {
  hash: Uint8Array;
  number: number;
  parentHash: Uint8Array;
  rootId: number;
  state: Set<number>;
  commit: TrieCommit;
}

/** Builds blocks; ids are allocated from one counter, root ids are never reused. */
export class SyntheticChain {
  readonly rand: () => number;
  private nextId = 1;
  private readonly reusable: number[] = [];
  private count = 0;

  constructor(private readonly seed: number) {
    this.rand = prng(seed);
  }

  genesis(size = 20): SynBlock {
    const rootId = this.nextId++;
    const state = new Set<number>([rootId]);
    for (let i = 0; i < size; i++) state.add(this.fresh());
    return { hash: blockHash(`${this.seed}-${this.count++}`), number: 0, parentHash: new Uint8Array(32), rootId, state, commit: trieCommit(rootId, state, []) };
  }

  /** A child of `parent`: removes the parent's root and `removes` random nodes, inserts a new root, `inserts` fresh and up to `reuse` old nodes. */
  child(parent: SynBlock, opts: { inserts: number; removes: number; reuse: number }): SynBlock {
    const state = new Set(parent.state);
    const removed: number[] = [parent.rootId];
    state.delete(parent.rootId);
    const pool = [...state];
    for (let i = 0; i < opts.removes && pool.length > 0; i++) {
      const id = pool.splice(Math.floor(this.rand() * pool.length), 1)[0]!;
      state.delete(id);
      removed.push(id);
    }
    const rootId = this.nextId++;
    const inserted: number[] = [rootId];
    for (let i = 0; i < opts.inserts; i++) inserted.push(this.fresh());
    for (let i = 0; i < opts.reuse && this.reusable.length > 0; i++) {
      const id = this.reusable[Math.floor(this.rand() * this.reusable.length)]!;
      if (!parent.state.has(id) && !inserted.includes(id)) inserted.push(id);
    }
    for (const id of inserted) state.add(id);
    return { hash: blockHash(`${this.seed}-${this.count++}`), number: parent.number + 1, parentHash: parent.hash, rootId, state, commit: trieCommit(rootId, inserted, removed) };
  }

  private fresh(): number {
    const id = this.nextId++;
    this.reusable.push(id);
    return id;
  }
}

/** The BlockCommit for a synthetic block (header and body are recognisable filler). */
export function blockCommit(b: SynBlock, extra: Partial<BlockCommit> = {}): BlockCommit {
  return {
    hash: b.hash,
    number: b.number,
    parentHash: b.parentHash,
    header: utf8(`header-${toHex(b.hash)}`),
    body: utf8(`body-${b.number}`),
    stateRoot: nodeHash(b.rootId),
    state: b.commit,
    setBest: true,
    ...extra,
  };
}

/** Per-block shape and finality rule shared by the crash fixture and the test that checks its output. */
export const CRASH_CHAIN = { seed: 77, pruning: 2, finalityDepth: 3, shape: { inserts: 30, removes: 20, reuse: 3 } } as const;

/** Blocks 0..upTo of the crash-test chain (deterministic). */
export function crashChain(upTo: number): SynBlock[] {
  const syn = new SyntheticChain(CRASH_CHAIN.seed);
  const out = [syn.genesis()];
  while (out.length <= upTo) out.push(syn.child(out[out.length - 1]!, CRASH_CHAIN.shape));
  return out;
}

/** The commit of crash-chain block `n`, finalizing `n − finalityDepth`. */
export function crashCommit(chain: SynBlock[], n: number): BlockCommit {
  const f = n - CRASH_CHAIN.finalityDepth;
  return blockCommit(chain[n]!, f > 0 ? { finalized: { hash: chain[f]!.hash, number: f } } : {});
}

/** Block `n` of the disk-fill chain: 100 nodes of 2 KiB each (about 200 KiB of state per block). */
export function fillCommit(n: number): BlockCommit {
  const inserted = new Map<string, Uint8Array>();
  let root: Uint8Array | undefined;
  for (let i = 0; i < 100; i++) {
    const content = new Uint8Array(2048).fill(i);
    content.set(utf8(`fill-${n}-${i}`));
    const h = blake2_256(content);
    root ??= h;
    inserted.set(toHex(h), content);
  }
  return {
    hash: blockHash(`fill-${n}`),
    number: n,
    parentHash: n === 0 ? new Uint8Array(32) : blockHash(`fill-${n - 1}`),
    header: utf8(`fill-header-${n}`),
    body: new Uint8Array(1000).fill(n & 0xff),
    stateRoot: root!,
    state: { root: root!, inserted, removed: [] },
    setBest: true,
  };
}
