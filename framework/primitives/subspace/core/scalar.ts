/**
 * Scalars: BLS12-381 Fr values serialised as 32 big-endian bytes (`ScalarBytes`). Data chunks of
 * 31 safe bytes become scalars as `0x00 ‖ chunk` (`shared/subspace-kzg`, `From<[u8; 31]> for Scalar`).
 */
import { blake3 } from "../../../crypto/index.ts";
import { BLS12_381_R, SCALAR_FULL_BYTES, SCALAR_SAFE_BYTES } from "../profile/index.ts";

/** 32-byte big-endian serialisation of an Fr element. */
export type ScalarBytes = Uint8Array;

export class InvalidScalarError extends Error {
  readonly code = "SCALAR_ERROR_NOT_CANONICAL";
  constructor() {
    super("scalar bytes are not a canonical BLS12-381 Fr element (value ≥ r)");
  }
}

/** Read a 32-byte big-endian scalar at `offset`; throws `InvalidScalarError` when ≥ r. */
export function scalarFromBytes(bytes: Uint8Array, offset = 0): bigint {
  const v = readU256Be(bytes, offset);
  if (v >= BLS12_381_R) throw new InvalidScalarError();
  return v;
}

/** Whether the 32 bytes at `offset` are a canonical scalar. */
export function isCanonicalScalar(bytes: Uint8Array, offset = 0): boolean {
  if (offset + SCALAR_FULL_BYTES > bytes.length) throw new RangeError("scalar out of bounds");
  // PERF: compare big-endian bytes with r's; almost always decided by the first byte.
  for (let i = 0; i < SCALAR_FULL_BYTES; i++) {
    const b = bytes[offset + i]!;
    const m = R_BYTES[i]!;
    if (b !== m) return b < m;
  }
  return false; // equal to r
}

const R_BYTES = Uint8Array.from(Buffer.from(BLS12_381_R.toString(16).padStart(64, "0"), "hex"));

/** Read 31 safe bytes at `offset` as the scalar `0x00 ‖ chunk` (always canonical). */
export function scalarFromSafeBytes(bytes: Uint8Array, offset = 0): bigint {
  // 31 bytes = 3 + 4 bytes, then three 8-byte words; numbers stay below 2^32 before widening.
  let v = (BigInt(readUintBe(bytes, offset, 3)) << 32n) | BigInt(readUintBe(bytes, offset + 3, 4));
  for (let k = 7; k < SCALAR_SAFE_BYTES; k += 8) {
    const hi = readUintBe(bytes, offset + k, 4);
    const lo = readUintBe(bytes, offset + k + 4, 4);
    v = (v << 64n) | (BigInt(hi) << 32n) | BigInt(lo);
  }
  return v;
}

/** Write `value` (< 2^256) as 32 big-endian bytes into `out` at `offset`. */
export function writeScalar(out: Uint8Array, offset: number, value: bigint): void {
  let v = value;
  for (let i = SCALAR_FULL_BYTES - 4; i >= 0; i -= 4) {
    const w = Number(v & 0xffffffffn);
    out[offset + i] = w >>> 24;
    out[offset + i + 1] = (w >>> 16) & 0xff;
    out[offset + i + 2] = (w >>> 8) & 0xff;
    out[offset + i + 3] = w & 0xff;
    v >>= 32n;
  }
}

export function scalarToBytes(value: bigint): ScalarBytes {
  const out = new Uint8Array(SCALAR_FULL_BYTES);
  writeScalar(out, 0, value);
  return out;
}

/**
 * The 31 safe bytes of a scalar, or null when its top byte is not zero
 * (`Scalar::try_to_safe_bytes`).
 */
export function scalarToSafeBytes(value: bigint): Uint8Array | null {
  const full = scalarToBytes(value);
  return full[0] === 0 ? full.subarray(1) : null;
}

/** `blake3_254_hash_to_scalar`: blake3(data) with the top two bits cleared (big-endian). */
export function blake3_254HashToScalar(data: Uint8Array): ScalarBytes {
  const h = blake3(data);
  h[0]! &= 0x3f;
  return h;
}

function readUintBe(bytes: Uint8Array, offset: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + bytes[offset + i]!;
  return v;
}

function readU256Be(bytes: Uint8Array, offset: number): bigint {
  if (offset + SCALAR_FULL_BYTES > bytes.length) throw new RangeError("scalar out of bounds");
  let v = 0n;
  for (let k = 0; k < SCALAR_FULL_BYTES; k += 8) {
    const hi = readUintBe(bytes, offset + k, 4);
    const lo = readUintBe(bytes, offset + k + 4, 4);
    v = (v << 64n) | (BigInt(hi) << 32n) | BigInt(lo);
  }
  return v;
}
