export * from "./constants.ts";
export { computeF1, computeFx, hasMatch, newFxScratch, type FxScratch } from "./functions.ts";
export { createTables, findProof, hasProof, isProofValid, firstKBits, PosTablesCache, type PosTables } from "./tables.ts";
