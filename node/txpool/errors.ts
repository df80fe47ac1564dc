/**
 * Transaction-pool errors and their JSON-RPC mapping.
 * SPEC: polkadot-sdk substrate/client/rpc-api/src/author/error.rs (codes, messages, data),
 *       substrate/primitives/runtime/src/transaction_validity.rs (reason strings).
 */
import type { InvalidTransaction, TransactionValidityError, UnknownTransaction } from "./types.ts";

export type PoolErrorPayload =
  | { code: "POOL_INVALID"; error: InvalidTransaction }
  | { code: "POOL_UNKNOWN_VALIDITY"; error: UnknownTransaction }
  | { code: "POOL_TEMPORARILY_BANNED" }
  | { code: "POOL_ALREADY_IMPORTED"; hash: string }
  | { code: "POOL_TOO_LOW_PRIORITY"; old: bigint; new: bigint }
  | { code: "POOL_CYCLE_DETECTED" }
  | { code: "POOL_IMMEDIATELY_DROPPED" }
  | { code: "POOL_NO_TAGS" }
  /** The validator itself failed (runtime API error); Substrate reports it as a verification error. */
  | { code: "POOL_VALIDATION_FAILED"; reason: string };

export type PoolErrorCode = PoolErrorPayload["code"];

export class PoolError extends Error {
  readonly code: PoolErrorCode;
  readonly payload: PoolErrorPayload;
  constructor(payload: PoolErrorPayload) {
    super(describe(payload));
    this.name = "PoolError";
    this.code = payload.code;
    this.payload = payload;
  }
}

/** Converts a runtime validity error into the pool error the RPC reports. */
export function validityToPoolError(err: TransactionValidityError): PoolError {
  return err.type === "Invalid"
    ? new PoolError({ code: "POOL_INVALID", error: err.value })
    : new PoolError({ code: "POOL_UNKNOWN_VALIDITY", error: err.value });
}

/** `impl From<InvalidTransaction> for &'static str`. */
export function invalidTransactionReason(e: InvalidTransaction): string {
  switch (e.type) {
    case "Call": return "Transaction call is not expected";
    case "Future": return "Transaction will be valid in the future";
    case "Stale": return "Transaction is outdated";
    case "BadProof": return "Transaction has a bad signature";
    case "AncientBirthBlock": return "Transaction has an ancient birth block";
    case "ExhaustsResources": return "Transaction would exhaust the block limits";
    case "Payment": return "Inability to pay some fees (e.g. account balance too low)";
    case "BadMandatory": return "A call was labelled as mandatory, but resulted in an Error.";
    case "MandatoryValidation": return "Transaction dispatch is mandatory; transactions must not be validated.";
    case "Custom": return "InvalidTransaction custom error";
    case "BadSigner": return "Invalid signing address";
    case "IndeterminateImplicit": return "The implicit data was unable to be calculated";
    case "UnknownOrigin": return "The transaction extension did not authorize any origin";
  }
}

/** `impl From<UnknownTransaction> for &'static str`. */
export function unknownTransactionReason(e: UnknownTransaction): string {
  switch (e.type) {
    case "CannotLookup": return "Could not lookup information required to validate the transaction";
    case "NoUnsignedValidator": return "Could not find an unsigned validator for the unsigned transaction";
    case "Custom": return "UnknownTransaction custom error";
  }
}

/** Rust `{:?}` of an `UnknownTransaction` (`CannotLookup`, `Custom(3)`). */
function unknownDebug(e: UnknownTransaction): string {
  return e.type === "Custom" ? `Custom(${e.value})` : e.type;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  /** Absent when Substrate sends no `data` field. */
  data?: string;
}

/** The one table from pool errors to JSON-RPC error objects, byte-for-byte as Substrate sends them. */
export function poolErrorToRpc(err: PoolError): RpcErrorObject {
  const p = err.payload;
  switch (p.code) {
    case "POOL_INVALID":
      return p.error.type === "Custom"
        ? { code: 1010, message: "Invalid Transaction", data: `Custom error: ${p.error.value}` }
        : { code: 1010, message: "Invalid Transaction", data: invalidTransactionReason(p.error) };
    case "POOL_UNKNOWN_VALIDITY":
      return { code: 1011, message: "Unknown Transaction Validity", data: unknownDebug(p.error) };
    case "POOL_TEMPORARILY_BANNED":
      return { code: 1012, message: "Transaction is temporarily banned" };
    case "POOL_ALREADY_IMPORTED":
      // Substrate formats a `Box<dyn Any>` with `{:?}`, which prints exactly this.
      return { code: 1013, message: "Transaction Already Imported", data: "Any { .. }" };
    case "POOL_TOO_LOW_PRIORITY":
      return {
        code: 1014,
        message: `Priority is too low: (${p.old} vs ${p.new})`,
        data: "The transaction has too low priority to replace another transaction already in the pool.",
      };
    case "POOL_CYCLE_DETECTED":
      return { code: 1015, message: "Cycle Detected" };
    case "POOL_IMMEDIATELY_DROPPED":
      return { code: 1016, message: "Immediately Dropped", data: "The transaction couldn't enter the pool because of the limit" };
    case "POOL_NO_TAGS":
      return { code: 1019, message: "No tags provided", data: "Transaction does not provide any tags, so the pool can't identify it" };
    case "POOL_VALIDATION_FAILED":
      return { code: 1002, message: `Verification Error: ${p.reason}`, data: p.reason };
  }
}

function describe(p: PoolErrorPayload): string {
  switch (p.code) {
    case "POOL_INVALID": return `Invalid transaction validity: ${invalidTransactionReason(p.error)}`;
    case "POOL_UNKNOWN_VALIDITY": return `Unknown transaction validity: ${unknownTransactionReason(p.error)}`;
    case "POOL_TEMPORARILY_BANNED": return "Transaction temporarily Banned";
    case "POOL_ALREADY_IMPORTED": return `[${p.hash}] Already imported`;
    case "POOL_TOO_LOW_PRIORITY": return `Too low priority (${p.old} > ${p.new})`;
    case "POOL_CYCLE_DETECTED": return "Transaction with cyclic dependency";
    case "POOL_IMMEDIATELY_DROPPED": return "Transaction couldn't enter the pool because of the limit";
    case "POOL_NO_TAGS": return "Transaction does not provide any tags, so the pool can't identify it";
    case "POOL_VALIDATION_FAILED": return `Verification error: ${p.reason}`;
  }
}
