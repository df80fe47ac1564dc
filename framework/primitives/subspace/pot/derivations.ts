/**
 * Proof-of-Time types and BLAKE3 derivations, as `subspace-core-primitives/src/pot.rs`,
 * `subspace-core-primitives/src/lib.rs` (`Randomness`) and `sp-consensus-subspace/src/lib.rs`
 * (`PotNextSlotInput::derive`, `PotParametersChange`) of autonomys/subspace @72a5aa6f.
 *
 * Values are plain byte arrays; every function checks its input lengths and returns fresh arrays.
 * Slots are `number` (u64 on the wire; a safe integer here, checked where it enters).
 */
// PERF: hashing.ts, not crypto/index.ts: the signature libraries behind the index add ≈ 0.8 s to
// every worker thread that loads the prover.
import { blake3, blake3Concat } from "../../../crypto/hashing.ts";
import { utf8 } from "../../../codec/bytes.ts";

/** `PotSeed::SIZE`, `PotKey::SIZE`, `PotOutput::SIZE`. */
export const POT_SEED_SIZE = 16;
export const POT_KEY_SIZE = 16;
export const POT_OUTPUT_SIZE = 16;
/** `PotCheckpoints::NUM_CHECKPOINTS`. */
export const POT_NUM_CHECKPOINTS = 8;
/** `Randomness::SIZE` and `Blake3Hash` length. */
export const RANDOMNESS_SIZE = 32;
export const BLAKE3_HASH_SIZE = 32;

/** Input of the AES chain for one slot (16 bytes). */
export type PotSeed = Uint8Array;
/** AES-128 key of a slot: `blake3(seed)[..16]`. */
export type PotKey = Uint8Array;
/** A checkpoint or a slot's output (16 bytes). */
export type PotOutput = Uint8Array;
/** The 8 checkpoints of a slot; the output is the last one. */
export type PotCheckpoints = readonly PotOutput[];

/** Change of PoT parameters at a target slot (`PotParametersChange`). */
export interface PotParametersChange {
  /** Slot at which the change takes effect. */
  readonly slot: number;
  /** New `slot_iterations` from that slot on. */
  readonly slotIterations: number;
  /** 32-byte BLAKE3 hash mixed into the seed of exactly `slot`. */
  readonly entropy: Uint8Array;
}

/** What the chain proves next (`PotNextSlotInput`). */
export interface PotNextSlotInput {
  readonly slot: number;
  readonly slotIterations: number;
  readonly seed: PotSeed;
}

export function assertLength(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new TypeError(`${what} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
}

export function assertSlot(slot: number): void {
  if (!Number.isSafeInteger(slot) || slot < 0) throw new RangeError(`slot must be a non-negative safe integer, got ${slot}`);
}

/** `PotSeed::key()`: the AES-128 key is the first 16 bytes of `blake3(seed)`. */
export function potKey(seed: PotSeed): PotKey {
  assertLength(seed, POT_SEED_SIZE, "PoT seed");
  return blake3(seed).slice(0, POT_KEY_SIZE);
}

/**
 * `PotSeed::from_genesis(genesis_hash, external_entropy)` = `blake3(genesis_hash ‖ entropy)[..16]`.
 * A string is taken as its UTF-8 bytes, never hex-decoded (`subspace-node/src/main.rs`,
 * `derive_pot_external_entropy`); a missing entropy is the empty string.
 */
export function genesisSeed(genesisHash: Uint8Array, externalEntropy: string | Uint8Array = ""): PotSeed {
  assertLength(genesisHash, 32, "genesis hash");
  const entropy = typeof externalEntropy === "string" ? utf8(externalEntropy) : externalEntropy;
  return blake3Concat(genesisHash, entropy).slice(0, POT_SEED_SIZE);
}

/** `PotOutput::seed()`: the next seed is the output itself (a copy, also when given a Buffer). */
export function seedFromOutput(output: PotOutput): PotSeed {
  assertLength(output, POT_OUTPUT_SIZE, "PoT output");
  return new Uint8Array(output);
}

/** `PotOutput::seed_with_entropy(entropy)` = `blake3(entropy ‖ output)[..16]`. */
export function seedWithEntropy(output: PotOutput, entropy: Uint8Array): PotSeed {
  assertLength(output, POT_OUTPUT_SIZE, "PoT output");
  assertLength(entropy, BLAKE3_HASH_SIZE, "entropy");
  return blake3Concat(entropy, output).slice(0, POT_SEED_SIZE);
}

/** `PotOutput::derive_global_randomness()` = `blake3(output)` (32 bytes). */
export function deriveGlobalRandomness(output: PotOutput): Uint8Array {
  assertLength(output, POT_OUTPUT_SIZE, "PoT output");
  return blake3(output);
}

/** `Randomness::derive_global_challenge(slot)` = `blake3(randomness ‖ slot as u64 LE)`. */
export function deriveGlobalChallenge(randomness: Uint8Array, slot: number | bigint): Uint8Array {
  assertLength(randomness, RANDOMNESS_SIZE, "global randomness");
  const s = BigInt(slot);
  if (s < 0n || s > 0xffff_ffff_ffff_ffffn) throw new RangeError(`slot out of u64 range: ${slot}`);
  const le = new Uint8Array(8);
  new DataView(le.buffer).setBigUint64(0, s, true);
  return blake3Concat(randomness, le);
}

/**
 * `PotNextSlotInput::derive`: the input of `parentSlot + 1`. A parameters change whose slot is at
 * or before that slot sets the iterations; its entropy is mixed in only when it targets exactly
 * that slot. `baseSlotIterations` is the count in force after any earlier change.
 */
export function deriveNextSlotInput(
  baseSlotIterations: number,
  parentSlot: number,
  parentOutput: PotOutput,
  parametersChange?: PotParametersChange | null,
): PotNextSlotInput {
  assertSlot(parentSlot);
  const slot = parentSlot + 1;
  if (parametersChange && parametersChange.slot <= slot) {
    const seed = parametersChange.slot === slot
      ? seedWithEntropy(parentOutput, parametersChange.entropy)
      : seedFromOutput(parentOutput);
    return { slot, slotIterations: parametersChange.slotIterations, seed };
  }
  return { slot, slotIterations: baseSlotIterations, seed: seedFromOutput(parentOutput) };
}

/** The output of a slot: its last checkpoint (`PotCheckpoints::output()`). */
export function checkpointsOutput(checkpoints: PotCheckpoints): PotOutput {
  if (checkpoints.length !== POT_NUM_CHECKPOINTS) throw new TypeError(`expected ${POT_NUM_CHECKPOINTS} checkpoints, got ${checkpoints.length}`);
  return checkpoints[POT_NUM_CHECKPOINTS - 1]!;
}

/** The 8 checkpoints as one 128-byte array (the SCALE form of `PotCheckpoints`). */
export function concatCheckpoints(checkpoints: PotCheckpoints): Uint8Array {
  checkpointsOutput(checkpoints);
  const out = new Uint8Array(POT_NUM_CHECKPOINTS * POT_OUTPUT_SIZE);
  checkpoints.forEach((c, i) => {
    assertLength(c, POT_OUTPUT_SIZE, "checkpoint");
    out.set(c, i * POT_OUTPUT_SIZE);
  });
  return out;
}

/** Splits 128 bytes into 8 checkpoints (copies). */
export function splitCheckpoints(bytes: Uint8Array): PotCheckpoints {
  assertLength(bytes, POT_NUM_CHECKPOINTS * POT_OUTPUT_SIZE, "checkpoints");
  return Array.from({ length: POT_NUM_CHECKPOINTS }, (_, i) => new Uint8Array(bytes.subarray(i * POT_OUTPUT_SIZE, (i + 1) * POT_OUTPUT_SIZE)));
}
