/** Shared helpers for runtime tests: a composed consensus runtime with dev genesis, and signing via polkadot-js. */
import { TypeRegistry, Metadata } from "@polkadot/types";
import { Keyring } from "@polkadot/keyring";
import { u8aToHex } from "@polkadot/util";
import { createConsensusRuntime, type ConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { Trie } from "../../framework/trie/index.ts";
import { Executor, headerHash } from "../../framework/runtime/executor.ts";
import { keyBytes } from "../../framework/storage/overlay.ts";
import { u64 } from "../../framework/codec/ty.ts";
import { orderedTrieRoot } from "../../framework/trie/index.ts";
import type { Header, DigestItem } from "../../framework/codec/substrate.ts";
import { subspacePreDigestItem, genesisSolution } from "../../framework/primitives/subspace/consensus/index.ts";

export interface Chain {
  crt: ConsensusRuntime;
  executor: Executor;
  registry: TypeRegistry;
  genesisHash: Uint8Array;
  state: Trie;
  head: { hash: Uint8Array; header: Header };
  keyring: Keyring;
  now: bigint;
}

export async function devChain(): Promise<Chain> {
  const crt = await createConsensusRuntime();
  const storage = crt.genesis.buildStorage(crt.genesis.preset("development")!, crt.code);
  const state = Trie.fromEntries([...storage].map(([k, v]) => [keyBytes(k), v] as const), 1);
  const header: Header = { parentHash: new Uint8Array(32), number: 0, stateRoot: state.root, extrinsicsRoot: orderedTrieRoot([], 1), digest: { logs: [] } };
  const genesisHash = headerHash(header);
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, crt.metadata.v15);
  registry.setMetadata(metadata);
  const keyring = new Keyring({ type: "sr25519", ss58Format: 6094 });
  return { crt, executor: new Executor(crt.runtime), registry, genesisHash, state, head: { hash: genesisHash, header }, keyring, now: 1_700_000_000_000n };
}

export interface SignOverrides {
  genesisHash?: Uint8Array;
  blockHash?: Uint8Array;
  specVersion?: number;
  transactionVersion?: number;
  /** Era as polkadot-js accepts it (`0x00` immortal, or `{current, period}`). */
  era?: any;
}

/** Signs `call` (a polkadot-js Call) for `pair` against the chain's metadata, immortal era unless overridden. */
export function signWithPolkadotJs(chain: Chain, call: any, pair: any, nonce: number, tip = 0n, o: SignOverrides = {}): Uint8Array {
  const ext = chain.registry.createType("Extrinsic", call, { version: 4 });
  ext.sign(pair, {
    blockHash: u8aToHex(o.blockHash ?? o.genesisHash ?? chain.genesisHash),
    genesisHash: u8aToHex(o.genesisHash ?? chain.genesisHash),
    nonce,
    tip,
    runtimeVersion: {
      specVersion: o.specVersion ?? chain.crt.runtime.version.specVersion,
      transactionVersion: o.transactionVersion ?? chain.crt.runtime.version.transactionVersion,
    } as any,
    signedExtensions: chain.crt.runtime.signedExtensions.map((e) => e.identifier),
    era: chain.registry.createType("ExtrinsicEra", o.era ?? "0x00"),
  } as any);
  return ext.toU8a();
}

/** Produces the next block with a timestamp inherent and the given extrinsics. */
export function produce(chain: Chain, extrinsics: Uint8Array[]) {
  chain.now += 1000n;
  const data = new Map([["timstap0", u64.enc(chain.now)]]);
  const number = chain.head.header.number + 1;
  const built = chain.executor.buildBlock(chain.state, chain.head.hash, number, devDigest(number), data, extrinsics);
  chain.state = built.state;
  chain.head = { hash: built.hash, header: built.header };
  return built;
}

/** A `PreRuntime(SUB_)` pre-digest by the dev farmer key at slot = block number (Subspace requires one per block). */
export function devDigest(slot: number): DigestItem[] {
  const farmer = new Keyring({ type: "sr25519" }).addFromUri("//Farmer").publicKey;
  return [subspacePreDigestItem({ slot, solution: genesisSolution(farmer, farmer), potInfo: { proofOfTime: new Uint8Array(16), futureProofOfTime: new Uint8Array(16) } })];
}
