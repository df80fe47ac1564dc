/**
 * Client + database with state pruning: identical storage values shared by several keys (the dev
 * accounts' equal AccountInfo) keep their reference counts, so pruning old states never deletes a
 * node a retained state still needs.
 */
import { expect } from "chai";
import { createConsensusRuntime } from "../../../runtime/consensus/runtime.ts";
import { builtinSpec, genesisStorage } from "../../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../../../node/db/index.ts";
import { Client } from "../../../node/client/client.ts";
import { u64 } from "../../../framework/codec/ty.ts";
import { tempDir } from "../../utils/node.ts";
import { presign } from "../../bench/presign.ts";
import { devAccount } from "../../../runtime/consensus/genesis.ts";
import { devDigest } from "../../runtime/helpers.ts";

describe("Client with state pruning", function () {
  this.timeout(60_000);
  it("keeps shared values alive while pruning (pruning window 1, finality depth 2)", async () => {
    const dir = tempDir();
    try {
      const crt = await createConsensusRuntime();
      const spec = builtinSpec("dev", crt)!;
      const storage = genesisStorage(spec, crt);
      const db = ChainDb.open(dir.path, { statePruning: 1, noSync: true });
      const client = Client.open({ db, runtime: crt.runtime, genesisStorage: storage, confirmationDepthK: 2 });
      const txs = await presign(client.genesisHash, 3, ["Alice"]);
      let now = 1_700_000_000_000n;
      for (let i = 0; i < 8; i++) {
        now += 1000n;
        const built = client.buildBlock(new Map([["timstap0", u64.enc(now)]]), i < txs.length ? [txs[i]!] : [], devDigest(i + 1));
        client.importBlock(built.header, built.extrinsics, built);
      }
      expect(client.finalizedNumber).to.equal(6);
      // Bob's AccountInfo equals Charlie's byte for byte (shared node) and was never touched.
      const bobKey = crt.system.Account.key(devAccount("Bob"));
      const best = client.stateAt(client.bestHash);
      expect(best.get(bobKey)).to.not.equal(undefined);
      const reopened = client.stateAt(client.finalizedHash);
      expect(reopened.get(crt.system.Account.key(devAccount("Charlie")))).to.deep.equal(best.get(bobKey));
      await client.close();
      // Reopen from disk only (no in-memory tries): every retained state reads completely.
      const db2 = ChainDb.open(dir.path, { statePruning: 1, noSync: true });
      const c2 = Client.open({ db: db2, runtime: crt.runtime, genesisStorage: storage, confirmationDepthK: 2 });
      for (const n of [5, 6, 7, 8]) {
        const st = c2.stateAt(c2.hashByNumber(n)!);
        for (const name of ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"]) expect(st.get(crt.system.Account.key(devAccount(name))), `${name} at #${n}`).to.not.equal(undefined);
        expect([...st.keys(new Uint8Array())].length).to.be.greaterThan(10);
      }
      await c2.close();
    } finally {
      dir.remove();
    }
  });
});
