/**
 * Farmer benchmarks (`subspace-farmer benchmark plot|audit|prove|verify`, test/bench/farmer.bench.ts):
 * each returns figures {name, value, unit, limit} printed as JSON lines.
 *
 * Pieces come from a synthetic history: random records with real KZG record commitments, and per
 * touched segment a real segment commitment and record witnesses (the other positions of the
 * segment hold arbitrary hashed values), so solutions pass every verification check including the
 * piece check, without archiving whole segments.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { chachaKeystream } from "../../framework/primitives/subspace/archiving/index.ts";
import { blake3_254HashToScalar, Piece, PieceIndex, scalarFromBytes } from "../../framework/primitives/subspace/core/index.ts";
import { getKzg, type Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { DEFAULT_POS_K, PosTablesCache, createTables } from "../../framework/primitives/subspace/pos/index.ts";
import { NUM_PIECES, RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, RECORD_SIZE } from "../../framework/primitives/subspace/profile/index.ts";
import {
  SECTOR_METADATA_SIZE, SectorContentsMap, auditSector, contentsMapSize, derivePieceIndex, encodeRecord, evaluationSeed, extendRecord,
  proveWinningChunk, publicKeyHash, readRecordChunkBytes, recoverSourceBytes, sectorIdFromPublicKey, sectorSize, winningChunksOf,
  type PieceSelection, type SectorMetadata, type Solution,
} from "../../framework/primitives/subspace/sectors/index.ts";
import { slotGlobalChallenge, solutionPieceIndex, verifySolution, type VerifySolutionParams } from "../../framework/primitives/subspace/verification/index.ts";
import { RESERVED_PLOT_METADATA, SingleDiskFarm, type PlottingSource } from "./farm.ts";
import { WorkerRecordEncoder } from "./recordEncoder.ts";

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly limit: number | null;
  /** For limits that are floors (throughputs): ratio = limit / value, so ≤ 1 means met. */
  readonly floor?: boolean;
}

/** The JSON line of test/bench/report.ts: {name, value, unit, limit, ratio}. */
export function figureLine(f: Figure): string {
  const round = (x: number): number => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 1000) / 1000);
  const ratio = f.limit === null || f.limit === 0 ? null : f.floor ? f.limit / f.value : f.value / f.limit;
  return JSON.stringify({ name: f.name, value: round(f.value), unit: f.unit, limit: f.limit === null ? null : round(f.limit), ratio: ratio === null ? null : round(ratio) });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const U64_MAX = (1n << 64n) - 1n;

/** A history of `historySize` segments whose pieces are made on demand (see the module comment). */
export class SyntheticHistory implements PlottingSource {
  readonly pieceSelection: PieceSelection;
  private readonly records = new Map<bigint, { record: Uint8Array; commitment: Uint8Array }>();
  private readonly segments = new Map<bigint, { commitment: Uint8Array; witnesses: Map<number, Uint8Array> }>();

  constructor(
    readonly kzg: Kzg,
    readonly historySize: bigint,
    maxPiecesInSector: number,
  ) {
    this.pieceSelection = { maxPiecesInSector, recentSegments: 5n, recentHistoryFraction: [1n, 10n] };
  }

  async currentHistorySize(): Promise<bigint> {
    return this.historySize;
  }

  /** Prepares the given pieces (and their segments' commitments and witnesses) in one go. */
  prepare(indexes: readonly bigint[]): void {
    for (const index of indexes) {
      if (this.records.has(index)) continue;
      const key = new Uint8Array(32);
      new DataView(key.buffer).setBigUint64(0, index + 1n, true);
      const record = new Uint8Array(RECORD_SIZE);
      chachaKeystream(key, record);
      for (let j = 0; j < RECORD_NUM_CHUNKS; j++) record[32 * j] = 0;
      this.records.set(index, { record, commitment: this.kzg.commit(this.kzg.polyFromScalarBytes(record)) });
      this.segments.delete(PieceIndex.segmentIndex(index));
    }
    for (const segment of new Set(indexes.map(PieceIndex.segmentIndex))) {
      if (this.segments.has(segment)) continue;
      const values = Array.from({ length: NUM_PIECES }, (_, position) => {
        const r = this.records.get(segment * BigInt(NUM_PIECES) + BigInt(position));
        return scalarFromBytes(blake3_254HashToScalar(r?.commitment ?? Uint8Array.of(position, Number(segment & 0xffn))));
      });
      const poly = this.kzg.poly(values);
      const witnesses = new Map<number, Uint8Array>();
      for (const [index] of this.records) {
        if (PieceIndex.segmentIndex(index) === segment) witnesses.set(PieceIndex.position(index), this.kzg.createWitness(poly, NUM_PIECES, PieceIndex.position(index)));
      }
      this.segments.set(segment, { commitment: this.kzg.commit(poly), witnesses });
    }
  }

  segmentCommitment(segment: bigint): Uint8Array | undefined {
    return this.segments.get(segment)?.commitment;
  }

  async getPiece(index: bigint): Promise<Uint8Array> {
    this.prepare([index]);
    const r = this.records.get(index)!;
    const w = this.segments.get(PieceIndex.segmentIndex(index))!.witnesses.get(PieceIndex.position(index))!;
    return Piece.assemble(r.record, r.commitment, w);
  }
}

export interface BenchmarkOptions {
  readonly pieces?: number;
  readonly posK?: number;
  readonly threads?: number;
  readonly directory?: string;
  readonly log?: (line: string) => void;
}

/** A plotted farm for audit, prove and verify figures (plotting figures come with it). */
export interface PlottedBench {
  readonly farm: SingleDiskFarm;
  readonly history: SyntheticHistory;
  readonly kzg: Kzg;
  readonly posK: number;
  readonly figures: Figure[];
  cleanup(): void;
}

export async function benchmarkPlot(o: BenchmarkOptions = {}): Promise<PlottedBench> {
  const pieces = o.pieces ?? 4;
  const posK = o.posK ?? DEFAULT_POS_K;
  const threads = o.threads ?? availableParallelism();
  const kzg = await getKzg();
  const dir = o.directory ?? mkdtempSync(join(tmpdir(), "farmer-bench-"));
  const farm = await SingleDiskFarm.open({
    directory: dir,
    allocatedSpace: RESERVED_PLOT_METADATA + sectorSize(pieces) + SECTOR_METADATA_SIZE,
    piecesInSector: pieces,
    posK,
  });
  const history = new SyntheticHistory(kzg, 3n, pieces);
  const id = sectorIdFromPublicKey(farm.publicKey, 0, history.historySize);
  history.prepare(Array.from({ length: pieces }, (_, i) => derivePieceIndex(id, i, history.historySize, history.pieceSelection)));
  const figures: Figure[] = [];

  // One record on one core: table build and the whole encoding.
  const cache = new PosTablesCache();
  const piece0 = await history.getPiece(derivePieceIndex(id, 0, history.historySize, history.pieceSelection));
  createTables(evaluationSeed(id, 1), posK, cache); // warm-up
  const tableTimes: number[] = [];
  const recordTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    createTables(evaluationSeed(id, 10 + i), posK, cache);
    tableTimes.push(performance.now() - t);
    t = performance.now();
    encodeRecord(evaluationSeed(id, 20 + i), piece0.subarray(0, RECORD_SIZE), { posK, posCache: cache });
    recordTimes.push(performance.now() - t);
  }
  let t = performance.now();
  extendRecord(piece0.subarray(0, RECORD_SIZE));
  const extendMs = performance.now() - t;
  const table = median(tableTimes);
  const record = median(recordTimes);
  figures.push({ name: `farmer_pos_table_build_k${posK}`, value: table, unit: "ms", limit: 1500 });
  figures.push({ name: "farmer_record_extend", value: extendMs, unit: "ms", limit: null });
  figures.push({ name: `farmer_encode_record_1core_k${posK}`, value: record, unit: "ms", limit: null });
  figures.push({ name: "farmer_encode_table_share", value: table / record, unit: "fraction", limit: null });

  // The whole sector through the worker pool, written to disk.
  const encoder = new WorkerRecordEncoder(posK, threads);
  try {
    t = performance.now();
    await farm.plotNextSector(history, encoder, (p) => o.log?.(`plotting sector ${p.sectorIndex}: ${p.recordsDone}/${p.recordsTotal}${p.done ? " done" : ""}`));
    const sectorMs = performance.now() - t;
    figures.push({ name: `farmer_plot_sector_${pieces}_pieces_k${posK}`, value: sectorMs, unit: "ms", limit: null });
    figures.push({ name: `farmer_plot_records_per_minute_${threads}_threads`, value: (pieces * 60_000) / sectorMs, unit: "records/min", limit: null });
  } finally {
    await encoder.close();
  }
  return {
    farm,
    history,
    kzg,
    posK,
    figures,
    cleanup() {
      farm.close();
      if (o.directory === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Auditing: per sector of the plotted farm, and the chunk throughput of one slot over a
 * 100 GiB-equivalent plot (800 sectors of 1,000 pieces, ~400,000 chunks in audited s-buckets) in a
 * sparse file, reading each sector's s-bucket with one positional read.
 */
export function benchmarkAudit(b: PlottedBench): Figure[] {
  const figures: Figure[] = [];
  const pot = new Uint8Array(16).fill(1);
  const slots = 2000;
  b.farm.audit(slotGlobalChallenge(pot, 0), U64_MAX);
  let t = performance.now();
  for (let slot = 1; slot <= slots; slot++) b.farm.audit(slotGlobalChallenge(pot, slot), U64_MAX / 1000n);
  figures.push({ name: "farmer_audit_per_sector", value: ((performance.now() - t) * 1000) / slots, unit: "µs", limit: null });

  const sectors = 800;
  const piecesInSector = 1000;
  const size = sectorSize(piecesInSector);
  const dir = mkdtempSync(join(tmpdir(), "farmer-audit-"));
  const path = join(dir, "plot.bin");
  const fd = openSync(path, "w+");
  try {
    ftruncateSync(fd, sectors * size);
    const sBucketSizes = new Uint16Array(RECORD_NUM_S_BUCKETS).fill(piecesInSector / 2);
    const pkHash = publicKeyHash(b.farm.publicKey);
    const metadata: SectorMetadata[] = Array.from({ length: sectors }, (_, i) => ({ sectorIndex: i, piecesInSector, sBucketSizes, historySize: 3n }));
    const readers = metadata.map((_, i) => (offset: number, length: number) => {
      const buf = new Uint8Array(length);
      readSync(fd, buf, 0, length, i * size + offset);
      return buf;
    });
    const runSlot = (slot: number): number => {
      let candidates = 0;
      const gc = slotGlobalChallenge(pot, slot);
      for (let i = 0; i < sectors; i++) candidates += auditSector(pkHash, gc, U64_MAX / 100_000n, metadata[i]!, readers[i]!)?.candidates.length ?? 0;
      return candidates;
    };
    runSlot(0);
    const times: number[] = [];
    for (let slot = 1; slot <= 5; slot++) {
      t = performance.now();
      runSlot(slot);
      times.push(performance.now() - t);
    }
    const slotMs = median(times);
    const chunks = sectors * (piecesInSector / 2);
    figures.push({ name: "farmer_audit_slot_100gib", value: slotMs, unit: "ms", limit: 500 });
    figures.push({ name: "farmer_audit_chunks_per_second", value: (chunks * 1000) / slotMs, unit: "chunks/s", limit: 1_000_000, floor: true });
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** A full-range audit of the plotted farm's first sector that yields a winning chunk. */
function findWinning(b: PlottedBench, from: number): { slot: number; pot: Uint8Array; audit: NonNullable<ReturnType<typeof auditSector>> } {
  const pot = new Uint8Array(16).fill(2);
  const map = contentsMapOf(b);
  for (let slot = from; ; slot++) {
    const audit = b.farm.audit(slotGlobalChallenge(pot, slot), U64_MAX)[0];
    if (audit !== undefined && winningChunksOf(audit, map).length > 0) return { slot, pot, audit };
  }
}

const contentsMapOf = (b: PlottedBench): SectorContentsMap =>
  SectorContentsMap.fromBytes(b.farm.sectorReader(0)(0, contentsMapSize(b.farm.piecesInSector)), b.farm.piecesInSector);

/** Proving one solution from disk with nothing cached: table rebuild, reading, recovery, witness. */
export function benchmarkProve(b: PlottedBench): { figures: Figure[]; solution: Solution; slot: number; pot: Uint8Array } {
  const metadata = b.farm.sectors[0]!;
  const read = b.farm.sectorReader(0);
  const totals: number[] = [];
  const parts = { table: [] as number[], read: [] as number[], recover: [] as number[], witness: [] as number[] };
  let last: { solution: Solution; slot: number; pot: Uint8Array } | undefined;
  let from = 1;
  for (let i = 0; i < 3; i++) {
    const { slot, pot, audit } = findWinning(b, from);
    from = slot + 1;
    const t0 = performance.now();
    const map = contentsMapOf(b);
    const w = winningChunksOf(audit, map)[0]!;
    const solution = proveWinningChunk({ publicKey: b.farm.publicKey, rewardAddress: b.farm.publicKey, kzg: b.kzg, posK: b.posK }, audit, metadata, map, read, w);
    totals.push(performance.now() - t0);
    last = { solution, slot, pot };
    // The same steps timed one by one (as `proveRecord` and `proveWinningChunk` run them).
    let t = performance.now();
    const tables = createTables(evaluationSeed(audit.sectorId, w.pieceOffset), b.posK);
    parts.table.push(performance.now() - t);
    t = performance.now();
    const chunks = readRecordChunkBytes(w.pieceOffset, metadata, map, tables, read);
    parts.read.push(performance.now() - t);
    t = performance.now();
    const source = recoverSourceBytes(chunks.bytes, chunks.present);
    parts.recover.push(performance.now() - t);
    t = performance.now();
    b.kzg.createWitness(b.kzg.polyFromScalarBytes(source), RECORD_NUM_S_BUCKETS, audit.sBucket);
    parts.witness.push(performance.now() - t);
  }
  const figures: Figure[] = [
    { name: `farmer_prove_solution_k${b.posK}`, value: median(totals), unit: "ms", limit: 1000 },
    { name: `farmer_prove_table_k${b.posK}`, value: median(parts.table), unit: "ms", limit: null },
    { name: "farmer_prove_read_unmask", value: median(parts.read), unit: "ms", limit: null },
    { name: "farmer_prove_recover_record", value: median(parts.recover), unit: "ms", limit: null },
    { name: "farmer_prove_chunk_witness", value: median(parts.witness), unit: "ms", limit: null },
  ];
  return { figures, ...last! };
}

/** Full verification (PoS, distance, chunk opening, piece check against the segment commitment). */
export function benchmarkVerify(b: PlottedBench, proved: { solution: Solution; slot: number; pot: Uint8Array }): Figure[] {
  const { solution, slot, pot } = proved;
  const index = solutionPieceIndex(solution, b.history.pieceSelection);
  const params: VerifySolutionParams = {
    proofOfTime: pot,
    solutionRange: U64_MAX,
    posK: b.posK,
    pieceCheckParams: {
      ...b.history.pieceSelection,
      segmentCommitment: b.history.segmentCommitment(PieceIndex.segmentIndex(index))!,
      minSectorLifetime: 4n,
      currentHistorySize: b.history.historySize,
      sectorExpirationCheckSegmentCommitment: new Uint8Array(48).fill(9),
    },
  };
  const first = verifySolution(solution, slot, params, b.kzg);
  if (!first.ok) throw first.error;
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    verifySolution(solution, slot, params, b.kzg);
    times.push(performance.now() - t);
  }
  return [{ name: `farmer_verify_solution_k${b.posK}`, value: median(times), unit: "ms", limit: 5 }];
}
