/**
 * The new JSON-RPC interface spec (paritytech/json-rpc-interface-spec): chainSpec_v1 here;
 * chainHead_v1, transaction_v1, transactionWatch_v1 and archive_v1 in their own modules.
 */
import { toHex } from "../../../framework/codec/bytes.ts";
import type { RpcServer } from "../server/index.ts";
import type { RpcContext } from "./context.ts";

export function registerNewApi(server: RpcServer, ctx: RpcContext): void {
  server.method("chainSpec_v1_chainName", () => ctx.spec.name);
  server.method("chainSpec_v1_genesisHash", () => toHex(ctx.client.genesisHash));
  server.method("chainSpec_v1_properties", () => ctx.spec.properties ?? {});
}
