/**
 * Substrate's shared wire types with FRAME's scale-info paths, so clients that key on paths
 * (polkadot-js's PortableRegistry, polkadot-api) recognise them.
 */
import {
  bool, byteArray, bytes, compactU32, compactU64, fromCursor, newtype, struct, u8, u16, u32, u64, u128,
  variant, vec, tuple, CodecError, named, type Ty, type EnumValue, str,
} from "./ty.ts";

export const H256 = newtype(byteArray(32), { path: ["primitive_types", "H256"], typeName: "[u8; 32]" });
export const H160 = newtype(byteArray(20), { path: ["primitive_types", "H160"], typeName: "[u8; 20]" });
export const AccountId32 = newtype(byteArray(32), { path: ["sp_core", "crypto", "AccountId32"], typeName: "[u8; 32]" });
export type Hash = Uint8Array;
export type AccountId = Uint8Array;

export type MultiAddress =
  | { tag: "Id"; value: AccountId }
  | { tag: "Index"; value: number }
  | { tag: "Raw"; value: Uint8Array }
  | { tag: "Address32"; value: Uint8Array }
  | { tag: "Address20"; value: Uint8Array };

/** `MultiAddress<AccountId32, ()>`: the account index is `()` in the Subspace runtime. */
const unitIndex = named(tuple(), {});
export const MultiAddress: Ty<MultiAddress> = variant<MultiAddress>(
  {
    Id: { index: 0, fields: AccountId32 },
    Index: { index: 1, fields: compactUnit() as Ty<any> },
    Raw: { index: 2, fields: bytes },
    Address32: { index: 3, fields: byteArray(32) },
    Address20: { index: 4, fields: byteArray(20) },
  },
  { path: ["sp_runtime", "multiaddress", "MultiAddress"], params: [{ name: "AccountId", type: AccountId32 }, { name: "AccountIndex", type: unitIndex }] },
);

/** `Compact<()>` as FRAME encodes `MultiAddress::Index` when the account index type is `()`: no bytes. */
function compactUnit(): Ty<undefined> {
  return fromCursor<undefined>(() => new Uint8Array(0), () => undefined, { def: { tag: "compact", of: unitIndex } });
}

export type MultiSignature =
  | { tag: "Ed25519"; value: Uint8Array }
  | { tag: "Sr25519"; value: Uint8Array }
  | { tag: "Ecdsa"; value: Uint8Array };

const Ed25519Signature = newtype(byteArray(64), { path: ["sp_core", "ed25519", "Signature"], typeName: "[u8; 64]" });
const Sr25519Signature = newtype(byteArray(64), { path: ["sp_core", "sr25519", "Signature"], typeName: "[u8; 64]" });
const EcdsaSignature = newtype(byteArray(65), { path: ["sp_core", "ecdsa", "Signature"], typeName: "[u8; 65]" });
export const MultiSignature: Ty<MultiSignature> = variant<MultiSignature>(
  {
    Ed25519: { index: 0, fields: Ed25519Signature },
    Sr25519: { index: 1, fields: Sr25519Signature },
    Ecdsa: { index: 2, fields: EcdsaSignature },
  },
  { path: ["sp_runtime", "MultiSignature"] },
);

/** `sp_runtime::generic::Era`: immortal, or mortal with (period, phase). */
export type Era = { tag: "Immortal" } | { tag: "Mortal"; period: number; phase: number };

function eraVariants(): Record<string, { index: number; fields?: Ty<any>[] }> {
  const out: Record<string, { index: number; fields?: Ty<any>[] }> = { Immortal: { index: 0 } };
  for (let i = 1; i < 256; i++) out[`Mortal${i}`] = { index: i, fields: [u8] };
  return out;
}
const eraInfo = variant(eraVariants(), { path: ["sp_runtime", "generic", "era", "Era"] }).info;

export const Era: Ty<Era> = fromCursor(
  (e: Era) => {
    if (e.tag === "Immortal") return Uint8Array.of(0);
    const quantizeFactor = Math.max(e.period >> 12, 1);
    const tz = Math.min(Math.max(trailingZeros(e.period) - 1, 1), 15);
    const encoded = tz | ((e.phase / quantizeFactor) << 4);
    return Uint8Array.of(encoded & 0xff, encoded >> 8);
  },
  (c: any) => {
    if (c.i >= c.byteLength) throw new CodecError("unexpected end of input reading Era");
    const first = c[c.i++];
    if (first === 0) return { tag: "Immortal" };
    if (c.i >= c.byteLength) throw new CodecError("unexpected end of input reading Era");
    const encoded = first + (c[c.i++] << 8);
    const period = 2 << (encoded % (1 << 4));
    const quantizeFactor = Math.max(period >> 12, 1);
    const phase = (encoded >> 4) * quantizeFactor;
    if (period < 4 || phase >= period) throw new CodecError("invalid mortal era");
    return { tag: "Mortal", period, phase };
  },
  eraInfo,
);

function trailingZeros(n: number): number {
  let z = 0;
  while (n > 0 && (n & 1) === 0) {
    n >>= 1;
    z++;
  }
  return z;
}

/** Builds a mortal era for `period` (rounded to a power of two in [4, 65536]) starting at `current`. */
export function mortalEra(period: number, current: number): Era {
  let p = 1 << Math.ceil(Math.log2(Math.min(Math.max(period, 4), 1 << 16)));
  p = Math.min(Math.max(p, 4), 1 << 16);
  const quantizeFactor = Math.max(p >> 12, 1);
  const phase = ((current % p) / quantizeFactor | 0) * quantizeFactor;
  return { tag: "Mortal", period: p, phase };
}

/** The block number at which a mortal era began, as seen from `current` (sp_runtime `Era::birth`). */
export function eraBirth(era: Era, current: number): number {
  if (era.tag === "Immortal") return 0;
  return Math.floor((Math.max(current, era.phase) - era.phase) / era.period) * era.period + era.phase;
}

export function eraIsDead(era: Era, current: number): boolean {
  if (era.tag === "Immortal") return false;
  return current >= eraBirth(era, current) + era.period;
}

export interface Weight {
  refTime: bigint;
  proofSize: bigint;
}
export const Weight: Ty<Weight> = struct(
  { refTime: { type: compactU64, typeName: "u64" }, proofSize: { type: compactU64, typeName: "u64" } },
  { path: ["sp_weights", "weight_v2", "Weight"] },
);

export type DispatchClass = "Normal" | "Operational" | "Mandatory";
export const DispatchClassTy = variant(
  { Normal: { index: 0 }, Operational: { index: 1 }, Mandatory: { index: 2 } },
  { path: ["frame_support", "dispatch", "DispatchClass"] },
);
export const PaysTy = variant({ Yes: { index: 0 }, No: { index: 1 } }, { path: ["frame_support", "dispatch", "Pays"] });

export interface DispatchInfo {
  weight: Weight;
  class: { tag: DispatchClass };
  paysFee: { tag: "Yes" | "No" };
}
export const DispatchInfo = struct(
  { weight: Weight, class: DispatchClassTy, paysFee: PaysTy },
  { path: ["frame_support", "dispatch", "DispatchInfo"] },
);

export const ModuleError = struct(
  { index: { type: u8, typeName: "u8" }, error: { type: byteArray(4), typeName: "[u8; MAX_MODULE_ERROR_ENCODED_SIZE]" } },
  { path: ["sp_runtime", "ModuleError"] },
);

export const TokenError = variant(
  {
    FundsUnavailable: { index: 0 }, OnlyProvider: { index: 1 }, BelowMinimum: { index: 2 }, CannotCreate: { index: 3 },
    UnknownAsset: { index: 4 }, Frozen: { index: 5 }, Unsupported: { index: 6 }, CannotCreateHold: { index: 7 },
    NotExpendable: { index: 8 }, Blocked: { index: 9 },
  },
  { path: ["sp_runtime", "TokenError"] },
);
export const ArithmeticError = variant(
  { Underflow: { index: 0 }, Overflow: { index: 1 }, DivisionByZero: { index: 2 } },
  { path: ["sp_arithmetic", "ArithmeticError"] },
);
export const TransactionalError = variant(
  { LimitReached: { index: 0 }, NoLayer: { index: 1 } },
  { path: ["sp_runtime", "TransactionalError"] },
);

export type DispatchError =
  | { tag: "Other" } | { tag: "CannotLookup" } | { tag: "BadOrigin" }
  | { tag: "Module"; value: { index: number; error: Uint8Array } }
  | { tag: "ConsumerRemaining" } | { tag: "NoProviders" } | { tag: "TooManyConsumers" }
  | { tag: "Token"; value: { tag: string } } | { tag: "Arithmetic"; value: { tag: string } }
  | { tag: "Transactional"; value: { tag: string } }
  | { tag: "Exhausted" } | { tag: "Corruption" } | { tag: "Unavailable" } | { tag: "RootNotAllowed" };

export const DispatchError: Ty<DispatchError> = variant<DispatchError>(
  {
    Other: { index: 0 }, CannotLookup: { index: 1 }, BadOrigin: { index: 2 },
    Module: { index: 3, fields: ModuleError },
    ConsumerRemaining: { index: 4 }, NoProviders: { index: 5 }, TooManyConsumers: { index: 6 },
    Token: { index: 7, fields: TokenError }, Arithmetic: { index: 8, fields: ArithmeticError },
    Transactional: { index: 9, fields: TransactionalError },
    Exhausted: { index: 10 }, Corruption: { index: 11 }, Unavailable: { index: 12 }, RootNotAllowed: { index: 13 },
  },
  { path: ["sp_runtime", "DispatchError"] },
);

export const Perbill = newtype(u32, { path: ["sp_arithmetic", "per_things", "Perbill"], typeName: "u32" });
export const Permill = newtype(u32, { path: ["sp_arithmetic", "per_things", "Permill"], typeName: "u32" });

export type DigestItem =
  | { tag: "Other"; value: Uint8Array }
  | { tag: "Consensus"; value: [Uint8Array, Uint8Array] }
  | { tag: "Seal"; value: [Uint8Array, Uint8Array] }
  | { tag: "PreRuntime"; value: [Uint8Array, Uint8Array] }
  | { tag: "RuntimeEnvironmentUpdated" };

export const DigestItem: Ty<DigestItem> = variant<DigestItem>(
  {
    PreRuntime: { index: 6, fields: [byteArray(4), bytes] },
    Consensus: { index: 4, fields: [byteArray(4), bytes] },
    Seal: { index: 5, fields: [byteArray(4), bytes] },
    Other: { index: 0, fields: bytes },
    RuntimeEnvironmentUpdated: { index: 8 },
  },
  { path: ["sp_runtime", "generic", "digest", "DigestItem"] },
);
export const Digest = struct({ logs: vec(DigestItem) }, { path: ["sp_runtime", "generic", "digest", "Digest"] });

export interface Header {
  parentHash: Uint8Array;
  number: number;
  stateRoot: Uint8Array;
  extrinsicsRoot: Uint8Array;
  digest: { logs: DigestItem[] };
}
export const Header: Ty<Header> = struct(
  { parentHash: H256, number: { type: compactU32, typeName: "Number" }, stateRoot: H256, extrinsicsRoot: H256, digest: Digest },
  {
    path: ["sp_runtime", "generic", "header", "Header"],
    params: [{ name: "Number", type: u32 }, { name: "Hash" }],
  },
);

/** `BTreeMap<K, V>`: a sorted sequence of pairs. */
export function btreeMap<K, V>(k: Ty<K>, v: Ty<V>): Ty<[K, V][]> {
  const pairs = vec(tuple(k, v));
  return newtype(pairs as unknown as Ty<[K, V][]>, { path: ["BTreeMap"], params: [{ name: "K", type: k }, { name: "V", type: v }] });
}

export const RuntimeVersion = struct({
  specName: str, implName: str, authoringVersion: u32, specVersion: u32, implVersion: u32,
  apis: vec(tuple(byteArray(8), u32)), transactionVersion: u32, systemVersion: u8,
}, { path: ["sp_version", "RuntimeVersion"] });

export { bool, u16, u64, u128, compactU32 };
export type { EnumValue };
