/**
 * The node's side of the runtime's consensus port (`ConsensusVerifier`): what the reference provides
 * as host functions to pallet-subspace (`sp_consensus_subspace::consensus` runtime interface), used
 * when the runtime checks farmer votes — in the pool (`validate_unsigned`) and in blocks
 * (`pre_dispatch`).
 *
 * - reward signatures: schnorrkel in the `subspace_reward` context;
 * - solutions: `verify_solution` with the node's KZG;
 * - proofs of time: whether the PoT chain on the fork of `parentHash` has `proofOfTime` at `slot`.
 *   The node knows a slot's output from its timekeeper (recent slots) or from the chain itself:
 *   each block's pre-digest names the outputs of its slot and of its future slot, and its PoT
 *   justification (verified on import) holds the checkpoints of every slot in between. A slot
 *   known neither way is refused (the reference would prove it; votes are for recent slots only).
 */
import { equalBytes } from "../../framework/codec/bytes.ts";
import { sr25519VerifyWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import { extractPreDigest, type ConsensusVerifier } from "../../framework/primitives/subspace/consensus/index.ts";
import { checkpointsOutput } from "../../framework/primitives/subspace/pot/index.ts";
import { verifySolution } from "../../framework/primitives/subspace/verification/index.ts";
import type { Solution } from "../../framework/primitives/subspace/sectors/index.ts";
import type { Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import type { Client } from "../client/client.ts";
import { subspaceJustificationOf } from "./potJustification.ts";

/** How far back along a fork the chain is searched for a slot's PoT output. */
const POT_LOOKBACK_BLOCKS = 32;

/**
 * The PoT output of `slot` on the fork ending at `tip`, read from the chain: pre-digests (slot and
 * future slot) and PoT justifications (every slot between a block's parent's future slot and its own).
 */
export function potOutputOnChain(client: Client, tip: Uint8Array, slot: number, blockAuthoringDelay: number): Uint8Array | undefined {
  let hash = tip;
  for (let i = 0; i < POT_LOOKBACK_BLOCKS; i++) {
    const header = client.header(hash);
    if (!header || header.number === 0) return undefined;
    const pre = extractPreDigest(header.number, header.digest.logs.filter((l) => l.tag !== "Seal"));
    const futureSlot = pre.slot + blockAuthoringDelay;
    if (slot > futureSlot) return undefined; // later than anything this block or its ancestors prove
    if (slot === pre.slot) return pre.potInfo.proofOfTime;
    if (slot === futureSlot) return pre.potInfo.futureProofOfTime;
    if (slot < futureSlot) {
      const j = subspaceJustificationOf(client.justifications(hash));
      if (j) {
        // The justification ends at this block's future slot.
        const index = j.checkpoints.length - 1 - (futureSlot - slot);
        if (index >= 0) return checkpointsOutput(j.checkpoints[index]!);
      }
    }
    // Older slots can only be on ancestors' justifications.
    hash = header.parentHash;
  }
  return undefined;
}

export interface NodeConsensusVerifierOptions {
  client: Client;
  kzg: Kzg;
  blockAuthoringDelay: number;
  /** A PoT output the node knows first-hand (its timekeeper; the justifications of blocks being imported). */
  knownOutput?: (slot: number) => Uint8Array | undefined;
}

export function nodeConsensusVerifier(o: NodeConsensusVerifierOptions): ConsensusVerifier {
  return {
    checkRewardSignature: (hash, signature, publicKey) => sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, signature, hash, publicKey),
    verifySolution: (solution, slot, params) => verifySolution(solution as unknown as Solution, slot, params, o.kzg),
    isProofOfTimeValid: (parentHash, slot, proofOfTime) => {
      const known = o.knownOutput?.(slot) ?? potOutputOnChain(o.client, parentHash, slot, o.blockAuthoringDelay);
      return known !== undefined && equalBytes(known, proofOfTime);
    },
  };
}
