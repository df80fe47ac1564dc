/**
 * Runtime metadata V14 and V15 (`frame-metadata`), built once from the composed runtime.
 * Layouts: substrate-compat.md §3.
 */
import { PortableRegistry, ScaleWriter } from "../codec/registry.ts";
import { struct, variant, vec, u8, tuple, newtype, type Ty } from "../codec/ty.ts";
import { H256 } from "../codec/substrate.ts";
import { HASHER_INDEX, type StorageEntryMeta } from "../storage/items.ts";
import type { Runtime } from "./runtime.ts";

const MAGIC = Uint8Array.from([0x6d, 0x65, 0x74, 0x61]); // "meta"

export interface MetadataSet {
  v14: Uint8Array;
  v15: Uint8Array;
}

/** `frame_system::Phase` and `EventRecord<RuntimeEvent, H256>`, the type behind System.Events. */
export function eventRecordTy(eventTy: Ty<any>): Ty<any> {
  const Phase = variant(
    { ApplyExtrinsic: { index: 0, fields: u32Ty() }, Finalization: { index: 1 }, Initialization: { index: 2 } },
    { path: ["frame_system", "Phase"] },
  );
  return struct(
    { phase: Phase, event: eventTy, topics: vec(H256) },
    { path: ["frame_system", "EventRecord"], params: [{ name: "E", type: eventTy }, { name: "T", type: H256 }] },
  );
}

import { u32 } from "../codec/ty.ts";
const u32Ty = () => u32;

function writeStorageEntry(w: ScaleWriter, reg: PortableRegistry, e: StorageEntryMeta): void {
  w.str(e.name);
  w.u8(e.modifier === "Optional" ? 0 : 1);
  if (e.kind.tag === "Plain") {
    w.u8(0).compact(reg.id(e.kind.value));
  } else {
    w.u8(1);
    w.vec(e.kind.hashers, (h) => w.u8(HASHER_INDEX[h]));
    w.compact(reg.id(e.kind.key));
    w.compact(reg.id(e.kind.value));
  }
  w.bytes(e.default);
  w.strs(e.docs);
}

/**
 * Builds both metadata versions. `runtimeTy` is the `Runtime` marker type; `extra` lists the
 * signed extensions' (identifier, extra, additional) types.
 */
export function buildMetadata(rt: Runtime): MetadataSet {
  return { v14: build(rt, 14), v15: build(rt, 15) };
}

function build(rt: Runtime, version: 14 | 15): Uint8Array {
  const reg = new PortableRegistry();
  const body = new ScaleWriter();
  const runtimeMarker = newtype(tuple(), { path: [crateOf(rt), "Runtime"] });
  // Register outer types first so they get low ids as in FRAME (not required, but tidy).
  const extrinsicId = reg.id(rt.extrinsicTy);

  // pallets
  body.vec(rt.pallets, ({ index, pallet }) => {
    body.str(pallet.name);
    body.option(pallet.storage.length > 0 ? pallet.storage : undefined, (items) => {
      body.str(pallet.name);
      body.vec(items, (it) => writeStorageEntry(body, reg, it.meta));
    });
    body.option(pallet.callType, (t) => body.compact(reg.id(t)));
    body.option(pallet.eventType, (t) => body.compact(reg.id(t)));
    body.vec(pallet.constants, (c) => {
      body.str(c.name);
      body.compact(reg.id(c.ty));
      body.bytes(c.ty.enc(c.value));
      body.strs(c.docs ? [c.docs] : []);
    });
    body.option(pallet.errorType, (t) => body.compact(reg.id(t)));
    body.u8(index);
    if (version === 15) body.strs(pallet.docs);
  });

  // extrinsic
  const exts = rt.signedExtensions;
  if (version === 14) {
    body.compact(extrinsicId);
    body.u8(4);
  } else {
    body.u8(4);
    body.compact(reg.id(rt.extrinsicTy.info.params![0]!.type!));
    body.compact(reg.id(rt.callTy));
    body.compact(reg.id(rt.extrinsicTy.info.params![2]!.type!));
    body.compact(reg.id(rt.extraTy));
  }
  body.vec(exts, (e) => {
    body.str(e.identifier);
    body.compact(reg.id(e.extraTy));
    body.compact(reg.id(e.additionalTy));
  });

  // runtime type
  body.compact(reg.id(runtimeMarker));

  if (version === 15) {
    // apis
    body.vec(rt.apis, (api) => {
      body.str(api.name);
      body.vec(api.methods, (m) => {
        body.str(m.name);
        body.vec(m.inputs, (i) => {
          body.str(i.name);
          body.compact(reg.id(i.ty));
        });
        body.compact(reg.id(m.output));
        body.strs(m.docs ? [m.docs] : []);
      });
      body.strs(api.docs ? [api.docs] : []);
    });
    // outer enums
    body.compact(reg.id(rt.callTy));
    body.compact(reg.id(rt.eventTy));
    body.compact(reg.id(rt.errorTy));
    // custom: empty map
    body.compact(0);
  }

  const out = new ScaleWriter();
  out.raw(MAGIC);
  out.u8(version);
  reg.encode(out);
  out.raw(body.finish());
  return out.finish();
}

function crateOf(rt: Runtime): string {
  return rt.callTy.info.path![0]!;
}

export { u8 };
