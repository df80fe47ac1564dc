import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, existsSync, openSync, writeSync, closeSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mnemonicGenerate, mnemonicToEntropy, mnemonicToMiniSecret, sr25519PairFromSeed, cryptoWaitReady } from "@polkadot/util-crypto";
import { blake3 } from "../../../framework/crypto/index.ts";
import { getKzg, type Kzg } from "../../../framework/primitives/subspace/kzg/index.ts";
import { SECTOR_METADATA_SIZE, contentsMapSize, sectorSize } from "../../../framework/primitives/subspace/sectors/index.ts";
import { slotGlobalChallenge, verifySolution } from "../../../framework/primitives/subspace/verification/index.ts";
import {
  FarmError, INFO_FILE, Identity, InlineRecordEncoder, METADATA_FILE, PLOT_FILE, RESERVED_PLOT_METADATA, SingleDiskFarm, miniSecretFromEntropy,
  targetSectorCount, type PieceToValidate, type PlottingProgress,
} from "../../../node/farmer/index.ts";
import { RECORD_SIZE } from "../../../framework/primitives/subspace/profile/index.ts";
import { FARM_POS_K, SyntheticSource } from "./source.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const PIECES = 1;
const SECTORS = 3;
const ALLOCATED = RESERVED_PLOT_METADATA + SECTORS * (sectorSize(PIECES) + SECTOR_METADATA_SIZE) + 100;
const U64_MAX = (1n << 64n) - 1n;

describe("farmer identity", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "farm-id-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("identity.bin is SCALE {entropy: Vec<u8>}; the key is substrate-bip39's mini secret from the entropy (polkadot-js)", async () => {
    await cryptoWaitReady();
    const mnemonic = mnemonicGenerate(24);
    const entropy = mnemonicToEntropy(mnemonic);
    expect(entropy.length).to.equal(32);
    const id = Identity.create(dir, entropy);
    const file = readFileSync(join(dir, "identity.bin"));
    expect(file.length).to.equal(33);
    expect(file[0]).to.equal(0x80); // compact(32)
    expect(hex(file.subarray(1))).to.equal(hex(entropy));
    // polkadot-js derives the same mini secret from the mnemonic of this entropy.
    const mini = mnemonicToMiniSecret(mnemonic);
    expect(hex(miniSecretFromEntropy(entropy))).to.equal(hex(mini));
    expect(hex(id.publicKey)).to.equal(hex(sr25519PairFromSeed(mini).publicKey));
    expect(hex(Identity.open(dir)!.publicKey)).to.equal(hex(id.publicKey));
    expect(hex(Identity.openOrCreate(dir).publicKey)).to.equal(hex(id.publicKey));
  });
});

describe("SingleDiskFarm", function () {
  this.timeout(120_000);
  let dir: string;
  let kzg: Kzg;
  before(async () => {
    kzg = await getKzg();
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "farm-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () => SingleDiskFarm.open({ directory: dir, allocatedSpace: ALLOCATED, piecesInSector: PIECES, posK: FARM_POS_K });

  it("plots sectors one after another with progress, writes info, plot and metadata files", async () => {
    const farm = await open();
    expect(farm.targetSectorCount).to.equal(SECTORS);
    expect(targetSectorCount(ALLOCATED - 200, PIECES)).to.equal(SECTORS - 1);
    const source = new SyntheticSource(2n, PIECES);
    const progress: PlottingProgress[] = [];
    const n = await farm.plotRemaining(source, new InlineRecordEncoder(FARM_POS_K), (p) => progress.push(p));
    expect(n).to.equal(SECTORS);
    expect(farm.plottedSectorCount).to.equal(SECTORS);
    expect(progress.filter((p) => p.done).map((p) => p.sectorIndex)).to.deep.equal([0, 1, 2]);
    expect(progress.filter((p) => !p.done).length).to.equal(SECTORS * PIECES);
    expect(await farm.plotNextSector(source, new InlineRecordEncoder(FARM_POS_K))).to.equal(false);
    farm.close();

    const info = JSON.parse(readFileSync(join(dir, INFO_FILE), "utf8")).v0;
    expect(info).to.include({ piecesInSector: PIECES, allocatedSpace: ALLOCATED, posK: FARM_POS_K });
    expect(info.publicKey).to.equal("0x" + hex(farm.publicKey));
    expect(readFileSync(join(dir, PLOT_FILE)).length).to.equal(SECTORS * sectorSize(PIECES));
    const meta = readFileSync(join(dir, METADATA_FILE));
    expect(Array.from(meta.subarray(0, 3))).to.deep.equal([0, SECTORS, 0]);
    expect(meta.length).to.equal(RESERVED_PLOT_METADATA + SECTORS * SECTOR_METADATA_SIZE);
    await SingleDiskFarm.open({ directory: dir, piecesInSector: PIECES + 1 }).then(
      () => expect.fail("opened with other pieces per sector"),
      (e: FarmError) => expect(e.code).to.equal("FARM_ERROR_INFO_MISMATCH"),
    );
  });

  it("resumes after a restart without re-plotting finished sectors", async () => {
    const source = new SyntheticSource(1n, PIECES);
    let farm = await open();
    await farm.plotRemaining(source, new InlineRecordEncoder(FARM_POS_K), undefined, 1);
    const sector0 = hex(blake3(farm.readSector(0)));
    farm.close();
    const requestedBefore = source.requested.length;
    farm = await open();
    expect(farm.plottedSectorCount).to.equal(1);
    const plotted: number[] = [];
    await farm.plotRemaining(source, new InlineRecordEncoder(FARM_POS_K), (p) => p.done && plotted.push(p.sectorIndex));
    expect(plotted).to.deep.equal([1, 2]);
    expect(source.requested.length - requestedBefore).to.equal(2 * PIECES);
    expect(hex(blake3(farm.readSector(0)))).to.equal(sector0);
    farm.close();
  });

  it("audits from disk, proves, and the solutions verify", async () => {
    const farm = await open();
    await farm.plotRemaining(new SyntheticSource(1n, PIECES, kzg), new InlineRecordEncoder(FARM_POS_K));
    const pot = new Uint8Array(16).fill(7);
    let verified = 0;
    const recordCache = new Map();
    for (let slot = 1; slot <= 3; slot++) {
      for (const audit of farm.audit(slotGlobalChallenge(pot, slot), U64_MAX)) {
        for (const s of farm.prove(audit, { kzg, rewardAddress: farm.publicKey, recordCache })) {
          const r = verifySolution(s, slot, { proofOfTime: pot, solutionRange: U64_MAX, posK: FARM_POS_K }, kzg);
          expect(r.ok, r.ok ? "" : r.error.code).to.equal(true);
          verified++;
        }
      }
    }
    expect(verified).to.be.greaterThan(0);
    farm.close();
  });

  it("scrub detects a corrupted sector and corrupted metadata and re-plots them", async () => {
    const source = new SyntheticSource(1n, PIECES);
    const encoder = new InlineRecordEncoder(FARM_POS_K);
    let farm = await open();
    await farm.plotRemaining(source, encoder);
    const before = [0, 1, 2].map((i) => hex(blake3(farm.readSector(i))));
    expect(await farm.scrub()).to.deep.equal({ checked: 3, corrupted: [], replotted: [] });
    farm.close();
    // Flip a chunk byte of sector 1 and a metadata byte of sector 2.
    const plotFd = openSync(join(dir, PLOT_FILE), "r+");
    writeSync(plotFd, Uint8Array.of(0x5a), 0, 1, sectorSize(PIECES) + contentsMapSize(PIECES) + 1000);
    closeSync(plotFd);
    const metaFd = openSync(join(dir, METADATA_FILE), "r+");
    writeSync(metaFd, Uint8Array.of(0x77), 0, 1, RESERVED_PLOT_METADATA + 2 * SECTOR_METADATA_SIZE + 100);
    closeSync(metaFd);
    farm = await open();
    expect(await farm.scrub()).to.deep.equal({ checked: 3, corrupted: [1, 2], replotted: [] });
    const report = await farm.scrub({ source, encoder });
    expect(report.replotted).to.deep.equal([1, 2]);
    expect(await farm.scrub()).to.deep.equal({ checked: 3, corrupted: [], replotted: [] });
    expect([0, 1, 2].map((i) => hex(blake3(farm.readSector(i))))).to.deep.equal(before);
    farm.close();
  });

  it("replots expired sectors from the current history", async () => {
    const source = new SyntheticSource(1n, PIECES);
    const encoder = new InlineRecordEncoder(FARM_POS_K);
    const farm = await open();
    await farm.plotRemaining(source, encoder);
    const commitment = (s: bigint) => (s < 10n ? blake3(Uint8Array.of(Number(s))).subarray(0, 48) : undefined);
    // min lifetime 2: sector of history 1 is checked at segment 2 and expires within [3, 6).
    expect(farm.expiredSectors(2n, 2n, commitment)).to.deep.equal([]);
    expect(farm.expiredSectors(6n, 2n, commitment)).to.deep.equal([0, 1, 2]);
    expect(farm.expiredSectors(6n, 2n, () => undefined)).to.deep.equal([]);
    source.historySize = 6n;
    expect(await farm.replotExpired(source, encoder, 2n, commitment)).to.deep.equal([0, 1, 2]);
    expect(farm.sectors.map((m) => m.historySize)).to.deep.equal([6n, 6n, 6n]);
    expect(farm.expiredSectors(6n, 2n, commitment)).to.deep.equal([]);
    farm.close();
  });

  it("wipe removes the farm's files", async () => {
    const farm = await open();
    farm.close();
    expect(SingleDiskFarm.wipe(dir).length).to.equal(4);
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(existsSync(join(dir, "identity.bin"))).to.equal(false);
    await SingleDiskFarm.open({ directory: dir, create: false }).then(
      () => expect.fail("opened a wiped farm"),
      (e: FarmError) => expect(e.code).to.equal("FARM_ERROR_NOT_FOUND"),
    );
  });
});

describe("SingleDiskFarm piece validation while plotting", function () {
  this.timeout(60_000);
  const N = 3;
  let dir: string;
  let kzg: Kzg;
  before(async () => {
    kzg = await getKzg();
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "farm-valid-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = () =>
    SingleDiskFarm.open({ directory: dir, allocatedSpace: RESERVED_PLOT_METADATA + sectorSize(N) + SECTOR_METADATA_SIZE + 100, piecesInSector: N, posK: FARM_POS_K });

  /** Real commitments; the `corrupt`-th download (0-based) gets one record byte flipped. */
  class CorruptingSource extends SyntheticSource {
    corrupt: number | undefined = undefined;
    private downloads = 0;
    constructor() {
      super(2n, N, kzg);
    }
    override async getPiece(pieceIndex: bigint): Promise<Uint8Array> {
      const piece = await super.getPiece(pieceIndex);
      if (this.downloads++ === this.corrupt) piece[1000]! ^= 1;
      return piece;
    }
  }
  /** The record check of `is_piece_valid` (these synthetic pieces have no segment witnesses). */
  const recordMatches = (piece: Uint8Array): boolean =>
    hex(kzg.commit(kzg.polyFromScalarBytes(piece.subarray(0, RECORD_SIZE)))) === hex(piece.subarray(RECORD_SIZE, RECORD_SIZE + 48));

  it("validates a sector's pieces in one batch; a corrupted piece fails plotting with FARM_ERROR_PIECE naming it", async () => {
    const farm = await open();
    const source = Object.assign(new CorruptingSource(), {
      batches: [] as bigint[][],
      async validatePieces(pieces: readonly PieceToValidate[]): Promise<boolean[]> {
        this.batches.push(pieces.map((p) => p.pieceIndex));
        return pieces.map((p) => recordMatches(p.piece));
      },
    });
    source.corrupt = 1;
    const error = await farm.plotNextSector(source, new InlineRecordEncoder(FARM_POS_K)).then(
      () => expect.fail("plotted a corrupted piece"),
      (e: FarmError) => e,
    );
    expect(error.code).to.equal("FARM_ERROR_PIECE");
    const bad = source.requested[1]!;
    expect(error.message).to.equal(`piece ${bad} failed verification`);
    expect(source.batches).to.deep.equal([source.requested.slice(0, N)]);
    expect(farm.plottedSectorCount).to.equal(0);

    source.corrupt = undefined;
    expect(await farm.plotNextSector(source, new InlineRecordEncoder(FARM_POS_K))).to.equal(true);
    expect(source.batches.length).to.equal(2);
    expect(source.batches[1]!.length).to.equal(N);
    expect(farm.plottedSectorCount).to.equal(1);
    farm.close();
  });

  it("falls back to validatePiece one by one when the source has no batched check", async () => {
    const farm = await open();
    const checked: bigint[] = [];
    const source = Object.assign(new CorruptingSource(), {
      async validatePiece(pieceIndex: bigint, piece: Uint8Array): Promise<boolean> {
        checked.push(pieceIndex);
        return recordMatches(piece);
      },
    });
    source.corrupt = 2;
    await farm.plotNextSector(source, new InlineRecordEncoder(FARM_POS_K)).then(
      () => expect.fail("plotted a corrupted piece"),
      (e: FarmError) => {
        expect(e.code).to.equal("FARM_ERROR_PIECE");
        expect(e.message).to.equal(`piece ${source.requested[2]} failed verification`);
      },
    );
    expect(checked.slice().sort()).to.deep.equal(source.requested.slice(0, N).sort());
    expect(farm.plottedSectorCount).to.equal(0);
    farm.close();
  });
});
