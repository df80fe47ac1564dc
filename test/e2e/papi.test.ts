/**
 * polkadot-api 2.2.2 and the new JSON-RPC interface spec (chainHead_v1, transaction_v1,
 * transactionWatch_v1, archive_v1) against a real `subspace-node run --dev` process.
 */
import { expect } from "chai";
import WebSocket from "ws";
import { createClient, type PolkadotClient } from "polkadot-api";
import { getWsProvider as wsProvider, getWsRawProvider as wsRawProvider } from "polkadot-api/ws";
import { getPolkadotSigner, type PolkadotSigner } from "polkadot-api/signer";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { blake2_256 } from "../../framework/crypto/index.ts";
import { fromHex, toHex } from "../../framework/codec/bytes.ts";
import { startNodeProcess, Teardown, type NodeProcess } from "../utils/node.ts";

// System.Number and the System pallet prefix (reference/substrate-compat.md §5).
const SYSTEM_NUMBER = "0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac";
const CODE = "0x3a636f6465";
/** `Vec<u32>` [14, 15] as Substrate answers `Metadata_metadata_versions` (before its u32::MAX "unstable"). */
const has14and15 = (hex: string) => hex.includes("0e000000") && hex.includes("0f000000");

// polkadot-api needs a WebSocket class on Node 20 (no global WebSocket there).
const getWsProvider = (url: string) => wsProvider(url, { websocketClass: WebSocket as any });
const getWsRawProvider = (url: string) => wsRawProvider(url, { websocketClass: WebSocket as any });

interface Msg {
  id?: number;
  result?: any;
  error?: { code: number; message: string };
  method?: string;
  params?: { subscription: string; result: any };
}

/** A minimal JSON-RPC WebSocket client that buffers every notification per subscription. */
class RawRpc {
  private nextId = 0;
  private readonly waiting = new Map<number, (m: Msg) => void>();
  private readonly events = new Map<string, any[]>();
  private readonly wakers = new Set<() => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString()) as Msg;
      if (m.id !== undefined) {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      } else if (m.params) {
        const list = this.events.get(m.params.subscription) ?? [];
        list.push(m.params.result);
        this.events.set(m.params.subscription, list);
        for (const w of [...this.wakers]) w();
      }
    });
  }
  static async connect(url: string): Promise<RawRpc> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return new RawRpc(ws);
  }
  /** The whole response (result or error). */
  request(method: string, params: unknown[] = []): Promise<Msg> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }
  async call(method: string, params: unknown[] = []): Promise<any> {
    const m = await this.request(method, params);
    if (m.error) throw new Error(`${method}: ${m.error.code} ${m.error.message}`);
    return m.result;
  }
  received(sub: string): any[] {
    return this.events.get(sub) ?? [];
  }
  /** Waits until `pred` holds for the notifications received on `sub`. */
  async until<T>(sub: string, pred: (evs: any[]) => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = pred(this.received(sub));
      if (r !== undefined && r !== false) return r;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out on ${sub}: ${this.received(sub).map((e) => e.event).join(",")} ${JSON.stringify(this.received(sub).at(-1))}`);
      await new Promise<void>((resolve) => {
        const w = () => {
          this.wakers.delete(w);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(w, left);
        this.wakers.add(w);
      });
    }
  }
  close(): void {
    this.ws.close();
  }
}

/** The operation's events, once one of `last` arrived. */
async function operationEvents(rpc: RawRpc, sub: string, opId: string, last: string[]): Promise<any[]> {
  return rpc.until(sub, (evs) => {
    const mine = evs.filter((e) => e.operationId === opId);
    return mine.some((e) => last.includes(e.event)) ? mine : undefined;
  });
}

describe("e2e: polkadot-api and the new JSON-RPC spec against subspace-node --dev", function () {
  this.timeout(60_000);
  const teardown = new Teardown();
  let node: NodeProcess;
  let keyring: Keyring;
  let signer: (uri: string) => { signer: PolkadotSigner; address: string };

  before(async () => {
    await cryptoWaitReady();
    node = await startNodeProcess(["--dev", "--dev-block-time", "500"]);
    teardown.add(() => node.stop());
    teardown.add(() => import("node:fs").then((fs) => fs.rmSync(node.basePath, { recursive: true, force: true })));
    keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
    signer = (uri) => {
      const pair = keyring.addFromUri(uri);
      return { signer: getPolkadotSigner(pair.publicKey, "Sr25519", (input) => pair.sign(input)), address: pair.address };
    };
  });
  after(() => teardown.run());

  async function papiTransfer(client: PolkadotClient, from: string, to: string, amount: bigint): Promise<void> {
    const api = client.getUnsafeApi();
    const sender = signer(from);
    const dest = signer(to).address;
    const before: any = await api.query.System.Account.getValue(sender.address);
    expect(before.data.free > amount).to.equal(true);
    const destBefore: any = await api.query.System.Account.getValue(dest);
    const tx = api.tx.Balances.transfer_keep_alive({ dest: { type: "Id", value: dest }, value: amount });
    const result = await tx.signAndSubmit(sender.signer);
    expect(result.ok, JSON.stringify(result.dispatchError)).to.equal(true);
    const transfer = result.events.find((e: any) => e.type === "Balances" && e.value.type === "Transfer");
    expect(transfer, "Balances.Transfer event").to.not.equal(undefined);
    expect((transfer as any).value.value.amount).to.equal(amount);
    expect((transfer as any).value.value.to).to.equal(dest);
    expect(result.events.some((e: any) => e.type === "System" && e.value.type === "ExtrinsicSuccess")).to.equal(true);
    // The finalized block holds it, and the balance moved by exactly the amount.
    const header = await client.getBlockHeader(result.block.hash);
    expect(header.number).to.equal(result.block.number);
    const after: any = await api.query.System.Account.getValue(dest, { at: result.block.hash });
    expect(after.data.free - destBefore.data.free).to.equal(amount);
  }

  for (const [name, provider] of [["ws middleware", getWsProvider], ["raw provider (no middleware)", getWsRawProvider]] as const) {
    it(`PAPI over chainHead_v1 (${name}): blocks, System.Account, transfer_keep_alive to finalized`, async () => {
      // The middleware reads rpc_methods: chainHead_v1 and transaction_v1 must be advertised.
      const methods: string[] = (await new Promise<any>((resolve, reject) => {
        RawRpc.connect(node.wsUrl).then(async (r) => {
          try {
            resolve(await r.call("rpc_methods"));
          } catch (e) {
            reject(e);
          } finally {
            r.close();
          }
        }, reject);
      })).methods;
      expect(methods).to.include.members(["chainHead_v1_follow", "transaction_v1_broadcast", "archive_v1_storage", "transactionWatch_v1_submitAndWatch"]);

      const client = createClient(provider(node.wsUrl));
      try {
        const finalized = await new Promise<{ hash: string; number: number }>((resolve) => {
          const s = client.finalizedBlock$.subscribe((b) => {
            resolve(b);
            queueMicrotask(() => s.unsubscribe());
          });
        });
        expect(finalized.hash).to.match(/^0x[0-9a-f]{64}$/);
        const best = await new Promise<{ hash: string; number: number }[]>((resolve) => {
          const s = client.bestBlocks$.subscribe((bs) => {
            if (bs.length > 1) {
              resolve(bs);
              queueMicrotask(() => s.unsubscribe());
            }
          });
        });
        expect(best[0]!.number).to.be.greaterThan(best[best.length - 1]!.number);
        const header = await client.getBlockHeader(best[0]!.hash);
        expect(header.number).to.equal(best[0]!.number);
        const spec = await client.getChainSpecData();
        expect(spec.name).to.equal("Subspace development");
        if (name === "ws middleware") await papiTransfer(client, "//Alice", "//Charlie", 1_000_000_000_000_000n);
        else await papiTransfer(client, "//Bob", "//Dave", 2_000_000_000_000_000n);
      } finally {
        client.destroy();
      }
    });
  }

  describe("chainHead_v1 over raw JSON-RPC", () => {
    // A connection per test: follow limits are per connection.
    let rpc: RawRpc;
    beforeEach(async () => {
      rpc = await RawRpc.connect(node.wsUrl);
    });
    afterEach(() => rpc.close());

    it("follow: initialized, then newBlock/bestBlockChanged/finalized in a consistent order; header hashes to its block", async () => {
      const sub: string = await rpc.call("chainHead_v1_follow", [true]);
      const evs = await rpc.until(sub, (e) => e.some((x) => x.event === "finalized") && e);
      expect(evs[0].event).to.equal("initialized");
      expect(evs[0].finalizedBlockRuntime.type).to.equal("valid");
      expect(evs[0].finalizedBlockRuntime.spec.specName).to.equal("subspace");
      expect(evs[0].finalizedBlockRuntime.spec.apis).to.be.an("object").that.has.property("0xdf6acb689907609b");
      const known = new Set<string>(evs[0].finalizedBlockHashes);
      let current = evs[0].finalizedBlockHashes.at(-1) as string;
      const finalizedSet = new Set<string>([current]);
      for (const e of evs.slice(1)) {
        if (e.event === "newBlock") {
          expect(known.has(e.parentBlockHash), "parent reported before").to.equal(true);
          expect(e.newRuntime).to.equal(null);
          known.add(e.blockHash);
        } else if (e.event === "bestBlockChanged") {
          expect(known.has(e.bestBlockHash)).to.equal(true);
        } else if (e.event === "finalized") {
          for (const h of [...e.finalizedBlockHashes, ...e.prunedBlockHashes]) expect(known.has(h), "finalized/pruned were reported").to.equal(true);
          current = e.finalizedBlockHashes.at(-1);
          for (const h of e.finalizedBlockHashes) finalizedSet.add(h);
        } else expect.fail(`unexpected event ${JSON.stringify(e)}`);
      }
      // The finalized chain is linked through parent hashes of the SCALE headers.
      const header: string = await rpc.call("chainHead_v1_header", [sub, current]);
      expect(toHex(blake2_256(fromHex(header)))).to.equal(current);
      // Pinned blocks stay readable until unpinned; then -32801.
      const first = evs[0].finalizedBlockHashes[0];
      expect(await rpc.call("chainHead_v1_unpin", [sub, first])).to.equal(null);
      expect((await rpc.request("chainHead_v1_header", [sub, first])).error?.code).to.equal(-32801);
      expect((await rpc.request("chainHead_v1_unpin", [sub, first])).error?.code).to.equal(-32801);
      expect((await rpc.request("chainHead_v1_unpin", [sub, "0x" + "ab".repeat(32)])).error?.code).to.equal(-32801);
      expect((await rpc.request("chainHead_v1_unpin", [sub, [current, current]])).error?.code).to.equal(-32804);
      // Bad params.
      expect((await rpc.request("chainHead_v1_header", [sub, "0x12"])).error?.code).to.equal(-32602);
      // A stale subscription id: header null, operations limitReached, unpin ignored.
      expect(await rpc.call("chainHead_v1_header", ["nope", current])).to.equal(null);
      expect(await rpc.call("chainHead_v1_body", ["nope", current])).to.deep.equal({ result: "limitReached" });
      expect(await rpc.call("chainHead_v1_unpin", ["nope", current])).to.equal(null);

      // Body and call operations.
      const body = await rpc.call("chainHead_v1_body", [sub, current]);
      expect(body.result).to.equal("started");
      const bodyEvs = await operationEvents(rpc, sub, body.operationId, ["operationBodyDone", "operationError", "operationInaccessible"]);
      const legacy = await rpc.call("chain_getBlock", [current]);
      expect(bodyEvs.at(-1)).to.deep.equal({ event: "operationBodyDone", operationId: body.operationId, value: legacy.block.extrinsics });
      const call = await rpc.call("chainHead_v1_call", [sub, current, "Metadata_metadata_versions", "0x"]);
      const callEvs = await operationEvents(rpc, sub, call.operationId, ["operationCallDone", "operationError", "operationInaccessible"]);
      expect(callEvs.at(-1).event).to.equal("operationCallDone");
      expect(has14and15(callEvs.at(-1).output)).to.equal(true);
      const bad = await rpc.call("chainHead_v1_call", [sub, current, "Nope_nothing", ""]);
      expect((await operationEvents(rpc, sub, bad.operationId, ["operationCallDone", "operationError"])).at(-1).event).to.equal("operationError");

      expect(await rpc.call("chainHead_v1_unfollow", [sub])).to.be.oneOf([true, null]);
      expect(await rpc.call("chainHead_v1_header", [sub, current])).to.equal(null);
    });

    it("storage: value/hash/closestDescendantMerkleValue, descendantsValues paged with waitingForContinue/continue", async () => {
      const sub: string = await rpc.call("chainHead_v1_follow", [true]);
      const [init] = await rpc.until(sub, (e) => e.length > 0 && e);
      const at = init.finalizedBlockHashes.at(-1) as string;
      const number = parseInt((await rpc.call("chain_getHeader", [at])).number, 16);
      const code: string = await rpc.call("state_getStorage", [CODE, at]);

      const single = await rpc.call("chainHead_v1_storage", [sub, at, [
        { key: SYSTEM_NUMBER, type: "value" },
        { key: CODE, type: "hash" },
        { key: "0x26aa394eea5630e07c48ae0c9558cef7", type: "closestDescendantMerkleValue" },
        { key: "0x0123", type: "value" },
      ], null]);
      expect(single).to.deep.include({ result: "started", discardedItems: 0 });
      const sEvs = await operationEvents(rpc, sub, single.operationId, ["operationStorageDone", "operationError", "operationInaccessible"]);
      expect(sEvs.at(-1).event).to.equal("operationStorageDone");
      const items = sEvs.filter((e) => e.event === "operationStorageItems").flatMap((e) => e.items);
      const numberLe = "0x" + Buffer.from(new Uint32Array([number]).buffer).toString("hex");
      expect(items).to.deep.include({ key: SYSTEM_NUMBER, value: numberLe });
      expect(items).to.deep.include({ key: CODE, hash: toHex(blake2_256(fromHex(code))) });
      expect(items.find((i: any) => i.closestDescendantMerkleValue)?.closestDescendantMerkleValue).to.match(/^0x[0-9a-f]{64}$/);
      expect(items.some((i: any) => i.key === "0x0123")).to.equal(false);

      // Every key of the state, paged: waitingForContinue until continue, same keys as state_getKeysPaged.
      const all = await rpc.call("chainHead_v1_storage", [sub, at, [{ key: "0x", type: "descendantsValues" }], null]);
      expect(all.result).to.equal("started");
      const expected: string[] = await rpc.call("state_getKeysPaged", ["0x", 1000, null, at]);
      expect(expected.length).to.be.greaterThan(16);
      let waits = 0; // waits seen and answered with continue
      let done: any[] = [];
      for (;;) {
        const mine = await rpc.until(sub, (e) => {
          const m = e.filter((x) => x.operationId === all.operationId);
          const w = m.filter((x) => x.event === "operationWaitingForContinue").length;
          return (w > waits || m.some((x) => x.event !== "operationStorageItems" && x.event !== "operationWaitingForContinue")) && m;
        });
        if (mine.at(-1).event !== "operationWaitingForContinue") {
          done = mine;
          break;
        }
        waits++;
        expect(await rpc.call("chainHead_v1_continue", [sub, all.operationId])).to.equal(null);
        // A continue before the next wait is -32803 (unless the next batch already went out and waits again).
        const again = await rpc.request("chainHead_v1_continue", [sub, all.operationId]);
        if (again.error) expect(again.error.code).to.equal(-32803);
        else waits++;
      }
      expect(done.at(-1).event).to.equal("operationStorageDone");
      const got = done.filter((x) => x.event === "operationStorageItems").flatMap((x) => x.items.map((i: any) => i.key));
      expect(waits).to.be.greaterThan(0);
      expect(got).to.deep.equal(expected);
      await rpc.call("chainHead_v1_unfollow", [sub]);
    });

    it("limits: a 3rd follow gets -32800; operations beyond 16 get limitReached or discardedItems; withRuntime false refuses calls", async () => {
      const a: string = await rpc.call("chainHead_v1_follow", [false]);
      const b: string = await rpc.call("chainHead_v1_follow", [true]);
      const third = await rpc.request("chainHead_v1_follow", [true]);
      expect(third.error?.code).to.equal(-32800);
      const [init] = await rpc.until(a, (e) => e.length > 0 && e);
      expect(init).to.not.have.property("finalizedBlockRuntime");
      const at = init.finalizedBlockHashes.at(-1) as string;
      expect((await rpc.request("chainHead_v1_call", [a, at, "Core_version", "0x"])).error?.code).to.equal(-32802);

      // 20 descendants items: 16 accepted, 4 discarded; the operation holds its slots while it waits.
      const big = await rpc.call("chainHead_v1_storage", [a, at, Array.from({ length: 20 }, () => ({ key: "0x", type: "descendantsHashes" })), null]);
      expect(big).to.deep.include({ result: "started", discardedItems: 4 });
      await operationEvents(rpc, a, big.operationId, ["operationWaitingForContinue"]);
      expect(await rpc.call("chainHead_v1_body", [a, at])).to.deep.equal({ result: "limitReached" });
      expect(await rpc.call("chainHead_v1_storage", [a, at, [{ key: CODE, type: "value" }], null])).to.deep.equal({ result: "limitReached" });
      // The other follow has its own budget.
      const [initB] = await rpc.until(b, (e) => e.length > 0 && e);
      expect((await rpc.call("chainHead_v1_body", [b, initB.finalizedBlockHashes.at(-1)])).result).to.equal("started");
      // Stopping the operation frees its slots.
      expect(await rpc.call("chainHead_v1_stopOperation", [a, big.operationId])).to.equal(null);
      expect((await rpc.call("chainHead_v1_body", [a, at])).result).to.equal("started");
      await rpc.call("chainHead_v1_unfollow", [a]);
      // With one follow gone, a new one is accepted.
      const c: string = await rpc.call("chainHead_v1_follow", [true]);
      await rpc.call("chainHead_v1_unfollow", [b]);
      await rpc.call("chainHead_v1_unfollow", [c]);
    });
  });

  describe("archive_v1 and transaction groups over raw JSON-RPC", () => {
    let rpc: RawRpc;
    before(async () => {
      rpc = await RawRpc.connect(node.wsUrl);
    });
    after(() => rpc.close());

    it("archive_v1: genesisHash, finalizedHeight, hashByHeight, header, body, call, storage and storageDiff", async () => {
      const genesis = await rpc.call("chain_getBlockHash", [0]);
      expect(await rpc.call("archive_v1_genesisHash")).to.equal(genesis);
      expect(await rpc.call("archive_v1_hashByHeight", [0])).to.deep.equal([genesis]);
      const fin: number = await rpc.call("archive_v1_finalizedHeight");
      expect(fin).to.be.a("number").greaterThan(0);
      const [hash] = await rpc.call("archive_v1_hashByHeight", [fin]);
      expect(hash).to.equal(await rpc.call("chain_getBlockHash", [fin]));
      const header: string = await rpc.call("archive_v1_header", [hash]);
      expect(toHex(blake2_256(fromHex(header)))).to.equal(hash);
      expect(await rpc.call("archive_v1_header", ["0x" + "00".repeat(32)])).to.equal(null);
      expect(await rpc.call("archive_v1_body", [hash])).to.deep.equal((await rpc.call("chain_getBlock", [hash])).block.extrinsics);
      const call = await rpc.call("archive_v1_call", [hash, "Metadata_metadata_versions", "0x"]);
      expect(call.success).to.equal(true);
      expect(has14and15(call.value)).to.equal(true);
      expect((await rpc.call("archive_v1_call", [hash, "Nope_nothing", "0x"])).success).to.equal(false);
      expect(await rpc.call("archive_v1_call", ["0x" + "00".repeat(32), "Core_version", "0x"])).to.equal(null);

      const st: string = await rpc.call("archive_v1_storage", [hash, [{ key: SYSTEM_NUMBER, type: "value" }, { key: CODE, type: "hash" }], null]);
      const stEvs = await rpc.until(st, (e) => e.some((x) => x.event === "storageDone" || x.event === "storageError") && e);
      const numberLe = "0x" + Buffer.from(new Uint32Array([fin]).buffer).toString("hex");
      expect(stEvs).to.deep.include({ event: "storage", key: SYSTEM_NUMBER, value: numberLe });
      expect(stEvs.at(-1)).to.deep.equal({ event: "storageDone" });
      // Paginated descendants resume strictly after the start key.
      const keys: string[] = await rpc.call("state_getKeysPaged", ["0x26aa394eea5630e07c48ae0c9558cef7", 1000, null, hash]);
      const pg: string = await rpc.call("archive_v1_storage", [hash, [{ key: "0x26aa394eea5630e07c48ae0c9558cef7", type: "descendantsHashes", paginationStartKey: keys[1] }], null]);
      const pgEvs = await rpc.until(pg, (e) => e.some((x) => x.event === "storageDone") && e);
      expect(pgEvs.filter((x) => x.event === "storage").map((x) => x.key)).to.deep.equal(keys.slice(2));

      // Block `fin` against its parent: System.Number went from fin-1 to fin.
      const diff: string = await rpc.call("archive_v1_storageDiff", [hash, [{ key: SYSTEM_NUMBER, returnType: "value" }], null]);
      const dEvs = await rpc.until(diff, (e) => e.some((x) => x.event === "storageDiffDone" || x.event === "storageDiffError") && e);
      expect(dEvs).to.deep.equal([{ event: "storageDiff", key: SYSTEM_NUMBER, value: numberLe, type: "modified" }, { event: "storageDiffDone" }]);
      const prev = await rpc.call("chain_getBlockHash", [fin - 1]);
      const diff2: string = await rpc.call("archive_v1_storageDiff", [prev, [{ returnType: "hash" }], hash]);
      const d2 = await rpc.until(diff2, (e) => e.some((x) => x.event === "storageDiffDone" || x.event === "storageDiffError") && e);
      expect(d2.at(-1).event).to.equal("storageDiffError"); // previousHash must be an ancestor
    });

    it("transactionWatch_v1 and transaction_v1: validated → bestChainBlockIncluded → finalized; invalid bytes; broadcast/stop", async () => {
      const client = createClient(getWsProvider(node.wsUrl));
      let bytes: Uint8Array;
      try {
        const api = client.getUnsafeApi();
        bytes = await api.tx.Balances.transfer_keep_alive({ dest: { type: "Id", value: signer("//Ferdie").address }, value: 1_000_000_000_000n }).sign(signer("//Alice").signer);
      } finally {
        client.destroy();
      }
      const sub: string = await rpc.call("transactionWatch_v1_submitAndWatch", [toHex(bytes)]);
      const evs = await rpc.until(sub, (e) => e.some((x) => ["finalized", "invalid", "dropped", "error"].includes(x.event)) && e, 30_000);
      expect(evs[0]).to.deep.equal({ event: "validated" });
      const included = evs.find((x) => x.event === "bestChainBlockIncluded");
      const final = evs.at(-1);
      expect(final.event, JSON.stringify(evs)).to.equal("finalized");
      expect(included.block).to.deep.equal(final.block);
      const block = await rpc.call("chain_getBlock", [final.block.hash]);
      expect(block.block.extrinsics[final.block.index]).to.equal(toHex(bytes));

      // Garbage bytes end with an `invalid` (or `error`) event, not a JSON-RPC error; bad hex is -32602.
      const junk: string = await rpc.call("transactionWatch_v1_submitAndWatch", ["0x0400"]);
      const jEvs = await rpc.until(junk, (e) => e.length > 0 && e);
      expect(jEvs[0].event).to.be.oneOf(["invalid", "error"]);
      expect((await rpc.request("transactionWatch_v1_submitAndWatch", ["0xzz"])).error?.code).to.equal(-32602);

      const op = await rpc.call("transaction_v1_broadcast", ["0x0400"]);
      expect(op).to.be.a("string");
      const stop = await rpc.request("transaction_v1_stop", [op]);
      // The invalid transaction may already have ended its operation; either way stop is then an error.
      if (!stop.error) expect(stop.result).to.equal(null);
      expect((await rpc.request("transaction_v1_stop", [op])).error?.code).to.equal(-32602);
    });
  });
});
