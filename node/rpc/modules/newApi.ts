/**
 * The new JSON-RPC interface spec (paritytech/json-rpc-interface-spec): chainSpec_v1 here;
 * chainHead_v1, transaction_v1, transactionWatch_v1 and archive_v1 in their own modules.
 */
import { toHex } from "../../../framework/codec/bytes.ts";
import type { RpcServer } from "../server/index.ts";
import type { RpcContext } from "./context.ts";
import { registerArchive } from "./archive.ts";
import { CHAIN_HEAD_LIMITS, registerChainHead, type ChainHeadLimits } from "./chainHead.ts";
import { TRANSACTION_LIMITS, registerTransaction, type TransactionLimits } from "./transaction.ts";

export { CHAIN_HEAD_LIMITS, ChainHeadErrorCode, type ChainHeadLimits } from "./chainHead.ts";
export { TRANSACTION_LIMITS, type TransactionLimits } from "./transaction.ts";

/** Limits of the chainHead and transaction groups (defaults: `CHAIN_HEAD_LIMITS`, `TRANSACTION_LIMITS`). */
export interface NewApiOptions {
  chainHead?: Partial<ChainHeadLimits>;
  transaction?: Partial<TransactionLimits>;
}

export function registerNewApi(server: RpcServer, ctx: RpcContext, opts: NewApiOptions = {}): void {
  server.method("chainSpec_v1_chainName", () => ctx.spec.name);
  server.method("chainSpec_v1_genesisHash", () => toHex(ctx.client.genesisHash));
  server.method("chainSpec_v1_properties", () => ctx.spec.properties ?? {});
  registerChainHead(server, ctx, { ...CHAIN_HEAD_LIMITS, ...opts.chainHead });
  registerTransaction(server, ctx, { ...TRANSACTION_LIMITS, ...opts.transaction });
  registerArchive(server, ctx);
}
