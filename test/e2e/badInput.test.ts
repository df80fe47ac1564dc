/** Bad input keeps the node serving, with Substrate's error codes. */
import { expect } from "chai";
import WebSocket from "ws";
import { Keyring } from "@polkadot/api";
import { ApiPromise, WsProvider } from "@polkadot/api";
import { startNodeProcess, rpc, Teardown, type NodeProcess } from "../utils/node.ts";

function wsRequest(url: string, payloads: (string | object)[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const out: any[] = [];
    ws.on("open", () => payloads.forEach((p) => ws.send(typeof p === "string" ? p : JSON.stringify(p))));
    ws.on("message", (d) => {
      out.push(JSON.parse(String(d)));
      if (out.length === payloads.length) {
        ws.close();
        resolve(out);
      }
    });
    ws.on("error", reject);
    ws.on("close", () => (out.length < payloads.length ? reject(new Error(`connection closed after ${out.length} answers`)) : undefined));
  });
}

describe("e2e: bad input", function () {
  this.timeout(90_000);
  const teardown = new Teardown();
  let node: NodeProcess;
  let api: ApiPromise;
  const keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });

  before(async () => {
    // Interval-only sealing far apart, so submitted transactions stay in the pool during the test.
    node = await startNodeProcess(["--dev", "--sealing", "interval", "--dev-block-time", "600000", "--rpc-max-subscriptions-per-connection", "4", "--rpc-max-request-size", "1"]);
    teardown.add(() => node.stop());
    api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true });
    teardown.add(() => api.disconnect());
  });
  after(() => teardown.run());

  it("answers malformed JSON, unknown methods and bad params with -32700, -32601, -32602", async () => {
    const [parse, unknown, bad] = await wsRequest(node.wsUrl, [
      "{not json",
      { jsonrpc: "2.0", id: 2, method: "no_such_method", params: [] },
      { jsonrpc: "2.0", id: 3, method: "chain_getBlockHash", params: [{ bad: true }] },
    ]).then((rs) => [rs.find((r) => r.id === null), rs.find((r) => r.id === 2), rs.find((r) => r.id === 3)]);
    expect(parse.error.code).to.equal(-32700);
    expect(unknown.error.code).to.equal(-32601);
    expect(bad.error.code).to.equal(-32602);
    expect((await rpc(node.httpUrl, "system_health")).result).to.have.property("peers");
  });

  it("refuses an oversized request and too many subscriptions, and keeps serving", async () => {
    const big = { jsonrpc: "2.0", id: 1, method: "state_call", params: ["Core_version", "0x" + "00".repeat(600 * 1024)] }; // ~1.2 MB > the 1 MiB limit
    const [r] = await wsRequest(node.wsUrl, [big]);
    expect(r.error.code).to.equal(-32007);
    const subs = Array.from({ length: 5 }, (_, i) => ({ jsonrpc: "2.0", id: i + 1, method: "chain_subscribeNewHeads", params: [] }));
    const answers = await new Promise<any[]>((resolve, reject) => {
      const ws = new WebSocket(node.wsUrl);
      const got: any[] = [];
      ws.on("open", () => subs.forEach((s) => ws.send(JSON.stringify(s))));
      ws.on("message", (d) => {
        const m = JSON.parse(String(d));
        if (m.id !== undefined) got.push(m);
        if (got.length === 5) {
          ws.close();
          resolve(got);
        }
      });
      ws.on("error", reject);
    });
    const errors = answers.filter((a) => a.error);
    expect(errors).to.have.length(1);
    expect(errors[0].error.code).to.equal(-32006);
    expect((await rpc(node.httpUrl, "system_chain")).result).to.equal("Subspace development");
  });

  it("rejects an invalid transaction (1010), a duplicate (1013) and a low-priority replacement (1014)", async () => {
    const alice = keyring.addFromUri("//Alice");
    const bob = keyring.addFromUri("//Bob");
    const nonce = (await api.rpc.system.accountNextIndex(alice.address)).toNumber();
    // 1010: a bad signature.
    const good = await api.tx.balances.transferKeepAlive(bob.address, 1_000_000_000_000_000n).signAsync(alice, { nonce });
    const bytes = good.toU8a();
    const tampered = Uint8Array.from(bytes);
    tampered[40] ^= 0xff; // inside the signature
    const invalid = await rpc(node.httpUrl, "author_submitExtrinsic", ["0x" + Buffer.from(tampered).toString("hex")]);
    expect(invalid.error.code).to.equal(1010);
    expect(invalid.error.message).to.equal("Invalid Transaction");
    expect(invalid.error.data).to.match(/bad signature/i);
    // Accepted with a tip, then its duplicate.
    const tipped = await api.tx.balances.transferKeepAlive(bob.address, 1_000_000_000_000_000n).signAsync(alice, { nonce, tip: 1_000_000n });
    const hex = tipped.toHex();
    expect((await rpc(node.httpUrl, "author_submitExtrinsic", [hex])).result).to.equal(tipped.hash.toHex());
    const dup = await rpc(node.httpUrl, "author_submitExtrinsic", [hex]);
    expect(dup.error.code).to.equal(1013);
    // Same nonce, lower priority (no tip): 1014.
    const low = await api.tx.balances.transferKeepAlive(bob.address, 2_000_000_000_000_000n).signAsync(alice, { nonce });
    const replaced = await rpc(node.httpUrl, "author_submitExtrinsic", [low.toHex()]);
    expect(replaced.error.code).to.equal(1014);
    expect(replaced.error.message).to.match(/Priority is too low/);
    // Malformed extrinsic bytes: 1010 too (cannot be decoded as a call).
    const junk = await rpc(node.httpUrl, "author_submitExtrinsic", ["0x0102030405"]);
    expect(junk.error.code).to.equal(1010);
    expect((await rpc(node.httpUrl, "author_pendingExtrinsics")).result).to.deep.equal([hex]);
  });
});
