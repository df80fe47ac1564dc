/**
 * pallet_transaction_fees (Subspace): splits each block's fees into storage, compute and tips,
 * and pays them to the block author at the end of the block (or burns them when there is none).
 */
import { struct, u128, bool, option } from "../../framework/codec/ty.ts";
import { AccountId32, type AccountId } from "../../framework/codec/substrate.ts";
import { StorageValue } from "../../framework/storage/items.ts";
import { Pallet, event, weight } from "../../framework/pallet/pallet.ts";
import type { Weight } from "../../framework/codec/substrate.ts";
import type { BalancesPallet } from "../balances/balances.ts";

const P = "TransactionFees";

export const TransactionByteFeeTy = struct({ current: u128, next: u128 }, { path: ["pallet_transaction_fees", "TransactionByteFee"], params: [{ name: "Balance", type: u128 }] });
export const CollectedFeesTy = struct({ storage: u128, compute: u128, tips: u128 }, { path: ["pallet_transaction_fees", "CollectedFees"], params: [{ name: "Balance", type: u128 }] });

export interface TransactionFeesConfig {
  /** Fee per byte of extrinsic (storage fee) while dynamic cost of storage is disabled. */
  readonly transactionByteFee: bigint;
}

export class TransactionFeesPallet extends Pallet {
  readonly name = P;
  override readonly docs = ["Subspace's transaction fees: storage, compute and tips, paid to the block author."];
  readonly TransactionByteFee = new StorageValue(P, "TransactionByteFee", TransactionByteFeeTy, {
    default: { current: 0n, next: 0n }, docs: "Temporary value (cleared at block finalization) which contains current block's storage fee per byte.",
  });
  readonly IsDuringBlockExecution = new StorageValue(P, "IsDuringBlockExecution", bool, { default: false, docs: "Whether the runtime is executing a block." });
  readonly BlockAuthor = new StorageValue(P, "BlockAuthor", AccountId32, { docs: "Temporary value (cleared at block finalization) with block author." });
  readonly CollectedBlockFees = new StorageValue(P, "CollectedBlockFees", CollectedFeesTy, { docs: "Temporary value (cleared at block finalization) with fees collected in the block." });

  constructor(readonly config: TransactionFeesConfig, private readonly balances: BalancesPallet) {
    super();
    this.storage.push(this.TransactionByteFee, this.IsDuringBlockExecution, this.BlockAuthor, this.CollectedBlockFees);
    Object.assign(this.events, {
      BlockFees: event(0, { who: AccountId32, storage: u128, compute: u128, tips: u128 }, "Storage fees, compute fees and tips collected in the block were paid to the block author."),
      BurnedBlockFees: event(1, { storage: u128, compute: u128, tips: u128 }, "Fees collected in the block were burned."),
    });
  }

  /** The block author of the block being built (set by consensus; none on a dev seal). */
  setBlockAuthor(who: AccountId | undefined): void {
    if (who) this.BlockAuthor.set(who);
  }

  transactionByteFee(): bigint {
    return this.IsDuringBlockExecution.get() ? this.TransactionByteFee.get().current : this.config.transactionByteFee;
  }

  override onInitialize(): Weight {
    this.IsDuringBlockExecution.set(true);
    this.TransactionByteFee.set({ current: this.config.transactionByteFee, next: this.config.transactionByteFee });
    this.CollectedBlockFees.set({ storage: 0n, compute: 0n, tips: 0n });
    return weight(5_000_000);
  }

  /** Records fees taken from a transaction (called by the fee adapter after dispatch). */
  noteTransactionFees(storage: bigint, compute: bigint, tips: bigint): void {
    const c = this.CollectedBlockFees.getOption() ?? { storage: 0n, compute: 0n, tips: 0n };
    this.CollectedBlockFees.set({ storage: c.storage + storage, compute: c.compute + compute, tips: c.tips + tips });
  }

  override onFinalize(): void {
    const fees = this.CollectedBlockFees.take() ?? { storage: 0n, compute: 0n, tips: 0n };
    const author = this.BlockAuthor.take();
    this.IsDuringBlockExecution.kill();
    this.TransactionByteFee.kill();
    const total = fees.storage + fees.compute + fees.tips;
    if (total === 0n) return;
    if (author && this.balances.depositInto(author, total).ok) {
      this.deposit({ tag: "BlockFees", value: { who: author, ...fees } });
    } else {
      this.balances.TotalIssuance.mutate((t) => t - total);
      this.deposit({ tag: "BurnedBlockFees", value: fees });
    }
  }

  override defaultGenesis(): object {
    return {};
  }
}

export { option };
