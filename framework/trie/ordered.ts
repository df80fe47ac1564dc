/** Roots of ordered lists (`sp_trie::LayoutV*::ordered_trie_root`), e.g. the extrinsics root. */
import { encodeCompactU32, type StateVersion } from "./codec.ts";
import { Trie } from "./trie.ts";

/** Root of the trie mapping `Compact<u32>(i)` to `values[i]` (values as given: full encoded extrinsics). */
export function orderedTrieRoot(values: readonly Uint8Array[], version: StateVersion): Uint8Array {
  return Trie.empty(version).apply(values.map((v, i) => [encodeCompactU32(i), v] as const)).root;
}

/** Root of the trie holding `entries` (`sp_trie::LayoutV*::trie_root`). */
export function trieRoot(entries: Iterable<readonly [Uint8Array, Uint8Array]>, version: StateVersion): Uint8Array {
  return Trie.empty(version).apply(entries).root;
}
