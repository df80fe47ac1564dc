#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";
register();
const { main } = await import("../node/cli/farmer.ts");
const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
