/**
 * SCALE known answers (parity-scale-codec, scale-ts and polkadot-js test vectors; see
 * test/vectors/PROVENANCE.md), both ways and nested five times in a struct as scale-ts's
 * `testCodec` does, to catch cursor bugs.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import {
  u8, u16, u32, u64, u128, u256, i8, i16, i32, i64, i128, bool, str, bytes, byteArray, vec, array, tuple, option, result,
  struct, variant, unit, compactU32, compactU64, compactU128, decodeAll, decodePrefix, CodecError, type Ty,
} from "../../../framework/codec/ty.ts";
import { Era, eraBirth, mortalEra } from "../../../framework/codec/substrate.ts";
import { toHex, fromHex } from "../../../framework/codec/bytes.ts";

const V = JSON.parse(readFileSync(new URL("../../vectors/substrate-scale.json", import.meta.url), "utf8"));

/** scale-ts's `testCodec`: the value alone, then five times in a struct, encoded and decoded. */
function check<T>(t: Ty<T>, value: T, hex: string): void {
  expect(toHex(t.enc(value)), `encode ${String(value)}`).to.equal(hex);
  expect(decodeAll(t, fromHex(hex)), `decode ${hex}`).to.deep.equal(value);
  const five = struct({ a: t, b: t, c: t, d: t, e: t });
  const v5 = { a: value, b: value, c: value, d: value, e: value };
  const hex5 = "0x" + hex.slice(2).repeat(5);
  expect(toHex(five.enc(v5)), `struct encode ${hex}`).to.equal(hex5);
  expect(decodeAll(five, fromHex(hex5)), `struct decode ${hex}`).to.deep.equal(v5);
}

const PRIMS: Record<string, [Ty<any>, (s: string) => any]> = {
  bool: [bool, (s) => s === "true"],
  i8: [i8, Number], i16: [i16, Number], i32: [i32, Number],
  i64: [i64, BigInt], i128: [i128, BigInt], u64: [u64, BigInt], u128: [u128, BigInt], u256: [u256, BigInt],
};

describe("SCALE codecs (known answers)", () => {
  it(`compact: ${V.compact.cases.length} parity-scale-codec / scale-ts vectors, as Compact<u32>, <u64> and <u128>`, () => {
    let asU32 = 0;
    for (const [n, hex] of V.compact.cases as [string, string][]) {
      const big = BigInt(n);
      check(compactU128, big, hex);
      if (big < 1n << 64n) check(compactU64, big, hex);
      if (big < 1n << 32n) {
        check(compactU32, Number(big), hex);
        asU32++;
      }
    }
    expect(asU32).to.equal(12);
  });

  it("compact 69 ↔ 0x1501 (the style guide's example)", () => {
    check(compactU32, 69, "0x1501");
  });

  it(`primitives: ${V.primitives.cases.length} scale-ts vectors`, () => {
    for (const [kind, value, hex] of V.primitives.cases as [string, string, string][]) {
      const [t, parse] = PRIMS[kind]!;
      check(t, parse(value), hex);
    }
  });

  it("u8/u16/u32 little-endian", () => {
    check(u8, 255, "0xff");
    check(u16, 0x1234, "0x3412");
    check(u32, 0xdeadbeef, "0xefbeadde");
  });

  it("str and Vec<String> (UTF-8, compact length)", () => {
    check(str, V.str.single[0], V.str.single[1]);
    check(vec(str), V.str.vec[0], V.str.vec[1]);
  });

  it("Vec<u16>, [u16; 5], Vec<u8>, [u8; 3]", () => {
    const c = V.composites;
    check(vec(u16), c.vecU16[0], c.vecU16[1]);
    check(array(u16, 5), c.arrayU16x5[0], c.arrayU16x5[1]);
    check(byteArray(3), fromHex(c.bytesFixed3[0]), c.bytesFixed3[1]);
    check(bytes, fromHex(c.bytesVec[0]), c.bytesVec[1]);
  });

  it("Option (Option<bool> is two bytes, as in parity-scale-codec), Result, tuple", () => {
    const c = V.composites;
    check(option(compactU32), undefined, c.optionCompactNone);
    check(option(compactU32), 1, c.optionCompactSome1);
    const ob = option(bool);
    for (const [v, hex] of c.optionBool as [string, string][]) check(ob, v === "none" ? undefined : v === "true", hex);
    const r = result(u8, bool);
    check(r, { ok: true, value: 42 }, c.resultU8BoolOk42);
    check(r, { ok: false, error: false }, c.resultU8BoolErrFalse);
    check(tuple(compactU32, bool), [3, false], c.tupleCompactBool_3_false);
  });

  it("struct with a nested enum (scale-ts Struct.test.ts)", () => {
    const ev = variant({ _void: { index: 0 }, one: { index: 1, fields: str }, many: { index: 2, fields: vec(str) }, allOrNothing: { index: 3, fields: bool } });
    const t = struct({ id: u32, name: str, friendIds: vec(u32), event: ev });
    check(t, V.composites.struct.value, V.composites.struct.hex);
  });

  it("enum with explicit indices (scale-ts Enum.test.ts)", () => {
    const e = variant({
      nothingHere: { index: 255 }, someNumber: { index: 0, fields: u8 }, trueOrFalse: { index: 15, fields: bool },
      optionalBool: { index: 1, fields: option(bool) }, optVoid: { index: 254, fields: option(unit) },
    });
    for (const [tag, value, hex] of V.composites.enumExplicitIndices.cases as [string, any, string][]) {
      if (tag === "nothingHere") {
        check(e, { tag }, hex);
        continue;
      }
      // Option<()>'s None and Option<bool>'s None are `undefined`; our variant drops an undefined value.
      const v = value === null ? { tag } : { tag, value };
      expect(toHex(e.enc(v as any)), `${tag}`).to.equal(hex);
      expect(decodeAll(e, fromHex(hex)), `${tag} decode`).to.deep.equal(v);
    }
  });

  it("Era (polkadot-js ExtrinsicEra.spec.ts)", () => {
    for (const [hex, period, phase] of V.era.decode as [string, number | string, number][]) {
      const era = decodeAll(Era, fromHex(hex));
      if (period === "immortal") expect(era).to.deep.equal({ tag: "Immortal" });
      else expect(era, hex).to.deep.equal({ tag: "Mortal", period, phase });
      expect(toHex(Era.enc(era)), hex).to.equal(hex);
    }
    const bd = V.era.birthDeath;
    const era = decodeAll(Era, fromHex(bd.era));
    expect(eraBirth(era, bd.current)).to.equal(bd.birth);
    if (era.tag !== "Mortal") throw new Error("mortal era expected");
    expect(eraBirth(era, bd.current) + era.period, "death").to.equal(bd.death);
    const f = V.era.fromCurrentAndPeriod;
    expect(mortalEra(f.period, f.current)).to.deep.equal({ tag: "Mortal", period: f.expectedPeriod, phase: f.expectedPhase });
  });
});

describe("SCALE codecs (malformed input)", () => {
  const bad = (t: Ty<any>, hex: string, what: string) =>
    expect(() => decodeAll(t, fromHex(hex)), what).to.throw(CodecError);

  it("rejects non-canonical compacts (parity-scale-codec's rule: the smallest mode only)", () => {
    bad(compactU32, "0x0100", "0 in two-byte mode");
    bad(compactU32, "0x02000000", "0 in four-byte mode");
    bad(compactU64, "0x0300000000", "0 in big-integer mode");
    bad(compactU64, "0x07ffffffff00", "a u32 in six bytes");
  });

  it("rejects truncation, trailing bytes and bad tags", () => {
    bad(u32, "0x010203", "short u32");
    bad(u32, "0x0102030405", "trailing byte");
    bad(bytes, "0x0c0001", "Vec<u8> shorter than its length");
    bad(byteArray(4), "0x010203", "[u8; 4] short");
    bad(bool, "0x02", "bool 2");
    bad(option(u8), "0x0201", "Option tag 2");
    bad(option(bool), "0x0102", "Option<bool> Some(2)");
    bad(result(u8, u8), "0x0200", "Result tag 2");
    bad(variant({ A: { index: 0 } }), "0x01", "unknown variant");
    bad(str, "0x08c328", "invalid UTF-8");
    bad(vec(u32), "0xfeffffff", "vector length beyond the input");
  });

  it("decodes from a subarray (scale-ts 1.6.1 would read from the buffer's start)", () => {
    const buf = Uint8Array.from([0xaa, 0xbb, 42, 0, 0, 0]);
    expect(decodeAll(u32, buf.subarray(2))).to.equal(42);
    expect(decodePrefix(u32, buf.subarray(2))).to.deep.equal([42, 4]);
  });
});
