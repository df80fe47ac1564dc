import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { open as openLmdb } from "lmdb";
import { ChainDb, DbError, SCHEMA_VERSION, classifyLmdbError, isStorageError, type DbErrorCode, type TrieCommit } from "../../../node/db/index.ts";
import { toHex, utf8 } from "../../../framework/codec/bytes.ts";
import { SyntheticChain, blockCommit, nodeContent, nodeHash, trieCommit, type SynBlock } from "./synthetic.ts";

function expectDbError(fn: () => unknown, code: DbErrorCode): void {
  try {
    fn();
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(DbError);
    expect((err as DbError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe("ChainDb", () => {
  let dir: string;
  let dbs: ChainDb[];
  const openDb = (statePruning: "archive" | number = "archive", path = join(dir, "db")): ChainDb => {
    const db = ChainDb.open(path, { statePruning, noSync: true });
    dbs.push(db);
    return db;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chaindb-"));
    dbs = [];
  });
  afterEach(async () => {
    for (const db of dbs) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Commits genesis and `n` blocks on a line; returns them. */
  function line(db: ChainDb, syn: SyntheticChain, n: number): SynBlock[] {
    const out = [syn.genesis()];
    db.commitBlock(blockCommit(out[0]!));
    for (let i = 0; i < n; i++) {
      const b = syn.child(out[out.length - 1]!, { inserts: 3, removes: 1, reuse: 0 });
      db.commitBlock(blockCommit(b));
      out.push(b);
    }
    return out;
  }

  describe("round trip", () => {
    it("stores and reads back blocks, metadata, index, state nodes and aux", () => {
      const db = openDb();
      expect(db.meta()).to.equal(undefined);
      const syn = new SyntheticChain(1);
      const g = syn.genesis();
      db.commitBlock(blockCommit(g, { aux: [[utf8("k1"), utf8("v1")]] }));
      const b1 = syn.child(g, { inserts: 4, removes: 2, reuse: 0 });
      const extra = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
      db.commitBlock(blockCommit(b1, { justifications: utf8("just-1"), extra, aux: [[utf8("k2"), utf8("v2")], [utf8("k1"), null]] }));

      expect(db.meta()).to.deep.equal({ genesisHash: g.hash, bestHash: b1.hash, bestNumber: 1, finalizedHash: g.hash, finalizedNumber: 0 });
      expect(toHex(db.header(b1.hash)!)).to.equal(toHex(utf8(`header-${toHex(b1.hash)}`)));
      expect(toHex(db.body(b1.hash)!)).to.equal(toHex(utf8("body-1")));
      expect(toHex(db.justifications(b1.hash)!)).to.equal(toHex(utf8("just-1")));
      expect(db.justifications(g.hash)).to.equal(undefined);
      const bm = db.blockMeta(b1.hash)!;
      expect(bm.number).to.equal(1);
      expect(toHex(bm.parentHash)).to.equal(toHex(g.hash));
      expect(toHex(bm.stateRoot)).to.equal(toHex(nodeHash(b1.rootId)));
      expect(toHex(bm.extra)).to.equal(toHex(extra));
      expect(db.blockMeta(g.hash)!.extra.length).to.equal(0);
      expect(toHex(db.hashByNumber(0)!)).to.equal(toHex(g.hash));
      expect(toHex(db.hashByNumber(1)!)).to.equal(toHex(b1.hash));
      expect(db.hashByNumber(2)).to.equal(undefined);
      expect(db.children(g.hash).map(toHex)).to.deep.equal([toHex(b1.hash)]);
      expect(db.hasState(nodeHash(g.rootId))).to.equal(true);
      expect(db.hasState(nodeHash(b1.rootId))).to.equal(true);
      for (const id of [...g.state, ...b1.state]) {
        const node = db.getNode(nodeHash(id))!;
        expect(toHex(node), `node ${id}`).to.equal(toHex(nodeContent(id)));
        expect(node.byteOffset === 0 && node.byteLength === node.buffer.byteLength, "getNode returns an exact view").to.equal(true);
      }
      expect(db.getNode(new Uint8Array(32))).to.equal(undefined);
      expect(db.aux(utf8("k1"))).to.equal(undefined);
      expect(toHex(db.aux(utf8("k2"))!)).to.equal(toHex(utf8("v2")));
    });

    it("counts a node inserted by several blocks once in storage", () => {
      const db = openDb();
      const syn = new SyntheticChain(2);
      const g = syn.genesis(0);
      db.commitBlock(blockCommit(g));
      // two forks both inserting node 1000
      const a = { ...syn.child(g, { inserts: 0, removes: 0, reuse: 0 }) };
      a.commit = trieCommit(a.rootId, [a.rootId, 1000], [g.rootId]);
      const b = { ...syn.child(g, { inserts: 0, removes: 0, reuse: 0 }) };
      b.commit = trieCommit(b.rootId, [b.rootId, 1000], [g.rootId]);
      db.commitBlock(blockCommit(a));
      db.commitBlock(blockCommit(b, { setBest: false }));
      expect(db.stateNodeCount()).to.equal(1 + 2 + 1);
      expect(toHex(db.getNode(nodeHash(1000))!)).to.equal(toHex(nodeContent(1000)));
    });
  });

  describe("reopen", () => {
    it("returns the same meta and data after close and open", async () => {
      const path = join(dir, "db");
      const db = ChainDb.open(path, { statePruning: 4 });
      const blocks = line(db, new SyntheticChain(3), 5);
      db.commitHead({ finalized: { hash: blocks[2]!.hash, number: 2 } });
      const meta = db.meta();
      await db.close();
      const again = openDb(4, path);
      expect(again.meta()).to.deep.equal(meta);
      expect(toHex(again.hashByNumber(5)!)).to.equal(toHex(blocks[5]!.hash));
      expect(again.hasState(nodeHash(blocks[5]!.rootId))).to.equal(true);
      const b6 = new SyntheticChain(99).child(blocks[5]!, { inserts: 2, removes: 1, reuse: 0 });
      again.commitBlock(blockCommit(b6));
      expect(again.meta()!.bestNumber).to.equal(6);
    });

    it("persists the pruning cursor", async () => {
      const path = join(dir, "db");
      const db = ChainDb.open(path, { statePruning: 1, noSync: true });
      const blocks = line(db, new SyntheticChain(31), 5);
      db.commitHead({ finalized: { hash: blocks[4]!.hash, number: 4 } }); // states below 4 − 1 dropped
      await db.close();
      const env = openLmdb(path, { maxDbs: 16 });
      const cursor = env.openDB({ name: "meta", keyEncoding: "binary", encoding: "binary" }).getBinary(Buffer.from("pruneCursor"));
      await env.close();
      expect(cursor?.readUInt32LE(0)).to.equal(3);
    });

    it("allows changing N but not switching between archive and pruned", async () => {
      const path = join(dir, "db");
      let db = ChainDb.open(path, { statePruning: 4 });
      line(db, new SyntheticChain(4), 2);
      await db.close();
      db = ChainDb.open(path, { statePruning: 8 });
      expect(db.statePruning).to.equal(8);
      await db.close();
      expectDbError(() => ChainDb.open(path, { statePruning: "archive" }), "DB_ERROR_PRUNING_MODE");
      const archivePath = join(dir, "archive");
      await ChainDb.open(archivePath, { statePruning: "archive" }).close();
      expectDbError(() => ChainDb.open(archivePath, { statePruning: 3 }), "DB_ERROR_PRUNING_MODE");
      expectDbError(() => ChainDb.open(join(dir, "x"), { statePruning: -1 }), "DB_ERROR_INVALID_INPUT");
    });

    it("rejects another schema version with DB_ERROR_SCHEMA", async () => {
      const path = join(dir, "db");
      const db = ChainDb.open(path, { statePruning: "archive" });
      line(db, new SyntheticChain(5), 1);
      await db.close();
      const env = openLmdb(path, { maxDbs: 16 });
      const meta = env.openDB({ name: "meta", keyEncoding: "binary", encoding: "binary" });
      const v = Buffer.alloc(4);
      v.writeUInt32LE(SCHEMA_VERSION + 1);
      meta.putSync(Buffer.from("schema"), v);
      await env.close();
      expectDbError(() => ChainDb.open(path, { statePruning: "archive" }), "DB_ERROR_SCHEMA");
    });

    it("rejects a malformed chain record with DB_ERROR_CORRUPT", async () => {
      const path = join(dir, "db");
      const db = ChainDb.open(path, { statePruning: "archive" });
      line(db, new SyntheticChain(6), 1);
      await db.close();
      const env = openLmdb(path, { maxDbs: 16 });
      env.openDB({ name: "meta", keyEncoding: "binary", encoding: "binary" }).putSync(Buffer.from("chain"), Buffer.from([1, 2, 3]));
      await env.close();
      expectDbError(() => ChainDb.open(path, { statePruning: "archive" }), "DB_ERROR_CORRUPT");
    });

    it("rejects a file that is not LMDB with DB_ERROR_CORRUPT (instead of crashing)", () => {
      const path = join(dir, "garbage");
      mkdirSync(path);
      writeFileSync(join(path, "data.mdb"), randomBytes(64 * 1024));
      expectDbError(() => ChainDb.open(path, { statePruning: "archive" }), "DB_ERROR_CORRUPT");
    });
  });

  describe("validation", () => {
    it("rejects bad blocks with typed errors", async () => {
      const db = openDb(2);
      const syn = new SyntheticChain(7);
      const g = syn.genesis();
      const b1 = syn.child(g, { inserts: 1, removes: 0, reuse: 0 });
      expectDbError(() => db.commitBlock(blockCommit(b1)), "DB_ERROR_NO_GENESIS");
      expectDbError(() => db.commitHead({ best: g.hash }), "DB_ERROR_NO_GENESIS");
      db.commitBlock(blockCommit(g));
      expectDbError(() => db.commitBlock(blockCommit(g)), "DB_ERROR_BLOCK_EXISTS");
      const orphan = syn.child(b1, { inserts: 1, removes: 0, reuse: 0 });
      expectDbError(() => db.commitBlock(blockCommit(orphan)), "DB_ERROR_UNKNOWN_PARENT");
      expectDbError(() => db.commitBlock(blockCommit(b1, { number: 5 })), "DB_ERROR_INVALID_INPUT");
      expectDbError(() => db.commitBlock(blockCommit(b1, { stateRoot: nodeHash(1) })), "DB_ERROR_INVALID_INPUT");
      expectDbError(() => db.commitBlock(blockCommit(b1, { hash: new Uint8Array(31) })), "DB_ERROR_INVALID_INPUT");
      const badHex: TrieCommit = { ...b1.commit, removed: ["0x1234"] };
      expectDbError(() => db.commitBlock(blockCommit(b1, { state: badHex })), "DB_ERROR_INVALID_INPUT");
      const badHex2: TrieCommit = { ...b1.commit, inserted: new Map([["0x" + "zz".repeat(32), new Uint8Array(3)]]) };
      expectDbError(() => db.commitBlock(blockCommit(b1, { state: badHex2 })), "DB_ERROR_INVALID_INPUT");
      expectDbError(() => db.commitHead({ best: b1.hash }), "DB_ERROR_UNKNOWN_BLOCK");
      expectDbError(() => db.commitHead({ aux: [[new Uint8Array(0), utf8("x")]] }), "DB_ERROR_INVALID_INPUT");
      db.commitBlock(blockCommit(b1));
      expectDbError(() => db.commitHead({ finalized: { hash: b1.hash, number: 0 } }), "DB_ERROR_INVALID_FINALITY");
      db.commitHead({ finalized: { hash: b1.hash, number: 1 } });
      expectDbError(() => db.commitHead({ finalized: { hash: g.hash, number: 0 } }), "DB_ERROR_INVALID_FINALITY");
      const late = syn.child(g, { inserts: 1, removes: 0, reuse: 0 });
      expectDbError(() => db.commitBlock(blockCommit(late)), "DB_ERROR_BELOW_FINALIZED");
      await db.close();
      expectDbError(() => db.meta(), "DB_ERROR_CLOSED");
      expectDbError(() => db.getNode(nodeHash(1)), "DB_ERROR_CLOSED");
    });
  });

  describe("atomicity", () => {
    /** A Map whose iteration throws after `n` entries, failing a commit halfway through its node writes. */
    function failingMap(entries: Map<string, Uint8Array>, n: number): Map<string, Uint8Array> {
      const m = new Map(entries);
      (m as { [Symbol.iterator]: unknown })[Symbol.iterator] = function* () {
        let i = 0;
        for (const e of entries) {
          if (i++ === n) throw new Error("injected failure");
          yield e;
        }
      };
      return m;
    }

    it("a commit that throws midway leaves nothing behind", () => {
      const db = openDb(1);
      const syn = new SyntheticChain(8);
      const g = syn.genesis();
      db.commitBlock(blockCommit(g, { aux: [[utf8("a"), utf8("1")]] }));
      const before = { meta: db.meta(), nodes: db.stateNodeCount() };
      const b1 = syn.child(g, { inserts: 10, removes: 3, reuse: 0 });
      const broken: TrieCommit = { ...b1.commit, inserted: failingMap(b1.commit.inserted, 6) };
      // the caller's own exception propagates unchanged (it is not a storage failure)
      expect(() => db.commitBlock(blockCommit(b1, { state: broken, aux: [[utf8("a"), null]] })))
        .to.throw(Error, "injected failure")
        .that.is.not.instanceOf(DbError);
      expect(db.meta()).to.deep.equal(before.meta);
      expect(db.stateNodeCount()).to.equal(before.nodes);
      expect(db.header(b1.hash)).to.equal(undefined);
      expect(db.body(b1.hash)).to.equal(undefined);
      expect(db.blockMeta(b1.hash)).to.equal(undefined);
      expect(db.hashByNumber(1)).to.equal(undefined);
      expect(db.children(g.hash)).to.deep.equal([]);
      expect(toHex(db.aux(utf8("a"))!)).to.equal(toHex(utf8("1")));
      for (const [hex] of [...b1.commit.inserted].slice(0, 6)) expect(db.getNode(Buffer.from(hex.slice(2), "hex")), hex).to.equal(undefined);

      // a failure detected after every write (finality not on the best chain) also rolls back
      expectDbError(() => db.commitBlock(blockCommit(b1, { finalized: { hash: nodeHash(5), number: 1 } })), "DB_ERROR_INVALID_FINALITY");
      expect(db.meta()).to.deep.equal(before.meta);
      expect(db.stateNodeCount()).to.equal(before.nodes);
      expect(db.header(b1.hash)).to.equal(undefined);

      db.commitBlock(blockCommit(b1));
      expect(db.meta()!.bestNumber).to.equal(1);
      expect(db.stateNodeCount()).to.equal(before.nodes + 11);
    });
  });

  describe("canonical index", () => {
    it("rewrites the number → hash index on re-orgs, longer and shorter", () => {
      const db = openDb("archive");
      const syn = new SyntheticChain(9);
      const chainA = line(db, syn, 4); // 0..4
      const grow = (p: SynBlock) => syn.child(p, { inserts: 1, removes: 0, reuse: 0 });
      const canonical = () => Array.from({ length: db.meta()!.bestNumber + 2 }, (_, n) => db.hashByNumber(n)).map((h) => (h ? toHex(h) : undefined));
      // fork B from block 1: 2b, 3b (best) — shorter than A
      const b2 = grow(chainA[1]!);
      const b3 = grow(b2);
      db.commitBlock(blockCommit(b2, { setBest: false }));
      expect(canonical()).to.deep.equal([...chainA.map((b) => toHex(b.hash)), undefined]);
      db.commitBlock(blockCommit(b3, { setBest: true }));
      expect(canonical()).to.deep.equal([chainA[0], chainA[1], b2, b3].map((b) => toHex(b!.hash)).concat([undefined as never]));
      expect(db.meta()!.bestNumber).to.equal(3);
      // fork C from block 2 of A, longer: 3c 4c 5c 6c
      let c = chainA[2]!;
      const chainC: SynBlock[] = [];
      for (let i = 0; i < 4; i++) {
        c = grow(c);
        chainC.push(c);
        db.commitBlock(blockCommit(c, { setBest: false }));
      }
      db.commitHead({ best: c.hash });
      expect(canonical()).to.deep.equal([...chainA.slice(0, 3), ...chainC].map((b) => toHex(b.hash)).concat([undefined as never]));
      // back to A's tip
      db.commitHead({ best: chainA[4]!.hash });
      expect(canonical()).to.deep.equal([...chainA.map((b) => toHex(b.hash)), undefined]);
      expect(db.hashByNumber(5)).to.equal(undefined);
      expect(db.children(chainA[1]!.hash).map(toHex).sort()).to.deep.equal([chainA[2]!.hash, b2.hash].map(toHex).sort());
      // finalize A's block 2, then a re-org onto B (which forks at 1) is refused and changes nothing
      db.commitHead({ finalized: { hash: chainA[2]!.hash, number: 2 } });
      expectDbError(() => db.commitHead({ best: b3.hash }), "DB_ERROR_REORG_BELOW_FINALIZED");
      expect(canonical()).to.deep.equal([...chainA.map((b) => toHex(b.hash)), undefined]);
      expect(toHex(db.meta()!.bestHash)).to.equal(toHex(chainA[4]!.hash));
      // C forks at 2 (the finalized block): allowed
      db.commitHead({ best: chainC[3]!.hash });
      expect(db.meta()!.bestNumber).to.equal(6);
    });
  });

  describe("classifyLmdbError", () => {
    it("maps errno and LMDB codes to typed errors", () => {
      expect(classifyLmdbError(Object.assign(new Error("No space left on device"), { code: 28 }), dir).code).to.equal("DB_ERROR_DISK_FULL");
      expect(classifyLmdbError(Object.assign(new Error("MDB_MAP_FULL: Environment mapsize limit reached"), { code: -30792 }), dir).code).to.equal("DB_ERROR_DISK_FULL");
      expect(classifyLmdbError(Object.assign(new Error("File too large"), { code: 27 }), dir).code).to.equal("DB_ERROR_DISK_FULL");
      expect(classifyLmdbError(Object.assign(new Error("MDB_CORRUPTED"), { code: -30796 }), dir).code).to.equal("DB_ERROR_CORRUPT");
      expect(classifyLmdbError(Object.assign(new Error("MDB_VERSION_MISMATCH"), { code: -30794 }), dir).code).to.equal("DB_ERROR_SCHEMA");
      // EIO is how lmdb-js reports a failed write; with plenty of free space it is an I/O error
      expect(classifyLmdbError(Object.assign(new Error("Input/output error"), { code: 5 }), dir).code).to.equal("DB_ERROR_IO");
      const sys = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
      expect(classifyLmdbError(sys, dir).code).to.equal("DB_ERROR_DISK_FULL");
      expect(isStorageError(sys)).to.equal(true);
      expect(isStorageError(Object.assign(new Error("Input/output error"), { code: 5 }))).to.equal(true);
      expect(isStorageError(new TypeError("caller bug"))).to.equal(false);
      const own = new DbError("DB_ERROR_CLOSED", "x");
      expect(isStorageError(own)).to.equal(false);
      expect(classifyLmdbError(own, dir)).to.equal(own);
    });
  });
});
