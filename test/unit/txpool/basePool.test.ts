/**
 * Known answers from Substrate's own unit tests for the same graph
 * (paritytech/polkadot-sdk substrate/client/transaction-pool/src/graph/base_pool.rs @ 02f9e4bac896,
 * `mod tests`): same inputs (tags as single bytes, default priority 5, valid_till 64), same expected
 * orders and import outcomes.
 */
import { expect } from "chai";
import { BasePool } from "../../../node/txpool/basePool.ts";
import { tagKey, type PoolTransaction } from "../../../node/txpool/index.ts";

function tx(hash: number, o: { priority?: number; requires?: number[][]; provides?: number[][] } = {}): PoolTransaction {
  const requires = (o.requires ?? []).map((t) => new Uint8Array(t));
  const provides = (o.provides ?? []).map((t) => new Uint8Array(t));
  return {
    hash: String(hash),
    data: new Uint8Array([hash]),
    bytes: 1,
    priority: BigInt(o.priority ?? 5),
    validTill: 64n,
    requires,
    provides,
    requiresKeys: requires.map(tagKey),
    providesKeys: provides.map(tagKey),
    propagate: true,
    source: "External",
  };
}

const order = (pool: BasePool) => pool.ready.ordered().map((t) => t.data[0]);

describe("txpool BasePool (Substrate base_pool.rs tests)", () => {
  it("should_promote_a_subgraph", () => {
    const pool = new BasePool();
    pool.import(tx(1, { requires: [[0]], provides: [[1]] }));
    pool.import(tx(3, { requires: [[2]] }));
    pool.import(tx(2, { requires: [[1]], provides: [[3], [2]] }));
    pool.import(tx(4, { priority: 1000, requires: [[3], [4]] }));
    expect(pool.ready.size).to.equal(0);
    const res = pool.import(tx(5, { provides: [[0], [4]] }));
    expect(order(pool)).to.deep.equal([5, 1, 2, 4, 3]);
    expect(res).to.deep.equal({ kind: "ready", hash: "5", promoted: ["1", "2", "3", "4"], failed: [], removed: [] });
  });

  it("should_remove_conflicting_future", () => {
    const pool = new BasePool();
    pool.import(tx(3, { requires: [[1]], priority: 50, provides: [[3]] }));
    const tx2 = tx(2, { requires: [[1]], provides: [[3]] });
    pool.import(tx2);
    expect(pool.future.size).to.equal(2);
    const res = pool.import(tx(1, { provides: [[1]] }));
    expect(res).to.deep.equal({ kind: "ready", hash: "1", promoted: ["3"], failed: [], removed: [tx2] });
    expect(order(pool)).to.deep.equal([1, 3]);
    expect(pool.future.size).to.equal(0);
  });

  it("should_handle_a_cycle", () => {
    const pool = new BasePool();
    pool.import(tx(1, { requires: [[0]], provides: [[1]] }));
    pool.import(tx(3, { requires: [[1]], provides: [[2]] }));
    const tx2 = tx(2, { requires: [[2]], provides: [[0]] });
    pool.import(tx2);
    expect(order(pool)).to.deep.equal([]);
    expect(pool.future.size).to.equal(3);
    const res = pool.import(tx(4, { priority: 50, provides: [[0]] }));
    expect(order(pool)).to.deep.equal([4, 1, 3]);
    expect(res).to.deep.equal({ kind: "ready", hash: "4", promoted: ["1", "3"], failed: [], removed: [tx2] });
    expect(pool.future.size).to.equal(0);
  });

  it("should_handle_a_cycle_with_low_priority", () => {
    const pool = new BasePool();
    pool.import(tx(1, { requires: [[0]], provides: [[1]] }));
    pool.import(tx(3, { requires: [[1]], provides: [[2]] }));
    pool.import(tx(2, { requires: [[2]], provides: [[0]] }));
    const res = pool.import(tx(4, { priority: 1, provides: [[0]] }));
    expect(res.kind).to.equal("cycle");
    expect(order(pool)).to.deep.equal([]);
    expect(pool.ready.size).to.equal(0);
    expect(pool.future.size).to.equal(0);
  });

  it("should_remove_invalid_transactions", () => {
    const pool = new BasePool();
    pool.import(tx(5, { provides: [[0], [4]] }));
    pool.import(tx(1, { requires: [[0]], provides: [[1]] }));
    pool.import(tx(3, { requires: [[2]] }));
    pool.import(tx(2, { requires: [[1]], provides: [[3], [2]] }));
    pool.import(tx(4, { priority: 1000, requires: [[3], [4]] }));
    pool.import(tx(6, { priority: 1000, requires: [[11]] }));
    expect(order(pool)).to.have.length(5);
    expect(pool.future.size).to.equal(1);
    pool.removeSubtree(["6", "1"]);
    expect(order(pool)).to.have.length(1);
    expect(pool.future.size).to.equal(0);
  });

  it("should_prune_ready_transactions", () => {
    const pool = new BasePool();
    pool.import(tx(5, { requires: [[0]], provides: [[100]] }));
    pool.import(tx(1, { provides: [[1]] }));
    pool.import(tx(2, { requires: [[2]], provides: [[3]] }));
    pool.import(tx(3, { requires: [[1]], provides: [[2]] }));
    pool.import(tx(4, { priority: 1000, requires: [[3], [2]], provides: [[4]] }));
    expect(order(pool)).to.have.length(4);
    expect(pool.future.size).to.equal(1);
    const result = pool.pruneTags([tagKey(new Uint8Array([0])), tagKey(new Uint8Array([2]))]);
    expect(result.pruned).to.have.length(2);
    expect(result.failed).to.have.length(0);
    expect(result.promoted).to.deep.equal([{ kind: "ready", hash: "5", promoted: [], failed: [], removed: [] }]);
    expect(pool.future.size).to.equal(0);
    expect(pool.ready.size).to.equal(3);
    expect(order(pool)).to.have.length(3);
  });

  it("prune_for_future_works", () => {
    const pool = new BasePool();
    pool.import(tx(0xaa, { requires: [[1]], provides: [[2]] }));
    expect(pool.future.size).to.equal(1);
    const result = pool.pruneTags([tagKey(new Uint8Array([2]))]);
    expect(pool.ready.size).to.equal(0);
    expect(pool.future.size).to.equal(0);
    expect(result.pruned).to.have.length(0);
    expect(result.failed).to.deep.equal(["170"]);
    expect(result.promoted).to.have.length(0);
  });

  it("should_not_import_same_transaction_twice", () => {
    const pool = new BasePool();
    pool.import(tx(1, { provides: [[1]] }));
    expect(() => pool.import(tx(1, { provides: [[1]] }))).to.throw("Already imported");
    expect(pool.ready.size).to.equal(1);
  });

  it("keeps byte counts consistent through import, replacement, pruning and removal", () => {
    const pool = new BasePool();
    pool.import(tx(1, { provides: [[1]] }));
    pool.import(tx(2, { requires: [[1]], provides: [[2]] }));
    pool.import(tx(3, { requires: [[9]], provides: [[3]] }));
    pool.import(tx(4, { provides: [[1]], priority: 9 }));
    expect(pool.status()).to.deep.equal({ ready: 2, readyBytes: 2, future: 1, futureBytes: 1 });
    pool.pruneTags([tagKey(new Uint8Array([2]))]);
    pool.removeSubtree(["3"]);
    expect(pool.status()).to.deep.equal({ ready: 0, readyBytes: 0, future: 0, futureBytes: 0 });
  });
});
