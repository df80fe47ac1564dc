/**
 * Header verification for PoAS blocks (`sc-consensus-subspace` verifier + block import checks),
 * run before a block received from elsewhere (a file, later the network) is executed:
 * the last digest is `Seal(SUB_)` signed (sr25519, `subspace_reward` context) over the pre-hash by
 * the solution's key; the pre-digest decodes; the slot is after the parent's and not in the future;
 * the PoT output is the one this node knows for the slot (when it knows it); and the solution is
 * valid for the slot's challenge, the parent state's solution range and segment commitments.
 */
import { Header, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { blake2_256 } from "../../framework/crypto/index.ts";
import { equalBytes, toHex } from "../../framework/codec/bytes.ts";
import { sr25519VerifyWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import { extractSubspaceDigestItems, extractPreDigest } from "../../framework/primitives/subspace/consensus/index.ts";
import { subspaceJustificationOf, verifyPotJustification } from "./potJustification.ts";
import { verifySolution, solutionPieceIndex } from "../../framework/primitives/subspace/verification/index.ts";
import type { Solution } from "../../framework/primitives/subspace/sectors/index.ts";
import type { Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { NUM_PIECES } from "../../framework/primitives/subspace/profile/index.ts";
import type { ConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { CONSTANTS } from "../../runtime/consensus/runtime.ts";
import type { Client } from "../client/client.ts";

export type HeaderVerificationCode =
  | "HEADER_ERROR_MISSING_SEAL"
  | "HEADER_ERROR_BAD_SEAL"
  | "HEADER_ERROR_DIGEST"
  | "HEADER_ERROR_SLOT_NOT_INCREASING"
  | "HEADER_ERROR_FUTURE_SLOT"
  | "HEADER_ERROR_PROOF_OF_TIME"
  | "HEADER_ERROR_INVALID_SOLUTION";

export class HeaderVerificationError extends Error {
  constructor(readonly code: HeaderVerificationCode, message: string) {
    super(message);
    this.name = "HeaderVerificationError";
  }
}

/** Checks a solution against the parent block's state (solution range, segment commitments). */
export function verifyBlockSolution(
  client: Client, crt: ConsensusRuntime, kzg: Kzg, parentHash: Uint8Array, solution: Solution, slot: number, proofOfTime: Uint8Array, solutionRange: bigint,
  knownSegmentCommitment?: (segmentIndex: bigint) => Uint8Array | undefined,
): { ok: true; distance: bigint } | { ok: false; error: string } {
  const state = client.stateAt(parentHash);
  const { historySize, commitment, expiration } = client.executor.read(state, () => {
    const sub = crt.subspace;
    const pieceIndex = solutionPieceIndex(solution, {
      maxPiecesInSector: CONSTANTS.maxPiecesInSector, recentSegments: CONSTANTS.recentSegments, recentHistoryFraction: CONSTANTS.recentHistoryFraction,
    });
    const segmentIndex = pieceIndex / BigInt(NUM_PIECES);
    const expirationIndex = solution.historySize + CONSTANTS.minSectorLifetime - 1n;
    // As the reference, segment headers the node's archiver knows count even before their inherent
    // lands on chain (segment 0 exists from genesis, before block 1 could carry it).
    return {
      historySize: sub.historySize(),
      commitment: sub.segmentCommitment(segmentIndex) ?? knownSegmentCommitment?.(segmentIndex),
      expiration: sub.segmentCommitment(expirationIndex) ?? knownSegmentCommitment?.(expirationIndex),
    };
  });
  if (!commitment) return { ok: false, error: "the segment of the solution's piece is not on chain" };
  const r = verifySolution(solution, slot, {
    proofOfTime, solutionRange,
    pieceCheckParams: {
      maxPiecesInSector: CONSTANTS.maxPiecesInSector, segmentCommitment: commitment, recentSegments: CONSTANTS.recentSegments,
      recentHistoryFraction: CONSTANTS.recentHistoryFraction, minSectorLifetime: CONSTANTS.minSectorLifetime, currentHistorySize: historySize,
      sectorExpirationCheckSegmentCommitment: expiration,
    },
  }, kzg);
  return r.ok ? { ok: true, distance: r.distance } : { ok: false, error: `${r.error.code}: ${r.error.message}` };
}

export interface VerifyHeaderOptions {
  /** The PoT output this node knows for a slot (timekeeper cache), if any. */
  proofOfTimeFor?: (slot: number) => Uint8Array | undefined;
  /** The current slot, to refuse blocks from the future (with the reference's tolerance). */
  currentSlot?: number;
  kzg: Kzg;
  /** Segment commitments known to the node's archiver (segment 0 from genesis). */
  knownSegmentCommitment?: (segmentIndex: bigint) => Uint8Array | undefined;
  /** The block's SCALE `Justifications`; its Subspace PoT checkpoints are verified when given. */
  justifications?: Uint8Array;
  /** Refuse blocks without a PoT justification. */
  requireJustification?: boolean;
  /** The chain's genesis PoT seed (for blocks whose parent is genesis). */
  genesisSeed?: Uint8Array;
  /** Verify the justification's checkpoints in full (default), or only their chaining (sampling, see `fullPotVerification`). */
  fullPotVerification?: boolean;
}

/** Verifies a sealed header on top of its (imported) parent; throws HeaderVerificationError. */
export function verifyHeader(client: Client, crt: ConsensusRuntime, header: HeaderValue, opts: VerifyHeaderOptions): void {
  const logs = header.digest.logs;
  const seal = logs[logs.length - 1];
  if (!seal || seal.tag !== "Seal" || toHex(seal.value[0]) !== "0x5355425f") throw new HeaderVerificationError("HEADER_ERROR_MISSING_SEAL", "the last digest item is not a Seal(SUB_)");
  const preHeader: HeaderValue = { ...header, digest: { logs: logs.slice(0, -1) } };
  let items;
  try {
    items = extractSubspaceDigestItems(preHeader.digest.logs);
  } catch (e) {
    throw new HeaderVerificationError("HEADER_ERROR_DIGEST", (e as Error).message);
  }
  const pre = items.preDigest;
  const signature = seal.value[1].length === 65 ? seal.value[1].subarray(1) : seal.value[1];
  const preHash = blake2_256(Header.enc(preHeader));
  if (!sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, signature, preHash, pre.solution.publicKey)) {
    throw new HeaderVerificationError("HEADER_ERROR_BAD_SEAL", "bad seal signature");
  }
  const parent = client.header(header.parentHash);
  if (parent && parent.number > 0) {
    const parentItems = extractSubspaceDigestItems(parent.digest.logs.filter((l) => l.tag !== "Seal"));
    if (pre.slot <= parentItems.preDigest.slot) throw new HeaderVerificationError("HEADER_ERROR_SLOT_NOT_INCREASING", `slot ${pre.slot} is not after the parent's slot ${parentItems.preDigest.slot}`);
  }
  if (opts.currentSlot !== undefined && pre.slot > opts.currentSlot + CONSTANTS.blockAuthoringDelay + 1) {
    throw new HeaderVerificationError("HEADER_ERROR_FUTURE_SLOT", `slot ${pre.slot} is in the future (now ${opts.currentSlot})`);
  }
  const known = opts.proofOfTimeFor?.(pre.slot);
  if (known && !equalBytes(known, pre.potInfo.proofOfTime)) throw new HeaderVerificationError("HEADER_ERROR_PROOF_OF_TIME", `proof of time of slot ${pre.slot} does not match`);
  const justification = subspaceJustificationOf(opts.justifications);
  if (!justification && opts.requireJustification) throw new HeaderVerificationError("HEADER_ERROR_PROOF_OF_TIME", "missing PoT justification");
  if (justification) {
    const parentPre = parent ? extractPreDigest(parent.number, parent.digest.logs.filter((l) => l.tag !== "Seal")) : undefined;
    const params = client.executor.read(client.stateAt(header.parentHash), () => crt.subspace.potParameters());
    const delay = CONSTANTS.blockAuthoringDelay;
    const err = verifyPotJustification(justification, {
      parentFutureSlot: !parent || parent.number === 0 ? 0 : parentPre!.slot + delay,
      parentFutureOutput: !parent || parent.number === 0 ? undefined : parentPre!.potInfo.futureProofOfTime,
      genesisSeed: opts.genesisSeed ?? new Uint8Array(16),
      slotIterations: params.slotIterations,
      parametersChange: params.nextChange ?? null,
      slot: pre.slot, proofOfTime: pre.potInfo.proofOfTime,
      futureSlot: pre.slot + delay, futureProofOfTime: pre.potInfo.futureProofOfTime,
      fullVerification: opts.fullPotVerification,
    });
    if (err) throw new HeaderVerificationError("HEADER_ERROR_PROOF_OF_TIME", err);
  }
  const range = client.executor.read(client.stateAt(header.parentHash), () => crt.subspace.SolutionRanges.get().current);
  const r = verifyBlockSolution(client, crt, opts.kzg, header.parentHash, pre.solution as unknown as Solution, pre.slot, pre.potInfo.proofOfTime, range, opts.knownSegmentCommitment);
  if (!r.ok) throw new HeaderVerificationError("HEADER_ERROR_INVALID_SOLUTION", r.error);
}
