export * from "./types.ts";
export * from "./digests.ts";
export * from "./vote.ts";
export * from "./solutionRange.ts";
export { SubspaceJustificationCodec, encodeSubspaceJustification, decodeSubspaceJustification, type SubspaceJustificationPotCheckpoints } from "../pot/codec.ts";
export * from "./verifier.ts";
