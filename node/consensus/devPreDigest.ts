/**
 * The dev seal's `PreRuntime(SUB_)` pre-digest: a strictly increasing slot (the timekeeper's latest
 * slot when it runs, wall-clock seconds otherwise), the PoT output of that slot, and a placeholder
 * solution by the dev farmer key (`//Farmer`), whose reward address receives block rewards and fees.
 * It stands in until the PoAS slot worker authors blocks with real solutions.
 */
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { subspacePreDigestItem, genesisSolution, extractPreDigest } from "../../framework/primitives/subspace/consensus/index.ts";
import type { DigestItem } from "../../framework/codec/substrate.ts";
import type { Client } from "../client/client.ts";

export const DEV_FARMER_URI = "//Farmer";

export function devPreDigest(client: Client, latestSlot: () => { slot: number; output: Uint8Array } | undefined): () => DigestItem[] {
  let farmer: Uint8Array | undefined;
  return () => {
    if (!farmer) farmer = new Keyring({ type: "sr25519" }).addFromUri(DEV_FARMER_URI).publicKey;
    const parent = client.header(client.bestHash)!;
    const parentSlot = extractPreDigest(parent.number, parent.digest.logs).slot;
    const pot = latestSlot();
    const slot = Math.max(parentSlot + 1, pot?.slot ?? Math.floor(Date.now() / 1000));
    const output = pot?.output ?? new Uint8Array(16);
    return [subspacePreDigestItem({ slot, solution: genesisSolution(farmer, farmer), potInfo: { proofOfTime: output, futureProofOfTime: output } })];
  };
}

await cryptoWaitReady();
