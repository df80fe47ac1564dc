export * from "./types.ts";
export * from "./errors.ts";
export { TransactionPool, tagKey, type PruneResult, type RevalidateResult } from "./transactionPool.ts";
export { TransactionWatcher } from "./watcher.ts";
export type { BestIterator } from "./readyQueue.ts";
