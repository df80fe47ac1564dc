import { devDigest } from "../runtime/helpers.ts";
/**
 * Runtime benchmarks (issue 2, Performance):
 * - composing the consensus runtime and building + encoding metadata V14/V15 at start (goal ≤ 200 ms);
 * - building a block of 1,000 signed sr25519 transfers (signatures verified in the block), against the
 *   bare sr25519 verification rate measured in the same run (goal: ratio ≥ 0.5); also importing it.
 * Prints JSON lines via report().
 */
import { performance } from "node:perf_hooks";
import { report } from "./report.ts";
import { createConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { buildMetadata } from "../../framework/runtime/metadata.ts";
import { Executor, headerHash } from "../../framework/runtime/executor.ts";
import { Trie, orderedTrieRoot } from "../../framework/trie/index.ts";
import { keyBytes } from "../../framework/storage/overlay.ts";
import { u64 } from "../../framework/codec/ty.ts";
import { sr25519Verify } from "../../framework/crypto/index.ts";
import { Keyring } from "@polkadot/keyring";
import type { Header } from "../../framework/codec/substrate.ts";

const N = 1000;

// 1. Start-up: compose (DI, pallets, outer enums, APIs) + metadata, cold, in this fresh process.
let t = performance.now();
const crt = await createConsensusRuntime();
const composeMs = performance.now() - t;
t = performance.now();
const again = buildMetadata(crt.runtime);
const metadataWarmMs = performance.now() - t;
report("runtime_compose_and_metadata_cold", composeMs, "ms", 200);
report("runtime_metadata_build_encode_warm", metadataWarmMs, "ms", 200);
report("runtime_metadata_size_v15", again.v15.length, "bytes", null);

// 2. Genesis (dev preset) and 1,000 transfers from Alice, nonces 0…999, signed up front.
const storage = crt.genesis.buildStorage(crt.genesis.preset("development")!, crt.code);
const genesisState = Trie.fromEntries([...storage].map(([k, v]) => [keyBytes(k), v] as const), 1);
const genesisHeader: Header = { parentHash: new Uint8Array(32), number: 0, stateRoot: genesisState.root, extrinsicsRoot: orderedTrieRoot([], 1), digest: { logs: [] } };
const genesisHash = headerHash(genesisHeader);
const keyring = new Keyring({ type: "sr25519" });
const alice = keyring.addFromUri("//Alice");
const rt = crt.runtime;
const executor = new Executor(rt);

const payloads: Uint8Array[] = [];
const signatures: Uint8Array[] = [];
const txs: Uint8Array[] = [];
executor.read(genesisState, () => {
  // As in block 1: BlockHash[0] becomes the genesis hash (what CheckGenesis and CheckMortality sign).
  rt.system.initialize(1, genesisHash, []);
  for (let nonce = 0; nonce < N; nonce++) {
    const dest = new Uint8Array(32);
    dest[0] = 1;
    dest[1] = nonce & 0xff;
    dest[2] = nonce >> 8;
    const call = { tag: "Balances", value: { tag: "transfer_allow_death", value: { dest: { tag: "Id", value: dest }, value: 10n ** 17n } } };
    const extra = [undefined, undefined, undefined, undefined, { tag: "Immortal" }, nonce, undefined, 0n, undefined, undefined, undefined, undefined];
    const add = rt.additionalSigned(extra);
    if (!add.ok) throw new Error("additional signed");
    const payload = rt.signingPayload(rt.callTy.enc(call as any), rt.extraTy.enc(extra), add.value);
    const signature = alice.sign(payload);
    payloads.push(payload);
    signatures.push(signature);
    txs.push(rt.encodeSigned({ tag: "Id", value: alice.publicKey }, { tag: "Sr25519", value: signature }, extra, call as any));
  }
});

const inherents = new Map([["timstap0", u64.enc(1_700_000_000_000n)]]);
const verifyAll = (): number => {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) if (!sr25519Verify(signatures[i]!, payloads[i]!, alice.publicKey)) throw new Error("bad signature");
  return performance.now() - t0;
};
const buildOnce = () => {
  const t0 = performance.now();
  const b = executor.buildBlock(genesisState, genesisHash, 1, devDigest(1), inherents, txs);
  return { ms: performance.now() - t0, b };
};
// Warm-up (JIT) of both paths, then best of 5 for each, interleaved so load on the machine hits both alike.
verifyAll();
buildOnce();
let verifyMs = Infinity;
let buildMs = Infinity;
let built: ReturnType<Executor["buildBlock"]> | undefined;
for (let run = 0; run < 5; run++) {
  verifyMs = Math.min(verifyMs, verifyAll());
  const r = buildOnce();
  if (r.ms < buildMs) buildMs = r.ms;
  built = r.b;
}
const verifyPerS = N / (verifyMs / 1000);
const applied = built!.results.filter((r) => r !== "exhausted" && r.ok && r.value.ok).length;
if (applied !== N) throw new Error(`only ${applied} of ${N} transfers applied: ${String(JSON.stringify(built!.results[0], (_k, v) => (typeof v === "bigint" ? String(v) : v)))}`);
const transfersPerS = N / (buildMs / 1000);

let importMs = Infinity;
for (let run = 0; run < 3; run++) {
  t = performance.now();
  const s = executor.executeBlock(genesisState, built!.header, built!.extrinsics);
  importMs = Math.min(importMs, performance.now() - t);
  if (s.root.some((b, i) => b !== built!.state.root[i])) throw new Error("import state root mismatch");
}

report("sr25519_verify", verifyPerS, "verifies/s", null);
report("runtime_build_block_1000_transfers", transfersPerS, "transfers/s", null);
report("runtime_build_block_1000_transfers_ms", buildMs, "ms", null);
// The runtime's own cost per transfer beyond verifying its signature.
report("runtime_overhead_per_transfer", ((buildMs - verifyMs) * 1000) / N, "µs", null);
report("runtime_import_block_1000_transfers", N / (importMs / 1000), "transfers/s", null);
report("runtime_transfers_to_verify_ratio", transfersPerS / verifyPerS, "ratio", 0.5);
