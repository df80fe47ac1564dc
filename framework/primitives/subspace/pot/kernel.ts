/**
 * Proof-of-Time through an AES kernel: the contract of the native addon (native/pot/, loaded by
 * node/consensus/timekeeper/nativeAes.ts) and the protocol rules around it. The kernel is passed
 * in, so this module stays pure (no loading, no I/O); results are identical to `prove` and
 * `verifyCheckpoints` of ./prover.ts (test/unit/pot/native.test.ts).
 *
 * Verification meets in the middle, as the reference (`aes.rs`, `verify_sequential`): the 8
 * intervals run as 16 lanes on one core, 8 encrypting forward `n/2` steps from the seed and the
 * first 7 checkpoints, 8 decrypting backward `n/2` steps from the 8 claimed checkpoints; interval
 * `i` holds when its two lanes meet. One chain is latency-bound while the AES units can start
 * several rounds per cycle, so 16 interleaved lanes cost about one proving's worth of AES rounds
 * at the units' throughput instead of their latency.
 */
import {
  POT_NUM_CHECKPOINTS,
  POT_SEED_SIZE,
  assertLength,
  potKey,
  type PotCheckpoints,
  type PotKey,
  type PotSeed,
} from "./derivations.ts";
import { PotError, isValidSlotIterations, isWellFormedCheckpoints, POT_ITERATIONS_MULTIPLE } from "./prover.ts";

/** What an AES kernel provides (native/pot/src/binding.c). Both calls run synchronously. */
export interface PotAesKernel {
  /** `count` checkpoints, each `iterations` (> 0) encryptions after the previous one (the first after `seed`), concatenated. */
  prove(key: PotKey, seed: Uint8Array, iterations: number, count: number): Uint8Array;
  /** True when `iterations` encryptions of every 16-byte lane of `starts` give the same lane of `ends`. */
  verify(key: PotKey, starts: Uint8Array, ends: Uint8Array, iterations: number): boolean;
}

/** `prove` of ./prover.ts on a kernel; throws `PotError` for iterations that are not a positive u32 multiple of 16. */
export function proveWithKernel(kernel: PotAesKernel, seed: PotSeed, slotIterations: number): PotCheckpoints {
  assertLength(seed, POT_SEED_SIZE, "PoT seed");
  if (!isValidSlotIterations(slotIterations)) {
    throw new PotError("POT_ERROR_INVALID_ITERATIONS",
      `slot iterations ${slotIterations} must be a positive u32 multiple of ${POT_ITERATIONS_MULTIPLE} (checkpoints × 2)`);
  }
  const flat = kernel.prove(potKey(seed), seed, slotIterations / POT_NUM_CHECKPOINTS, POT_NUM_CHECKPOINTS);
  return Array.from({ length: POT_NUM_CHECKPOINTS }, (_, i) => flat.slice(16 * i, 16 * i + 16));
}

/** Lanes for `verifyIntervalsWithKernel`: starts = seed ‖ checkpoints[0..6], ends = checkpoints[0..7]. */
export function checkpointLanes(seed: PotSeed, checkpoints: PotCheckpoints): { starts: Uint8Array; ends: Uint8Array } {
  const n = checkpoints.length;
  const starts = new Uint8Array(16 * n);
  const ends = new Uint8Array(16 * n);
  for (let i = 0; i < n; i++) {
    starts.set(i === 0 ? seed : checkpoints[i - 1]!, 16 * i);
    ends.set(checkpoints[i]!, 16 * i);
  }
  return { starts, ends };
}

/**
 * `verifyCheckpoints` of ./prover.ts on a kernel, all intervals at once. Returns false, rather
 * than throwing, for iterations that are not a positive u32 multiple of 16 and a malformed list.
 */
export function verifyCheckpointsWithKernel(kernel: PotAesKernel, seed: PotSeed, slotIterations: number, checkpoints: PotCheckpoints): boolean {
  assertLength(seed, POT_SEED_SIZE, "PoT seed");
  if (!isValidSlotIterations(slotIterations) || !isWellFormedCheckpoints(checkpoints)) return false;
  const { starts, ends } = checkpointLanes(seed, checkpoints);
  return kernel.verify(potKey(seed), starts, ends, slotIterations / POT_NUM_CHECKPOINTS);
}
