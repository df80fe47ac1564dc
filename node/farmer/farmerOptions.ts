/**
 * Argument values of `subspace-farmer farm`: farm specs (`path=DIR,size=SIZE`), sizes as the
 * reference's `bytesize` reads them (`20MiB`, `1GiB`, `1.5 GB`, plain bytes), and reward addresses
 * (SS58 with any prefix, or 0x-hex of 32 bytes).
 */
import { fromHex } from "../../framework/codec/bytes.ts";
import { ss58Decode } from "../../framework/crypto/index.ts";

export class FarmerOptionError extends Error {
  readonly code = "FARMER_OPTION_ERROR";
}

export interface FarmSpec {
  readonly directory: string;
  /** Bytes the farm may take on disk (plot, metadata, reserved header). */
  readonly allocatedSpace: number;
}

const UNITS: Record<string, number> = {
  "": 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40,
};

/** `20MiB`, `1GiB`, `1.5 GB`, `4096` → bytes (whole bytes, rounded down). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new FarmerOptionError(`invalid size "${text}" (examples: 20MiB, 1GiB, 1.5GB, 4096)`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new FarmerOptionError(`size "${text}" is too large`);
  return bytes;
}

/** `path=DIR,size=SIZE` (either order); both are required for `farm`. */
export function parseFarmSpec(arg: string): FarmSpec {
  let directory: string | undefined;
  let size: string | undefined;
  for (const part of arg.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new FarmerOptionError(`farm "${arg}": expected path=DIR,size=SIZE`);
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1);
    if (k === "path") directory = v;
    else if (k === "size") size = v;
    else throw new FarmerOptionError(`farm "${arg}": unknown key "${k}" (path, size)`);
  }
  if (!directory) throw new FarmerOptionError(`farm "${arg}" has no path=`);
  if (size === undefined) throw new FarmerOptionError(`farm "${arg}" has no size=`);
  return { directory, allocatedSpace: parseSize(size) };
}

/** SS58 (any network prefix) or 0x-hex of 32 bytes → the 32-byte account id. */
export function parseRewardAddress(text: string): Uint8Array {
  const t = text.trim();
  if (/^0x[0-9a-fA-F]*$/.test(t)) {
    if (t.length !== 66) throw new FarmerOptionError(`reward address ${t}: hex must be 32 bytes`);
    return fromHex(t);
  }
  let id: Uint8Array;
  try {
    id = ss58Decode(t);
  } catch (e) {
    throw new FarmerOptionError(`reward address "${t}" is neither SS58 nor 0x-hex of 32 bytes (${(e as Error).message})`);
  }
  if (id.length !== 32) throw new FarmerOptionError(`reward address "${t}" is ${id.length} bytes, expected a 32-byte account`);
  return id;
}
