/**
 * Contracts of the chain database. `TrieCommit` and `TrieNodeStore` are declared here, not imported
 * from `framework/trie`: the trie produces structurally identical values.
 */

/**
 * What one block's state transition changed in the trie, relative to the parent block's trie.
 *
 * - `inserted`: nodes (or raw V1 values) the new trie references, keyed by `0x`-prefixed lowercase hex of
 *   their 32-byte hash. Listing a node the parent already references is allowed but only leaks it (it is never
 *   collected); listing each node once per commit is what keeps garbage collection exact.
 * - `removed`: hashes the parent's trie referenced and this trie no longer references at all.
 */
export interface TrieCommit {
  root: Uint8Array;
  inserted: Map<string, Uint8Array>;
  /** References gained per inserted hash when more than one (identical content under several keys). */
  insertedRefs?: Map<string, number>;
  removed: string[];
}

/** Synchronous, content-addressed node lookup used by trie reads. */
export interface TrieNodeStore {
  getNode(hash: Uint8Array): Uint8Array | undefined;
}

/** `"archive"` keeps every state; a number N keeps the states of finalized blocks N..0 below the finalized one. */
export type StatePruning = "archive" | number;

export interface ChainDbOptions {
  statePruning: StatePruning;
  /**
   * Initial LMDB map size in bytes (virtual address space, not preallocated on Linux; default 1 GiB).
   * lmdb-js grows the map by itself when a transaction needs more, so this is a starting point, not a cap.
   */
  mapSize?: number;
  /**
   * Skip the fsync of each commit (lmdb `noSync`). Commits stay atomic and survive a killed process, but an OS
   * crash or power loss may lose or corrupt the database. For tests and throw-away dev chains only.
   */
  noSync?: boolean;
}

export interface ChainMeta {
  genesisHash: Uint8Array;
  bestHash: Uint8Array;
  bestNumber: number;
  finalizedHash: Uint8Array;
  finalizedNumber: number;
}

export interface BlockMeta {
  number: number;
  parentHash: Uint8Array;
  stateRoot: Uint8Array;
  /** Opaque bytes of the caller (fork-choice weight); empty when none was given. */
  extra: Uint8Array;
}

export interface BlockRef {
  hash: Uint8Array;
  number: number;
}

/** `null` deletes the key. */
export type AuxWrite = [key: Uint8Array, value: Uint8Array | null];

export interface BlockCommit {
  hash: Uint8Array;
  number: number;
  parentHash: Uint8Array;
  header: Uint8Array;
  body: Uint8Array;
  justifications?: Uint8Array;
  stateRoot: Uint8Array;
  extra?: Uint8Array;
  state: TrieCommit;
  /** Make this block the best block (rewrites the canonical number → hash index on a re-org). */
  setBest: boolean;
  /** Advance finality to this block (must be on the best chain after `setBest` is applied). */
  finalized?: BlockRef;
  aux?: AuxWrite[];
}

/** A commit that moves the head or finality without a new block, or only writes aux data. */
export interface HeadCommit {
  best?: Uint8Array;
  finalized?: BlockRef;
  aux?: AuxWrite[];
}
