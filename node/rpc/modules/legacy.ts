/**
 * Substrate's legacy JSON-RPC namespaces: system, chain, state, author, payment (names, aliases and
 * JSON shapes as `sc-rpc` and `sc-rpc-api`; see reference/substrate-compat.md §1).
 */
import { blake2_256, ss58Decode } from "../../../framework/crypto/index.ts";
import { toHex, fromHex, isHex, startsWith } from "../../../framework/codec/bytes.ts";
import { u32, decodeAll } from "../../../framework/codec/ty.ts";
import { Header, type Header as HeaderValue } from "../../../framework/codec/substrate.ts";
import { generateProof } from "../../../framework/trie/index.ts";
import { applyResultToCodec, ApplyExtrinsicResultTy } from "../../../framework/runtime/apis.ts";
import type { RpcServer } from "../server/index.ts";
import type { RpcParams } from "../server/params.ts";
import { RpcError } from "../errors.ts";
import { PoolError, poolErrorToRpc, type TransactionStatus } from "../../txpool/index.ts";
import { headerJson, runtimeVersionJson } from "./json.ts";
import { blockAt, clientError, type RpcContext } from "./context.ts";
import { justificationsJson } from "../../consensus/potJustification.ts";
import type { ImportedBlock } from "../../client/client.ts";

const MAX_KEYS_PAGE = 1000;
const MAX_QUERY_RANGE = 2048;

export function registerLegacy(server: RpcServer, ctx: RpcContext): void {
  registerSystem(server, ctx);
  registerChain(server, ctx);
  registerState(server, ctx);
  registerAuthor(server, ctx);
  registerPayment(server, ctx);
}

/** Wraps a handler so client errors become RPC errors. */
const guard = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
  try {
    return f(...a);
  } catch (e) {
    throw clientError(e);
  }
};

// -------------------------------------------------------------------------------------------------
// system_*

function registerSystem(server: RpcServer, ctx: RpcContext): void {
  const { client } = ctx;
  server.method("system_name", () => ctx.node.implName);
  server.method("system_version", () => ctx.node.version);
  server.method("system_chain", () => ctx.spec.name);
  server.method("system_chainType", () => ctx.spec.chainType);
  server.method("system_properties", () => ctx.spec.properties ?? {});
  server.method("system_health", () => ({ peers: 0, isSyncing: false, shouldHavePeers: ctx.spec.chainType !== "Development" }));
  server.method("system_peers", () => [], { unsafe: true });
  server.method("system_localPeerId", () => ctx.node.peerId);
  server.method("system_localListenAddresses", () => []);
  server.method("system_nodeRoles", () => ctx.node.roles);
  server.method("system_syncState", () => ({ startingBlock: 0, currentBlock: client.bestNumber, highestBlock: client.bestNumber }));
  server.method("system_accountNextIndex", (p: RpcParams) => {
    const address = p.string(0, "account");
    let who: Uint8Array;
    try {
      who = isHex(address) && address.length === 66 ? fromHex(address) : ss58Decode(address);
    } catch {
      throw RpcError.invalidParams(`invalid account: ${address}`);
    }
    const nonce = decodeAll(u32, client.call(client.bestHash, "AccountNonceApi_account_nonce", who));
    return nextIndexWithPool(ctx, who, nonce);
  }, { aliases: ["account_nextIndex"], params: ["account"] });
  server.method("system_dryRun", (p: RpcParams) => guard(() => {
    const tx = p.hex(0, "extrinsic");
    const at = blockAt(ctx, p.optionalHash(1, "at"));
    const parent = client.header(at)!;
    const built = client.executor.buildBlock(client.stateAt(at), at, parent.number + 1, [], new Map([["timstap0", u64Now()]]), [tx]);
    const r = built.results[0];
    const value = r === undefined || r === "exhausted" ? { ok: false, error: { tag: "Invalid", value: { tag: "ExhaustsResources" } } } : applyResultToCodec(r);
    return toHex(ApplyExtrinsicResultTy.enc(value));
  })(), { unsafe: true, aliases: ["system_dryRunAt"], params: ["extrinsic", "at"] });
}

import { u64 } from "../../../framework/codec/ty.ts";
const u64Now = () => u64.enc(BigInt(Date.now()));

/** Substrate's `system_accountNextIndex`: the on-chain nonce, bumped past the sender's ready pool transactions. */
function nextIndexWithPool(ctx: RpcContext, who: Uint8Array, nonce: number): number {
  const provided = new Set<string>();
  for (const tx of ctx.pool.ready()) for (const tag of tx.provides) provided.add(toHex(tag));
  for (const tx of ctx.pool.futures()) for (const tag of tx.provides) provided.add(toHex(tag));
  let n = nonce;
  const tag = (k: number) => toHex(new Uint8Array([...who, ...u32.enc(k)]));
  while (provided.has(tag(n))) n++;
  return n;
}

// -------------------------------------------------------------------------------------------------
// chain_*

function registerChain(server: RpcServer, ctx: RpcContext): void {
  const { client } = ctx;
  const hashOf = (v: unknown): string | null => {
    let n: number;
    if (typeof v === "number") n = v;
    else if (typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v)) n = parseInt(v, 16);
    else if (typeof v === "string" && /^\d+$/.test(v)) n = Number(v);
    else throw RpcError.invalidParams("block number must be a number or a hex string");
    if (!Number.isSafeInteger(n) || n < 0) throw RpcError.invalidParams("block number out of range");
    const h = client.hashByNumber(n);
    return h ? toHex(h) : null;
  };
  server.method("chain_getBlockHash", (p: RpcParams) => {
    const v = p.at(0, "hash");
    if (v === undefined || v === null) return toHex(client.bestHash);
    if (Array.isArray(v)) return v.map(hashOf);
    return hashOf(v);
  }, { aliases: ["chain_getHead"], params: ["hash"] });
  server.method("chain_getHeader", (p: RpcParams) => {
    const h = p.optionalHex(0, "hash") ?? client.bestHash;
    const header = client.header(h);
    return header ? headerJson(header) : null;
  }, { params: ["hash"] });
  server.method("chain_getBlock", (p: RpcParams) => {
    const h = p.optionalHex(0, "hash") ?? client.bestHash;
    const header = client.header(h);
    if (!header) return null;
    return { block: { header: headerJson(header), extrinsics: client.body(h)!.map(toHex) }, justifications: justificationsJson(client.justifications(h)) };
  }, { params: ["hash"] });
  server.method("chain_getFinalizedHead", () => toHex(client.finalizedHash), { aliases: ["chain_getFinalisedHead"] });

  const headSub = (event: "best" | "block", current: () => Uint8Array) => (_p: RpcParams, sink: { notify(r: unknown): void }) => {
    sink.notify(headerJson(client.header(current())!));
    const on = (b: ImportedBlock) => sink.notify(headerJson(b.header));
    client.on(event, on);
    return () => client.off(event, on);
  };
  server.subscription({
    subscribe: "chain_subscribeNewHeads", subscribeAliases: ["chain_subscribeNewHead", "subscribe_newHead"],
    notification: "chain_newHead",
    unsubscribe: "chain_unsubscribeNewHeads", unsubscribeAliases: ["chain_unsubscribeNewHead", "unsubscribe_newHead"],
  }, headSub("best", () => client.bestHash));
  server.subscription({
    subscribe: "chain_subscribeAllHeads", notification: "chain_allHead", unsubscribe: "chain_unsubscribeAllHeads",
  }, headSub("block", () => client.bestHash));
  server.subscription({
    subscribe: "chain_subscribeFinalizedHeads", subscribeAliases: ["chain_subscribeFinalisedHeads"],
    notification: "chain_finalizedHead",
    unsubscribe: "chain_unsubscribeFinalizedHeads", unsubscribeAliases: ["chain_unsubscribeFinalisedHeads"],
  }, (_p, sink) => {
    let last = client.finalizedNumber;
    sink.notify(headerJson(client.header(client.finalizedHash)!));
    const on = (f: { hash: Uint8Array; number: number }) => {
      // Substrate notifies every newly finalized block, in order.
      const hashes: Uint8Array[] = [];
      let cur: Uint8Array | undefined = f.hash;
      for (let n = f.number; n > last && cur; n--) {
        hashes.unshift(cur);
        cur = client.header(cur)?.parentHash;
      }
      last = f.number;
      for (const h of hashes) sink.notify(headerJson(client.header(h)!));
    };
    client.on("finalized", on);
    return () => client.off("finalized", on);
  });
}

// -------------------------------------------------------------------------------------------------
// state_*

function registerState(server: RpcServer, ctx: RpcContext): void {
  const { client } = ctx;
  const at = (p: RpcParams, i: number) => blockAt(ctx, p.optionalHash(i, "at"));

  server.method("state_call", (p: RpcParams) => guard(() => {
    const method = p.string(0, "name");
    const data = p.hex(1, "bytes");
    const h = at(p, 2);
    try {
      return toHex(client.call(h, method, data));
    } catch (e) {
      throw new RpcError(4003, `Client error: Execution failed: ${(e as Error).message}`);
    }
  })(), { aliases: ["state_callAt"], params: ["name", "bytes", "hash"] });
  server.method("state_getStorage", (p: RpcParams) => guard(() => {
    const v = client.storage(at(p, 1), p.hex(0, "key"));
    return v === undefined ? null : toHex(v);
  })(), { aliases: ["state_getStorageAt"], params: ["key", "hash"] });
  server.method("state_getStorageHash", (p: RpcParams) => guard(() => {
    const v = client.storage(at(p, 1), p.hex(0, "key"));
    return v === undefined ? null : toHex(blake2_256(v));
  })(), { aliases: ["state_getStorageHashAt"], params: ["key", "hash"] });
  server.method("state_getStorageSize", (p: RpcParams) => guard(() => {
    const v = client.storage(at(p, 1), p.hex(0, "key"));
    return v === undefined ? null : v.length;
  })(), { aliases: ["state_getStorageSizeAt"], params: ["key", "hash"] });
  server.method("state_getKeys", (p: RpcParams) => guard(() => {
    const prefix = p.hex(0, "prefix");
    const out: string[] = [];
    for (const k of client.stateAt(at(p, 1)).keys(prefix)) {
      out.push(toHex(k));
      if (out.length > 100_000) throw new RpcError(-32602, "too many keys; use state_getKeysPaged");
    }
    return out;
  })(), { params: ["prefix", "hash"], unsafe: true });
  server.method("state_getKeysPaged", (p: RpcParams) => guard(() => {
    const prefix = p.optionalHex(0, "prefix") ?? new Uint8Array();
    const count = p.number(1, "count");
    if (count > MAX_KEYS_PAGE) throw RpcError.invalidParams(`count exceeds maximum value. value: ${count}, max: ${MAX_KEYS_PAGE}`);
    const start = p.optionalHex(2, "startKey");
    const out: string[] = [];
    // startKey is exclusive; clients pass the prefix itself as the first start key.
    const after = start && start.length > 0 && startsWith(start, prefix) ? start : undefined;
    for (const k of client.stateAt(at(p, 3)).keys(prefix, after)) {
      if (out.length >= count) break;
      out.push(toHex(k));
    }
    return out;
  })(), { aliases: ["state_getKeysPagedAt"], params: ["prefix", "count", "startKey", "hash"] });
  server.method("state_getPairs", (p: RpcParams) => guard(() => {
    const prefix = p.hex(0, "prefix");
    const out: [string, string][] = [];
    const state = client.stateAt(at(p, 1));
    for (const k of state.keys(prefix)) out.push([toHex(k), toHex(state.get(k)!)]);
    return out;
  })(), { params: ["prefix", "hash"], unsafe: true });
  server.method("state_getMetadata", (p: RpcParams) => guard(() => {
    at(p, 0);
    return toHex(ctx.crt.metadata.v14);
  })(), { params: ["hash"] });
  server.method("state_getRuntimeVersion", (p: RpcParams) => guard(() => {
    at(p, 0);
    return runtimeVersionJson(ctx.crt.versionValue);
  })(), { aliases: ["chain_getRuntimeVersion"], params: ["hash"] });
  server.method("state_queryStorageAt", (p: RpcParams) => guard(() => {
    const keys = p.array(0, "keys").map((k, i) => hexParam(k, `keys[${i}]`));
    const h = at(p, 1);
    const state = client.stateAt(h);
    return [{ block: toHex(h), changes: keys.map((k) => [toHex(k), nullableHex(state.get(k))]) }];
  })(), { params: ["keys", "at"] });
  server.method("state_queryStorage", (p: RpcParams) => guard(() => {
    const keys = p.array(0, "keys").map((k, i) => hexParam(k, `keys[${i}]`));
    const from = blockAt(ctx, p.hash(1, "block"));
    const to = blockAt(ctx, p.optionalHash(2, "hash"));
    const route: Uint8Array[] = [];
    let cur: Uint8Array | undefined = to;
    const fromNumber = client.header(from)!.number;
    while (cur) {
      route.unshift(cur);
      if (toHex(cur) === toHex(from)) break;
      const h: HeaderValue = client.header(cur)!;
      if (h.number <= fromNumber) throw RpcError.invalidParams("`from` is not an ancestor of `to`");
      if (route.length > MAX_QUERY_RANGE) throw RpcError.invalidParams(`range exceeds ${MAX_QUERY_RANGE} blocks`);
      cur = h.parentHash;
    }
    const out: { block: string; changes: [string, string | null][] }[] = [];
    let prev: (string | null)[] | undefined;
    for (const b of route) {
      const state = client.stateAt(b);
      const values = keys.map((k) => nullableHex(state.get(k)));
      const changes: [string, string | null][] = [];
      values.forEach((v, i) => {
        if (!prev || prev[i] !== v) changes.push([toHex(keys[i]!), v]);
      });
      if (!prev || changes.length) out.push({ block: toHex(b), changes });
      prev = values;
    }
    return out;
  })(), { params: ["keys", "block", "hash"], unsafe: true });
  server.method("state_getReadProof", (p: RpcParams) => guard(() => {
    const keys = p.array(0, "keys").map((k, i) => hexParam(k, `keys[${i}]`));
    const h = at(p, 1);
    return { at: toHex(h), proof: generateProof(client.stateAt(h), keys).map(toHex) };
  })(), { params: ["keys", "hash"] });
  server.method("state_traceBlock", () => {
    throw new RpcError(-32601, "Method not found");
  }, { unsafe: true });

  server.subscription({
    subscribe: "state_subscribeRuntimeVersion", subscribeAliases: ["chain_subscribeRuntimeVersion"],
    notification: "state_runtimeVersion",
    unsubscribe: "state_unsubscribeRuntimeVersion", unsubscribeAliases: ["chain_unsubscribeRuntimeVersion"],
  }, (_p, sink) => {
    sink.notify(runtimeVersionJson(ctx.crt.versionValue));
  });
  server.subscription({
    subscribe: "state_subscribeStorage", notification: "state_storage", unsubscribe: "state_unsubscribeStorage",
  }, (p, sink) => {
    const rawKeys = p.optionalArray(0, "keys");
    if (!rawKeys) throw RpcError.invalidParams("subscribing to all storage changes is not supported; pass a list of keys");
    const keys = rawKeys.map((k, i) => hexParam(k, `keys[${i}]`));
    const hexKeys = keys.map(toHex);
    let last: (string | null)[] = [];
    const emit = (hash: Uint8Array, all: boolean) => {
      const state = client.stateAt(hash);
      const values = keys.map((k) => nullableHex(state.get(k)));
      const changes: [string, string | null][] = [];
      values.forEach((v, i) => {
        if (all || last[i] !== v) changes.push([hexKeys[i]!, v]);
      });
      last = values;
      if (all || changes.length) sink.notify({ block: toHex(hash), changes });
    };
    emit(client.bestHash, true);
    const on = (b: ImportedBlock) => emit(b.hash, false);
    client.on("best", on);
    return () => client.off("best", on);
  });
}

function hexParam(v: unknown, what: string): Uint8Array {
  if (typeof v !== "string" || !isHex(v)) throw RpcError.invalidParams(`${what} must be a hex string`);
  return fromHex(v);
}

const nullableHex = (v: Uint8Array | undefined): string | null => (v === undefined ? null : toHex(v));

// -------------------------------------------------------------------------------------------------
// author_*

function toRpcError(e: unknown): RpcError {
  if (e instanceof PoolError) {
    const r = poolErrorToRpc(e);
    return new RpcError(r.code, r.message, r.data);
  }
  if (e instanceof RpcError) return e;
  return new RpcError(1002, "Verification Error: " + (e as Error).message);
}

function registerAuthor(server: RpcServer, ctx: RpcContext): void {
  const { client, pool } = ctx;
  server.method("author_submitExtrinsic", async (p: RpcParams) => {
    const tx = p.hex(0, "extrinsic");
    try {
      return await pool.submit("External", tx, { hash: toHex(client.bestHash), number: client.bestNumber });
    } catch (e) {
      throw toRpcError(e);
    }
  }, { params: ["extrinsic"] });
  server.method("author_pendingExtrinsics", () => pool.pending().map(toHex));
  server.method("author_removeExtrinsic", (p: RpcParams) => {
    const items = p.array(0, "bytes_or_hash");
    const hashes: string[] = [];
    for (const it of items) {
      if (typeof it === "string") hashes.push(it.toLowerCase());
      else if (it && typeof it === "object" && "Hash" in it) hashes.push(String((it as any).Hash).toLowerCase());
      else if (it && typeof it === "object" && "Extrinsic" in it) hashes.push(toHex(blake2_256(hexParam((it as any).Extrinsic, "Extrinsic"))));
      else throw RpcError.invalidParams("expected a list of {Hash} or {Extrinsic}");
    }
    return pool.remove(hashes);
  }, { unsafe: true, params: ["bytes_or_hash"] });
  server.method("author_insertKey", (p: RpcParams) => {
    ctx.keystore.insert(p.string(0, "key_type"), p.string(1, "suri"), p.hex(2, "public"));
    return null;
  }, { unsafe: true, params: ["key_type", "suri", "public"] });
  server.method("author_hasKey", (p: RpcParams) => ctx.keystore.has(p.string(1, "key_type"), p.hex(0, "public_key")), { unsafe: true, params: ["public_key", "key_type"] });
  server.method("author_hasSessionKeys", () => false, { unsafe: true, params: ["session_keys"] });
  // The Subspace consensus runtime has no session keys: rotating yields empty keys.
  server.method("author_rotateKeys", () => "0x", { unsafe: true });

  server.subscription({
    subscribe: "author_submitAndWatchExtrinsic", notification: "author_extrinsicUpdate",
    unsubscribe: "author_unwatchExtrinsic",
  }, async (p, sink) => {
    const tx = p.hex(0, "bytes");
    let watcher;
    try {
      ({ watcher } = await pool.submitAndWatch("External", tx, { hash: toHex(client.bestHash), number: client.bestNumber }));
    } catch (e) {
      throw toRpcError(e);
    }
    const unsubscribe = watcher.subscribe((s: TransactionStatus) => {
      sink.notify(s);
      if (isFinal(s)) setImmediate(() => sink.close());
    });
    return () => unsubscribe();
  });
}

const isFinal = (s: TransactionStatus): boolean =>
  s === "dropped" || s === "invalid" || (typeof s === "object" && ("finalized" in s || "usurped" in s || "finalityTimeout" in s));

// -------------------------------------------------------------------------------------------------
// payment_*

function registerPayment(server: RpcServer, ctx: RpcContext): void {
  const { client } = ctx;
  const decodeCall = (method: string, ty: any) => (p: RpcParams) => guard(() => {
    const tx = p.hex(0, "extrinsic");
    const h = blockAt(ctx, p.optionalHash(1, "at"));
    let out: Uint8Array;
    try {
      out = client.call(h, method, new Uint8Array([...tx, ...u32.enc(tx.length)]));
    } catch (e) {
      throw new RpcError(1, "Unable to query dispatch info.", (e as Error).message);
    }
    return ty(out);
  })();
  server.method("payment_queryInfo", decodeCall("TransactionPaymentApi_query_info", (out: Uint8Array) => {
    const v: any = ctx.crt.runtime.apis.find((a) => a.name === "TransactionPaymentApi")!.methods[0]!.output.dec(out.slice());
    return {
      weight: { ref_time: Number(v.weight.refTime), proof_size: Number(v.weight.proofSize) },
      class: v.class.tag.toLowerCase(),
      partialFee: v.partialFee.toString(),
    };
  }), { params: ["extrinsic", "at"] });
  server.method("payment_queryFeeDetails", decodeCall("TransactionPaymentApi_query_fee_details", (out: Uint8Array) => {
    const v: any = ctx.crt.runtime.apis.find((a) => a.name === "TransactionPaymentApi")!.methods[1]!.output.dec(out.slice());
    const hex = (b: bigint) => "0x" + b.toString(16);
    return {
      inclusionFee: v.inclusionFee ? { baseFee: hex(v.inclusionFee.baseFee), lenFee: hex(v.inclusionFee.lenFee), adjustedWeightFee: hex(v.inclusionFee.adjustedWeightFee) } : null,
      tip: hex(v.tip),
    };
  }), { params: ["extrinsic", "at"] });
}

export { Header };
