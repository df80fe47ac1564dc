/**
 * Sector derivations: sector id, piece selection from history, sector slot challenge and audited
 * s-bucket, evaluation seed per piece offset, and expiration.
 *
 * SPEC: autonomys/subspace crates/subspace-core-primitives/src/sectors.rs (`SectorId::new`,
 * `derive_piece_index`, `derive_sector_slot_challenge`, `s_bucket_audit_index`,
 * `derive_evaluation_seed`, `derive_expiration_history_size`). The one profile change: the audited
 * s-bucket is reduced modulo the profile's s-bucket count (8,192; the reference's 65,536 make the
 * reduction a no-op).
 */
import { blake3 as blake3Keyed } from "@noble/hashes/blake3.js";
import { blake3, blake3Concat } from "../../../crypto/index.ts";
import { NUM_PIECES, RECORD_NUM_S_BUCKETS } from "../profile/index.ts";

/** `SectorIndex = u16`. */
export type SectorIndex = number;
/** `PieceOffset(u16)`: a record's position in its sector. */
export type PieceOffset = number;
/** `HistorySize(NonZeroU64)` in segments. */
export type HistorySize = bigint;

const U64_MAX = (1n << 64n) - 1n;
const PIECES_PER_SEGMENT = BigInt(NUM_PIECES);

export class SectorError extends Error {
  constructor(
    readonly code: "SECTOR_ERROR_RANGE",
    message: string,
  ) {
    super(message);
  }
}

function checkU16(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new SectorError("SECTOR_ERROR_RANGE", `${name} ${v} is not a u16`);
}

function checkHistorySize(h: bigint): void {
  if (h < 1n || h > U64_MAX) throw new SectorError("SECTOR_ERROR_RANGE", `history size ${h} is not a NonZeroU64`);
}

const u16Le = (v: number): Uint8Array => Uint8Array.of(v & 0xff, v >>> 8);

function u64Le(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
}

/** Little-endian bytes as an unsigned integer (`U256::from_le_bytes`). */
export function uintFromLe(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** `SectorId::new`: `blake3_keyed(key = public_key_hash, sector_index u16 LE ‖ history_size u64 LE)`. */
export function sectorId(publicKeyHash: Uint8Array, sectorIndex: SectorIndex, historySize: HistorySize): Uint8Array {
  if (publicKeyHash.length !== 32) throw new SectorError("SECTOR_ERROR_RANGE", "public key hash must be 32 bytes");
  checkU16("sector index", sectorIndex);
  checkHistorySize(historySize);
  const input = new Uint8Array(10);
  input.set(u16Le(sectorIndex), 0);
  input.set(u64Le(historySize), 2);
  return blake3Keyed(input, { key: publicKeyHash });
}

/** Sector id from the farmer's public key (`SectorId::new(public_key.hash(), ..)`). */
export const sectorIdFromPublicKey = (publicKey: Uint8Array, sectorIndex: SectorIndex, historySize: HistorySize): Uint8Array =>
  sectorId(blake3(publicKey), sectorIndex, historySize);

/** Parameters of piece selection (chain constants in the reference). */
export interface PieceSelection {
  /** `max_pieces_in_sector`. */
  readonly maxPiecesInSector: number;
  /** `recent_segments`, in segments. */
  readonly recentSegments: HistorySize;
  /** `recent_history_fraction` (numerator, denominator), in segments. */
  readonly recentHistoryFraction: readonly [HistorySize, HistorySize];
}

/**
 * `derive_piece_index`: `h = U256::from_le(blake3_keyed(key = offset u16 LE zero-padded, sector_id))`.
 * Odd offsets below the interleave bound take a piece from the last `recentSegments` segments once
 * history is long enough; every other offset takes `h % history_in_pieces`.
 */
export function derivePieceIndex(id: Uint8Array, pieceOffset: PieceOffset, historySize: HistorySize, selection: PieceSelection): bigint {
  checkU16("piece offset", pieceOffset);
  checkHistorySize(historySize);
  const { maxPiecesInSector, recentSegments, recentHistoryFraction } = selection;
  const [fractionNum, fractionDen] = recentHistoryFraction;
  const recentInPieces = recentSegments * PIECES_PER_SEGMENT;
  const minHistoryInPieces = (recentInPieces * (fractionDen * PIECES_PER_SEGMENT)) / (fractionNum * PIECES_PER_SEGMENT);
  const key = new Uint8Array(32);
  key.set(u16Le(pieceOffset), 0);
  const h = uintFromLe(blake3Keyed(id, { key }));
  const historyInPieces = historySize * PIECES_PER_SEGMENT;
  let interleaved = ((BigInt(maxPiecesInSector) * (fractionNum * PIECES_PER_SEGMENT)) / (fractionDen * PIECES_PER_SEGMENT)) * 2n;
  if (interleaved < 1n) interleaved = 1n;
  if (historyInPieces > minHistoryInPieces && BigInt(pieceOffset) < interleaved && pieceOffset % 2 === 1) {
    return (h % recentInPieces) + (historyInPieces - recentInPieces);
  }
  return h % historyInPieces;
}

/** `derive_sector_slot_challenge`: `sector_id XOR global_challenge`. */
export function sectorSlotChallenge(id: Uint8Array, globalChallenge: Uint8Array): Uint8Array {
  if (id.length !== 32 || globalChallenge.length !== 32) throw new SectorError("SECTOR_ERROR_RANGE", "sector id and global challenge must be 32 bytes");
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = id[i] ^ globalChallenge[i];
  return out;
}

/** `s_bucket_audit_index`: u16 LE of the first two bytes, modulo the profile's s-bucket count. */
export const sBucketAuditIndex = (slotChallenge: Uint8Array, numSBuckets: number = RECORD_NUM_S_BUCKETS): number =>
  (slotChallenge[0] | (slotChallenge[1] << 8)) % numSBuckets;

/** `derive_evaluation_seed`: `blake3(sector_id ‖ piece_offset u16 LE)`, the PoS seed of a record. */
export function evaluationSeed(id: Uint8Array, pieceOffset: PieceOffset): Uint8Array {
  checkU16("piece offset", pieceOffset);
  return blake3Concat(id, u16Le(pieceOffset));
}

/** Segment index whose commitment decides a sector's expiration: `history_size + min_lifetime − 1`. */
export const expirationCheckSegmentIndex = (historySize: HistorySize, minSectorLifetime: HistorySize): bigint =>
  historySize + minSectorLifetime - 1n;

/**
 * `derive_expiration_history_size`: `check = H + min_lifetime`, `last = min_lifetime + 4H`,
 * `expires = check + U256::from_le(blake3(sector_id ‖ commitment)) % (last − check)`. Undefined
 * where the reference's checked arithmetic fails.
 */
export function expirationHistorySize(
  id: Uint8Array,
  historySize: HistorySize,
  checkSegmentCommitment: Uint8Array,
  minSectorLifetime: HistorySize,
): HistorySize | undefined {
  checkHistorySize(historySize);
  checkHistorySize(minSectorLifetime);
  const check = historySize + minSectorLifetime;
  const last = minSectorLifetime + historySize * 4n;
  if (check > U64_MAX || historySize * 4n > U64_MAX || last > U64_MAX || last <= check) return undefined;
  const h = uintFromLe(blake3Concat(id, checkSegmentCommitment));
  return check + (h % (last - check));
}

/** A sector expires once the current history size reaches its expiration history size. */
export const isSectorExpired = (expiresAt: HistorySize, currentHistorySize: HistorySize): boolean => expiresAt <= currentHistorySize;
