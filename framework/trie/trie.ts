/**
 * A persistent (immutable, structurally shared) base-16 Patricia–Merkle trie with Substrate's node
 * format. `apply()` returns a new version that shares every untouched node with its parent, so the
 * states of many blocks (forks, old blocks) coexist cheaply. Roots are incremental: only nodes on
 * changed paths are re-encoded and re-hashed.
 *
 * Layout of the cache: a branch keeps its own encoding (`enc`), which holds its children's merkle
 * values; a child therefore needs no hash field of its own, and a re-encoded branch copies the
 * merkle values of its unchanged children out of its previous encoding. Leaves keep no encoding.
 * Partial keys are nibble ranges into a full key or into a node encoding: nothing is sliced.
 *
 * PERF (test/bench/trie.bench.ts: 1M keys of 32 bytes, 80-byte values, V1; a shared 2-core VM
 * under 50–60% CPU pressure): 10,000 changed keys plus the new root take 114 ms median wall
 * (100 ms min; ~45 ms applying, ~55 ms hashing ~33k nodes and values), and the commit 125 ms;
 * building the 1M-key state 1.6 s plus 4.1 s for its root; a get 2.5–3 µs. At this size the
 * costs are cache misses on cold nodes and young-generation GC, not hashing (≈ 20 ms).
 *
 * Mixed layouts: a value is stored by hash when the node it came from stored it so, or when the
 * trie is V1 and it has 33 bytes or more. (trie-db also keeps an untouched inline value of 33+
 * bytes inline under V1; a V0 state migrated to V1 node by node would differ here.)
 */
import { blake2_256 } from "../crypto/index.ts";
import { fromHex, toHex } from "../codec/bytes.ts";
import {
  EMPTY_TRIE_ROOT,
  HASHED_VALUE_THRESHOLD,
  HEADER_BRANCH,
  HEADER_BRANCH_VALUE,
  HEADER_HASHED_BRANCH,
  HEADER_HASHED_LEAF,
  HEADER_LEAF,
  NodeLayout,
  compactSize,
  headerSize,
  nibbleAt,
  parseNode,
  scanChildren,
  writeCompact,
  writeHeader,
  writePartial,
  type StateVersion,
} from "./codec.ts";
import { TrieError } from "./errors.ts";
import { HASH_SCRATCH_BYTES, hashInto, hashScratch, hashScratchInto } from "./blake2.ts";

/** Synchronous, content-addressed node lookup (nodes and V1 hashed values, by blake2-256). */
export interface TrieNodeStore {
  getNode(hash: Uint8Array): Uint8Array | undefined;
}

/**
 * What a database must do to hold a version, relative to the version `apply()` was called on.
 * Hashes are `0x`-prefixed lowercase hex. Counts are exact reference counts (a multiset), because
 * identical nodes or values (the same 80-byte value under many keys) share one hash:
 *
 * - `inserted`: every hash whose reference count went up, with its bytes (an encoded node, or a
 *   raw value for V1 hashed values). The root counts as one reference and is always stored by
 *   hash, even when shorter than 32 bytes.
 * - `insertedRefs`: how many references each inserted hash gained, listed only when more than 1.
 * - `removed`: one entry per reference lost (a hash may repeat, and may still be referenced elsewhere
 *   in this version when its count only went down).
 *
 * A refcounting store that adds `insertedRefs.get(h) ?? 1` for each inserted hash and subtracts 1 per
 * `removed` entry (when the parent state is pruned), deleting at zero, keeps exactly the nodes of
 * the live versions.
 */
export interface TrieCommit {
  root: Uint8Array;
  inserted: Map<string, Uint8Array>;
  insertedRefs: Map<string, number>;
  removed: string[];
}

export type TrieKey = Uint8Array | string;
/** A change set: `null` deletes the key. Keys are bytes or hex strings. */
export type TrieChanges = Iterable<readonly [TrieKey, Uint8Array | null]>;

const DIRTY = 0x10000;
const SLOTS = 0xffff;

/**
 * One node. Branches have `kids` (16 slots; a null slot whose `bits` bit is set is not loaded yet).
 * A clean node (`state === 0`) is immutable and shared between versions. A dirty node belongs to
 * the version being built: `state & SLOTS` marks the child slots that changed since `enc`, its
 * previous encoding (whose other children's merkle values are still valid).
 */
class Node {
  constructor(
    public pk: Uint8Array,
    public ps: number,
    public pe: number,
    public value: Uint8Array | null,
    /** Hash of a value stored by hash, when known without the value (decoded nodes). */
    public vhash: Uint8Array | null,
    public kids: (Node | null)[] | null,
    public bits: number,
    public enc: Uint8Array | null,
    public state: number,
  ) {}
}

const emptyKids = (): (Node | null)[] => [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null];

const hasValue = (n: Node): boolean => n.value !== null || n.vhash !== null;

const layout = new NodeLayout();

/** Builds a clean node from its encoding `b[start, end)` (shared, not copied). */
function decodeToNode(b: Uint8Array, start: number, end: number): Node {
  const enc = start === 0 && end === b.length ? b : b.subarray(start, end);
  const l = parseNode(enc, layout);
  if (l.kind === 0) throw new TrieError("TRIE_ERROR_INVALID_NODE", "invalid trie node: empty node inside a trie");
  const value = l.valueKind === 1 ? enc.subarray(l.valueStart, l.valueEnd) : null;
  const vhash = l.valueKind === 2 ? enc.subarray(l.valueStart, l.valueEnd) : null;
  return l.kind === 2
    ? new Node(enc, l.ps, l.pe, value, vhash, emptyKids(), l.bitmap, enc, 0)
    : new Node(enc, l.ps, l.pe, value, vhash, null, 0, enc, 0);
}

/** Number of nibbles, from `d` in `key` and along the partial key of `n`, that agree. */
function common(n: Node, key: Uint8Array, d: number, kn: number): number {
  const pk = n.pk;
  const ps = n.ps;
  const max = Math.min(n.pe - ps, kn - d);
  let i = 0;
  if (((ps ^ d) & 1) === 0) {
    if (ps & 1) {
      if (max === 0 || (pk[ps >> 1]! & 15) !== (key[d >> 1]! & 15)) return 0;
      i = 1;
    }
    let a = (ps + i) >> 1;
    let b = (d + i) >> 1;
    while (i + 2 <= max && pk[a] === key[b]) {
      i += 2;
      a++;
      b++;
    }
    if (i < max && pk[a]! >> 4 === key[b]! >> 4) i++;
    return i;
  }
  while (i < max && nibbleAt(pk, ps + i) === nibbleAt(key, d + i)) i++;
  return i;
}

/** The changes of one version under construction, for `commit()`. */
interface Pending {
  /** Upper bound of the nodes this version made (sizes the hashing lists). */
  created: number;
  /** Clean nodes of the parent that this version no longer holds, with where their merkle value is. */
  deadNodes: Node[];
  /** The encoding holding the dead node's merkle value, or (slot -1) the parent's root hash. */
  deadRefs: Uint8Array[];
  deadSlots: number[];
}

/** Applies one change set to a clean version, copying nodes on the changed paths once each. */
class Mutator {
  /** Nodes made by this change set (copies and new ones). */
  created = 0;
  readonly deadNodes: Node[] = [];
  readonly deadRefs: Uint8Array[] = [];
  readonly deadSlots: number[] = [];

  constructor(private readonly trie: Trie) {}

  /** `n` itself when it is already this version's, else a dirty copy. */
  private own(n: Node): Node {
    if (n.state !== 0) return n;
    this.created++;
    const branch = n.kids !== null;
    return new Node(n.pk, n.ps, n.pe, n.value, n.vhash, branch ? n.kids!.slice() : null, n.bits, branch ? n.enc : null, DIRTY);
  }

  /** Marks slot `i` of the dirty branch `p` as changed; the clean child it held dies. */
  private take(p: Node, i: number): void {
    const bit = 1 << i;
    if ((p.state & bit) === 0) {
      if ((p.bits & bit) !== 0 && p.enc !== null) {
        this.deadNodes.push(p.kids![i] ?? this.trie.loadChild(p, i));
        this.deadRefs.push(p.enc);
        this.deadSlots.push(i);
      }
      p.state |= bit;
    }
  }

  private child(p: Node, i: number): Node {
    return p.kids![i] ?? this.trie.loadChild(p, i);
  }

  insert(n: Node | null, key: Uint8Array, d: number, kn: number, value: Uint8Array): Node {
    if (n === null) return new Node(key, d, kn, value, null, null, 0, null, DIRTY);
    const plen = n.pe - n.ps;
    const c = common(n, key, d, kn);
    if (c < plen) {
      // Split the partial key at c: a new branch over (shortened n) and the new key.
      const split = nibbleAt(n.pk, n.ps + c);
      const rest = this.own(n);
      rest.ps += c + 1;
      const b = new Node(key, d, d + c, null, null, emptyKids(), 1 << split, null, DIRTY | (1 << split));
      b.kids![split] = rest;
      if (d + c === kn) {
        b.value = value;
      } else {
        const k = nibbleAt(key, d + c);
        b.kids![k] = new Node(key, d + c + 1, kn, value, null, null, 0, null, DIRTY);
        b.bits |= 1 << k;
        b.state |= 1 << k;
      }
      return b;
    }
    const e = d + plen;
    if (e === kn) {
      const old = n.value;
      if (old !== null && equalBytes(old, value)) return n;
      const m = this.own(n);
      m.value = value;
      m.vhash = null;
      // The partial key is key[d, kn) too: use the caller's key, likely in cache, not the old one.
      m.pk = key;
      m.ps = d;
      m.pe = kn;
      return m;
    }
    const k = nibbleAt(key, e);
    if (n.kids === null) {
      const m = this.own(n);
      m.kids = emptyKids();
      m.kids[k] = new Node(key, e + 1, kn, value, null, null, 0, null, DIRTY);
      m.bits = 1 << k;
      m.state |= 1 << k;
      return m;
    }
    const old = (n.bits >> k) & 1 ? this.child(n, k) : null;
    const next = this.insert(old, key, e + 1, kn, value);
    if (next === old) return n;
    const m = this.own(n);
    this.take(m, k);
    m.kids![k] = next;
    m.bits |= 1 << k;
    return m;
  }

  remove(n: Node | null, key: Uint8Array, d: number, kn: number): Node | null {
    if (n === null) return null;
    const plen = n.pe - n.ps;
    if (kn - d < plen || common(n, key, d, kn) < plen) return n;
    const e = d + plen;
    if (e === kn) {
      if (!hasValue(n)) return n;
      if (n.kids === null) return null;
      const m = this.own(n);
      m.value = null;
      m.vhash = null;
      return this.normalize(m);
    }
    if (n.kids === null) return n;
    const k = nibbleAt(key, e);
    if (((n.bits >> k) & 1) === 0) return n;
    const old = this.child(n, k);
    const next = this.remove(old, key, e + 1, kn);
    if (next === old) return n;
    const m = this.own(n);
    this.take(m, k);
    m.kids![k] = next;
    if (next === null) m.bits &= ~(1 << k);
    return this.normalize(m);
  }

  /** Restores the canonical shape of a dirty branch: no childless branch, no valueless one-child branch. */
  private normalize(m: Node): Node | null {
    if (m.bits === 0) {
      if (!hasValue(m)) return null;
      m.kids = null;
      m.enc = null;
      m.state = DIRTY;
      return m;
    }
    if (hasValue(m) || (m.bits & (m.bits - 1)) !== 0) return m;
    // One child and no value: fold this branch's partial key and the child index into the child.
    const i = 31 - Math.clz32(m.bits);
    const c = this.child(m, i);
    this.take(m, i);
    const merged = this.own(c);
    const a = m.pe - m.ps;
    const b = c.pe - c.ps;
    const n = a + 1 + b;
    // Nibble j of the merged key lives at position j + (n & 1) of `packed`.
    const packed = new Uint8Array((n + 1) >> 1);
    const off = n & 1;
    for (let j = 0; j < a; j++) packed[(j + off) >> 1]! |= nibbleAt(m.pk, m.ps + j) << ((~(j + off) & 1) << 2);
    packed[(a + off) >> 1]! |= i << ((~(a + off) & 1) << 2);
    for (let j = 0; j < b; j++) {
      const p = a + 1 + j + off;
      packed[p >> 1]! |= nibbleAt(c.pk, c.ps + j) << ((~p & 1) << 2);
    }
    merged.pk = packed;
    merged.ps = off;
    merged.pe = off + n;
    return merged;
  }
}

/** Per-depth scratch for the hashing pass: children's merkle values and previous offsets. */
const scratchMv: Uint8Array[] = [];
const scratchMvLen: Int32Array[] = [];
const scratchStarts: Int32Array[] = [];
const scratchLens: Int32Array[] = [];

function leafSize(n: Node, hashed: boolean): number {
  const nib = n.pe - n.ps;
  if (hashed) return headerSize(HEADER_HASHED_LEAF, nib) + ((nib + 1) >> 1) + 32;
  const len = n.value!.length;
  return headerSize(HEADER_LEAF, nib) + ((nib + 1) >> 1) + compactSize(len) + len;
}

/** Writes the leaf `n` at the start of `out` (its value by the hash at `vh[vo, vo + 32)` when `vh`). */
function writeLeaf(out: Uint8Array, n: Node, vh: Uint8Array | null, vo: number): number {
  let o: number;
  if (vh !== null) {
    o = writeHeader(out, 0, HEADER_HASHED_LEAF, n.pe - n.ps);
    o = writePartial(out, o, n.pk, n.ps, n.pe);
    for (let j = 0; j < 32; j++) out[o++] = vh[vo + j]!;
    return o;
  }
  const v = n.value!;
  o = writeHeader(out, 0, HEADER_LEAF, n.pe - n.ps);
  o = writePartial(out, o, n.pk, n.ps, n.pe);
  o = writeCompact(out, o, v.length);
  if (v.length <= 64) for (let j = 0; j < v.length; j++) out[o++] = v[j]!;
  else {
    out.set(v, o);
    o += v.length;
  }
  return o;
}

function encodeLeafExact(n: Node, vh: Uint8Array | null, vo: number): Uint8Array {
  const out = new Uint8Array(leafSize(n, vh !== null));
  writeLeaf(out, n, vh, vo);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  const len = a.length;
  if (len !== b.length) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Branch encodings are carved out of 64 KiB slabs: a view each instead of an ArrayBuffer and a
 * malloc'ed backing store each. A slab lives while any of its encodings does; encodings of one
 * block's changes share slabs and mostly die together when later blocks rewrite those branches.
 * PERF: 10k changes of a 1M-key trie re-encode ~13k branches (~6 MB) per block.
 */
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function allocEncoding(size: number): Uint8Array {
  if (size > 4096) return new Uint8Array(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return out;
}

/** A growable array of 32-byte hashes in one buffer (no object per hash). */
class HashList {
  buf: Uint8Array;
  count = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(32 * Math.max(16, capacity));
  }

  /** Reserves the next slot; returns its byte offset in `buf`. */
  next(): number {
    const off = this.count * 32;
    if (off + 32 > this.buf.length) {
      const b = new Uint8Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.count++;
    return off;
  }
}

const HEX_BUF = Buffer.allocUnsafe(66);
HEX_BUF[0] = 0x30; // "0"
HEX_BUF[1] = 0x78; // "x"
const HEX_DIGITS = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  const d = (x: number): number => (x < 10 ? 48 + x : 87 + x);
  HEX_DIGITS[i] = d(i >> 4) | (d(i & 15) << 8);
}
/** `0x` hex of the 32 bytes at `b[off]`: one flat string, no intermediate views or strings. */
function hex32(b: Uint8Array, off: number): string {
  for (let i = 0; i < 32; i++) {
    const d = HEX_DIGITS[b[off + i]!]!;
    HEX_BUF[2 + 2 * i] = d & 255;
    HEX_BUF[3 + 2 * i] = d >> 8;
  }
  return HEX_BUF.toString("latin1", 0, 66);
}

/**
 * Encodes dirty nodes bottom-up and records what `commit()` reports. Nothing is allocated per
 * hash: leaves are encoded straight into the hasher's input buffer, digests go to flat lists.
 */
class Hasher {
  /** Hashes of the new stored nodes, with their encodings (or leaves to re-encode: they keep none). */
  readonly hashes: HashList;
  readonly encs: (Uint8Array | Node)[] = [];
  /** For a leaf in `encs`: index of its value hash in `valueHashes`, or -1. */
  readonly leafValue: number[] = [];
  readonly valueHashes: HashList;
  /** The raw values behind `valueHashes` (null when only the hash is at hand: a copied decoded node). */
  readonly values: (Uint8Array | null)[] = [];

  /** `created`: nodes the change set made (an upper bound of the nodes and values to hash). */
  constructor(private readonly v1: boolean, created: number) {
    this.hashes = new HashList(created);
    this.valueHashes = new HashList(v1 ? created : 0);
  }

  /** Index in `valueHashes` of the hash `n`'s value is stored by, or -1 when it is inline. */
  private valueHash(n: Node): number {
    let off: number;
    if (n.vhash !== null) {
      off = this.valueHashes.next();
      this.valueHashes.buf.set(n.vhash, off);
      this.values.push(n.value);
      return off >> 5;
    }
    const v = n.value!;
    if (!this.v1 || v.length < HASHED_VALUE_THRESHOLD) return -1;
    off = this.valueHashes.next();
    hashInto(v, this.valueHashes.buf, off);
    this.values.push(v);
    return off >> 5;
  }

  /** Records the hash of `hashScratch[0, len)` or of `enc` for `what`; copies it to `dst[off]`. */
  private store(enc: Uint8Array | null, len: number, what: Uint8Array | Node, vi: number, dst: Uint8Array, off: number): number {
    const h = this.hashes;
    const at = h.next();
    if (enc === null) hashScratchInto(len, h.buf, at);
    else hashInto(enc, h.buf, at);
    this.encs.push(what);
    this.leafValue.push(vi);
    const b = h.buf;
    for (let i = 0; i < 32; i++) dst[off + i] = b[at + i]!;
    return 32;
  }

  /**
   * Writes the merkle value of `n` (its encoding if under 32 bytes, else its hash; always the
   * hash for the root) to `dst[off]` and returns its length. `n` is clean afterwards.
   */
  merkleInto(n: Node, depth: number, dst: Uint8Array, off: number, isRoot: boolean): number {
    if (n.kids === null) {
      const vi = this.valueHash(n);
      n.state = 0;
      const vh = vi < 0 ? null : this.valueHashes.buf;
      const size = leafSize(n, vi >= 0);
      if (size > HASH_SCRATCH_BYTES) {
        const enc = encodeLeafExact(n, vh, vi << 5);
        if (size < 32 && !isRoot) {
          dst.set(enc, off);
          return size;
        }
        return this.store(enc, size, n, vi, dst, off);
      }
      writeLeaf(hashScratch, n, vh, vi << 5);
      if (size < 32 && !isRoot) {
        for (let i = 0; i < size; i++) dst[off + i] = hashScratch[i]!;
        return size;
      }
      return this.store(null, size, n, vi, dst, off);
    }
    // A clean branch (not expected in a changed slot: those hold new nodes) reuses its encoding.
    const enc = n.state === 0 ? n.enc! : this.encodeBranch(n, depth);
    if (enc.length < 32 && !isRoot) {
      for (let i = 0; i < enc.length; i++) dst[off + i] = enc[i]!;
      return enc.length;
    }
    return this.store(enc, enc.length, enc, -1, dst, off);
  }

  private encodeBranch(n: Node, depth: number): Uint8Array {
    const kids = n.kids!;
    const bits = n.bits;
    const changed = n.state & SLOTS;
    const mvs = (scratchMv[depth] ??= new Uint8Array(16 * 32));
    const mvLen = (scratchMvLen[depth] ??= new Int32Array(16));
    let size = 0;
    for (let i = 0; i < 16; i++) {
      if (((bits & changed) >> i) & 1) {
        const len = this.merkleInto(kids[i]!, depth + 1, mvs, i * 32, false);
        mvLen[i] = len;
        size += 1 + len;
      }
    }
    const prev = n.enc;
    const starts = (scratchStarts[depth] ??= new Int32Array(16));
    const lens = (scratchLens[depth] ??= new Int32Array(16));
    const kept = bits & ~changed;
    if (kept !== 0) {
      scanChildren(prev!, starts, lens);
      for (let i = 0; i < 16; i++) if ((kept >> i) & 1) size += 1 + lens[i]!;
    }
    const nib = n.pe - n.ps;
    let prefix = HEADER_BRANCH;
    let vi = -1;
    if (hasValue(n)) {
      vi = this.valueHash(n);
      if (vi >= 0) {
        prefix = HEADER_HASHED_BRANCH;
        size += 32;
      } else {
        prefix = HEADER_BRANCH_VALUE;
        size += compactSize(n.value!.length) + n.value!.length;
      }
    }
    size += headerSize(prefix, nib) + ((nib + 1) >> 1) + 2;
    const out = allocEncoding(size);
    let o = writeHeader(out, 0, prefix, nib);
    o = writePartial(out, o, n.pk, n.ps, n.pe);
    out[o++] = bits & 255;
    out[o++] = bits >> 8;
    if (vi >= 0) {
      const vb = this.valueHashes.buf;
      for (let j = 0, s0 = vi << 5; j < 32; j++) out[o++] = vb[s0 + j]!;
    } else if (prefix === HEADER_BRANCH_VALUE) {
      const v = n.value!;
      o = writeCompact(out, o, v.length);
      out.set(v, o);
      o += v.length;
    }
    // Unchanged children lie back to back in the previous encoding (compact length and merkle
    // value each, absent slots taking no room): each run of them is copied with one memcpy.
    let runStart = -1;
    let runEnd = -1;
    for (let i = 0; i < 16; i++) {
      const bit = 1 << i;
      if ((changed & bit) !== 0) {
        if (runStart >= 0) {
          out.set(prev!.subarray(runStart, runEnd), o);
          o += runEnd - runStart;
          runStart = -1;
        }
        if ((bits & bit) === 0) continue;
        const len = mvLen[i]!;
        out[o++] = len << 2; // a merkle value has at most 32 bytes: a one-byte compact
        for (let j = i * 32, e = j + len; j < e; j++) out[o++] = mvs[j]!;
      } else if ((bits & bit) !== 0) {
        if (runStart < 0) runStart = starts[i]! - 1;
        runEnd = starts[i]! + lens[i]!;
      }
    }
    if (runStart >= 0) {
      out.set(prev!.subarray(runStart, runEnd), o);
      o += runEnd - runStart;
    }
    n.enc = out;
    n.state = 0;
    return out;
  }
}

/** Reads the merkle value of child `i` out of a branch encoding. */
function childMerkle(enc: Uint8Array, i: number): Uint8Array {
  const l = parseNode(enc, layout);
  return enc.slice(l.childStart[i]!, l.childStart[i]! + l.childLen[i]!);
}

const toKeyBytes = (k: TrieKey): Uint8Array => (typeof k === "string" ? fromHex(k) : k);

function bytesToNibbles(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    out[2 * i] = b[i]! >> 4;
    out[2 * i + 1] = b[i]! & 15;
  }
  return out;
}

function nibblesToBytes(n: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len >> 1);
  for (let i = 0; i < out.length; i++) out[i] = (n[2 * i]! << 4) | n[2 * i + 1]!;
  return out;
}

/** One version of the state trie. Values and keys handed in are kept, not copied: do not mutate them. */
export class Trie {
  /** `undefined`: not loaded from the store yet. */
  private node: Node | null | undefined;
  private hash: Uint8Array | null;
  private pending: Pending | null;
  private hasher: Hasher | null = null;
  private committed = false;

  private constructor(
    readonly version: StateVersion,
    node: Node | null | undefined,
    hash: Uint8Array | null,
    private readonly store: TrieNodeStore | null,
    pending: Pending | null,
  ) {
    this.node = node;
    this.hash = hash;
    this.pending = pending;
  }

  static empty(version: StateVersion, store: TrieNodeStore | null = null): Trie {
    return new Trie(version, null, EMPTY_TRIE_ROOT, store, null);
  }

  /** A trie whose nodes are read from `store` on first access (and then kept). */
  static fromRoot(root: Uint8Array, store: TrieNodeStore, version: StateVersion): Trie {
    if (root.length !== 32) throw new TypeError("a trie root has 32 bytes");
    const empty = Buffer.compare(root, EMPTY_TRIE_ROOT) === 0;
    return new Trie(version, empty ? null : undefined, root, store, null);
  }

  /** A trie holding `entries` (built from the empty trie in one change set). */
  static fromEntries(entries: TrieChanges, version: StateVersion): Trie {
    return Trie.empty(version).apply(entries);
  }

  /** The 32-byte root (blake2-256 of the root node). Computing it hashes this version's new nodes once. */
  get root(): Uint8Array {
    return this.hash ?? this.computeRoot();
  }

  get isEmpty(): boolean {
    return this.rootNode() === null;
  }

  private computeRoot(): Uint8Array {
    const h = new Hasher(this.version === 1, this.pending?.created ?? 16);
    this.hasher = h;
    if (this.node === null) {
      this.hash = EMPTY_TRIE_ROOT;
    } else {
      const root = new Uint8Array(32);
      h.merkleInto(this.node!, 0, root, 0, true);
      this.hash = root;
    }
    return this.hash;
  }

  private rootNode(): Node | null {
    if (this.node !== undefined) return this.node;
    const bytes = this.store!.getNode(this.hash!);
    if (bytes === undefined) throw missing(this.hash!);
    this.node = decodeToNode(bytes, 0, bytes.length);
    return this.node;
  }

  /** @internal Loads child `i` of `p` from its parent's encoding (inline) or from the store. */
  loadChild(p: Node, i: number): Node {
    const l = parseNode(p.enc!, layout);
    const s = l.childStart[i]!;
    const len = l.childLen[i]!;
    let child: Node;
    if (len === 32) {
      const h = p.enc!.subarray(s, s + 32);
      const bytes = this.store?.getNode(h);
      if (bytes === undefined) throw missing(h);
      child = decodeToNode(bytes, 0, bytes.length);
    } else {
      child = decodeToNode(p.enc!, s, s + len);
    }
    p.kids![i] = child;
    return child;
  }

  private valueOf(n: Node): Uint8Array {
    if (n.value !== null) return n.value;
    const bytes = this.store?.getNode(n.vhash!);
    if (bytes === undefined) throw missing(n.vhash!);
    n.value = bytes;
    return bytes;
  }

  /** The value at `key`, or undefined. Throws `TRIE_ERROR_INCOMPLETE_DATABASE` when a node is missing. */
  get(key: Uint8Array): Uint8Array | undefined {
    let n = this.rootNode();
    const kn = key.length * 2;
    let d = 0;
    while (n !== null) {
      const plen = n.pe - n.ps;
      if (kn - d < plen || common(n, key, d, kn) !== plen) return undefined;
      d += plen;
      if (d === kn) return n.value !== null ? n.value : n.vhash !== null ? this.valueOf(n) : undefined;
      if (n.kids === null) return undefined;
      const k = (key[d >> 1]! >> ((~d & 1) << 2)) & 15;
      if (((n.bits >> k) & 1) === 0) return undefined;
      n = n.kids[k] ?? this.loadChild(n, k);
      d++;
    }
    return undefined;
  }

  has(key: Uint8Array): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * A new version with `changes` applied (`null` deletes). Later entries for the same key win.
   * This version's root is computed first (once), so its nodes become shareable.
   */
  apply(changes: TrieChanges): Trie {
    const parentRoot = this.root;
    const old = this.rootNode();
    const m = new Mutator(this);
    let root = old;
    for (const [k, v] of changes) {
      m.created += 2; // an insertion makes at most two nodes besides copies (a split: branch and leaf)
      const key = toKeyBytes(k);
      root = v === null ? m.remove(root, key, 0, key.length * 2) : m.insert(root, key, 0, key.length * 2, v);
    }
    if (root !== old && old !== null) {
      m.deadNodes.push(old);
      m.deadRefs.push(parentRoot);
      m.deadSlots.push(-1);
    }
    const pending = { created: m.created, deadNodes: m.deadNodes, deadRefs: m.deadRefs, deadSlots: m.deadSlots };
    return new Trie(this.version, root, root === old ? parentRoot : null, this.store, pending);
  }

  /**
   * The nodes to write and the references to drop for this version, relative to the version it
   * was applied to (see `TrieCommit`). It can be taken once: the bookkeeping is released then, so
   * a long-lived version does not hold its commit data.
   */
  commit(): TrieCommit {
    if (this.committed) throw new TypeError("this trie version's commit was already taken");
    const root = this.root;
    // Net reference change per hash (+1 per new reference, -1 per lost one), and the new bytes.
    const net = new Map<string, number>();
    const bytesOf = new Map<string, Uint8Array | null>();
    const plus = (k: string, bytes: Uint8Array | null): void => {
      net.set(k, (net.get(k) ?? 0) + 1);
      if (bytes !== null || !bytesOf.has(k)) bytesOf.set(k, bytes);
    };
    const minus = (k: string): void => {
      net.set(k, (net.get(k) ?? 0) - 1);
    };
    const hs = this.hasher;
    if (hs !== null) {
      const hb = hs.hashes.buf;
      const vb = hs.valueHashes.buf;
      for (let i = 0; i < hs.hashes.count; i++) {
        const e = hs.encs[i]!;
        const vi = hs.leafValue[i]!;
        plus(hex32(hb, i << 5), e instanceof Uint8Array ? e : encodeLeafExact(e, vi < 0 ? null : vb, vi << 5));
      }
      for (let i = 0; i < hs.valueHashes.count; i++) plus(hex32(vb, i << 5), hs.values[i]!);
    }
    const p = this.pending;
    if (p !== null) {
      const v1 = this.version === 1;
      const starts = new Int32Array(16);
      const lens = new Int32Array(16);
      const tmp = new Uint8Array(32);
      for (let i = 0; i < p.deadNodes.length; i++) {
        const x = p.deadNodes[i]!;
        const slot = p.deadSlots[i]!;
        const ref = p.deadRefs[i]!;
        if (slot < 0) {
          minus(hex32(ref, 0));
        } else {
          scanChildren(ref, starts, lens);
          if (lens[slot] === 32) minus(hex32(ref, starts[slot]!));
        }
        if (x.vhash !== null) {
          minus(hex32(x.vhash, 0));
        } else if (v1 && x.value !== null && x.value.length >= HASHED_VALUE_THRESHOLD) {
          hashInto(x.value, tmp, 0);
          minus(hex32(tmp, 0));
        }
      }
    }
    const inserted = new Map<string, Uint8Array>();
    const insertedRefs = new Map<string, number>();
    const removed: string[] = [];
    for (const [k, c] of net) {
      if (c < 0) {
        for (let j = 0; j < -c; j++) removed.push(k);
        continue;
      }
      if (c === 0) continue;
      let bytes = bytesOf.get(k) ?? null;
      if (bytes === null) {
        bytes = this.store?.getNode(fromHex(k)) ?? null;
        if (bytes === null) throw missing(fromHex(k));
      }
      inserted.set(k, bytes);
      if (c > 1) insertedRefs.set(k, c);
    }
    this.pending = null;
    this.hasher = null;
    this.committed = true;
    return { root, inserted, insertedRefs, removed };
  }

  /**
   * Entries with `prefix`, in ascending key order, strictly after `startAfter` when given.
   * The trie version is immutable, so iterating while other versions are built is safe.
   */
  *entries(prefix: Uint8Array = EMPTY, startAfter?: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
    for (const [k, n] of this.walk(prefix, startAfter)) yield [k, this.valueOf(n)];
  }

  /** Keys with `prefix`, ascending, strictly after `startAfter` when given (values are not loaded). */
  *keys(prefix: Uint8Array = EMPTY, startAfter?: Uint8Array): Generator<Uint8Array> {
    for (const [k] of this.walk(prefix, startAfter)) yield k;
  }

  private *walk(prefixBytes: Uint8Array, after?: Uint8Array): Generator<[Uint8Array, Node]> {
    const prefix = bytesToNibbles(prefixBytes);
    const P = prefix.length;
    const bound = after === undefined ? null : bytesToNibbles(after);
    const B = bound === null ? 0 : bound.length;
    let path = new Uint8Array(Math.max(64, P + 2));
    const writePath = (n: Node, at: number): number => {
      const end = at + n.pe - n.ps;
      if (end + 1 > path.length) {
        const p2 = new Uint8Array(Math.max(end + 1, path.length * 2));
        p2.set(path);
        path = p2;
      }
      for (let j = 0; j < end - at; j++) path[at + j] = nibbleAt(n.pk, n.ps + j);
      return end;
    };
    // Find the top node of the subtree holding every key with the prefix.
    let n = this.rootNode();
    let d = 0;
    for (;;) {
      if (n === null) return;
      const end = writePath(n, d);
      const m = Math.min(end, P);
      for (let j = d; j < m; j++) if (path[j] !== prefix[j]) return;
      if (end >= P) break;
      if (n.kids === null) return;
      const k = prefix[end]!;
      if (((n.bits >> k) & 1) === 0) return;
      path[end] = k;
      n = n.kids[k] ?? this.loadChild(n, k);
      d = end + 1;
    }
    // Relation of the path above the subtree to the bound.
    let free = bound === null;
    if (!free) {
      const m = Math.min(d, B);
      let j = 0;
      while (j < m && path[j] === bound![j]) j++;
      if (j < m) {
        if (path[j]! < bound![j]!) return;
        free = true;
      } else if (d > B) {
        free = true;
      }
    }
    const nodes: Node[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const next: number[] = [];
    const frees: boolean[] = [];
    // Enters `n` at path position `at`; returns false when its whole subtree is at or before the bound.
    const enter = (x: Node, at: number, isFree: boolean): [boolean, boolean, number] => {
      const end = writePath(x, at);
      if (!isFree) {
        const m = Math.min(end, B);
        let j = at;
        while (j < m && path[j] === bound![j]) j++;
        if (j < m) {
          if (path[j]! < bound![j]!) return [false, false, end];
          isFree = true;
        } else if (end > B) {
          isFree = true;
        }
      }
      return [true, isFree, end];
    };
    const [ok, f0, e0] = enter(n, d, free);
    if (!ok) return;
    nodes.push(n);
    starts.push(d);
    ends.push(e0);
    next.push(0);
    frees.push(f0);
    if (f0 && hasValue(n)) yield [nibblesToBytes(path, e0), n];
    while (nodes.length > 0) {
      const t = nodes.length - 1;
      const x = nodes[t]!;
      let c = next[t]!;
      if (x.kids === null) c = 16;
      while (c < 16 && ((x.bits >> c) & 1) === 0) c++;
      if (c >= 16) {
        nodes.pop();
        starts.pop();
        ends.pop();
        next.pop();
        frees.pop();
        continue;
      }
      next[t] = c + 1;
      const end = ends[t]!;
      let cf = frees[t]!;
      if (!cf) {
        if (end < B) {
          if (c < bound![end]!) continue;
          if (c > bound![end]!) cf = true;
        } else {
          cf = true;
        }
      }
      const child = x.kids![c] ?? this.loadChild(x, c);
      // The child's path is rewritten from `end`: restore this node's nibbles first.
      path[end] = c;
      const [cok, cfree, cend] = enter(child, end + 1, cf);
      if (!cok) continue;
      nodes.push(child);
      starts.push(end + 1);
      ends.push(cend);
      next.push(0);
      frees.push(cfree);
      if (cfree && hasValue(child)) yield [nibblesToBytes(path, cend), child];
    }
  }

  /**
   * The merkle value (hash, or encoding when shorter than 32 bytes; the root's hash for the root) of
   * the closest node whose key starts with `prefix`, or undefined when no key has that prefix.
   * The `chainHead_storage` `closestDescendantMerkleValue` query.
   */
  closestDescendantMerkleValue(prefix: Uint8Array): Uint8Array | undefined {
    return this.closestDescendantMerkleValueNibbles(bytesToNibbles(prefix));
  }

  /** As `closestDescendantMerkleValue`, for a prefix given as nibbles (one per byte). */
  closestDescendantMerkleValueNibbles(prefix: Uint8Array): Uint8Array | undefined {
    const root = this.root;
    let n = this.rootNode();
    let parent: Node | null = null;
    let slot = -1;
    let d = 0;
    const P = prefix.length;
    while (n !== null) {
      const plen = n.pe - n.ps;
      const m = Math.min(plen, P - d);
      for (let j = 0; j < m; j++) if (nibbleAt(n.pk, n.ps + j) !== prefix[d + j]) return undefined;
      if (d + plen >= P) return parent === null ? root : childMerkle(parent.enc!, slot);
      d += plen;
      if (n.kids === null) return undefined;
      const k = prefix[d]!;
      if (((n.bits >> k) & 1) === 0) return undefined;
      if (d + 1 === P) return childMerkle(n.enc!, k);
      parent = n;
      slot = k;
      n = n.kids[k] ?? this.loadChild(n, k);
      d++;
    }
    return undefined;
  }

  /** @internal The encoded nodes on the path to `key` that a database stores (root, and nodes of 32+ bytes), and the hashed value read. */
  collectProof(key: Uint8Array, out: Map<string, Uint8Array>): void {
    this.root;
    let n = this.rootNode();
    const kn = key.length * 2;
    let d = 0;
    let isRoot = true;
    const v1 = this.version === 1;
    while (n !== null) {
      const enc = n.kids !== null ? n.enc! : encodeLeafPlain(n, v1);
      if (isRoot || enc.length >= 32) out.set(toHex(isRoot ? this.hash! : blake2_256(enc)), enc);
      isRoot = false;
      const plen = n.pe - n.ps;
      if (kn - d < plen || common(n, key, d, kn) !== plen) return;
      d += plen;
      if (d === kn) {
        const l = parseNode(enc, layout);
        if (l.valueKind === 2) out.set(toHex(enc.subarray(l.valueStart, l.valueEnd)), this.valueOf(n));
        return;
      }
      if (n.kids === null) return;
      const k = (key[d >> 1]! >> ((~d & 1) << 2)) & 15;
      if (((n.bits >> k) & 1) === 0) return;
      n = n.kids[k] ?? this.loadChild(n, k);
      d++;
    }
  }
}

/** The encoding of a clean leaf (decoded leaves keep theirs). */
function encodeLeafPlain(n: Node, v1: boolean): Uint8Array {
  if (n.enc !== null) return n.enc;
  const hashed = n.vhash !== null || (v1 && n.value!.length >= HASHED_VALUE_THRESHOLD);
  return encodeLeafExact(n, hashed ? (n.vhash ?? blake2_256(n.value!)) : null, 0);
}

const EMPTY = new Uint8Array(0);

const missing = (h: Uint8Array): TrieError =>
  new TrieError("TRIE_ERROR_INCOMPLETE_DATABASE", `trie node ${toHex(h)} is not in the store`, h);
