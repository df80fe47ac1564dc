/**
 * Our metadata through real clients: @polkadot/types decodes V14 and V15 and decorates the API
 * (pallets, calls, storage, events, errors, constants with Subspace's indices); polkadot-api's
 * decoder and dynamic codec builders (stricter than polkadot-js) build a codec for every type,
 * storage item, call, event, error, constant and runtime API. A polkadot-js-signed
 * `Balances.transfer_keep_alive` passes TaggedTransactionQueue_validate_transaction (SCALE in,
 * SCALE out) and applies; the resulting System.Events decode with both clients.
 */
import { expect } from "chai";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Metadata, TypeRegistry, expandMetadata } from "@polkadot/types";
import { u8aToHex, compactStripLength } from "@polkadot/util";
import { devChain, signWithPolkadotJs, produce, type Chain } from "./helpers.ts";
import { toHex, concatBytes } from "../../framework/codec/bytes.ts";
import { decodeAll } from "../../framework/codec/ty.ts";
import { ss58Encode } from "../../framework/crypto/index.ts";
import { TransactionSourceTy, TransactionValidityTy } from "../../framework/runtime/apis.ts";

/** polkadot-api's own copies of its bindings and builders (as `polkadot-api` resolves them). */
async function papi() {
  const req = createRequire(createRequire(import.meta.url).resolve("polkadot-api"));
  const load = (name: string) => import(pathToFileURL(req.resolve(name)).href);
  return { bindings: await load("@polkadot-api/substrate-bindings"), builders: await load("@polkadot-api/metadata-builders") };
}

/** polkadot-api hands byte fields out as hex strings or byte arrays depending on the version. */
const hexOf = (x: string | Uint8Array): string => (typeof x === "string" ? x : toHex(x));

const PALLETS: Record<string, number> = {
  System: 0, Timestamp: 1, Subspace: 2, Rewards: 4, Balances: 5, TransactionFees: 6, TransactionPayment: 7, Utility: 8, RuntimeConfigs: 14, Sudo: 100,
};
const CALLS: [string, string, number, number][] = [
  ["balances", "transferAllowDeath", 5, 0], ["balances", "forceTransfer", 5, 2], ["balances", "transferKeepAlive", 5, 3],
  ["balances", "transferAll", 5, 4], ["utility", "batch", 8, 0], ["utility", "batchAll", 8, 2], ["utility", "forceBatch", 8, 4],
  ["sudo", "sudo", 100, 0], ["sudo", "sudoUncheckedWeight", 100, 1], ["sudo", "setKey", 100, 2], ["sudo", "sudoAs", 100, 3],
  ["system", "remark", 0, 0], ["system", "setStorage", 0, 4], ["system", "killPrefix", 0, 6], ["system", "remarkWithEvent", 0, 7],
  ["timestamp", "set", 1, 0], ["runtimeConfigs", "setEnableBalanceTransfers", 14, 2],
];

describe("metadata through @polkadot/types and polkadot-api", function () {
  let chain: Chain;
  before(async () => {
    chain = await devChain();
  });

  for (const version of [14, 15] as const) {
    it(`V${version} decodes with @polkadot/types and lists the pallets with Subspace's indices`, () => {
      const registry = new TypeRegistry();
      const md = new Metadata(registry, version === 14 ? chain.crt.metadata.v14 : chain.crt.metadata.v15);
      expect(md.version).to.equal(version);
      registry.setMetadata(md);
      const pallets = md.asLatest.pallets.map((p) => [p.name.toString(), p.index.toNumber()]);
      expect(Object.fromEntries(pallets)).to.deep.equal(PALLETS);
      // Round trip: polkadot-js re-encodes exactly our bytes.
      expect(u8aToHex(md.toU8a())).to.equal(toHex(version === 14 ? chain.crt.metadata.v14 : chain.crt.metadata.v15));
    });
  }

  it("the decorated API has the calls with their indices", () => {
    const d = expandMetadata(chain.registry, new Metadata(chain.registry, chain.crt.metadata.v15));
    for (const [section, method, p, c] of CALLS) {
      const fn = d.tx[section]?.[method];
      expect(fn, `${section}.${method}`).to.not.equal(undefined);
      expect([...fn!.callIndex], `${section}.${method}`).to.deep.equal([p, c]);
    }
    expect(chain.registry.findMetaCall(Uint8Array.of(5, 3)).method).to.equal("transferKeepAlive");
  });

  it("storage items with their hashers and keys", () => {
    const d = expandMetadata(chain.registry, new Metadata(chain.registry, chain.crt.metadata.v15));
    const hashers = (e: any) => e.meta.type.asMap.hashers.map((h: any) => h.type);
    expect(hashers(d.query.system!.account)).to.deep.equal(["Blake2_128Concat"]);
    expect(hashers(d.query.system!.blockHash)).to.deep.equal(["Twox64Concat"]);
    expect(hashers(d.query.balances!.account)).to.deep.equal(["Blake2_128Concat"]);
    expect(d.query.timestamp!.now!.meta.type.isPlain).to.equal(true);
    const alice = chain.keyring.addFromUri("//Alice").publicKey;
    // A decorated entry returns its key with a compact length prefix.
    const key = (entry: any, ...args: any[]) => u8aToHex(compactStripLength(entry(...args))[1]);
    expect(key(d.query.system!.account, alice)).to.equal(toHex(chain.crt.system.Account.key(alice)));
    expect(key(d.query.system!.blockHash, 0)).to.equal("0x26aa394eea5630e07c48ae0c9558cef7a44704b568d21667356a5a050c118746b4def25cfda6ef3a00000000");
    expect(key(d.query.balances!.totalIssuance)).to.equal("0xc2261276cc9d1f8598ea4b6a74b15c2f57c875e4cff74148e4628f264b974c80");
    expect(key(d.query.system!.events)).to.equal("0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7");
  });

  it("events, errors and constants", () => {
    const d = expandMetadata(chain.registry, new Metadata(chain.registry, chain.crt.metadata.v15));
    expect(d.events.balances!.Transfer!.meta.index.toNumber()).to.equal(2);
    expect(d.events.system!.ExtrinsicFailed!.meta.fields.map((f) => f.name.toString())).to.deep.equal(["dispatch_error", "dispatch_info"]);
    expect(d.events.utility!.BatchInterrupted!.meta.index.toNumber()).to.equal(0);
    expect(d.events.sudo!.Sudid!.meta.index.toNumber()).to.equal(0);
    expect(d.events.transactionPayment!.TransactionFeePaid!.meta.index.toNumber()).to.equal(0);
    expect(d.errors.balances!.InsufficientBalance!.meta.index.toNumber()).to.equal(2);
    expect(d.errors.sudo!.RequireSudo!.meta.index.toNumber()).to.equal(0);
    expect(d.errors.utility!.TooManyCalls!.meta.index.toNumber()).to.equal(0);
    expect(d.consts.system!.ss58Prefix!.toString()).to.equal("6094");
    expect(d.consts.system!.blockHashCount!.toString()).to.equal("4096");
    expect(d.consts.balances!.existentialDeposit!.toString()).to.equal(chain.crt.balances.config.existentialDeposit.toString());
    expect((d.consts.system!.version as any).specName.toString()).to.equal("subspace");
    expect(d.consts.timestamp!.minimumPeriod!.toString()).to.equal("500");
    // A module error resolves to its name through the registry (what Apps shows).
    const err = chain.registry.findMetaError(Uint8Array.of(5, 2));
    expect(`${err.section}.${err.name}`).to.equal("balances.InsufficientBalance");
  });

  it("V15 lists the runtime APIs, outer enums and extrinsic types; signed extensions in Subspace's order", () => {
    const md = new Metadata(new TypeRegistry(), chain.crt.metadata.v15).asV15;
    const apis = md.apis.map((a) => a.name.toString());
    expect(apis).to.include.members(["Core", "Metadata", "BlockBuilder", "TaggedTransactionQueue", "AccountNonceApi", "TransactionPaymentApi", "GenesisBuilder"]);
    const tq = md.apis.find((a) => a.name.toString() === "TaggedTransactionQueue")!;
    expect(tq.methods.map((m) => m.name.toString())).to.deep.equal(["validate_transaction"]);
    expect(tq.methods[0]!.inputs.map((i) => i.name.toString())).to.deep.equal(["source", "tx", "block_hash"]);
    const lookup = md.lookup;
    const path = (id: any) => lookup.getSiType(id).path.map((p) => p.toString()).join("::");
    expect(path(md.outerEnums.callType)).to.equal("subspace_runtime::RuntimeCall");
    expect(path(md.outerEnums.eventType)).to.equal("subspace_runtime::RuntimeEvent");
    expect(path(md.extrinsic.addressType)).to.equal("sp_runtime::multiaddress::MultiAddress");
    expect(path(md.extrinsic.signatureType)).to.equal("sp_runtime::MultiSignature");
    expect(md.extrinsic.signedExtensions.map((e) => e.identifier.toString())).to.deep.equal([
      "CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce", "CheckWeight",
      "ChargeTransactionPayment", "BalanceTransferCheckExtension", "SubspaceExtension", "DomainsExtension", "MessengerExtension",
    ]);
  });

  it("polkadot-api decodes V14 and V15 and builds a codec for every type, item, call, event, error, constant and API", async () => {
    const { bindings, builders } = await papi();
    for (const [v, raw] of [["v14", chain.crt.metadata.v14], ["v15", chain.crt.metadata.v15]] as const) {
      const decoded = bindings.decAnyMetadata(raw);
      expect(decoded.metadata.tag).to.equal(v);
      const unified = bindings.unifyMetadata(decoded);
      const lookup = builders.getLookupFn(unified);
      const b = builders.getDynamicBuilder(lookup);
      for (const t of unified.lookup) b.buildDefinition(t.id);
      let n = 0;
      for (const p of unified.pallets) {
        for (const s of p.storage?.items ?? []) {
          const st = b.buildStorage(p.name, s.name);
          // ValueQuery items carry their default; OptionQuery ones `None` (0x00).
          if (s.modifier === 1) expect(() => st.value.dec(s.fallback), `${p.name}.${s.name} default`).to.not.throw();
          else expect(hexOf(s.fallback), `${p.name}.${s.name}`).to.equal("0x00");
          n++;
        }
        for (const c of p.constants) {
          const value = b.buildConstant(p.name, c.name).dec(c.value);
          expect(toHex(b.buildConstant(p.name, c.name).enc(value)), `${p.name}.${c.name}`).to.equal(hexOf(c.value));
          n++;
        }
        for (const [kind, id] of [["call", p.calls], ["event", p.events], ["error", p.errors]] as const) {
          if (id === undefined || id === null) continue;
          const tyId = typeof id === "number" ? id : id.type;
          const entry = lookup(tyId);
          expect(entry.type, `${p.name} ${kind}`).to.equal("enum");
          for (const name of Object.keys(entry.value)) {
            const built = kind === "call" ? b.buildCall(p.name, name) : kind === "event" ? b.buildEvent(p.name, name) : b.buildError(p.name, name);
            expect(built.location[0], `${p.name}.${name}`).to.equal(p.index);
            n++;
          }
        }
      }
      if (v === "v15") {
        for (const api of unified.apis) for (const m of api.methods) b.buildRuntimeCall(api.name, m.name);
        const ss58 = ss58Encode(chain.keyring.addFromUri("//Alice").publicKey, 6094);
        expect(b.buildStorage("System", "Account").keys.enc(ss58)).to.equal(toHex(chain.crt.system.Account.key(chain.keyring.addFromUri("//Alice").publicKey)));
        expect(b.ss58Prefix).to.equal(6094);
      }
      expect(n, v).to.be.greaterThan(100);
    }
  });

  it("a polkadot-js-signed transfer_keep_alive passes TaggedTransactionQueue_validate_transaction (SCALE in/out) and applies", async () => {
    const alice = chain.keyring.addFromUri("//Alice");
    const bob = chain.keyring.addFromUri("//Bob");
    const amount = 12_345_000_000_000_000n;
    const call = chain.registry.createType("Call", { callIndex: [5, 3], args: { dest: { Id: bob.publicKey }, value: amount } });
    const nonce = chain.executor.read(chain.state, () => chain.crt.system.accountNonce(alice.publicKey));
    const tx = signWithPolkadotJs(chain, call, alice, nonce);
    const input = concatBytes(TransactionSourceTy.enc({ tag: "External" }), tx, chain.head.hash);
    const out = chain.executor.call(chain.state, chain.head.hash, "TaggedTransactionQueue_validate_transaction", input);
    // Decoded by polkadot-js's own definition of the result type.
    const pjs = chain.registry.createType("TransactionValidity", out) as any;
    expect(pjs.isOk).to.equal(true);
    const ours = decodeAll(TransactionValidityTy, out);
    if (!ours.ok) throw new Error("invalid");
    expect(ours.value.provides).to.have.length(1);
    expect(toHex(ours.value.provides[0]!)).to.equal(toHex(concatBytes(alice.publicKey, Uint8Array.of(nonce, 0, 0, 0))));
    expect(pjs.asOk.priority.toBigInt()).to.equal(ours.value.priority);

    const before = chain.executor.read(chain.state, () => chain.crt.balances.freeBalance(bob.publicKey));
    const built = produce(chain, [tx]);
    expect(built.results[0]).to.deep.equal({ ok: true, value: { ok: true } });
    const after = chain.executor.read(chain.state, () => chain.crt.balances.freeBalance(bob.publicKey));
    expect(after - before).to.equal(amount);

    // System.Events as stored decode with both clients.
    const raw = chain.state.get(chain.crt.system.Events.key())!;
    const records = chain.registry.createType("Vec<EventRecord>", raw) as any;
    const names = records.map((r: any) => `${r.event.section}.${r.event.method}`);
    expect(names).to.include.members(["balances.Transfer", "transactionPayment.TransactionFeePaid", "system.ExtrinsicSuccess", "balances.Withdraw"]);
    const transfer = records.find((r: any) => r.event.method === "Transfer");
    expect(transfer.phase.asApplyExtrinsic.toNumber()).to.equal(1);
    expect(transfer.event.data[2].toBigInt()).to.equal(amount);
    const { bindings, builders } = await papi();
    const b = builders.getDynamicBuilder(builders.getLookupFn(bindings.unifyMetadata(bindings.decAnyMetadata(chain.crt.metadata.v15))));
    const evs = b.buildStorage("System", "Events").value.dec(raw) as any[];
    expect(evs.map((e) => `${e.event.type}.${e.event.value.type}`.toLowerCase())).to.deep.equal(names.map((n: string) => n.toLowerCase()));
    // The account as stored decodes as FRAME's AccountInfo.
    const info = chain.registry.createType("AccountInfo", chain.state.get(chain.crt.system.Account.key(bob.publicKey))!) as any;
    expect(info.data.free.toBigInt()).to.equal(after);
  });
});
