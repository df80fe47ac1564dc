import { expect } from "chai";
import { PoolError, TransactionPool, poolErrorToRpc, type TransactionPoolOptions, type TransactionStatus } from "../../../node/txpool/index.ts";
import { FakeChain, FakeClock, blockHash, encode, type FakeTx } from "./fakeChain.ts";

const B0 = blockHash(0);

function setup(options: Partial<TransactionPoolOptions> = {}) {
  const chain = new FakeChain();
  const clock = new FakeClock();
  const pool = new TransactionPool(chain, { now: clock.now, ...options });
  const submit = (t: FakeTx, at: string | { hash: string; number: number } = B0) => pool.submit("External", encode(t), at);
  const watch = (t: FakeTx, at: string | { hash: string; number: number } = B0) => pool.submitAndWatch("External", encode(t), at);
  const hashOf = (t: FakeTx) => chain.hash(encode(t));
  /** Includes `txs` in block `n` on the fake chain and tells the pool. */
  const block = async (n: number, txs: FakeTx[], fork = 0) => {
    chain.include(txs);
    return pool.pruneForBlock({ hash: blockHash(n, fork), number: n }, txs.map(encode));
  };
  return { chain, clock, pool, submit, watch, hashOf, block };
}

async function rejects(p: Promise<unknown>): Promise<PoolError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(PoolError);
    return e as PoolError;
  }
  throw new Error("expected a PoolError");
}

const order = (pool: TransactionPool, hashOf: (t: FakeTx) => string, txs: Record<string, FakeTx>) => {
  const names = new Map(Object.entries(txs).map(([k, t]) => [hashOf(t), k]));
  return pool.ready().map((t) => names.get(t.hash) ?? t.hash);
};

describe("TransactionPool", () => {
  describe("submit", () => {
    it("imports a valid transaction as ready and returns the validator's hash", async () => {
      const { pool, submit, hashOf, chain } = setup();
      const h = await submit({ sender: 1, nonce: 0 });
      expect(h).to.equal(hashOf({ sender: 1, nonce: 0 }));
      expect(pool.status()).to.deep.include({ ready: 1, future: 0 });
      expect(pool.has(h)).to.equal(true);
      expect(pool.get(h)!.priority).to.equal(1n);
      expect(chain.calls).to.deep.equal([{ source: "External", hash: h, at: B0 }]);
    });

    it("queues a transaction with a missing requirement as future and promotes it", async () => {
      const { pool, submit, watch } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 1 });
      expect(pool.status()).to.deep.include({ ready: 0, future: 1 });
      await submit({ sender: 1, nonce: 0 });
      expect(pool.status()).to.deep.include({ ready: 2, future: 0 });
      expect(watcher.statuses).to.deep.equal(["future", "ready"]);
    });

    it("promotes a whole chain of futures at once", async () => {
      const { pool, submit } = setup();
      for (const n of [3, 1, 2]) await submit({ sender: 1, nonce: n });
      expect(pool.status()).to.deep.include({ ready: 0, future: 3 });
      await submit({ sender: 1, nonce: 0 });
      expect(pool.status()).to.deep.include({ ready: 4, future: 0 });
    });

    it("rejects a duplicate with POOL_ALREADY_IMPORTED", async () => {
      const { submit } = setup();
      await submit({ sender: 1, nonce: 0 });
      const e = await rejects(submit({ sender: 1, nonce: 0 }));
      expect(e.code).to.equal("POOL_ALREADY_IMPORTED");
      expect(poolErrorToRpc(e).code).to.equal(1013);
    });

    it("accepts exactly one of concurrent submissions of the same transaction", async () => {
      const { chain, pool, submit } = setup();
      chain.delayTurns = 3;
      const results = await Promise.allSettled([0, 1, 2, 3].map(() => submit({ sender: 7, nonce: 0 })));
      expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
      const errs = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => (r.reason as PoolError).code);
      expect(errs).to.deep.equal(["POOL_ALREADY_IMPORTED", "POOL_ALREADY_IMPORTED", "POOL_ALREADY_IMPORTED"]);
      expect(pool.status().ready).to.equal(1);
    });

    it("rejects an invalid transaction with its reason and bans it", async () => {
      const { chain, pool, submit, hashOf } = setup();
      chain.nonces.set(1, 5);
      const e = await rejects(submit({ sender: 1, nonce: 2 }));
      expect(e.code).to.equal("POOL_INVALID");
      expect(poolErrorToRpc(e)).to.deep.equal({ code: 1010, message: "Invalid Transaction", data: "Transaction is outdated" });
      expect(pool.isBanned(hashOf({ sender: 1, nonce: 2 }))).to.equal(true);
      const again = await rejects(submit({ sender: 1, nonce: 2 }));
      expect(again.code).to.equal("POOL_TEMPORARILY_BANNED");
      expect(poolErrorToRpc(again).code).to.equal(1012);
      expect(chain.calls).to.have.length(1, "a banned transaction is not validated again");
    });

    it("rejects unknown validity without banning", async () => {
      const { chain, pool, submit, hashOf } = setup();
      const t = { sender: 1, nonce: 0 };
      chain.overrides.set(hashOf(t), { ok: false, error: { type: "Unknown", value: { type: "CannotLookup" } } });
      const e = await rejects(submit(t));
      expect(e.code).to.equal("POOL_UNKNOWN_VALIDITY");
      expect(poolErrorToRpc(e).code).to.equal(1011);
      expect(pool.isBanned(hashOf(t))).to.equal(false);
      chain.overrides.clear();
      await submit(t);
      expect(pool.status().ready).to.equal(1);
    });

    it("rejects a transaction that provides no tag", async () => {
      const { submit } = setup();
      const e = await rejects(submit({ sender: 1, nonce: 0, provides: [], requires: ["x"] }));
      expect(e.code).to.equal("POOL_NO_TAGS");
    });

    it("reports a throwing validator as POOL_VALIDATION_FAILED without a ban", async () => {
      const { pool, hashOf } = setup();
      const bad = new TransactionPool({ hash: (tx) => new FakeChain().hash(tx), validate: () => { throw new Error("runtime panicked"); } });
      const e = await rejects(bad.submit("External", encode({ sender: 1, nonce: 0 }), B0));
      expect(e.code).to.equal("POOL_VALIDATION_FAILED");
      expect(poolErrorToRpc(e)).to.deep.equal({ code: 1002, message: "Verification Error: runtime panicked", data: "runtime panicked" });
      expect(bad.isBanned(hashOf({ sender: 1, nonce: 0 }))).to.equal(false);
      expect(pool.status().ready).to.equal(0);
    });
  });

  describe("bans", () => {
    it("lift after 30 minutes by default (fake clock)", async () => {
      const { chain, clock, pool, submit, hashOf } = setup();
      chain.broke.add(1);
      const t = { sender: 1, nonce: 0 };
      expect((await rejects(submit(t))).code).to.equal("POOL_INVALID");
      chain.broke.delete(1);
      clock.advance(30 * 60 * 1000 - 1);
      expect((await rejects(submit(t))).code).to.equal("POOL_TEMPORARILY_BANNED");
      clock.advance(2);
      expect(pool.isBanned(hashOf(t))).to.equal(false);
      await submit(t);
      expect(pool.status().ready).to.equal(1);
    });

    it("honour a configured ban time", async () => {
      const { chain, clock, submit } = setup({ banTimeMs: 1000 });
      chain.broke.add(1);
      await rejects(submit({ sender: 1, nonce: 0 }));
      chain.broke.delete(1);
      clock.advance(1001);
      await submit({ sender: 1, nonce: 0 });
    });

    it("apply to transactions included in a block, so gossip cannot re-add them", async () => {
      const { submit, block } = setup();
      await submit({ sender: 1, nonce: 0 });
      await block(1, [{ sender: 1, nonce: 0 }]);
      expect((await rejects(submit({ sender: 1, nonce: 0 }))).code).to.equal("POOL_TEMPORARILY_BANNED");
    });
  });

  describe("ready order", () => {
    it("puts dependencies first, then higher priority, then older", async () => {
      const { pool, submit, hashOf } = setup();
      const txs: Record<string, FakeTx> = {
        a0: { sender: 1, nonce: 0, priority: 1 },
        a1: { sender: 1, nonce: 1, priority: 50 },
        a2: { sender: 1, nonce: 2, priority: 1 },
        b0: { sender: 2, nonce: 0, priority: 10 },
        b1: { sender: 2, nonce: 1, priority: 100 },
        c0: { sender: 3, nonce: 0, priority: 10 },
        d0: { sender: 4, nonce: 0, priority: 1 },
      };
      // submitted out of nonce order on purpose
      for (const k of ["a2", "a1", "b1", "a0", "b0", "c0", "d0"]) await submit(txs[k]!);
      // b0 (10, older than c0) → b1 (100) unlocked → c0 (10) → a0 and d0 (1; a0 older) → a1 (50)
      // → a2 and d0 (1; a2 entered the ready queue when a0 promoted it, before d0 arrived)
      expect(order(pool, hashOf, txs)).to.deep.equal(["b0", "b1", "c0", "a0", "a1", "a2", "d0"]);
      expect(pool.pending().map((x) => pool.get(hashOf(JSON.parse(new TextDecoder().decode(x)) as FakeTx))!.hash)).to.deep.equal(
        pool.ready().map((t) => t.hash),
      );
    });

    it("prefers the shorter remaining validity between equal priorities", async () => {
      const { pool, submit, hashOf } = setup();
      const txs: Record<string, FakeTx> = { long: { sender: 1, nonce: 0, longevity: 100 }, short: { sender: 2, nonce: 0, longevity: 10 } };
      await submit(txs.long!);
      await submit(txs.short!);
      expect(order(pool, hashOf, txs)).to.deep.equal(["short", "long"]);
    });

    it("waits for every required tag (two providers)", async () => {
      const { pool, submit, hashOf } = setup();
      const txs: Record<string, FakeTx> = {
        x: { sender: 1, nonce: 0, provides: ["x"], priority: 1 },
        y: { sender: 2, nonce: 0, provides: ["y"], priority: 2 },
        xy: { sender: 3, nonce: 0, requires: ["x", "y"], provides: ["xy"], priority: 1000 },
        z: { sender: 4, nonce: 0, provides: ["z"], priority: 1 },
      };
      for (const k of ["xy", "x", "z", "y"]) await submit(txs[k]!);
      expect(pool.status()).to.deep.include({ ready: 4, future: 0 });
      expect(order(pool, hashOf, txs)).to.deep.equal(["y", "x", "xy", "z"]);
    });
  });

  describe("replacement", () => {
    it("a strictly higher priority replaces the provider of the same tag (old gets usurped)", async () => {
      const { pool, submit, watch, hashOf } = setup();
      const old = { sender: 1, nonce: 0, priority: 5 };
      const { watcher } = await watch(old);
      await submit({ sender: 1, nonce: 1, priority: 5 });
      const newer = { sender: 1, nonce: 0, priority: 6, salt: 1 };
      const h = await submit(newer);
      expect(watcher.statuses).to.deep.equal(["ready", { usurped: h }]);
      expect(watcher.done).to.equal(true);
      expect(pool.has(hashOf(old))).to.equal(false);
      expect(pool.isBanned(hashOf(old))).to.equal(false, "usurped transactions are not banned (Substrate)");
      // the dependant of the replaced transaction now hangs off the new one
      expect(pool.ready().map((t) => t.hash)).to.deep.equal([h, hashOf({ sender: 1, nonce: 1, priority: 5 })]);
    });

    it("an equal or lower priority is rejected with POOL_TOO_LOW_PRIORITY", async () => {
      const { pool, submit } = setup();
      await submit({ sender: 1, nonce: 0, priority: 10 });
      const eq = await rejects(submit({ sender: 1, nonce: 0, priority: 10, salt: 1 }));
      expect(eq.payload).to.deep.equal({ code: "POOL_TOO_LOW_PRIORITY", old: 10n, new: 10n });
      const lower = await rejects(submit({ sender: 1, nonce: 0, priority: 3, salt: 2 }));
      expect(poolErrorToRpc(lower)).to.deep.equal({
        code: 1014,
        message: "Priority is too low: (10 vs 3)",
        data: "The transaction has too low priority to replace another transaction already in the pool.",
      });
      expect(pool.status().ready).to.equal(1);
    });

    it("compares against the summed priority of every transaction it would replace", async () => {
      const { pool, submit } = setup();
      await submit({ sender: 1, nonce: 0, provides: ["a"], priority: 4 });
      await submit({ sender: 2, nonce: 0, provides: ["b"], priority: 5 });
      const e = await rejects(submit({ sender: 3, nonce: 0, provides: ["a", "b"], priority: 9 }));
      expect(e.payload).to.deep.include({ old: 9n, new: 9n });
      await submit({ sender: 3, nonce: 0, provides: ["a", "b"], priority: 10 });
      expect(pool.status().ready).to.equal(1);
    });

    it("detects a cycle that would push the new transaction out", async () => {
      // Substrate base_pool.rs should_handle_a_cycle_with_low_priority
      const { pool, submit } = setup();
      await submit({ sender: 1, nonce: 0, requires: ["0"], provides: ["1"] });
      await submit({ sender: 3, nonce: 0, requires: ["1"], provides: ["2"] });
      await submit({ sender: 2, nonce: 0, requires: ["2"], provides: ["0"], priority: 5 });
      expect(pool.status()).to.deep.include({ ready: 0, future: 3 });
      const e = await rejects(submit({ sender: 4, nonce: 0, provides: ["0"], priority: 1 }));
      expect(e.code).to.equal("POOL_CYCLE_DETECTED");
      expect(poolErrorToRpc(e)).to.deep.equal({ code: 1015, message: "Cycle Detected" });
      expect(pool.status()).to.deep.include({ ready: 0, future: 0 });
    });

    it("resolves a cycle when the closing transaction has the higher priority", async () => {
      // Substrate base_pool.rs should_handle_a_cycle
      const { pool, submit, hashOf } = setup();
      const txs: Record<string, FakeTx> = {
        t1: { sender: 1, nonce: 0, requires: ["0"], provides: ["1"] },
        t3: { sender: 3, nonce: 0, requires: ["1"], provides: ["2"] },
        t2: { sender: 2, nonce: 0, requires: ["2"], provides: ["0"] },
        t4: { sender: 4, nonce: 0, provides: ["0"], priority: 50 },
      };
      for (const k of ["t1", "t3", "t2", "t4"]) await submit(txs[k]!);
      expect(order(pool, hashOf, txs)).to.deep.equal(["t4", "t1", "t3"]);
      expect(pool.status().future).to.equal(0);
    });
  });

  describe("limits", () => {
    const tiny = { ready: { count: 3, totalBytes: 1 << 20 }, future: { count: 2, totalBytes: 1 << 20 } };

    it("evicts the lowest priority (banned, watcher gets dropped)", async () => {
      const { pool, submit, watch, hashOf } = setup(tiny);
      const { watcher } = await watch({ sender: 1, nonce: 0, priority: 5 });
      await submit({ sender: 2, nonce: 0, priority: 6 });
      await submit({ sender: 3, nonce: 0, priority: 7 });
      await submit({ sender: 4, nonce: 0, priority: 10 });
      expect(watcher.statuses).to.deep.equal(["ready", "dropped"]);
      expect(pool.status().ready).to.equal(3);
      expect(pool.isBanned(hashOf({ sender: 1, nonce: 0, priority: 5 }))).to.equal(true);
    });

    it("rejects the newcomer with POOL_IMMEDIATELY_DROPPED when it is the lowest", async () => {
      const { pool, submit, watch } = setup(tiny);
      for (let s = 1; s <= 3; s++) await submit({ sender: s, nonce: 0, priority: 5 + s });
      const e = await rejects(watch({ sender: 9, nonce: 0, priority: 1 }));
      expect(e.code).to.equal("POOL_IMMEDIATELY_DROPPED");
      expect(poolErrorToRpc(e).code).to.equal(1016);
      expect(pool.status().ready).to.equal(3);
    });

    it("evicts the older of equal priorities, with its dependants", async () => {
      const { pool, submit, hashOf } = setup(tiny);
      await submit({ sender: 1, nonce: 0, priority: 5 });
      await submit({ sender: 1, nonce: 1, priority: 9 });
      await submit({ sender: 2, nonce: 0, priority: 5 });
      await submit({ sender: 3, nonce: 0, priority: 5 });
      expect(pool.has(hashOf({ sender: 1, nonce: 0, priority: 5 }))).to.equal(false);
      expect(pool.has(hashOf({ sender: 1, nonce: 1, priority: 9 }))).to.equal(false, "dependant goes with it");
      expect(pool.status().ready).to.equal(2);
    });

    it("drops the oldest future when the future queue is full", async () => {
      const { pool, submit, hashOf } = setup(tiny);
      await submit({ sender: 1, nonce: 5 });
      await submit({ sender: 2, nonce: 5 });
      await submit({ sender: 3, nonce: 5 });
      expect(pool.status().future).to.equal(2);
      expect(pool.has(hashOf({ sender: 1, nonce: 5 }))).to.equal(false);
      expect(pool.isBanned(hashOf({ sender: 1, nonce: 5 }))).to.equal(true);
    });

    it("enforces the byte limit", async () => {
      const one = encode({ sender: 1, nonce: 0, priority: 5 }).length;
      const { pool, submit, hashOf } = setup({ ready: { count: 100, totalBytes: 2 * one + 1 } });
      await submit({ sender: 1, nonce: 0, priority: 5 });
      await submit({ sender: 2, nonce: 0, priority: 5 });
      await submit({ sender: 3, nonce: 0, priority: 5 });
      expect(pool.has(hashOf({ sender: 1, nonce: 0, priority: 5 }))).to.equal(false, "oldest of equal priority evicted");
      expect(pool.status()).to.deep.include({ ready: 2, readyBytes: 2 * one });
      expect((await rejects(submit({ sender: 4, nonce: 0, priority: 1 }))).code).to.equal("POOL_IMMEDIATELY_DROPPED");
    });
  });

  describe("pruneForBlock", () => {
    it("removes included transactions (inBlock), promotes futures and finalizes", async () => {
      const { pool, submit, watch, block, hashOf } = setup();
      const { watcher: w0 } = await watch({ sender: 1, nonce: 0 });
      const { watcher: w2 } = await watch({ sender: 1, nonce: 2 });
      expect(pool.status()).to.deep.include({ ready: 1, future: 1 });
      // nonce 1 came from elsewhere and is included together with nonce 0
      const r = await block(1, [{ sender: 1, nonce: 0 }, { sender: 1, nonce: 1 }]);
      expect(r.included).to.deep.equal([hashOf({ sender: 1, nonce: 0 }), hashOf({ sender: 1, nonce: 1 })]);
      expect(pool.status()).to.deep.include({ ready: 0, future: 1 }, "the pool never learnt the tags of nonce 1");
      await pool.revalidate({ hash: blockHash(1), number: 1 });
      expect(pool.status()).to.deep.include({ ready: 1, future: 0 });
      expect(w2.statuses).to.deep.equal(["future", "ready"]);
      expect(w0.statuses).to.deep.equal(["ready", { inBlock: blockHash(1) }]);
      expect(pool.finalized(blockHash(1))).to.deep.equal([hashOf({ sender: 1, nonce: 0 })]);
      expect(w0.statuses).to.deep.equal(["ready", { inBlock: blockHash(1) }, { finalized: blockHash(1) }]);
      expect(w0.done).to.equal(true);
      await submit({ sender: 1, nonce: 3 });
      expect(pool.status()).to.deep.include({ ready: 2 });
    });

    it("promotes futures through the pruned tags of known transactions", async () => {
      const { pool, submit, watch, block } = setup();
      await submit({ sender: 1, nonce: 0 });
      await submit({ sender: 1, nonce: 1 });
      const { watcher } = await watch({ sender: 1, nonce: 3 });
      await block(1, [{ sender: 1, nonce: 0 }]);
      expect(pool.status()).to.deep.include({ ready: 1, future: 1 });
      // nonce 2 arrives after the block: its requirement (nonce 1) is still in the pool
      await submit({ sender: 1, nonce: 2 });
      expect(pool.status()).to.deep.include({ ready: 3, future: 0 });
      expect(watcher.statuses).to.deep.equal(["future", "ready"]);
    });

    it("accepts tags for unknown included transactions (flat list or per hash)", async () => {
      const { pool, submit, watch, chain, hashOf } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 1 });
      const foreign = { sender: 1, nonce: 0, salt: 99 };
      chain.include([foreign]);
      const r = await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [encode(foreign)], new Map([[hashOf(foreign), [new Uint8Array([1, 0, 0, 0, 0])]]]));
      expect(r.promoted).to.deep.equal([hashOf({ sender: 1, nonce: 1 })]);
      expect(watcher.statuses).to.deep.equal(["future", "ready"]);
      await submit({ sender: 2, nonce: 1 });
      await pool.pruneForBlock({ hash: blockHash(2), number: 2 }, [], [new Uint8Array([2, 0, 0, 0, 0])]);
      expect(pool.status()).to.deep.include({ ready: 2, future: 0 });
    });

    it("validates unknown included transactions at the parent for their tags", async () => {
      const { pool, watch, chain } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 1 });
      const foreign = { sender: 1, nonce: 0, salt: 7 };
      await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [encode(foreign)], undefined, { parentHash: B0 });
      chain.include([foreign]);
      expect(chain.calls.at(-1)).to.deep.include({ source: "InBlock", at: B0 });
      expect(watcher.statuses).to.deep.equal(["future", "ready"]);
    });

    it("drops a pool transaction conflicting with an included one (invalid, not inBlock)", async () => {
      const { pool, watch, chain, hashOf } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 0 });
      const foreign = { sender: 1, nonce: 0, salt: 5 };
      chain.include([foreign]);
      const r = await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [encode(foreign)], new Map([[hashOf(foreign), [new Uint8Array([1, 0, 0, 0, 0])]]]));
      expect(watcher.statuses).to.deep.equal(["ready", "invalid"]);
      expect(r.removed).to.deep.equal([hashOf({ sender: 1, nonce: 0 })]);
      expect(pool.status()).to.deep.include({ ready: 0, future: 0 });
    });

    it("re-imports a transaction pruned only as an exhausted predecessor if still valid", async () => {
      // pool: a(provides x), b(requires x, provides y); the block has b only and the chain provides x
      const { pool, submit, hashOf, chain } = setup();
      const a = { sender: 1, nonce: 0, provides: ["x"] };
      const b = { sender: 2, nonce: 0, requires: ["x"], provides: ["y"] };
      await submit(a);
      await submit(b);
      chain.overrides.set(hashOf(a), { ok: true, value: { priority: 1n, requires: [], provides: [new TextEncoder().encode("x2")], longevity: 64n, propagate: true } });
      await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [encode(b)]);
      expect(pool.has(hashOf(a))).to.equal(true);
      expect(pool.has(hashOf(b))).to.equal(false);
    });

    it("reports inBlock (not dropped) for an included transaction that was still in future", async () => {
      const { pool, watch, block, hashOf } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 1 });
      const r = await block(1, [{ sender: 1, nonce: 0 }, { sender: 1, nonce: 1 }]);
      expect(r.removed).to.deep.equal([]);
      expect(watcher.statuses).to.deep.equal(["future", { inBlock: blockHash(1) }]);
      expect(pool.has(hashOf({ sender: 1, nonce: 1 }))).to.equal(false);
    });

    it("drops futures providing a pruned tag", async () => {
      const { pool, watch, hashOf } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 0, requires: ["never"], provides: ["t"] });
      await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [], [new TextEncoder().encode("t")]);
      expect(watcher.statuses).to.deep.equal(["future", "dropped"]);
      expect(pool.has(hashOf({ sender: 1, nonce: 0, requires: ["never"], provides: ["t"] }))).to.equal(false);
    });

    it("drops transactions whose longevity ran out (invalid, banned)", async () => {
      const { pool, watch, submit, hashOf } = setup();
      const short = { sender: 1, nonce: 0, longevity: 2 };
      const { watcher } = await watch(short, { hash: B0, number: 0 });
      await submit({ sender: 1, nonce: 1, longevity: 100 }, { hash: B0, number: 0 });
      await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, []);
      expect(watcher.statuses).to.deep.equal(["ready"]);
      const r = await pool.pruneForBlock({ hash: blockHash(2), number: 2 }, []);
      expect(r.removed).to.deep.equal([hashOf(short)]);
      expect(watcher.statuses).to.deep.equal(["ready", "invalid"]);
      expect(pool.isBanned(hashOf(short))).to.equal(true);
      expect(pool.status()).to.deep.include({ ready: 0, future: 1 }, "its dependant waits in future");
    });

    it("resolves block numbers through the blockNumber option", async () => {
      const numbers = new Map([[B0, 10]]);
      const { pool, hashOf, submit } = setup({ blockNumber: (h) => numbers.get(h) });
      await submit({ sender: 1, nonce: 0, longevity: 5 }, B0);
      expect(pool.get(hashOf({ sender: 1, nonce: 0, longevity: 5 }))!.validTill).to.equal(15n);
    });
  });

  describe("revalidate", () => {
    it("drops transactions that became invalid and bans them", async () => {
      const { pool, submit, watch, chain, hashOf } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 0 });
      await submit({ sender: 2, nonce: 0 });
      chain.broke.add(1);
      const r = await pool.revalidate({ hash: blockHash(1), number: 1 });
      expect(r.checked).to.equal(2);
      expect(r.invalid).to.deep.equal([hashOf({ sender: 1, nonce: 0 })]);
      expect(watcher.statuses).to.deep.equal(["ready", "invalid"]);
      expect(pool.isBanned(hashOf({ sender: 1, nonce: 0 }))).to.equal(true);
      expect(pool.status().ready).to.equal(1);
    });

    it("moves dependants of an invalid transaction to future", async () => {
      const { pool, submit, watch, chain, hashOf } = setup();
      await submit({ sender: 1, nonce: 0 });
      const { watcher } = await watch({ sender: 1, nonce: 1 });
      chain.overrides.set(hashOf({ sender: 1, nonce: 0 }), { ok: false, error: { type: "Invalid", value: { type: "BadProof" } } });
      await pool.revalidate({ hash: blockHash(1), number: 1 });
      expect(watcher.statuses).to.deep.equal(["ready", "future"]);
      expect(pool.status()).to.deep.include({ ready: 0, future: 1 });
    });

    it("moves transactions between queues when their requirements change", async () => {
      const { pool, watch, chain, hashOf } = setup();
      const t = { sender: 1, nonce: 0 };
      const { watcher } = await watch(t);
      const needs = (req: string[]) => ({ ok: true as const, value: { priority: 1n, requires: req.map((x) => new TextEncoder().encode(x)), provides: [new TextEncoder().encode("p")], longevity: 64n, propagate: true } });
      chain.overrides.set(hashOf(t), needs(["missing"]));
      const r = await pool.revalidate(B0);
      expect(r.updated).to.equal(1);
      expect(pool.status()).to.deep.include({ ready: 0, future: 1 });
      chain.overrides.set(hashOf(t), needs([]));
      await pool.revalidate(B0);
      expect(pool.status()).to.deep.include({ ready: 1, future: 0 });
      expect(watcher.statuses).to.deep.equal(["ready", "future", "ready"]);
    });

    it("keeps transactions of unknown validity and emits nothing for unchanged ones", async () => {
      const { pool, watch, chain, hashOf } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 0 });
      await watch({ sender: 2, nonce: 0 });
      chain.overrides.set(hashOf({ sender: 1, nonce: 0 }), { ok: false, error: { type: "Unknown", value: { type: "CannotLookup" } } });
      const r = await pool.revalidate(B0);
      expect(r).to.deep.include({ checked: 2, invalid: [], updated: 0 });
      expect(pool.status().ready).to.equal(2);
      expect(watcher.statuses).to.deep.equal(["ready"]);
    });

    it("refreshes longevity from the new validation", async () => {
      const { pool, submit, hashOf } = setup();
      const t = { sender: 1, nonce: 0, longevity: 3 };
      await submit(t, { hash: B0, number: 0 });
      await pool.revalidate({ hash: blockHash(2), number: 2 });
      expect(pool.get(hashOf(t))!.validTill).to.equal(5n);
      await pool.pruneForBlock({ hash: blockHash(3), number: 3 }, []);
      expect(pool.has(hashOf(t))).to.equal(true);
    });

    it("validates in bounded concurrent batches", async () => {
      const { pool, submit, chain } = setup({ revalidationBatchSize: 4 });
      for (let s = 0; s < 10; s++) await submit({ sender: s, nonce: 0 });
      chain.delayTurns = 2;
      chain.calls.length = 0;
      const r = await pool.revalidate(B0);
      expect(r.checked).to.equal(10);
      expect(chain.calls).to.have.length(10);
      expect(chain.maxInFlight).to.equal(4);
    });

    it("ignores results for transactions replaced while validating", async () => {
      const { pool, submit, chain, hashOf } = setup();
      await submit({ sender: 1, nonce: 0, priority: 1 });
      chain.delayTurns = 3;
      chain.broke.add(1);
      const reval = pool.revalidate(B0);
      chain.broke.delete(1);
      chain.delayTurns = 0;
      await submit({ sender: 1, nonce: 0, priority: 9 });
      chain.broke.add(1);
      await reval;
      expect(pool.has(hashOf({ sender: 1, nonce: 0, priority: 9 }))).to.equal(true);
    });
  });

  describe("retract", () => {
    it("re-submits transactions of a retracted block; watchers see retracted then ready", async () => {
      const { pool, watch, chain, hashOf } = setup();
      const t = { sender: 1, nonce: 0 };
      const { watcher } = await watch(t);
      await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [encode(t)]);
      chain.include([t]);
      expect(pool.status().ready).to.equal(0);
      // re-org: block 1 leaves the best chain, the chain state goes back
      chain.nonces.set(1, 0);
      const back = await pool.retract(blockHash(1), [encode(t)], { hash: B0, number: 0 });
      expect(back).to.deep.equal([hashOf(t)]);
      expect(pool.status().ready).to.equal(1);
      // then the other fork includes it
      chain.include([t]);
      await pool.pruneForBlock({ hash: blockHash(1, 1), number: 1 }, [encode(t)]);
      pool.finalized(blockHash(1, 1));
      expect(watcher.statuses).to.deep.equal([
        "ready",
        { inBlock: blockHash(1) },
        { retracted: blockHash(1) },
        "ready",
        { inBlock: blockHash(1, 1) },
        { finalized: blockHash(1, 1) },
      ]);
    });

    it("reports invalid for a retracted transaction that no longer validates", async () => {
      const { pool, watch, chain } = setup();
      const t = { sender: 1, nonce: 0 };
      const { watcher } = await watch(t);
      chain.include([t]);
      await pool.pruneForBlock({ hash: blockHash(1), number: 1 }, [encode(t)]);
      const back = await pool.retract(blockHash(1), [encode(t)]);
      expect(back).to.deep.equal([]);
      expect(watcher.statuses).to.deep.equal(["ready", { inBlock: blockHash(1) }, { retracted: blockHash(1) }, "invalid"]);
    });
  });

  describe("finality", () => {
    it("times out watchers when too many blocks await finality", async () => {
      const { pool, watch } = setup({ maxFinalityWatchers: 2 });
      const ws = [];
      for (let n = 1; n <= 3; n++) {
        const t = { sender: n, nonce: 0 };
        ws.push((await watch(t)).watcher);
        await pool.pruneForBlock({ hash: blockHash(n), number: n }, [encode(t)]);
      }
      expect(ws[0]!.statuses).to.deep.equal(["ready", { inBlock: blockHash(1) }, { finalityTimeout: blockHash(1) }]);
      expect(ws[2]!.statuses).to.deep.equal(["ready", { inBlock: blockHash(3) }]);
    });

    it("finalizes watched transactions named by the caller", async () => {
      const { pool, watch, hashOf } = setup();
      const t = { sender: 1, nonce: 0 };
      const { watcher } = await watch(t);
      expect(pool.finalized(blockHash(5), [hashOf(t), "0xdead"])).to.deep.equal([hashOf(t)]);
      expect(watcher.statuses).to.deep.equal(["ready", { finalized: blockHash(5) }]);
    });
  });

  describe("remove", () => {
    it("removes and bans (invalid); dependants move to future", async () => {
      const { pool, submit, watch, hashOf } = setup();
      const { watcher: w0 } = await watch({ sender: 1, nonce: 0 });
      const { watcher: w1 } = await watch({ sender: 1, nonce: 1 });
      await submit({ sender: 2, nonce: 0 });
      const removed = pool.remove([hashOf({ sender: 1, nonce: 0 }), "0xabsent"]);
      expect(removed).to.deep.equal([hashOf({ sender: 1, nonce: 0 })]);
      expect(w0.statuses).to.deep.equal(["ready", "invalid"]);
      expect(w1.statuses).to.deep.equal(["ready", "future"]);
      expect(pool.isBanned(hashOf({ sender: 1, nonce: 0 }))).to.equal(true);
      expect(pool.status()).to.deep.include({ ready: 1, future: 1 });
    });
  });

  describe("watcher", () => {
    it("iterates statuses and ends after a final one", async () => {
      const { pool, watch, block } = setup();
      const t = { sender: 1, nonce: 0 };
      const { watcher } = await watch(t);
      const seen: TransactionStatus[] = [];
      const done = (async () => {
        for await (const s of watcher) seen.push(s);
      })();
      await block(1, [t]);
      pool.finalized(blockHash(1));
      await done;
      expect(seen).to.deep.equal(["ready", { inBlock: blockHash(1) }, { finalized: blockHash(1) }]);
    });

    it("replays history to subscribers and stops after close()", async () => {
      const { watch, submit } = setup();
      const { watcher } = await watch({ sender: 1, nonce: 1 });
      const got: TransactionStatus[] = [];
      watcher.subscribe((s) => got.push(s));
      watcher.close();
      await submit({ sender: 1, nonce: 0 });
      expect(got).to.deep.equal(["future"]);
      expect(await watcher.final()).to.equal(undefined);
    });

    it("is not created when submission fails", async () => {
      const { watch, submit } = setup();
      await submit({ sender: 1, nonce: 0 });
      expect((await rejects(watch({ sender: 1, nonce: 0 }))).code).to.equal("POOL_ALREADY_IMPORTED");
    });
  });

  it("notifies import listeners of ready transactions", async () => {
    const { pool, submit, hashOf } = setup();
    const got: string[] = [];
    pool.onImported((h) => got.push(h));
    await submit({ sender: 1, nonce: 1 });
    await submit({ sender: 1, nonce: 0 });
    expect(got).to.deep.equal([hashOf({ sender: 1, nonce: 0 })]);
  });
});
