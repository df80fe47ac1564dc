/**
 * `Segment` and `SegmentItem` (`crates/subspace-archiving/src/archiver.rs`).
 *
 * `Segment::V0` = byte 0x00 followed by the SCALE items concatenated, with no item-count prefix;
 * decoding reads items until the input ends. Item indices: 0 `Padding`, 1 `Block{bytes}`,
 * 2 `BlockStart{bytes}`, 3 `BlockContinuation{bytes}`, 4 `ParentSegmentHeader(SegmentHeader)`.
 * `bytes` is a compact-length `Vec<u8>`; object mappings ride along in memory but are not encoded.
 */
import { exactView } from "../../../codec/bytes.ts";
import type { BlockObject } from "./objects.ts";
import {
  SegmentHeaderCodec, decodeSegmentHeader, segmentHeaderEncodedSize, type SegmentHeader,
} from "./segments.ts";

export type SegmentItem =
  | { readonly type: "Padding" }
  | { readonly type: "Block" | "BlockStart" | "BlockContinuation"; readonly bytes: Uint8Array; objects?: BlockObject[] }
  | { readonly type: "ParentSegmentHeader"; readonly header: SegmentHeader };

export const SEGMENT_ITEM_INDEX = { Padding: 0, Block: 1, BlockStart: 2, BlockContinuation: 3, ParentSegmentHeader: 4 } as const;
const ITEM_TYPE_BY_INDEX = ["Padding", "Block", "BlockStart", "BlockContinuation", "ParentSegmentHeader"] as const;

export class SegmentDecodeError extends Error {
  readonly code = "SEGMENT_DECODE_ERROR";
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
  }
}

// ---- SCALE compact for u32 lengths ---------------------------------------------------------

/** Bytes of the SCALE compact encoding of `n` (u32 range). */
export function compactLen(n: number): number {
  return n < 1 << 6 ? 1 : n < 1 << 14 ? 2 : n < 1 << 30 ? 4 : 5;
}

/** Writes compact(n) at `offset`; returns the offset after it. */
export function writeCompact(out: Uint8Array, offset: number, n: number): number {
  if (n < 1 << 6) {
    out[offset] = n << 2;
    return offset + 1;
  }
  if (n < 1 << 14) {
    const v = (n << 2) | 1;
    out[offset] = v & 0xff;
    out[offset + 1] = v >>> 8;
    return offset + 2;
  }
  if (n < 1 << 30) {
    const v = ((n << 2) | 2) >>> 0;
    out[offset] = v & 0xff;
    out[offset + 1] = (v >>> 8) & 0xff;
    out[offset + 2] = (v >>> 16) & 0xff;
    out[offset + 3] = v >>> 24;
    return offset + 4;
  }
  out[offset] = 3; // big-integer mode, 4 bytes follow
  out[offset + 1] = n & 0xff;
  out[offset + 2] = (n >>> 8) & 0xff;
  out[offset + 3] = (n >>> 16) & 0xff;
  out[offset + 4] = n >>> 24;
  return offset + 5;
}

/** Reads a compact u32 at `offset`; returns [value, next offset]. Rejects non-canonical encodings. */
export function readCompact(bytes: Uint8Array, offset: number): [number, number] {
  if (offset >= bytes.length) throw new SegmentDecodeError("unexpected end of input in compact length", offset);
  const b0 = bytes[offset]!;
  switch (b0 & 3) {
    case 0:
      return [b0 >>> 2, offset + 1];
    case 1: {
      if (offset + 2 > bytes.length) throw new SegmentDecodeError("unexpected end of input in compact length", offset);
      const v = (b0 | (bytes[offset + 1]! << 8)) >>> 2;
      if (v < 1 << 6) throw new SegmentDecodeError("non-canonical compact length", offset);
      return [v, offset + 2];
    }
    case 2: {
      if (offset + 4 > bytes.length) throw new SegmentDecodeError("unexpected end of input in compact length", offset);
      const v = ((b0 | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0) >>> 2;
      if (v < 1 << 14) throw new SegmentDecodeError("non-canonical compact length", offset);
      return [v, offset + 4];
    }
    default: {
      if (b0 !== 3) throw new SegmentDecodeError("compact length wider than u32", offset);
      if (offset + 5 > bytes.length) throw new SegmentDecodeError("unexpected end of input in compact length", offset);
      const v = (bytes[offset + 1]! | (bytes[offset + 2]! << 8) | (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 24)) >>> 0;
      if (v < 1 << 30) throw new SegmentDecodeError("non-canonical compact length", offset);
      return [v, offset + 5];
    }
  }
}

// ---- items ---------------------------------------------------------------------------------

/** Encoded size of one item. */
export function segmentItemEncodedSize(item: SegmentItem): number {
  switch (item.type) {
    case "Padding":
      return 1;
    case "ParentSegmentHeader":
      return 1 + segmentHeaderEncodedSize(item.header);
    default:
      return 1 + compactLen(item.bytes.length) + item.bytes.length;
  }
}

/** Writes one item at `offset`; returns the offset after it. */
export function writeSegmentItem(out: Uint8Array, offset: number, item: SegmentItem): number {
  out[offset] = SEGMENT_ITEM_INDEX[item.type];
  let o = offset + 1;
  switch (item.type) {
    case "Padding":
      return o;
    case "ParentSegmentHeader": {
      const enc = SegmentHeaderCodec.enc(item.header);
      out.set(enc, o);
      return o + enc.length;
    }
    default:
      o = writeCompact(out, o, item.bytes.length);
      out.set(item.bytes, o);
      return o + item.bytes.length;
  }
}

export function encodeSegmentItem(item: SegmentItem): Uint8Array {
  const out = new Uint8Array(segmentItemEncodedSize(item));
  writeSegmentItem(out, 0, item);
  return out;
}

/** Encoded size of `Segment::V0 { items }` (1 byte version + items). */
export function segmentEncodedSize(items: readonly SegmentItem[]): number {
  let n = 1;
  for (const it of items) n += segmentItemEncodedSize(it);
  return n;
}

/**
 * Encodes `Segment::V0 { items }` into `out` (zero-filled beyond the items when `out` is new or
 * zeroed; trailing zeros decode as `Padding`). Returns the number of bytes written.
 */
export function writeSegment(out: Uint8Array, items: readonly SegmentItem[]): number {
  out[0] = 0;
  let o = 1;
  for (const it of items) o = writeSegmentItem(out, o, it);
  return o;
}

export function encodeSegment(items: readonly SegmentItem[]): Uint8Array {
  const out = new Uint8Array(segmentEncodedSize(items));
  writeSegment(out, items);
  return out;
}

/**
 * Decodes a `Segment`. Bytes are sub-views of `bytes` (no copies). `Padding` items (one per zero
 * byte) are dropped unless `includePadding` is set.
 */
export function decodeSegment(bytes: Uint8Array, options: { includePadding?: boolean } = {}): SegmentItem[] {
  if (bytes.length === 0) throw new SegmentDecodeError("could not decode Segment: no variant byte", 0);
  if (bytes[0] !== 0) throw new SegmentDecodeError(`could not decode Segment: variant ${bytes[0]} does not exist`, 0);
  const items: SegmentItem[] = [];
  let o = 1;
  while (o < bytes.length) {
    const tag = bytes[o]!;
    const type = ITEM_TYPE_BY_INDEX[tag];
    if (type === undefined) throw new SegmentDecodeError(`could not decode SegmentItem: variant ${tag} does not exist`, o);
    o += 1;
    if (type === "Padding") {
      if (options.includePadding) items.push({ type });
      continue;
    }
    if (type === "ParentSegmentHeader") {
      // V0 headers are 94 or 98 bytes; decode from a bounded window.
      if (o + 94 > bytes.length) throw new SegmentDecodeError("truncated segment header", o);
      const partial = bytes[o + 1 + 8 + 48 + 32 + 4] === 1;
      const size = partial ? 98 : 94;
      if (o + size > bytes.length) throw new SegmentDecodeError("truncated segment header", o);
      let header: SegmentHeader;
      try {
        header = decodeSegmentHeader(exactView(bytes.subarray(o, o + size)));
      } catch (e) {
        throw new SegmentDecodeError(`invalid segment header: ${(e as Error).message}`, o);
      }
      items.push({ type, header });
      o += size;
      continue;
    }
    const [len, next] = readCompact(bytes, o);
    if (next + len > bytes.length) throw new SegmentDecodeError(`${type} bytes run past the end of the segment`, o);
    items.push({ type, bytes: bytes.subarray(next, next + len) });
    o = next + len;
  }
  return items;
}
