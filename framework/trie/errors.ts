/** Typed trie failures (lodestar-style codes with a payload). */

export type TrieErrorCode =
  /** A node (or hashed value) the trie needs is not in its store (`TrieNodeStore.getNode` returned undefined). */
  | "TRIE_ERROR_INCOMPLETE_DATABASE"
  /** Bytes that are not a valid node encoding (sp-trie `NodeCodec::decode` would reject them). */
  | "TRIE_ERROR_INVALID_NODE"
  /** A storage proof that does not prove what was asked (missing or altered nodes). */
  | "TRIE_ERROR_INVALID_PROOF";

export class TrieError extends Error {
  constructor(
    readonly code: TrieErrorCode,
    message: string,
    /** The hash that was looked up, for `TRIE_ERROR_INCOMPLETE_DATABASE`. */
    readonly hash?: Uint8Array,
  ) {
    super(message);
    this.name = "TrieError";
  }
}
