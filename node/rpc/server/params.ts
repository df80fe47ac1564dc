import {
  RpcError,
  expectArray,
  expectBoolean,
  expectHash,
  expectHex,
  expectNumber,
  expectNumberOrHex,
  expectOptionalArray,
  expectOptionalHash,
  expectOptionalHex,
  expectOptionalNumber,
  expectOptionalString,
  expectString,
} from "../errors.ts";

const NO_NAMES: readonly string[] = [];

/**
 * The `params` of a call: positional (JSON array) or named (JSON object). `at(i)` reads position `i`,
 * or for named params the i-th declared name (`MethodOptions.params`), or an explicit `name`.
 * Absent params read as `undefined`; the typed readers throw `RpcError.invalidParams`.
 */
export class RpcParams {
  /** The params as sent: an array, an object, or `undefined` when absent or `null`. */
  readonly raw: readonly unknown[] | Readonly<Record<string, unknown>> | undefined;
  private readonly names: readonly string[];

  constructor(raw: unknown, names: readonly string[] = NO_NAMES) {
    if (raw === undefined || raw === null) this.raw = undefined;
    else if (typeof raw === "object") this.raw = raw as readonly unknown[] | Record<string, unknown>;
    else throw RpcError.invalidParams(`params must be an array or an object, got ${typeof raw}`);
    this.names = names;
  }

  /** Number of positional params (for named params: the number of declared names present). */
  get length(): number {
    const r = this.raw;
    if (r === undefined) return 0;
    if (Array.isArray(r)) return r.length;
    let n = 0;
    for (const name of this.names) if ((r as Record<string, unknown>)[name] !== undefined) n++;
    return n;
  }

  at(i: number, name?: string): unknown {
    const r = this.raw;
    if (r === undefined) return undefined;
    if (Array.isArray(r)) return r[i];
    const key = name ?? this.names[i];
    return key === undefined ? undefined : (r as Record<string, unknown>)[key];
  }

  /** Positional view: the array itself, or named params laid out by the declared names. */
  toArray(): unknown[] {
    const r = this.raw;
    if (r === undefined) return [];
    if (Array.isArray(r)) return r as unknown[];
    return this.names.map((n) => (r as Record<string, unknown>)[n]);
  }

  private what(i: number, name?: string): string {
    const n = name ?? this.names[i];
    return n === undefined ? `param ${i}` : `param ${i} (${n})`;
  }

  hex(i: number, name?: string): Uint8Array {
    return expectHex(this.at(i, name), this.what(i, name));
  }
  optionalHex(i: number, name?: string): Uint8Array | undefined {
    return expectOptionalHex(this.at(i, name), this.what(i, name));
  }
  hash(i: number, name?: string): `0x${string}` {
    return expectHash(this.at(i, name), this.what(i, name));
  }
  optionalHash(i: number, name?: string): `0x${string}` | undefined {
    return expectOptionalHash(this.at(i, name), this.what(i, name));
  }
  number(i: number, name?: string): number {
    return expectNumber(this.at(i, name), this.what(i, name));
  }
  optionalNumber(i: number, name?: string): number | undefined {
    return expectOptionalNumber(this.at(i, name), this.what(i, name));
  }
  numberOrHex(i: number, name?: string): number {
    return expectNumberOrHex(this.at(i, name), this.what(i, name));
  }
  string(i: number, name?: string): string {
    return expectString(this.at(i, name), this.what(i, name));
  }
  optionalString(i: number, name?: string): string | undefined {
    return expectOptionalString(this.at(i, name), this.what(i, name));
  }
  boolean(i: number, name?: string): boolean {
    return expectBoolean(this.at(i, name), this.what(i, name));
  }
  array(i: number, name?: string): unknown[] {
    return expectArray(this.at(i, name), this.what(i, name));
  }
  optionalArray(i: number, name?: string): unknown[] | undefined {
    return expectOptionalArray(this.at(i, name), this.what(i, name));
  }
}
