/**
 * `SubspaceApi` (api_version 2, `sp-consensus-subspace/src/lib.rs` @72a5aa6f), answered from
 * pallet-subspace as the reference runtime does (`crates/subspace-runtime/src/lib.rs`). Method
 * names, argument types and output layouts are the reference's; `submit_vote_extrinsic` hands the
 * unsigned `Subspace.vote` extrinsic to the node's pool through `submitExtrinsic`.
 */
import { bool, option, tuple, u16, u32, u64, unit, variant, vec, newtype, mapped, type Ty } from "../../framework/codec/ty.ts";
import { Weight, type Weight as WeightValue } from "../../framework/codec/substrate.ts";
import type { Runtime, RuntimeApi, RuntimeApiMethod } from "../../framework/runtime/runtime.ts";
import { rawExtrinsic } from "../../framework/runtime/apis.ts";
import {
  HistorySizeTy, NonZeroU32Ty, PublicKeyTy, SegmentCommitmentTy, SegmentHeaderTy, SegmentIndexTy, SignedVoteTy, SlotTy, PotParametersChangeTy,
  type SignedVote,
} from "../../framework/primitives/subspace/consensus/index.ts";
import type { SegmentHeader } from "../../framework/primitives/subspace/core/segments.ts";
import { SolutionRangesTy, type ChainConstants, type PotParameters, type SubspacePallet } from "./subspace.ts";

/** `PotParameters::V0 { slot_iterations, next_change }`. */
export const PotParametersTy: Ty<PotParameters> = mapped(
  variant<{ tag: "V0"; value: PotParameters }>(
    { V0: { index: 0, fields: { slotIterations: NonZeroU32Ty, nextChange: option(PotParametersChangeTy) } } },
    { path: ["sp_consensus_subspace", "PotParameters"] },
  ),
  (v) => v.value,
  (p: PotParameters) => ({ tag: "V0" as const, value: p }),
);

const SlotDurationTy = newtype(u64, { path: ["sp_consensus_slots", "SlotDuration"], typeName: "u64" });

/** `ChainConstants::V0 { … }`. */
export const ChainConstantsTy: Ty<ChainConstants> = mapped(
  variant<{ tag: "V0"; value: ChainConstants }>(
    {
      V0: {
        index: 0,
        fields: {
          confirmationDepthK: { type: u32, typeName: "BlockNumber" },
          blockAuthoringDelay: SlotTy,
          eraDuration: { type: u32, typeName: "BlockNumber" },
          slotProbability: tuple(u64, u64),
          slotDuration: SlotDurationTy,
          recentSegments: HistorySizeTy,
          recentHistoryFraction: tuple(HistorySizeTy, HistorySizeTy),
          minSectorLifetime: HistorySizeTy,
        },
      },
    },
    { path: ["sp_consensus_subspace", "ChainConstants"] },
  ),
  (v) => v.value,
  (c: ChainConstants) => ({ tag: "V0" as const, value: c }),
);

export interface SubspaceApiDeps {
  runtime: Runtime;
  subspace: SubspacePallet;
  /** Slot duration in milliseconds (`ChainConstants.slot_duration`). */
  slotDurationMs: bigint;
  /** `System::block_weight().total()`. */
  blockWeight: () => WeightValue;
  /** Submits an encoded extrinsic to the local pool (offchain context); absent means votes are dropped. */
  submitExtrinsic?: (encoded: Uint8Array) => void;
}

const m = (name: string, inputs: { name: string; ty: Ty<any> }[], output: Ty<any>, call: (...a: any[]) => any): RuntimeApiMethod => ({ name, inputs, output, call });

/** The `SubspaceApi` runtime API (push it into `runtime.apis` before computing the runtime version). */
export function subspaceApi(d: SubspaceApiDeps): RuntimeApi {
  const { runtime: rt, subspace: s } = d;
  const ext = rawExtrinsic(rt);
  const decodeCall = (raw: Uint8Array) => {
    try {
      const x = rt.decodeExtrinsic(raw);
      return x.signed ? undefined : x.call;
    } catch {
      return undefined;
    }
  };
  return {
    name: "SubspaceApi",
    version: 2,
    docs: "API necessary for block authorship with Subspace.",
    methods: [
      m("pot_parameters", [], PotParametersTy, () => s.potParameters()),
      m("solution_ranges", [], SolutionRangesTy, () => s.solutionRanges()),
      m("submit_vote_extrinsic", [{ name: "signed_vote", ty: SignedVoteTy }], unit, (signedVote: SignedVote) => {
        d.submitExtrinsic?.(rt.encodeUnsigned({ tag: s.name, value: { tag: "vote", value: { signedVote } } }));
        return undefined;
      }),
      m("history_size", [], HistorySizeTy, () => s.historySize()),
      m("max_pieces_in_sector", [], u16, () => s.config.maxPiecesInSector),
      m("segment_commitment", [{ name: "segment_index", ty: SegmentIndexTy }], option(SegmentCommitmentTy), (i: bigint) => s.segmentCommitment(i)),
      m("extract_segment_headers", [{ name: "ext", ty: ext }], option(vec(SegmentHeaderTy)), (raw: Uint8Array): SegmentHeader[] | undefined => {
        const c = decodeCall(raw);
        return c && c.tag === s.name && c.value.tag === "store_segment_headers" ? c.value.value.segmentHeaders : undefined;
      }),
      m("is_inherent", [{ name: "ext", ty: ext }], bool, (raw: Uint8Array) => {
        const c = decodeCall(raw);
        if (!c) return false;
        const p = rt.pallets.find(({ pallet }) => pallet.name === c.tag)?.pallet;
        return p?.inherent?.isInherent(c.value) ?? false;
      }),
      m("root_plot_public_key", [], option(PublicKeyTy), () => s.rootPlotPublicKey()),
      m("should_adjust_solution_range", [], bool, () => s.shouldAdjustSolutionRange()),
      m("chain_constants", [], ChainConstantsTy, () => s.chainConstants(d.slotDurationMs)),
      m("block_weight", [], Weight, () => d.blockWeight()),
    ],
  };
}

