export * from "./hashing.ts";
export * from "./signatures.ts";
export * from "./ss58.ts";
export * from "./schnorrkel.ts";
