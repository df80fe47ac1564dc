/**
 * Proof-of-Time proving and verification (`crates/subspace-proof-of-time/src/{lib,aes}.rs`).
 *
 * The chain: `key = blake3(seed)[..16]`, `x_0 = seed`, `x_{i+1} = AES-128-Encrypt(key, x_i)`.
 * A slot runs `slot_iterations` steps (a positive multiple of 16, a u32) and records 8 checkpoints,
 * checkpoint `i` being `x_{(i+1)·slot_iterations/8}`; the output is checkpoint 7.
 *
 * How it is computed: AES-128-CBC over zero plaintext blocks with IV `x_0` yields
 * `c_j = E(k, 0 ⊕ c_{j−1}) = E(k, c_{j−1})`, i.e. exactly `x_1, x_2, …`. One long-lived cipher object
 * fed fixed-size zero chunks keeps OpenSSL's AES-NI loop busy; only the last block of each chunk is
 * looked at.
 * PERF: 32 KiB chunks ≈ 100 M iterations/s on the project machine (Zen 4, node 20), against
 * ≈ 125 M/s for `openssl speed -evp aes-128-cbc` and ≈ 1.5 M/s for one `update()` per block; the gap
 * is the output Buffer Node allocates per `update()` (see test/bench/pot.bench.ts).
 *
 * Verification re-runs each checkpoint interval forward from the previous checkpoint (the seed for
 * the first) and compares. Intervals are independent, so the node runs them on worker threads
 * (node/consensus/timekeeper/potVerifierPool.ts); here they run one after another with an early
 * exit. The reference additionally meets in the middle with AES decryption, which Node cannot
 * chain fast (CBC decryption has no serial dependency to exploit).
 *
 * Pure computation: no I/O, timers or workers.
 */
import { createCipheriv, type Cipher } from "node:crypto";
import {
  POT_NUM_CHECKPOINTS,
  POT_OUTPUT_SIZE,
  POT_SEED_SIZE,
  POT_KEY_SIZE,
  assertLength,
  potKey,
  type PotCheckpoints,
  type PotKey,
  type PotOutput,
  type PotSeed,
} from "./derivations.ts";

/** Zero bytes fed to the cipher per `update()`. PERF: 16–64 KiB are within noise of each other (≈ 100 M it/s); 1 MiB drops to ≈ 80 M it/s. */
export const POT_CHUNK_BYTES = 32 * 1024;
/** `slot_iterations` must be a multiple of this (checkpoints × 2). */
export const POT_ITERATIONS_MULTIPLE = POT_NUM_CHECKPOINTS * 2;
const U32_MAX = 0xffff_ffff;

const DEFAULT_ZEROS = Buffer.alloc(POT_CHUNK_BYTES);

export type PotErrorCode = "POT_ERROR_INVALID_ITERATIONS";

/** Misuse of the prover (`PotError::NotMultipleOfCheckpoints` and non-positive counts). */
export class PotError extends Error {
  constructor(readonly code: PotErrorCode, message: string) {
    super(message);
    this.name = "PotError";
  }
}

export interface ChainOptions {
  /** Bytes of zeros per cipher `update()` (a positive multiple of 16). Tests shrink it to cross many chunk boundaries. */
  readonly chunkBytes?: number;
  /** Called after every chunk; the node uses it to recycle output buffers (see node/consensus/timekeeper/chunkGc.ts). */
  readonly onChunk?: () => void;
}

export interface VerifyIntervalOptions extends ChainOptions {
  /** Polled between chunks; returning `true` stops the interval early and makes it fail. */
  readonly shouldAbort?: () => boolean;
}

/** A positive u32 multiple of 16: a `slot_iterations` the chain accepts. */
export function isValidSlotIterations(slotIterations: number): boolean {
  return Number.isInteger(slotIterations) && slotIterations > 0 && slotIterations <= U32_MAX
    && slotIterations % POT_ITERATIONS_MULTIPLE === 0;
}

function zerosFor(opts: ChainOptions | undefined): Buffer {
  const size = opts?.chunkBytes;
  if (size === undefined || size === POT_CHUNK_BYTES) return DEFAULT_ZEROS;
  if (!Number.isInteger(size) || size <= 0 || size % 16 !== 0) throw new RangeError(`chunkBytes must be a positive multiple of 16, got ${size}`);
  return Buffer.alloc(size);
}

function chainCipher(key: PotKey, start: Uint8Array): Cipher {
  assertLength(key, POT_KEY_SIZE, "PoT key");
  assertLength(start, 16, "AES block");
  const cipher = createCipheriv("aes-128-cbc", key, start);
  cipher.setAutoPadding(false);
  return cipher;
}

/**
 * Advances the chain held by `cipher` by `iterations` (> 0) steps and returns a view of the last
 * block, or `null` when `shouldAbort` stopped it.
 */
function advance(cipher: Cipher, zeros: Buffer, iterations: number, shouldAbort?: () => boolean, onChunk?: () => void): Buffer | null {
  let left = iterations * 16;
  let out: Buffer | null = null;
  const full = zeros.length;
  while (left > 0) {
    const n = left < full ? left : full;
    out = cipher.update(n === full ? zeros : zeros.subarray(0, n));
    left -= n;
    if (onChunk !== undefined) onChunk();
    if (shouldAbort !== undefined && left > 0 && shouldAbort()) return null;
  }
  return out!.subarray(out!.length - 16);
}

/** `iterations` AES-128 encryptions of `block` under `key` (0 returns a copy of `block`). */
export function aesChain(key: PotKey, block: Uint8Array, iterations: number, opts?: ChainOptions): Uint8Array {
  if (!Number.isSafeInteger(iterations) || iterations < 0) throw new RangeError(`iterations must be a non-negative integer, got ${iterations}`);
  const cipher = chainCipher(key, block);
  if (iterations === 0) return new Uint8Array(block);
  return new Uint8Array(advance(cipher, zerosFor(opts), iterations, undefined, opts?.onChunk)!);
}

function assertSlotIterations(slotIterations: number): void {
  if (!isValidSlotIterations(slotIterations)) {
    throw new PotError("POT_ERROR_INVALID_ITERATIONS",
      `slot iterations ${slotIterations} must be a positive u32 multiple of ${POT_ITERATIONS_MULTIPLE} (checkpoints × 2)`);
  }
}

/**
 * `subspace_proof_of_time::prove`: runs the chain from `seed` for `slotIterations` steps and returns
 * the 8 checkpoints. Throws `PotError` when `slotIterations` is not a positive u32 multiple of 16.
 */
export function prove(seed: PotSeed, slotIterations: number, opts?: ChainOptions): PotCheckpoints {
  assertLength(seed, POT_SEED_SIZE, "PoT seed");
  assertSlotIterations(slotIterations);
  return proveWithKey(seed, potKey(seed), slotIterations / POT_NUM_CHECKPOINTS, opts);
}

/** The chain of `prove` with an explicit key (the reference's `aes::create`). */
export function proveWithKey(seed: PotSeed, key: PotKey, checkpointIterations: number, opts?: ChainOptions): PotCheckpoints {
  if (!Number.isSafeInteger(checkpointIterations) || checkpointIterations <= 0) throw new RangeError(`checkpoint iterations must be positive, got ${checkpointIterations}`);
  const zeros = zerosFor(opts);
  const cipher = chainCipher(key, seed);
  const checkpoints: PotOutput[] = [];
  for (let i = 0; i < POT_NUM_CHECKPOINTS; i++) checkpoints.push(new Uint8Array(advance(cipher, zeros, checkpointIterations, undefined, opts?.onChunk)!));
  return checkpoints;
}

/**
 * One checkpoint interval: true when `checkpointIterations` encryptions of `input` under `key` give
 * `expected`. False as well when `shouldAbort` stops it.
 */
export function verifyCheckpointInterval(
  key: PotKey,
  input: Uint8Array,
  expected: Uint8Array,
  checkpointIterations: number,
  opts?: VerifyIntervalOptions,
): boolean {
  assertLength(expected, POT_OUTPUT_SIZE, "checkpoint");
  if (!Number.isSafeInteger(checkpointIterations) || checkpointIterations <= 0) return false;
  const last = advance(chainCipher(key, input), zerosFor(opts), checkpointIterations, opts?.shouldAbort, opts?.onChunk);
  return last !== null && last.equals(expected);
}

/** Well-formed checkpoints: exactly 8 outputs of 16 bytes. */
export function isWellFormedCheckpoints(checkpoints: PotCheckpoints): boolean {
  return Array.isArray(checkpoints) && checkpoints.length === POT_NUM_CHECKPOINTS
    && checkpoints.every((c) => c instanceof Uint8Array && c.length === POT_OUTPUT_SIZE);
}

/**
 * `subspace_proof_of_time::verify` on one thread: each interval is re-run from the previous
 * checkpoint (the seed for the first), stopping at the first mismatch. Returns false, rather than
 * throwing, for iterations that are not a positive u32 multiple of 16 and for a malformed list.
 */
export function verifyCheckpoints(seed: PotSeed, slotIterations: number, checkpoints: PotCheckpoints, opts?: VerifyIntervalOptions): boolean {
  assertLength(seed, POT_SEED_SIZE, "PoT seed");
  if (!isValidSlotIterations(slotIterations) || !isWellFormedCheckpoints(checkpoints)) return false;
  const key = potKey(seed);
  const ci = slotIterations / POT_NUM_CHECKPOINTS;
  for (let i = 0; i < POT_NUM_CHECKPOINTS; i++) {
    if (!verifyCheckpointInterval(key, i === 0 ? seed : checkpoints[i - 1]!, checkpoints[i]!, ci, opts)) return false;
  }
  return true;
}
