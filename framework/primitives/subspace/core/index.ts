export * from "./scalar.ts";
export * from "./pieces.ts";
export * from "./segments.ts";
export * from "./objects.ts";
export * from "./segment.ts";
