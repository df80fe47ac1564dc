/** Byte-view helpers shared by every codec user. */

/**
 * Returns a view scale-ts can decode from: scale-ts 1.6.1 decodes from the start of the
 * underlying ArrayBuffer, so a `subarray()` is copied into its own buffer first.
 */
export function exactView(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  // Uint8Array.prototype.slice copies; Buffer#slice (a subclass override) would return a view.
  return Uint8Array.prototype.slice.call(bytes);
}

export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

const HEX_RE = /^(0x)?([0-9a-fA-F]{2})*$/;

/** Parses `0x…` or bare hex; throws a TypeError on anything else (odd length, non-hex). */
export function fromHex(hex: string): Uint8Array {
  if (!HEX_RE.test(hex)) throw new TypeError(`invalid hex string: ${hex.length > 40 ? hex.slice(0, 40) + "…" : hex}`);
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  return new Uint8Array(Buffer.from(body, "hex"));
}

export function isHex(value: unknown): value is string {
  return typeof value === "string" && HEX_RE.test(value);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatList(parts);
}

/** Concatenates a list of byte arrays (no argument spreading: lists may be long). */
export function concatList(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
