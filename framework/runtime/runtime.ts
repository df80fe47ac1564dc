/**
 * Composition of pallets into a runtime (the `construct_runtime!` analogue): explicit pallet
 * indices, the outer `RuntimeCall`/`RuntimeEvent`/`RuntimeError` enums, the extrinsic format,
 * the executive and the runtime APIs. Everything here is built once, at start.
 */
import {
  variant, vec, u8, u32, struct, tuple, bytes, byteArray, decodeAll, decodePrefix, fromCursor, lazy, newtype, CodecError,
  encodeCompact, readCompactNumber, copyOut, compactU32, type Ty,
} from "../codec/ty.ts";
import { concatBytes } from "../codec/bytes.ts";
import {
  MultiAddress, MultiSignature, type AccountId, type DispatchError, type DispatchInfo, type Header, type Weight, type DigestItem,
} from "../codec/substrate.ts";
import { blake2_256, sr25519Verify, ed25519Verify, ecdsaVerifyAccount } from "../crypto/index.ts";
import { Overlay, type StateReader } from "../storage/overlay.ts";
import { withState, transactional } from "../storage/items.ts";
import {
  Pallet, type DispatchResult, type Origin, type TransactionValidity, type TransactionSource, type InherentData,
  type TransactionValidityError, invalid, unknown, weight as mkWeight, addWeight, ZERO_WEIGHT, type PostInfo,
} from "../pallet/pallet.ts";
import { combineValidity, validOk, VALID_DEFAULT, type SignedExtension, type ExtensionContext } from "./extension.ts";

export interface RuntimeVersion {
  specName: string;
  implName: string;
  authoringVersion: number;
  specVersion: number;
  implVersion: number;
  transactionVersion: number;
  /** 0 → trie V0; ≥1 → V1 state; ≥2 → V1 extrinsics root too. */
  systemVersion: number;
}

export type RuntimeCallValue = { tag: string; value: { tag: string; value?: any } };

/** What the executive needs from the System pallet (frame_system's role in `Executive`). */
export interface SystemPort {
  initialize(number: number, parentHash: Uint8Array, digest: DigestItem[]): void;
  noteFinishedInitialize(): void;
  noteExtrinsic(encoded: Uint8Array): void;
  noteAppliedExtrinsic(result: DispatchResult, info: DispatchInfo): void;
  noteFinishedExtrinsics(): void;
  finalize(extrinsicsRoot: (exts: Uint8Array[]) => Uint8Array, stateRoot: () => Uint8Array): Header;
  blockNumber(): number;
  accountExists(who: AccountId): boolean;
  registerExtraWeight(w: Weight, cls: DispatchInfo["class"]["tag"]): void;
  extrinsicIndex(): number | undefined;
}

export interface RuntimeApiMethod {
  readonly name: string;
  readonly inputs: readonly { name: string; ty: Ty<any> }[];
  readonly output: Ty<any>;
  readonly docs?: string;
  /** Receives the decoded inputs in order; returns the output value (encoded with `output`). */
  readonly call: (...args: any[]) => any;
}

export interface RuntimeApi {
  readonly name: string;
  readonly version: number;
  readonly methods: readonly RuntimeApiMethod[];
  readonly docs?: string;
}

export interface RuntimeDefinition {
  /** Rust crate name used for outer enum paths, e.g. "subspace_runtime". */
  readonly crateName: string;
  readonly version: RuntimeVersion;
  readonly pallets: readonly { index: number; pallet: Pallet }[];
  readonly system: SystemPort;
  readonly signedExtensions: readonly SignedExtension[];
  /** Maximum encoded extrinsic length (bytes). */
  readonly maxExtrinsicLength: number;
  readonly trieVersion: 0 | 1;
  readonly extrinsicsRootVersion: 0 | 1;
  /** Computes the ordered trie root of extrinsics (injected: the trie module lives beside the runtime). */
  readonly orderedTrieRoot: (values: Uint8Array[], version: 0 | 1) => Uint8Array;
}

export type Extrinsic =
  | { signed: false; call: RuntimeCallValue; encodedCall: Uint8Array }
  | {
      signed: true;
      address: MultiAddress;
      signature: MultiSignature;
      extra: unknown[];
      call: RuntimeCallValue;
      encodedCall: Uint8Array;
      encodedExtra: Uint8Array;
    };

export type ApplyExtrinsicResult =
  | { ok: true; value: { ok: true } | { ok: false; error: DispatchError } }
  | { ok: false; error: TransactionValidityError };

export const EXTRINSIC_FORMAT_VERSION = 4;
const SIGNED_BIT = 0b1000_0000;

/** Byte budget for the signing payload: above it the payload is hashed (sp_runtime). */
const MAX_UNHASHED_PAYLOAD = 256;

export class Runtime {
  readonly version: RuntimeVersion;
  readonly pallets: readonly { index: number; pallet: Pallet }[];
  readonly callTy: Ty<RuntimeCallValue>;
  readonly eventTy: Ty<{ tag: string; value: any }>;
  readonly errorTy: Ty<{ tag: string; value: any }>;
  readonly extrinsicTy: Ty<Extrinsic>;
  readonly extraTy: Ty<unknown[]>;
  readonly apis: RuntimeApi[] = [];
  readonly system: SystemPort;
  /**
   * Verifies a `MultiSignature` over a payload for an account. The node may install a caching
   * verifier (verification is a pure function), so a transaction checked by the pool is not
   * verified again when its block is built.
   */
  signatureVerifier: (sig: MultiSignature, payload: Uint8Array, who: AccountId) => boolean = verifyMultiSignature;

  /** Host hooks for the call in progress (state root of base + overlay, block hash); set by the executor. */
  host: { stateRoot(): Uint8Array; readonly atBlockHash: Uint8Array } = {
    stateRoot: () => {
      throw new Error("no executor host installed");
    },
    atBlockHash: new Uint8Array(32),
  };
  private readonly byName = new Map<string, Pallet>();
  private readonly byIndex: (Pallet | undefined)[] = new Array(256);
  private readonly def: RuntimeDefinition;

  constructor(def: RuntimeDefinition) {
    this.def = def;
    this.version = def.version;
    this.pallets = [...def.pallets].sort((a, b) => a.index - b.index);
    this.system = def.system;
    for (const { index, pallet } of this.pallets) {
      if (this.byIndex[index]) throw new Error(`duplicate pallet index ${index}`);
      if (this.byName.has(pallet.name)) throw new Error(`duplicate pallet name ${pallet.name}`);
      this.byIndex[index] = pallet;
      this.byName.set(pallet.name, pallet);
      pallet.bindToRuntime(index, { depositEvent: (i, e, t) => this.depositEvent(i, e, t) });
    }
    const outer = (kind: "callType" | "eventType" | "errorType", name: string, docs?: string) =>
      variant(
        Object.fromEntries(
          this.pallets.filter(({ pallet }) => pallet[kind]).map(({ index, pallet }) => [pallet.name, { index, fields: pallet[kind]! }]),
        ),
        { path: [def.crateName, name], docs: docs ? [docs] : undefined },
      );
    this.callTy = outer("callType", "RuntimeCall") as Ty<RuntimeCallValue>;
    this.eventTy = outer("eventType", "RuntimeEvent") as Ty<any>;
    this.errorTy = outer("errorType", "RuntimeError") as Ty<any>;
    const extraFields = def.signedExtensions.map((e) => e.extraTy);
    this.extraTy = tuple(...extraFields) as unknown as Ty<unknown[]>;
    this.extrinsicTy = this.makeExtrinsicTy();
  }

  pallet<P extends Pallet = Pallet>(name: string): P {
    const p = this.byName.get(name);
    if (!p) throw new Error(`no pallet ${name}`);
    return p as P;
  }

  palletByIndex(i: number): Pallet | undefined {
    return this.byIndex[i];
  }

  get signedExtensions(): readonly SignedExtension[] {
    return this.def.signedExtensions;
  }

  get trieVersion(): 0 | 1 {
    return this.def.trieVersion;
  }

  // ----------------------------------------------------------------------------------------------
  // Events

  private eventTopicsHook?: (encodedRecordEvent: Uint8Array, topics: Uint8Array[]) => void;

  /** Installed by the System pallet: appends an EventRecord. */
  setEventSink(sink: (encodedRuntimeEvent: Uint8Array, topics: Uint8Array[]) => void): void {
    this.eventTopicsHook = sink;
  }

  private depositEvent(palletIndex: number, encodedEvent: Uint8Array, topics: Uint8Array[] = []): void {
    if (!this.eventTopicsHook) throw new Error("no event sink installed (System pallet missing)");
    this.eventTopicsHook(concatBytes(Uint8Array.of(palletIndex), encodedEvent), topics);
  }

  // ----------------------------------------------------------------------------------------------
  // Extrinsic format v4

  private makeExtrinsicTy(): Ty<Extrinsic> {
    const callTy = this.callTy;
    const extraTy = this.extraTy;
    const maxLen = this.def.maxExtrinsicLength;
    const body = fromCursor<Extrinsic>(
      (x: Extrinsic) => {
        const inner = x.signed
          ? concatBytes(Uint8Array.of(EXTRINSIC_FORMAT_VERSION | SIGNED_BIT), MultiAddress.enc(x.address), MultiSignature.enc(x.signature), extraTy.enc(x.extra), x.encodedCall)
          : concatBytes(Uint8Array.of(EXTRINSIC_FORMAT_VERSION), x.encodedCall);
        return concatBytes(encodeCompact(inner.length), inner);
      },
      (c: any) => {
        const len = readCompactNumber(c);
        if (len > maxLen) throw new CodecError(`extrinsic of ${len} bytes exceeds the maximum of ${maxLen}`);
        const end = c.i + len;
        if (end > c.byteLength) throw new CodecError("extrinsic truncated");
        const versionByte = c[c.i++];
        const version = versionByte & 0b0111_1111;
        if (version !== EXTRINSIC_FORMAT_VERSION && !(version === 5 && !(versionByte & SIGNED_BIT))) {
          throw new CodecError(`unsupported extrinsic version ${versionByte}`);
        }
        let x: Extrinsic;
        if (versionByte & SIGNED_BIT) {
          const address = MultiAddress.dec(c);
          const signature = MultiSignature.dec(c);
          const extraStart = c.i;
          const extra = extraTy.dec(c);
          const encodedExtra = copyOut(c, extraStart, c.i);
          const callStart = c.i;
          const call = callTy.dec(c);
          x = { signed: true, address, signature, extra, call, encodedCall: copyOut(c, callStart, c.i), encodedExtra };
        } else {
          const callStart = c.i;
          const call = callTy.dec(c);
          x = { signed: false, call, encodedCall: copyOut(c, callStart, c.i) };
        }
        if (c.i !== end) throw new CodecError("extrinsic length prefix does not match its contents");
        return x;
      },
      {
        path: ["sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"],
        params: [
          { name: "Address", type: MultiAddress },
          { name: "Call", type: callTy },
          { name: "Signature", type: MultiSignature },
          { name: "Extra", type: extraTy },
        ],
        def: { tag: "sequence", of: u8 },
      },
    );
    return body;
  }

  decodeExtrinsic(encoded: Uint8Array): Extrinsic {
    return decodeAll(this.extrinsicTy, encoded);
  }

  /**
   * Whether an extrinsic is longer than any block could hold. Substrate answers such a transaction
   * with `ExhaustsResources` (CheckWeight's length check); we answer before decoding it.
   */
  private oversized(encoded: Uint8Array): boolean {
    if (encoded.length <= this.def.maxExtrinsicLength) return false;
    try {
      return decodePrefix(compactU32, encoded)[0] > this.def.maxExtrinsicLength;
    } catch {
      return false;
    }
  }

  /** The bytes a signer signs: `call ‖ extra ‖ additional`, hashed when longer than 256 bytes. */
  signingPayload(encodedCall: Uint8Array, encodedExtra: Uint8Array, encodedAdditional: Uint8Array): Uint8Array {
    const payload = concatBytes(encodedCall, encodedExtra, encodedAdditional);
    return payload.length > MAX_UNHASHED_PAYLOAD ? blake2_256(payload) : payload;
  }

  /** Encodes a signed extrinsic (used by tests and dev tools; clients build their own). */
  encodeSigned(address: MultiAddress, signature: MultiSignature, extra: unknown[], call: RuntimeCallValue): Uint8Array {
    const encodedCall = this.callTy.enc(call);
    return this.extrinsicTy.enc({ signed: true, address, signature, extra, call, encodedCall, encodedExtra: this.extraTy.enc(extra) });
  }

  encodeUnsigned(call: RuntimeCallValue): Uint8Array {
    return this.extrinsicTy.enc({ signed: false, call, encodedCall: this.callTy.enc(call) });
  }

  /** The additional-signed data of every extension, encoded (reads state: must run inside `withState`). */
  additionalSigned(extra: unknown[]): { ok: true; value: Uint8Array } | { ok: false; error: TransactionValidityError } {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < this.def.signedExtensions.length; i++) {
      const ext = this.def.signedExtensions[i]!;
      const a = ext.additionalSigned(extra[i]);
      if (!a.ok) return a;
      parts.push(ext.additionalTy.enc(a.value));
    }
    return { ok: true, value: concatBytes(...parts) };
  }

  // ----------------------------------------------------------------------------------------------
  // Dispatch

  callDef(call: RuntimeCallValue) {
    const pallet = this.byName.get(call.tag);
    const def = pallet?.calls[call.value.tag];
    if (!pallet || !def) throw new Error(`unknown call ${call.tag}.${call.value.tag}`);
    return { pallet, def };
  }

  dispatchInfo(call: RuntimeCallValue): DispatchInfo {
    const { def } = this.callDef(call);
    const args = call.value.value;
    const pays = typeof def.paysFee === "function" ? def.paysFee(args) : def.paysFee ?? true;
    return {
      weight: def.weight(args),
      class: { tag: def.class ?? "Normal" },
      paysFee: { tag: pays ? "Yes" : "No" },
    };
  }

  /** Dispatches a call with an origin, transactionally (a failure leaves no storage change). */
  dispatch(call: RuntimeCallValue, origin: Origin): DispatchResult {
    const { def } = this.callDef(call);
    return transactional(() => {
      try {
        return def.dispatch(origin, call.value.value);
      } catch (e) {
        if (e instanceof DispatchThrow) return { ok: false, error: e.error } as DispatchResult;
        throw e;
      }
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Checking and validation

  private checkSignature(x: Extract<Extrinsic, { signed: true }>): { ok: true; who: AccountId } | { ok: false; error: TransactionValidityError } {
    if (x.address.tag !== "Id") return unknown({ tag: "CannotLookup" });
    const who = x.address.value;
    const add = this.additionalSigned(x.extra);
    if (!add.ok) return add;
    const payload = this.signingPayload(x.encodedCall, x.encodedExtra, add.value);
    const valid = this.signatureVerifier(x.signature, payload, who);
    return valid ? { ok: true, who } : invalid({ tag: "BadProof" });
  }

  /**
   * `TaggedTransactionQueue::validate_transaction` on the state of block `blockHash` (run inside
   * `withState`). As FRAME's executive does, it first initializes the next block on top of it, so
   * `BlockHash[best]` and the block number are what the transaction will see when included.
   */
  validateTransaction(source: TransactionSource, encoded: Uint8Array, blockHash: Uint8Array): TransactionValidity {
    this.system.initialize(this.system.blockNumber() + 1, blockHash, []);
    if (this.oversized(encoded)) return invalid({ tag: "ExhaustsResources" });
    let x: Extrinsic;
    try {
      x = this.decodeExtrinsic(encoded);
    } catch {
      return invalid({ tag: "Call" });
    }
    const info = this.dispatchInfo(x.call);
    if (info.class.tag === "Mandatory") return invalid({ tag: "MandatoryValidation" });
    if (!x.signed) {
      const pallet = this.byName.get(x.call.tag)!;
      if (pallet.inherent?.isInherent(x.call.value)) return invalid({ tag: "Call" });
      if (!pallet.validateUnsigned) return unknown({ tag: "NoUnsignedValidator" });
      return pallet.validateUnsigned(source, x.call.value);
    }
    const checked = this.checkSignature(x);
    if (!checked.ok) return checked;
    const ctx: ExtensionContext = { who: checked.who, call: x.call, info, len: encoded.length, source };
    let acc = VALID_DEFAULT;
    for (let i = 0; i < this.def.signedExtensions.length; i++) {
      const v = this.def.signedExtensions[i]!.validate(ctx, x.extra[i]);
      if (!v.ok) return v;
      acc = combineValidity(acc, v.value);
    }
    return { ok: true, value: acc };
  }

  /** `BlockBuilder::apply_extrinsic` (run inside `withState`, between initialize and finalize). */
  applyExtrinsic(encoded: Uint8Array): ApplyExtrinsicResult {
    if (this.oversized(encoded)) return { ok: false, error: { tag: "Invalid", value: { tag: "ExhaustsResources" } } };
    let x: Extrinsic;
    try {
      x = this.decodeExtrinsic(encoded);
    } catch {
      return { ok: false, error: { tag: "Invalid", value: { tag: "Call" } } };
    }
    // Like Substrate's block builder, an extrinsic that fails validity leaves no trace in state.
    const r = transactional(() => {
      const res = this.applyDecoded(x, encoded);
      return { ok: res.ok, res };
    });
    return r.res;
  }

  applyDecoded(x: Extrinsic, encoded: Uint8Array): ApplyExtrinsicResult {
    const info = this.dispatchInfo(x.call);
    let origin: Origin;
    let pres: unknown[] = [];
    let ctx: ExtensionContext;
    if (x.signed) {
      const checked = this.checkSignature(x);
      if (!checked.ok) return checked;
      ctx = { who: checked.who, call: x.call, info, len: encoded.length };
      // As FRAME's executive: only pre-dispatch runs when applying (each extension's pre-dispatch
      // performs its own checks); validate is for the pool.
      for (let i = 0; i < this.def.signedExtensions.length; i++) {
        const p = this.def.signedExtensions[i]!.preDispatch(ctx, x.extra[i]);
        if (!p.ok) return p;
        pres.push(p.pre);
      }
      origin = { tag: "Signed", who: checked.who };
    } else {
      ctx = { who: undefined, call: x.call, info, len: encoded.length };
      const pallet = this.byName.get(x.call.tag)!;
      const isInherent = pallet.inherent?.isInherent(x.call.value) ?? false;
      if (info.class.tag === "Mandatory" && !isInherent) return { ok: false, error: { tag: "Invalid", value: { tag: "BadMandatory" } } };
      if (!isInherent) {
        if (!pallet.validateUnsigned) return { ok: false, error: { tag: "Unknown", value: { tag: "NoUnsignedValidator" } } };
        const v = pallet.validateUnsigned("InBlock", x.call.value);
        if (!v.ok) return v;
      }
      origin = { tag: "None" };
    }
    this.system.noteExtrinsic(encoded);
    const result = this.dispatch(x.call, origin);
    if (x.signed) {
      for (let i = 0; i < this.def.signedExtensions.length; i++) {
        this.def.signedExtensions[i]!.postDispatch?.(pres[i], ctx, result, result);
      }
    }
    const postInfo = postDispatchInfo(info, result);
    if (!result.ok && info.class.tag === "Mandatory") {
      // A failing mandatory (inherent) extrinsic makes the block invalid.
      return { ok: false, error: { tag: "Invalid", value: { tag: "BadMandatory" } } };
    }
    this.system.noteAppliedExtrinsic(result, postInfo);
    return { ok: true, value: result.ok ? { ok: true } : { ok: false, error: result.error } };
  }

  // ----------------------------------------------------------------------------------------------
  // Block lifecycle

  initializeBlock(header: Header): void {
    this.system.initialize(header.number, header.parentHash, header.digest.logs);
    let w = ZERO_WEIGHT;
    for (const { pallet } of this.pallets) if (pallet.onInitialize) w = addWeight(w, pallet.onInitialize(header.number));
    this.system.registerExtraWeight(w, "Mandatory");
    this.system.noteFinishedInitialize();
  }

  /** `BlockBuilder::finalize_block`; `stateRoot` computes the root of the state as it is when called. */
  finalizeBlock(stateRoot: () => Uint8Array): Header {
    this.system.noteFinishedExtrinsics();
    const n = this.system.blockNumber();
    for (const { pallet } of this.pallets) pallet.onFinalize?.(n);
    return this.system.finalize((exts) => this.def.orderedTrieRoot(exts, this.def.extrinsicsRootVersion), stateRoot);
  }

  /** The inherent extrinsics for a new block, in pallet order. */
  inherentExtrinsics(data: InherentData): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const { pallet } of this.pallets) {
      const call = pallet.inherent?.create(data);
      if (call) out.push(this.encodeUnsigned({ tag: pallet.name, value: call }));
    }
    return out;
  }

  /** `BlockBuilder::check_inherents`: errors keyed by inherent identifier. */
  checkInherents(extrinsics: Uint8Array[], data: InherentData): { okay: boolean; fatalError: boolean; errors: [string, string][] } {
    const errors: [string, string][] = [];
    const seen = new Set<string>();
    for (const enc of extrinsics) {
      let x: Extrinsic;
      try {
        x = this.decodeExtrinsic(enc);
      } catch {
        continue;
      }
      if (x.signed) break; // inherents come first
      const pallet = this.byName.get(x.call.tag)!;
      const inh = pallet.inherent;
      if (!inh || !inh.isInherent(x.call.value)) continue;
      seen.add(inh.identifier);
      const err = inh.check?.(x.call.value, data);
      if (err) errors.push([inh.identifier, err]);
    }
    for (const { pallet } of this.pallets) {
      if (pallet.inherent?.required && !seen.has(pallet.inherent.identifier)) errors.push([pallet.inherent.identifier, "required inherent missing"]);
    }
    return { okay: errors.length === 0, fatalError: errors.length > 0, errors };
  }

  // ----------------------------------------------------------------------------------------------
  // Execution sessions

  /** Runs `fn` against `base` with a fresh overlay; returns its result and the overlay. */
  execute<R>(base: StateReader, fn: () => R): { result: R; overlay: Overlay } {
    const overlay = new Overlay(base);
    const result = withState(overlay, fn);
    return { result, overlay };
  }

  integrityTest(): void {
    for (const { pallet } of this.pallets) pallet.integrityTest?.();
  }
}

export function verifyMultiSignature(sig: MultiSignature, payload: Uint8Array, who: AccountId): boolean {
  return sig.tag === "Sr25519" ? sr25519Verify(sig.value, payload, who)
    : sig.tag === "Ed25519" ? ed25519Verify(sig.value, payload, who)
    : ecdsaVerifyAccount(sig.value, payload, who);
}

/** Thrown inside a dispatchable to return a DispatchError early (caught by `dispatch`). */
export class DispatchThrow extends Error {
  constructor(readonly error: DispatchError) {
    super("dispatch error");
  }
}

function postDispatchInfo(info: DispatchInfo, post: PostInfo): DispatchInfo {
  const actual = post.actualWeight;
  const weight = actual && actual.refTime <= info.weight.refTime ? actual : info.weight;
  const paysFee = post.paysFee === false ? { tag: "No" as const } : info.paysFee;
  return { weight, class: info.class, paysFee };
}

export { mkWeight, lazy, newtype, struct, vec, bytes, byteArray, u32, decodePrefix, validOk };
