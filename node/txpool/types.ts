/**
 * Transaction-pool types. The first block mirrors `sp_runtime::transaction_validity` as the runtime's
 * `TaggedTransactionQueue_validate_transaction` produces it; the rest is the pool's own contract.
 */

/** SPEC: `sp_runtime::transaction_validity::TransactionSource` (SCALE index 0, 1, 2). */
export type TransactionSource = "InBlock" | "Local" | "External";

/** SPEC: `sp_runtime::transaction_validity::ValidTransaction`. */
export interface ValidTransaction {
  /** Higher is better; orders transactions whose dependencies are all met. */
  priority: bigint;
  /** Tags that must be provided (by the chain or by earlier transactions) before this one. */
  requires: Uint8Array[];
  /** Tags this transaction provides; two transactions providing the same tag conflict. */
  provides: Uint8Array[];
  /** Minimum number of blocks the validity holds; u64::MAX means forever. */
  longevity: bigint;
  /** Whether the transaction may be gossiped. */
  propagate: boolean;
}

export type InvalidTransaction =
  | { type: "Call" }
  | { type: "Payment" }
  | { type: "Future" }
  | { type: "Stale" }
  | { type: "BadProof" }
  | { type: "AncientBirthBlock" }
  | { type: "ExhaustsResources" }
  | { type: "Custom"; value: number }
  | { type: "BadMandatory" }
  | { type: "MandatoryValidation" }
  | { type: "BadSigner" }
  | { type: "IndeterminateImplicit" }
  | { type: "UnknownOrigin" };

export type UnknownTransaction = { type: "CannotLookup" } | { type: "NoUnsignedValidator" } | { type: "Custom"; value: number };

export type TransactionValidityError = { type: "Invalid"; value: InvalidTransaction } | { type: "Unknown"; value: UnknownTransaction };

export type Validity = { ok: true; value: ValidTransaction } | { ok: false; error: TransactionValidityError };

/** What the pool needs from the runtime: validation at a block, and the extrinsic hash. */
export interface PoolValidator {
  validate(source: TransactionSource, tx: Uint8Array, atBlock: string /* 0x hash */): Promise<Validity> | Validity;
  /** 0x blake2_256 of the full extrinsic (compact length prefix included). */
  hash(tx: Uint8Array): string;
}

/**
 * A watched transaction's status, shaped exactly as Substrate serialises `TransactionStatus`
 * (serde camelCase) on `author_extrinsicUpdate`.
 * SPEC: polkadot-sdk substrate/client/transaction-pool/api/src/lib.rs
 */
export type TransactionStatus =
  | "future"
  | "ready"
  | { broadcast: string[] }
  | { inBlock: string }
  | { retracted: string }
  | { finalityTimeout: string }
  | { finalized: string }
  | { usurped: string }
  | "dropped"
  | "invalid";

/** True for the statuses after which Substrate sends nothing more (the stream ends). */
export function isFinalStatus(s: TransactionStatus): boolean {
  if (typeof s === "string") return s === "dropped" || s === "invalid";
  return "finalized" in s || "finalityTimeout" in s || "usurped" in s;
}

/** A block the pool works at: a hash alone (number looked up, else the last known best) or both. */
export type BlockRef = string | { hash: string; number: number };

/** Queue limit; exceeded when either the count or the total byte size goes above it. */
export interface QueueLimit {
  count: number;
  totalBytes: number;
}

export interface TransactionPoolOptions {
  /** Ready queue limit. Substrate default: 8192 transactions / 20 MiB. */
  ready: QueueLimit;
  /** Future queue limit. Substrate default: 512 transactions / 1 MiB. */
  future: QueueLimit;
  /** How long a banned hash stays banned. Substrate default: 30 minutes. */
  banTimeMs: number;
  /** Clock in milliseconds (injectable for tests). */
  now: () => number;
  /** How many validations revalidation runs concurrently per batch. */
  revalidationBatchSize: number;
  /** Blocks awaiting finality before their transactions get `finalityTimeout` (Substrate: 512). */
  maxFinalityWatchers: number;
  /** Resolves a block hash to its number (longevity is counted in blocks); falls back to the best known. */
  blockNumber?: (hash: string) => number | undefined;
}

export const DEFAULT_POOL_OPTIONS: TransactionPoolOptions = {
  ready: { count: 8192, totalBytes: 20 * 1024 * 1024 },
  future: { count: 512, totalBytes: 1 * 1024 * 1024 },
  banTimeMs: 30 * 60 * 1000,
  now: () => Date.now(),
  revalidationBatchSize: 64,
  maxFinalityWatchers: 512,
};

/** One transaction as held by the pool (immutable once imported). */
export interface PoolTransaction {
  hash: string;
  data: Uint8Array;
  /** Encoded length (the whole extrinsic). */
  bytes: number;
  priority: bigint;
  /** Block number at which the transaction becomes stale: validated-at number + longevity (saturating u64). */
  validTill: bigint;
  requires: Uint8Array[];
  provides: Uint8Array[];
  /** Internal tag keys matching `requires` / `provides`. */
  requiresKeys: string[];
  providesKeys: string[];
  propagate: boolean;
  source: TransactionSource;
}

export interface PoolStatus {
  ready: number;
  readyBytes: number;
  future: number;
  futureBytes: number;
}
