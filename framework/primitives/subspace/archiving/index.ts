export * from "./archiver.ts";
export * from "./segmentBuilder.ts";
export * from "./reconstruction.ts";
export * from "./batchVerification.ts";
export * from "./genesis.ts";
export { chachaKeystream } from "./chacha.ts";
