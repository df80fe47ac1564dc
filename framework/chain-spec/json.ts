/**
 * JSON with integers beyond 2^53 (u128 balances): Substrate writes them as bare JSON numbers.
 * `parseJson` turns long integer literals into bigints; `stringifyJson` writes bigints as numbers.
 */
const LONG_INT = /([:\[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g;
const MARK = "\u0000bigint:";

export function parseJson(text: string): any {
  const quoted = text.replace(LONG_INT, (_m, pre: string, digits: string) => `${pre}"\\u0000bigint:${digits}"`);
  return JSON.parse(quoted, (_k, v) => (typeof v === "string" && v.startsWith(MARK) ? BigInt(v.slice(MARK.length)) : v));
}

export function stringifyJson(value: unknown, indent = 2): string {
  const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${MARK}${v}` : v), indent);
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}

/** A JSON value as a bigint (number, bigint, decimal or 0x-hex string). */
export function toBigInt(v: unknown, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) return BigInt(v);
  throw new TypeError(`${what}: expected an integer, got ${JSON.stringify(v)}`);
}
