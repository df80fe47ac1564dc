/** Restart and crash consistency of a real node process on a persistent base path. */
import { expect } from "chai";
import { rmSync } from "node:fs";
import { startNodeProcess, rpc, tempDir, Teardown } from "../utils/node.ts";

const ALICE_ACCOUNT_KEY = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

async function waitForBlock(url: string, n: number, timeoutMs = 30_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const h = await rpc(url, "chain_getHeader");
    const num = parseInt(h.result.number, 16);
    if (num >= n) return num;
    if (Date.now() > end) throw new Error(`block #${n} not reached (at #${num})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("e2e: restart and crash", function () {
  this.timeout(120_000);
  const teardown = new Teardown();
  after(() => teardown.run());

  it("resumes exactly where it stopped after a clean stop", async () => {
    const dir = tempDir();
    teardown.add(() => dir.remove());
    const a = await startNodeProcess(["--dev", "--dev-block-time", "200"], { basePath: dir.path });
    teardown.add(() => a.stop());
    await waitForBlock(a.httpUrl, 5);
    await a.stop();
    // Read what the stopped node left, then restart without producing blocks.
    const b = await startNodeProcess(["--chain", "dev"], { basePath: dir.path });
    teardown.add(() => b.stop());
    const head = (await rpc(b.httpUrl, "chain_getHeader")).result;
    const best = parseInt(head.number, 16);
    expect(best).to.be.at.least(5);
    const hash = (await rpc(b.httpUrl, "chain_getBlockHash", [best])).result;
    const account = (await rpc(b.httpUrl, "state_getStorage", [ALICE_ACCOUNT_KEY, hash])).result;
    expect(account).to.be.a("string");
    await b.stop();
    const c = await startNodeProcess(["--chain", "dev"], { basePath: dir.path });
    teardown.add(() => c.stop());
    const head2 = (await rpc(c.httpUrl, "chain_getHeader")).result;
    expect(head2).to.deep.equal(head);
    expect((await rpc(c.httpUrl, "state_getStorage", [ALICE_ACCOUNT_KEY])).result).to.equal(account);
    await c.stop();
  });

  it("stays consistent after kill -9 during block production and keeps producing", async () => {
    const dir = tempDir();
    teardown.add(() => dir.remove());
    const a = await startNodeProcess(["--dev", "--dev-block-time", "50"], { basePath: dir.path });
    teardown.add(() => a.stop());
    await waitForBlock(a.httpUrl, 8);
    await a.kill9();
    const b = await startNodeProcess(["--dev", "--dev-block-time", "100"], { basePath: dir.path });
    teardown.add(() => b.stop());
    const best = parseInt((await rpc(b.httpUrl, "chain_getHeader")).result.number, 16);
    expect(best).to.be.at.least(8);
    // Every block up to the best one is complete: header, body and state.
    for (let n = 0; n <= best; n++) {
      const hash = (await rpc(b.httpUrl, "chain_getBlockHash", [n])).result;
      const block = (await rpc(b.httpUrl, "chain_getBlock", [hash])).result;
      expect(parseInt(block.block.header.number, 16), `block #${n}`).to.equal(n);
      expect((await rpc(b.httpUrl, "state_getStorage", [ALICE_ACCOUNT_KEY, hash])).result, `state of #${n}`).to.be.a("string");
    }
    await waitForBlock(b.httpUrl, best + 3);
    await b.stop();
    rmSync(dir.path, { recursive: true, force: true });
  });
});
