/**
 * `ObjectsApi_extract_block_object_mapping`: remarks (also inside utility batches) map to
 * `blake3(remark)` (independent BLAKE3: @noble/hashes) at the offset of the remark's SCALE `Vec<u8>`
 * in the encoded block — decoding there gives the payload back.
 */
import { expect } from "chai";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import { compactFromU8a, u8aConcat, compactToU8a, u8aToHex } from "@polkadot/util";
import { devChain, signWithPolkadotJs, produce } from "./helpers.ts";
import { Header } from "../../framework/codec/substrate.ts";
import { decodeAll } from "../../framework/codec/ty.ts";
import { BlockObjectMappingTy } from "../../runtime/consensus/objectMapping.ts";

describe("ObjectsApi: block object mappings", () => {
  it("maps System.remark and remark_with_event payloads, nested in batches too, to blake3 at their offsets in the block", async () => {
    const chain = await devChain();
    const alice = chain.keyring.addFromUri("//Alice");
    const api = chain.registry;
    const payloads = [new Uint8Array(300).fill(7), Uint8Array.from([1, 2, 3]), new TextEncoder().encode("in a batch"), new Uint8Array(70_000).fill(9)];
    const tx = (call: any, nonce: number) => signWithPolkadotJs(chain, call, alice, nonce);
    const remark = (b: Uint8Array) => api.createType("Call", { callIndex: [0, 0], args: { remark: u8aToHex(b) } });
    const remarkWithEvent = (b: Uint8Array) => api.createType("Call", { callIndex: [0, 7], args: { remark: u8aToHex(b) } });
    const batchAll = (calls: any[]) => api.createType("Call", { callIndex: [8, 2], args: { calls } });
    const transfer = api.createType("Call", { callIndex: [5, 3], args: { dest: { Id: chain.keyring.addFromUri("//Bob").address }, value: 5n } });
    const built = produce(chain, [
      tx(remark(payloads[0]!), 0),
      tx(transfer, 1),
      tx(batchAll([transfer, remarkWithEvent(payloads[1]!), batchAll([remark(payloads[2]!)])]), 2),
      tx(remarkWithEvent(payloads[3]!), 3),
    ]);
    expect(built.results.every((r: any) => r === "exhausted" || r.ok)).to.equal(true);
    const encodedBlock = u8aConcat(Header.enc(built.header), compactToU8a(built.extrinsics.length), ...built.extrinsics);
    const out = chain.executor.call(chain.state, chain.head.hash, "ObjectsApi_extract_block_object_mapping", encodedBlock);
    const objects = decodeAll(BlockObjectMappingTy, out);
    expect(objects.length).to.equal(payloads.length);
    objects.forEach((o, i) => {
      const [used, len] = compactFromU8a(encodedBlock.subarray(o.offset));
      const body = encodedBlock.subarray(o.offset + used, o.offset + used + len.toNumber());
      expect(Buffer.from(body).equals(Buffer.from(payloads[i]!)), `object ${i} payload at its offset`).to.equal(true);
      expect(Buffer.from(o.hash).equals(Buffer.from(nobleBlake3(payloads[i]!))), `object ${i} hash`).to.equal(true);
    });
  });
});
