import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChainDb, type StatePruning } from "../../../node/db/index.ts";
import { toHex } from "../../../framework/codec/bytes.ts";
import { SyntheticChain, blockCommit, blockHash, nodeContent, nodeHash, trieCommit, type SynBlock } from "./synthetic.ts";

/** A hand-made block: `inserted` must be absent from the parent state, `removed` present in it. */
function mk(tag: string, parent: SynBlock | undefined, rootId: number, inserted: number[], removed: number[]): SynBlock {
  const state = new Set(parent?.state ?? []);
  for (const id of removed) {
    if (!state.delete(id)) throw new Error(`test bug: ${id} not in parent state`);
  }
  for (const id of inserted) {
    if (state.has(id)) throw new Error(`test bug: ${id} already in parent state`);
    state.add(id);
  }
  return {
    hash: blockHash(`hand-${tag}`),
    number: parent ? parent.number + 1 : 0,
    parentHash: parent?.hash ?? new Uint8Array(32),
    rootId,
    state,
    commit: trieCommit(rootId, inserted, removed),
  };
}

describe("ChainDb state pruning", () => {
  let dir: string;
  let db: ChainDb | undefined;
  const openDb = (statePruning: StatePruning): ChainDb => (db = ChainDb.open(join(dir, "db"), { statePruning, noSync: true }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chaindb-prune-"));
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const present = (d: ChainDb, id: number): boolean => d.getNode(nodeHash(id)) !== undefined;
  const fin = (b: SynBlock) => ({ finalized: { hash: b.hash, number: b.number } });

  it("keeps a node shared by several versions until no retained state needs it (N = 1)", () => {
    const d = openDb(1);
    const g = mk("g", undefined, 1, [1, 100], []);
    const b1 = mk("1", g, 2, [2, 200], [1]);
    const b2 = mk("2", b1, 3, [3], [2, 100]);
    const b3 = mk("3", b2, 4, [4, 100], [3]); // re-inserts 100
    const b4 = mk("4", b3, 5, [5], [4, 100]);
    const b5 = mk("5", b4, 6, [6], [5]);
    for (const b of [g, b1, b2, b3, b4]) d.commitBlock(blockCommit(b));
    expect(d.stateNodeCount()).to.equal(7); // 1 2 3 4 5 200, and 100 once although inserted twice

    d.commitHead(fin(b2)); // retained: 1..2 and 3, 4 → drops state(g): node 1
    expect([1, 2, 3, 4, 5, 100, 200].map((id) => present(d, id))).to.deep.equal([false, true, true, true, true, true, true]);
    expect(d.hasState(nodeHash(g.rootId))).to.equal(false);
    expect(d.hasState(nodeHash(b1.rootId))).to.equal(true);

    d.commitHead(fin(b3)); // drops state(b1): b2 removed 2 and 100, but b3 re-inserted 100
    expect([2, 100, 200].map((id) => present(d, id))).to.deep.equal([false, true, true]);

    d.commitHead(fin(b4)); // drops state(b2): node 3; 100 is still in state(b3)
    expect([3, 100].map((id) => present(d, id))).to.deep.equal([false, true]);

    d.commitBlock(blockCommit(b5, fin(b5))); // drops state(b3): b4 removed 4 and 100
    expect([4, 100, 5, 6, 200].map((id) => present(d, id))).to.deep.equal([false, false, true, true, true]);
    expect(d.stateNodeCount()).to.equal(3);
    // block data of the canonical chain stays
    for (const b of [g, b1, b2, b3, b4, b5]) expect(d.header(b.hash), `header ${b.number}`).to.not.equal(undefined);
  });

  it("discards forks below finality with their inserted nodes, keeping nodes the canonical chain shares (N = 0)", () => {
    const d = openDb(0);
    const g = mk("g", undefined, 1, [1, 100], []);
    const a1 = mk("a1", g, 2, [2, 300], [1]);
    const b1 = mk("b1", g, 3, [3, 300], [1]); // same node 300 as its sibling
    const b2 = mk("b2", b1, 4, [4, 400], [3]);
    const c2 = mk("c2", a1, 5, [5, 400], [2]); // shares 400 with the doomed fork
    d.commitBlock(blockCommit(g));
    d.commitBlock(blockCommit(a1));
    d.commitBlock(blockCommit(b1, { setBest: false }));
    d.commitBlock(blockCommit(b2, { setBest: false }));
    d.commitBlock(blockCommit(c2, { setBest: false }));
    expect(d.children(g.hash).length).to.equal(2);

    d.commitHead(fin(a1));
    expect([1, 2, 3, 4, 5, 100, 300, 400].map((id) => present(d, id))).to.deep.equal([false, true, false, false, true, true, true, true]);
    for (const b of [b1, b2]) {
      expect(d.header(b.hash), "discarded header").to.equal(undefined);
      expect(d.body(b.hash), "discarded body").to.equal(undefined);
      expect(d.blockMeta(b.hash), "discarded meta").to.equal(undefined);
    }
    expect(d.children(g.hash).map(toHex)).to.deep.equal([toHex(a1.hash)]);
    expect(d.header(c2.hash)).to.not.equal(undefined);
    expect(d.hasState(nodeHash(c2.rootId))).to.equal(true);
    d.commitHead({ best: c2.hash, ...fin(c2) });
    expect([2, 5, 100, 300, 400].map((id) => present(d, id))).to.deep.equal([false, true, true, true, true]);
    expect(d.stateNodeCount()).to.equal(4);
  });

  it("never deletes state in archive mode", () => {
    const d = openDb("archive");
    const g = mk("g", undefined, 1, [1, 100], []);
    const a1 = mk("a1", g, 2, [2], [1, 100]);
    const b1 = mk("b1", g, 3, [3], [1]);
    d.commitBlock(blockCommit(g));
    d.commitBlock(blockCommit(a1));
    d.commitBlock(blockCommit(b1, { setBest: false }));
    d.commitHead(fin(a1));
    expect([1, 2, 3, 100].every((id) => present(d, id))).to.equal(true);
    expect(d.header(b1.hash)).to.not.equal(undefined);
  });

  describe("random block trees against a reachability model", () => {
    interface MBlock extends SynBlock {
      parent: MBlock | undefined;
    }

    for (const mode of ["archive", 0, 1, 3] as StatePruning[]) {
      it(`statePruning ${String(mode)}: stored nodes are exactly the union of retained states`, () => {
        const d = openDb(mode);
        const syn = new SyntheticChain(1000 + (mode === "archive" ? 99 : mode));
        const rand = syn.rand;
        const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
        const all: MBlock[] = [];
        const g: MBlock = { ...syn.genesis(), parent: undefined };
        all.push(g);
        d.commitBlock(blockCommit(g));
        let best = g;
        let finalized = g;

        const descends = (b: MBlock, a: MBlock): boolean => {
          let x: MBlock | undefined = b;
          while (x && x.number > a.number) x = x.parent;
          return x === a;
        };
        const bestChain = (): MBlock[] => {
          const out: MBlock[] = [];
          for (let x: MBlock | undefined = best; x; x = x.parent) out.unshift(x);
          return out;
        };
        const candidates = () => all.filter((b) => descends(b, finalized));
        const finalityTarget = (): MBlock => pick(bestChain().slice(finalized.number));

        /** Meta, index and node count every step; node contents, roots and headers every 4th step. */
        const verify = (step: number) => {
          const ctx = `step ${step}`;
          const m = d.meta()!;
          expect(toHex(m.bestHash), ctx).to.equal(toHex(best.hash));
          expect(toHex(m.finalizedHash), ctx).to.equal(toHex(finalized.hash));
          const chain = bestChain();
          for (const b of chain) expect(toHex(d.hashByNumber(b.number)!), `${ctx} canon ${b.number}`).to.equal(toHex(b.hash));
          expect(d.hashByNumber(best.number + 1), ctx).to.equal(undefined);

          const retained =
            mode === "archive"
              ? all
              : [...chain.filter((b) => b.number >= finalized.number - (mode as number) && b.number < finalized.number), ...candidates()];
          const expected = new Set<number>();
          for (const b of retained) for (const id of b.state) expected.add(id);
          expect(d.stateNodeCount(), `${ctx} node count`).to.equal(expected.size);
          if (step % 4 !== 3) return;
          for (const id of expected) {
            const node = d.getNode(nodeHash(id));
            expect(node && toHex(node), `${ctx} node ${id}`).to.equal(toHex(nodeContent(id)));
          }
          for (const b of retained) expect(d.hasState(nodeHash(b.rootId)), `${ctx} state of ${b.number}`).to.equal(true);
          const stored = mode === "archive" ? new Set(all) : new Set([...chain.filter((b) => b.number <= finalized.number), ...candidates()]);
          for (const b of all) expect(d.header(b.hash) !== undefined, `${ctx} header of ${b.number} stored`).to.equal(stored.has(b));
        };

        for (let step = 0; step < 160; step++) {
          const r = rand();
          if (r < 0.6) {
            const parent = rand() < 0.5 ? best : pick(candidates());
            const child: MBlock = {
              ...syn.child(parent, { inserts: 1 + Math.floor(rand() * 4), removes: Math.floor(rand() * 4), reuse: Math.floor(rand() * 3) }),
              parent,
            };
            const setBest = child.number > best.number || rand() < 0.2;
            all.push(child);
            if (setBest) best = child;
            const target = rand() < 0.2 ? finalityTarget() : undefined;
            d.commitBlock(blockCommit(child, { setBest, ...(target ? fin(target) : {}) }));
            if (target) finalized = target;
          } else if (r < 0.8) {
            best = pick(candidates());
            d.commitHead({ best: best.hash });
          } else {
            finalized = finalityTarget();
            d.commitHead(fin(finalized));
          }
          verify(step);
        }
        expect(finalized.number, "finality advanced").to.be.greaterThan(5);
      });
    }
  });
});
