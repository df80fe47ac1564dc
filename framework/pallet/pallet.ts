/**
 * The pallet contract (FRAME's `#[pallet]` analogue). A pallet is a class extending `Pallet`,
 * with module-level codecs and storage items, and tables of calls, events, errors and constants
 * with explicit, append-only indices. The runtime builder assigns the pallet its index and wires
 * its event sink (`bindToRuntime`).
 */
import type { Ty, FieldSpec } from "../codec/ty.ts";
import { struct, variant } from "../codec/ty.ts";
import type { AccountId, DispatchError, Weight, DispatchClass } from "../codec/substrate.ts";
import type { AnyStorageItem } from "../storage/items.ts";

export type Origin = { tag: "Root" } | { tag: "Signed"; who: AccountId } | { tag: "None" };

export const ROOT: Origin = { tag: "Root" };
export const NONE: Origin = { tag: "None" };
export const signed = (who: AccountId): Origin => ({ tag: "Signed", who });

export interface PostInfo {
  /** Weight actually used, when less than the declared weight. */
  actualWeight?: Weight;
  paysFee?: boolean;
}

export type DispatchResult = ({ ok: true } & PostInfo) | ({ ok: false; error: DispatchError } & PostInfo);

export const OK: DispatchResult = { ok: true };
export const fail = (error: DispatchError, post: PostInfo = {}): DispatchResult => ({ ok: false, error, ...post });
export const BAD_ORIGIN: DispatchError = { tag: "BadOrigin" };

export function ensureSigned(origin: Origin): { ok: true; who: AccountId } | { ok: false; error: DispatchError } {
  return origin.tag === "Signed" ? { ok: true, who: origin.who } : { ok: false, error: BAD_ORIGIN };
}
export const isRoot = (origin: Origin): boolean => origin.tag === "Root";
export const isNone = (origin: Origin): boolean => origin.tag === "None";

export const weight = (refTime: bigint | number, proofSize: bigint | number = 0n): Weight => ({
  refTime: BigInt(refTime),
  proofSize: BigInt(proofSize),
});
export const ZERO_WEIGHT: Weight = weight(0, 0);
export const addWeight = (a: Weight, b: Weight): Weight => ({ refTime: a.refTime + b.refTime, proofSize: a.proofSize + b.proofSize });

export interface CallDef<A = any> {
  readonly index: number;
  readonly args: Record<string, Ty<any> | FieldSpec>;
  readonly docs?: string;
  readonly weight: (args: A) => Weight;
  readonly class?: DispatchClass;
  /** Defaults to true; false for inherents and free calls. */
  readonly paysFee?: boolean | ((args: A) => boolean);
  readonly dispatch: (origin: Origin, args: A) => DispatchResult;
}

export interface EventDef {
  readonly index: number;
  readonly fields?: Record<string, Ty<any> | FieldSpec>;
  readonly docs?: string;
}

export interface ErrorDef {
  readonly index: number;
  readonly docs?: string;
}

export interface ConstantDef<T = any> {
  readonly name: string;
  readonly ty: Ty<T>;
  readonly value: T;
  readonly docs?: string;
}

export type TransactionSource = "InBlock" | "Local" | "External";

export interface ValidTransaction {
  priority: bigint;
  requires: Uint8Array[];
  provides: Uint8Array[];
  longevity: bigint;
  propagate: boolean;
}

export type InvalidTransaction =
  | { tag: "Call" } | { tag: "Payment" } | { tag: "Future" } | { tag: "Stale" } | { tag: "BadProof" }
  | { tag: "AncientBirthBlock" } | { tag: "ExhaustsResources" } | { tag: "Custom"; value: number }
  | { tag: "BadMandatory" } | { tag: "MandatoryValidation" } | { tag: "BadSigner" };
export type UnknownTransaction = { tag: "CannotLookup" } | { tag: "NoUnsignedValidator" } | { tag: "Custom"; value: number };
export type TransactionValidityError = { tag: "Invalid"; value: InvalidTransaction } | { tag: "Unknown"; value: UnknownTransaction };
export type TransactionValidity = { ok: true; value: ValidTransaction } | { ok: false; error: TransactionValidityError };

export const invalid = (value: InvalidTransaction): { ok: false; error: TransactionValidityError } => ({ ok: false, error: { tag: "Invalid", value } });
export const unknown = (value: UnknownTransaction): { ok: false; error: TransactionValidityError } => ({ ok: false, error: { tag: "Unknown", value } });

/** The data inherents are created from (`InherentData`: identifier → SCALE bytes). */
export type InherentData = Map<string /* 8-char ASCII identifier */, Uint8Array>;

export interface InherentProvider {
  /** 8-byte identifier, e.g. "timstap0". */
  readonly identifier: string;
  /** The inherent call (`{tag: call name, value: args}`) for this block, or undefined. */
  create(data: InherentData): { tag: string; value?: any } | undefined;
  /** Checks an inherent call in an imported block against the local inherent data. */
  check?(call: { tag: string; value?: any }, data: InherentData): string | undefined;
  isInherent(call: { tag: string; value?: any }): boolean;
  /** Whether a block must contain this inherent. */
  required?: boolean;
}

/** What a pallet sees of the runtime it is composed into. */
export interface RuntimeHandle {
  /** Encodes and deposits an event of pallet `palletIndex` into System.Events. */
  depositEvent(palletIndex: number, encodedEvent: Uint8Array, topics?: Uint8Array[]): void;
}

export abstract class Pallet {
  /** The pallet's name as in `construct_runtime!` (storage prefix, metadata). */
  abstract readonly name: string;
  readonly docs: string[] = [];
  readonly storage: AnyStorageItem[] = [];
  readonly calls: Record<string, CallDef> = {};
  readonly events: Record<string, EventDef> = {};
  readonly errors: Record<string, ErrorDef> = {};
  readonly constants: ConstantDef[] = [];
  inherent?: InherentProvider;

  private boundIndex = -1;
  private runtimeHandle?: RuntimeHandle;
  private eventTy?: Ty<any>;
  private callTy?: Ty<any>;
  private errorTy?: Ty<any>;

  get index(): number {
    return this.boundIndex;
  }

  bindToRuntime(index: number, runtime: RuntimeHandle): void {
    this.boundIndex = index;
    this.runtimeHandle = runtime;
  }

  /** `Call<T>`: one variant per call, fields = args. */
  get callType(): Ty<any> | undefined {
    if (Object.keys(this.calls).length === 0) return undefined;
    return (this.callTy ??= variant(
      Object.fromEntries(Object.entries(this.calls).map(([n, c]) => [n, { index: c.index, fields: c.args, docs: c.docs }])),
      { path: [this.cratePath(), "pallet", "Call"], docs: ["Contains a variant per dispatchable extrinsic that this pallet has."] },
    ));
  }

  get eventType(): Ty<any> | undefined {
    if (Object.keys(this.events).length === 0) return undefined;
    return (this.eventTy ??= variant(
      Object.fromEntries(Object.entries(this.events).map(([n, e]) => [n, { index: e.index, fields: e.fields ?? {}, docs: e.docs }])),
      { path: [this.cratePath(), "pallet", "Event"], docs: ["The `Event` enum of this pallet"] },
    ));
  }

  get errorType(): Ty<any> | undefined {
    if (Object.keys(this.errors).length === 0) return undefined;
    return (this.errorTy ??= variant(
      Object.fromEntries(Object.entries(this.errors).map(([n, e]) => [n, { index: e.index, docs: e.docs }])),
      { path: [this.cratePath(), "pallet", "Error"], docs: ["The `Error` enum of this pallet."] },
    ));
  }

  /** The Rust crate path used in type paths, e.g. `pallet_balances`. */
  cratePath(): string {
    return `pallet_${this.name.replace(/[A-Z]/g, (m, i) => (i === 0 ? m.toLowerCase() : "_" + m.toLowerCase()))}`;
  }

  /** `DispatchError::Module` for one of this pallet's errors. */
  error(name: string): DispatchError {
    const e = this.errors[name];
    if (!e) throw new Error(`${this.name} has no error ${name}`);
    return { tag: "Module", value: { index: this.boundIndex, error: Uint8Array.of(e.index, 0, 0, 0) } };
  }

  /** Deposits one of this pallet's events (`{tag, value}` of its Event enum). */
  deposit(event: { tag: string; value?: any }, topics?: Uint8Array[]): void {
    const ty = this.eventType;
    if (!ty || !this.runtimeHandle) throw new Error(`${this.name} cannot deposit events (not composed into a runtime)`);
    this.runtimeHandle.depositEvent(this.boundIndex, ty.enc(event as any), topics);
  }

  // Hooks (FRAME's `Hooks`), all optional.
  onInitialize?(blockNumber: number): Weight;
  onFinalize?(blockNumber: number): void;
  integrityTest?(): void;
  /** Builds genesis storage from this pallet's part of the runtime genesis config (JSON, camelCase). */
  buildGenesis?(config: any): void;
  /** The default genesis config (for `GenesisBuilder_get_preset` and chain spec patches). */
  defaultGenesis?(): any;
  validateUnsigned?(source: TransactionSource, call: { tag: string; value?: any }): TransactionValidity;
}

/** Event args helper so events can be written `Transfer: event(2, {from: AccountId32, ...}, "docs")`. */
export const event = (index: number, fields: Record<string, Ty<any> | FieldSpec> = {}, docs?: string): EventDef => ({ index, fields, docs });
export const error = (index: number, docs?: string): ErrorDef => ({ index, docs });

export { struct };
