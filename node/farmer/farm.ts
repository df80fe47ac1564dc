/**
 * A farm on disk (`crates/subspace-farmer/src/single_disk_farm.rs`): one directory holding
 *
 * - `identity.bin`: the farmer's sr25519 identity (see ./identity.ts);
 * - `single_disk_farm.json`: `{"v0": {id, genesisHash, publicKey, piecesInSector, allocatedSpace}}`
 *   as the reference writes it, plus our `posK` and `profile` (a farm plotted with one PoS K or
 *   profile cannot be audited with another);
 * - `plot.bin`: sector i at byte i × sector_size(pieces_in_sector), in the plotted-sector layout;
 * - `metadata.bin`: SCALE header `{version u8, plotted_sector_count u16}` at 0, then
 *   `SectorMetadataChecksummed` of sector i at 1 MiB + i × its size (the reference's
 *   `RESERVED_PLOT_METADATA`).
 *
 * Crash safety: a new sector is written and fsynced, then its metadata, then the header's count;
 * a sector counts as plotted only once the header says so, so a crash (kill -9) mid-plot leaves
 * the finished sectors untouched and the next start re-plots only the unfinished one. Replotting an
 * existing sector (scrub, expiry) writes the sector, then its metadata; a crash in between leaves a
 * checksum mismatch that the next scrub repairs.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { toHex } from "../../framework/codec/bytes.ts";
import { blake3 } from "../../framework/crypto/index.ts";
import { PROFILE, RECORD_SIZE } from "../../framework/primitives/subspace/profile/index.ts";
import { DEFAULT_POS_K } from "../../framework/primitives/subspace/pos/index.ts";
import type { Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import {
  SECTOR_METADATA_SIZE, SectorContentsMap, auditSector, contentsMapSize, decodeSectorMetadata, derivePieceIndex,
  encodeSectorMetadata, evaluationSeed, expirationCheckSegmentIndex, expirationHistorySize, isSectorChecksumValid, proveAudit,
  sectorId, sectorSize, writeSector, type AuditResult, type EncodedRecord, type PieceSelection, type ProvedRecord,
  type SectorMetadata, type SectorReader, type Solution,
} from "../../framework/primitives/subspace/sectors/index.ts";
import { Identity } from "./identity.ts";
import type { RecordEncoder } from "./recordEncoder.ts";

export const PLOT_FILE = "plot.bin";
export const METADATA_FILE = "metadata.bin";
export const INFO_FILE = "single_disk_farm.json";
/** `RESERVED_PLOT_METADATA`: the metadata header's reserved space. */
export const RESERVED_PLOT_METADATA = 1024 * 1024;
const METADATA_VERSION = 0;

export type FarmErrorCode =
  | "FARM_ERROR_NOT_FOUND"
  | "FARM_ERROR_INFO_MISMATCH"
  | "FARM_ERROR_TOO_SMALL"
  | "FARM_ERROR_BAD_METADATA"
  | "FARM_ERROR_PIECE";

export class FarmError extends Error {
  constructor(
    readonly code: FarmErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FarmInfo {
  readonly id: string;
  /** Hex without 0x, as the reference's serde `hex`. */
  readonly genesisHash: string;
  readonly publicKey: string;
  readonly piecesInSector: number;
  readonly allocatedSpace: number;
  readonly posK: number;
  readonly profile: string;
}

/** Where plotting gets its pieces (a node's DSN / piece getter in the full farmer). */
export interface PlottingSource {
  /** Chain parameters of piece selection (`max_pieces_in_sector` etc.). */
  readonly pieceSelection: PieceSelection;
  currentHistorySize(): Promise<bigint>;
  getPiece(pieceIndex: bigint): Promise<Uint8Array>;
  /** Checks a piece against its segment commitment (`is_piece_valid`); skipped when absent. */
  validatePiece?(pieceIndex: bigint, piece: Uint8Array): Promise<boolean>;
  /**
   * `validatePiece` for many pieces at once (verdicts in input order), e.g. `arePiecesValid`.
   * Plotting prefers it: a sector's pieces are downloaded, then checked in one batch.
   */
  validatePieces?(pieces: readonly PieceToValidate[]): Promise<boolean[]>;
}

export interface PieceToValidate {
  readonly pieceIndex: bigint;
  readonly piece: Uint8Array;
}

export interface PlottingProgress {
  readonly sectorIndex: number;
  readonly recordsDone: number;
  readonly recordsTotal: number;
  /** Set once the sector is on disk. */
  readonly done: boolean;
}

export interface ScrubReport {
  readonly checked: number;
  readonly corrupted: number[];
  readonly replotted: number[];
}

export interface OpenFarmOptions {
  readonly directory: string;
  /** Required when creating a farm. */
  readonly allocatedSpace?: number;
  readonly piecesInSector?: number;
  readonly genesisHash?: Uint8Array;
  readonly posK?: number;
  /** Create the farm when the directory has none (default true). */
  readonly create?: boolean;
}

/**
 * Checks a sector's pieces with the source's batched check, else piece by piece; throws
 * `FARM_ERROR_PIECE` naming the pieces that failed. PERF: batched, ≈ 1–2 ms per piece instead of
 * ≈ 50 ms (`arePiecesValid` against `isPieceValid`, c-kzg).
 */
async function validateSectorPieces(source: PlottingSource, indexes: readonly bigint[], pieces: readonly Uint8Array[]): Promise<void> {
  let verdicts: readonly boolean[];
  if (source.validatePieces !== undefined) {
    verdicts = await source.validatePieces(indexes.map((pieceIndex, o) => ({ pieceIndex, piece: pieces[o]! })));
  } else if (source.validatePiece !== undefined) {
    const validate = source.validatePiece.bind(source);
    verdicts = await Promise.all(indexes.map((pieceIndex, o) => validate(pieceIndex, pieces[o]!)));
  } else {
    return;
  }
  const failed = [...new Set(indexes.filter((_, o) => verdicts[o] !== true))];
  if (failed.length > 0) {
    throw new FarmError("FARM_ERROR_PIECE", `${failed.length === 1 ? "piece" : "pieces"} ${failed.join(", ")} failed verification`);
  }
}

/** Sectors that fit into `allocatedSpace` (plot plus metadata, after the reserved header). */
export const targetSectorCount = (allocatedSpace: number, piecesInSector: number): number =>
  Math.max(0, Math.floor((allocatedSpace - RESERVED_PLOT_METADATA) / (sectorSize(piecesInSector) + SECTOR_METADATA_SIZE)));

export class SingleDiskFarm {
  readonly sectorSize: number;
  private plottedCount: number;
  private readonly metadata: SectorMetadata[] = [];

  private constructor(
    readonly directory: string,
    readonly identity: Identity,
    readonly info: FarmInfo,
    private readonly plotFd: number,
    private readonly metadataFd: number,
  ) {
    this.sectorSize = sectorSize(info.piecesInSector);
    const header = Buffer.alloc(3);
    readSync(metadataFd, header, 0, 3, 0);
    this.plottedCount = Math.min(header.readUInt16LE(1), this.targetSectorCount);
    for (let i = 0; i < this.plottedCount; i++) this.metadata.push(this.readSectorMetadata(i) ?? this.placeholderMetadata(i));
  }

  static async open(o: OpenFarmOptions): Promise<SingleDiskFarm> {
    const dir = o.directory;
    const infoPath = join(dir, INFO_FILE);
    let info: FarmInfo;
    let identity: Identity;
    if (existsSync(infoPath)) {
      info = (JSON.parse(readFileSync(infoPath, "utf8")) as { v0: FarmInfo }).v0;
      identity = Identity.open(dir) ?? (() => {
        throw new FarmError("FARM_ERROR_NOT_FOUND", `${dir} has farm info but no identity`);
      })();
      if (info.publicKey !== toHex(identity.publicKey)) throw new FarmError("FARM_ERROR_INFO_MISMATCH", "identity does not match the farm's public key");
      if (o.piecesInSector !== undefined && o.piecesInSector !== info.piecesInSector) {
        throw new FarmError("FARM_ERROR_INFO_MISMATCH", `farm has ${info.piecesInSector} pieces per sector, asked for ${o.piecesInSector}`);
      }
      if (o.posK !== undefined && o.posK !== info.posK) throw new FarmError("FARM_ERROR_INFO_MISMATCH", `farm was plotted with PoS K ${info.posK}, asked for ${o.posK}`);
      if (info.profile !== PROFILE.name) throw new FarmError("FARM_ERROR_INFO_MISMATCH", `farm profile ${info.profile} is not ${PROFILE.name}`);
      if (o.genesisHash !== undefined && toHex(o.genesisHash).slice(2) !== info.genesisHash) {
        throw new FarmError("FARM_ERROR_INFO_MISMATCH", "farm belongs to another chain");
      }
      if (o.allocatedSpace !== undefined && o.allocatedSpace !== info.allocatedSpace) {
        info = { ...info, allocatedSpace: o.allocatedSpace };
        writeInfo(dir, info);
      }
    } else {
      if (o.create === false) throw new FarmError("FARM_ERROR_NOT_FOUND", `no farm in ${dir}`);
      if (o.allocatedSpace === undefined || o.piecesInSector === undefined) {
        throw new FarmError("FARM_ERROR_NOT_FOUND", "creating a farm needs allocatedSpace and piecesInSector");
      }
      mkdirSync(dir, { recursive: true });
      identity = Identity.openOrCreate(dir);
      info = {
        id: toHex(randomBytes(16)).slice(2),
        genesisHash: toHex(o.genesisHash ?? new Uint8Array(32)).slice(2),
        publicKey: toHex(identity.publicKey),
        piecesInSector: o.piecesInSector,
        allocatedSpace: o.allocatedSpace,
        posK: o.posK ?? DEFAULT_POS_K,
        profile: PROFILE.name,
      };
      if (targetSectorCount(info.allocatedSpace, info.piecesInSector) < 1) {
        throw new FarmError("FARM_ERROR_TOO_SMALL", `${info.allocatedSpace} bytes hold no sector of ${info.piecesInSector} pieces`);
      }
      writeInfo(dir, info);
    }
    const plotFd = openSync(join(dir, PLOT_FILE), existsSync(join(dir, PLOT_FILE)) ? "r+" : "w+");
    const metadataPath = join(dir, METADATA_FILE);
    const fresh = !existsSync(metadataPath);
    const metadataFd = openSync(metadataPath, fresh ? "w+" : "r+");
    if (fresh) {
      writeSync(metadataFd, Uint8Array.of(METADATA_VERSION, 0, 0), 0, 3, 0);
      fsyncSync(metadataFd);
    }
    return new SingleDiskFarm(dir, identity, info, plotFd, metadataFd);
  }

  get publicKey(): Uint8Array {
    return this.identity.publicKey;
  }

  get piecesInSector(): number {
    return this.info.piecesInSector;
  }

  get targetSectorCount(): number {
    return Math.min(0xffff, targetSectorCount(this.info.allocatedSpace, this.info.piecesInSector));
  }

  get plottedSectorCount(): number {
    return this.plottedCount;
  }

  /** Metadata of the plotted sectors, by sector index. */
  get sectors(): readonly SectorMetadata[] {
    return this.metadata;
  }

  /** Positional reader over one sector of `plot.bin`. */
  sectorReader(sectorIndex: number): SectorReader {
    const base = sectorIndex * this.sectorSize;
    return (offset, length) => {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(this.plotFd, buf, done, length - done, base + offset + done);
        if (n === 0) break;
        done += n;
      }
      return buf;
    };
  }

  readSector(sectorIndex: number): Uint8Array {
    return this.sectorReader(sectorIndex)(0, this.sectorSize);
  }

  /** Plots the next unplotted sector; false when the farm is full. */
  async plotNextSector(source: PlottingSource, encoder: RecordEncoder, onProgress?: (p: PlottingProgress) => void): Promise<boolean> {
    const index = this.plottedCount;
    if (index >= this.targetSectorCount) return false;
    await this.plotSectorAt(index, source, encoder, onProgress, () => {
      this.plottedCount = index + 1;
      writeAt(this.metadataFd, Uint8Array.of(METADATA_VERSION, this.plottedCount & 0xff, this.plottedCount >>> 8), 0);
      fsyncSync(this.metadataFd);
    });
    return true;
  }

  /** Plots sectors one after another until the farm is full (or `maxSectors` were plotted). */
  async plotRemaining(source: PlottingSource, encoder: RecordEncoder, onProgress?: (p: PlottingProgress) => void, maxSectors = Infinity): Promise<number> {
    let n = 0;
    while (n < maxSectors && (await this.plotNextSector(source, encoder, onProgress))) n++;
    return n;
  }

  /**
   * Plots (or replots) sector `index` from the source's current history. `commit` runs once the
   * sector and its metadata are on disk, before the final progress report.
   */
  async plotSectorAt(
    index: number,
    source: PlottingSource,
    encoder: RecordEncoder,
    onProgress?: (p: PlottingProgress) => void,
    commit?: () => void,
  ): Promise<SectorMetadata> {
    if (encoder.posK !== this.info.posK) throw new FarmError("FARM_ERROR_INFO_MISMATCH", `encoder PoS K ${encoder.posK} is not the farm's ${this.info.posK}`);
    const n = this.piecesInSector;
    const historySize = await source.currentHistorySize();
    const id = sectorId(blake3(this.publicKey), index, historySize);
    const indexes = Array.from({ length: n }, (_, o) => derivePieceIndex(id, o, historySize, source.pieceSelection));
    const pieces = await Promise.all(indexes.map((pieceIndex) => source.getPiece(pieceIndex)));
    await validateSectorPieces(source, indexes, pieces);
    let done = 0;
    const records: EncodedRecord[] = await Promise.all(
      pieces.map(async (piece, o) => {
        const r = await encoder.encode(evaluationSeed(id, o), piece.slice(0, RECORD_SIZE));
        onProgress?.({ sectorIndex: index, recordsDone: ++done, recordsTotal: n, done: false });
        return r;
      }),
    );
    const { sector, sBucketSizes } = writeSector(records, pieces);
    writeAt(this.plotFd, sector, index * this.sectorSize);
    fsyncSync(this.plotFd);
    const metadata: SectorMetadata = { sectorIndex: index, piecesInSector: n, sBucketSizes, historySize };
    writeAt(this.metadataFd, encodeSectorMetadata(metadata), RESERVED_PLOT_METADATA + index * SECTOR_METADATA_SIZE);
    fsyncSync(this.metadataFd);
    this.metadata[index] = metadata;
    commit?.();
    onProgress?.({ sectorIndex: index, recordsDone: n, recordsTotal: n, done: true });
    return metadata;
  }

  /** Audits every plotted sector for a slot (`audit_plot_sync`). */
  audit(globalChallenge: Uint8Array, solutionRange: bigint): AuditResult[] {
    const pkHash = blake3(this.publicKey);
    const out: AuditResult[] = [];
    for (let i = 0; i < this.plottedCount; i++) {
      const m = this.metadata[i]!;
      if (m.piecesInSector === 0) continue; // unreadable metadata, awaiting scrub
      const r = auditSector(pkHash, globalChallenge, solutionRange, m, this.sectorReader(i));
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /** Solutions for one audit result, best first. */
  prove(audit: AuditResult, o: { kzg: Kzg; rewardAddress: Uint8Array; recordCache?: Map<string, ProvedRecord>; limit?: number }): Solution[] {
    const m = this.metadata[audit.sectorIndex]!;
    return proveAudit({ publicKey: this.publicKey, rewardAddress: o.rewardAddress, kzg: o.kzg, posK: this.info.posK, recordCache: o.recordCache }, audit, m, this.sectorReader(audit.sectorIndex), undefined, o.limit);
  }

  /**
   * Checks every plotted sector (metadata checksum and index, contents-map checksum, sector
   * checksum) and, given a source and an encoder, replots the corrupted ones.
   */
  async scrub(repair?: { source: PlottingSource; encoder: RecordEncoder; onProgress?: (p: PlottingProgress) => void }): Promise<ScrubReport> {
    const corrupted: number[] = [];
    const replotted: number[] = [];
    for (let i = 0; i < this.plottedCount; i++) {
      const m = this.readSectorMetadata(i);
      let ok = m !== undefined && m.sectorIndex === i && m.piecesInSector === this.piecesInSector;
      if (ok) {
        const sector = this.readSector(i);
        ok = isSectorChecksumValid(sector);
        if (ok) {
          try {
            SectorContentsMap.fromBytes(sector.subarray(0, contentsMapSize(this.piecesInSector)), this.piecesInSector);
          } catch {
            ok = false;
          }
        }
      }
      if (ok) continue;
      corrupted.push(i);
      if (repair !== undefined) {
        await this.plotSectorAt(i, repair.source, repair.encoder, repair.onProgress);
        replotted.push(i);
      }
    }
    return { checked: this.plottedCount, corrupted, replotted };
  }

  /**
   * Sectors expired at `currentHistorySize`: those whose expiration-check segment exists
   * (`segmentCommitment` answers) and whose expiration history size has been reached.
   */
  expiredSectors(currentHistorySize: bigint, minSectorLifetime: bigint, segmentCommitment: (segmentIndex: bigint) => Uint8Array | undefined): number[] {
    const pkHash = blake3(this.publicKey);
    const out: number[] = [];
    for (let i = 0; i < this.plottedCount; i++) {
      const m = this.metadata[i]!;
      if (m.piecesInSector === 0) continue;
      const commitment = segmentCommitment(expirationCheckSegmentIndex(m.historySize, minSectorLifetime));
      if (commitment === undefined) continue;
      const expiresAt = expirationHistorySize(sectorId(pkHash, i, m.historySize), m.historySize, commitment, minSectorLifetime);
      if (expiresAt !== undefined && expiresAt <= currentHistorySize) out.push(i);
    }
    return out;
  }

  /** Replots the expired sectors from the current history; returns their indexes. */
  async replotExpired(
    source: PlottingSource,
    encoder: RecordEncoder,
    minSectorLifetime: bigint,
    segmentCommitment: (segmentIndex: bigint) => Uint8Array | undefined,
    onProgress?: (p: PlottingProgress) => void,
  ): Promise<number[]> {
    const expired = this.expiredSectors(await source.currentHistorySize(), minSectorLifetime, segmentCommitment);
    for (const i of expired) await this.plotSectorAt(i, source, encoder, onProgress);
    return expired;
  }

  close(): void {
    closeSync(this.plotFd);
    closeSync(this.metadataFd);
  }

  /** Removes a farm's files (identity included); the directory itself stays. */
  static wipe(directory: string): string[] {
    const removed: string[] = [];
    for (const f of [PLOT_FILE, METADATA_FILE, INFO_FILE, "identity.bin"]) {
      const p = join(directory, f);
      if (existsSync(p)) {
        rmSync(p);
        removed.push(p);
      }
    }
    return removed;
  }

  private readSectorMetadata(i: number): SectorMetadata | undefined {
    const buf = new Uint8Array(SECTOR_METADATA_SIZE);
    const n = readSync(this.metadataFd, buf, 0, SECTOR_METADATA_SIZE, RESERVED_PLOT_METADATA + i * SECTOR_METADATA_SIZE);
    if (n !== SECTOR_METADATA_SIZE) return undefined;
    try {
      return decodeSectorMetadata(buf);
    } catch {
      return undefined;
    }
  }

  private placeholderMetadata(i: number): SectorMetadata {
    return { sectorIndex: i, piecesInSector: 0, sBucketSizes: new Uint16Array(0), historySize: 1n };
  }
}

function writeAt(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function writeInfo(dir: string, info: FarmInfo): void {
  const path = join(dir, INFO_FILE);
  writeFileSync(`${path}.tmp`, JSON.stringify({ v0: info }, null, 2) + "\n");
  renameSync(`${path}.tmp`, path);
}
