/**
 * Object mappings of a block (`ObjectsApi::extract_block_object_mapping`, as the reference runtime's
 * `object_mapping.rs`): every `System.remark` / `System.remark_with_event` payload, also inside
 * `Utility` batches, becomes a `BlockObject { hash: blake3(remark), offset }` where `offset` is the
 * byte position, in the SCALE-encoded block, of the remark's `Vec<u8>` encoding (its compact length
 * prefix). The archiver turns these into global (piece) object mappings.
 */
import { struct, u32, variant, vec, mapped, encodeCompact, type Ty } from "../../framework/codec/ty.ts";
import { Header, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { blake3 } from "../../framework/crypto/index.ts";
import type { Runtime, RuntimeApi, RuntimeCallValue } from "../../framework/runtime/runtime.ts";
import { rawExtrinsic } from "../../framework/runtime/apis.ts";
import { Blake3HashTy } from "../../framework/primitives/subspace/consensus/index.ts";
import type { BlockObject } from "../../framework/primitives/subspace/core/index.ts";

/** The reference's `MAX_CALL_RECURSION_DEPTH`. */
const MAX_CALL_RECURSION_DEPTH = 10;

const BlockObjectTy: Ty<BlockObject> = struct(
  { hash: { type: Blake3HashTy, typeName: "Blake3Hash" }, offset: { type: u32, typeName: "u32" } },
  { path: ["subspace_core_primitives", "objects", "BlockObject"] },
);

/** `BlockObjectMapping::V0 { objects }`. */
export const BlockObjectMappingTy: Ty<BlockObject[]> = mapped(
  variant<{ tag: "V0"; value: { objects: BlockObject[] } }>(
    { V0: { index: 0, fields: { objects: { type: vec(BlockObjectTy), typeName: "Vec<BlockObject>" } } } },
    { path: ["subspace_core_primitives", "objects", "BlockObjectMapping"] },
  ),
  (v) => v.value.objects,
  (objects: BlockObject[]) => ({ tag: "V0" as const, value: { objects } }),
);

const BATCHES = new Set(["batch", "batch_all", "force_batch"]);

/** Objects of `call`, encoded at `offset` in the block. */
function callObjects(rt: Runtime, call: RuntimeCallValue, offset: number, out: BlockObject[], depthLeft: number): void {
  const inner = call.value as { tag: string; value: any };
  // One byte of pallet index, one of call index.
  if (call.tag === "System" && (inner.tag === "remark" || inner.tag === "remark_with_event")) {
    out.push({ hash: blake3(inner.value.remark), offset: offset + 2 });
  } else if (call.tag === "Utility" && BATCHES.has(inner.tag) && depthLeft > 0) {
    const calls = inner.value.calls as RuntimeCallValue[];
    let at = offset + 2 + encodeCompact(calls.length).length;
    for (const c of calls) {
      callObjects(rt, c, at, out, depthLeft - 1);
      at += rt.callTy.enc(c).length;
    }
  }
}

/** `extract_block_object_mapping(block)`. */
export function extractBlockObjectMapping(rt: Runtime, header: HeaderValue, extrinsics: readonly Uint8Array[]): BlockObject[] {
  const out: BlockObject[] = [];
  let offset = Header.enc(header).length + encodeCompact(extrinsics.length).length;
  for (const raw of extrinsics) {
    let decoded;
    try {
      decoded = rt.decodeExtrinsic(raw);
    } catch {
      offset += raw.length;
      continue; // not a valid extrinsic of this runtime: no objects
    }
    // The call is the extrinsic's tail (after the length prefix and the preamble).
    const callStart = offset + raw.length - rt.callTy.enc(decoded.call).length;
    callObjects(rt, decoded.call, callStart, out, MAX_CALL_RECURSION_DEPTH);
    offset += raw.length;
  }
  return out;
}

/** The `ObjectsApi` runtime API (version 1). */
export function objectsApi(rt: Runtime): RuntimeApi {
  const blockTy = struct(
    { header: Header, extrinsics: vec(rawExtrinsic(rt)) },
    { path: ["sp_runtime", "generic", "block", "Block"], params: [{ name: "Header", type: Header }, { name: "Extrinsic", type: rawExtrinsic(rt) }] },
  );
  return {
    name: "ObjectsApi",
    version: 1,
    docs: "Object mappings of blocks.",
    methods: [
      {
        name: "extract_block_object_mapping",
        inputs: [{ name: "block", ty: blockTy }],
        output: BlockObjectMappingTy,
        call: (block: { header: HeaderValue; extrinsics: Uint8Array[] }) => extractBlockObjectMapping(rt, block.header, block.extrinsics),
      },
    ],
  };
}
