/**
 * SCALE codecs of the Proof-of-Time types, byte-exact with autonomys/subspace @72a5aa6f:
 * `PotSeed`/`PotKey`/`PotOutput` ([u8; 16]), `PotCheckpoints` ([PotOutput; 8], no length prefix),
 * `GossipProof` (`sc-proof-of-time/src/source/gossip.rs`), `PotParametersChange`,
 * `PotNextSlotInput`, `PotParameters::V0` and `SubspaceJustification::PotCheckpoints`
 * (`sp-consensus-subspace/src/lib.rs`). `Slot` is a u64, `NonZeroU32` a u32 that must not be 0.
 *
 * scale-ts 1.6.1 is lax (short fixed arrays decode silently, any non-zero Option byte is `Some`), so
 * the `decode*` functions below check lengths, tags and that the input is consumed exactly.
 */
import { Bytes, Struct, Vector, Enum, Option, compact, u32, u64, createDecoder, enhanceCodec, type Codec } from "scale-ts";
import { exactView } from "../../../codec/bytes.ts";
import {
  BLAKE3_HASH_SIZE,
  POT_NUM_CHECKPOINTS,
  POT_OUTPUT_SIZE,
  POT_SEED_SIZE,
  assertLength,
  type PotCheckpoints,
  type PotNextSlotInput,
  type PotOutput,
  type PotParametersChange,
  type PotSeed,
} from "./derivations.ts";

export type PotCodecErrorCode = "POT_CODEC_ERROR_MALFORMED";

/** Malformed PoT wire data (truncated, trailing bytes, zero iterations, unknown variant). */
export class PotCodecError extends Error {
  readonly code: PotCodecErrorCode = "POT_CODEC_ERROR_MALFORMED";
  constructor(message: string) {
    super(message);
    this.name = "PotCodecError";
  }
}

/** A fixed-size byte array whose encoder rejects a wrong length. */
function fixedBytes(size: number, what: string): Codec<Uint8Array> {
  return enhanceCodec(Bytes(size), (v: Uint8Array) => {
    assertLength(v, size, what);
    return v;
  }, (v) => v);
}

/** `sp_consensus_slots::Slot`: u64 on the wire, a safe integer here. */
export const Slot: Codec<number> = enhanceCodec(u64, (v: number) => {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`slot must be a non-negative safe integer, got ${v}`);
  return BigInt(v);
}, (v: bigint) => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PotCodecError(`slot ${v} exceeds the safe integer range`);
  return Number(v);
});

/** `NonZeroU32`. */
export const NonZeroU32: Codec<number> = enhanceCodec(u32, (v: number) => {
  if (!Number.isInteger(v) || v <= 0 || v > 0xffff_ffff) throw new RangeError(`expected a non-zero u32, got ${v}`);
  return v;
}, (v: number) => {
  if (v === 0) throw new PotCodecError("NonZeroU32 is zero");
  return v;
});

export const PotSeedCodec = fixedBytes(POT_SEED_SIZE, "PoT seed");
export const PotKeyCodec = fixedBytes(POT_SEED_SIZE, "PoT key");
export const PotOutputCodec = fixedBytes(POT_OUTPUT_SIZE, "PoT output");
export const Blake3HashCodec = fixedBytes(BLAKE3_HASH_SIZE, "BLAKE3 hash");

/** `PotCheckpoints`: a fixed array of 8 outputs (128 bytes, no length prefix). */
export const PotCheckpointsCodec: Codec<PotCheckpoints> = enhanceCodec(Vector(PotOutputCodec, POT_NUM_CHECKPOINTS), (v: PotCheckpoints) => {
  if (v.length !== POT_NUM_CHECKPOINTS) throw new TypeError(`expected ${POT_NUM_CHECKPOINTS} checkpoints, got ${v.length}`);
  return v as PotOutput[];
}, (v) => v) as unknown as Codec<PotCheckpoints>;

/** A PoT proof as gossiped on `/subspace/subspace-proof-of-time/1` (156 bytes). */
export interface GossipProof {
  readonly slot: number;
  readonly seed: PotSeed;
  readonly slotIterations: number;
  readonly checkpoints: PotCheckpoints;
}

export const GossipProofCodec: Codec<GossipProof> = Struct({
  slot: Slot,
  seed: PotSeedCodec,
  slotIterations: NonZeroU32,
  checkpoints: PotCheckpointsCodec,
});

export const PotParametersChangeCodec: Codec<PotParametersChange> = Struct({
  slot: Slot,
  slotIterations: NonZeroU32,
  entropy: Blake3HashCodec,
});

export const PotNextSlotInputCodec: Codec<PotNextSlotInput> = Struct({
  slot: Slot,
  slotIterations: NonZeroU32,
  seed: PotSeedCodec,
});

/** Strict `Option<T>`: the tag byte must be 0 or 1. */
function strictOption<T>(inner: Codec<T>): Codec<T | undefined> {
  const lax = Option(inner);
  const dec = createDecoder((c: any) => {
    const tag = c[c.i];
    if (tag !== 0 && tag !== 1) throw new PotCodecError(`invalid Option tag ${tag}`);
    return lax[1](c);
  });
  return [lax[0], dec] as unknown as Codec<T | undefined>;
}

/** `PotParameters` (runtime API `pot_parameters`): only `V0 { slot_iterations, next_change }`. */
export interface PotParameters {
  readonly slotIterations: number;
  readonly nextChange: PotParametersChange | undefined;
}

const PotParametersEnum = Enum({
  V0: Struct({ slotIterations: NonZeroU32, nextChange: strictOption(PotParametersChangeCodec) }),
}, [0]);

export const PotParametersCodec: Codec<PotParameters> = enhanceCodec(
  PotParametersEnum,
  (v: PotParameters) => ({ tag: "V0" as const, value: v }),
  (v) => v.value,
);

/**
 * `SubspaceJustification::PotCheckpoints { seed, checkpoints: Vec<PotCheckpoints> }` (index 0): the
 * seed of the first slot after the parent's future proof, and the checkpoints of every slot up to
 * this block's future proof, inclusive.
 */
export interface SubspaceJustificationPotCheckpoints {
  readonly seed: PotSeed;
  readonly checkpoints: readonly PotCheckpoints[];
}

const CHECKPOINTS_SIZE = POT_NUM_CHECKPOINTS * POT_OUTPUT_SIZE;

/** `Vec<PotCheckpoints>` whose decoder refuses a length prefix larger than the remaining input. */
const CheckpointsListCodec: Codec<PotCheckpoints[]> = (() => {
  const lax = Vector(PotCheckpointsCodec);
  const dec = createDecoder((c: any) => {
    const n = Number(compact[1](c));
    if (n * CHECKPOINTS_SIZE > c.length - c.i) throw new PotCodecError(`${n} checkpoints announced, ${c.length - c.i} bytes left`);
    const out: PotCheckpoints[] = [];
    for (let k = 0; k < n; k++) out.push(PotCheckpointsCodec[1](c));
    return out;
  });
  return [lax[0], dec] as unknown as Codec<PotCheckpoints[]>;
})();

const SubspaceJustificationEnum = Enum({
  PotCheckpoints: Struct({ seed: PotSeedCodec, checkpoints: CheckpointsListCodec }),
}, [0]);

export const SubspaceJustificationCodec: Codec<SubspaceJustificationPotCheckpoints> = enhanceCodec(
  SubspaceJustificationEnum,
  (v: SubspaceJustificationPotCheckpoints) => ({ tag: "PotCheckpoints" as const, value: { seed: v.seed, checkpoints: v.checkpoints as PotCheckpoints[] } }),
  (v) => v.value as SubspaceJustificationPotCheckpoints,
);

/** `ConsensusEngineId` of Subspace justifications and digests. */
export const SUBSPACE_ENGINE_ID = new Uint8Array([0x53, 0x55, 0x42, 0x5f]); // b"SUB_"

/**
 * Decodes `bytes` completely with a scale-ts codec: truncated input, trailing bytes, an unknown enum
 * index and scale-ts's own errors all become a `PotCodecError`.
 */
export function decodeExact<T>(codec: Codec<T>, bytes: Uint8Array): T {
  let end = -1;
  const whole = createDecoder((c: any) => {
    const v = codec[1](c);
    end = c.i;
    return v;
  });
  const view = exactView(bytes);
  let value: T;
  try {
    value = whole(view);
  } catch (e) {
    if (e instanceof PotCodecError) throw e;
    throw new PotCodecError(`malformed input: ${(e as Error).message}`);
  }
  // scale-ts reads past the end as zeros/undefined instead of failing: catch it here.
  if (end > view.byteLength) throw new PotCodecError(`truncated input: needed ${end} bytes, got ${view.byteLength}`);
  if (end !== view.byteLength) throw new PotCodecError(`${view.byteLength - end} trailing bytes after a complete value`);
  return value;
}

export const encodeGossipProof = (proof: GossipProof): Uint8Array => GossipProofCodec.enc(proof);
export const decodeGossipProof = (bytes: Uint8Array): GossipProof => decodeExact(GossipProofCodec, bytes);
export const encodePotParametersChange = (change: PotParametersChange): Uint8Array => PotParametersChangeCodec.enc(change);
export const decodePotParametersChange = (bytes: Uint8Array): PotParametersChange => decodeExact(PotParametersChangeCodec, bytes);
export const encodeSubspaceJustification = (j: SubspaceJustificationPotCheckpoints): Uint8Array => SubspaceJustificationCodec.enc(j);
export const decodeSubspaceJustification = (bytes: Uint8Array): SubspaceJustificationPotCheckpoints => decodeExact(SubspaceJustificationCodec, bytes);
export const encodePotParameters = (p: PotParameters): Uint8Array => PotParametersCodec.enc(p);
export const decodePotParameters = (bytes: Uint8Array): PotParameters => decodeExact(PotParametersCodec, bytes);
