/**
 * Auditing (`crates/subspace-farmer-components/src/auditing.rs`): per sector and slot, the
 * sector slot challenge picks one s-bucket; every chunk stored there (masked or not) is hashed
 * with the slot challenge as key, and those within `solution_range / 2` of the global challenge
 * are the candidates, best first. Only the s-bucket's bytes are read.
 */
import { blake3 } from "../../../crypto/index.ts";
import { winningChunks, type ChunkCandidate } from "../verification/distance.ts";
import { SCALAR_FULL_BYTES } from "../profile/index.ts";
import { contentsMapSize, type SectorMetadata } from "./layout.ts";
import { sBucketAuditIndex, sectorId, sectorSlotChallenge } from "./sector.ts";

/** Synchronous positional read of a sector's bytes (a file, a buffer). */
export type SectorReader = (offset: number, length: number) => Uint8Array;

export interface SectorAuditingDetails {
  readonly sectorId: Uint8Array;
  readonly sectorSlotChallenge: Uint8Array;
  readonly sBucket: number;
  /** Byte offset of the s-bucket's chunks within the sector. */
  readonly offset: number;
  /** Byte length of the s-bucket's chunks. */
  readonly length: number;
}

/** `collect_sector_auditing_details`. */
export function sectorAuditingDetails(publicKeyHash: Uint8Array, globalChallenge: Uint8Array, metadata: SectorMetadata): SectorAuditingDetails {
  const id = sectorId(publicKeyHash, metadata.sectorIndex, metadata.historySize);
  const slotChallenge = sectorSlotChallenge(id, globalChallenge);
  const sBucket = sBucketAuditIndex(slotChallenge);
  let before = 0;
  const sizes = metadata.sBucketSizes;
  for (let s = 0; s < sBucket; s++) before += sizes[s]!;
  return {
    sectorId: id,
    sectorSlotChallenge: slotChallenge,
    sBucket,
    offset: contentsMapSize(metadata.piecesInSector) + before * SCALAR_FULL_BYTES,
    length: sizes[sBucket]! * SCALAR_FULL_BYTES,
  };
}

export interface AuditResult extends SectorAuditingDetails {
  readonly sectorIndex: number;
  /** Chunks of the s-bucket within range, sorted by distance (best first). */
  readonly candidates: readonly ChunkCandidate[];
}

/** `audit_sector_sync`: undefined when no chunk of the audited s-bucket is within range. */
export function auditSector(
  publicKeyHash: Uint8Array,
  globalChallenge: Uint8Array,
  solutionRange: bigint,
  metadata: SectorMetadata,
  read: SectorReader,
): AuditResult | undefined {
  const details = sectorAuditingDetails(publicKeyHash, globalChallenge, metadata);
  if (details.length === 0) return undefined;
  const chunks = read(details.offset, details.length);
  const candidates = winningChunks(chunks, globalChallenge, details.sectorSlotChallenge, solutionRange);
  if (candidates.length === 0) return undefined;
  return { ...details, sectorIndex: metadata.sectorIndex, candidates };
}

/** `blake3(public_key)`, the key of sector ids. */
export const publicKeyHash = (publicKey: Uint8Array): Uint8Array => blake3(publicKey);

export type { ChunkCandidate };
