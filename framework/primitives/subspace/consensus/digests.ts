/**
 * Subspace header digests (`sp-consensus-subspace/src/{lib,digests}.rs` @72a5aa6f): the
 * `PreRuntime(SUB_, PreDigest)` pre-digest, the `Seal(SUB_, RewardSignature)` seal and the
 * `Consensus(SUB_, ConsensusLog)` items a block carries, with the reference's extraction rules.
 *
 * SCALE layouts (field order as in the reference):
 * - `PreDigest::V0` = `0x00 ‖ slot u64 LE ‖ Solution ‖ PreDigestPotInfo`, with
 *   `PreDigestPotInfo::V0` = `0x00 ‖ proof_of_time [16] ‖ future_proof_of_time [16]`;
 *   454 bytes with a 32-byte reward address (1 + 8 + 412 + 33).
 * - `ConsensusLog`: 0 `PotSlotIterations(NonZeroU32)`, 1 `SolutionRange(u64)`,
 *   2 `PotParametersChange{slot u64, slot_iterations NonZeroU32, entropy [32]}`,
 *   3 `NextSolutionRange(u64)`, 4 `SegmentCommitment((u64, [48]))`,
 *   5 `EnableSolutionRangeAdjustmentAndOverride(Option<u64>)`, 6 `RootPlotPublicKeyUpdate(Option<[32]>)`.
 * - The seal is the bare 64-byte signature (`[u8; 64]` has no length prefix).
 *
 * Decoding follows the reference's `DigestItem::*_try_to`, which uses `Decode::decode` and so
 * tolerates trailing bytes after a complete value.
 */
import { decodePrefix, option, struct, tuple, u64, variant, mapped, CodecError, type Ty } from "../../../codec/ty.ts";
import { AccountId32, type DigestItem } from "../../../codec/substrate.ts";
import { equalBytes } from "../../../codec/bytes.ts";
import { SUBSPACE_ENGINE_ID } from "../pot/codec.ts";
import {
  Blake3HashTy, NonZeroU32Ty, PotOutputTy, PublicKeyTy, RewardSignatureTy, SegmentCommitmentTy, SegmentIndexTy, SlotTy,
  solutionTy, PUBLIC_KEY_SIZE, type Solution,
} from "./types.ts";

export { SUBSPACE_ENGINE_ID };

/** `PreDigestPotInfo::V0`. */
export interface PreDigestPotInfo {
  /** PoT output of the block's slot. */
  proofOfTime: Uint8Array;
  /** PoT output of slot + `BlockAuthoringDelay`. */
  futureProofOfTime: Uint8Array;
}

/** `PreDigest::V0`. */
export interface PreDigest<R = Uint8Array> {
  slot: number;
  solution: Solution<R>;
  potInfo: PreDigestPotInfo;
}

export const PreDigestPotInfoTy: Ty<PreDigestPotInfo> = mapped(
  variant<{ tag: "V0"; value: PreDigestPotInfo }>(
    { V0: { index: 0, fields: { proofOfTime: PotOutputTy, futureProofOfTime: PotOutputTy } } },
    { path: ["sp_consensus_subspace", "digests", "PreDigestPotInfo"] },
  ),
  (v) => v.value,
  (p: PreDigestPotInfo) => ({ tag: "V0" as const, value: p }),
);

const preDigestCache = new WeakMap<Ty<any>, Ty<PreDigest<any>>>();
/** `PreDigest<RewardAddress>`; the runtime uses `AccountId32`, the farmer RPC `PublicKey`. */
export function preDigestTy<R>(rewardAddress: Ty<R>): Ty<PreDigest<R>> {
  let t = preDigestCache.get(rewardAddress);
  if (!t) {
    t = mapped(
      variant<{ tag: "V0"; value: PreDigest<R> }>(
        { V0: { index: 0, fields: { slot: SlotTy, solution: solutionTy(rewardAddress), potInfo: PreDigestPotInfoTy } } },
        { path: ["sp_consensus_subspace", "digests", "PreDigest"], params: [{ name: "RewardAddress", type: rewardAddress }] },
      ),
      (v) => v.value,
      (p: PreDigest<R>) => ({ tag: "V0" as const, value: p }),
    ) as Ty<PreDigest<any>>;
    preDigestCache.set(rewardAddress, t);
  }
  return t as Ty<PreDigest<R>>;
}

/** The runtime's pre-digest (reward address = `AccountId32`). */
export const PreDigestTy: Ty<PreDigest> = preDigestTy(AccountId32);

/** `PotParametersChange { slot, slot_iterations, entropy }`. */
export interface PotParametersChange {
  slot: number;
  slotIterations: number;
  entropy: Uint8Array;
}
export const PotParametersChangeTy: Ty<PotParametersChange> = struct(
  { slot: SlotTy, slotIterations: NonZeroU32Ty, entropy: Blake3HashTy },
  { path: ["sp_consensus_subspace", "PotParametersChange"] },
);

export type ConsensusLog =
  | { tag: "PotSlotIterations"; value: number }
  | { tag: "SolutionRange"; value: bigint }
  | { tag: "PotParametersChange"; value: PotParametersChange }
  | { tag: "NextSolutionRange"; value: bigint }
  | { tag: "SegmentCommitment"; value: [bigint, Uint8Array] }
  | { tag: "EnableSolutionRangeAdjustmentAndOverride"; value?: bigint }
  | { tag: "RootPlotPublicKeyUpdate"; value?: Uint8Array };

export const ConsensusLogTy: Ty<ConsensusLog> = variant<ConsensusLog>(
  {
    PotSlotIterations: { index: 0, fields: NonZeroU32Ty },
    SolutionRange: { index: 1, fields: u64 },
    PotParametersChange: { index: 2, fields: PotParametersChangeTy },
    NextSolutionRange: { index: 3, fields: u64 },
    SegmentCommitment: { index: 4, fields: tuple(SegmentIndexTy, SegmentCommitmentTy) },
    EnableSolutionRangeAdjustmentAndOverride: { index: 5, fields: option(u64) },
    RootPlotPublicKeyUpdate: { index: 6, fields: option(PublicKeyTy) },
  },
  { path: ["sp_consensus_subspace", "ConsensusLog"] },
);

export const encodePreDigest = (p: PreDigest): Uint8Array => PreDigestTy.enc(p);
export const decodePreDigest = (bytes: Uint8Array): PreDigest => decodePrefix(PreDigestTy, bytes)[0];
export const encodeConsensusLog = (log: ConsensusLog): Uint8Array => ConsensusLogTy.enc(log);
export const decodeConsensusLog = (bytes: Uint8Array): ConsensusLog => decodePrefix(ConsensusLogTy, bytes)[0];

/** The seal: a bare schnorrkel signature (`RewardSignature`, `[u8; 64]`). */
const SealTy = RewardSignatureTy;

// ---- DigestItem builders (`CompatibleDigestItem`) ----------------------------------------------

const engine = () => SUBSPACE_ENGINE_ID.slice();

/** `DigestItem::PreRuntime(SUB_, PreDigest)`. */
export function subspacePreDigestItem<R = Uint8Array>(pd: PreDigest<R>, rewardAddress: Ty<R> = AccountId32 as unknown as Ty<R>): DigestItem {
  return { tag: "PreRuntime", value: [engine(), preDigestTy(rewardAddress).enc(pd)] };
}

/** `DigestItem::Seal(SUB_, signature)`. */
export function subspaceSealItem(signature: Uint8Array): DigestItem {
  return { tag: "Seal", value: [engine(), SealTy.enc(signature)] };
}

/** `DigestItem::Consensus(SUB_, ConsensusLog)`. */
export function consensusLogItem(log: ConsensusLog): DigestItem {
  return { tag: "Consensus", value: [engine(), ConsensusLogTy.enc(log)] };
}

export const potSlotIterationsItem = (n: number): DigestItem => consensusLogItem({ tag: "PotSlotIterations", value: n });
export const solutionRangeItem = (r: bigint): DigestItem => consensusLogItem({ tag: "SolutionRange", value: r });
export const potParametersChangeItem = (c: PotParametersChange): DigestItem => consensusLogItem({ tag: "PotParametersChange", value: c });
export const nextSolutionRangeItem = (r: bigint): DigestItem => consensusLogItem({ tag: "NextSolutionRange", value: r });
export const segmentCommitmentItem = (index: bigint, commitment: Uint8Array): DigestItem =>
  consensusLogItem({ tag: "SegmentCommitment", value: [index, commitment] });
export const enableSolutionRangeAdjustmentAndOverrideItem = (r: bigint | undefined): DigestItem =>
  consensusLogItem(r === undefined ? { tag: "EnableSolutionRangeAdjustmentAndOverride" } : { tag: "EnableSolutionRangeAdjustmentAndOverride", value: r });
export const rootPlotPublicKeyUpdateItem = (pk: Uint8Array | undefined): DigestItem =>
  consensusLogItem(pk === undefined ? { tag: "RootPlotPublicKeyUpdate" } : { tag: "RootPlotPublicKeyUpdate", value: pk });

// ---- Extraction -------------------------------------------------------------------------------

export type DigestErrorType =
  | "PreDigest" | "Seal" | "PotSlotIterations" | "SolutionRange" | "PotParametersChange" | "NextSolutionRange"
  | "SegmentCommitment" | "Consensus" | "EnableSolutionRangeAdjustmentAndOverride" | "RootPlotPublicKeyUpdate";

export type DigestErrorCode = "DIGEST_ERROR_MISSING" | "DIGEST_ERROR_FAILED_TO_DECODE" | "DIGEST_ERROR_DUPLICATE";

/** `sp_consensus_subspace::digests::Error` (Missing, FailedToDecode, Duplicate). */
export class SubspaceDigestError extends Error {
  constructor(readonly code: DigestErrorCode, readonly digest: DigestErrorType, detail?: string) {
    super(
      code === "DIGEST_ERROR_MISSING" ? `Subspace ${digest} digest not found`
      : code === "DIGEST_ERROR_DUPLICATE" ? `Duplicate Subspace ${digest} digests, rejecting!`
      : `Failed to decode Subspace ${digest} digest: ${detail ?? ""}`,
    );
    this.name = "SubspaceDigestError";
  }
}

const isSub = (id: Uint8Array) => equalBytes(id, SUBSPACE_ENGINE_ID);

function tryDecode<T>(ty: Ty<T>, data: Uint8Array, what: DigestErrorType): T {
  try {
    return decodePrefix(ty, data)[0];
  } catch (e) {
    throw new SubspaceDigestError("DIGEST_ERROR_FAILED_TO_DECODE", what, (e as Error).message);
  }
}

/** The `PreRuntime(SUB_)` pre-digest of a block's digest logs, or undefined (throws on a duplicate). */
export function findPreDigest<R = Uint8Array>(logs: readonly DigestItem[], rewardAddress: Ty<R> = AccountId32 as unknown as Ty<R>): PreDigest<R> | undefined {
  let found: PreDigest<R> | undefined;
  for (const log of logs) {
    if (log.tag !== "PreRuntime" || !isSub(log.value[0])) continue;
    if (found) throw new SubspaceDigestError("DIGEST_ERROR_DUPLICATE", "PreDigest");
    found = tryDecode(preDigestTy(rewardAddress), log.value[1], "PreDigest");
  }
  return found;
}

/** `SubspaceDigestItems`: everything Subspace put into a header's digest. */
export interface SubspaceDigestItems<R = Uint8Array> {
  preDigest: PreDigest<R>;
  signature?: Uint8Array;
  potSlotIterations: number;
  solutionRange: bigint;
  potParametersChange?: PotParametersChange;
  nextSolutionRange?: bigint;
  /** Segment index → commitment, in digest order. */
  segmentCommitments: Map<bigint, Uint8Array>;
  /** Present when the block enabled solution-range adjustment; its value is the override, if any. */
  enableSolutionRangeAdjustmentAndOverride?: { override?: bigint };
  /** Present when the block changed the root plot public key; `publicKey` undefined means removed. */
  rootPlotPublicKeyUpdate?: { publicKey?: Uint8Array };
}

/**
 * `extract_subspace_digest_items`: every `SUB_` item of a header, rejecting duplicates of any kind
 * (and a repeated segment index) and requiring the pre-digest, `PotSlotIterations` and `SolutionRange`.
 */
export function extractSubspaceDigestItems<R = Uint8Array>(
  logs: readonly DigestItem[],
  rewardAddress: Ty<R> = AccountId32 as unknown as Ty<R>,
): SubspaceDigestItems<R> {
  let preDigest: PreDigest<R> | undefined;
  let signature: Uint8Array | undefined;
  let potSlotIterations: number | undefined;
  let solutionRange: bigint | undefined;
  let potParametersChange: PotParametersChange | undefined;
  let nextSolutionRange: bigint | undefined;
  const segmentCommitments = new Map<bigint, Uint8Array>();
  let enable: { override?: bigint } | undefined;
  let rootUpdate: { publicKey?: Uint8Array } | undefined;
  const dup = (what: DigestErrorType) => new SubspaceDigestError("DIGEST_ERROR_DUPLICATE", what);
  for (const log of logs) {
    if (log.tag === "PreRuntime" && isSub(log.value[0])) {
      if (preDigest) throw dup("PreDigest");
      preDigest = tryDecode(preDigestTy(rewardAddress), log.value[1], "PreDigest");
    } else if (log.tag === "Seal" && isSub(log.value[0])) {
      if (signature) throw dup("Seal");
      signature = tryDecode(SealTy, log.value[1], "Seal");
    } else if (log.tag === "Consensus" && isSub(log.value[0])) {
      const c = tryDecode(ConsensusLogTy, log.value[1], "Consensus");
      switch (c.tag) {
        case "PotSlotIterations":
          if (potSlotIterations !== undefined) throw dup("PotSlotIterations");
          potSlotIterations = c.value;
          break;
        case "SolutionRange":
          if (solutionRange !== undefined) throw dup("SolutionRange");
          solutionRange = c.value;
          break;
        case "PotParametersChange":
          if (potParametersChange) throw dup("PotParametersChange");
          potParametersChange = c.value;
          break;
        case "NextSolutionRange":
          if (nextSolutionRange !== undefined) throw dup("NextSolutionRange");
          nextSolutionRange = c.value;
          break;
        case "SegmentCommitment":
          if (segmentCommitments.has(c.value[0])) throw dup("SegmentCommitment");
          segmentCommitments.set(c.value[0], c.value[1]);
          break;
        case "EnableSolutionRangeAdjustmentAndOverride":
          if (enable) throw dup("EnableSolutionRangeAdjustmentAndOverride");
          enable = { override: c.value };
          break;
        case "RootPlotPublicKeyUpdate":
          // The reference reports this duplicate under the EnableSolutionRangeAdjustmentAndOverride type.
          if (rootUpdate) throw dup("EnableSolutionRangeAdjustmentAndOverride");
          rootUpdate = { publicKey: c.value };
          break;
      }
    }
  }
  if (!preDigest) throw new SubspaceDigestError("DIGEST_ERROR_MISSING", "PreDigest");
  if (potSlotIterations === undefined) throw new SubspaceDigestError("DIGEST_ERROR_MISSING", "PotSlotIterations");
  if (solutionRange === undefined) throw new SubspaceDigestError("DIGEST_ERROR_MISSING", "SolutionRange");
  const out: SubspaceDigestItems<R> = { preDigest, potSlotIterations, solutionRange, segmentCommitments };
  if (signature) out.signature = signature;
  if (potParametersChange) out.potParametersChange = potParametersChange;
  if (nextSolutionRange !== undefined) out.nextSolutionRange = nextSolutionRange;
  if (enable) out.enableSolutionRangeAdjustmentAndOverride = enable;
  if (rootUpdate) out.rootPlotPublicKeyUpdate = rootUpdate;
  return out;
}

/** `Solution::genesis_solution`: the placeholder solution of block 0's implied pre-digest. */
export function genesisSolution<R>(publicKey: Uint8Array, rewardAddress: R): Solution<R> {
  return {
    publicKey, rewardAddress, sectorIndex: 0, historySize: 1n, pieceOffset: 0,
    recordCommitment: new Uint8Array(48), recordWitness: new Uint8Array(48), chunk: new Uint8Array(32),
    chunkWitness: new Uint8Array(48), proofOfSpace: new Uint8Array(160),
  };
}

/** `extract_pre_digest`: block 0 has an implied all-zero pre-digest at slot 0. */
export function extractPreDigest(number: number, logs: readonly DigestItem[]): PreDigest<Uint8Array> {
  if (number === 0) {
    const zero = new Uint8Array(PUBLIC_KEY_SIZE);
    return { slot: 0, solution: genesisSolution(zero, zero), potInfo: { proofOfTime: new Uint8Array(16), futureProofOfTime: new Uint8Array(16) } };
  }
  const pd = findPreDigest(logs, PublicKeyTy);
  if (!pd) throw new SubspaceDigestError("DIGEST_ERROR_MISSING", "PreDigest");
  return pd;
}

export { CodecError };
