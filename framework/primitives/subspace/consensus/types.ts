/**
 * SCALE types of Subspace consensus with their scale-info paths (for metadata), byte-exact with
 * autonomys/subspace @72a5aa6f: `subspace-core-primitives` (`PublicKey`, `ScalarBytes`,
 * `Randomness`, `pieces::{PieceOffset, RecordCommitment, RecordWitness}`, `pos::PosProof`,
 * `pot::PotOutput`, `hashes::Blake3Hash`, `segments::{SegmentIndex, SegmentCommitment,
 * HistorySize, SegmentHeader, LastArchivedBlock, ArchivedBlockProgress}`,
 * `solutions::{Solution, RewardSignature, ChunkWitness}`) and `sp_consensus_slots::Slot`.
 *
 * Value conventions: u64 counters that are indices or sizes of history (`SegmentIndex`,
 * `HistorySize`, solution ranges) are `bigint`; slots, block numbers, sector indices and piece
 * offsets are `number` (slots are checked to be safe integers, as in the PoT codecs). Segment
 * headers use the `SegmentHeader` interface of `../core`, so archiver output goes on chain as is.
 */
import {
  byteArray, fromCursor, mapped, newtype, struct, u16, u32, u64, variant, CodecError, type Ty,
} from "../../../codec/ty.ts";
import type { ArchivedBlockProgress, LastArchivedBlock, SegmentHeader } from "../core/segments.ts";
import { ArchivedBlockProgress as ABP } from "../core/segments.ts";
import {
  CHUNK_WITNESS_SIZE, RECORD_COMMITMENT_SIZE, RECORD_WITNESS_SIZE, SEGMENT_COMMITMENT_SIZE,
} from "../profile/index.ts";

const CORE = "subspace_core_primitives";

/** `PosProof::SIZE` at K = 20 (64 × 20 bits). */
export const POS_PROOF_SIZE = 160;
export const PUBLIC_KEY_SIZE = 32;
export const REWARD_SIGNATURE_SIZE = 64;
export const SCALAR_BYTES_SIZE = 32;
export const POT_OUTPUT_SIZE = 16;
export const RANDOMNESS_SIZE = 32;

const fixed = (len: number, path: string[]): Ty<Uint8Array> =>
  newtype(byteArray(len), { path, typeName: `[u8; ${len}]` });

/** `subspace_core_primitives::PublicKey` (sr25519 public key of a farmer). */
export const PublicKeyTy = fixed(PUBLIC_KEY_SIZE, [CORE, "PublicKey"]);
/** `subspace_core_primitives::ScalarBytes` (a chunk). */
export const ScalarBytesTy = fixed(SCALAR_BYTES_SIZE, [CORE, "ScalarBytes"]);
/** `subspace_core_primitives::Randomness`. */
export const RandomnessTy = fixed(RANDOMNESS_SIZE, [CORE, "Randomness"]);
/** `subspace_core_primitives::hashes::Blake3Hash`. */
export const Blake3HashTy = fixed(32, [CORE, "hashes", "Blake3Hash"]);
/** `subspace_core_primitives::solutions::RewardSignature` (schnorrkel, 64 bytes). */
export const RewardSignatureTy = fixed(REWARD_SIGNATURE_SIZE, [CORE, "solutions", "RewardSignature"]);
/** `subspace_core_primitives::solutions::ChunkWitness`. */
export const ChunkWitnessTy = fixed(CHUNK_WITNESS_SIZE, [CORE, "solutions", "ChunkWitness"]);
/** `subspace_core_primitives::pieces::RecordCommitment`. */
export const RecordCommitmentTy = fixed(RECORD_COMMITMENT_SIZE, [CORE, "pieces", "RecordCommitment"]);
/** `subspace_core_primitives::pieces::RecordWitness`. */
export const RecordWitnessTy = fixed(RECORD_WITNESS_SIZE, [CORE, "pieces", "RecordWitness"]);
/** `subspace_core_primitives::segments::SegmentCommitment`. */
export const SegmentCommitmentTy = fixed(SEGMENT_COMMITMENT_SIZE, [CORE, "segments", "SegmentCommitment"]);
/** `subspace_core_primitives::pos::PosProof`. */
export const PosProofTy = fixed(POS_PROOF_SIZE, [CORE, "pos", "PosProof"]);
/** `subspace_core_primitives::pot::PotOutput`. */
export const PotOutputTy = fixed(POT_OUTPUT_SIZE, [CORE, "pot", "PotOutput"]);

/** `sp_consensus_slots::Slot`: a u64 on the wire, a safe integer here. */
export const SlotTy: Ty<number> = newtype(
  mapped(
    u64,
    (v: bigint) => {
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`slot ${v} exceeds the safe integer range`);
      return Number(v);
    },
    (n: number) => {
      if (!Number.isSafeInteger(n) || n < 0) throw new CodecError(`slot must be a non-negative safe integer, got ${n}`);
      return BigInt(n);
    },
  ),
  { path: ["sp_consensus_slots", "Slot"], typeName: "u64" },
);

function nonZero<T extends number | bigint>(inner: Ty<T>, name: string): Ty<T> {
  return fromCursor<T>(
    (v: T) => {
      if (v == 0) throw new CodecError(`${name} must not be zero`);
      return inner.enc(v);
    },
    (c) => {
      const v = inner.dec(c as any);
      if (v == 0) throw new CodecError(`${name} is zero`);
      return v;
    },
    { path: [name], def: { tag: "composite", fields: [{ type: inner, typeName: name === "NonZeroU32" ? "u32" : "u64" }] } },
  );
}

/** `core::num::NonZeroU32` (scale-info: composite `NonZeroU32(u32)`). */
export const NonZeroU32Ty: Ty<number> = nonZero(u32, "NonZeroU32");
/** `core::num::NonZeroU64`. */
export const NonZeroU64Ty: Ty<bigint> = nonZero(u64, "NonZeroU64");

/** `subspace_core_primitives::segments::SegmentIndex(u64)`. */
export const SegmentIndexTy: Ty<bigint> = newtype(u64, { path: [CORE, "segments", "SegmentIndex"], typeName: "u64" });
/** `subspace_core_primitives::segments::HistorySize(NonZeroU64)`: number of archived segments. */
export const HistorySizeTy: Ty<bigint> = newtype(NonZeroU64Ty, { path: [CORE, "segments", "HistorySize"], typeName: "NonZeroU64" });
/** `subspace_core_primitives::pieces::PieceOffset(u16)`. */
export const PieceOffsetTy: Ty<number> = newtype(u16, { path: [CORE, "pieces", "PieceOffset"], typeName: "u16" });
/** `SectorIndex` = u16 (a type alias: no path of its own). */
export const SectorIndexTy: Ty<number> = u16;

const ArchivedBlockProgressVariant = variant<{ tag: "Complete" } | { tag: "Partial"; value: number }>(
  { Complete: { index: 0 }, Partial: { index: 1, fields: u32 } },
  { path: [CORE, "segments", "ArchivedBlockProgress"] },
);
/** `ArchivedBlockProgress`: 0 `Complete`, 1 `Partial(u32)`, as `../core`'s `{type}` values. */
export const ArchivedBlockProgressTy: Ty<ArchivedBlockProgress> = mapped(
  ArchivedBlockProgressVariant,
  (v) => (v.tag === "Complete" ? ABP.COMPLETE : ABP.partial(v.value)),
  (p: ArchivedBlockProgress) => (p.type === "Complete" ? { tag: "Complete" as const } : { tag: "Partial" as const, value: p.bytes }),
);

/** `LastArchivedBlock { number: u32, archived_progress }`. */
export const LastArchivedBlockTy: Ty<LastArchivedBlock> = struct(
  { number: { type: u32, typeName: "BlockNumber" }, archivedProgress: ArchivedBlockProgressTy },
  { path: [CORE, "segments", "LastArchivedBlock"] },
);

const SegmentHeaderV0 = {
  segmentIndex: SegmentIndexTy,
  segmentCommitment: SegmentCommitmentTy,
  prevSegmentHeaderHash: { type: Blake3HashTy, typeName: "Blake3Hash" },
  lastArchivedBlock: LastArchivedBlockTy,
};
const SegmentHeaderVariant = variant<{ tag: "V0"; value: SegmentHeader }>(
  { V0: { index: 0, fields: SegmentHeaderV0 } },
  { path: [CORE, "segments", "SegmentHeader"] },
);
/** `SegmentHeader::V0` (enum byte 0, then the fields), as `../core`'s `SegmentHeader`. */
export const SegmentHeaderTy: Ty<SegmentHeader> = mapped(
  SegmentHeaderVariant,
  (v) => v.value,
  (h: SegmentHeader) => ({ tag: "V0" as const, value: h }),
);

/** `Solution<RewardAddress>` in the reference's field order (412 bytes with a 32-byte address). */
export interface Solution<R = Uint8Array> {
  publicKey: Uint8Array;
  rewardAddress: R;
  sectorIndex: number;
  historySize: bigint;
  pieceOffset: number;
  recordCommitment: Uint8Array;
  recordWitness: Uint8Array;
  chunk: Uint8Array;
  chunkWitness: Uint8Array;
  proofOfSpace: Uint8Array;
}

const solutionCache = new WeakMap<Ty<any>, Ty<Solution<any>>>();
/** `subspace_core_primitives::solutions::Solution<RewardAddress>`. */
export function solutionTy<R>(rewardAddress: Ty<R>): Ty<Solution<R>> {
  let t = solutionCache.get(rewardAddress);
  if (!t) {
    t = struct(
      {
        publicKey: PublicKeyTy,
        rewardAddress: { type: rewardAddress, typeName: "RewardAddress" },
        sectorIndex: { type: SectorIndexTy, typeName: "SectorIndex" },
        historySize: HistorySizeTy,
        pieceOffset: PieceOffsetTy,
        recordCommitment: RecordCommitmentTy,
        recordWitness: RecordWitnessTy,
        chunk: { type: ScalarBytesTy, typeName: "ScalarBytes" },
        chunkWitness: ChunkWitnessTy,
        proofOfSpace: { type: PosProofTy, typeName: "PosProof" },
      },
      { path: [CORE, "solutions", "Solution"], params: [{ name: "RewardAddress", type: rewardAddress }] },
    ) as Ty<Solution<any>>;
    solutionCache.set(rewardAddress, t);
  }
  return t as Ty<Solution<R>>;
}
