/**
 * Transaction pool throughput: 10,000 transactions from 100 senders (100 nonces each) through a
 * trivial synchronous validator with nonce tags; then the ready list is pruned in blocks of 1,000.
 * Figures: submits/s (all ready, interleaved senders), submits/s in reverse nonce order (each sender's
 * chain waits in future, then cascades into ready), ready() ordering, prune+promote/s, revalidate/s.
 */
import { report } from "./report.ts";
import { TransactionPool, type PoolValidator, type Validity } from "../../node/txpool/index.ts";
import { toHex } from "../../framework/codec/bytes.ts";

const SENDERS = 100;
const NONCES = 100;
const TOTAL = SENDERS * NONCES;
const BLOCK = 1000;

class TrivialChain implements PoolValidator {
  readonly nonces = new Uint32Array(SENDERS);
  hash(tx: Uint8Array): string {
    return toHex(tx);
  }
  validate(_source: string, tx: Uint8Array): Validity {
    const sender = tx[0]!;
    const nonce = tx[1]! | (tx[2]! << 8);
    const chainNonce = this.nonces[sender]!;
    if (nonce < chainNonce) return { ok: false, error: { type: "Invalid", value: { type: "Stale" } } };
    return {
      ok: true,
      value: {
        priority: BigInt(1 + (sender % 7)),
        requires: nonce > chainNonce ? [tag(sender, nonce - 1)] : [],
        provides: [tag(sender, nonce)],
        longevity: 1_000_000n,
        propagate: true,
      },
    };
  }
}

const tag = (sender: number, nonce: number) => new Uint8Array([sender, nonce & 0xff, nonce >> 8]);
const tx = (sender: number, nonce: number) => new Uint8Array([sender, nonce & 0xff, nonce >> 8, 0x42, 0x42, 0x42, 0x42, 0x42]);
const limits = { ready: { count: 2 * TOTAL, totalBytes: 1 << 30 }, future: { count: 2 * TOTAL, totalBytes: 1 << 30 } };

async function run(reverse: boolean): Promise<{ submitsPerSec: number; pool: TransactionPool; chain: TrivialChain }> {
  const chain = new TrivialChain();
  const pool = new TransactionPool(chain, limits);
  const order: Uint8Array[] = [];
  for (let n = 0; n < NONCES; n++) for (let s = 0; s < SENDERS; s++) order.push(tx(s, reverse ? NONCES - 1 - n : n));
  const t0 = performance.now();
  for (const x of order) await pool.submit("External", x, "0x00");
  const dt = (performance.now() - t0) / 1000;
  const st = pool.status();
  if (st.ready !== TOTAL || st.future !== 0) throw new Error(`unexpected status ${JSON.stringify(st)}`);
  return { submitsPerSec: TOTAL / dt, pool, chain };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

// warm-up (JIT), then the median of three runs: the machine is shared, single runs are noisy
await run(false);
await run(true);
const fwdRuns = [await run(false), await run(false), await run(false)];
report("txpool submit (in order, all ready)", median(fwdRuns.map((r) => r.submitsPerSec)), "tx/s", null);
const revRuns = [await run(true), await run(true), await run(true)];
report("txpool submit (reverse nonce order, future → ready)", median(revRuns.map((r) => r.submitsPerSec)), "tx/s", null);

const { pool, chain } = fwdRuns[0]!;
const orderTimes: number[] = [];
let ready = pool.ready();
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  ready = pool.ready();
  orderTimes.push(performance.now() - t);
}
report("txpool ready() ordering of 10,000", median(orderTimes), "ms", null);
let t0 = performance.now();
if (ready.length !== TOTAL) throw new Error("ready() lost transactions");

t0 = performance.now();
const reval = await pool.revalidate({ hash: "0x00", number: 0 });
const revalDt = (performance.now() - t0) / 1000;
if (reval.checked !== TOTAL) throw new Error("revalidate did not check everything");
report("txpool revalidate (no changes)", TOTAL / revalDt, "tx/s", null);

t0 = performance.now();
for (let b = 0; b < TOTAL / BLOCK; b++) {
  const txs = ready.slice(b * BLOCK, (b + 1) * BLOCK);
  for (const t of txs) {
    const s = t.data[0]!;
    const n = t.data[1]! | (t.data[2]! << 8);
    if (chain.nonces[s]! <= n) chain.nonces[s] = n + 1;
  }
  await pool.pruneForBlock({ hash: "0x" + (b + 1).toString(16).padStart(64, "0"), number: b + 1 }, txs.map((t) => t.data));
}
const pruneDt = (performance.now() - t0) / 1000;
const end = pool.status();
if (end.ready !== 0 || end.future !== 0) throw new Error(`pool not empty after pruning: ${JSON.stringify(end)}`);
report("txpool prune+promote (blocks of 1,000)", TOTAL / pruneDt, "tx/s", null);
