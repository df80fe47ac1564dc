/**
 * Signed extensions (`TransactionExtension` in newer FRAME): each adds explicit `extra` bytes to a
 * signed extrinsic and `additional` bytes to its signing payload, and takes part in validation,
 * pre-dispatch and post-dispatch.
 */
import type { Ty } from "../codec/ty.ts";
import type { AccountId, DispatchInfo } from "../codec/substrate.ts";
import type { DispatchResult, PostInfo, TransactionValidity, ValidTransaction, TransactionValidityError, TransactionSource } from "../pallet/pallet.ts";

export interface ExtensionContext {
  readonly who: AccountId | undefined;
  readonly call: { tag: string; value?: any };
  readonly info: DispatchInfo;
  readonly len: number;
  readonly source?: TransactionSource;
}

export interface SignedExtension<Extra = any, Additional = any, Pre = any> {
  readonly identifier: string;
  readonly extraTy: Ty<Extra>;
  readonly additionalTy: Ty<Additional>;
  /** The implicit data signed along (genesis hash, spec version…); may reject with a validity error. */
  additionalSigned(extra: Extra): { ok: true; value: Additional } | { ok: false; error: TransactionValidityError };
  validate(ctx: ExtensionContext, extra: Extra): TransactionValidity;
  preDispatch(ctx: ExtensionContext, extra: Extra): { ok: true; pre: Pre } | { ok: false; error: TransactionValidityError };
  postDispatch?(pre: Pre, ctx: ExtensionContext, post: PostInfo, result: DispatchResult): void;
}

export const VALID_DEFAULT: ValidTransaction = {
  priority: 0n,
  requires: [],
  provides: [],
  longevity: 0xffff_ffff_ffff_ffffn,
  propagate: true,
};

export const validOk = (v: Partial<ValidTransaction> = {}): TransactionValidity => ({ ok: true, value: { ...VALID_DEFAULT, ...v } });

/** `ValidTransaction::combine_with` (priorities saturate, tags concatenate, longevity is the minimum). */
export function combineValidity(a: ValidTransaction, b: ValidTransaction): ValidTransaction {
  const sum = a.priority + b.priority;
  return {
    priority: sum > 0xffff_ffff_ffff_ffffn ? 0xffff_ffff_ffff_ffffn : sum,
    requires: a.requires.concat(b.requires),
    provides: a.provides.concat(b.provides),
    longevity: a.longevity < b.longevity ? a.longevity : b.longevity,
    propagate: a.propagate && b.propagate,
  };
}

/** A zero-sized extension with no checks (Subspace's marker extensions are checked in pallets). */
export function noopExtension(identifier: string, unit: Ty<undefined>): SignedExtension<undefined, undefined, undefined> {
  return {
    identifier,
    extraTy: unit,
    additionalTy: unit,
    additionalSigned: () => ({ ok: true, value: undefined }),
    validate: () => validOk(),
    preDispatch: () => ({ ok: true, pre: undefined }),
  };
}
