/**
 * State trie: a 1,000,000-key V1 state (32-byte keys, 80-byte values), then 10,000 changed keys
 * and the new root, as one block import does. Goal (brief): ≤ 100 ms for the 10k changes + root
 * (median wall time). The minimum and the main-thread-plus-GC CPU time are reported too, because
 * wall time on a shared machine mostly measures the neighbours.
 */
import { report } from "./report.ts";
import { Trie } from "../../framework/trie/index.ts";

const N = Number(process.env.TRIE_BENCH_KEYS ?? 1_000_000);
const CHANGES = 10_000;
const RUNS = 9;

/** xorshift32-filled buffer: fast, deterministic "random" bytes. */
function fill(buf: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 1;
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  for (let i = 0; i < u32.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u32[i] = x >>> 0;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const keyBuf = new Uint8Array(N * 32);
const valBuf = new Uint8Array(N * 80);
fill(keyBuf, 1);
fill(valBuf, 2);
const keys = Array.from({ length: N }, (_, i) => keyBuf.subarray(i * 32, i * 32 + 32));
const values = Array.from({ length: N }, (_, i) => valBuf.subarray(i * 80, i * 80 + 80));

let t0 = performance.now();
const base = Trie.empty(1).apply((function* () {
  for (let i = 0; i < N; i++) yield [keys[i]!, values[i]!] as const;
})());
const tApply = performance.now() - t0;
t0 = performance.now();
base.root;
const tRoot = performance.now() - t0;
t0 = performance.now();
const baseCommit = base.commit();
const tCommit = performance.now() - t0;
const stored = baseCommit.inserted.size;
report("trie_build_1m_apply", tApply, "ms", null);
report("trie_build_1m_root", tRoot, "ms", null);
report("trie_build_1m_commit", tCommit, "ms", null);

// Block-like change sets: 10,000 existing keys get new values (and a few new keys appear).
const times: number[] = [];
const cpuTimes: number[] = [];
const commitTimes: number[] = [];
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const newVals = new Uint8Array(CHANGES * 80);
for (let run = 0; run < RUNS; run++) {
  fill(newVals, 100 + run);
  const changes: [Uint8Array, Uint8Array][] = [];
  let x = 12345 + run * 7919;
  for (let i = 0; i < CHANGES; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    changes.push([keys[x % N]!, newVals.subarray(i * 80, i * 80 + 80)]);
  }
  const s = performance.now();
  const c0 = cpuNow();
  const next = base.apply(changes);
  next.root;
  times.push(performance.now() - s);
  cpuTimes.push(cpuNow() - c0);
  const c = performance.now();
  next.commit();
  commitTimes.push(performance.now() - c);
}
const value = median(times);
report("trie_root_10k_changes_of_1m", value, "ms", 100);
report("trie_root_10k_changes_of_1m_min", Math.min(...times), "ms", null);
report("trie_root_10k_changes_of_1m_cpu", median(cpuTimes), "ms", null);
report("trie_commit_10k_changes_of_1m", median(commitTimes), "ms", null);

// Reads: random present keys on the 1M trie.
const GETS = 200_000;
let sink = 0;
let x = 99;
t0 = performance.now();
for (let i = 0; i < GETS; i++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  sink += base.get(keys[x % N]!)!.length;
}
const perGet = ((performance.now() - t0) * 1000) / GETS;
report("trie_get_1m_us", perGet, "us", null);
if (sink === 0) console.error("unreachable");
console.error(JSON.stringify({ keys: N, storedNodes: stored, heapMB: Math.round(process.memoryUsage().heapUsed / 1e6), rssMB: Math.round(process.memoryUsage().rss / 1e6), runs: times.map(Math.round) }));
