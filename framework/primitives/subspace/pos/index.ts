export * from "./constants.ts";
export { computeF1, computeFx, hasMatch, newFxScratch, type FxScratch } from "./functions.ts";
export {
  createTables,
  findProof,
  hasProof,
  isProofValid,
  firstKBits,
  PosTablesCache,
  posWasmSupported,
  WASM_MAX_K,
  type PosBackend,
  type PosTables,
} from "./tables.ts";
