/** What RPC modules see of the node (resolved once at start; no container look-ups in handlers). */
import type { Client } from "../../client/client.ts";
import type { TransactionPool } from "../../txpool/index.ts";
import type { ChainSpec } from "../../../framework/chain-spec/chainSpec.ts";
import type { ConsensusRuntime } from "../../../runtime/consensus/runtime.ts";
import type { Keystore } from "../../service/keystore.ts";
import { RpcError } from "../errors.ts";
import { fromHex, toHex } from "../../../framework/codec/bytes.ts";
import { ClientError } from "../../client/client.ts";

export interface RpcContext {
  readonly client: Client;
  readonly pool: TransactionPool;
  readonly spec: ChainSpec;
  readonly crt: ConsensusRuntime;
  readonly keystore: Keystore;
  readonly node: {
    name: string;
    implName: string;
    version: string;
    peerId: string;
    roles: string[];
  };
}

/** Resolves an optional block hash parameter to a known block (best when absent). */
export function blockAt(ctx: RpcContext, hash: Uint8Array | undefined | `0x${string}`): Uint8Array {
  if (hash === undefined || hash === null) return ctx.client.bestHash;
  const h = typeof hash === "string" ? fromHex(hash) : hash;
  if (!ctx.client.db.blockMeta(h)) throw new RpcError(4003, `Client error: UnknownBlock: State already discarded for ${toHex(h)}`);
  return h;
}

/** Maps client/runtime errors raised while serving a request to Substrate-like RPC errors. */
export function clientError(e: unknown): RpcError {
  if (e instanceof RpcError) return e;
  if (e instanceof ClientError) {
    if (e.code === "CLIENT_ERROR_STATE_PRUNED" || e.code === "CLIENT_ERROR_UNKNOWN_BLOCK") return new RpcError(4003, `Client error: ${e.message}`);
  }
  return new RpcError(4003, `Client error: ${(e as Error).message}`);
}
