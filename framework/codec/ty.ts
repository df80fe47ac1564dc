/**
 * SCALE codecs on scale-ts, each paired with scale-info type information so the runtime can emit
 * a portable registry for metadata V14/V15.
 *
 * scale-ts is lax on malformed input (fixed-size byte arrays shorter than declared decode silently,
 * an unknown enum index throws a TypeError, any non-zero byte is `Some`), so the combinators that
 * read variable data are written here on scale-ts's cursor (`createDecoder`: the decoder receives
 * scale-ts's internal byte view with its shared index `i`) and reject such input with a `CodecError`.
 */
import {
  createCodec,
  createDecoder,
  compact as scaleCompact,
  u8 as scaleU8,
  u16 as scaleU16,
  u32 as scaleU32,
  u64 as scaleU64,
  u128 as scaleU128,
  u256 as scaleU256,
  i8 as scaleI8,
  i16 as scaleI16,
  i32 as scaleI32,
  i64 as scaleI64,
  i128 as scaleI128,
  type Codec,
  type Encoder,
  type Decoder,
} from "scale-ts";
import { exactView, concatBytes, concatList } from "./bytes.ts";

export type Primitive =
  | "bool" | "char" | "str" | "u8" | "u16" | "u32" | "u64" | "u128" | "u256"
  | "i8" | "i16" | "i32" | "i64" | "i128" | "i256";

export interface Field {
  readonly name?: string;
  readonly type: Ty<any>;
  readonly typeName?: string;
  readonly docs?: readonly string[];
}

export interface VariantInfo {
  readonly name: string;
  readonly index: number;
  readonly fields: readonly Field[];
  readonly docs?: readonly string[];
}

export type TypeDef =
  | { readonly tag: "primitive"; readonly name: Primitive }
  | { readonly tag: "composite"; readonly fields: readonly Field[] }
  | { readonly tag: "variant"; readonly variants: readonly VariantInfo[] }
  | { readonly tag: "sequence"; readonly of: Ty<any> }
  | { readonly tag: "array"; readonly len: number; readonly of: Ty<any> }
  | { readonly tag: "tuple"; readonly items: readonly Ty<any>[] }
  | { readonly tag: "compact"; readonly of: Ty<any> }
  | { readonly tag: "lazy"; readonly target: () => Ty<any> };

export interface TypeInfo {
  readonly path?: readonly string[];
  readonly params?: readonly { readonly name: string; readonly type?: Ty<any> }[];
  readonly def: TypeDef;
  readonly docs?: readonly string[];
}

/** A SCALE codec and its type information. Values of `Ty` are built once, at module scope. */
export interface Ty<T> {
  readonly codec: Codec<T>;
  readonly enc: Encoder<T>;
  readonly dec: Decoder<T>;
  readonly info: TypeInfo;
}

export class CodecError extends Error {
  readonly code = "CODEC_ERROR";
  constructor(message: string) {
    super(message);
    this.name = "CodecError";
  }
}

/** scale-ts's internal byte view: a Uint8Array over the whole buffer with a shared cursor. */
interface Cursor extends Uint8Array {
  i: number;
  v: DataView;
}

export function ty<T>(codec: Codec<T>, info: TypeInfo): Ty<T> {
  return { codec, enc: codec.enc, dec: codec.dec, info };
}

export function fromCursor<T>(encode: Encoder<T>, decode: (c: Cursor) => T, info: TypeInfo): Ty<T> {
  return ty(createCodec(encode, createDecoder(decode as unknown as (b: any) => T)), info);
}

/**
 * A copy of `c[start..end]` as a plain Uint8Array. (`c.slice`/`c.subarray` would construct
 * scale-ts's cursor subclass through the species constructor and fail.)
 */
export function copyOut(c: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(c.buffer, c.byteOffset + start, end - start).slice();
}

/** A plain view (no copy) of `c[start..end]`. */
export function viewOf(c: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(c.buffer, c.byteOffset + start, end - start);
}

function need(c: Cursor, n: number): void {
  if (c.i + n > c.byteLength) throw new CodecError(`unexpected end of input: need ${n} bytes at offset ${c.i}`);
}

/**
 * The position where the last `wrapped` decode stopped. Decoding is synchronous, so one module-level
 * slot is enough.
 */
let decodeEnd = -1;
const wrappedCache = new WeakMap<Ty<any>, Decoder<any>>();

/**
 * `t`'s decoder as a top-level scale-ts decoder that records where it stopped.
 * PERF: built once per type; building it per call (a closure and scale-ts wrapper per storage read)
 * was ~4 % of applying a transfer.
 */
function wrapped<T>(t: Ty<T>): Decoder<T> {
  let w = wrappedCache.get(t);
  if (!w) {
    const dec = t.dec;
    w = createDecoder((c: any) => {
      const v = dec(c);
      decodeEnd = c.i;
      return v;
    });
    wrappedCache.set(t, w);
  }
  return w as Decoder<T>;
}

/** Decodes `bytes` completely; any trailing byte or truncation is a `CodecError`. */
export function decodeAll<T>(t: Ty<T>, bytes: Uint8Array): T {
  const view = exactView(bytes);
  let value: T;
  decodeEnd = -1;
  try {
    value = wrapped(t)(view);
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError(`malformed input: ${(e as Error).message}`);
  }
  if (decodeEnd !== view.byteLength) throw new CodecError(`${view.byteLength - decodeEnd} trailing bytes after a complete value`);
  return value;
}

/** Decodes a prefix of `bytes`, returning the value and the number of bytes consumed. */
export function decodePrefix<T>(t: Ty<T>, bytes: Uint8Array): [T, number] {
  decodeEnd = -1;
  try {
    const value = wrapped(t)(exactView(bytes));
    return [value, decodeEnd];
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError(`malformed input: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Primitives

const prim = <T>(codec: Codec<T>, name: Primitive): Ty<T> => ty(codec, { def: { tag: "primitive", name } });

export const u8 = prim(scaleU8, "u8");
export const u16 = prim(scaleU16, "u16");
export const u32 = prim(scaleU32, "u32");
export const u64 = prim(scaleU64, "u64");
export const u128 = prim(scaleU128, "u128");
export const u256 = prim(scaleU256, "u256");
export const i8 = prim(scaleI8, "i8");
export const i16 = prim(scaleI16, "i16");
export const i32 = prim(scaleI32, "i32");
export const i64 = prim(scaleI64, "i64");
export const i128 = prim(scaleI128, "i128");

const TRUE = Uint8Array.of(1);
const FALSE = Uint8Array.of(0);
export const bool: Ty<boolean> = fromCursor(
  (v) => (v ? TRUE : FALSE),
  (c) => {
    need(c, 1);
    const b = c[c.i++];
    if (b > 1) throw new CodecError(`invalid bool byte ${b}`);
    return b === 1;
  },
  { def: { tag: "primitive", name: "bool" } },
);

const EMPTY = new Uint8Array(0);
/** The unit type `()`: an empty tuple. */
export const unit: Ty<undefined> = fromCursor(() => EMPTY, () => undefined, { def: { tag: "tuple", items: [] } });

function readCompact(c: Cursor): number | bigint {
  need(c, 1);
  const mode = c[c.i]! & 3;
  if (mode === 0) return c[c.i++]! >>> 2;
  if (mode === 1) {
    need(c, 2);
    const v = (c[c.i]! | (c[c.i + 1]! << 8)) >>> 2;
    c.i += 2;
    if (v < 64) throw new CodecError("non-canonical compact encoding");
    return v;
  }
  if (mode === 2) {
    need(c, 4);
    const v = c.v.getUint32(c.i, true) >>> 2;
    c.i += 4;
    if (v < 1 << 14) throw new CodecError("non-canonical compact encoding");
    return v;
  }
  const n = (c[c.i]! >>> 2) + 4;
  need(c, 1 + n);
  c.i++;
  let v = 0n;
  for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(c[c.i + k]!);
  c.i += n;
  if (v < 1n << 30n || (n > 4 && v >> BigInt((n - 1) * 8) === 0n)) throw new CodecError("non-canonical compact encoding");
  return v;
}

/** Reads a compact integer that must fit a JS number (lengths, indices). */
export function readCompactNumber(c: Cursor): number {
  const v = readCompact(c);
  if (typeof v === "bigint") {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`compact value ${v} too large`);
    return Number(v);
  }
  return v;
}

export function encodeCompact(v: number | bigint): Uint8Array {
  return scaleCompact.enc(v);
}

/** `Compact<u32>` (and other compacts that fit a number), decoded as a number. */
export function compactNumber(of: Ty<number>): Ty<number> {
  return fromCursor((v) => scaleCompact.enc(v), readCompactNumber, { def: { tag: "compact", of } });
}

/** `Compact<u64>`/`Compact<u128>`, decoded as a bigint. */
export function compactBig(of: Ty<bigint>): Ty<bigint> {
  return fromCursor(
    (v) => scaleCompact.enc(v),
    (c) => BigInt(readCompact(c)),
    { def: { tag: "compact", of } },
  );
}

export const compactU32 = compactNumber(u32);
export const compactU64 = compactBig(u64);
export const compactU128 = compactBig(u128);

const textDecoder = new TextDecoder("utf-8", { fatal: true });
const textEncoder = new TextEncoder();
export const str: Ty<string> = fromCursor(
  (s) => {
    const b = textEncoder.encode(s);
    return concat2(scaleCompact.enc(b.length), b);
  },
  (c) => {
    const n = readCompactNumber(c);
    need(c, n);
    let s: string;
    try {
      s = textDecoder.decode(viewOf(c, c.i, c.i + n));
    } catch {
      throw new CodecError("invalid UTF-8 in string");
    }
    c.i += n;
    return s;
  },
  { def: { tag: "primitive", name: "str" } },
);

const concat2 = (a: Uint8Array, b: Uint8Array): Uint8Array => concatBytes(a, b);
const concatAll = concatList;

// ---------------------------------------------------------------------------------------------
// Combinators (memoised by child identity so the registry sees one type per shape)

const memo = <K extends object, V>() => new WeakMap<K, V>();

const vecCache = memo<Ty<any>, Ty<any>>();
/** `Vec<T>`. `Vec<u8>` decodes to a Uint8Array (see `bytes`). */
export function vec<T>(of: Ty<T>): Ty<T[]> {
  if ((of as Ty<any>) === u8) return bytes as unknown as Ty<T[]>;
  let t = vecCache.get(of);
  if (!t) {
    t = fromCursor(
      (vs: T[]) => {
        const parts: Uint8Array[] = [scaleCompact.enc(vs.length)];
        for (const v of vs) parts.push(of.enc(v));
        return concatAll(parts);
      },
      (c) => {
        const n = readCompactNumber(c);
        // Every element takes at least one byte except zero-sized ones; bound n by the input left.
        if (n > c.byteLength - c.i && !isZeroSized(of)) throw new CodecError(`vector length ${n} exceeds input`);
        const out: T[] = new Array(n);
        for (let k = 0; k < n; k++) out[k] = of.dec(c as any);
        return out;
      },
      { def: { tag: "sequence", of } },
    );
    vecCache.set(of, t);
  }
  return t as Ty<T[]>;
}

function isZeroSized(t: Ty<any>): boolean {
  const d = t.info.def;
  return (d.tag === "tuple" && d.items.length === 0) || (d.tag === "composite" && d.fields.length === 0);
}

/** `Vec<u8>` as a Uint8Array. */
export const bytes: Ty<Uint8Array> = fromCursor<Uint8Array>(
  (b: Uint8Array) => concat2(scaleCompact.enc(b.length), b),
  (c): Uint8Array => {
    const n = readCompactNumber(c);
    need(c, n);
    const out = copyOut(c, c.i, c.i + n);
    c.i += n;
    return out;
  },
  { def: { tag: "sequence", of: u8 } },
);

const arrayCache = new Map<number, Ty<Uint8Array>>();
/** `[u8; N]` as a Uint8Array of exactly N bytes. */
export function byteArray(len: number): Ty<Uint8Array> {
  let t = arrayCache.get(len);
  if (!t) {
    t = fromCursor<Uint8Array>(
      (b: Uint8Array) => {
        if (b.length !== len) throw new CodecError(`expected ${len} bytes, got ${b.length}`);
        return b;
      },
      (c): Uint8Array => {
        need(c, len);
        const out = copyOut(c, c.i, c.i + len);
        c.i += len;
        return out;
      },
      { def: { tag: "array", len, of: u8 } },
    );
    arrayCache.set(len, t);
  }
  return t!;
}

/** `[T; N]` for non-byte elements. */
export function array<T>(of: Ty<T>, len: number): Ty<T[]> {
  if ((of as Ty<any>) === u8) return byteArray(len) as unknown as Ty<T[]>;
  return fromCursor(
    (vs: T[]) => {
      if (vs.length !== len) throw new CodecError(`expected ${len} elements, got ${vs.length}`);
      return concatAll(vs.map((v) => of.enc(v)));
    },
    (c) => {
      const out: T[] = new Array(len);
      for (let k = 0; k < len; k++) out[k] = of.dec(c as any);
      return out;
    },
    { def: { tag: "array", len, of } },
  );
}

type TupleValues<Ts extends readonly Ty<any>[]> = { [K in keyof Ts]: Ts[K] extends Ty<infer V> ? V : never };

export function tuple<const Ts extends readonly Ty<any>[]>(...items: Ts): Ty<TupleValues<Ts>> {
  return fromCursor(
    (vs: any) => concatAll(items.map((t, k) => t.enc(vs[k]))),
    (c) => items.map((t) => t.dec(c as any)) as any,
    { def: { tag: "tuple", items } },
  );
}

const optionCache = memo<Ty<any>, Ty<any>>();
/**
 * `Option<T>`: `undefined` is `None`. `Option<bool>` takes two bytes like any other option, as in
 * parity-scale-codec (its one-byte form belongs to the separate `OptionBool` shim type).
 */
export function option<T>(of: Ty<T>): Ty<T | undefined> {
  let t = optionCache.get(of);
  if (!t) {
    t = fromCursor(
      (v: T | undefined) => (v === undefined ? FALSE : concat2(TRUE, of.enc(v))),
      (c) => {
        need(c, 1);
        const b = c[c.i++]!;
        if (b === 0) return undefined;
        if (b !== 1) throw new CodecError(`invalid Option tag ${b}`);
        return of.dec(c as any);
      },
      {
        path: ["Option"],
        params: [{ name: "T", type: of }],
        def: {
          tag: "variant",
          variants: [
            { name: "None", index: 0, fields: [] },
            { name: "Some", index: 1, fields: [{ type: of }] },
          ],
        },
      },
    );
    optionCache.set(of, t);
  }
  return t as Ty<T | undefined>;
}

export type ResultValue<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function result<T, E>(ok: Ty<T>, err: Ty<E>): Ty<ResultValue<T, E>> {
  return fromCursor(
    (r: ResultValue<T, E>) => (r.ok ? concat2(FALSE, ok.enc(r.value)) : concat2(TRUE, err.enc(r.error))),
    (c) => {
      need(c, 1);
      const b = c[c.i++]!;
      if (b === 0) return { ok: true, value: ok.dec(c as any) };
      if (b === 1) return { ok: false, error: err.dec(c as any) };
      throw new CodecError(`invalid Result tag ${b}`);
    },
    {
      path: ["Result"],
      params: [
        { name: "T", type: ok },
        { name: "E", type: err },
      ],
      def: {
        tag: "variant",
        variants: [
          { name: "Ok", index: 0, fields: [{ type: ok }] },
          { name: "Err", index: 1, fields: [{ type: err }] },
        ],
      },
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Structs, newtypes and enums

export interface FieldSpec<T = any> {
  readonly type: Ty<T>;
  readonly typeName?: string;
  readonly docs?: string;
}

type FieldsOf<F extends Record<string, Ty<any> | FieldSpec>> = {
  [K in keyof F]: F[K] extends Ty<infer V> ? V : F[K] extends FieldSpec<infer V> ? V : never;
};

export interface TypeMeta {
  readonly path?: readonly string[];
  readonly params?: readonly { readonly name: string; readonly type?: Ty<any> }[];
  readonly docs?: readonly string[];
}

/** Metadata field names are Rust's snake_case; TypeScript values use camelCase. */
export function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (m) => "_" + m.toLowerCase());
}

const asSpec = (f: Ty<any> | FieldSpec): FieldSpec => ("codec" in f ? { type: f } : f);

function fieldsInfo(fields: Record<string, Ty<any> | FieldSpec>): Field[] {
  return Object.entries(fields).map(([name, f]) => {
    const s = asSpec(f);
    return { name: toSnakeCase(name), type: s.type, typeName: s.typeName, docs: s.docs ? [s.docs] : undefined };
  });
}

/** A struct with named fields, encoded in declaration order. */
export function struct<F extends Record<string, Ty<any> | FieldSpec>>(fields: F, meta: TypeMeta = {}): Ty<FieldsOf<F>> {
  const names = Object.keys(fields);
  const tys = names.map((n) => asSpec(fields[n]!).type);
  const count = names.length;
  return fromCursor(
    (v: any) => {
      const parts: Uint8Array[] = new Array(count);
      for (let k = 0; k < count; k++) parts[k] = tys[k]!.enc(v[names[k]!]);
      return concatAll(parts);
    },
    (c) => {
      const out: any = {};
      for (let k = 0; k < count; k++) out[names[k]!] = tys[k]!.dec(c as any);
      return out;
    },
    { ...meta, def: { tag: "composite", fields: fieldsInfo(fields) } },
  );
}

/** A composite with one unnamed field whose value is the inner value (e.g. `AccountId32([u8; 32])`). */
export function newtype<T>(inner: Ty<T>, meta: TypeMeta & { typeName?: string }): Ty<T> {
  return ty(inner.codec, { ...meta, def: { tag: "composite", fields: [{ type: inner, typeName: meta.typeName }] } });
}

export type EnumValue = { tag: string; value?: any };

export interface VariantSpec {
  readonly index: number;
  /** Named fields (struct-like variant), one unnamed type (tuple variant) or nothing (unit). */
  readonly fields?: Record<string, Ty<any> | FieldSpec> | Ty<any> | readonly Ty<any>[];
  readonly docs?: string;
}

/**
 * A Rust enum with explicit variant indices. Values are `{tag, value}`: `value` is an object for
 * named fields, the inner value for a single unnamed field, an array for several unnamed fields,
 * and absent for unit variants.
 */
export function variant<V extends EnumValue = EnumValue>(variants: Record<string, VariantSpec>, meta: TypeMeta = {}): Ty<V> {
  const byIndex = new Array<{ name: string; dec: (c: Cursor) => any } | undefined>(256);
  const byName = new Map<string, { prefix: Uint8Array; enc: (v: any) => Uint8Array }>();
  const infos: VariantInfo[] = [];
  for (const [name, spec] of Object.entries(variants)) {
    if (!Number.isInteger(spec.index) || spec.index < 0 || spec.index > 255) throw new Error(`bad variant index for ${name}`);
    if (byIndex[spec.index]) throw new Error(`duplicate variant index ${spec.index} (${name})`);
    const prefix = Uint8Array.of(spec.index);
    let enc: (v: any) => Uint8Array;
    let dec: (c: Cursor) => any;
    let fields: Field[];
    const f = spec.fields;
    if (f === undefined) {
      enc = () => prefix;
      dec = () => undefined;
      fields = [];
    } else if (Array.isArray(f)) {
      const tys = f as readonly Ty<any>[];
      const t = tuple(...tys);
      enc = (v) => concat2(prefix, t.enc(v));
      dec = (c) => t.dec(c as any);
      fields = tys.map((type) => ({ type }));
    } else if ("codec" in (f as object)) {
      const t = f as Ty<any>;
      enc = (v) => concat2(prefix, t.enc(v));
      dec = (c) => t.dec(c as any);
      fields = [{ type: t }];
    } else {
      const s = struct(f as Record<string, Ty<any> | FieldSpec>);
      enc = (v) => concat2(prefix, s.enc(v));
      dec = (c) => s.dec(c as any);
      fields = fieldsInfo(f as Record<string, Ty<any> | FieldSpec>);
    }
    byIndex[spec.index] = { name, dec };
    byName.set(name, { prefix, enc });
    infos.push({ name, index: spec.index, fields, docs: spec.docs ? [spec.docs] : undefined });
  }
  infos.sort((a, b) => a.index - b.index);
  return fromCursor(
    (v: V) => {
      const e = byName.get(v.tag);
      if (!e) throw new CodecError(`unknown variant ${v.tag}`);
      return e.enc(v.value);
    },
    (c) => {
      need(c, 1);
      const idx = c[c.i++]!;
      const d = byIndex[idx];
      if (!d) throw new CodecError(`unknown variant index ${idx}${meta.path ? ` for ${meta.path.join("::")}` : ""}`);
      const value = d.dec(c);
      return (value === undefined ? { tag: d.name } : { tag: d.name, value }) as V;
    },
    { ...meta, def: { tag: "variant", variants: infos } },
  );
}

/** A reference to a type defined later (recursive types such as `RuntimeCall` inside `batch`). */
export function lazy<T>(target: () => Ty<T>): Ty<T> {
  let resolved: Ty<T> | undefined;
  const get = () => (resolved ??= target());
  return fromCursor(
    (v: T) => get().enc(v),
    (c) => get().dec(c as any),
    { def: { tag: "lazy", target: get } },
  );
}

/** Re-labels a type with a path (and docs), keeping its codec: e.g. `H256` over `[u8; 32]`. */
export function named<T>(inner: Ty<T>, meta: TypeMeta): Ty<T> {
  return ty(inner.codec, { ...inner.info, ...meta });
}

/** Maps a type to a domain representation without changing the wire format or type info. */
export function mapped<T, U>(inner: Ty<T>, to: (t: T) => U, from: (u: U) => T): Ty<U> {
  return fromCursor(
    (u: U) => inner.enc(from(u)),
    (c) => to(inner.dec(c as any)),
    inner.info,
  );
}
