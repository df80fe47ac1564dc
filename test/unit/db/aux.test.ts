/** ChainDb.commitAux: aux entries written and deleted in one transaction, the chain record untouched. */
import { expect } from "chai";
import { join } from "node:path";
import { ChainDb, DbError } from "../../../node/db/index.ts";
import { tempDir } from "../../utils/node.ts";

const key = (s: string) => new TextEncoder().encode(s);

describe("ChainDb.commitAux", () => {
  it("writes and deletes aux entries atomically without a genesis block, and keeps them across a reopen", async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, "db");
      let db = ChainDb.open(path, { statePruning: "archive", noSync: true });
      db.commitAux([[key("a"), Uint8Array.of(1)], [key("b"), Uint8Array.of(2, 3)]]);
      expect(db.meta(), "no chain record is created").to.equal(undefined);
      db.commitAux([[key("a"), null], [key("c"), Uint8Array.of(4)]]);
      // An invalid entry aborts the whole transaction: "b" keeps its value.
      expect(() => db.commitAux([[key("b"), Uint8Array.of(9)], [new Uint8Array(0), Uint8Array.of(1)]])).to.throw(DbError);
      db.commitAux([]);
      await db.close();
      db = ChainDb.open(path, { statePruning: "archive", noSync: true });
      expect(db.aux(key("a"))).to.equal(undefined);
      expect([...db.aux(key("b"))!]).to.deep.equal([2, 3]);
      expect([...db.aux(key("c"))!]).to.deep.equal([4]);
      await db.close();
    } finally {
      dir.remove();
    }
  });
});
