/**
 * scale-info's portable registry: every `Ty` reachable from the metadata gets a numeric id
 * (interned by identity; combinators are memoised, so equal shapes share an id).
 */
import { encodeCompact, type Primitive, type Ty, type Field, type TypeInfo } from "./ty.ts";

const PRIMITIVE_INDEX: Record<Primitive, number> = {
  bool: 0, char: 1, str: 2, u8: 3, u16: 4, u32: 5, u64: 6, u128: 7, u256: 8,
  i8: 9, i16: 10, i32: 11, i64: 12, i128: 13, i256: 14,
};

/** A byte writer for metadata encoding (cold path, but metadata is ~100 KB). */
export class ScaleWriter {
  private buf = new Uint8Array(1 << 16);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, v, true);
    this.len += 4;
    return this;
  }
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  compact(v: number | bigint): this {
    return this.raw(encodeCompact(v));
  }
  bytes(b: Uint8Array): this {
    return this.compact(b.length).raw(b);
  }
  str(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }
  strs(ss: readonly string[] | undefined): this {
    const list = ss ?? [];
    this.compact(list.length);
    for (const s of list) this.str(s);
    return this;
  }
  option<T>(v: T | undefined, f: (v: T) => void): this {
    if (v === undefined) return this.u8(0);
    this.u8(1);
    f(v);
    return this;
  }
  vec<T>(items: readonly T[], f: (v: T) => void): this {
    this.compact(items.length);
    for (const it of items) f(it);
    return this;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

interface Entry {
  readonly info: TypeInfo;
}

export class PortableRegistry {
  private readonly ids = new Map<Ty<any>, number>();
  private readonly entries: Entry[] = [];

  /** The id of `t`, registering it and everything it refers to. */
  id(t: Ty<any>): number {
    const known = this.ids.get(t);
    if (known !== undefined) return known;
    if (t.info.def.tag === "lazy") {
      const target = t.info.def.target();
      const id = this.id(target);
      this.ids.set(t, id);
      return id;
    }
    const id = this.entries.length;
    this.ids.set(t, id);
    this.entries.push({ info: t.info });
    // Register children eagerly so ids are stable in first-seen order.
    const d = t.info.def;
    for (const p of t.info.params ?? []) if (p.type) this.id(p.type);
    switch (d.tag) {
      case "composite":
        d.fields.forEach((f) => this.id(f.type));
        break;
      case "variant":
        d.variants.forEach((v) => v.fields.forEach((f) => this.id(f.type)));
        break;
      case "sequence":
      case "compact":
        this.id(d.of);
        break;
      case "array":
        this.id(d.of);
        break;
      case "tuple":
        d.items.forEach((i) => this.id(i));
        break;
      case "primitive":
        break;
    }
    return id;
  }

  get size(): number {
    return this.entries.length;
  }

  encode(w: ScaleWriter): void {
    w.compact(this.entries.length);
    this.entries.forEach((e, id) => {
      w.compact(id);
      const info = e.info;
      w.strs(info.path ?? []);
      w.vec(info.params ?? [], (p) => {
        w.str(p.name);
        w.option(p.type, (t) => w.compact(this.id(t)));
      });
      const d = info.def;
      const field = (f: Field) => {
        w.option(f.name, (n) => w.str(n));
        w.compact(this.id(f.type));
        w.option(f.typeName, (n) => w.str(n));
        w.strs(f.docs);
      };
      switch (d.tag) {
        case "composite":
          w.u8(0).vec(d.fields, field);
          break;
        case "variant":
          w.u8(1).vec(d.variants, (v) => {
            w.str(v.name);
            w.vec(v.fields, field);
            w.u8(v.index);
            w.strs(v.docs);
          });
          break;
        case "sequence":
          w.u8(2).compact(this.id(d.of));
          break;
        case "array":
          w.u8(3).u32(d.len).compact(this.id(d.of));
          break;
        case "tuple":
          w.u8(4).vec(d.items, (i) => w.compact(this.id(i)));
          break;
        case "primitive":
          w.u8(5).u8(PRIMITIVE_INDEX[d.name]);
          break;
        case "compact":
          w.u8(6).compact(this.id(d.of));
          break;
        case "lazy":
          throw new Error("unreachable: lazy types are resolved at registration");
      }
      w.strs(info.docs);
    });
  }
}
