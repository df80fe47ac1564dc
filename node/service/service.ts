/**
 * The node's composition root: chain spec → runtime → database → client → transaction pool →
 * block production → JSON-RPC. `startNode` returns a handle whose `stop()` tears everything down
 * in reverse order.
 */
import { mkdtempSync, rmSync, mkdirSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { base58Encode } from "@polkadot/util-crypto";
import { blake2_256, ed25519KeypairFromSeed } from "../../framework/crypto/index.ts";
import { toHex, fromHex, concatBytes } from "../../framework/codec/bytes.ts";
import { decodeAll, u32 } from "../../framework/codec/ty.ts";
import { parseChainSpec, type ChainSpec } from "../../framework/chain-spec/chainSpec.ts";
import { createConsensusRuntime, CONSTANTS, type ConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { builtinSpec, genesisStorage } from "../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../db/index.ts";
import { Client } from "../client/client.ts";
import { TransactionPool, type PoolValidator, type Validity } from "../txpool/index.ts";
import { RpcServer } from "../rpc/server/index.ts";
import { registerLegacy } from "../rpc/modules/legacy.ts";
import { registerNewApi } from "../rpc/modules/newApi.ts";
import type { RpcContext } from "../rpc/modules/context.ts";
import { DevSeal } from "../consensus/devSeal.ts";
import { Keystore } from "./keystore.ts";
import { cachingVerifier } from "../client/signatureCache.ts";
import { encodeSubspaceInherentData } from "../../pallets/subspace/subspace.ts";
import { createLogger, parseLogDirectives, type Logger } from "./logger.ts";

export const NODE_VERSION = "0.1.0";
export const IMPL_NAME = "subspace-node";

export interface NodeOptions {
  chain: string;
  /** Undefined with `tmp`: a temporary directory removed on stop. */
  basePath?: string;
  tmp: boolean;
  name?: string;
  rpc: { host: string; port: number; cors: "all" | string[] | null; methods: "safe" | "unsafe" | "auto"; maxConnections: number; maxRequestSize?: number; maxResponseSize?: number; maxSubscriptionsPerConnection?: number };
  statePruning: "archive" | number;
  log: string[];
  /** Dev-seal block production (the stand-in without PoAS): interval (ms) and whether to run it. */
  blockTimeMs: number;
  produceBlocks: boolean;
  /** Seal a block as soon as transactions arrive (instant seal), besides the interval. */
  sealOnTransactions?: boolean;
  /**
   * PoAS authoring with an in-process farmer (`--farmer`; implied by `--dev` unless a dev seal is
   * asked for): archiver, a small farm plotted from segment 0, the slot worker and the farmer RPC.
   */
  farmer?: boolean;
  /** Also run the in-process dev farm (`--dev`); off leaves farming to `subspace-farmer` over RPC. */
  devFarm?: boolean;
  /** Pieces per sector and sectors of the in-process farm (default 2 × 1). */
  farmPieces?: number;
  farmSectors?: number;
  /** Reward address of the in-process farmer (default: its own public key). */
  rewardAddress?: Uint8Array;
  /** Where deterministic per-chain artefacts (segment 0, the dev farm) are cached. */
  cacheDir?: string;
  /** Run the Proof-of-Time timekeeper (`--timekeeper`; implied by `--dev`). */
  timekeeper?: boolean;
  /** `--pot-external-entropy`: mixed into the genesis PoT seed (default: the chain spec's `potExternalEntropy`). */
  potExternalEntropy?: string;
  /** Skip fsync per block (tests, throw-away chains). */
  unsafeNoSync?: boolean;
}

export interface RunningNode {
  readonly rpcAddress: { host: string; port: number };
  readonly client: Client;
  readonly pool: TransactionPool;
  readonly spec: ChainSpec;
  readonly basePath: string;
  stop(): Promise<void>;
}

export async function loadChainSpec(chain: string, crt: ConsensusRuntime): Promise<ChainSpec> {
  const builtin = builtinSpec(chain, crt);
  if (builtin) return builtin;
  if (!existsSync(chain)) throw new Error(`unknown chain "${chain}": not a built-in chain (dev, local) nor an existing chain spec file`);
  return parseChainSpec(readFileSync(chain, "utf8"), chain);
}

/** libp2p peer id of an ed25519 key: base58(multihash identity(protobuf PublicKey)). */
export function peerIdOf(publicKey: Uint8Array): string {
  const proto = concatBytes(Uint8Array.of(0x08, 0x01, 0x12, 0x20), publicKey);
  return base58Encode(concatBytes(Uint8Array.of(0x00, proto.length), proto));
}

function nodeKey(dir: string | undefined): Uint8Array {
  if (!dir) return randomBytes(32);
  const file = join(dir, "network", "secret_ed25519");
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  mkdirSync(join(dir, "network"), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

/** `pot_slot_iterations` of the genesis state (`Subspace.PotSlotIterations`), when set. */
function potSlotIterationsOf(crt: ConsensusRuntime, storage: Map<string, Uint8Array>): number | undefined {
  const item = crt.subspace.PotSlotIterations;
  const raw = storage.get(Buffer.from(item.key()).toString("latin1"));
  if (!raw) return undefined;
  const v = decodeAll(item.valueTy, raw) as { slotIterations: number };
  return v.slotIterations > 0 && v.slotIterations % 16 === 0 ? v.slotIterations : undefined;
}

export function poolValidator(client: Client): PoolValidator {
  const rt = client.runtime;
  return {
    hash: (tx) => toHex(blake2_256(tx)),
    validate: (source, tx, atBlock): Validity => {
      const at = fromHex(atBlock);
      const v = client.executor.read(client.stateAt(at), () => rt.validateTransaction(source, tx, at));
      if (v.ok) return { ok: true, value: v.value };
      return { ok: false, error: { type: v.error.tag, value: { type: v.error.value.tag, ...("value" in v.error.value ? { value: (v.error.value as any).value } : {}) } } as any };
    },
  };
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const log = createLogger(parseLogDirectives(opts.log));
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    while (cleanups.length) {
      try {
        await cleanups.pop()!();
      } catch (e) {
        log.warn("Error while stopping", { error: (e as Error).message });
      }
    }
  };
  try {
    const crt = await createConsensusRuntime();
    const spec = await loadChainSpec(opts.chain, crt);
    const storage = genesisStorage(spec, crt);
    let basePath = opts.basePath;
    if (!basePath) {
      basePath = mkdtempSync(join(tmpdir(), "subspace-node-"));
      const tmp = basePath;
      cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    }
    const chainDir = join(basePath, "chains", spec.id);
    mkdirSync(join(chainDir, "db", "full"), { recursive: true });
    const db = ChainDb.open(join(chainDir, "db", "full"), { statePruning: opts.statePruning, noSync: opts.unsafeNoSync });
    cleanups.push(() => db.close());
    // Confirmation depth from genesis state (RuntimeConfigs.ConfirmationDepthK).
    const kKey = crt.runtimeConfigs.ConfirmationDepthK.key();
    const kRaw = storage.get(Buffer.from(kKey).toString("latin1"));
    const confirmationDepthK = kRaw ? decodeAll(u32, kRaw) : 100;
    crt.runtime.signatureVerifier = cachingVerifier();
    const client = Client.open({ db, runtime: crt.runtime, genesisStorage: storage, confirmationDepthK });
    log.info(`📋 Chain specification: ${spec.name}`);
    log.info(`🏷  Node name: ${opts.name ?? "subspace-ts"}`);
    log.info(`💾 Database: lmdb at ${join(chainDir, "db", "full")}`);
    log.info(`🔨 Initializing Genesis block/state (state: ${toHex(client.header(client.genesisHash)!.stateRoot)}, header-hash: ${toHex(client.genesisHash)})`);
    log.info(`📦 Highest known block at #${client.bestNumber}`);

    const pool = new TransactionPool(poolValidator(client), {
      blockNumber: (h: string) => client.header(fromHex(h))?.number,
    } as any);
    // Tell the pool about finality so watchers see `finalized`.
    const onFinalized = (f: { hash: Uint8Array; number: number }) => {
      let cur: Uint8Array | undefined = f.hash;
      const hashes: Uint8Array[] = [];
      for (let i = 0; i <= client.confirmationDepthK + 1 && cur; i++) {
        hashes.unshift(cur);
        cur = client.header(cur)?.parentHash;
      }
      for (const h of hashes) {
        const txHashes = (client.body(h) ?? []).map((x) => toHex(blake2_256(x)));
        pool.finalized(toHex(h), txHashes);
      }
    };
    client.on("finalized", onFinalized);

    const keystore = new Keystore(opts.tmp || !opts.basePath ? undefined : join(chainDir, "keystore"));
    const peerKey = ed25519KeypairFromSeed(nodeKey(opts.tmp || !opts.basePath ? undefined : chainDir));
    const ctx: RpcContext = {
      client, pool, spec, crt, keystore,
      node: { name: opts.name ?? "subspace-ts", implName: IMPL_NAME, version: NODE_VERSION, peerId: peerIdOf(peerKey.publicKey), roles: [opts.produceBlocks ? "Authority" : "Full"] },
    };
    const server = new RpcServer({
      cors: opts.rpc.cors, methods: opts.rpc.methods, maxConnections: opts.rpc.maxConnections,
      maxRequestSize: opts.rpc.maxRequestSize, maxResponseSize: opts.rpc.maxResponseSize,
      maxSubscriptionsPerConnection: opts.rpc.maxSubscriptionsPerConnection, logger: log.child("rpc"),
    });
    registerLegacy(server, ctx);
    registerNewApi(server, ctx);
    server.method("rpc_methods", () => ({ methods: [...server.methodNames(), "rpc_methods"].sort() }));
    const address = await server.listen(opts.rpc.host, opts.rpc.port);
    cleanups.push(() => server.close());
    log.info(`Running JSON-RPC server: addr=${address.host}:${address.port}`);

    let timekeeperRef: { latest(): { slot: number; output: Uint8Array } | undefined; proofFor(slot: number): { output: Uint8Array } | undefined; on(e: "slot", f: (i: any) => void): unknown } | undefined;
    if (opts.timekeeper || opts.farmer) {
      const { Timekeeper, DEV_POT_SLOT_ITERATIONS, DEV_MIN_SLOT_INTERVAL_MS } = await import("../consensus/timekeeper/index.ts");
      const { genesisSeed } = await import("../../framework/primitives/subspace/pot/index.ts");
      const entropy = opts.potExternalEntropy ?? (typeof spec.properties?.potExternalEntropy === "string" ? spec.properties.potExternalEntropy : "");
      const iterations = potSlotIterationsOf(crt, storage) ?? DEV_POT_SLOT_ITERATIONS;
      const tlog = log.child("timekeeper");
      const timekeeper = new Timekeeper({
        genesisSeed: genesisSeed(client.genesisHash, entropy),
        slotIterations: iterations,
        minSlotIntervalMs: spec.chainType === "Development" ? DEV_MIN_SLOT_INTERVAL_MS : 0,
        onSlot: (info) => tlog.debug(`⏱  slot ${info.slot} proven`, { output: toHex(info.output), source: info.source }),
      });
      timekeeper.on("error", (e) => tlog.error("Timekeeper failed", { error: e.message }));
      timekeeper.start();
      timekeeperRef = timekeeper;
      tlog.info(`⏱  Timekeeper started (${iterations} iterations per slot)`);
      cleanups.push(() => timekeeper.stop());
    }

    if (opts.farmer && timekeeperRef) {
      const tk = timekeeperRef;
      const { ArchiverService, defaultCacheDir } = await import("../consensus/archiver.ts");
      const { FarmerHub, SlotWorker } = await import("../consensus/slotWorker.ts");
      const { DevFarmer, devFarmDirectory } = await import("../consensus/devFarmer.ts");
      const { registerSubspace } = await import("../rpc/modules/subspace.ts");
      const { getKzg } = await import("../../framework/primitives/subspace/kzg/index.ts");
      const cacheDir = opts.cacheDir ?? defaultCacheDir();
      const hub = new FarmerHub();
      // Segment headers and the resume state go into the chain database, pieces under the base path.
      const { extractBlockObjectMapping } = await import("../../runtime/consensus/objectMapping.ts");
      const archiver = new ArchiverService(client, log.child("archiver"), cacheDir, {
        segmentsDir: join(chainDir, "archived-segments"),
        blockObjects: (hash) => extractBlockObjectMapping(crt.runtime, client.header(hash)!, client.body(hash)!),
      });
      const farmingTimeoutMs = 4_000;
      registerSubspace(server, ctx, { hub, archiver, farmingTimeoutMs });
      let stopped = false;
      let worker: InstanceType<typeof SlotWorker> | undefined;
      let farmer: InstanceType<typeof DevFarmer> | undefined;
      cleanups.push(async () => {
        stopped = true;
        await worker?.stop();
        farmer?.stop();
        await archiver.stop();
      });
      // Archiving segment 0 and plotting take a while on a first start: the node serves RPC meanwhile.
      void (async () => {
        const kzg = await getKzg();
        // Votes are checked by the runtime through the node's verifier (host functions in the reference).
        const { nodeConsensusVerifier } = await import("../consensus/consensusVerifier.ts");
        crt.subspace.setConsensusVerifier(nodeConsensusVerifier({
          client, kzg, blockAuthoringDelay: CONSTANTS.blockAuthoringDelay, knownOutput: (slot) => tk.proofFor(slot)?.output,
        }));
        await archiver.start();
        if (stopped) return;
        if (opts.devFarm ?? true) {
          farmer = new DevFarmer(hub, archiver, kzg, {
            directory: devFarmDirectory(cacheDir, client.genesisHash), genesisHash: client.genesisHash,
            piecesInSector: opts.farmPieces ?? 2, sectors: opts.farmSectors ?? 1, rewardAddress: opts.rewardAddress,
          }, log.child("farmer"));
          await farmer.start();
          if (stopped) return;
        }
        worker = new SlotWorker(client, crt, pool, hub, archiver, kzg, { blockAuthoringDelay: CONSTANTS.blockAuthoringDelay, rewardSigningTimeoutMs: 500, maxBuildMillis: 500, proofFor: (slot: number) => tk.proofFor(slot) as any }, log.child("slot-worker"));
        tk.on("slot", (info: any) => worker!.onSlot(info));
        log.info("🚜 PoAS authoring started");
      })().catch((e) => log.error("Farming failed to start", { error: (e as Error).stack ?? String(e) }));
    }

    if (opts.produceBlocks) {
      const { devPreDigest } = await import("../consensus/devPreDigest.ts");
      const preDigest = devPreDigest(client, () => timekeeperRef?.latest());
      const seal = new DevSeal(client, pool, {
        intervalMs: opts.blockTimeMs, debounceMs: 20, maxBuildMillis: 1500, onTransactions: opts.sealOnTransactions ?? true,
        preDigest,
        inherentData: () => [["subspace", encodeSubspaceInherentData([])]],
      }, log.child("dev-seal"));
      seal.start();
      cleanups.push(() => seal.stop());
    }
    return { rpcAddress: address, client, pool, spec, basePath, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
