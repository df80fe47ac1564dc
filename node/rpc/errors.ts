/**
 * JSON-RPC errors with Substrate's and jsonrpsee's codes and messages, plus parameter validators
 * that throw `RpcError.invalidParams`.
 *
 * SPEC: codes and messages from paritytech/jsonrpsee `types/src/error.rs`; application codes from
 * paritytech/polkadot-sdk `substrate/client/rpc-api/src/{author,state}/error.rs` and `error.rs`
 * (bases AUTHOR 1000, SYSTEM 2000, CHAIN 3000, STATE 4000); the unsafe-call denial from
 * `substrate/client/rpc-api/src/policy.rs` (`UnsafeRpcError` → -32601 "RPC call is unsafe to be called externally").
 */
import { isHex, fromHex } from "../../framework/codec/bytes.ts";

/** JSON-RPC 2.0 and jsonrpsee error codes. */
export const PARSE_ERROR_CODE = -32700;
export const INVALID_REQUEST_CODE = -32600;
export const METHOD_NOT_FOUND_CODE = -32601;
export const INVALID_PARAMS_CODE = -32602;
export const INTERNAL_ERROR_CODE = -32603;
export const CALL_EXECUTION_FAILED_CODE = -32000;
export const UNKNOWN_ERROR_CODE = -32001;
export const BATCHES_NOT_SUPPORTED_CODE = -32005;
export const TOO_MANY_SUBSCRIPTIONS_CODE = -32006;
export const OVERSIZED_REQUEST_CODE = -32007;
export const OVERSIZED_RESPONSE_CODE = -32008;
export const SERVER_IS_BUSY_CODE = -32009;
export const TOO_BIG_BATCH_REQUEST_CODE = -32010;
export const TOO_BIG_BATCH_RESPONSE_CODE = -32011;

export const PARSE_ERROR_MSG = "Parse error";
export const INVALID_REQUEST_MSG = "Invalid request";
export const METHOD_NOT_FOUND_MSG = "Method not found";
export const INVALID_PARAMS_MSG = "Invalid params";
export const INTERNAL_ERROR_MSG = "Internal error";
export const BATCHES_NOT_SUPPORTED_MSG = "Batched requests are not supported by this server";
export const TOO_MANY_SUBSCRIPTIONS_MSG = "Too many subscriptions on the connection";
export const OVERSIZED_REQUEST_MSG = "Request is too big";
export const OVERSIZED_RESPONSE_MSG = "Response is too big";
export const SERVER_IS_BUSY_MSG = "Server is busy, try again later";
export const TOO_BIG_BATCH_REQUEST_MSG = "The batch request was too large";
export const TOO_BIG_BATCH_RESPONSE_MSG = "The batch response was too large";
/** Substrate `UnsafeRpcError`, reported with code -32601. */
export const UNSAFE_RPC_CALLED_MSG = "RPC call is unsafe to be called externally";

/** Substrate application error codes (`sc-rpc-api`). */
export const SubstrateErrorCode = {
  /** author: extrinsic has an invalid format (1001). */
  AUTHOR_BAD_FORMAT: 1001,
  /** author: error during verification in the runtime (1002). */
  AUTHOR_VERIFICATION_ERROR: 1002,
  /** pool rejected the transaction as invalid (1010). */
  POOL_INVALID_TX: 1010,
  /** cannot determine transaction validity (1011). */
  POOL_UNKNOWN_VALIDITY: 1011,
  /** the transaction is temporarily banned (1012). */
  POOL_TEMPORARILY_BANNED: 1012,
  /** the transaction is already in the pool (1013). */
  POOL_ALREADY_IMPORTED: 1013,
  /** too low priority to replace a transaction already in the pool (1014). */
  POOL_TOO_LOW_PRIORITY: 1014,
  /** including the transaction would cause a dependency cycle (1015). */
  POOL_CYCLE_DETECTED: 1015,
  /** the transaction couldn't enter the pool because of the limit (1016). */
  POOL_IMMEDIATELY_DROPPED: 1016,
  /** not propagable and the node does not author blocks (1018). */
  POOL_UNACTIONABLE: 1018,
  /** the transaction provides no tags (1019). */
  POOL_NO_TAGS: 1019,
  /** invalid block id (1020). */
  POOL_INVALID_BLOCK_ID: 1020,
  /** the pool is not accepting future transactions (1021). */
  POOL_FUTURE_TX: 1021,
  /** other author error (1040). */
  AUTHOR_OTHER: 1040,
  /** system: `NotHealthy` (2001, data = health), `MalformattedPeerArg` (2002). */
  SYSTEM_NOT_HEALTHY: 2001,
  SYSTEM_MALFORMATTED_PEER_ARG: 2002,
  /** chain: `Other(message)` (3001), client error (3002). */
  CHAIN_OTHER: 3001,
  CHAIN_CLIENT: 3002,
  /** state: invalid block range (4001), invalid count (4002), client/other (4003). */
  STATE_INVALID_BLOCK_RANGE: 4001,
  STATE_INVALID_COUNT: 4002,
  STATE_CLIENT: 4003,
} as const;

/** A JSON-RPC error object; thrown by handlers and serialised as `{code, message, data?}`. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }

  /** The wire error object (`data` omitted when undefined, as jsonrpsee does). */
  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static parseError(): RpcError {
    return new RpcError(PARSE_ERROR_CODE, PARSE_ERROR_MSG);
  }
  static invalidRequest(): RpcError {
    return new RpcError(INVALID_REQUEST_CODE, INVALID_REQUEST_MSG);
  }
  static methodNotFound(): RpcError {
    return new RpcError(METHOD_NOT_FOUND_CODE, METHOD_NOT_FOUND_MSG);
  }
  /** -32602 "Invalid params" with the reason in `data` (jsonrpsee's parameter-parse errors look the same). */
  static invalidParams(reason?: string): RpcError {
    return new RpcError(INVALID_PARAMS_CODE, INVALID_PARAMS_MSG, reason);
  }
  /** -32603 "Internal error", with an optional detail in `data`. */
  static internal(detail?: string): RpcError {
    return new RpcError(INTERNAL_ERROR_CODE, INTERNAL_ERROR_MSG, detail);
  }
  /** Substrate's denial of an unsafe method (`sc_rpc_api::policy::UnsafeRpcError`). */
  static unsafeDenied(): RpcError {
    return new RpcError(METHOD_NOT_FOUND_CODE, UNSAFE_RPC_CALLED_MSG);
  }
  static tooManySubscriptions(limit: number): RpcError {
    return new RpcError(TOO_MANY_SUBSCRIPTIONS_CODE, TOO_MANY_SUBSCRIPTIONS_MSG, `Exceeded max limit of ${limit}`);
  }
  static oversizedRequest(limit: number): RpcError {
    return new RpcError(OVERSIZED_REQUEST_CODE, OVERSIZED_REQUEST_MSG, `Exceeded max limit of ${limit}`);
  }
  static oversizedResponse(limit: number): RpcError {
    return new RpcError(OVERSIZED_RESPONSE_CODE, OVERSIZED_RESPONSE_MSG, `Exceeded max limit of ${limit}`);
  }
  static serverBusy(): RpcError {
    return new RpcError(SERVER_IS_BUSY_CODE, SERVER_IS_BUSY_MSG);
  }
  static batchesNotSupported(): RpcError {
    return new RpcError(BATCHES_NOT_SUPPORTED_CODE, BATCHES_NOT_SUPPORTED_MSG);
  }
  static batchTooLarge(limit: number): RpcError {
    return new RpcError(TOO_BIG_BATCH_REQUEST_CODE, TOO_BIG_BATCH_REQUEST_MSG, `Exceeded max limit of ${limit}`);
  }
  static batchResponseTooLarge(limit: number): RpcError {
    return new RpcError(TOO_BIG_BATCH_RESPONSE_CODE, TOO_BIG_BATCH_RESPONSE_MSG, `Exceeded max limit of ${limit}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Parameter validators. `what` names the parameter in the error (e.g. "param 0 (hash)").

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "string" ? `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}` : typeof v;

const bad = (what: string, expected: string, got: unknown): RpcError =>
  RpcError.invalidParams(`${what}: invalid type: ${describe(got)}, expected ${expected}`);

/** Hex bytes, `0x`-prefixed or bare, even length (`""` and `"0x"` are empty). */
export function expectHex(value: unknown, what = "param"): Uint8Array {
  if (!isHex(value)) throw bad(what, "a hex string", value);
  return fromHex(value);
}

/** Like `expectHex`, but `undefined`/`null` give `undefined` (Substrate `Option<Bytes>`). */
export function expectOptionalHex(value: unknown, what = "param"): Uint8Array | undefined {
  return value === undefined || value === null ? undefined : expectHex(value, what);
}

/** A 32-byte hash as `0x` + 64 hex digits (Substrate `H256`); returns the string unchanged. */
export function expectHash(value: unknown, what = "param"): `0x${string}` {
  if (typeof value !== "string" || !HASH_RE.test(value)) throw bad(what, "a 0x-prefixed 32-byte hex hash", value);
  return value as `0x${string}`;
}

/** Optional `H256`: `undefined`/`null` give `undefined` (block "at" parameters). */
export function expectOptionalHash(value: unknown, what = "param"): `0x${string}` | undefined {
  return value === undefined || value === null ? undefined : expectHash(value, what);
}

/** A non-negative safe integer. */
export function expectNumber(value: unknown, what = "param"): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw bad(what, "a non-negative integer", value);
  return value;
}

export function expectOptionalNumber(value: unknown, what = "param"): number | undefined {
  return value === undefined || value === null ? undefined : expectNumber(value, what);
}

/** Substrate `NumberOrHex`: a non-negative integer or a `0x` hex string; returns a safe integer. */
export function expectNumberOrHex(value: unknown, what = "param"): number {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{1,16}$/.test(value)) {
    const n = Number.parseInt(value.slice(2), 16);
    if (Number.isSafeInteger(n)) return n;
  }
  if (typeof value === "number") return expectNumber(value, what);
  throw bad(what, "a number or a 0x-prefixed hex string", value);
}

export function expectString(value: unknown, what = "param"): string {
  if (typeof value !== "string") throw bad(what, "a string", value);
  return value;
}

export function expectOptionalString(value: unknown, what = "param"): string | undefined {
  return value === undefined || value === null ? undefined : expectString(value, what);
}

export function expectBoolean(value: unknown, what = "param"): boolean {
  if (typeof value !== "boolean") throw bad(what, "a boolean", value);
  return value;
}

export function expectArray(value: unknown, what = "param"): unknown[] {
  if (!Array.isArray(value)) throw bad(what, "an array", value);
  return value;
}

export function expectOptionalArray(value: unknown, what = "param"): unknown[] | undefined {
  return value === undefined || value === null ? undefined : expectArray(value, what);
}

export function expectObject(value: unknown, what = "param"): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(what, "an object", value);
  return value as Record<string, unknown>;
}
