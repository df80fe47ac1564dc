export * from "./distance.ts";
export * from "./verify.ts";
