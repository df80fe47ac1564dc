/**
 * Storage items with Substrate's key layout: `twox128(pallet) ‖ twox128(item) ‖ hasher(SCALE(key))…`.
 *
 * Runtime code reads and writes through the current externalities (as sp-io does in a Substrate
 * runtime): the executive installs an `Overlay` with `withState` for the duration of a runtime call.
 * Runtime calls are synchronous, so a module-level "current state" is safe.
 */
import { blake2_128, blake2_256, twox128, twox256, twox64 } from "../crypto/index.ts";
import { concatBytes, equalBytes, utf8 } from "../codec/bytes.ts";
import { decodeAll, type Ty, CodecError } from "../codec/ty.ts";
import { Overlay } from "./overlay.ts";

let current: Overlay | undefined;

/** Runs `fn` with `state` as the runtime's storage; restores the previous one afterwards. */
export function withState<R>(state: Overlay, fn: () => R): R {
  const prev = current;
  current = state;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

export function state(): Overlay {
  if (!current) throw new Error("storage accessed outside of runtime execution (no externalities installed)");
  return current;
}

/** FRAME's `with_transaction`: runs `fn` in a nested layer, kept when `fn` returns `commit: true`. */
export function transactional<R extends { ok: boolean }>(fn: () => R): R {
  const s = state();
  s.startTransaction();
  let r: R;
  try {
    r = fn();
  } catch (e) {
    s.rollbackTransaction();
    throw e;
  }
  if (r.ok) s.commitTransaction();
  else s.rollbackTransaction();
  return r;
}

export type HasherName = "Blake2_128" | "Blake2_256" | "Blake2_128Concat" | "Twox128" | "Twox256" | "Twox64Concat" | "Identity";
export const HASHER_INDEX: Record<HasherName, number> = {
  Blake2_128: 0, Blake2_256: 1, Blake2_128Concat: 2, Twox128: 3, Twox256: 4, Twox64Concat: 5, Identity: 6,
};

export const hashers: Record<HasherName, (data: Uint8Array) => Uint8Array> = {
  Blake2_128: blake2_128,
  Blake2_256: blake2_256,
  Blake2_128Concat: (d) => concatBytes(blake2_128(d), d),
  Twox128: twox128,
  Twox256: twox256,
  Twox64Concat: (d) => concatBytes(twox64(d), d),
  Identity: (d) => d,
};

/** Bytes of the hash that precede the raw key for the "concat" hashers (to recover keys when iterating). */
const CONCAT_PREFIX: Partial<Record<HasherName, number>> = { Blake2_128Concat: 16, Twox64Concat: 8, Identity: 0 };

export function storagePrefix(pallet: string, item: string): Uint8Array {
  return concatBytes(twox128(utf8(pallet)), twox128(utf8(item)));
}

export interface StorageEntryMeta {
  readonly name: string;
  readonly modifier: "Optional" | "Default";
  readonly kind: { tag: "Plain"; value: Ty<any> } | { tag: "Map"; hashers: HasherName[]; key: Ty<any>; value: Ty<any> };
  readonly default: Uint8Array;
  readonly docs: string[];
}

interface ItemOpts<V> {
  /** ValueQuery default (the item's modifier becomes `Default`); omit for OptionQuery. */
  default?: V;
  docs?: string;
}

function decodeStored<V>(ty: Ty<V>, raw: Uint8Array, what: string): V {
  try {
    return decodeAll(ty, raw);
  } catch (e) {
    throw new CodecError(`corrupt storage value for ${what}: ${(e as Error).message}`);
  }
}

abstract class Item<V> {
  readonly prefix: Uint8Array;
  readonly meta: StorageEntryMeta;
  constructor(
    readonly pallet: string,
    readonly name: string,
    readonly valueTy: Ty<V>,
    readonly opts: ItemOpts<V>,
    kind: StorageEntryMeta["kind"],
  ) {
    this.prefix = storagePrefix(pallet, name);
    this.meta = {
      name,
      modifier: opts.default === undefined ? "Optional" : "Default",
      kind,
      default: opts.default === undefined ? Uint8Array.of(0) : valueTy.enc(opts.default),
      docs: opts.docs ? [opts.docs] : [],
    };
  }
  protected read(key: Uint8Array): V | undefined {
    const raw = state().get(key);
    return raw === undefined ? undefined : decodeStored(this.valueTy, raw, `${this.pallet}.${this.name}`);
  }
  protected readOrDefault(key: Uint8Array): V | undefined {
    const v = this.read(key);
    return v === undefined ? this.opts.default : v;
  }
}

export class StorageValue<V> extends Item<V> {
  constructor(pallet: string, name: string, ty: Ty<V>, opts: ItemOpts<V> = {}) {
    super(pallet, name, ty, opts, { tag: "Plain", value: ty });
  }
  /** The value, or the default (ValueQuery) / undefined (OptionQuery) when absent. */
  get(): V {
    return this.readOrDefault(this.prefix) as V;
  }
  getOption(): V | undefined {
    return this.read(this.prefix);
  }
  set(v: V): void {
    state().set(this.prefix, this.valueTy.enc(v));
  }
  kill(): void {
    state().delete(this.prefix);
  }
  take(): V {
    const v = this.get();
    this.kill();
    return v;
  }
  exists(): boolean {
    return state().exists(this.prefix);
  }
  mutate(f: (v: V) => V): V {
    const next = f(this.get());
    this.set(next);
    return next;
  }
  /** Appends one item to a `Vec<T>` value without decoding the vector. */
  append<T>(this: StorageValue<T[]>, itemTy: Ty<T>, item: T): void {
    state().append(this.prefix, itemTy.enc(item));
  }
  appendEncoded(encodedItem: Uint8Array): void {
    state().append(this.prefix, encodedItem);
  }
  key(): Uint8Array {
    return this.prefix;
  }
}

export class StorageMap<K, V> extends Item<V> {
  private readonly hash: (d: Uint8Array) => Uint8Array;
  constructor(pallet: string, name: string, readonly hasher: HasherName, readonly keyTy: Ty<K>, ty: Ty<V>, opts: ItemOpts<V> = {}) {
    super(pallet, name, ty, opts, { tag: "Map", hashers: [hasher], key: keyTy, value: ty });
    this.hash = hashers[hasher];
  }
  // PERF: the last two keys are remembered. Applying a transfer touches `System.Account` of the
  // same two accounts about a dozen times; re-hashing each access cost ~5 % of the transfer.
  private enc0?: Uint8Array;
  private key0?: Uint8Array;
  private enc1?: Uint8Array;
  private key1?: Uint8Array;
  key(k: K): Uint8Array {
    const enc = this.keyTy.enc(k);
    if (this.enc0 !== undefined && equalBytes(enc, this.enc0)) return this.key0!;
    if (this.enc1 !== undefined && equalBytes(enc, this.enc1)) return this.key1!;
    const key = concatBytes(this.prefix, this.hash(enc));
    this.enc1 = this.enc0;
    this.key1 = this.key0;
    this.enc0 = enc.slice();
    this.key0 = key;
    return key;
  }
  get(k: K): V {
    return this.readOrDefault(this.key(k)) as V;
  }
  getOption(k: K): V | undefined {
    return this.read(this.key(k));
  }
  set(k: K, v: V): void {
    state().set(this.key(k), this.valueTy.enc(v));
  }
  remove(k: K): void {
    state().delete(this.key(k));
  }
  take(k: K): V {
    const key = this.key(k);
    const v = this.readOrDefault(key) as V;
    state().delete(key);
    return v;
  }
  contains(k: K): boolean {
    return state().exists(this.key(k));
  }
  mutate(k: K, f: (v: V) => V): V {
    const key = this.key(k);
    const next = f(this.readOrDefault(key) as V);
    state().set(key, this.valueTy.enc(next));
    return next;
  }
  /** Entries in key-hash order; keys recovered for concat hashers. */
  *entries(): Generator<[K, V]> {
    const skip = CONCAT_PREFIX[this.hasher];
    if (skip === undefined) throw new Error(`cannot iterate keys of ${this.pallet}.${this.name}: hasher ${this.hasher} is not reversible`);
    for (const key of state().keys(this.prefix)) {
      const k = decodeAll(this.keyTy, key.subarray(this.prefix.length + skip));
      yield [k, this.read(key) as V];
    }
  }
  clear(limit = Infinity): number {
    return state().clearPrefix(this.prefix, limit);
  }
}

export class StorageDoubleMap<K1, K2, V> extends Item<V> {
  private readonly h1: (d: Uint8Array) => Uint8Array;
  private readonly h2: (d: Uint8Array) => Uint8Array;
  constructor(
    pallet: string, name: string,
    readonly hasher1: HasherName, readonly key1: Ty<K1>,
    readonly hasher2: HasherName, readonly key2: Ty<K2>,
    ty: Ty<V>, opts: ItemOpts<V> = {}, keyTupleTy?: Ty<any>,
  ) {
    super(pallet, name, ty, opts, { tag: "Map", hashers: [hasher1, hasher2], key: keyTupleTy ?? key1, value: ty });
    this.h1 = hashers[hasher1];
    this.h2 = hashers[hasher2];
  }
  prefix1(k1: K1): Uint8Array {
    return concatBytes(this.prefix, this.h1(this.key1.enc(k1)));
  }
  key(k1: K1, k2: K2): Uint8Array {
    return concatBytes(this.prefix, this.h1(this.key1.enc(k1)), this.h2(this.key2.enc(k2)));
  }
  get(k1: K1, k2: K2): V {
    return this.readOrDefault(this.key(k1, k2)) as V;
  }
  getOption(k1: K1, k2: K2): V | undefined {
    return this.read(this.key(k1, k2));
  }
  set(k1: K1, k2: K2, v: V): void {
    state().set(this.key(k1, k2), this.valueTy.enc(v));
  }
  remove(k1: K1, k2: K2): void {
    state().delete(this.key(k1, k2));
  }
  contains(k1: K1, k2: K2): boolean {
    return state().exists(this.key(k1, k2));
  }
  /** Values under the first key, with their second keys (the second hasher must be reversible). */
  *iterPrefix(k1: K1): Generator<[K2, V]> {
    const skip = CONCAT_PREFIX[this.hasher2];
    if (skip === undefined) throw new Error(`${this.pallet}.${this.name}: second hasher is not reversible`);
    const p = this.prefix1(k1);
    for (const key of state().keys(p)) yield [decodeAll(this.key2, key.subarray(p.length + skip)), this.read(key) as V];
  }
  clearPrefix(k1: K1, limit = Infinity): number {
    return state().clearPrefix(this.prefix1(k1), limit);
  }
}

/** A map with any number of hashed keys (`StorageNMap`), keyed by a tuple. */
export class StorageNMap<V> extends Item<V> {
  constructor(
    pallet: string, name: string,
    readonly keys: { hasher: HasherName; ty: Ty<any> }[],
    ty: Ty<V>, opts: ItemOpts<V> = {}, keyTupleTy?: Ty<any>,
  ) {
    super(pallet, name, ty, opts, { tag: "Map", hashers: keys.map((k) => k.hasher), key: keyTupleTy ?? keys[0]!.ty, value: ty });
  }
  key(...ks: any[]): Uint8Array {
    if (ks.length > this.keys.length) throw new Error("too many keys");
    return concatBytes(this.prefix, ...ks.map((k, i) => hashers[this.keys[i]!.hasher](this.keys[i]!.ty.enc(k))));
  }
  get(...ks: any[]): V {
    return this.readOrDefault(this.key(...ks)) as V;
  }
  set(ks: any[], v: V): void {
    state().set(this.key(...ks), this.valueTy.enc(v));
  }
  remove(...ks: any[]): void {
    state().delete(this.key(...ks));
  }
  contains(...ks: any[]): boolean {
    return state().exists(this.key(...ks));
  }
}

/** A `StorageMap` with a companion counter `CounterFor<Name>` kept in step (FRAME's CountedStorageMap). */
export class CountedStorageMap<K, V> extends StorageMap<K, V> {
  readonly counter: StorageValue<number>;
  constructor(pallet: string, name: string, hasher: HasherName, keyTy: Ty<K>, ty: Ty<V>, counterTy: Ty<number>, opts: ItemOpts<V> = {}) {
    super(pallet, name, hasher, keyTy, ty, opts);
    this.counter = new StorageValue(pallet, `CounterFor${name}`, counterTy, { default: 0, docs: "Counter for the related counted storage map" });
  }
  override set(k: K, v: V): void {
    if (!this.contains(k)) this.counter.set(this.counter.get() + 1);
    super.set(k, v);
  }
  override remove(k: K): void {
    if (this.contains(k)) this.counter.set(this.counter.get() - 1);
    super.remove(k);
  }
  override take(k: K): V {
    const v = this.get(k);
    this.remove(k);
    return v;
  }
  override mutate(k: K, f: (v: V) => V): V {
    const next = f(this.get(k));
    this.set(k, next);
    return next;
  }
  count(): number {
    return this.counter.get();
  }
  override clear(limit = Infinity): number {
    const n = super.clear(limit);
    this.counter.set(Math.max(0, this.counter.get() - n));
    return n;
  }
}

export type AnyStorageItem = StorageValue<any> | StorageMap<any, any> | StorageDoubleMap<any, any, any> | StorageNMap<any>;

/** Well-known keys (raw ASCII). */
export const WELL_KNOWN_KEYS = {
  CODE: utf8(":code"),
  HEAP_PAGES: utf8(":heappages"),
  EXTRINSIC_INDEX: utf8(":extrinsic_index"),
  CHILD_STORAGE_DEFAULT_PREFIX: utf8(":child_storage:default:"),
} as const;
