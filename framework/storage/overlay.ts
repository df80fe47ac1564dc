/**
 * The runtime's view of state during execution: a base (a trie version, read-only) under layers
 * of changes. The bottom layer collects a block's changes; `startTransaction` pushes a layer that
 * `commitTransaction` merges down and `rollbackTransaction` drops (FRAME's `#[transactional]`).
 *
 * Keys are kept as latin1 strings in the layer maps (one char per byte), which is the cheapest
 * Map key for a Uint8Array here.
 */
import { compareBytes, startsWith } from "../codec/bytes.ts";
import { encodeCompact, readCompactNumber, decodePrefix, compactU32 } from "../codec/ty.ts";

/** Read-only state the overlay sits on (a trie version, or a plain map in tests). */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | undefined;
  /** Keys with `prefix`, in ascending order, strictly after `after` when given. */
  keys(prefix: Uint8Array, after?: Uint8Array): Iterable<Uint8Array>;
}

/** A value appended item by item (`System.Events`): materialised lazily as `Compact(n) ‖ items`. */
class Appended {
  constructor(
    /** Whether the items extend the value below this layer (true) or replace it (false). */
    readonly onBelow: boolean,
    readonly items: Uint8Array[],
  ) {}
}

type Entry = Uint8Array | null | Appended;

export const keyString = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
export const keyBytes = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, "latin1"));

export const MAX_TRANSACTION_DEPTH = 255;

export class Overlay {
  private readonly layers: Map<string, Entry>[] = [new Map()];

  constructor(readonly base: StateReader) {}

  get depth(): number {
    return this.layers.length - 1;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.getByString(keyString(key), key);
  }

  private getByString(k: string, key: Uint8Array): Uint8Array | undefined {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const e = this.layers[l]!.get(k);
      if (e === undefined) continue;
      if (e === null) return undefined;
      if (e instanceof Uint8Array) return e;
      return this.materialise(k, key, l);
    }
    return this.base.get(key);
  }

  private materialise(k: string, key: Uint8Array, fromLayer: number): Uint8Array | undefined {
    // Collect appended items downwards until a full value (or the base) is found.
    const chunks: Uint8Array[][] = [];
    let baseValue: Uint8Array | undefined;
    let l = fromLayer;
    for (; l >= 0; l--) {
      const e = this.layers[l]!.get(k);
      if (e === undefined) continue;
      if (e instanceof Appended) {
        chunks.push(e.items);
        if (!e.onBelow) break;
        continue;
      }
      baseValue = e === null ? undefined : e;
      break;
    }
    if (l < 0) baseValue = this.base.get(key);
    let items: Uint8Array[] = [];
    let count = 0;
    let head: Uint8Array = new Uint8Array(0);
    if (baseValue && baseValue.length > 0) {
      try {
        const [n, used] = decodePrefix(compactU32, baseValue);
        count = n;
        head = baseValue.subarray(used);
      } catch {
        // Not an appendable value: Substrate replaces it.
        count = 0;
      }
    }
    for (let c = chunks.length - 1; c >= 0; c--) items = items.concat(chunks[c]!);
    count += items.length;
    const prefix = encodeCompact(count);
    let len = prefix.length + head.length;
    for (const it of items) len += it.length;
    const out = new Uint8Array(len);
    out.set(prefix, 0);
    out.set(head, prefix.length);
    let o = prefix.length + head.length;
    for (const it of items) {
      out.set(it, o);
      o += it.length;
    }
    return out;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.top().set(keyString(key), value);
  }

  delete(key: Uint8Array): void {
    this.top().set(keyString(key), null);
  }

  /** Appends one encoded item to a `Vec<T>` value without decoding it (sp_io `storage::append`). */
  append(key: Uint8Array, item: Uint8Array): void {
    const top = this.top();
    const k = keyString(key);
    const e = top.get(k);
    if (e instanceof Appended) e.items.push(item);
    else if (e === undefined) top.set(k, new Appended(true, [item]));
    else if (e === null) top.set(k, new Appended(false, [item]));
    else {
      // A full value in this layer: keep it as the head and append on top of it.
      top.set(k, this.appendToValue(e, item));
    }
  }

  private appendToValue(value: Uint8Array, item: Uint8Array): Uint8Array {
    let count = 0;
    let used = 0;
    if (value.length > 0) {
      try {
        [count, used] = decodePrefix(compactU32, value);
      } catch {
        count = 0;
        used = value.length;
      }
    }
    const prefix = encodeCompact(count + 1);
    const body = value.subarray(used);
    const out = new Uint8Array(prefix.length + body.length + item.length);
    out.set(prefix, 0);
    out.set(body, prefix.length);
    out.set(item, prefix.length + body.length);
    return out;
  }

  exists(key: Uint8Array): boolean {
    return this.get(key) !== undefined;
  }

  startTransaction(): void {
    if (this.layers.length > MAX_TRANSACTION_DEPTH) throw new Error("transaction depth limit reached");
    this.layers.push(new Map());
  }

  commitTransaction(): void {
    if (this.layers.length < 2) throw new Error("no transaction to commit");
    const top = this.layers.pop()!;
    const below = this.layers[this.layers.length - 1]!;
    for (const [k, e] of top) {
      if (e instanceof Appended && e.onBelow) {
        const b = below.get(k);
        if (b instanceof Appended) {
          for (const it of e.items) b.items.push(it);
          continue;
        }
        if (b instanceof Uint8Array) {
          let v = b;
          for (const it of e.items) v = this.appendToValue(v, it);
          below.set(k, v);
          continue;
        }
        if (b === null) {
          below.set(k, new Appended(false, e.items));
          continue;
        }
      }
      below.set(k, e);
    }
  }

  rollbackTransaction(): void {
    if (this.layers.length < 2) throw new Error("no transaction to roll back");
    this.layers.pop();
  }

  private top(): Map<string, Entry> {
    return this.layers[this.layers.length - 1]!;
  }

  /** Keys under `prefix` visible through the overlay, ascending, strictly after `after`. */
  *keys(prefix: Uint8Array, after?: Uint8Array): Generator<Uint8Array> {
    const changed = new Map<string, boolean>();
    for (const layer of this.layers) {
      for (const [k, e] of layer) {
        const kb = keyBytes(k);
        if (!startsWith(kb, prefix)) continue;
        changed.set(k, e !== null);
      }
    }
    const extra = [...changed.entries()]
      .filter(([, live]) => live)
      .map(([k]) => keyBytes(k))
      .filter((k) => !after || compareBytes(k, after) > 0)
      .sort(compareBytes);
    let i = 0;
    for (const k of this.base.keys(prefix, after)) {
      while (i < extra.length && compareBytes(extra[i]!, k) < 0) yield extra[i++]!;
      if (i < extra.length && compareBytes(extra[i]!, k) === 0) i++;
      const state = changed.get(keyString(k));
      if (state === false) continue;
      yield k;
    }
    while (i < extra.length) yield extra[i++]!;
  }

  /** Removes every key under `prefix` (up to `limit`), returning how many were removed. */
  clearPrefix(prefix: Uint8Array, limit = Infinity): number {
    const doomed: Uint8Array[] = [];
    for (const k of this.keys(prefix)) {
      if (doomed.length >= limit) break;
      doomed.push(k);
    }
    for (const k of doomed) this.delete(k);
    return doomed.length;
  }

  /** The block's net changes (only valid with no open transaction), values materialised. */
  changes(): Map<string, Uint8Array | null> {
    if (this.layers.length !== 1) throw new Error("changes() with an open transaction");
    const out = new Map<string, Uint8Array | null>();
    for (const [k, e] of this.layers[0]!) {
      if (e === null || e instanceof Uint8Array) out.set(k, e);
      else out.set(k, this.materialise(k, keyBytes(k), 0) ?? null);
    }
    return out;
  }
}

/** An in-memory StateReader over a Map (genesis building, tests). */
export class MapState implements StateReader {
  constructor(readonly map: Map<string, Uint8Array> = new Map()) {}
  get(key: Uint8Array): Uint8Array | undefined {
    return this.map.get(keyString(key));
  }
  *keys(prefix: Uint8Array, after?: Uint8Array): Generator<Uint8Array> {
    const all = [...this.map.keys()].map(keyBytes).filter((k) => startsWith(k, prefix) && (!after || compareBytes(k, after) > 0));
    all.sort(compareBytes);
    yield* all;
  }
}

export { readCompactNumber };
