export * from "./identity.ts";
export * from "./farm.ts";
export * from "./recordEncoder.ts";
