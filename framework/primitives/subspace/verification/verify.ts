/**
 * Solution verification in the reference's order (`crates/subspace-verification/src/lib.rs`,
 * `verify_solution`):
 * 1. sector id → global challenge (PoT output, slot) → sector slot challenge → s-bucket;
 * 2. the PoS proof for `evaluation_seed(piece_offset)` at the s-bucket;
 * 3. `chunk XOR blake3(proof)` within `solution_range / 2` of the global challenge;
 * 4. the chunk's KZG opening at ω_{NUM_S_BUCKETS}^{s-bucket} against the record commitment;
 * 5. with piece-check parameters: history size ≤ current + 1, piece offset < max pieces in sector,
 *    sector not expired (when the expiration-check segment commitment is known), and the record
 *    commitment's hash opening the segment commitment at the piece's position.
 * Each failure has its own code; a malformed solution (wrong field sizes) is rejected first.
 */
import { blake3 } from "../../../crypto/index.ts";
import { blake3_254HashToScalar, isCanonicalScalar, PieceIndex } from "../core/index.ts";
import type { Kzg } from "../kzg/index.ts";
import { DEFAULT_POS_K, isProofValid, proofSize } from "../pos/index.ts";
import { deriveGlobalChallenge, deriveGlobalRandomness } from "../pot/derivations.ts";
import {
  CHUNK_WITNESS_SIZE, NUM_PIECES, RECORD_COMMITMENT_SIZE, RECORD_NUM_S_BUCKETS, RECORD_WITNESS_SIZE, SCALAR_FULL_BYTES, SEGMENT_COMMITMENT_SIZE,
} from "../profile/index.ts";
import {
  derivePieceIndex, evaluationSeed, expirationHistorySize, sBucketAuditIndex, sectorIdFromPublicKey, sectorSlotChallenge,
} from "../sectors/sector.ts";
import type { Solution } from "../sectors/solution.ts";
import { solutionDistance } from "./distance.ts";

/** `PieceCheckParams`. */
export interface PieceCheckParams {
  readonly maxPiecesInSector: number;
  /** Commitment of the segment holding the solution's piece (see `solutionPieceIndex`). */
  readonly segmentCommitment: Uint8Array;
  readonly recentSegments: bigint;
  readonly recentHistoryFraction: readonly [bigint, bigint];
  readonly minSectorLifetime: bigint;
  readonly currentHistorySize: bigint;
  /** Commitment of segment `history_size + min_sector_lifetime − 1`, once it exists. */
  readonly sectorExpirationCheckSegmentCommitment?: Uint8Array;
}

/** `VerifySolutionParams`. */
export interface VerifySolutionParams {
  /** The slot's PoT output (16 bytes). */
  readonly proofOfTime: Uint8Array;
  readonly solutionRange: bigint;
  readonly pieceCheckParams?: PieceCheckParams;
  /** PoS K (default DEFAULT_POS_K = 20). */
  readonly posK?: number;
}

export type SolutionVerificationErrorCode =
  | "SOLUTION_ERROR_MALFORMED"
  | "SOLUTION_ERROR_INVALID_PROOF_OF_SPACE"
  | "SOLUTION_ERROR_OUTSIDE_SOLUTION_RANGE"
  | "SOLUTION_ERROR_INVALID_CHUNK"
  | "SOLUTION_ERROR_INVALID_CHUNK_WITNESS"
  | "SOLUTION_ERROR_FUTURE_HISTORY_SIZE"
  | "SOLUTION_ERROR_INVALID_PIECE_OFFSET"
  | "SOLUTION_ERROR_INVALID_HISTORY_SIZE"
  | "SOLUTION_ERROR_SECTOR_EXPIRED"
  | "SOLUTION_ERROR_INVALID_PIECE";

export class SolutionVerificationError extends Error {
  constructor(
    readonly code: SolutionVerificationErrorCode,
    message: string,
    readonly details: Readonly<Record<string, bigint | number>> = {},
  ) {
    super(message);
  }
}

export type VerifySolutionResult = { readonly ok: true; readonly distance: bigint } | { readonly ok: false; readonly error: SolutionVerificationError };

const fail = (code: SolutionVerificationErrorCode, message: string, details?: Record<string, bigint | number>): VerifySolutionResult => ({
  ok: false,
  error: new SolutionVerificationError(code, message, details),
});

const U64_MAX = (1n << 64n) - 1n;

function malformed(s: Solution, posK: number): string | undefined {
  const sizes: [string, Uint8Array, number][] = [
    ["public key", s.publicKey, 32], ["reward address", s.rewardAddress, 32],
    ["record commitment", s.recordCommitment, RECORD_COMMITMENT_SIZE], ["record witness", s.recordWitness, RECORD_WITNESS_SIZE],
    ["chunk", s.chunk, SCALAR_FULL_BYTES], ["chunk witness", s.chunkWitness, CHUNK_WITNESS_SIZE], ["proof of space", s.proofOfSpace, proofSize(posK)],
  ];
  for (const [name, v, n] of sizes) if (v.length !== n) return `${name} must be ${n} bytes, got ${v.length}`;
  if (!Number.isInteger(s.sectorIndex) || s.sectorIndex < 0 || s.sectorIndex > 0xffff) return "sector index is not a u16";
  if (!Number.isInteger(s.pieceOffset) || s.pieceOffset < 0 || s.pieceOffset > 0xffff) return "piece offset is not a u16";
  if (s.historySize < 1n || s.historySize > U64_MAX) return "history size is not a NonZeroU64";
  return undefined;
}

/** The global challenge of a slot: `blake3(blake3(pot_output) ‖ slot u64 LE)`. */
export const slotGlobalChallenge = (proofOfTime: Uint8Array, slot: number | bigint): Uint8Array =>
  deriveGlobalChallenge(deriveGlobalRandomness(proofOfTime), slot);

/**
 * The piece a solution claims (its position in its segment is where the record witness opens the
 * segment commitment); callers look up that segment's commitment for `PieceCheckParams`.
 */
export function solutionPieceIndex(
  solution: Pick<Solution, "publicKey" | "sectorIndex" | "historySize" | "pieceOffset">,
  p: Pick<PieceCheckParams, "maxPiecesInSector" | "recentSegments" | "recentHistoryFraction">,
): bigint {
  const id = sectorIdFromPublicKey(solution.publicKey, solution.sectorIndex, solution.historySize);
  return derivePieceIndex(id, solution.pieceOffset, solution.historySize, {
    maxPiecesInSector: p.maxPiecesInSector,
    recentSegments: p.recentSegments,
    recentHistoryFraction: p.recentHistoryFraction,
  });
}

/** `verify_solution`: the solution's distance, or the first check that fails. */
export function verifySolution(solution: Solution, slot: number | bigint, params: VerifySolutionParams, kzg: Kzg): VerifySolutionResult {
  const posK = params.posK ?? DEFAULT_POS_K;
  const bad = malformed(solution, posK);
  if (bad !== undefined) return fail("SOLUTION_ERROR_MALFORMED", bad);

  const id = sectorIdFromPublicKey(solution.publicKey, solution.sectorIndex, solution.historySize);
  const globalChallenge = slotGlobalChallenge(params.proofOfTime, slot);
  const slotChallenge = sectorSlotChallenge(id, globalChallenge);
  const sBucket = sBucketAuditIndex(slotChallenge);

  if (!isProofValid(evaluationSeed(id, solution.pieceOffset), sBucket, solution.proofOfSpace, posK)) {
    return fail("SOLUTION_ERROR_INVALID_PROOF_OF_SPACE", "invalid proof of space", { sBucket });
  }

  const mask = blake3(solution.proofOfSpace);
  const masked = new Uint8Array(SCALAR_FULL_BYTES);
  for (let i = 0; i < SCALAR_FULL_BYTES; i++) masked[i] = solution.chunk[i]! ^ mask[i]!;
  const distance = solutionDistance(globalChallenge, masked, slotChallenge);
  const half = params.solutionRange / 2n;
  if (distance > half) {
    return fail("SOLUTION_ERROR_OUTSIDE_SOLUTION_RANGE", `solution distance ${distance} is outside of half the solution range ${half}`, {
      solutionDistance: distance,
      halfSolutionRange: half,
    });
  }

  if (!isCanonicalScalar(solution.chunk)) return fail("SOLUTION_ERROR_INVALID_CHUNK", "chunk is not a canonical scalar");
  if (!kzg.verify(solution.recordCommitment, RECORD_NUM_S_BUCKETS, sBucket, solution.chunk, solution.chunkWitness)) {
    return fail("SOLUTION_ERROR_INVALID_CHUNK_WITNESS", "invalid chunk witness", { sBucket });
  }

  const p = params.pieceCheckParams;
  if (p !== undefined) {
    // `+ 1`: a sector may be plotted from a segment whose header is in the block being checked.
    if (solution.historySize > p.currentHistorySize + 1n) {
      return fail("SOLUTION_ERROR_FUTURE_HISTORY_SIZE", `history size ${solution.historySize} is in the future, current is ${p.currentHistorySize}`, {
        current: p.currentHistorySize,
        solution: solution.historySize,
      });
    }
    if (solution.pieceOffset >= p.maxPiecesInSector) {
      return fail("SOLUTION_ERROR_INVALID_PIECE_OFFSET", `piece offset ${solution.pieceOffset} is not below ${p.maxPiecesInSector}`, {
        pieceOffset: solution.pieceOffset,
        maxPiecesInSector: p.maxPiecesInSector,
      });
    }
    if (p.sectorExpirationCheckSegmentCommitment !== undefined) {
      const expiresAt = expirationHistorySize(id, solution.historySize, p.sectorExpirationCheckSegmentCommitment, p.minSectorLifetime);
      if (expiresAt === undefined) return fail("SOLUTION_ERROR_INVALID_HISTORY_SIZE", "invalid history size");
      if (expiresAt <= p.currentHistorySize) {
        return fail("SOLUTION_ERROR_SECTOR_EXPIRED", `sector expired at history size ${expiresAt}`, {
          expirationHistorySize: expiresAt,
          currentHistorySize: p.currentHistorySize,
        });
      }
    }
    const position = PieceIndex.position(derivePieceIndex(id, solution.pieceOffset, solution.historySize, p));
    if (
      p.segmentCommitment.length !== SEGMENT_COMMITMENT_SIZE ||
      !kzg.verify(p.segmentCommitment, NUM_PIECES, position, blake3_254HashToScalar(solution.recordCommitment), solution.recordWitness)
    ) {
      return fail("SOLUTION_ERROR_INVALID_PIECE", "record commitment is not part of the segment", { position });
    }
  }
  return { ok: true, distance };
}
