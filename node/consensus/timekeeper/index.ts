export * from "./timekeeper.ts";
export * from "./potVerifierPool.ts";
export { spawnTsWorker } from "./tsWorker.ts";
export * from "./nativeAes.ts";
