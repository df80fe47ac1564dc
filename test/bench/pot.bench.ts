/**
 * Proof-of-Time benchmark: proving rate against the raw AES-128-CBC rate of the same machine and
 * run, checkpoint verification (one thread and the worker pool) against proving, the timekeeper's
 * slot time at the dev iteration count and the main thread's event-loop delay while it runs.
 *
 * Limits:
 * - `raw node:crypto` — one long-lived aes-128-cbc cipher fed 64 KiB zero chunks, nothing else:
 *   the best the pure-Node path can do (what the prover adds is bookkeeping only).
 * - `openssl speed -elapsed -evp aes-128-cbc -bytes 16384` ÷ 16: the machine's serial AES-NI
 *   chain rate (skipped when openssl is absent).
 * Each rate is the median of REPS interleaved runs; the machine is shared and noisy.
 */
import { createCipheriv } from "node:crypto";
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { report } from "./report.ts";
import { prove, verifyCheckpoints } from "../../framework/primitives/subspace/pot/index.ts";
import { DEV_POT_SLOT_ITERATIONS, PotVerifierPool, Timekeeper } from "../../node/consensus/timekeeper/index.ts";
import { chunkGc } from "../../node/consensus/timekeeper/chunkGc.ts";

const REPS = 3;
const ITERATIONS = 16 * 2 ** 22; // 67,108,864: ≈ 0.7 s at 100 M/s
const MAINNET_ITERATIONS = 206_557_520;
const SEED = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (f: () => unknown): number => {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
};
async function secondsAsync(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

function rawCbc(iterations: number): void {
  const zeros = Buffer.alloc(64 * 1024);
  const c = createCipheriv("aes-128-cbc", SEED, SEED);
  c.setAutoPadding(false);
  for (let left = iterations * 16; left > 0; left -= zeros.length) c.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
}

function opensslRate(): number | null {
  try {
    const out = execFileSync("openssl", ["speed", "-elapsed", "-evp", "aes-128-cbc", "-bytes", "16384", "-seconds", "2"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const m = /AES-128-CBC\s+([\d.]+)k/i.exec(out);
    return m ? (Number(m[1]) * 1000) / 16 : null;
  } catch {
    return null;
  }
}

// 1. Proving rate, interleaved with the raw rate and openssl.
const proveRates: number[] = [];
const proveGcRates: number[] = [];
const onChunk = chunkGc();
const rawRates: number[] = [];
const opensslRates: number[] = [];
let proveSeconds: number[] = [];
prove(SEED, 16 * 4096); // warm-up
for (let r = 0; r < REPS; r++) {
  const tRaw = seconds(() => rawCbc(ITERATIONS));
  rawRates.push(ITERATIONS / tRaw);
  const tProve = seconds(() => prove(SEED, ITERATIONS));
  proveSeconds.push(tProve);
  proveRates.push(ITERATIONS / tProve);
  proveGcRates.push(ITERATIONS / seconds(() => prove(SEED, ITERATIONS, { onChunk })));
  const o = opensslRate();
  if (o !== null) opensslRates.push(o);
}
const plainRate = median(proveRates);
const proveRate = median(proveGcRates); // as the timekeeper and verifier workers run it
const rawRate = median(rawRates);
report("pot.prove.rate (plain, vs raw node:crypto CBC)", plainRate, "iterations/s", rawRate);
report("pot.prove.rate (minor GC every 2 MiB, vs raw node:crypto CBC)", proveRate, "iterations/s", rawRate);
if (opensslRates.length > 0) {
  const openssl = median(opensslRates);
  report("pot.prove.rate (minor GC every 2 MiB, vs openssl speed aes-128-cbc)", proveRate, "iterations/s", openssl);
  report("pot.prove.rate (plain, vs openssl speed aes-128-cbc)", plainRate, "iterations/s", openssl);
  report("pot.raw_node_cbc.rate (vs openssl speed aes-128-cbc)", rawRate, "iterations/s", openssl);
}
report("pot.prove.mainnet_slot_time (206,557,520 iterations, estimated)", MAINNET_ITERATIONS / proveRate, "s", null);

// 2. Verification: one thread (early-exit sequential) and the worker pool, against proving.
const checkpoints = prove(SEED, ITERATIONS);
const threads = Math.min(availableParallelism(), 8);
const pool = new PotVerifierPool({ threads });
await pool.verify(SEED, 16 * 64, prove(SEED, 16 * 64)); // spawn and warm the workers
const seqSeconds: number[] = [];
const poolSeconds: number[] = [];
proveSeconds = [];
for (let r = 0; r < REPS; r++) {
  proveSeconds.push(seconds(() => prove(SEED, ITERATIONS, { onChunk })));
  seqSeconds.push(seconds(() => {
    if (!verifyCheckpoints(SEED, ITERATIONS, checkpoints, { onChunk })) throw new Error("sequential verification failed");
  }));
  poolSeconds.push(await secondsAsync(async () => {
    if (!(await pool.verify(SEED, ITERATIONS, checkpoints))) throw new Error("pool verification failed");
  }));
}
const tProve = median(proveSeconds);
const tSeq = median(seqSeconds);
const tPool = median(poolSeconds);
// A checkpoint 0 mismatch settles the verification after one interval and aborts the others.
const bad = checkpoints.map((c) => c.slice());
bad[0]![0] ^= 1;
const badSeconds: number[] = [];
for (let r = 0; r < REPS; r++) {
  badSeconds.push(await secondsAsync(async () => {
    if (await pool.verify(SEED, ITERATIONS, bad)) throw new Error("tampered checkpoints verified");
  }));
}
const tBad = median(badSeconds);
await pool.close();
report("pot.verify.sequential_time / prove_time", tSeq / tProve, "ratio", 1);
report(`pot.verify.pool_speedup (prove_time / pool_verify_time, ${threads} threads)`, tProve / tPool, "x", threads);
report("pot.verify.pool_time_per_slot (mainnet iterations, estimated)", (tPool * MAINNET_ITERATIONS) / ITERATIONS, "s", null);
report("pot.verify.pool_reject_checkpoint0_time / prove_time (early exit; one interval = 1/8)", tBad / tProve, "ratio", 1 / 8);

// 3. Timekeeper at the dev iteration count: slot time and the main thread's event-loop delay,
// against the delay of an idle main thread over the same time (the machine's own noise).
const SLOTS = 4;
const baseline = monitorEventLoopDelay({ resolution: 10 });
baseline.enable();
await new Promise((resolve) => setTimeout(resolve, 2_000));
baseline.disable();
const histogram = monitorEventLoopDelay({ resolution: 10 });
const tk = new Timekeeper({ genesisSeed: SEED, slotIterations: DEV_POT_SLOT_ITERATIONS });
const provingMs: number[] = [];
histogram.enable();
const t0 = performance.now();
let firstSlotAt = 0;
await new Promise<void>((resolve) => {
  tk.on("slot", (s) => {
    if (s.slot === 1) firstSlotAt = performance.now();
    provingMs.push(tk.lastProvingMs!);
    if (s.slot === SLOTS) resolve();
  });
  tk.start();
});
const wall = (performance.now() - firstSlotAt) / 1000 / (SLOTS - 1);
histogram.disable();
await tk.stop();
report(`pot.timekeeper.slot_time (dev ${DEV_POT_SLOT_ITERATIONS.toLocaleString("en")} iterations)`, wall, "s", null);
report("pot.timekeeper.worker_rate", DEV_POT_SLOT_ITERATIONS / (median(provingMs) / 1000), "iterations/s", rawRate);
report("pot.timekeeper.start_to_first_slot", (firstSlotAt - t0) / 1000, "s", null);
report("pot.timekeeper.main_event_loop_delay_p99 (limit: idle main thread p99)", histogram.percentile(99) / 1e6, "ms", baseline.percentile(99) / 1e6);
report("pot.timekeeper.main_event_loop_delay_max (limit: idle main thread max)", histogram.max / 1e6, "ms", baseline.max / 1e6);
