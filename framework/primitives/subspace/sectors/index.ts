export * from "./sector.ts";
export * from "./layout.ts";
export * from "./recovery.ts";
export * from "./plotting.ts";
export * from "./auditing.ts";
export * from "./proving.ts";
export * from "./solution.ts";
