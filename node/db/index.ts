export { ChainDb, SCHEMA_VERSION } from "./chainDb.ts";
export { DbError, classifyLmdbError, isStorageError, type DbErrorCode } from "./errors.ts";
export type {
  AuxWrite,
  BlockCommit,
  BlockMeta,
  BlockRef,
  ChainDbOptions,
  ChainMeta,
  HeadCommit,
  StatePruning,
  TrieCommit,
  TrieNodeStore,
} from "./types.ts";
