/** JSON shapes of Substrate's RPC answers (headers, blocks, runtime version). */
import { DigestItem, type Header } from "../../../framework/codec/substrate.ts";
import { toHex } from "../../../framework/codec/bytes.ts";

export interface HeaderJson {
  parentHash: string;
  number: string;
  stateRoot: string;
  extrinsicsRoot: string;
  digest: { logs: string[] };
}

export function headerJson(h: Header): HeaderJson {
  return {
    parentHash: toHex(h.parentHash),
    number: "0x" + h.number.toString(16),
    stateRoot: toHex(h.stateRoot),
    extrinsicsRoot: toHex(h.extrinsicsRoot),
    digest: { logs: h.digest.logs.map((l) => toHex(DigestItem.enc(l))) },
  };
}

export function runtimeVersionJson(v: any): Record<string, unknown> {
  return {
    specName: v.specName,
    implName: v.implName,
    authoringVersion: v.authoringVersion,
    specVersion: v.specVersion,
    implVersion: v.implVersion,
    apis: v.apis.map(([id, ver]: [Uint8Array, number]) => [toHex(id), ver]),
    transactionVersion: v.transactionVersion,
    systemVersion: v.systemVersion,
    stateVersion: v.systemVersion >= 1 ? 1 : 0,
  };
}

/** The new-API runtime object: `apis` is an object keyed by id. */
export function runtimeSpecJson(v: any): Record<string, unknown> {
  return {
    specName: v.specName,
    implName: v.implName,
    specVersion: v.specVersion,
    implVersion: v.implVersion,
    transactionVersion: v.transactionVersion,
    apis: Object.fromEntries(v.apis.map(([id, ver]: [Uint8Array, number]) => [toHex(id), ver])),
  };
}
