/**
 * Mock for pallet_transaction_payment and pallet_transaction_fees: fees only exist around the
 * executive and its signed extensions, so the "mock" is the consensus runtime itself with its dev
 * genesis (Alice…Ferdie funded), driven block by block (test/runtime/helpers.ts).
 */
import { devChain, signWithPolkadotJs, produce, type Chain } from "../../runtime/helpers.ts";
import { decodeAll, compactU32, u32 } from "../../../framework/codec/ty.ts";
import { concatBytes } from "../../../framework/codec/bytes.ts";
import { RuntimeDispatchInfo, FeeDetails } from "../../../pallets/transaction-payment/transactionPayment.ts";

export { devChain as newTestChain, signWithPolkadotJs, produce, type Chain };

/** `TransactionPaymentApi_query_info` / `_query_fee_details` through the SCALE API. */
export function queryInfo(chain: Chain, tx: Uint8Array) {
  const out = chain.executor.call(chain.state, chain.head.hash, "TransactionPaymentApi_query_info", concatBytes(tx, u32.enc(tx.length)));
  return decodeAll(RuntimeDispatchInfo, out);
}
export function queryFeeDetails(chain: Chain, tx: Uint8Array) {
  const out = chain.executor.call(chain.state, chain.head.hash, "TransactionPaymentApi_query_fee_details", concatBytes(tx, u32.enc(tx.length)));
  return decodeAll(FeeDetails, out);
}

/** The events of the head block, as `Pallet.Event` → fields. */
export function headEvents(chain: Chain): { name: string; phase: any; value: any }[] {
  return chain.executor.read(chain.state, () =>
    chain.crt.system.Events.get().map((r: any) => ({ name: `${r.event.tag}.${r.event.value.tag}`, phase: r.phase, value: r.event.value.value })),
  );
}

export { compactU32 };
