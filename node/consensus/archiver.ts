/**
 * The node's archiver (`sc-consensus-subspace` archiver): turns history into segments of pieces.
 * The genesis block becomes segment 0 at once (padded to a whole segment); later blocks are added
 * as they are finalized (`confirmation_depth_k` deep). New segment headers are announced (the
 * `segment` event: the farmer RPC and the slot worker's `subspace` inherent), and the pieces of every
 * archived segment are served (`piece`, behind `subspace_piece`).
 *
 * Threads. An `Archiver` on a worker thread (./archiverWorker.ts) does all archiving: a segment
 * costs tens of seconds of KZG work here (c-kzg), which must not stall RPC or block production.
 * The service feeds it finalized blocks in order (a bounded number of bytes in flight) and
 * persists what comes back.
 *
 * Persistence (resume point: the reference's, "the last segment header plus the unarchived blocks"):
 * - chain database, aux column, one atomic transaction per completed segment (./archiverEncoding.ts):
 *     `subspace-archiver/segment-header/<u64 BE>` → SCALE `SegmentHeader`, for every segment;
 *     `subspace-archiver/state` → {segment count, number and hash of the block that completed the
 *     last segment, `Archiver.exportState()` right after that block}.
 *   The state is saved after each completed segment, not after each block: right after a segment
 *   the archiver's buffer is only the parent header and the tail of one block (bytes), while after
 *   an arbitrary block it holds up to a whole segment (16 MB) that would be rewritten on every
 *   block. A restart re-feeds the finalized blocks after the saved block (at most about one
 *   segment of history, no KZG until the next segment) and reaches exactly the state an
 *   uninterrupted run had, so every later segment is identical.
 * - pieces: `<segmentsDir>/<index>.bin` (256 pieces back to back) for segments ≥ 1, written to
 *   `<index>.bin.tmp`, fsynced, renamed and the directory fsynced BEFORE the aux transaction
 *   that records the segment. A kill at any point therefore leaves either a stray `.tmp` or a
 *   `.bin` of a segment the database does not know (both deleted at the next start, and the
 *   segment is archived again from the re-fed blocks), or a complete, recorded segment.
 *   Segment 0 is deterministic for a chain spec and lives in the cache (below), not in the base path.
 * - cache (`$XDG_CACHE_HOME/subspace-node/<genesis>/`): `segment-0.bin` (header ‖ pieces) and
 *   `archiver-0.state`, shared by every node of the chain spec (re-archived if the cache is wiped).
 *
 * Deviation from the reference: it keeps only the last segment's pieces for `subspace_piece` and
 * expects farmers to fetch older history over the DSN. There is no DSN yet, so this node serves the
 * pieces of every archived segment, which lets a farmer that joins later plot older history.
 */
import { EventEmitter, once } from "node:events";
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync,
} from "node:fs";
import { open as openAsync, rename as renameAsync, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { homedir } from "node:os";
import type { Worker } from "node:worker_threads";
import { concatBytes, equalBytes, toHex } from "../../framework/codec/bytes.ts";
import { pieceAt, checkSegmentHeaderChain } from "../../framework/primitives/subspace/archiving/index.ts";
import { encodeSegmentHeader, decodeSegmentHeader, type BlockObject, type GlobalObject, type SegmentHeader } from "../../framework/primitives/subspace/core/index.ts";
import { PIECE_SIZE, NUM_PIECES } from "../../framework/primitives/subspace/profile/index.ts";
import type { AuxWrite } from "../db/index.ts";
import type { ImportedBlock } from "../client/client.ts";
import { spawnTsWorker } from "./timekeeper/tsWorker.ts";
import {
  AUX_STATE_KEY, auxSegmentHeaderKey, decodePersistedState, encodePersistedState, encodeSignedBlock,
  type ArchivedSegmentMessage, type ArchiverReply, type ArchiverRequest, type ArchiverWorkerInit, type PersistedArchiverState,
} from "./archiverEncoding.ts";
import type { Logger } from "../service/logger.ts";

export { encodeSignedBlock } from "./archiverEncoding.ts";

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "subspace-node");
}

/** What the archiver reads of the chain (the `Client` satisfies it). */
export interface ArchiverChain {
  readonly genesisHash: Uint8Array;
  readonly finalizedNumber: number;
  header(hash: Uint8Array): { readonly stateRoot: Uint8Array } | undefined;
  headerBytes(hash: Uint8Array): Uint8Array | undefined;
  body(hash: Uint8Array): Uint8Array[] | undefined;
  justifications(hash: Uint8Array): Uint8Array | undefined;
  /** Canonical block hash at `n` (finalized blocks only are asked for). */
  hashByNumber(n: number): Uint8Array | undefined;
  on(event: "finalized", listener: (f: { hash: Uint8Array; number: number }) => void): unknown;
  off(event: "finalized", listener: (f: { hash: Uint8Array; number: number }) => void): unknown;
  /** The chain database (`ChainDb`): where the archiver persists, unless `options.store` says otherwise. */
  readonly db?: ArchiverStore;
}

/** Atomic key-value storage for the archiver (`ChainDb`'s aux column). */
export interface ArchiverStore {
  aux(key: Uint8Array): Uint8Array | undefined;
  commitAux(entries: AuxWrite[]): void;
}

export interface ArchiverServiceOptions {
  /**
   * Where the pieces of segments ≥ 1 are kept (`<base>/chains/<id>/archived-segments`). Without it
   * nothing is persisted: pieces stay in memory and every start re-archives from block 1.
   */
  segmentsDir?: string;
  /** Where headers and the resume state are stored (default: the chain's `db`). */
  store?: ArchiverStore;
  /** Tests: a module (file URL) exporting a `Kzg` (`kzgExport`) for the worker instead of c-kzg. */
  workerKzg?: { module: string; exportName: string };
  /** Bytes of blocks handed to the worker and not yet archived (flow control; default 64 MiB). */
  maxBytesInFlight?: number;
  /** The objects of a block (the runtime's `ObjectsApi`), mapped into history as it is archived. */
  blockObjects?: (hash: Uint8Array) => readonly BlockObject[];
}

/** Counters of this run (diagnostics and tests). */
export interface ArchiverStats {
  /** Finalized blocks handed to the worker since `start()`. */
  blocksFed: number;
  /** The first of them, if any. */
  firstBlockFed: number | undefined;
  /** Segments archived since `start()` (segment 0 included when it was not cached). */
  segmentsArchived: number;
  /** The block the persisted state resumed from at `start()` (0 on a first start). */
  resumedFromBlock: number;
}

/** Objects of an archived block and where they landed in history (`ObjectMappingResponse`). */
export interface ObjectMappings {
  readonly blockNumber: number;
  readonly objects: readonly GlobalObject[];
}

interface ArchiverEvents {
  segment: [SegmentHeader];
  objectMappings: [ObjectMappings];
}

class ArchiverStoppedError extends Error {
  readonly code = "ARCHIVER_ERROR_STOPPED";
}

const SEGMENT_BYTES = NUM_PIECES * PIECE_SIZE;
const SEGMENT_FILE = /^(\d+)\.bin$/;

export class ArchiverService extends EventEmitter<ArchiverEvents> {
  /** Every segment header produced so far, by index. */
  readonly segmentHeaders: SegmentHeader[] = [];
  readonly stats: ArchiverStats = { blocksFed: 0, firstBlockFed: undefined, segmentsArchived: 0, resumedFromBlock: 0 };
  private worker: Worker | undefined;
  /** Replies to `genesis`/`restore`/`state` requests, in order. */
  private readonly waiting: { kind: ArchiverReply["kind"]; resolve(r: ArchiverReply): void; reject(e: Error): void }[] = [];
  /** Where segment 0's pieces are (the cache file, after its header), or in memory. */
  private segment0: { path: string; offset: number } | Uint8Array | undefined;
  /** Pieces by segment index when there is no `segmentsDir`. */
  private readonly memoryPieces = new Map<bigint, Uint8Array>();
  private readonly store: ArchiverStore | undefined;
  private sentUpTo = 0;
  private bytesInFlight = 0;
  private readonly inFlight: number[] = [];
  /** Persistence of completed segments, chained so that segments are recorded in order. */
  private persisting: Promise<void> = Promise.resolve();
  private readonly progress = new EventEmitter();
  private started = false;
  private stopped = false;
  private failure: Error | undefined;
  private readonly onFinalized = () => this.pump();

  constructor(
    private readonly chain: ArchiverChain,
    private readonly log: Logger,
    private readonly cacheDir: string = defaultCacheDir(),
    private readonly options: ArchiverServiceOptions = {},
  ) {
    super();
    this.store = options.segmentsDir === undefined ? undefined : (options.store ?? chain.db);
    if (options.segmentsDir !== undefined && this.store === undefined) throw new Error("the archiver needs a store (the chain database) to persist segments");
  }

  /**
   * Resumes from the persisted state (or archives / loads from cache segment 0 on a first start),
   * then follows finality. Resolves once the segment headers archived so far are known.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error("archiver already started");
    this.started = true;
    this.spawnWorker();
    try {
      const persisted = this.loadPersisted();
      if (persisted) await this.resume(persisted);
      else await this.firstStart();
    } catch (e) {
      if (this.stopped) return;
      throw e;
    }
    if (this.stopped) return;
    const last = this.segmentHeaders[this.segmentHeaders.length - 1];
    if (last) this.emit("segment", last);
    this.chain.on("finalized", this.onFinalized);
    this.pump();
  }

  /**
   * Resolves when every finalized block known now has been archived and any segment it completed
   * persisted and announced (tests and orderly shutdown).
   */
  async settled(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopped) return;
      if (this.inFlight.length === 0 && this.sentUpTo >= this.chain.finalizedNumber) {
        await this.persisting;
        if (this.inFlight.length === 0 && this.sentUpTo >= this.chain.finalizedNumber) return;
        continue;
      }
      await once(this.progress, "progress");
    }
  }

  /** The worker's archiver state after every block fed so far, and the last block fed. */
  async archiverState(): Promise<{ state: Uint8Array; lastBlockFed: number }> {
    const lastBlockFed = this.sentUpTo;
    const r = await this.request({ kind: "state" });
    return { state: (r as Extract<ArchiverReply, { kind: "state" }>).state, lastBlockFed };
  }

  /** A piece of any archived segment (`subspace_piece`), if that segment is archived. */
  piece(pieceIndex: bigint): Uint8Array | undefined {
    if (pieceIndex < 0n) return undefined;
    const segment = pieceIndex / BigInt(NUM_PIECES);
    const position = Number(pieceIndex % BigInt(NUM_PIECES));
    if (segment >= BigInt(this.segmentHeaders.length)) return undefined;
    const inMemory = segment === 0n ? (this.segment0 instanceof Uint8Array ? this.segment0 : undefined) : this.memoryPieces.get(segment);
    if (inMemory) return pieceAt(inMemory, position);
    let file: { path: string; offset: number } | undefined;
    if (segment === 0n) file = this.segment0 instanceof Uint8Array ? undefined : this.segment0;
    else if (this.options.segmentsDir !== undefined) file = { path: join(this.options.segmentsDir, `${segment}.bin`), offset: 0 };
    return file ? readPiece(file.path, file.offset + position * PIECE_SIZE) : undefined;
  }

  /**
   * Stops following finality. Segments already archived are persisted first; blocks the worker is
   * still on are simply fed again on the next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.chain.off("finalized", this.onFinalized);
    await this.persisting;
    for (const w of this.waiting.splice(0)) w.reject(new ArchiverStoppedError("archiver stopped"));
    this.progress.emit("progress");
    await this.worker?.terminate();
  }

  // ---- start-up ----

  private spawnWorker(): void {
    const init: ArchiverWorkerInit = this.options.workerKzg ? { kzgModule: this.options.workerKzg.module, kzgExport: this.options.workerKzg.exportName } : {};
    const w = spawnTsWorker(new URL("./archiverWorker.ts", import.meta.url), init, { name: "archiver" });
    w.on("message", (r: ArchiverReply) => this.onReply(r));
    w.on("error", (e) => this.fail(e));
    w.on("exit", (code) => {
      if (!this.stopped) this.fail(new Error(`archiver worker exited with code ${code}`));
    });
    this.worker = w;
  }

  private loadPersisted(): { state: PersistedArchiverState; headers: SegmentHeader[] } | undefined {
    const raw = this.store?.aux(AUX_STATE_KEY);
    if (!raw) return undefined;
    const state = decodePersistedState(raw);
    if (!equalBytes(state.genesisHash, this.chain.genesisHash)) {
      throw new Error(`the persisted archiver state belongs to another chain (genesis ${toHex(state.genesisHash)})`);
    }
    const headers: SegmentHeader[] = [];
    for (let i = 0n; i < state.segmentCount; i++) {
      const h = this.store!.aux(auxSegmentHeaderKey(i));
      if (!h) throw new Error(`persisted segment header ${i} is missing`);
      const header = decodeSegmentHeader(h);
      if (header.segmentIndex !== i) throw new Error(`persisted segment header ${i} has index ${header.segmentIndex}`);
      if (i > 0n) checkSegmentHeaderChain(headers[headers.length - 1]!, header);
      headers.push(header);
    }
    return { state, headers };
  }

  private async firstStart(): Promise<void> {
    const genesis = await this.genesisSegment();
    this.restore(genesis.state);
    this.segmentHeaders.push(genesis.header);
    if (this.options.segmentsDir !== undefined) {
      mkdirSync(this.options.segmentsDir, { recursive: true });
      this.store!.commitAux([
        [auxSegmentHeaderKey(0n), encodeSegmentHeader(genesis.header)],
        [AUX_STATE_KEY, encodePersistedState({
          genesisHash: this.chain.genesisHash, segmentCount: 1n, lastBlockNumber: 0, lastBlockHash: this.chain.genesisHash, archiverState: genesis.state,
        })],
      ]);
    }
    this.sentUpTo = 0;
  }

  private async resume(p: { state: PersistedArchiverState; headers: SegmentHeader[] }): Promise<void> {
    const { state, headers } = p;
    const hash = this.chain.hashByNumber(state.lastBlockNumber);
    if (!hash || !equalBytes(hash, state.lastBlockHash)) {
      throw new Error(`the archiver's last archived block #${state.lastBlockNumber} is not on the finalized chain`);
    }
    this.cleanSegmentsDir(headers.length);
    // Segment 0's pieces come from the cache; re-archive it if the cache was wiped.
    const genesis = await this.genesisSegment();
    if (!equalBytes(encodeSegmentHeader(genesis.header), encodeSegmentHeader(headers[0]!))) {
      throw new Error("segment 0 of the cache differs from the persisted segment header 0");
    }
    this.restore(state.archiverState);
    this.segmentHeaders.push(...headers);
    this.sentUpTo = state.lastBlockNumber;
    this.stats.resumedFromBlock = state.lastBlockNumber;
    const behind = Math.max(0, this.chain.finalizedNumber - state.lastBlockNumber);
    this.log.info(`🗄  Archiver resumed at segment ${headers.length - 1} (block #${state.lastBlockNumber}); ${behind} finalized block(s) to re-feed`);
  }

  /**
   * Deletes what a killed process may have left: `.tmp` files and the files of segments the
   * database does not record (they are archived again). Warns about recorded segments whose file
   * is missing or short (only possible if the directory was tampered with).
   */
  private cleanSegmentsDir(segmentCount: number): void {
    const dir = this.options.segmentsDir;
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) {
      const m = SEGMENT_FILE.exec(name);
      if (name.endsWith(".tmp") || (m && Number(m[1]) >= segmentCount)) {
        rmSync(join(dir, name), { force: true });
        this.log.info(`🗄  Removed ${name}, left by an interrupted run`);
      }
    }
    for (let i = 1; i < segmentCount; i++) {
      const f = join(dir, `${i}.bin`);
      if (!existsSync(f) || statSync(f).size !== SEGMENT_BYTES) this.log.error(`Pieces of archived segment ${i} are missing (${f}); they cannot be served`);
    }
  }

  /** Segment 0 and the archiver state after it: from the cache, or archived by the worker (then cached). */
  private async genesisSegment(): Promise<{ header: SegmentHeader; state: Uint8Array }> {
    // A test KZG gets its own cache entry: its segment 0 must never be served as the real one.
    const dir = join(this.cacheDir, toHex(this.chain.genesisHash).slice(2, 18) + (this.options.workerKzg ? "-test-kzg" : ""));
    const file = join(dir, "segment-0.bin");
    const stateFile = join(dir, "archiver-0.state");
    if (existsSync(file) && existsSync(stateFile)) {
      const size = statSync(file).size;
      const headerLen = size - SEGMENT_BYTES;
      const fd = openSync(file, "r");
      let headerBytes: Uint8Array;
      try {
        headerBytes = new Uint8Array(Math.max(0, headerLen));
        readSync(fd, headerBytes, 0, headerBytes.length, 0);
      } finally {
        closeSync(fd);
      }
      const header = decodeSegmentHeader(headerBytes);
      this.segment0 = { path: file, offset: headerLen };
      this.log.info(`📦 Genesis segment loaded from cache (${file})`);
      return { header, state: new Uint8Array(readFileSync(stateFile)) };
    }
    this.log.info("🗄  Archiving the genesis block into segment 0 (first start for this chain spec; cached afterwards)…");
    const started = Date.now();
    const genesisHeader = this.chain.headerBytes(this.chain.genesisHash)!;
    const r = (await this.request({ kind: "genesis", genesisHeader, stateRoot: this.chain.header(this.chain.genesisHash)!.stateRoot })) as Extract<ArchiverReply, { kind: "genesis" }>;
    const header = decodeSegmentHeader(r.segment.segmentHeader);
    this.stats.segmentsArchived++;
    this.segment0 = r.segment.pieces;
    try {
      mkdirSync(dir, { recursive: true });
      const tag = `.${process.pid}.${Date.now()}.tmp`;
      await writeFile(file + tag, concatBytes(r.segment.segmentHeader, r.segment.pieces));
      await writeFile(stateFile + tag, r.state);
      renameSync(stateFile + tag, stateFile);
      renameSync(file + tag, file);
      this.segment0 = { path: file, offset: r.segment.segmentHeader.length };
    } catch (e) {
      this.log.warn(`Could not cache segment 0 in ${dir}`, { error: (e as Error).message });
    }
    this.log.info(`🗄  Segment 0 archived in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { header, state: r.state };
  }

  // ---- following finality ----

  /** Hands finalized blocks to the worker, in order, while fewer than `maxBytesInFlight` are pending. */
  private pump(): void {
    if (this.stopped || this.failure || !this.worker) return;
    const limit = this.options.maxBytesInFlight ?? 64 * 1024 * 1024;
    const finalized = this.chain.finalizedNumber;
    while (this.sentUpTo < finalized && (this.inFlight.length === 0 || this.bytesInFlight < limit)) {
      const number = this.sentUpTo + 1;
      const hash = this.chain.hashByNumber(number);
      const header = hash && this.chain.headerBytes(hash);
      const body = hash && this.chain.body(hash);
      if (!hash || !header || !body) {
        this.fail(new Error(`finalized block #${number} is not in the database`));
        return;
      }
      const block = encodeSignedBlock(header, body, this.chain.justifications(hash));
      const objects = this.options.blockObjects?.(hash);
      const request: ArchiverRequest = { kind: "block", number, block, ...(objects?.length ? { objects } : {}) };
      this.worker.postMessage(request, [block.buffer as ArrayBuffer]);
      this.sentUpTo = number;
      this.inFlight.push(block.length);
      this.bytesInFlight += block.length;
      this.stats.blocksFed++;
      this.stats.firstBlockFed ??= number;
    }
  }

  private onReply(r: ArchiverReply): void {
    if (r.kind !== "block") {
      const w = this.waiting.shift();
      if (!w || w.kind !== r.kind) this.fail(new Error(`unexpected archiver reply ${r.kind}`));
      else w.resolve(r);
      return;
    }
    this.bytesInFlight -= this.inFlight.shift() ?? 0;
    if (r.objects.length > 0 && !this.stopped) this.emit("objectMappings", { blockNumber: r.number, objects: r.objects });
    if (r.segments.length > 0 && !this.stopped) {
      const hash = this.chain.hashByNumber(r.number)!;
      this.persisting = this.persisting
        .then(() => this.persistSegments(r.number, hash, r.segments, r.state!))
        .catch((e) => this.fail(e as Error));
    }
    this.pump();
    this.progress.emit("progress");
  }

  /** Pieces to files (fsynced), then headers and resume state in one aux transaction, then announce. */
  private async persistSegments(number: number, hash: Uint8Array, segments: ArchivedSegmentMessage[], state: Uint8Array): Promise<void> {
    if (this.failure) return;
    const headers = segments.map((s) => decodeSegmentHeader(s.segmentHeader));
    for (const [i, h] of headers.entries()) {
      const prev = i === 0 ? this.segmentHeaders[this.segmentHeaders.length - 1] : headers[i - 1];
      if (!prev) throw new Error(`segment ${h.segmentIndex} has no parent segment`);
      checkSegmentHeaderChain(prev, h);
    }
    const dir = this.options.segmentsDir;
    if (dir !== undefined) {
      for (const [i, s] of segments.entries()) await writeFileDurably(dir, `${headers[i]!.segmentIndex}.bin`, s.pieces);
      const entries: AuxWrite[] = segments.map((s, i) => [auxSegmentHeaderKey(headers[i]!.segmentIndex), s.segmentHeader]);
      entries.push([AUX_STATE_KEY, encodePersistedState({
        genesisHash: this.chain.genesisHash,
        segmentCount: headers[headers.length - 1]!.segmentIndex + 1n,
        lastBlockNumber: number,
        lastBlockHash: hash,
        archiverState: state,
      })]);
      this.store!.commitAux(entries);
    } else {
      for (const [i, s] of segments.entries()) this.memoryPieces.set(headers[i]!.segmentIndex, s.pieces);
    }
    for (const h of headers) {
      this.segmentHeaders.push(h);
      this.stats.segmentsArchived++;
      this.log.info(`🗄  Archived segment ${h.segmentIndex} (up to block #${number})`);
      this.emit("segment", h);
    }
  }

  /**
   * Queues the state the worker continues from, without waiting for the worker to be up (c-kzg
   * takes seconds to load there): messages reach it in order, and the headers are known already.
   */
  private restore(state: Uint8Array): void {
    this.request({ kind: "restore", state }).catch(() => undefined); // failures surface through fail()
  }

  private request(req: Exclude<ArchiverRequest, { kind: "block" }>): Promise<ArchiverReply> {
    if (this.stopped) return Promise.reject(new ArchiverStoppedError("archiver stopped"));
    if (this.failure) return Promise.reject(this.failure);
    const kind: ArchiverReply["kind"] = req.kind === "restore" ? "restored" : req.kind;
    return new Promise((resolve, reject) => {
      this.waiting.push({ kind, resolve, reject });
      this.worker!.postMessage(req);
    });
  }

  private fail(e: Error): void {
    if (this.stopped || this.failure) return;
    this.failure = e;
    this.log.error("Archiver failed", { error: e.stack ?? e.message });
    for (const w of this.waiting.splice(0)) w.reject(e);
    this.progress.emit("progress");
  }
}

/** Reads one piece at `offset` of `path`, or undefined if the file is missing or short. */
function readPiece(path: string, offset: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const out = new Uint8Array(PIECE_SIZE);
    return readSync(fd, out, 0, PIECE_SIZE, offset) === PIECE_SIZE ? out : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes `dir/name` via `name.tmp`: data fsynced, renamed, directory fsynced. */
async function writeFileDurably(dir: string, name: string, data: Uint8Array): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  const fh = await openAsync(tmp, "w");
  try {
    await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await renameAsync(tmp, join(dir, name));
  const d = await openAsync(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

export type { ImportedBlock };
