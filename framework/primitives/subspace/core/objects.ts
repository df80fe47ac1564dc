/**
 * Object mappings (`crates/subspace-core-primitives/src/objects.rs`).
 */
import { Bytes, Enum, Struct, Tuple, Vector, enhanceCodec, u32, u64 } from "scale-ts";
import { toHex } from "../../../codec/bytes.ts";
import type { PieceIndex } from "./pieces.ts";

/** An object inside a block: blake3 hash and offset in the encoded block. */
export interface BlockObject {
  readonly hash: Uint8Array;
  readonly offset: number;
}

/** An object in global history: hash, piece index, offset within the piece's raw record bytes. */
export interface GlobalObject {
  readonly hash: Uint8Array;
  readonly pieceIndex: PieceIndex;
  readonly offset: number;
}

export const BlockObjectCodec = Struct({ hash: Bytes(32), offset: u32 });
export const GlobalObjectCodec = Struct({ hash: Bytes(32), pieceIndex: u64, offset: u32 });

/** `BlockObjectMapping::V0 { objects }` (enum index 0). */
export const BlockObjectMappingCodec = enhanceCodec(
  Enum({ V0: Struct({ objects: Vector(BlockObjectCodec) }) }),
  (objects: readonly BlockObject[]) => ({ tag: "V0" as const, value: { objects: [...objects] } }),
  (v): BlockObject[] => v.value.objects,
);

/** `GlobalObjectMapping::V0 { objects }` (enum index 0). */
export const GlobalObjectMappingCodec = enhanceCodec(
  Enum({ V0: Struct({ objects: Vector(GlobalObjectCodec) }) }),
  (objects: readonly GlobalObject[]) => ({ tag: "V0" as const, value: { objects: [...objects] } }),
  (v): GlobalObject[] => v.value.objects,
);

/** serde JSON of a `GlobalObject`: the compact tuple `[hash (bare hex), piece index, offset]`. */
export function globalObjectToJson(o: GlobalObject): [string, number, number] {
  return [toHex(o.hash).slice(2), Number(o.pieceIndex), o.offset];
}

/** `CompactGlobalObject` SCALE tuple (same bytes as the struct). */
export const CompactGlobalObjectCodec = Tuple(Bytes(32), u64, u32);
