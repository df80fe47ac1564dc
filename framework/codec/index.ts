export * from "./bytes.ts";
export * from "./ty.ts";
export * from "./substrate.ts";
