/**
 * The standard runtime APIs, answered SCALE-in/SCALE-out as a WASM runtime would answer them
 * through `state_call`: Core, Metadata, BlockBuilder, TaggedTransactionQueue, AccountNonceApi,
 * TransactionPaymentApi, GenesisBuilder. API ids are `blake2_64(name)`.
 */
import {
  variant, struct, vec, u8, u32, u64, u128, bool, bytes, option, result, unit, str, byteArray, tuple, decodePrefix, decodeAll,
  CodecError, type Ty,
} from "../codec/ty.ts";
import { H256, Header, DigestItem, DispatchError, Weight, RuntimeVersion as RuntimeVersionTy, AccountId32, type Header as HeaderValue } from "../codec/substrate.ts";
import { blake2bAsync } from "../crypto/index.ts";
import type { Runtime, RuntimeApi, RuntimeApiMethod, ApplyExtrinsicResult } from "./runtime.ts";
import type { MetadataSet } from "./metadata.ts";
import type { InherentData, TransactionSource } from "../pallet/pallet.ts";

export const InvalidTransactionTy = variant(
  {
    Call: { index: 0 }, Payment: { index: 1 }, Future: { index: 2 }, Stale: { index: 3 }, BadProof: { index: 4 },
    AncientBirthBlock: { index: 5 }, ExhaustsResources: { index: 6 }, Custom: { index: 7, fields: u8 },
    BadMandatory: { index: 8 }, MandatoryValidation: { index: 9 }, BadSigner: { index: 10 },
    IndeterminateImplicit: { index: 11 }, UnknownOrigin: { index: 12 },
  },
  { path: ["sp_runtime", "transaction_validity", "InvalidTransaction"] },
);
export const UnknownTransactionTy = variant(
  { CannotLookup: { index: 0 }, NoUnsignedValidator: { index: 1 }, Custom: { index: 2, fields: u8 } },
  { path: ["sp_runtime", "transaction_validity", "UnknownTransaction"] },
);
export const TransactionValidityErrorTy = variant(
  { Invalid: { index: 0, fields: InvalidTransactionTy }, Unknown: { index: 1, fields: UnknownTransactionTy } },
  { path: ["sp_runtime", "transaction_validity", "TransactionValidityError"] },
);
export const ValidTransactionTy = struct(
  { priority: u64, requires: vec(bytes), provides: vec(bytes), longevity: u64, propagate: bool },
  { path: ["sp_runtime", "transaction_validity", "ValidTransaction"] },
);
export const TransactionValidityTy = result(ValidTransactionTy, TransactionValidityErrorTy);
export const TransactionSourceTy = variant(
  { InBlock: { index: 0 }, Local: { index: 1 }, External: { index: 2 } },
  { path: ["sp_runtime", "transaction_validity", "TransactionSource"] },
);
export const ApplyExtrinsicResultTy = result(result(unit, DispatchError), TransactionValidityErrorTy);
export const InherentDataTy = struct(
  { data: namedBTreeMap(byteArray(8), bytes) },
  { path: ["sp_inherents", "InherentData"] },
);
export const CheckInherentsResultTy = struct(
  { okay: bool, fatalError: bool, errors: InherentDataTy },
  { path: ["sp_inherents", "CheckInherentsResult"] },
);
export const OpaqueMetadataTy = struct({ _0: bytes }, { path: ["sp_core", "OpaqueMetadata"] });
export const ExtrinsicInclusionModeTy = variant(
  { AllExtrinsics: { index: 0 }, OnlyInherents: { index: 1 } },
  { path: ["sp_runtime", "ExtrinsicInclusionMode"] },
);

function namedBTreeMap<K, V>(k: Ty<K>, v: Ty<V>): Ty<[K, V][]> {
  const inner = vec(tuple(k, v)) as unknown as Ty<[K, V][]>;
  return { ...inner, info: { path: ["BTreeMap"], params: [{ name: "K", type: k }, { name: "V", type: v }], def: { tag: "composite", fields: [{ type: inner }] } } };
}

/** Maps the pallet-level validity error shape onto the codec's `{tag, value}` shape (identical). */
export const encodeValidity = (v: { ok: boolean; value?: any; error?: any }): Uint8Array => TransactionValidityTy.enc(v as any);

export const API_IDS = new Map<string, Uint8Array>();
export async function apiId(name: string): Promise<Uint8Array> {
  let id = API_IDS.get(name);
  if (!id) {
    id = await blake2bAsync(new TextEncoder().encode(name), 8);
    API_IDS.set(name, id);
  }
  return id;
}

/** Hooks the APIs need from the host (the block's state root, the block's header hash…). */
export interface ApiHost {
  /** The state root of the state as it stands now in this execution (trie root of base + overlay). */
  stateRoot(): Uint8Array;
  /** Hash of the block whose state this call executes on. */
  readonly atBlockHash: Uint8Array;
}

export interface GenesisBuilderPort {
  presetNames(): string[];
  /** The JSON of a preset (undefined = the default config). */
  preset(name: string | undefined): object | undefined;
  build(json: object): void;
}

export interface StandardApiDeps {
  runtime: Runtime;
  metadata: MetadataSet;
  accountNonce: (who: Uint8Array) => number;
  payment: {
    queryInfo(len: number, info: any, signed: boolean): { weight: any; class: any; partialFee: bigint };
    queryFeeDetails(len: number, info: any, signed: boolean, tip: bigint): any;
    weightToFee(w: any): bigint;
    lengthToFee(len: number): bigint;
    tipOf(extra: unknown[]): bigint;
  };
  genesis: GenesisBuilderPort;
  host: () => ApiHost;
  /** Block type for Core_execute_block and BlockBuilder_check_inherents. */
}

function method(name: string, inputs: { name: string; ty: Ty<any> }[], output: Ty<any>, call: (...a: any[]) => any, docs?: string): RuntimeApiMethod {
  return { name, inputs, output, call, docs };
}

/** Builds the standard API list. `extrinsicTy` is the runtime's UncheckedExtrinsic type. */
export function standardApis(d: StandardApiDeps): RuntimeApi[] {
  const rt = d.runtime;
  const ext = rt.extrinsicTy;
  const opaqueExt = { ...bytes, info: rt.extrinsicTy.info } as Ty<Uint8Array>;
  const BlockTy = struct(
    { header: Header, extrinsics: vec(opaqueExt) },
    { path: ["sp_runtime", "generic", "block", "Block"], params: [{ name: "Header", type: Header }, { name: "Extrinsic", type: ext }] },
  );
  void BlockTy;
  const blockTy = struct({ header: Header, extrinsics: vec(rawExtrinsic(rt)) }, { path: ["sp_runtime", "generic", "block", "Block"], params: [{ name: "Header", type: Header }, { name: "Extrinsic", type: ext }] });
  const versionValue = async () => ({ ...rt.version, apis: await Promise.all(rt.apis.map(async (a) => [await apiId(a.name), a.version])) });
  let cachedVersion: any;
  const toInherentData = (d: { data: [Uint8Array, Uint8Array][] }): InherentData =>
    new Map(d.data.map(([k, v]) => [Buffer.from(k).toString("latin1"), v]));
  const fromErrors = (errors: [string, string][]) => ({ data: errors.map(([k, msg]) => [Buffer.from(k, "latin1"), str.enc(msg)] as [Uint8Array, Uint8Array]) });

  const apis: RuntimeApi[] = [
    {
      name: "Core", version: 5, docs: "The `Core` runtime api that every Substrate runtime needs to implement.",
      methods: [
        method("version", [], RuntimeVersionTy, () => cachedVersion, "Returns the version of the runtime."),
        method("execute_block", [{ name: "block", ty: blockTy }], unit, (block: { header: HeaderValue; extrinsics: Uint8Array[] }) => {
          executeBlock(rt, d.host(), block.header, block.extrinsics);
          return undefined;
        }, "Execute the given block."),
        method("initialize_block", [{ name: "header", ty: Header }], ExtrinsicInclusionModeTy, (h: HeaderValue) => {
          rt.initializeBlock(h);
          return { tag: "AllExtrinsics" };
        }, "Initialize a block with the given header and return the runtime executive mode."),
      ],
    },
    {
      name: "Metadata", version: 2, docs: "The `Metadata` api trait that returns metadata for the runtime.",
      methods: [
        method("metadata", [], OpaqueMetadataTy, () => ({ _0: d.metadata.v14 }), "Returns the metadata of a runtime."),
        method("metadata_at_version", [{ name: "version", ty: u32 }], option(OpaqueMetadataTy), (v: number) =>
          v === 14 ? { _0: d.metadata.v14 } : v === 15 ? { _0: d.metadata.v15 } : undefined, "Returns the metadata at a given version."),
        method("metadata_versions", [], vec(u32), () => [14, 15], "Returns the supported metadata versions."),
      ],
    },
    {
      name: "BlockBuilder", version: 6, docs: "The `BlockBuilder` api trait that provides the required functionality for building a block.",
      methods: [
        method("apply_extrinsic", [{ name: "extrinsic", ty: rawExtrinsic(rt) }], ApplyExtrinsicResultTy, (x: Uint8Array) => applyResultToCodec(rt.applyExtrinsic(x)), "Apply the given extrinsic."),
        method("finalize_block", [], Header, () => rt.finalizeBlock(() => d.host().stateRoot()), "Finish the current block."),
        method("inherent_extrinsics", [{ name: "inherent", ty: InherentDataTy }], vec(rawExtrinsic(rt)), (data: any) => rt.inherentExtrinsics(toInherentData(data)), "Generate inherent extrinsics."),
        method("check_inherents", [{ name: "block", ty: blockTy }, { name: "data", ty: InherentDataTy }], CheckInherentsResultTy, (block: any, data: any) => {
          const r = rt.checkInherents(block.extrinsics, toInherentData(data));
          return { okay: r.okay, fatalError: r.fatalError, errors: fromErrors(r.errors) };
        }, "Check that the inherents are valid."),
      ],
    },
    {
      name: "TaggedTransactionQueue", version: 3, docs: "The `TaggedTransactionQueue` api trait for interfering with the transaction queue.",
      methods: [
        method("validate_transaction", [{ name: "source", ty: TransactionSourceTy }, { name: "tx", ty: rawExtrinsic(rt) }, { name: "block_hash", ty: H256 }], TransactionValidityTy,
          (source: { tag: TransactionSource }, tx: Uint8Array, blockHash: Uint8Array) => validityToCodec(rt.validateTransaction(source.tag, tx, blockHash)),
          "Validate the transaction."),
      ],
    },
    {
      name: "AccountNonceApi", version: 1, docs: "The API to query account nonce.",
      methods: [method("account_nonce", [{ name: "account", ty: AccountId32 }], u32, (who: Uint8Array) => d.accountNonce(who), "Get current account nonce of given `AccountId`.")],
    },
    {
      name: "TransactionPaymentApi", version: 4,
      methods: [
        method("query_info", [{ name: "uxt", ty: rawExtrinsic(rt) }, { name: "len", ty: u32 }], paymentInfoTy(), (x: Uint8Array, len: number) => {
          const e = rt.decodeExtrinsic(x);
          return d.payment.queryInfo(len, rt.dispatchInfo(e.call), e.signed);
        }),
        method("query_fee_details", [{ name: "uxt", ty: rawExtrinsic(rt) }, { name: "len", ty: u32 }], feeDetailsTy(), (x: Uint8Array, len: number) => {
          const e = rt.decodeExtrinsic(x);
          return d.payment.queryFeeDetails(len, rt.dispatchInfo(e.call), e.signed, e.signed ? d.payment.tipOf(e.extra) : 0n);
        }),
        method("query_weight_to_fee", [{ name: "weight", ty: Weight }], u128, (w: any) => d.payment.weightToFee(w)),
        method("query_length_to_fee", [{ name: "length", ty: u32 }], u128, (l: number) => d.payment.lengthToFee(l)),
      ],
    },
    {
      name: "GenesisBuilder", version: 1, docs: "API to interact with `RuntimeGenesisConfig` for the runtime",
      methods: [
        method("build_state", [{ name: "json", ty: bytes }], result(unit, str), (json: Uint8Array) => {
          try {
            d.genesis.build(JSON.parse(new TextDecoder().decode(json)));
            return { ok: true, value: undefined };
          } catch (e) {
            return { ok: false, error: (e as Error).message };
          }
        }, "Build `RuntimeGenesisConfig` from a JSON blob not using any defaults and store it in the storage."),
        method("get_preset", [{ name: "id", ty: option(str) }], option(bytes), (id: string | undefined) => {
          const p = d.genesis.preset(id);
          return p === undefined ? undefined : new TextEncoder().encode(JSON.stringify(p));
        }, "Returns a JSON blob representation of the built-in `RuntimeGenesisConfig` identified by `id`."),
        method("preset_names", [], vec(str), () => d.genesis.presetNames(), "Returns a list of identifiers for available builtin `RuntimeGenesisConfig` presets."),
      ],
    },
  ];
  rt.apis.push(...apis);
  return apis;

  // Resolve the version once the api list exists (ids are async to compute).
  async function init() {
    cachedVersion = await versionValue();
  }
  void init;
}

/** Fills the cached runtime version (with API ids); call once after composing the APIs. */
export async function runtimeVersionValue(rt: Runtime): Promise<any> {
  return { ...rt.version, apis: await Promise.all(rt.apis.map(async (a) => [await apiId(a.name), a.version] as [Uint8Array, number])) };
}

let paymentInfo: Ty<any> | undefined;
function paymentInfoTy(): Ty<any> {
  return (paymentInfo ??= struct(
    { weight: Weight, class: variant({ Normal: { index: 0 }, Operational: { index: 1 }, Mandatory: { index: 2 } }, { path: ["frame_support", "dispatch", "DispatchClass"] }), partialFee: u128 },
    { path: ["pallet_transaction_payment", "types", "RuntimeDispatchInfo"], params: [{ name: "Balance", type: u128 }, { name: "Weight", type: Weight }] },
  ));
}
let feeDetails: Ty<any> | undefined;
function feeDetailsTy(): Ty<any> {
  const Inclusion = struct({ baseFee: u128, lenFee: u128, adjustedWeightFee: u128 }, { path: ["pallet_transaction_payment", "types", "InclusionFee"], params: [{ name: "Balance", type: u128 }] });
  return (feeDetails ??= struct({ inclusionFee: option(Inclusion), tip: u128 }, { path: ["pallet_transaction_payment", "types", "FeeDetails"], params: [{ name: "Balance", type: u128 }] }));
}

/** An extrinsic passed through as raw bytes (already length-prefixed), typed as UncheckedExtrinsic. */
const rawCache = new WeakMap<Runtime, Ty<Uint8Array>>();
export function rawExtrinsic(rt: Runtime): Ty<Uint8Array> {
  let t = rawCache.get(rt);
  if (!t) {
    const inner = rt.extrinsicTy;
    t = {
      codec: null as any,
      enc: (b: Uint8Array) => b,
      dec: ((c: any) => {
        // Read the compact length prefix, then take prefix + body as the raw extrinsic.
        const start = c.i;
        const [len, used] = decodePrefix(u32CompactLen, viewOf(c, start, c.byteLength));
        const end = start + used + len;
        if (end > c.byteLength) throw new CodecError("extrinsic truncated");
        c.i = end;
        return copyOut(c, start, end);
      }) as any,
      info: inner.info,
    };
    (t as any).codec = Object.assign([t.enc, t.dec], { enc: t.enc, dec: t.dec });
    rawCache.set(rt, t);
  }
  return t;
}
import { compactU32 as u32CompactLen, copyOut, viewOf } from "../codec/ty.ts";

export function applyResultToCodec(r: ApplyExtrinsicResult): any {
  if (!r.ok) return { ok: false, error: r.error };
  return { ok: true, value: r.value.ok ? { ok: true, value: undefined } : { ok: false, error: r.value.error } };
}

export function validityToCodec(v: { ok: boolean; value?: any; error?: any }): any {
  return v;
}

/** Executes a whole block on the current state and checks its roots (Core_execute_block). */
export function executeBlock(rt: Runtime, host: ApiHost, header: HeaderValue, extrinsics: Uint8Array[]): void {
  // As FRAME's `extract_pre_digest`: the block starts from its pre-runtime items only; the runtime
  // deposits the rest again, and the result must match the header (seal aside).
  const digest = header.digest.logs.filter((l) => l.tag === "PreRuntime");
  rt.initializeBlock({ ...header, digest: { logs: digest } });
  extrinsics.forEach((x, i) => {
    const r = rt.applyExtrinsic(x);
    if (!r.ok) throw new BlockExecutionError(`extrinsic ${i} is invalid: ${JSON.stringify(r.error)}`);
  });
  const h = rt.finalizeBlock(() => host.stateRoot());
  if (!bytesEq(h.stateRoot, header.stateRoot)) throw new BlockExecutionError("state root mismatch");
  if (!bytesEq(h.extrinsicsRoot, header.extrinsicsRoot)) throw new BlockExecutionError("extrinsics root mismatch");
  const expected = header.digest.logs.filter((l) => l.tag !== "Seal");
  if (expected.length !== h.digest.logs.length) throw new BlockExecutionError("number of digest items must match that calculated");
  for (let i = 0; i < expected.length; i++) {
    if (!bytesEq(DigestItem.enc(expected[i]!), DigestItem.enc(h.digest.logs[i]!))) throw new BlockExecutionError(`digest item ${i} must match that calculated`);
  }
}

export class BlockExecutionError extends Error {
  readonly code = "BLOCK_EXECUTION_ERROR";
}

const bytesEq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Dispatches a runtime API call by its `Api_method` name: SCALE input → SCALE output. */
export function callApi(rt: Runtime, name: string, input: Uint8Array): Uint8Array {
  const sep = name.indexOf("_");
  const apiName = sep > 0 ? findApi(rt, name) : undefined;
  if (!apiName) throw new ApiError(`Exported method ${name} is not found`);
  const { api, m } = apiName;
  let args: any[];
  try {
    args = decodeAll(inputsTuple(m), input.length === 0 && m.inputs.length === 0 ? new Uint8Array(0) : input) as any[];
  } catch (e) {
    throw new ApiError(`Could not decode the input of ${api.name}_${m.name}: ${(e as Error).message}`);
  }
  return m.output.enc(m.call(...args));
}

const tupleCache = new WeakMap<RuntimeApiMethod, Ty<any>>();
function inputsTuple(m: RuntimeApiMethod): Ty<any> {
  let t = tupleCache.get(m);
  if (!t) {
    t = tuple(...m.inputs.map((i) => i.ty));
    tupleCache.set(m, t);
  }
  return t;
}

function findApi(rt: Runtime, name: string): { api: RuntimeApi; m: RuntimeApiMethod } | undefined {
  for (const api of rt.apis) {
    if (!name.startsWith(api.name + "_")) continue;
    const m = api.methods.find((x) => x.name === name.slice(api.name.length + 1));
    if (m) return { api, m };
  }
  return undefined;
}

export class ApiError extends Error {
  readonly code = "RUNTIME_API_ERROR";
}

export { u8, str };
