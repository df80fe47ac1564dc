/**
 * frame_system's signed extensions: CheckNonZeroSender, CheckSpecVersion, CheckTxVersion,
 * CheckGenesis, CheckMortality, CheckNonce, CheckWeight.
 */
import { u32, unit, compactU32, type Ty } from "../../framework/codec/ty.ts";
import { H256, Era, eraBirth, type Era as EraValue } from "../../framework/codec/substrate.ts";
import { concatBytes } from "../../framework/codec/bytes.ts";
import { invalid, type TransactionValidity } from "../../framework/pallet/pallet.ts";
import { validOk, type SignedExtension } from "../../framework/runtime/extension.ts";
import type { SystemPallet } from "./system.ts";

const ok = <T>(value: T) => ({ ok: true as const, value });
const noPre = { ok: true as const, pre: undefined };

export function checkNonZeroSender(): SignedExtension<undefined, undefined, undefined> {
  const isZero = (who: Uint8Array | undefined) => !!who && who.every((b) => b === 0);
  return {
    identifier: "CheckNonZeroSender",
    extraTy: unit, additionalTy: unit,
    additionalSigned: () => ok(undefined),
    validate: (ctx) => (isZero(ctx.who) ? invalid({ tag: "BadSigner" }) : validOk()),
    preDispatch: (ctx) => (isZero(ctx.who) ? invalid({ tag: "BadSigner" }) : noPre),
  };
}

function constantAdditional<T>(identifier: string, ty: Ty<T>, value: () => T): SignedExtension<undefined, T, undefined> {
  return {
    identifier,
    extraTy: unit, additionalTy: ty,
    additionalSigned: () => ok(value()),
    validate: () => validOk(),
    preDispatch: () => noPre,
  };
}

export const checkSpecVersion = (system: SystemPallet) => constantAdditional("CheckSpecVersion", u32, () => system.config.version.specVersion);
export const checkTxVersion = (system: SystemPallet) => constantAdditional("CheckTxVersion", u32, () => system.config.version.transactionVersion);
export const checkGenesis = (system: SystemPallet) => constantAdditional("CheckGenesis", H256, () => system.BlockHash.get(0));

/** CheckMortality: the era is explicit; the hash of its birth block is signed along. */
export function checkMortality(system: SystemPallet): SignedExtension<EraValue, Uint8Array, undefined> {
  return {
    identifier: "CheckMortality",
    extraTy: Era, additionalTy: H256,
    additionalSigned(era) {
      const current = system.blockNumber();
      const birth = eraBirth(era, current);
      if (!system.BlockHash.contains(birth)) return invalid({ tag: "AncientBirthBlock" });
      return ok(system.BlockHash.get(birth));
    },
    validate(_ctx, e) {
      const current = system.blockNumber();
      const longevity = e.tag === "Immortal" ? 0xffff_ffff_ffff_ffffn : BigInt(Math.max(0, eraBirth(e, current) + e.period - current));
      return validOk({ longevity });
    },
    preDispatch: () => noPre,
  };
}

/** Nonce rules: stale below the account nonce; future above it (with a `requires` tag). */
export function checkNonce(system: SystemPallet): SignedExtension<number, undefined, undefined> {
  const tag = (who: Uint8Array, nonce: number) => concatBytes(who, u32.enc(nonce));
  return {
    identifier: "CheckNonce",
    extraTy: compactU32, additionalTy: unit,
    additionalSigned: () => ok(undefined),
    validate(ctx, nonce): TransactionValidity {
      const who = ctx.who!;
      const account = system.account(who);
      if (account.providers === 0 && account.sufficients === 0) return invalid({ tag: "Payment" });
      if (nonce < account.nonce) return invalid({ tag: "Stale" });
      const requires = nonce > account.nonce ? [tag(who, nonce - 1)] : [];
      return validOk({ priority: 0n, requires, provides: [tag(who, nonce)] });
    },
    preDispatch(ctx, nonce) {
      const who = ctx.who!;
      const account = system.account(who);
      if (account.providers === 0 && account.sufficients === 0) return invalid({ tag: "Payment" });
      if (nonce !== account.nonce) return invalid({ tag: nonce < account.nonce ? "Stale" : "Future" });
      system.incNonce(who);
      return noPre;
    },
  };
}

/** Block weight and length limits. */
export function checkWeight(system: SystemPallet): SignedExtension<undefined, undefined, undefined> {
  return {
    identifier: "CheckWeight",
    extraTy: unit, additionalTy: unit,
    additionalSigned: () => ok(undefined),
    validate(ctx) {
      if (!system.fitsEmptyBlock(ctx.info.weight, ctx.info.class.tag, ctx.len)) return invalid({ tag: "ExhaustsResources" });
      return validOk();
    },
    preDispatch(ctx) {
      if (!system.tryConsume(ctx.info.weight, ctx.info.class.tag, ctx.len)) return invalid({ tag: "ExhaustsResources" });
      return noPre;
    },
  };
}
