/**
 * The Proof-of-Time timekeeper (`sc-proof-of-time/src/source{,/timekeeper,/state}.rs`): proves the
 * PoT chain slot after slot on a dedicated worker thread, so the main event loop only handles one
 * small message per slot, and emits one `slot` event per slot for the slot worker and gossip.
 *
 * State lives here, on the main thread: the next slot input, the pending `PotParametersChange`, a
 * bounded cache of recent slots and a bounded cache of verified checkpoints keyed by
 * (seed, iterations) like the reference's `PotVerifier`. The worker derives each next input itself
 * and is restarted (a new generation) only when the chain it follows changes: a proof from
 * elsewhere moved the chain ahead, a block import (`update`) moved or reorganised it, or a
 * parameters change altered the input it is proving.
 *
 * Dev iterations. PERF: the prover runs ≈ 100 M AES iterations/s per core on the project machine
 * (2-core AMD EPYC Zen 4, node 20; test/bench/pot.bench.ts), against 100,000,000 for the
 * reference's `--dev` chain (≈ 1 s there). DEV_POT_SLOT_ITERATIONS = 50,000,000 takes ≈ 0.5 s here;
 * with `minSlotIntervalMs: 1000` slots come once a second and the timekeeper keeps about half of
 * one core, leaving the other core and a half to block production, import and farming.
 */
import { EventEmitter } from "node:events";
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import {
  POT_SEED_SIZE,
  assertLength,
  assertSlot,
  checkpointsOutput,
  deriveNextSlotInput,
  isValidSlotIterations,
  isWellFormedCheckpoints,
  splitCheckpoints,
  type GossipProof,
  type PotCheckpoints,
  type PotNextSlotInput,
  type PotOutput,
  type PotParametersChange,
  type PotSeed,
} from "../../../framework/primitives/subspace/pot/index.ts";
import { equalBytes, toHex } from "../../../framework/codec/bytes.ts";
import { PotVerifierPool, type PotCheckpointsVerifier } from "./potVerifierPool.ts";
import { spawnTsWorker } from "./tsWorker.ts";
import { resolvePotBackend, type PotBackendName } from "./nativeAes.ts";
import type { FromProver, ProverProof, ProverWorkerData, ToProver } from "./proverWorker.ts";

/** `pot_slot_iterations` for dev chain specs: ≈ 0.5 s of proving on the project machine (see above). */
export const DEV_POT_SLOT_ITERATIONS = 50_000_000;
/** Pacing for dev chains: one slot per second at most. */
export const DEV_MIN_SLOT_INTERVAL_MS = 1_000;
/** Gossip accepts proofs at most this many slots ahead (`sc-proof-of-time` gossip). */
export const DEFAULT_MAX_SLOTS_AHEAD = 10;

/** One proven slot, as emitted by the `slot` event. */
export interface PotSlotInfo {
  readonly slot: number;
  readonly seed: PotSeed;
  readonly slotIterations: number;
  readonly checkpoints: PotCheckpoints;
  /** The last checkpoint; the next slot's seed unless entropy is injected there. */
  readonly output: PotOutput;
  /** `local`: proven by this timekeeper; `external`: a verified proof from elsewhere. */
  readonly source: "local" | "external";
}

export interface TimekeeperOptions {
  /** Seed of `startSlot` (the genesis seed when starting at slot 1). */
  readonly genesisSeed: PotSeed;
  /** `slot_iterations` of `startSlot`: a positive u32 multiple of 16. */
  readonly slotIterations: number;
  /** First slot to prove (default 1: the slot after genesis, as the reference). */
  readonly startSlot?: number;
  /** Pending parameters change, if the runtime already announced one. */
  readonly parametersChange?: PotParametersChange | null;
  /** Called for every slot, like a `slot` listener. */
  readonly onSlot?: (info: PotSlotInfo) => void;
  /** Recent slots kept for `proofFor` (default 256). */
  readonly cacheSize?: number;
  /** Verified (seed, iterations) → checkpoints kept for skipping ahead (default 128). */
  readonly verifiedCacheSize?: number;
  /** Slots start at least this far apart; 0 (default) proves back to back as the reference. */
  readonly minSlotIntervalMs?: number;
  /** Verifies submitted proofs; by default a PotVerifierPool owned by the timekeeper. */
  readonly verifier?: PotCheckpointsVerifier;
  /** Threads of the owned verifier pool (default: cores − 1, at least 1, at most 8). */
  readonly verifierThreads?: number;
  /** AES backend of the prover worker and the owned verifier pool (default: `resolvePotBackend()`). */
  readonly backend?: PotBackendName;
  /** `submitProof` refuses proofs further ahead than this (default 10). */
  readonly maxSlotsAhead?: number;
}

/** What `submitProof` did with a proof. */
export type SubmitProofOutcome =
  /** Verified and the chain advanced through it (perhaps further, through queued proofs). */
  | "accepted"
  /** Verified and kept; the chain will skip through it once it reaches its seed. */
  | "queued"
  /** The slot is already behind the chain. */
  | "stale"
  /** More than `maxSlotsAhead` slots ahead. */
  | "too-far-ahead"
  /** Bad checkpoints, malformed, or the next slot with a seed or iterations the chain does not expect. */
  | "invalid";

export interface SubmitProofOptions {
  /** The caller already verified the checkpoints (e.g. a block import); skip re-verification. */
  readonly verified?: boolean;
}

/** A trusted chain tip, from block import: the reference's `PotState::update`. */
export interface PotChainTip {
  readonly slot: number;
  readonly output: PotOutput;
  /** `undefined` keeps the pending change; `null` clears it. */
  readonly parametersChange?: PotParametersChange | null;
}

export type TimekeeperErrorCode = "TIMEKEEPER_ERROR_WORKER";

export class TimekeeperError extends Error {
  constructor(readonly code: TimekeeperErrorCode, message: string) {
    super(message);
    this.name = "TimekeeperError";
  }
}

interface TimekeeperEvents {
  slot: [PotSlotInfo];
  error: [TimekeeperError];
  stop: [];
}

const WORKER_ENTRY = new URL("./proverWorker.ts", import.meta.url);
const verifiedKey = (seed: PotSeed, slotIterations: number): string => `${toHex(seed)}:${slotIterations}`;

export class Timekeeper extends EventEmitter<TimekeeperEvents> {
  private next: PotNextSlotInput;
  private parametersChange: PotParametersChange | null;
  private readonly recent = new Map<number, PotSlotInfo>();
  private readonly verified = new Map<string, PotCheckpoints>();
  private latestInfo: PotSlotInfo | undefined;
  private lastEmittedSlot = -1;
  private worker: Worker | null = null;
  private generation = 0;
  private ownedVerifier: PotVerifierPool | null = null;
  private readonly cacheSize: number;
  private readonly verifiedCacheSize: number;
  private readonly minSlotIntervalMs: number;
  private readonly maxSlotsAhead: number;
  private readonly verifier: PotCheckpointsVerifier | undefined;
  private readonly verifierThreads: number | undefined;
  /** The AES backend proving (and verifying, with the owned pool): native when it loads. */
  readonly backend: PotBackendName;
  /** Last proving time reported by the worker, in milliseconds. */
  lastProvingMs: number | undefined;
  /** Why the worker stopped, if it failed (also emitted as `error` when someone listens). */
  lastError: TimekeeperError | undefined;

  constructor(opts: TimekeeperOptions) {
    super();
    assertLength(opts.genesisSeed, POT_SEED_SIZE, "genesis seed");
    if (!isValidSlotIterations(opts.slotIterations)) throw new RangeError(`slotIterations must be a positive u32 multiple of 16, got ${opts.slotIterations}`);
    const startSlot = opts.startSlot ?? 1;
    assertSlot(startSlot);
    this.parametersChange = opts.parametersChange ?? null;
    this.next = { slot: startSlot, slotIterations: opts.slotIterations, seed: new Uint8Array(opts.genesisSeed) };
    if (this.parametersChange && this.parametersChange.slot <= startSlot) {
      this.next = { ...this.next, slotIterations: this.parametersChange.slotIterations };
    }
    this.cacheSize = positive(opts.cacheSize ?? 256, "cacheSize");
    this.verifiedCacheSize = positive(opts.verifiedCacheSize ?? 128, "verifiedCacheSize");
    this.minSlotIntervalMs = Math.max(0, opts.minSlotIntervalMs ?? 0);
    this.maxSlotsAhead = positive(opts.maxSlotsAhead ?? DEFAULT_MAX_SLOTS_AHEAD, "maxSlotsAhead");
    this.verifier = opts.verifier;
    this.verifierThreads = opts.verifierThreads;
    this.backend = resolvePotBackend(opts.backend);
    if (opts.onSlot) this.on("slot", opts.onSlot);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Starts proving from the next slot input on a new worker thread. Idempotent. */
  start(): void {
    if (this.worker) return;
    const worker = spawnTsWorker(WORKER_ENTRY, { backend: this.backend } satisfies ProverWorkerData, { name: "pot-timekeeper" });
    this.worker = worker;
    worker.on("message", (m: FromProver) => this.onWorkerMessage(worker, m));
    worker.on("error", (e) => this.fail(worker, `timekeeper worker failed: ${e.message}`));
    worker.on("exit", (code) => {
      if (this.worker === worker) this.fail(worker, `timekeeper worker exited with code ${code}`);
    });
    this.restartWorker();
  }

  /** Terminates the worker (and the owned verifier pool) and ends `slots()` iterators. State is kept, so `start()` resumes. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.generation++;
    const pool = this.ownedVerifier;
    this.ownedVerifier = null;
    await Promise.all([worker?.terminate(), pool?.close()]);
    if (worker) this.emit("stop");
  }

  /** The most recent slot, if any. */
  latest(): PotSlotInfo | undefined {
    return this.latestInfo;
  }

  /** A recent slot from the bounded cache. */
  proofFor(slot: number): PotSlotInfo | undefined {
    return this.recent.get(slot);
  }

  /** What the chain proves next. */
  nextSlotInput(): PotNextSlotInput {
    return { ...this.next, seed: new Uint8Array(this.next.seed) };
  }

  /** The pending parameters change, if any. */
  pendingParametersChange(): PotParametersChange | null {
    return this.parametersChange;
  }

  /**
   * Takes a proof from elsewhere (gossip, a block justification). It is verified (unless the caller
   * says it already was) and kept by (seed, iterations); whenever the chain reaches a kept seed it
   * skips through it without proving, so a valid proof of the next slot moves the chain ahead at
   * once, and proofs of later slots take effect as soon as the slots between are known.
   */
  async submitProof(proof: GossipProof, opts: SubmitProofOptions = {}): Promise<SubmitProofOutcome> {
    if (!(proof.seed instanceof Uint8Array) || proof.seed.length !== POT_SEED_SIZE || !Number.isSafeInteger(proof.slot)
      || !isValidSlotIterations(proof.slotIterations) || !isWellFormedCheckpoints(proof.checkpoints)) {
      return "invalid";
    }
    const pre = this.classify(proof);
    if (pre !== null) return pre;
    const key = verifiedKey(proof.seed, proof.slotIterations);
    const known = this.verified.get(key);
    if (known) {
      if (!proof.checkpoints.every((c, i) => equalBytes(c, known[i]!))) return "invalid";
    } else if (!opts.verified) {
      const ok = await this.verifierFor().verify(proof.seed, proof.slotIterations, proof.checkpoints);
      if (!ok) return "invalid";
      const post = this.classify(proof);
      if (post !== null) return post;
    }
    this.remember(key, proof.checkpoints.map((c) => new Uint8Array(c)));
    if (this.advance()) this.restartWorker();
    return this.next.slot > proof.slot ? "accepted" : "queued";
  }

  /**
   * Sets the pending parameters change (from the runtime's `pot_parameters` or a
   * `PotParametersChange` digest). If it alters the input being proven, proving restarts.
   */
  setParametersChange(change: PotParametersChange | null): void {
    if (change) {
      assertSlot(change.slot);
      if (!isValidSlotIterations(change.slotIterations)) throw new RangeError(`parameters change iterations must be a positive u32 multiple of 16, got ${change.slotIterations}`);
      assertLength(change.entropy, 32, "parameters change entropy");
    }
    this.parametersChange = change;
    const parent = this.recent.get(this.next.slot - 1);
    let next: PotNextSlotInput;
    if (parent) {
      next = deriveNextSlotInput(parent.slotIterations, parent.slot, parent.output, change);
    } else {
      // No parent output known (the first slot): only the iterations can change.
      next = change && change.slot <= this.next.slot ? { ...this.next, slotIterations: change.slotIterations } : this.next;
    }
    if (this.changeInput(next)) this.restartWorker();
    else this.post({ type: "parameters", parametersChange: change });
  }

  /**
   * Moves the chain to a trusted tip from block import: the next input becomes the slot after
   * `tip.slot`, derived from its output (a reorg when it differs from the local chain). Cached
   * slots at or after the new next slot are dropped; verified proofs are reused to skip ahead.
   */
  update(tip: PotChainTip): void {
    assertSlot(tip.slot);
    if (tip.parametersChange !== undefined) this.parametersChange = tip.parametersChange;
    const next = deriveNextSlotInput(this.next.slotIterations, tip.slot, tip.output, this.parametersChange);
    // Where the verified proofs lead from the tip (the reference's `InnerState::update`): a tip on
    // the chain already followed changes nothing.
    let probe = next;
    for (let cps = this.verifiedFor(probe); cps; cps = this.verifiedFor(probe)) {
      probe = deriveNextSlotInput(probe.slotIterations, probe.slot, checkpointsOutput(cps), this.parametersChange);
    }
    if (sameInput(probe, this.next)) return;
    this.changeInput(next);
    this.advance();
    this.restartWorker();
  }

  /** Slots as an async iterator; it ends when the timekeeper stops or the consumer breaks out. */
  slots(): AsyncIterableIterator<PotSlotInfo> {
    const queue: PotSlotInfo[] = [];
    let wake: ((r: IteratorResult<PotSlotInfo>) => void) | null = null;
    let done = false;
    const onSlot = (info: PotSlotInfo): void => {
      if (wake) {
        const w = wake;
        wake = null;
        w({ value: info, done: false });
      } else queue.push(info);
    };
    const finish = (): void => {
      if (done) return;
      done = true;
      this.off("slot", onSlot);
      this.off("stop", finish);
      if (wake) {
        const w = wake;
        wake = null;
        w({ value: undefined, done: true });
      }
    };
    this.on("slot", onSlot);
    this.on("stop", finish);
    return {
      next: () => {
        const v = queue.shift();
        if (v) return Promise.resolve({ value: v, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  // -------------------------------------------------------------------------------------------

  /** Early outcome for a proof's slot position, or null when it may extend the chain. */
  private classify(proof: GossipProof): SubmitProofOutcome | null {
    if (proof.slot < this.next.slot) return "stale";
    if (proof.slot > this.next.slot + this.maxSlotsAhead) return "too-far-ahead";
    if (proof.slot === this.next.slot
      && (proof.slotIterations !== this.next.slotIterations || !equalBytes(proof.seed, this.next.seed))) {
      return "invalid";
    }
    return null;
  }

  private verifierFor(): PotCheckpointsVerifier {
    if (this.verifier) return this.verifier;
    if (!this.ownedVerifier) {
      const cores = Math.max(1, Math.min(8, availableParallelism() - 1));
      this.ownedVerifier = new PotVerifierPool({ threads: this.verifierThreads ?? cores, backend: this.backend });
    }
    return this.ownedVerifier;
  }

  private remember(key: string, checkpoints: PotCheckpoints): void {
    this.verified.delete(key);
    this.verified.set(key, checkpoints);
    while (this.verified.size > this.verifiedCacheSize) this.verified.delete(this.verified.keys().next().value!);
  }

  private verifiedFor(input: PotNextSlotInput): PotCheckpoints | undefined {
    return this.verified.get(verifiedKey(input.seed, input.slotIterations));
  }

  /**
   * Records the next slot with its checkpoints and moves the next input past it. Like the
   * reference (`last_slot_sent`), a slot is emitted only if it is later than every slot emitted
   * before, so a reorg or a replay through cached proofs never repeats or rewinds slot events.
   */
  private record(checkpoints: PotCheckpoints, source: PotSlotInfo["source"]): void {
    const input = this.next;
    const output = checkpointsOutput(checkpoints);
    const info: PotSlotInfo = { slot: input.slot, seed: input.seed, slotIterations: input.slotIterations, checkpoints, output, source };
    this.recent.delete(info.slot);
    this.recent.set(info.slot, info);
    while (this.recent.size > this.cacheSize) this.recent.delete(this.recent.keys().next().value!);
    this.latestInfo = info;
    this.next = deriveNextSlotInput(input.slotIterations, input.slot, output, this.parametersChange);
    if (info.slot > this.lastEmittedSlot) {
      this.lastEmittedSlot = info.slot;
      this.emit("slot", info);
    }
  }

  /** Skips through verified proofs that continue the chain. True if it moved. */
  private advance(): boolean {
    let moved = false;
    for (;;) {
      const checkpoints = this.verifiedFor(this.next);
      if (!checkpoints) return moved;
      this.record(checkpoints, "external");
      moved = true;
    }
  }

  /** Replaces the next input; on a change, forgets cached slots at or after it. True if it changed. */
  private changeInput(next: PotNextSlotInput): boolean {
    if (sameInput(next, this.next)) return false;
    this.next = next;
    for (const slot of [...this.recent.keys()]) if (slot >= next.slot) this.recent.delete(slot);
    if (this.latestInfo && this.latestInfo.slot >= next.slot) this.latestInfo = this.recent.get(next.slot - 1);
    return true;
  }

  private restartWorker(): void {
    this.generation++;
    this.post({
      type: "run",
      generation: this.generation,
      slot: this.next.slot,
      slotIterations: this.next.slotIterations,
      seed: this.next.seed,
      parametersChange: this.parametersChange,
      minSlotIntervalMs: this.minSlotIntervalMs,
    });
  }

  private post(message: ToProver): void {
    this.worker?.postMessage(message);
  }

  private onWorkerMessage(worker: Worker, m: FromProver): void {
    if (worker !== this.worker || m.generation !== this.generation) return;
    if (m.type === "error") {
      this.fail(worker, `timekeeper stopped proving: ${m.message}`);
      return;
    }
    this.onLocalProof(m);
  }

  private onLocalProof(m: ProverProof): void {
    if (m.slot !== this.next.slot || m.slotIterations !== this.next.slotIterations || !equalBytes(m.seed, this.next.seed)) {
      // The chain moved while this slot was proven; the restart already sent covers it.
      return;
    }
    this.lastProvingMs = m.provingMs;
    const checkpoints = splitCheckpoints(m.checkpoints);
    this.remember(verifiedKey(m.seed, m.slotIterations), checkpoints);
    this.record(checkpoints, "local");
    const skipped = this.advance();
    const diverged = !sameInput(m.next, this.next);
    // A parameters change that reached the worker after it derived its next input, or proofs from
    // elsewhere that let the chain skip ahead: point the worker at the chain's real next input.
    if (skipped || diverged) this.restartWorker();
  }

  private fail(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    const error = new TimekeeperError("TIMEKEEPER_ERROR_WORKER", message);
    this.lastError = error;
    if (this.listenerCount("error") > 0) this.emit("error", error);
    this.emit("stop");
  }
}

function sameInput(a: PotNextSlotInput, b: PotNextSlotInput): boolean {
  return a.slot === b.slot && a.slotIterations === b.slotIterations && equalBytes(a.seed, b.seed);
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${what} must be a positive integer, got ${n}`);
  return n;
}

export { type PotCheckpointsVerifier } from "./potVerifierPool.ts";
