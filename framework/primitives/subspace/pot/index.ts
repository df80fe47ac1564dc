export * from "./derivations.ts";
export * from "./prover.ts";
export * from "./codec.ts";
export * from "./kernel.ts";
