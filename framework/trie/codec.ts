/**
 * Substrate's trie node codec (sp-trie `NodeCodec`, `NodeHeader`; LayoutV0 and LayoutV1).
 *
 * SPEC: paritytech/polkadot-sdk substrate/primitives/trie/src/{node_header.rs,node_codec.rs}.
 *
 *   node   = header ‖ partial ‖ (branch: u16 LE bitmap) ‖ value? ‖ (branch: children in nibble order)
 *   header = 01 leaf | 10 branch | 11 branch+value | 001 leaf+hashed value | 0001 branch+hashed value,
 *            low bits = nibble count, saturated and continued by 255-runs
 *   value  = Compact(len) ‖ bytes, or the 32-byte blake2-256 of the value (hashed, V1, len ≥ 33)
 *   child  = Compact(len) ‖ merkle value: the encoding when shorter than 32 bytes, else its hash
 *
 * Nibble ranges are (bytes, start, end) in nibble indices, high nibble first, so partial keys can
 * point into a full key or into a node encoding without copying.
 */
import { blake2_256 } from "../crypto/index.ts";
import { TrieError } from "./errors.ts";

export type StateVersion = 0 | 1;

/** The encoding of the empty trie. */
export const EMPTY_TRIE_NODE: Uint8Array = new Uint8Array([0]);
/** blake2_256(0x00) = 0x03170a2e…1314, the root of the empty trie. */
export const EMPTY_TRIE_ROOT: Uint8Array = blake2_256(EMPTY_TRIE_NODE);
/** LayoutV1 stores values of this many bytes or more by hash (`TRIE_VALUE_NODE_THRESHOLD`). */
export const HASHED_VALUE_THRESHOLD = 33;
/** sp-trie `NIBBLE_SIZE_BOUND`: the largest partial key a header may announce. */
export const MAX_PARTIAL_NIBBLES = 0xffff;

export const HEADER_LEAF = 0x40;
export const HEADER_BRANCH = 0x80;
export const HEADER_BRANCH_VALUE = 0xc0;
export const HEADER_HASHED_LEAF = 0x20;
export const HEADER_HASHED_BRANCH = 0x10;

/** Nibble `i` of `bytes` (high nibble first). */
export const nibbleAt = (bytes: Uint8Array, i: number): number => (bytes[i >> 1]! >> ((~i & 1) << 2)) & 15;

/** Largest nibble count held in the header byte for `prefix`. */
export const headerMax = (prefix: number): number =>
  prefix === HEADER_HASHED_BRANCH ? 15 : prefix === HEADER_HASHED_LEAF ? 31 : 63;

export function headerSize(prefix: number, nibbles: number): number {
  const max = headerMax(prefix);
  return nibbles < max ? 1 : 2 + Math.floor((nibbles - max) / 255);
}

export function writeHeader(out: Uint8Array, o: number, prefix: number, nibbles: number): number {
  const max = headerMax(prefix);
  if (nibbles < max) {
    out[o++] = prefix | nibbles;
    return o;
  }
  out[o++] = prefix | max;
  let rem = nibbles - max;
  while (rem >= 255) {
    out[o++] = 255;
    rem -= 255;
  }
  out[o++] = rem;
  return o;
}

/** Bytes of SCALE `Compact<u32>(v)`. */
export const compactSize = (v: number): number => (v < 64 ? 1 : v < 16384 ? 2 : v < 1073741824 ? 4 : 5);

export function writeCompact(out: Uint8Array, o: number, v: number): number {
  if (v < 64) {
    out[o++] = v << 2;
  } else if (v < 16384) {
    const x = (v << 2) | 1;
    out[o++] = x & 255;
    out[o++] = x >>> 8;
  } else if (v < 1073741824) {
    const x = ((v << 2) | 2) >>> 0;
    out[o++] = x & 255;
    out[o++] = (x >>> 8) & 255;
    out[o++] = (x >>> 16) & 255;
    out[o++] = x >>> 24;
  } else {
    out[o++] = 3;
    out[o++] = v & 255;
    out[o++] = (v >>> 8) & 255;
    out[o++] = (v >>> 16) & 255;
    out[o++] = (v >>> 24) & 255;
  }
  return o;
}

/** SCALE `Compact<u32>(v)` as its own array. */
export function encodeCompactU32(v: number): Uint8Array {
  const out = new Uint8Array(compactSize(v));
  writeCompact(out, 0, v);
  return out;
}

/** Writes nibbles [ps, pe) of `pk` packed as sp-trie does (odd count: first nibble alone, low half). */
export function writePartial(out: Uint8Array, o: number, pk: Uint8Array, ps: number, pe: number): number {
  let i = ps;
  if ((pe - ps) & 1) {
    out[o++] = nibbleAt(pk, i);
    i++;
  }
  if ((i & 1) === 0) {
    for (let b = i >> 1, end = pe >> 1; b < end; b++) out[o++] = pk[b]!;
  } else {
    for (; i < pe; i += 2) out[o++] = ((pk[i >> 1]! & 15) << 4) | (pk[(i + 1) >> 1]! >> 4);
  }
  return o;
}

const invalid = (reason: string): TrieError => new TrieError("TRIE_ERROR_INVALID_NODE", `invalid trie node: ${reason}`);

/**
 * Where the parts of one encoded node lie. `parseNode` fills it in place (one instance can be reused)
 * and validates as strictly as sp-trie: header kind, padding nibble, non-empty bitmap, canonical
 * compact lengths, bounds, and no trailing bytes.
 */
export class NodeLayout {
  /** 0 empty, 1 leaf, 2 branch. */
  kind = 0;
  nibbles = 0;
  /** Nibble range of the partial key inside the parsed bytes. */
  ps = 0;
  pe = 0;
  /** 0 none, 1 inline, 2 hashed (the 32-byte hash lies at [valueStart, valueEnd)). */
  valueKind = 0;
  valueStart = 0;
  valueEnd = 0;
  bitmap = 0;
  /** Start and length of each child's merkle value (branch, bits set in `bitmap`). */
  readonly childStart = new Int32Array(16);
  readonly childLen = new Int32Array(16);
}

let cursor = 0;

function readCompact(b: Uint8Array, end: number): number {
  let o = cursor;
  if (o >= end) throw invalid("out of data");
  const b0 = b[o]!;
  let v: number;
  switch (b0 & 3) {
    case 0:
      v = b0 >>> 2;
      o += 1;
      break;
    case 1:
      if (o + 2 > end) throw invalid("out of data");
      v = (b0 | (b[o + 1]! << 8)) >>> 2;
      if (v < 64) throw invalid("non-canonical compact");
      o += 2;
      break;
    case 2:
      if (o + 4 > end) throw invalid("out of data");
      v = (b0 | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 2;
      if (v < 16384) throw invalid("non-canonical compact");
      o += 4;
      break;
    default:
      if (b0 !== 3) throw invalid("compact out of u32 range");
      if (o + 5 > end) throw invalid("out of data");
      v = (b[o + 1]! | (b[o + 2]! << 8) | (b[o + 3]! << 16) | (b[o + 4]! << 24)) >>> 0;
      if (v < 1073741824) throw invalid("non-canonical compact");
      o += 5;
  }
  cursor = o;
  return v;
}

/** Parses `b[start, end)` as one node into `out`. Throws `TRIE_ERROR_INVALID_NODE`. */
export function parseNode(b: Uint8Array, out: NodeLayout, start = 0, end = b.length): NodeLayout {
  if (start >= end) throw invalid("empty input");
  const h = b[start]!;
  let o = start + 1;
  let prefix: number;
  let hashed = false;
  let branch: boolean;
  let hasValue = true;
  if (h === 0) {
    if (end !== start + 1) throw invalid("trailing bytes");
    out.kind = 0;
    out.nibbles = out.ps = out.pe = out.valueKind = out.bitmap = 0;
    return out;
  }
  switch (h & 0xc0) {
    case HEADER_LEAF:
      prefix = HEADER_LEAF;
      branch = false;
      break;
    case HEADER_BRANCH:
      prefix = HEADER_BRANCH;
      branch = true;
      hasValue = false;
      break;
    case HEADER_BRANCH_VALUE:
      prefix = HEADER_BRANCH_VALUE;
      branch = true;
      break;
    default:
      if ((h & 0xe0) === HEADER_HASHED_LEAF) {
        prefix = HEADER_HASHED_LEAF;
        branch = false;
      } else if ((h & 0xf0) === HEADER_HASHED_BRANCH) {
        prefix = HEADER_HASHED_BRANCH;
        branch = true;
      } else {
        throw invalid("unallowed header");
      }
      hashed = true;
  }
  const max = headerMax(prefix);
  let nibbles = h & max;
  if (nibbles === max) {
    for (;;) {
      if (o >= end) throw invalid("out of data");
      const x = b[o++]!;
      nibbles += x;
      if (nibbles > MAX_PARTIAL_NIBBLES) throw invalid("partial key too long");
      if (x < 255) break;
    }
  }
  const partialBytes = (nibbles + 1) >> 1;
  if (o + partialBytes > end) throw invalid("out of data");
  if (nibbles & 1 && b[o]! >> 4 !== 0) throw invalid("bad padding nibble");
  out.nibbles = nibbles;
  out.ps = 2 * o + (nibbles & 1);
  out.pe = out.ps + nibbles;
  o += partialBytes;
  let bitmap = 0;
  if (branch) {
    if (o + 2 > end) throw invalid("out of data");
    bitmap = b[o]! | (b[o + 1]! << 8);
    if (bitmap === 0) throw invalid("branch without children");
    o += 2;
  }
  if (!hasValue) {
    out.valueKind = 0;
    out.valueStart = out.valueEnd = o;
  } else if (hashed) {
    if (o + 32 > end) throw invalid("out of data");
    out.valueKind = 2;
    out.valueStart = o;
    out.valueEnd = o += 32;
  } else {
    cursor = o;
    const len = readCompact(b, end);
    o = cursor;
    if (o + len > end) throw invalid("out of data");
    out.valueKind = 1;
    out.valueStart = o;
    out.valueEnd = o += len;
  }
  if (branch) {
    for (let i = 0; i < 16; i++) {
      if (((bitmap >> i) & 1) === 0) continue;
      cursor = o;
      const len = readCompact(b, end);
      o = cursor;
      if (len > 32) throw invalid("inline child of 32 bytes or more");
      if (o + len > end) throw invalid("out of data");
      out.childStart[i] = o;
      out.childLen[i] = len;
      o += len;
    }
  }
  if (o !== end) throw invalid("trailing bytes");
  out.kind = branch ? 2 : 1;
  out.bitmap = bitmap;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain-data codec (tools, tests, proofs): one node in, one node out.

export type NodeValue = { hashed: false; value: Uint8Array } | { hashed: true; hash: Uint8Array };

/** One decoded node. `children` is null for a leaf; for a branch, 16 merkle values or null. */
export interface TrieNodeData {
  /** Partial key, one nibble (0..15) per byte. */
  partial: Uint8Array;
  value: NodeValue | null;
  children: (Uint8Array | null)[] | null;
}

/** Decodes one node; `null` is the empty trie node `0x00`. Throws `TRIE_ERROR_INVALID_NODE`. */
export function decodeNode(bytes: Uint8Array): TrieNodeData | null {
  const l = parseNode(bytes, new NodeLayout());
  if (l.kind === 0) return null;
  const partial = new Uint8Array(l.nibbles);
  for (let i = 0; i < l.nibbles; i++) partial[i] = nibbleAt(bytes, l.ps + i);
  const v = bytes.slice(l.valueStart, l.valueEnd);
  const value: NodeValue | null = l.valueKind === 0 ? null : l.valueKind === 1 ? { hashed: false, value: v } : { hashed: true, hash: v };
  let children: (Uint8Array | null)[] | null = null;
  if (l.kind === 2) {
    children = [];
    for (let i = 0; i < 16; i++) {
      children.push((l.bitmap >> i) & 1 ? bytes.slice(l.childStart[i]!, l.childStart[i]! + l.childLen[i]!) : null);
    }
  }
  return { partial, value, children };
}

/** Encodes one node exactly as sp-trie's `NodeCodec` (`null` gives the empty node). */
export function encodeNode(node: TrieNodeData | null): Uint8Array {
  if (node === null) return EMPTY_TRIE_NODE.slice();
  const n = node.partial.length;
  const packed = new Uint8Array((n + 1) >> 1);
  // Pack nibble i at nibble position i + (n & 1), so odd counts put the first nibble alone.
  for (let i = 0; i < n; i++) {
    const p = i + (n & 1);
    packed[p >> 1]! |= (node.partial[i]! & 15) << ((~p & 1) << 2);
  }
  const branch = node.children !== null;
  const v = node.value;
  const prefix = branch
    ? v === null ? HEADER_BRANCH : v.hashed ? HEADER_HASHED_BRANCH : HEADER_BRANCH_VALUE
    : v === null ? -1 : v.hashed ? HEADER_HASHED_LEAF : HEADER_LEAF;
  if (prefix < 0) throw new TypeError("a leaf needs a value");
  let size = headerSize(prefix, n) + packed.length + (branch ? 2 : 0);
  if (v !== null) size += v.hashed ? 32 : compactSize(v.value.length) + v.value.length;
  let bitmap = 0;
  if (branch) {
    node.children!.forEach((c, i) => {
      if (c === null) return;
      if (c.length > 32) throw new TypeError("a child merkle value has at most 32 bytes");
      bitmap |= 1 << i;
      size += compactSize(c.length) + c.length;
    });
    if (bitmap === 0) throw new TypeError("a branch needs a child");
  }
  const out = new Uint8Array(size);
  let o = writeHeader(out, 0, prefix, n);
  out.set(packed, o);
  o += packed.length;
  if (branch) {
    out[o++] = bitmap & 255;
    out[o++] = bitmap >> 8;
  }
  if (v !== null) {
    if (v.hashed) {
      out.set(v.hash, o);
      o += 32;
    } else {
      o = writeCompact(out, o, v.value.length);
      out.set(v.value, o);
      o += v.value.length;
    }
  }
  if (branch) {
    for (const c of node.children!) {
      if (c === null) continue;
      o = writeCompact(out, o, c.length);
      out.set(c, o);
      o += c.length;
    }
  }
  return out;
}

/** The merkle value of an encoded node: the encoding itself when shorter than 32 bytes, else its hash. */
export const merkleValue = (encoded: Uint8Array): Uint8Array => (encoded.length < 32 ? encoded : blake2_256(encoded));

/**
 * Fills `starts`/`lens` with the child merkle value positions of a branch encoding that is known
 * to be valid (our own, or one `parseNode` accepted): no checks, for the hashing hot path.
 */
export function scanChildren(b: Uint8Array, starts: Int32Array, lens: Int32Array): void {
  const h = b[0]!;
  let max: number;
  let value: number; // 0 none, 1 inline, 2 hashed
  if ((h & 0xc0) === HEADER_BRANCH) {
    max = 63;
    value = 0;
  } else if ((h & 0xc0) === HEADER_BRANCH_VALUE) {
    max = 63;
    value = 1;
  } else {
    max = 15;
    value = 2;
  }
  let nib = h & max;
  let o = 1;
  if (nib === max) {
    let x: number;
    do {
      x = b[o++]!;
      nib += x;
    } while (x === 255);
  }
  o += (nib + 1) >> 1;
  const bitmap = b[o]! | (b[o + 1]! << 8);
  o += 2;
  if (value === 2) o += 32;
  else if (value === 1) {
    cursor = o;
    const len = readCompact(b, b.length);
    o = cursor + len;
  }
  for (let i = 0; i < 16; i++) {
    if (((bitmap >> i) & 1) === 0) continue;
    let len = b[o]!;
    if ((len & 3) === 0) {
      len >>= 2;
      o += 1;
    } else {
      len = (len | (b[o + 1]! << 8)) >> 2; // merkle values are at most 32 bytes: 1- or 2-byte compacts
      o += 2;
    }
    starts[i] = o;
    lens[i] = len;
    o += len;
  }
}
