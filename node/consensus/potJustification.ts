/**
 * PoT justifications of blocks (`SubspaceJustification::PotCheckpoints`): the checkpoints of every
 * slot after the parent's future proof of time up to this block's future proof of time, with the
 * seed of the first. Authoring attaches them; import verifies the chain of slots (each slot's seed
 * derived from the previous output, entropy injected where the parent state schedules it), every
 * slot's checkpoints, and that the block's proof of time and future proof of time are on it.
 */
import { concatBytes, equalBytes, toHex } from "../../framework/codec/bytes.ts";
import { encodeCompact, decodePrefix, compactU32 } from "../../framework/codec/ty.ts";
import {
  encodeSubspaceJustification, decodeSubspaceJustification, deriveNextSlotInput, checkpointsOutput, verifyCheckpoints,
  type PotCheckpoints, type PotSeed, type PotParametersChange,
} from "../../framework/primitives/subspace/pot/index.ts";
import { verifyCheckpointsWithKernel } from "../../framework/primitives/subspace/pot/kernel.ts";
import { loadNativePot } from "./timekeeper/nativeAes.ts";

const SUB_ENGINE = Uint8Array.from([0x53, 0x55, 0x42, 0x5f]);

/** SCALE `Justifications` = `Vec<(ConsensusEngineId, Vec<u8>)>` with one Subspace entry. */
export function encodeJustifications(seed: PotSeed, checkpoints: readonly PotCheckpoints[]): Uint8Array {
  const j = encodeSubspaceJustification({ seed, checkpoints });
  return concatBytes(encodeCompact(1), SUB_ENGINE, encodeCompact(j.length), j);
}

/** The Subspace justification in SCALE `Justifications`, if any. */
export function subspaceJustificationOf(justifications: Uint8Array | undefined): { seed: PotSeed; checkpoints: readonly PotCheckpoints[] } | undefined {
  if (!justifications || justifications.length === 0) return undefined;
  let [n, off] = decodePrefix(compactU32, justifications);
  for (let i = 0; i < n; i++) {
    const engine = justifications.subarray(off, off + 4);
    const [len, used] = decodePrefix(compactU32, justifications.subarray(off + 4));
    const body = justifications.subarray(off + 4 + used, off + 4 + used + len);
    if (body.length !== len) throw new Error("truncated justifications");
    if (equalBytes(engine, SUB_ENGINE)) return decodeSubspaceJustification(body.slice());
    off += 4 + used + len;
  }
  return undefined;
}

/** JSON of `chain_getBlock`'s `justifications`: `[[engineIdHex, bytesHex]]`. */
export function justificationsJson(justifications: Uint8Array | undefined): [string, string][] | null {
  if (!justifications || justifications.length === 0) return null;
  const out: [string, string][] = [];
  let [n, off] = decodePrefix(compactU32, justifications);
  for (let i = 0; i < n; i++) {
    const engine = justifications.subarray(off, off + 4);
    const [len, used] = decodePrefix(compactU32, justifications.subarray(off + 4));
    out.push([toHex(engine), toHex(justifications.subarray(off + 4 + used, off + 4 + used + len))]);
    off += 4 + used + len;
  }
  return out;
}

export interface PotChainContext {
  /** The slot whose output precedes the justified slots (the parent's future slot; 0 at genesis). */
  parentFutureSlot: number;
  /** That slot's output (undefined at genesis, where the genesis seed starts the chain). */
  parentFutureOutput?: Uint8Array;
  genesisSeed: PotSeed;
  slotIterations: number;
  parametersChange?: PotParametersChange | null;
  /** The block's slot and PoT outputs. */
  slot: number;
  proofOfTime: Uint8Array;
  futureSlot: number;
  futureProofOfTime: Uint8Array;
  /**
   * Verify every slot's checkpoints (default). Without it (a block not sampled during deep sync),
   * only the slots after the block's own are verified, and the first seed and the block's proofs of
   * time must be on the justified chain.
   */
  fullVerification?: boolean;
}

/**
 * Whether a block `syncTarget − blockNumber` blocks behind the sync target gets its PoT checkpoints
 * verified in full (`full_pot_verification` in sc-consensus-subspace): always within 1,581 blocks;
 * further back with probability sampleSize/(d + 1), the sample size keeping the expected number of
 * fully verified blocks per range bounded.
 */
export function fullPotVerification(syncTarget: number, blockNumber: number, random: () => number = Math.random): boolean {
  const d = syncTarget - blockNumber;
  if (d <= 1_581) return true;
  const sampleSize = d <= 6_234 ? 1_581 : d <= 63_240 ? Math.floor((3_162 * (d - 3_162)) / (d - 1)) : d <= 3_162_000 ? 3_162 : Math.floor(d / 1_000);
  // n uniform in 0..=d.
  return Math.floor(random() * (d + 1)) < sampleSize;
}

/** Verifies a justification against the chain context; returns an error message or undefined. */
export function verifyPotJustification(j: { seed: PotSeed; checkpoints: readonly PotCheckpoints[] }, c: PotChainContext): string | undefined {
  const expectedSlots = c.futureSlot - c.parentFutureSlot;
  if (j.checkpoints.length !== expectedSlots) return `justification has ${j.checkpoints.length} slots of checkpoints, expected ${expectedSlots}`;
  const kernel = loadNativePot();
  let input = c.parentFutureOutput
    ? deriveNextSlotInput(c.slotIterations, c.parentFutureSlot, c.parentFutureOutput, c.parametersChange)
    : { slot: 1, slotIterations: c.parametersChange && c.parametersChange.slot <= 1 ? c.parametersChange.slotIterations : c.slotIterations, seed: c.genesisSeed };
  if (!equalBytes(input.seed, j.seed)) return "justification seed does not follow the parent's proof of time";
  for (let i = 0; i < j.checkpoints.length; i++) {
    const cps = j.checkpoints[i]!;
    // The slots after the block's own, up to its future proof of time, are verified always (as the
    // reference's `is_output_valid` from the proof of time to the future one); the rest when sampled.
    if (c.fullVerification !== false || input.slot > c.slot) {
      const ok = kernel ? verifyCheckpointsWithKernel(kernel, input.seed, input.slotIterations, cps) : verifyCheckpoints(input.seed, input.slotIterations, cps);
      if (!ok) return `invalid PoT checkpoints for slot ${input.slot}`;
    }
    const output = checkpointsOutput(cps);
    if (input.slot === c.slot && !equalBytes(output, c.proofOfTime)) return `proof of time of slot ${c.slot} is not on the justified chain`;
    if (input.slot === c.futureSlot && !equalBytes(output, c.futureProofOfTime)) return `future proof of time of slot ${c.futureSlot} is not on the justified chain`;
    input = deriveNextSlotInput(input.slotIterations, input.slot, output, c.parametersChange);
  }
  return undefined;
}
