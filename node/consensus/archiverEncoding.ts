/** Small encoding helpers shared by the archiver and its worker (kept import-light for the worker). */
import { encodeCompact } from "../../framework/codec/ty.ts";
export { concatBytes } from "../../framework/codec/bytes.ts";

export const encodeCompactLength = (n: number): Uint8Array => encodeCompact(n);
