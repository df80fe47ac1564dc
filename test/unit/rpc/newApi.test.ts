/**
 * chainHead_v1 and archive_v1 against an in-process client on a temporary database, with forks
 * built by hand: fork reporting and pruning, pinning beyond finality, the pinned-block limit,
 * `continue` on an operation that is not waiting, and the storage-diff merge.
 */
import { expect } from "chai";
import { devDigest } from "../../runtime/helpers.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { fromHex, toHex, utf8 } from "../../../framework/codec/bytes.ts";
import { u64 } from "../../../framework/codec/ty.ts";
import { createConsensusRuntime, type ConsensusRuntime } from "../../../runtime/consensus/runtime.ts";
import { builtinSpec, genesisStorage } from "../../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../../../node/db/index.ts";
import { Client } from "../../../node/client/client.ts";
import { TransactionPool } from "../../../node/txpool/index.ts";
import { RpcServer } from "../../../node/rpc/server/index.ts";
import { registerNewApi, type NewApiOptions } from "../../../node/rpc/modules/newApi.ts";
import { diffEntries } from "../../../node/rpc/modules/archive.ts";
import type { RpcContext } from "../../../node/rpc/modules/context.ts";
import { TestClient, type Msg } from "./client.ts";

describe("new JSON-RPC API (chainHead_v1, archive_v1) on an in-process client", function () {
  this.timeout(20_000);
  let crt: ConsensusRuntime;
  let dir: string;
  let client: Client;
  let ctx: RpcContext;
  const cleanups: (() => unknown)[] = [];
  let ts = 1_700_000_000_000n;

  /** Builds and imports an empty block on `parent`. */
  function block(parent: Uint8Array): Uint8Array {
    const number = client.header(parent)!.number + 1;
    ts += 6000n;
    const built = client.executor.buildBlock(client.stateAt(parent), parent, number, devDigest(Number(ts / 1000n)), new Map([["timstap0", u64.enc(ts)]]), []);
    return client.importBlock(built.header, built.extrinsics, built).hash;
  }

  async function serve(opts: NewApiOptions = {}): Promise<TestClient> {
    const server = new RpcServer({ pingIntervalMs: 0 });
    registerNewApi(server, ctx, opts);
    const { port } = await server.listen("127.0.0.1", 0);
    cleanups.push(() => server.close());
    const c = await TestClient.connect(`ws://127.0.0.1:${port}`);
    cleanups.push(() => c.ws.close());
    return c;
  }

  const call = async (c: TestClient, method: string, params: unknown[]): Promise<Msg> => {
    const r = await c.request(method, params);
    if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    return r.result;
  };
  const event = (c: TestClient, sub: string, pred: (e: Msg) => boolean = () => true): Promise<Msg> =>
    c.waitFor((m) => m.params?.subscription === sub && pred(m.params.result)).then((m) => m.params.result);

  before(async () => {
    crt = await createConsensusRuntime();
    const spec = builtinSpec("dev", crt)!;
    dir = mkdtempSync(join(tmpdir(), "newapi-test-"));
    const db = ChainDb.open(dir, { statePruning: 256, noSync: true } as any);
    client = Client.open({ db, runtime: crt.runtime, genesisStorage: genesisStorage(spec, crt), confirmationDepthK: 5 });
    const pool = new TransactionPool({ hash: (tx) => toHex(blake2_256(tx)), validate: () => ({ ok: false, error: { type: "Unknown", value: { type: "CannotLookup" } } }) });
    ctx = { client, pool, spec, crt, keystore: {} as any, node: { name: "t", implName: "t", version: "0", peerId: "p", roles: [] } };
  });
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  after(async () => {
    await client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("reports forks, finalizes one branch and prunes the other; pinned pruned blocks keep their header", async () => {
    const c = await serve();
    const genesis = client.genesisHash;
    const a1 = block(genesis);
    const sub: string = await call(c, "chainHead_v1_follow", [true]);
    expect(await event(c, sub)).to.deep.include({ event: "initialized", finalizedBlockHashes: [toHex(genesis)] });
    expect(await event(c, sub)).to.deep.include({ event: "newBlock", blockHash: toHex(a1), parentBlockHash: toHex(genesis), newRuntime: null });
    expect(await event(c, sub)).to.deep.equal({ event: "bestBlockChanged", bestBlockHash: toHex(a1) });
    // A sibling of a1 (not best), then a1's chain grows until a1 is final.
    const b1 = block(genesis);
    expect(await event(c, sub)).to.deep.equal({ event: "newBlock", blockHash: toHex(b1), parentBlockHash: toHex(genesis), newRuntime: null });
    const b2 = block(b1);
    expect(await event(c, sub)).to.deep.equal({ event: "newBlock", blockHash: toHex(b2), parentBlockHash: toHex(b1), newRuntime: null });
    expect(await event(c, sub)).to.deep.equal({ event: "bestBlockChanged", bestBlockHash: toHex(b2) });
    let tip = a1;
    for (let i = 0; i < 5; i++) tip = block(tip);
    const fin = await event(c, sub, (e) => e.event === "finalized");
    expect(fin.finalizedBlockHashes).to.deep.equal([toHex(a1)]);
    expect(new Set(fin.prunedBlockHashes)).to.deep.equal(new Set([toHex(b1), toHex(b2)]));
    // The database discarded the fork, but the subscription still has its header pinned.
    expect(client.header(b2)).to.equal(undefined);
    const header: string = await call(c, "chainHead_v1_header", [sub, toHex(b2)]);
    expect(toHex(blake2_256(fromHex(header)))).to.equal(toHex(b2));
    const body = await call(c, "chainHead_v1_body", [sub, toHex(b2)]);
    expect(await event(c, sub, (e) => e.operationId === body.operationId)).to.deep.equal({ event: "operationInaccessible", operationId: body.operationId });
    expect(await call(c, "chainHead_v1_unpin", [sub, [toHex(b1), toHex(b2), toHex(genesis)]])).to.equal(null);
    expect((await c.request("chainHead_v1_header", [sub, toHex(b1)])).error.code).to.equal(-32801);
  });

  it("stops the subscription when more blocks are pinned than allowed", async () => {
    const c = await serve({ chainHead: { maxPinnedBlocks: 3 } });
    const sub: string = await call(c, "chainHead_v1_follow", [false]);
    const init = await event(c, sub);
    expect(init).to.not.have.property("finalizedBlockRuntime");
    let tip = client.bestHash;
    for (let i = 0; i < 4; i++) tip = block(tip);
    expect(await event(c, sub, (e) => e.event === "stop")).to.deep.equal({ event: "stop" });
    expect(await call(c, "chainHead_v1_header", [sub, toHex(tip)])).to.equal(null);
  });

  it("continue on an operation that is not waiting is -32803; stopOperation ends a waiting one", async () => {
    const c = await serve({ chainHead: { storageItemsPerBatch: 2 } });
    const sub: string = await call(c, "chainHead_v1_follow", [true]);
    const init = await event(c, sub);
    const at = init.finalizedBlockHashes[0];
    // In one batch: the operation has started but has not produced anything, so it is not waiting yet.
    c.sendRaw(JSON.stringify([
      { jsonrpc: "2.0", id: 100, method: "chainHead_v1_storage", params: [sub, at, [{ key: "0x", type: "descendantsHashes" }], null] },
      { jsonrpc: "2.0", id: 101, method: "chainHead_v1_continue", params: [sub, "0"] },
    ]));
    const batch = await c.waitFor((m) => Array.isArray(m));
    expect(batch[0].result).to.deep.include({ result: "started", operationId: "0" });
    expect(batch[1].error.code).to.equal(-32803);
    const items = await event(c, sub, (e) => e.operationId === "0");
    expect(items.event).to.equal("operationStorageItems");
    expect(items.items).to.have.length(2);
    expect(await event(c, sub, (e) => e.operationId === "0")).to.deep.equal({ event: "operationWaitingForContinue", operationId: "0" });
    expect(await call(c, "chainHead_v1_stopOperation", [sub, "0"])).to.equal(null);
    // Stopped: continue is ignored.
    expect(await call(c, "chainHead_v1_continue", [sub, "0"])).to.equal(null);
    // A child trie that does not exist has no items.
    const child = await call(c, "chainHead_v1_storage", [sub, at, [{ key: "0x01", type: "value" }], toHex(utf8("nope"))]);
    expect(await event(c, sub, (e) => e.operationId === child.operationId)).to.deep.equal({ event: "operationStorageDone", operationId: child.operationId });
  });

  it("archive_v1_hashByHeight lists every known block above finality", async () => {
    const c = await serve();
    const best = client.bestHash;
    const n = client.bestNumber;
    const fork = block(client.header(best)!.parentHash);
    const hashes: string[] = await call(c, "archive_v1_hashByHeight", [n]);
    expect(new Set(hashes)).to.deep.equal(new Set([toHex(best), toHex(fork)]));
    expect(await call(c, "archive_v1_hashByHeight", [n + 10])).to.deep.equal([]);
    expect(await call(c, "archive_v1_finalizedHeight", [])).to.equal(client.finalizedNumber);
  });

  it("diffEntries merges two sorted streams into added, modified and deleted", () => {
    const kv = (k: string, v: string): [Uint8Array, Uint8Array] => [fromHex(k), fromHex(v)];
    const cur = [kv("0x01", "0xaa"), kv("0x02", "0xbb"), kv("0x04", "0xdd")];
    const prev = [kv("0x01", "0xaa"), kv("0x02", "0xb0"), kv("0x03", "0xcc")];
    const out = [...diffEntries(cur[Symbol.iterator](), prev[Symbol.iterator]())].map((d) => [toHex(d.key), d.type, toHex(d.value)]);
    expect(out).to.deep.equal([["0x02", "modified", "0xbb"], ["0x03", "deleted", "0xcc"], ["0x04", "added", "0xdd"]]);
  });
});
