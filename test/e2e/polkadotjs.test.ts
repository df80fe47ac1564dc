/**
 * @polkadot/api 16 against a real `subspace-node run --dev` process, with no custom types.
 */
import { expect } from "chai";
import { ApiPromise, WsProvider, Keyring } from "@polkadot/api";
import { startNodeProcess, Teardown, type NodeProcess } from "../utils/node.ts";

describe("e2e: @polkadot/api against subspace-node --dev", function () {
  this.timeout(120_000);
  const teardown = new Teardown();
  let node: NodeProcess;
  let api: ApiPromise;
  let keyring: Keyring;

  before(async () => {
    node = await startNodeProcess(["--dev", "--dev-block-time", "500"]);
    teardown.add(() => node.stop());
    teardown.add(() => node.basePath && import("node:fs").then((fs) => fs.rmSync(node.basePath, { recursive: true, force: true })));
    api = await ApiPromise.create({ provider: new WsProvider(node.wsUrl), noInitWarn: true, throwOnConnect: true });
    teardown.add(() => api.disconnect());
    keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
  });
  after(() => teardown.run());

  it("connects without custom types and sees the runtime", async () => {
    expect(api.runtimeVersion.specName.toString()).to.equal("subspace");
    expect(api.runtimeMetadata.version).to.equal(15);
    expect(api.registry.chainSS58).to.equal(6094);
    expect(api.registry.chainDecimals[0]).to.equal(18);
    expect(api.registry.chainTokens[0]).to.equal("AI3");
    expect(Object.keys(api.tx)).to.include.members(["balances", "utility", "sudo", "system", "timestamp"]);
    expect((await api.rpc.system.chain()).toString()).to.equal("Subspace development");
  });

  it("reads System.Account and pays a transfer with events, balances changing by amount + fee", async () => {
    const alice = keyring.addFromUri("//Alice");
    const bob = keyring.addFromUri("//Bob");
    const before = await api.query.system.account(alice.address);
    const bobBefore = await api.query.system.account(bob.address);
    expect((before as any).data.free.toBigInt() > 0n).to.equal(true);
    const amount = 1_000_000_000_000_000n;
    const tx = api.tx.balances.transferKeepAlive(bob.address, amount);
    const info = await tx.paymentInfo(alice);
    const fee = info.partialFee.toBigInt();
    expect(fee > 0n).to.equal(true);
    const statuses: string[] = [];
    const events: string[] = [];
    let inBlockHash = "";
    await new Promise<void>((resolve, reject) => {
      tx.signAndSend(alice, (result) => {
        statuses.push(result.status.type);
        if (result.status.isInBlock) {
          inBlockHash = result.status.asInBlock.toHex();
          for (const { event } of result.events) events.push(`${event.section}.${event.method}`);
        }
        if (result.status.isFinalized) resolve();
        if (result.isError) reject(new Error(`tx failed: ${result.status.type}`));
      }).catch(reject);
    });
    expect(statuses).to.include.members(["Ready", "InBlock", "Finalized"]);
    expect(events).to.include.members(["balances.Transfer", "transactionPayment.TransactionFeePaid", "system.ExtrinsicSuccess"]);
    const after = await api.query.system.account(alice.address);
    const bobAfter = await api.query.system.account(bob.address);
    expect((before as any).data.free.toBigInt() - (after as any).data.free.toBigInt()).to.equal(amount + fee);
    expect((bobAfter as any).data.free.toBigInt() - (bobBefore as any).data.free.toBigInt()).to.equal(amount);
    // api.at(oldHash) still sees the old balance.
    const parent = (await api.rpc.chain.getHeader(inBlockHash)).parentHash;
    const atParent = await api.at(parent);
    expect(((await atParent.query.system.account(alice.address)) as any).data.free.toBigInt()).to.equal((before as any).data.free.toBigInt());
  });

  it("runs utility.batchAll and sudo.sudo", async () => {
    const alice = keyring.addFromUri("//Alice");
    const charlie = keyring.addFromUri("//Charlie");
    const dave = keyring.addFromUri("//Dave");
    const batch = api.tx.utility.batchAll([
      api.tx.balances.transferKeepAlive(charlie.address, 1_000_000_000_000_000n),
      api.tx.balances.transferKeepAlive(dave.address, 2_000_000_000_000_000n),
    ]);
    const ev1 = await sendAndCollect(batch, alice);
    expect(ev1).to.include("utility.BatchCompleted");
    const sudo = api.tx.sudo.sudo(api.tx.balances.forceSetBalance(dave.address, 5_000_000_000_000_000_000n));
    const ev2 = await sendAndCollect(sudo, alice);
    expect(ev2).to.include("sudo.Sudid");
    const daveAcct: any = await api.query.system.account(dave.address);
    expect(daveAcct.data.free.toBigInt()).to.equal(5_000_000_000_000_000_000n);
  });

  it("pages storage entries and follows new heads and storage", async () => {
    const entries = await api.query.system.account.entriesPaged({ args: [], pageSize: 2 });
    expect(entries.length).to.be.greaterThan(0);
    const heads: number[] = [];
    await new Promise<void>((resolve) => {
      let unsub: () => void;
      api.rpc.chain.subscribeNewHeads((h) => {
        heads.push(h.number.toNumber());
        if (heads.length >= 2) {
          unsub();
          resolve();
        }
      }).then((u) => (unsub = u));
    });
    expect(heads[1]).to.be.greaterThan(heads[0]!);
    const now = await new Promise<bigint>((resolve) => {
      let unsub: () => void;
      api.query.timestamp.now((v: any) => {
        unsub?.();
        resolve(v.toBigInt());
      }).then((u: any) => (unsub = u));
    });
    expect(now > 0n).to.equal(true);
  });

  async function sendAndCollect(tx: any, signer: any): Promise<string[]> {
    return new Promise((resolve, reject) => {
      tx.signAndSend(signer, (result: any) => {
        if (result.status.isInBlock) resolve(result.events.map(({ event }: any) => `${event.section}.${event.method}`));
        if (result.isError) reject(new Error(result.status.type));
      }).catch(reject);
    });
  }
});
