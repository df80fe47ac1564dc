/**
 * The in-process farmer of `subspace-node run --dev` (`--farmer`): a small farm plotted from the
 * node's own archived history, auditing every slot the slot worker announces, proving, and signing
 * rewards. Its directory lives in the cache beside segment 0 (deterministic for a chain spec), so a
 * restart farms within seconds instead of re-plotting.
 */
import { join } from "node:path";
import { toHex, equalBytes } from "../../framework/codec/bytes.ts";
import { sr25519SignWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import type { Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import type { ProvedRecord } from "../../framework/primitives/subspace/sectors/index.ts";
import { CONSTANTS } from "../../runtime/consensus/runtime.ts";
import { auditRange } from "../farmer/nodeRpc.ts";
import { SingleDiskFarm, InlineRecordEncoder, WorkerRecordEncoder, targetSectorCount, type PlottingSource } from "../farmer/index.ts";
import { sectorSize } from "../../framework/primitives/subspace/sectors/index.ts";
import { SECTOR_METADATA_SIZE } from "../../framework/primitives/subspace/sectors/layout.ts";
import type { ArchiverService } from "./archiver.ts";
import type { FarmerHub, SlotInfo, RewardSigningInfo } from "./slotWorker.ts";
import type { Logger } from "../service/logger.ts";

export interface DevFarmerOptions {
  directory: string;
  genesisHash: Uint8Array;
  piecesInSector: number;
  sectors: number;
  rewardAddress?: Uint8Array;
}

export class DevFarmer {
  private farm!: SingleDiskFarm;
  private readonly recordCache = new Map<string, ProvedRecord>();
  private readonly onSlot = (info: SlotInfo) => this.farmSlot(info);
  private readonly onSign = (info: RewardSigningInfo) => this.sign(info);

  constructor(
    private readonly hub: FarmerHub,
    private readonly archiver: ArchiverService,
    private readonly kzg: Kzg,
    private readonly opts: DevFarmerOptions,
    private readonly log: Logger,
  ) {}

  get publicKey(): Uint8Array {
    return this.farm.identity.keypair.publicKey;
  }

  async start(): Promise<void> {
    const space = 1024 * 1024 + this.opts.sectors * (sectorSize(this.opts.piecesInSector) + SECTOR_METADATA_SIZE);
    this.farm = await SingleDiskFarm.open({
      directory: this.opts.directory, allocatedSpace: space, piecesInSector: this.opts.piecesInSector, genesisHash: this.opts.genesisHash,
    });
    const target = targetSectorCount(space, this.opts.piecesInSector);
    const source: PlottingSource = {
      pieceSelection: { maxPiecesInSector: CONSTANTS.maxPiecesInSector, recentSegments: CONSTANTS.recentSegments, recentHistoryFraction: CONSTANTS.recentHistoryFraction },
      currentHistorySize: async () => BigInt(this.archiver.segmentHeaders.length),
      getPiece: async (i) => {
        const p = this.archiver.piece(i);
        if (!p) throw new Error(`piece ${i} is not available from the archiver`);
        return p;
      },
    };
    const started = Date.now();
    const encoder = this.opts.piecesInSector > 1 ? new WorkerRecordEncoder() : new InlineRecordEncoder();
    try {
      const n = await this.farm.plotRemaining(source, encoder, (p) => {
        if (p.done) this.log.info(`🌾 Plotted sector ${p.sectorIndex} (${p.recordsTotal} records)`);
      });
      if (n > 0) this.log.info(`🌾 Plotting done in ${((Date.now() - started) / 1000).toFixed(1)} s (${target} sectors, farm ${this.opts.directory})`);
      else this.log.info(`🌾 Farm loaded: ${target} sectors already plotted (${this.opts.directory})`);
    } finally {
      await encoder.close();
    }
    this.hub.on("slotInfo", this.onSlot);
    this.hub.on("rewardSigning", this.onSign);
    this.log.info(`🧑‍🌾 Farming with public key ${toHex(this.publicKey)}`);
  }

  private farmSlot(info: SlotInfo): void {
    const audits = this.farm.audit(info.globalChallenge, auditRange(info));
    for (const a of audits) {
      // One solution per slot is enough: prove only the best candidate. Proved records (their PoS
      // tables, ~50 MB each at K=20) are cached, bounded to a few records.
      if (this.recordCache.size > 8) this.recordCache.clear();
      const solutions = this.farm.prove(a, { kzg: this.kzg, rewardAddress: this.opts.rewardAddress ?? this.publicKey, recordCache: this.recordCache, limit: 1 });
      if (solutions[0]) {
        this.hub.submitSolution(info.slotNumber, solutions[0]);
        return;
      }
    }
  }

  private sign(info: RewardSigningInfo): void {
    if (!equalBytes(info.publicKey, this.publicKey)) return;
    const kp = this.farm.identity.keypair;
    this.hub.submitRewardSignature(info.hash, sr25519SignWithContext(REWARD_SIGNING_CONTEXT, kp.secretKey, kp.publicKey, info.hash));
  }

  stop(): void {
    this.hub.off("slotInfo", this.onSlot);
    this.hub.off("rewardSigning", this.onSign);
    this.farm?.close();
  }
}

export const devFarmDirectory = (cacheDir: string, genesisHash: Uint8Array): string => join(cacheDir, toHex(genesisHash).slice(2, 18), "dev-farm");
