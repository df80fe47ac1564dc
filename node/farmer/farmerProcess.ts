/**
 * `subspace-farmer farm`: a farmer process against one node over the `subspace_*` RPC.
 *
 *   connect → farmer app info → open or create each farm (identity, plot, metadata) → start the
 *   proving worker → subscribe to slot info and reward signing → plot what is missing (pieces
 *   from `subspace_piece`, checked against their segment commitment) → farm: every slot, audit
 *   all farms and prove the best candidate in the worker, submit it; sign the reward hashes of
 *   our own keys (`subspace_reward` context) at once, on the main thread.
 *
 * A restarted farmer finds its sectors on disk and farms at once. A node that goes away is waited
 * for (`reconnectTimeoutMs`); after that the farmer stops with a `NodeRpcError`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { toHex } from "../../framework/codec/bytes.ts";
import { ss58Encode, type Keypair } from "../../framework/crypto/index.ts";
import { sr25519SignWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import { getKzg, type Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { arePiecesValid } from "../../framework/primitives/subspace/archiving/index.ts";
import { NUM_PIECES } from "../../framework/primitives/subspace/profile/index.ts";
import type { SegmentHeader } from "../../framework/primitives/subspace/core/index.ts";
import type { Logger } from "../service/logger.ts";
import { INFO_FILE, SingleDiskFarm, type PieceToValidate, type PlottingSource } from "./farm.ts";
import { WorkerRecordEncoder, type RecordEncoder } from "./recordEncoder.ts";
import { NodeRpc, NodeRpcError, auditRange, parseRewardSigningInfo, parseSlotInfo, type FarmerAppInfo, type SlotInfo } from "./nodeRpc.ts";
import { WorkerProver, type ProveOutcome } from "./proving.ts";
import { ProgressBar } from "./progress.ts";
import type { FarmSpec } from "./farmerOptions.ts";

/** Pieces per sector of a new farm unless told otherwise: small, for dev chains. */
export const DEFAULT_PIECES_IN_SECTOR = 2;

export interface FarmerOptions {
  readonly nodeRpcUrl: string;
  /** The account rewarded for our blocks (the solution's `reward_address`). */
  readonly rewardAddress: Uint8Array;
  readonly farms: readonly FarmSpec[];
  /** Pieces per sector for new farms; an existing farm keeps its own unless this is given. */
  readonly piecesInSector?: number;
  /** Check every downloaded piece against its segment commitment (default true). */
  readonly verifyPieces?: boolean;
  readonly plottingThreads?: number;
  /** Proved records kept across slots (each holds a PoS table, ≈ 50 MB at K = 20). */
  readonly recordCacheSize?: number;
  readonly connectTimeoutMs?: number;
  readonly reconnectTimeoutMs?: number;
  /** Pieces downloaded at once while plotting. */
  readonly pieceDownloadConcurrency?: number;
  readonly log: Logger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A counting semaphore for piece downloads. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class Farmer {
  private readonly log: Logger;
  private readonly rpc: NodeRpc;
  private readonly farms: SingleDiskFarm[] = [];
  private readonly keys = new Map<string, Keypair>();
  private prover: WorkerProver | undefined;
  private encoder: RecordEncoder | undefined;
  private kzg: Kzg | undefined;
  private appInfo: FarmerAppInfo | undefined;
  private readonly segmentHeaders = new Map<bigint, SegmentHeader>();
  private readonly downloads: Limiter;
  private pendingSlot: SlotInfo | undefined;
  private proving = false;
  private stopping = false;
  private plotting = false;
  private readonly stats = { slots: 0, solutions: 0, signed: 0, firstSolutionLogged: false };
  private resolveStopped!: () => void;
  private readonly stopped = new Promise<void>((r) => (this.resolveStopped = r));
  private rejectFatal!: (e: Error) => void;
  private readonly fatal = new Promise<never>((_, reject) => (this.rejectFatal = reject));

  constructor(private readonly o: FarmerOptions) {
    this.log = o.log;
    this.downloads = new Limiter(o.pieceDownloadConcurrency ?? 8);
    this.rpc = new NodeRpc(
      { url: o.nodeRpcUrl, connectTimeoutMs: o.connectTimeoutMs ?? 10_000, reconnectTimeoutMs: o.reconnectTimeoutMs ?? 60_000, requestTimeoutMs: 60_000 },
      o.log.child("farmer::node-rpc"),
    );
    this.fatal.catch(() => {});
    this.rpc.on("fatal", (e) => this.rejectFatal(e));
  }

  /** Runs until `stop()` (resolves) or a fatal error (rejects). */
  async run(): Promise<void> {
    try {
      await Promise.race([this.startAll(), this.fatal, this.stopped]);
      if (this.stopping) return;
      await Promise.race([this.stopped, this.fatal]);
    } catch (e) {
      if (this.stopping) return; // interrupted while starting: not an error
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info("Stopping the farmer");
    this.rpc.close();
    await Promise.allSettled([this.prover?.close(), this.encoder?.close()]);
    // A sector being written is left to the farm's crash safety: it is re-plotted on the next start.
    if (!this.plotting) for (const f of this.farms) f.close();
    this.resolveStopped();
  }

  private async startAll(): Promise<void> {
    const o = this.o;
    this.log.info(`Connecting to the node at ${o.nodeRpcUrl}`);
    const kzg = getKzg(); // loads the trusted setup meanwhile
    kzg.catch(() => {});
    const info = await this.rpc.connect();
    this.appInfo = info;
    this.log.info(`Connected to the node: genesis ${toHex(info.genesisHash)}, history size ${info.historySize}, max pieces per sector ${info.pieceSelection.maxPiecesInSector}`);
    if (info.syncing) this.log.warn("The node is syncing; solutions are submitted anyway");
    const wanted = o.piecesInSector ?? DEFAULT_PIECES_IN_SECTOR;
    if (wanted < 1 || wanted > info.pieceSelection.maxPiecesInSector) {
      throw new Error(`--max-pieces-in-sector ${wanted} is outside 1..${info.pieceSelection.maxPiecesInSector} (the chain's max_pieces_in_sector)`);
    }
    this.log.info(`Reward address ${ss58Encode(o.rewardAddress)} (${toHex(o.rewardAddress)})`);
    this.kzg = await kzg;
    for (const [i, spec] of o.farms.entries()) {
      const existing = existsSync(join(spec.directory, INFO_FILE));
      const farm = await SingleDiskFarm.open({
        directory: spec.directory,
        allocatedSpace: spec.allocatedSpace,
        piecesInSector: existing && o.piecesInSector === undefined ? undefined : wanted,
        genesisHash: info.genesisHash,
      });
      this.farms.push(farm);
      this.keys.set(toHex(farm.publicKey), farm.identity.keypair);
      this.log.info(
        `🧑‍🌾 Farm ${i} at ${spec.directory}: ${existing ? "opened" : "created"}, public key ${toHex(farm.publicKey)}, ` +
          `${farm.plottedSectorCount}/${farm.targetSectorCount} sectors plotted, ${farm.piecesInSector} pieces per sector, ${spec.allocatedSpace} bytes`,
      );
      if (this.stopping) return;
    }
    const prover = await WorkerProver.start({ directories: this.farms.map((f) => f.directory), rewardAddress: o.rewardAddress, recordCacheSize: o.recordCacheSize ?? 8 });
    if (this.stopping) return void (await prover.close());
    this.prover = prover;
    await this.rpc.subscribe("subspace_subscribeRewardSigning", [], (r) => this.onRewardSigning(r));
    await this.rpc.subscribe("subspace_subscribeSlotInfo", [], (r) => this.onSlotInfo(r));
    this.log.info("🚜 Farming: auditing every slot over the plotted sectors");
    await this.plotAll();
  }

  // ---- plotting ----------------------------------------------------------------------------

  private async plotAll(): Promise<void> {
    const missing = this.farms.some((f) => f.plottedSectorCount < f.targetSectorCount);
    if (!missing) {
      this.farms.forEach((f, i) => this.log.info(`🌾 Farm ${i} loaded: all ${f.targetSectorCount} sectors already plotted, nothing to plot`));
      return;
    }
    await this.waitForHistory();
    const threads = this.o.plottingThreads;
    for (const [i, farm] of this.farms.entries()) {
      if (farm.plottedSectorCount >= farm.targetSectorCount) {
        this.log.info(`🌾 Farm ${i} loaded: all ${farm.targetSectorCount} sectors already plotted, nothing to plot`);
        continue;
      }
      if (farm.plottedSectorCount > 0) this.log.info(`🌾 Farm ${i} resumed: ${farm.plottedSectorCount}/${farm.targetSectorCount} sectors already plotted`);
      this.encoder = new WorkerRecordEncoder(farm.info.posK, threads);
      const bar = new ProgressBar(`Plotting farm ${i}`);
      const started = Date.now();
      let plotted = 0;
      try {
        while (!this.stopping && farm.plottedSectorCount < farm.targetSectorCount) {
          const index = farm.plottedSectorCount;
          const t0 = Date.now();
          bar.reset();
          this.plotting = true;
          try {
            await farm.plotNextSector(this.plottingSource(), this.encoder, (p) => {
              if (!p.done) bar.update(p.recordsDone, p.recordsTotal, `records of sector ${index} (${index + 1}/${farm.targetSectorCount})`);
            });
          } catch (e) {
            if (this.stopping) return;
            if (e instanceof NodeRpcError) throw e;
            this.log.warn(`Plotting sector ${index} of farm ${i} failed, retrying in 5 s: ${(e as Error).message}`);
            await sleep(5_000);
            continue;
          } finally {
            this.plotting = false;
          }
          bar.end();
          plotted++;
          this.log.info(`🌾 Plotted sector ${index} of farm ${i} (${index + 1}/${farm.targetSectorCount}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          await this.prover?.reload(i);
        }
      } finally {
        await this.encoder.close();
        this.encoder = undefined;
      }
      if (!this.stopping) this.log.info(`🌾 Plotting of farm ${i} done: ${plotted} sectors in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  }

  /** The node archives segment 0 a while after it starts: no piece exists before that. */
  private async waitForHistory(): Promise<void> {
    let told = false;
    while (!this.stopping) {
      const last = await this.rpc.lastSegmentHeaders(1);
      if (last.length > 0) return;
      if (!told) this.log.info("Waiting for the node to archive the first segment…");
      told = true;
      await sleep(1_000);
    }
  }

  private plottingSource(): PlottingSource {
    const info = this.appInfo!;
    return {
      pieceSelection: info.pieceSelection,
      currentHistorySize: async () => {
        const last = await this.rpc.lastSegmentHeaders(1);
        if (last.length === 0) throw new Error("the node has no archived segment yet");
        for (const h of last) this.segmentHeaders.set(h.segmentIndex, h);
        return last[0]!.segmentIndex + 1n;
      },
      getPiece: (index) =>
        this.downloads.run(async () => {
          const piece = await this.rpc.piece(index);
          if (piece === undefined) throw new Error(`the node has no piece ${index}`);
          return piece;
        }),
      validatePieces: this.o.verifyPieces === false ? undefined : (pieces) => this.validatePieces(pieces),
    };
  }

  /**
   * `is_piece_valid` for a sector's pieces against the node's segment headers of their segments,
   * batched (`arePiecesValid`: the same verdicts at ≈ 1–2 ms per piece instead of ≈ 50 ms).
   */
  private async validatePieces(pieces: readonly PieceToValidate[]): Promise<boolean[]> {
    const segmentOf = (index: bigint): bigint => index / BigInt(NUM_PIECES);
    const missing = [...new Set(pieces.map((p) => segmentOf(p.pieceIndex)))].filter((s) => !this.segmentHeaders.has(s));
    if (missing.length > 0) {
      const headers = await this.rpc.segmentHeaders(missing);
      headers.forEach((h, i) => {
        if (h !== undefined) this.segmentHeaders.set(missing[i]!, h);
      });
    }
    const known = pieces.map((p) => this.segmentHeaders.get(segmentOf(p.pieceIndex)));
    const items = pieces.flatMap((p, i) =>
      known[i] === undefined ? [] : [{ piece: p.piece, segmentCommitment: known[i].segmentCommitment, position: Number(p.pieceIndex % BigInt(NUM_PIECES)) }],
    );
    // Batches of 128 (≈ 0.2 s each) keep the event loop answering slots and signing requests.
    const verdicts: boolean[] = [];
    for (let from = 0; from < items.length; from += 128) {
      if (from > 0) await new Promise((r) => setImmediate(r));
      verdicts.push(...arePiecesValid(this.kzg!, items.slice(from, from + 128)));
    }
    let k = 0;
    return known.map((h) => (h === undefined ? false : verdicts[k++]!));
  }

  // ---- farming ------------------------------------------------------------------------------

  private onSlotInfo(raw: unknown): void {
    let info: SlotInfo;
    try {
      info = parseSlotInfo(raw);
    } catch (e) {
      this.log.warn(`Bad slot info from the node: ${(e as Error).message}`);
      return;
    }
    this.stats.slots++;
    // Only the newest slot is worth proving: an older one still waiting is dropped.
    if (this.pendingSlot !== undefined) this.log.debug(`Skipping slot ${this.pendingSlot.slotNumber}: still proving an earlier slot`);
    this.pendingSlot = info;
    this.pump();
  }

  private pump(): void {
    if (this.proving || this.stopping || this.pendingSlot === undefined || this.prover === undefined) return;
    const info = this.pendingSlot;
    this.pendingSlot = undefined;
    this.proving = true;
    this.prover
      .prove({ slotNumber: info.slotNumber, globalChallenge: info.globalChallenge, solutionRange: auditRange(info) })
      .then((outcome) => this.submit(outcome))
      .catch((e) => {
        if (!this.stopping) this.log.error(`Proving slot ${info.slotNumber} failed: ${(e as Error).message}`);
      })
      .finally(() => {
        this.proving = false;
        this.pump();
      });
  }

  private async submit(outcome: ProveOutcome): Promise<void> {
    for (const e of outcome.errors) this.log.warn(`Slot ${outcome.slotNumber}: a candidate did not prove: ${e}`);
    const s = outcome.solution;
    if (s === undefined) {
      this.log.trace(`Slot ${outcome.slotNumber}: no solution`, { candidates: outcome.candidates });
      return;
    }
    const ctx = { farm: outcome.farmIndex, sector: s.sectorIndex, pieceOffset: s.pieceOffset, auditMs: Math.round(outcome.auditMs), proveMs: Math.round(outcome.proveMs) };
    try {
      await this.rpc.submitSolution(outcome.slotNumber, s);
    } catch (e) {
      this.log.debug(`Solution for slot ${outcome.slotNumber} not accepted: ${(e as Error).message}`, ctx);
      return;
    }
    this.stats.solutions++;
    if (!this.stats.firstSolutionLogged) {
      this.stats.firstSolutionLogged = true;
      this.log.info(`🌟 First solution submitted (slot ${outcome.slotNumber})`, ctx);
    } else this.log.debug(`Solution submitted for slot ${outcome.slotNumber}`, ctx);
  }

  private onRewardSigning(raw: unknown): void {
    let hash: Uint8Array;
    let publicKey: Uint8Array;
    try {
      ({ hash, publicKey } = parseRewardSigningInfo(raw));
    } catch (e) {
      this.log.warn(`Bad reward signing request from the node: ${(e as Error).message}`);
      return;
    }
    const kp = this.keys.get(toHex(publicKey));
    if (kp === undefined) return; // another farmer's block
    const signature = sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, hash);
    this.rpc.submitRewardSignature(hash, signature).then(
      () => {
        this.stats.signed++;
        this.log.info(`🔏 Signed reward hash ${toHex(hash).slice(0, 18)}… (${this.stats.signed} signed, ${this.stats.solutions} solutions over ${this.stats.slots} slots)`);
      },
      (e) => this.log.warn(`Reward signature not delivered: ${(e as Error).message}`),
    );
  }
}
