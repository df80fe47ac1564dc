/**
 * The node's archiver (`sc-consensus-subspace` archiver): turns history into segments of pieces.
 * The genesis block becomes segment 0 at once (padded to a whole segment); later blocks are added
 * as they reach `confirmation_depth_k`. New segment headers are announced (for the farmer RPC and
 * the `subspace` inherent), and the latest segment's pieces are kept to serve `subspace_piece`.
 *
 * Archiving a segment costs tens of seconds of KZG work here (c-kzg), so segment 0, which is
 * deterministic for a chain spec, is cached outside the base path (`~/.cache/subspace-node`).
 */
import { EventEmitter } from "node:events";
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { homedir } from "node:os";
import { Header } from "../../framework/codec/substrate.ts";
import { concatBytes, toHex } from "../../framework/codec/bytes.ts";
import { encodeCompact } from "../../framework/codec/ty.ts";
import { getKzg, type Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import {
  Archiver, encodeGenesisBlockForArchiving, pieceAt, type NewArchivedSegment,
} from "../../framework/primitives/subspace/archiving/index.ts";
import { encodeSegmentHeader, decodeSegmentHeader, type SegmentHeader } from "../../framework/primitives/subspace/core/index.ts";
import { PIECE_SIZE, NUM_PIECES } from "../../framework/primitives/subspace/profile/index.ts";
import type { Client, ImportedBlock } from "../client/client.ts";
import { spawnTsWorker } from "./timekeeper/tsWorker.ts";
import type { ArchiverWorkerInput, ArchiverWorkerOutput } from "./archiverWorker.ts";
import type { Logger } from "../service/logger.ts";

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "subspace-node");
}

/** SCALE `SignedBlock{block: {header, extrinsics}, justifications: None}` as archived. */
export function encodeSignedBlock(header: Uint8Array, extrinsics: Uint8Array[], justifications?: Uint8Array): Uint8Array {
  return concatBytes(header, encodeCompact(extrinsics.length), ...extrinsics, justifications ? concatBytes(Uint8Array.of(1), justifications) : Uint8Array.of(0));
}

interface ArchiverEvents {
  segment: [SegmentHeader];
}

export class ArchiverService extends EventEmitter<ArchiverEvents> {
  /** Every segment header produced so far, by index. */
  readonly segmentHeaders: SegmentHeader[] = [];
  private latest: NewArchivedSegment | undefined;
  private archiver!: Archiver;
  private kzg!: Kzg;
  private archivedUpTo = 0;
  private readonly onFinalized = (f: { hash: Uint8Array; number: number }) => this.archiveUpTo(f.number);

  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly cacheDir: string = defaultCacheDir(),
  ) {
    super();
  }

  /** Archives (or loads from cache) segment 0, then follows finality. */
  async start(): Promise<void> {
    this.kzg = await getKzg();
    const dir = join(this.cacheDir, toHex(this.client.genesisHash).slice(2, 18));
    const file = join(dir, "segment-0.bin");
    const stateFile = join(dir, "archiver-0.state");
    if (existsSync(file) && existsSync(stateFile)) {
      const bytes = new Uint8Array(readFileSync(file));
      const headerLen = bytes.length - NUM_PIECES * PIECE_SIZE;
      const header = decodeSegmentHeader(bytes.subarray(0, headerLen));
      this.latest = { segmentHeader: header, pieces: bytes.subarray(headerLen) };
      this.archiver = Archiver.fromState(this.kzg, undefined as any, new Uint8Array(readFileSync(stateFile)));
      this.log.info(`📦 Genesis segment loaded from cache (${file})`);
    } else {
      this.log.info("🗄  Archiving the genesis block into segment 0 (first start for this chain spec; cached afterwards)…");
      const started = Date.now();
      const genesis = this.client.header(this.client.genesisHash)!;
      // The KZG work runs on a worker thread: RPC keeps answering meanwhile.
      const result = await new Promise<ArchiverWorkerOutput>((resolve, reject) => {
        const w = spawnTsWorker(new URL("./archiverWorker.ts", import.meta.url), { genesisHeader: Header.enc(genesis), stateRoot: genesis.stateRoot } satisfies ArchiverWorkerInput, { name: "archiver-genesis" });
        w.once("message", (m: ArchiverWorkerOutput) => resolve(m));
        w.once("error", reject);
        w.once("exit", (code) => (code !== 0 ? reject(new Error(`archiver worker exited with ${code}`)) : undefined));
      });
      const header = decodeSegmentHeader(result.segmentHeader);
      this.latest = { segmentHeader: header, pieces: result.pieces };
      this.archiver = Archiver.fromState(this.kzg, undefined as any, result.state);
      mkdirSync(dir, { recursive: true });
      writeFileSync(file + ".tmp", concatBytes(result.segmentHeader, result.pieces));
      writeFileSync(stateFile + ".tmp", result.state);
      renameSync(file + ".tmp", file);
      renameSync(stateFile + ".tmp", stateFile);
      this.log.info(`🗄  Segment 0 archived in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    this.segmentHeaders.push(this.latest.segmentHeader);
    this.emit("segment", this.latest.segmentHeader);
    this.client.on("finalized", this.onFinalized);
    this.archiveUpTo(this.client.finalizedNumber);
  }

  /** Adds finalized blocks (1..n) to the archiver; completed segments are announced. */
  private archiveUpTo(n: number): void {
    while (this.archivedUpTo < n) {
      const number = this.archivedUpTo + 1;
      const hash = this.client.hashByNumber(number);
      if (!hash) return;
      const out = this.archiver.addBlock(encodeSignedBlock(this.client.headerBytes(hash)!, this.client.body(hash)!));
      this.archivedUpTo = number;
      for (const seg of out.archivedSegments) {
        this.latest = seg;
        this.segmentHeaders.push(seg.segmentHeader);
        this.log.info(`🗄  Archived segment ${seg.segmentHeader.segmentIndex}`);
        this.emit("segment", seg.segmentHeader);
      }
    }
  }

  /** A piece of the latest archived segment (`subspace_piece`), if it holds `pieceIndex`. */
  piece(pieceIndex: bigint): Uint8Array | undefined {
    const seg = this.latest;
    if (!seg) return undefined;
    const first = seg.segmentHeader.segmentIndex * BigInt(NUM_PIECES);
    if (pieceIndex < first || pieceIndex >= first + BigInt(NUM_PIECES)) return undefined;
    return pieceAt(seg.pieces, Number(pieceIndex - first));
  }

  stop(): void {
    this.client.off("finalized", this.onFinalized);
  }
}

export type { ImportedBlock };
