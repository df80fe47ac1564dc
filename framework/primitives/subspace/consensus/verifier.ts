/**
 * The host-side checks the Subspace runtime relies on (`sp_consensus_subspace::consensus`
 * runtime interface and `subspace_verification::check_reward_signature` @72a5aa6f). In Substrate
 * they are host functions backed by the node's KZG, PoS and PoT verifiers; here they are a port
 * the node installs into the runtime (`SubspacePallet.setConsensusVerifier`).
 */
import type { Solution } from "./types.ts";

/** `PieceCheckParams` of `subspace-verification`. */
export interface PieceCheckParams {
  maxPiecesInSector: number;
  /** Commitment of the segment the solution's piece belongs to. */
  segmentCommitment: Uint8Array;
  recentSegments: bigint;
  recentHistoryFraction: readonly [bigint, bigint];
  minSectorLifetime: bigint;
  currentHistorySize: bigint;
  /** Commitment of segment `history_size + min_sector_lifetime − 1`, when known. */
  sectorExpirationCheckSegmentCommitment?: Uint8Array;
}

/** `VerifySolutionParams`. */
export interface VerifySolutionParams {
  proofOfTime: Uint8Array;
  solutionRange: bigint;
  pieceCheckParams?: PieceCheckParams;
}

/** `error` is whatever the verifier reports (the verification module returns a `SolutionVerificationError`). */
export type VerifySolutionResult = { readonly ok: true; readonly distance: bigint } | { readonly ok: false; readonly error: unknown };

export interface ConsensusVerifier {
  /**
   * schnorrkel verification of `signature` over `hash` by `publicKey` in the signing context
   * `subspace_reward` (`REWARD_SIGNING_CONTEXT`).
   */
  checkRewardSignature(hash: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
  /** `verify_solution`: on success, the solution's distance (`<= solution_range / 2`). */
  verifySolution(solution: Solution<unknown>, slot: number, params: VerifySolutionParams): VerifySolutionResult;
  /**
   * `is_proof_of_time_valid(parent_hash, slot, proof_of_time, quick_verification)`: whether the
   * node's PoT chain on the fork of `parentHash` has `proofOfTime` at `slot`.
   */
  isProofOfTimeValid(parentHash: Uint8Array, slot: number, proofOfTime: Uint8Array, quick: boolean): boolean;
}

/** `REWARD_SIGNING_CONTEXT`. */
export const REWARD_SIGNING_CONTEXT = new TextEncoder().encode("subspace_reward");
