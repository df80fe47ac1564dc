/** Fork choice: the heaviest chain by solution-range weight; ties keep the current best. */
import { expect } from "chai";
import { createConsensusRuntime } from "../../../runtime/consensus/runtime.ts";
import { builtinSpec, genesisStorage } from "../../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../../../node/db/index.ts";
import { Client, blockWeight } from "../../../node/client/client.ts";
import { u64 } from "../../../framework/codec/ty.ts";
import { toHex } from "../../../framework/codec/bytes.ts";
import { tempDir } from "../../utils/node.ts";
import { devDigest } from "../../runtime/helpers.ts";

describe("Client fork choice", function () {
  this.timeout(60_000);
  it("follows the heaviest chain, reports retracted/enacted blocks, and keeps the best block on ties", async () => {
    const dir = tempDir();
    try {
      const crt = await createConsensusRuntime();
      const client = Client.open({ db: ChainDb.open(dir.path, { statePruning: "archive", noSync: true }), runtime: crt.runtime, genesisStorage: genesisStorage(builtinSpec("dev", crt)!, crt), confirmationDepthK: 100 });
      let ts = 1_700_000_000_000n;
      const block = (parent: Uint8Array) => {
        const number = client.header(parent)!.number + 1;
        ts += 1000n;
        const built = client.executor.buildBlock(client.stateAt(parent), parent, number, devDigest(Number(ts / 1000n)), new Map([["timstap0", u64.enc(ts)]]), []);
        return client.importBlock(built.header, built.extrinsics, built);
      };
      const g = client.genesisHash;
      const a1 = block(g);
      const a2 = block(a1.hash);
      expect(blockWeight(a2.header)).to.equal(1n); // the dev range is u64::MAX
      const b1 = block(g);
      expect(b1.isBest).to.equal(false);
      const b2 = block(b1.hash);
      expect(b2.isBest, "a tie keeps the current best").to.equal(false);
      expect(toHex(client.bestHash)).to.equal(toHex(a2.hash));
      const b3 = block(b2.hash);
      expect(b3.isBest).to.equal(true);
      expect(b3.retracted.map(toHex)).to.deep.equal([a1.hash, a2.hash].map(toHex));
      expect(b3.enacted.map(toHex)).to.deep.equal([b1.hash, b2.hash, b3.hash].map(toHex));
      expect(toHex(client.hashByNumber(1)!)).to.equal(toHex(b1.hash));
      expect(client.chainWeight(b3.hash)).to.equal(3n);
      await client.close();
    } finally {
      dir.remove();
    }
  });
});
