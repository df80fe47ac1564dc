/**
 * ChainDb throughput: 1,000 block commits, each inserting 2,000 new 100-byte nodes and removing 1,000
 * (statePruning 16, finality 2 blocks behind best, so every commit also prunes an old state), then random
 * getNode reads. Limits are raw lmdb figures measured in the same run:
 * - commits/s: raw synchronous transactions of the same shape (2,000 random puts + 1,000 deletes each) on a
 *   database pre-filled to the mean number of live nodes of our run (500k), since the cost of a commit is
 *   dominated by the B-tree pages it dirties, which grows with the tree;
 * - nodes written/s: 100k random puts inside one transaction;
 * - getNode/s: random getBinary on the very same `nodes` sub-database and keys.
 */
import { open as openLmdb } from "lmdb";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { ChainDb, type TrieCommit } from "../../node/db/index.ts";
import { report } from "./report.ts";

const BLOCKS = 1000;
const INSERTS = 2000;
const REMOVES = 1000;
const NODE_SIZE = 100;
const READS = 100_000;

const dir = mkdtempSync(join(tmpdir(), "db-bench-"));
const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
const shuffled = <T>(xs: T[]): T[] => {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

try {
  // ---- raw lmdb limits ----
  const raw = openLmdb(join(dir, "raw"), { maxDbs: 4 });
  const rawDb = raw.openDB({ name: "n", keyEncoding: "binary", encoding: "binary" });
  const keys = Array.from({ length: 100_000 }, () => randomBytes(32));
  const value = randomBytes(NODE_SIZE);
  let t = performance.now();
  raw.transactionSync(() => {
    for (const k of keys) rawDb.putSync(k, value);
  });
  const rawPutRate = keys.length / ((performance.now() - t) / 1000);

  const mean = (BLOCKS * (INSERTS - REMOVES)) / 2;
  let live = keys.slice();
  while (live.length < mean) {
    const more = Array.from({ length: 100_000 }, () => randomBytes(32));
    raw.transactionSync(() => {
      for (const k of more) rawDb.putSync(k, value);
    });
    live.push(...more);
  }
  live = shuffled(live);
  const RAW_TXNS = 100;
  t = performance.now();
  for (let i = 0; i < RAW_TXNS; i++) {
    const fresh = Array.from({ length: INSERTS }, () => randomBytes(32));
    const gone = live.splice(0, REMOVES);
    raw.transactionSync(() => {
      for (const k of fresh) rawDb.putSync(k, value);
      for (const k of gone) rawDb.removeSync(k);
    });
    live.push(...fresh);
  }
  const rawCommitRate = RAW_TXNS / ((performance.now() - t) / 1000);
  live = [];
  await raw.close();

  // ---- ChainDb commits ----
  const db = ChainDb.open(join(dir, "chain"), { statePruning: 16 });
  const pool: Uint8Array[] = []; // hashes referenced by the current best state
  const blockHash = (n: number) => {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, n + 1);
    return h;
  };
  const makeState = (number: number): TrieCommit => {
    const inserted = new Map<string, Uint8Array>();
    const fresh: Uint8Array[] = [];
    for (let i = 0; i < INSERTS; i++) {
      const h = randomBytes(32);
      fresh.push(h);
      inserted.set(hex(h), randomBytes(NODE_SIZE));
    }
    const removed: string[] = [];
    if (number > 0) {
      for (let i = 0; i < REMOVES && pool.length > 0; i++) {
        const j = Math.floor(Math.random() * pool.length);
        removed.push(hex(pool[j]!));
        pool[j] = pool[pool.length - 1]!;
        pool.pop();
      }
    }
    pool.push(...fresh);
    return { root: fresh[0]!, inserted, removed };
  };
  let commitMs = 0;
  for (let n = 0; n <= BLOCKS; n++) {
    const state = makeState(n);
    const f = n - 2;
    const c = {
      hash: blockHash(n),
      number: n,
      parentHash: n === 0 ? new Uint8Array(32) : blockHash(n - 1),
      header: randomBytes(200),
      body: randomBytes(2000),
      stateRoot: state.root,
      state,
      setBest: true,
      ...(f > 0 ? { finalized: { hash: blockHash(f), number: f } } : {}),
    };
    const t0 = performance.now();
    db.commitBlock(c);
    if (n > 0) commitMs += performance.now() - t0; // genesis excluded
  }
  const commitRate = BLOCKS / (commitMs / 1000);
  report("db.commitBlock", commitRate, "commits/s", rawCommitRate);
  report("db.nodesWritten", commitRate * INSERTS, "nodes/s", rawPutRate);

  // ---- random reads: ours vs raw getBinary on the same sub-database ----
  const sample = shuffled(pool).slice(0, READS);
  const rawEnv = openLmdb(join(dir, "chain"), { maxDbs: 16 });
  const rawNodes = rawEnv.openDB({ name: "nodes", keyEncoding: "binary", encoding: "binary" });
  let ours = 0;
  let rawRead = 0;
  for (let round = 0; round < 3; round++) {
    let found = 0;
    t = performance.now();
    for (const k of sample) if (db.getNode(k) !== undefined) found++;
    ours = Math.max(ours, sample.length / ((performance.now() - t) / 1000));
    t = performance.now();
    for (const k of sample) if (rawNodes.getBinary(k) !== undefined) found++;
    rawRead = Math.max(rawRead, sample.length / ((performance.now() - t) / 1000));
    if (found !== 2 * sample.length) throw new Error(`missing nodes: ${2 * sample.length - found}`);
  }
  report("db.getNode", ours, "reads/s", rawRead);
  await db.close();
  await rawEnv.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
