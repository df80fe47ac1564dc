/**
 * pallet_transaction_payment: inclusion fees (base + length + weight × multiplier) and tips,
 * charged by the `ChargeTransactionPayment` signed extension before dispatch (and kept even when
 * the dispatch fails), with the runtime APIs `query_info` and `query_fee_details`.
 */
import { u8, u128, compactU128, struct, option, variant, newtype, type Ty } from "../../framework/codec/ty.ts";
import { AccountId32, Weight as WeightTy, DispatchClassTy, type AccountId, type DispatchInfo, type Weight } from "../../framework/codec/substrate.ts";
import { StorageValue } from "../../framework/storage/items.ts";
import { Pallet, event, invalid, type TransactionValidity } from "../../framework/pallet/pallet.ts";
import { validOk, type SignedExtension } from "../../framework/runtime/extension.ts";
import type { BalancesPallet } from "../balances/balances.ts";
import type { TransactionFeesPallet } from "../transaction-fees/transactionFees.ts";
import type { SystemPallet } from "../system/system.ts";

const P = "TransactionPayment";
const ONE = 10n ** 18n; // FixedU128 unit

export const FixedU128 = newtype(u128, { path: ["sp_arithmetic", "fixed_point", "FixedU128"], typeName: "u128" });
const Releases = variant({ V1Ancient: { index: 0 }, V2: { index: 1 } }, { path: ["pallet_transaction_payment", "Releases"] });

export const InclusionFee = struct({ baseFee: u128, lenFee: u128, adjustedWeightFee: u128 }, { path: ["pallet_transaction_payment", "types", "InclusionFee"], params: [{ name: "Balance", type: u128 }] });
export const FeeDetails = struct({ inclusionFee: option(InclusionFee), tip: u128 }, { path: ["pallet_transaction_payment", "types", "FeeDetails"], params: [{ name: "Balance", type: u128 }] });
export const RuntimeDispatchInfo = struct({ weight: WeightTy, class: DispatchClassTy, partialFee: u128 }, { path: ["pallet_transaction_payment", "types", "RuntimeDispatchInfo"], params: [{ name: "Balance", type: u128 }, { name: "Weight", type: WeightTy }] });

export interface TransactionPaymentConfig {
  readonly operationalFeeMultiplier: number;
  /** Fee per unit of ref_time weight. */
  readonly weightFee: bigint;
  readonly baseExtrinsicWeight: bigint;
  readonly maxBlockWeight: bigint;
  readonly maxBlockLength: number;
}

export interface FeeBreakdown {
  baseFee: bigint;
  lenFee: bigint;
  adjustedWeightFee: bigint;
  /** The storage part of the inclusion fee (Subspace's split): the length fee. */
  storage: bigint;
  compute: bigint;
}

export class TransactionPaymentPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["Transaction payment: inclusion fees and tips."];
  readonly NextFeeMultiplier = new StorageValue(P, "NextFeeMultiplier", FixedU128, { default: ONE, docs: "The fee multiplier for the next block." });
  readonly StorageVersion = new StorageValue(P, "StorageVersion", Releases, { default: { tag: "V1Ancient" }, docs: "The storage version." });

  constructor(
    readonly config: TransactionPaymentConfig,
    private readonly balances: BalancesPallet,
    private readonly fees: TransactionFeesPallet,
    private readonly system: SystemPallet,
  ) {
    super();
    this.storage.push(this.NextFeeMultiplier, this.StorageVersion);
    Object.assign(this.events, {
      TransactionFeePaid: event(0, { who: AccountId32, actualFee: u128, tip: u128 }, "A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee, has been paid by `who`."),
    });
    this.constants.push({ name: "OperationalFeeMultiplier", ty: u8, value: config.operationalFeeMultiplier, docs: "A fee multiplier for `Operational` extrinsics to compute \"virtual tip\" to boost their `priority`." });
  }

  weightToFee(w: Weight): bigint {
    return w.refTime * this.config.weightFee;
  }

  /** The inclusion fee of an extrinsic of `len` bytes with `info` (None when it pays no fee). */
  inclusionFee(len: number, info: DispatchInfo): FeeBreakdown | undefined {
    if (info.paysFee.tag === "No") return undefined;
    const baseFee = this.weightToFee({ refTime: this.config.baseExtrinsicWeight, proofSize: 0n });
    const lenFee = BigInt(len) * this.fees.transactionByteFee();
    const adjustedWeightFee = (this.NextFeeMultiplier.get() * this.weightToFee(info.weight)) / ONE;
    return { baseFee, lenFee, adjustedWeightFee, storage: lenFee, compute: baseFee + adjustedWeightFee };
  }

  computeFee(len: number, info: DispatchInfo, tip: bigint): bigint {
    const f = this.inclusionFee(len, info);
    return f ? f.baseFee + f.lenFee + f.adjustedWeightFee + tip : tip;
  }

  queryInfo(len: number, info: DispatchInfo, signed: boolean) {
    const f = signed ? this.inclusionFee(len, info) : undefined;
    return { weight: info.weight, class: info.class, partialFee: f ? f.baseFee + f.lenFee + f.adjustedWeightFee : 0n };
  }

  queryFeeDetails(len: number, info: DispatchInfo, signed: boolean, tip: bigint) {
    const f = signed ? this.inclusionFee(len, info) : undefined;
    return { inclusionFee: f ? { baseFee: f.baseFee, lenFee: f.lenFee, adjustedWeightFee: f.adjustedWeightFee } : undefined, tip: signed ? tip : 0n };
  }

  /** FRAME's `ChargeTransactionPayment::get_priority`. */
  priority(info: DispatchInfo, len: number, tip: bigint, fee: bigint): bigint {
    const maxWeight = this.config.maxBlockWeight;
    const w = info.weight.refTime > 0n ? info.weight.refTime : 1n;
    const perWeight = maxWeight / w;
    const perLength = BigInt(this.config.maxBlockLength) / BigInt(Math.max(len, 1));
    const maxTxPerBlock = perWeight < perLength ? perWeight : perLength;
    const scaledTip = (tip + 1n) * maxTxPerBlock;
    const cap = 0xffff_ffff_ffff_ffffn;
    if (info.class.tag === "Operational") {
      const virtualTip = fee * BigInt(this.config.operationalFeeMultiplier);
      const p = scaledTip + virtualTip * maxTxPerBlock;
      return p > cap ? cap : p;
    }
    return scaledTip > cap ? cap : scaledTip;
  }

  /** The `ChargeTransactionPayment` signed extension. */
  chargeTransactionPayment(): SignedExtension<bigint, undefined, { who: AccountId; fee: bigint; tip: bigint } | undefined> {
    const withdrawable = (who: AccountId, fee: bigint): boolean => fee === 0n || this.balances.reducibleBalance(who, "Preserve") >= fee;
    return {
      identifier: "ChargeTransactionPayment",
      extraTy: compactU128 as Ty<bigint>,
      additionalTy: unitTy,
      additionalSigned: () => ({ ok: true, value: undefined }),
      validate: (ctx, tip): TransactionValidity => {
        const fee = this.computeFee(ctx.len, ctx.info, tip);
        if (!withdrawable(ctx.who!, fee)) return invalid({ tag: "Payment" });
        return validOk({ priority: this.priority(ctx.info, ctx.len, tip, fee) });
      },
      preDispatch: (ctx, tip) => {
        const who = ctx.who!;
        const fee = this.computeFee(ctx.len, ctx.info, tip);
        if (fee === 0n) return { ok: true, pre: { who, fee, tip } };
        const r = this.balances.withdraw(who, fee, "Preserve");
        if (!r.ok) return invalid({ tag: "Payment" });
        this.balances.deposit({ tag: "Withdraw", value: { who, amount: fee } });
        return { ok: true, pre: { who, fee, tip } };
      },
      postDispatch: (pre, ctx, post) => {
        if (!pre) return;
        // Refund the difference when the call reports less weight than declared, or pays no fee.
        let actualInfo = ctx.info;
        if (post.actualWeight && post.actualWeight.refTime < ctx.info.weight.refTime) actualInfo = { ...ctx.info, weight: post.actualWeight };
        if (post.paysFee === false) actualInfo = { ...actualInfo, paysFee: { tag: "No" } };
        const actualFee = this.computeFee(ctx.len, actualInfo, pre.tip);
        const refund = pre.fee - actualFee;
        if (refund > 0n) {
          this.balances.depositInto(pre.who, refund);
          this.balances.deposit({ tag: "Deposit", value: { who: pre.who, amount: refund } });
        }
        const f = this.inclusionFee(ctx.len, actualInfo);
        this.fees.noteTransactionFees(f?.storage ?? 0n, f?.compute ?? 0n, pre.tip);
        this.deposit({ tag: "TransactionFeePaid", value: { who: pre.who, actualFee, tip: pre.tip } });
      },
    };
  }

  override buildGenesis(): void {
    this.StorageVersion.set({ tag: "V2" });
  }
}

import { unit as unitTy } from "../../framework/codec/ty.ts";
export { FeeDetails as FeeDetailsTy };
