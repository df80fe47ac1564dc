/**
 * Storage proofs as `state_getReadProof` returns them: the unordered set of encoded nodes on the
 * paths to the keys (the root, and every node stored by hash), plus the raw values of V1 hashed
 * values that were read. Verification rebuilds a node store from the proof and reads through it.
 */
import { blake2_256 } from "../crypto/index.ts";
import { toHex } from "../codec/bytes.ts";
import { TrieError } from "./errors.ts";
import { Trie, type TrieNodeStore } from "./trie.ts";

/** The proof of the values (or absence) of `keys` in `trie`. Throws `TRIE_ERROR_INCOMPLETE_DATABASE` on a partial store. */
export function generateProof(trie: Trie, keys: Iterable<Uint8Array>): Uint8Array[] {
  const out = new Map<string, Uint8Array>();
  for (const key of keys) trie.collectProof(key, out);
  return [...out.values()];
}

/** A node store holding the entries of a proof, keyed by their blake2-256. */
export function proofStore(proof: Iterable<Uint8Array>): TrieNodeStore {
  const nodes = new Map<string, Uint8Array>();
  for (const node of proof) nodes.set(toHex(blake2_256(node)), node);
  return { getNode: (hash) => nodes.get(toHex(hash)) };
}

/**
 * The values of `keys` under `root` according to `proof` (undefined: proven absent), keyed by the
 * key's `0x` hex. Throws `TRIE_ERROR_INVALID_PROOF` when the proof lacks a node on a path or holds
 * an invalid one. Extra nodes are ignored, as Substrate does.
 */
export function verifyProof(root: Uint8Array, proof: Iterable<Uint8Array>, keys: Iterable<Uint8Array>): Map<string, Uint8Array | undefined> {
  const trie = Trie.fromRoot(root, proofStore(proof), 1);
  const out = new Map<string, Uint8Array | undefined>();
  for (const key of keys) {
    try {
      out.set(toHex(key), trie.get(key));
    } catch (e) {
      if (e instanceof TrieError) {
        throw new TrieError("TRIE_ERROR_INVALID_PROOF", `storage proof does not prove ${toHex(key)}: ${e.message}`, e.hash);
      }
      throw e;
    }
  }
  return out;
}
