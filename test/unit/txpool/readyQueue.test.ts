/**
 * Known answers from Substrate's own unit tests for the ready queue
 * (paritytech/polkadot-sdk substrate/client/transaction-pool/src/graph/ready.rs @ 1395a6fabf45,
 * `mod tests`): default transaction priority 1, valid_till 2, requires [[1],[2]], provides [[3],[4]].
 */
import { expect } from "chai";
import { ReadyQueue } from "../../../node/txpool/readyQueue.ts";
import { tagKey, type PoolTransaction } from "../../../node/txpool/index.ts";

interface Opts {
  priority?: number;
  validTill?: bigint;
  requires?: number[][];
  provides?: number[][];
}

function tx(id: number, o: Opts = {}): PoolTransaction {
  const requires = (o.requires ?? [[1], [2]]).map((t) => new Uint8Array(t));
  const provides = (o.provides ?? [[3], [4]]).map((t) => new Uint8Array(t));
  return {
    hash: String(id),
    data: new Uint8Array([id]),
    bytes: 1,
    priority: BigInt(o.priority ?? 1),
    validTill: o.validTill ?? 2n,
    requires,
    provides,
    requiresKeys: requires.map(tagKey),
    providesKeys: provides.map(tagKey),
    propagate: true,
    source: "External",
  };
}

/**
 * tx1 -> tx2 \\
 *     ->  ->  tx3
 *     -> tx4 -> tx5 -> tx6
 *     -> tx7
 */
function populate(ready: ReadyQueue): void {
  const txs = [
    tx(1, { requires: [] }),
    tx(2, { requires: [[3], [4]], provides: [[106]] }),
    tx(3, { requires: [[3], [106]], provides: [] }),
    tx(7, { requires: [[3]], provides: [], validTill: (1n << 64n) - 1n }),
    tx(4, { requires: [[3]], provides: [[107]] }),
    tx(5, { requires: [[107]], provides: [[108]] }),
    tx(6, { requires: [[108]], provides: [] }),
  ];
  for (const t of txs) ready.import(t);
}

describe("txpool ReadyQueue (Substrate ready.rs tests)", () => {
  it("should_replace_transaction_that_provides_the_same_tag", () => {
    const ready = new ReadyQueue();
    ready.import(tx(2, { requires: [], provides: [[3]] }));
    ready.import(tx(3, { requires: [], provides: [[4]] }));
    expect(ready.ordered()).to.have.length(2);
    expect(() => ready.import(tx(1, { requires: [] }))).to.throw("Too low priority");
    ready.import(tx(1, { requires: [], priority: 10 }));
    expect(ready.ordered()).to.have.length(1);
  });

  it("should_replace_multiple_transactions_correctly", () => {
    const ready = new ReadyQueue();
    ready.import(tx(0, { requires: [], provides: [[0]] }));
    ready.import(tx(1, { requires: [], provides: [[1]] }));
    ready.import(tx(2, { requires: [[0], [1]], provides: [[2], [3]] }));
    ready.import(tx(3, { requires: [[2]], provides: [[4]] }));
    ready.import(tx(4, { requires: [[3]], provides: [[5]] }));
    expect(ready.ordered()).to.have.length(5);
    ready.import(tx(5, { requires: [[0], [1]], provides: [[2]], priority: 10 }));
    expect(ready.ordered()).to.have.length(3);
  });

  it("should_return_best_transactions_in_correct_order", () => {
    const ready = new ReadyQueue();
    populate(ready);
    expect(ready.ordered().map((t) => t.data[0])).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
  });

  it("should_order_refs (priority, then validity, then insertion)", () => {
    const order = (a: Opts, b: Opts) => {
      const ready = new ReadyQueue();
      ready.import(tx(1, { requires: [], provides: [[10]], ...a }));
      ready.import(tx(2, { requires: [], provides: [[20]], ...b }));
      return ready.ordered().map((t) => t.data[0]);
    };
    expect(order({ priority: 2, validTill: 3n }, { priority: 3, validTill: 3n })).to.deep.equal([2, 1]);
    expect(order({ priority: 3, validTill: 3n }, { priority: 3, validTill: 2n })).to.deep.equal([2, 1]);
    expect(order({ priority: 3, validTill: 3n }, { priority: 3, validTill: 3n })).to.deep.equal([1, 2]);
  });

  it("should_skip_invalid_transactions_while_iterating", () => {
    const ready = new ReadyQueue();
    populate(ready);
    const it = ready.iterator();
    expect([it.next(), it.next(), it.next()].map((t) => t!.data[0])).to.deep.equal([1, 2, 3]);
    const tx4 = it.next()!;
    expect(tx4.data[0]).to.equal(4);
    it.reportInvalid(tx4.hash); // skips 5 and 6
    expect(it.next()!.data[0]).to.equal(7);
    expect(it.next()).to.equal(undefined);
  });

  it("should_remove_tx_from_unlocks_set_of_its_parent", () => {
    const ready = new ReadyQueue();
    populate(ready);
    const removed = ready.removeSubtree(["2"]).map((t) => t.data[0]);
    expect(removed.sort()).to.deep.equal([2, 3]);
    expect(ready.ordered().map((t) => t.data[0])).to.deep.equal([1, 4, 5, 6, 7]);
  });

  it("prunes a tag keeping the dependants, which become best", () => {
    const ready = new ReadyQueue();
    populate(ready);
    const pruned = ready.pruneTag(tagKey(new Uint8Array([3])));
    expect(pruned.map((t) => t.data[0])).to.deep.equal([1]);
    expect(ready.ordered().map((t) => t.data[0])).to.deep.equal([2, 3, 4, 5, 6, 7]);
  });
});
