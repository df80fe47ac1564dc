export * from "./codec.ts";
export * from "./errors.ts";
export * from "./trie.ts";
export * from "./ordered.ts";
export * from "./proof.ts";
