export * from "./sector.ts";
