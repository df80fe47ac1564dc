/**
 * The block archiver (`crates/subspace-archiving/src/archiver.rs`): confirmed blocks are buffered
 * as segment items, sliced into segments of RECORDED_HISTORY_SEGMENT_SIZE bytes and turned into
 * 256 pieces with a chained segment header. Object mappings of blocks become global mappings.
 */
import { Bytes, Struct, Vector, u64, u8 } from "scale-ts";
import { exactView } from "../../../codec/bytes.ts";
import { NUM_PIECES, NUM_RAW_RECORDS, RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE } from "../profile/index.ts";
import {
  ArchivedBlockProgress, BlockObjectCodec, LastArchivedBlockCodec, SegmentIndex, compactLen, decodeSegment,
  encodeSegmentItem, segmentHeaderHash, segmentItemEncodedSize, writeSegment,
  type BlockObject, type GlobalObject, type LastArchivedBlock, type SegmentHeader, type SegmentItem,
} from "../core/index.ts";
import { ErasureCoding } from "../erasure-coding/index.ts";
import type { Kzg } from "../kzg/index.ts";
import { buildArchivedSegment, pieceAt, type FlatPieces } from "./segmentBuilder.ts";

/** `{0, Partial(0)}`: nothing archived yet (special case for the genesis block). */
export const INITIAL_LAST_ARCHIVED_BLOCK: LastArchivedBlock = Object.freeze({ number: 0, archivedProgress: ArchivedBlockProgress.partial(0) });

/** Erasure coding sized for one segment (`log2(NUM_PIECES)`), as the reference's archiver uses. */
export const segmentErasureCoding = (): ErasureCoding => new ErasureCoding(Math.log2(NUM_PIECES));

export interface NewArchivedSegment {
  readonly segmentHeader: SegmentHeader;
  /** 256 pieces back to back. */
  readonly pieces: FlatPieces;
}

export const archivedSegmentPiece = (s: NewArchivedSegment, position: number): Uint8Array => pieceAt(s.pieces, position);

export interface ArchiveBlockOutcome {
  readonly archivedSegments: NewArchivedSegment[];
  readonly objectMapping: GlobalObject[];
}

export class ArchiverInstantiationError extends Error {
  constructor(readonly code: "ARCHIVER_ERROR_INVALID_LAST_ARCHIVED_BLOCK" | "ARCHIVER_ERROR_BLOCK_TOO_SMALL" | "ARCHIVER_ERROR_BAD_STATE", message: string) {
    super(message);
  }
}

type BufferItem = Extract<SegmentItem, { type: "Block" | "BlockContinuation" | "ParentSegmentHeader" | "BlockStart" }>;

const sameLastArchived = (a: LastArchivedBlock, b: LastArchivedBlock): boolean =>
  a.number === b.number && a.archivedProgress.type === b.archivedProgress.type && ArchivedBlockProgress.partialBytes(a.archivedProgress) === ArchivedBlockProgress.partialBytes(b.archivedProgress);

const EMPTY_SEGMENT_SIZE = 1;

/** Serialised archiver state (buffer with object mappings, index, previous hash, last archived block). */
const ArchiverStateCodec = Struct({
  version: u8,
  segmentIndex: u64,
  prevSegmentHeaderHash: Bytes(32),
  lastArchivedBlock: LastArchivedBlockCodec,
  buffer: Vector(Struct({ item: Bytes(), objects: Vector(BlockObjectCodec) })),
});

export class Archiver {
  private buffer: BufferItem[] = [];
  private segmentIndex: SegmentIndex = 0n;
  private prevSegmentHeaderHash: Uint8Array = new Uint8Array(32);
  private lastArchivedBlock: LastArchivedBlock = INITIAL_LAST_ARCHIVED_BLOCK;

  constructor(
    private readonly kzg: Kzg,
    private readonly erasureCoding: ErasureCoding = segmentErasureCoding(),
  ) {}

  /**
   * Restart from the last segment header and the block it ends in (`Archiver::with_initial_state`):
   * `encodedBlock` is the block `segmentHeader.lastArchivedBlock.number`; its unarchived tail is
   * queued as a continuation. Later blocks are then added with `addBlock`.
   */
  static withInitialState(kzg: Kzg, erasureCoding: ErasureCoding, segmentHeader: SegmentHeader, encodedBlock: Uint8Array, objects: readonly BlockObject[] = []): Archiver {
    const a = new Archiver(kzg, erasureCoding);
    a.segmentIndex = segmentHeader.segmentIndex + 1n;
    a.prevSegmentHeaderHash = segmentHeaderHash(segmentHeader);
    a.lastArchivedBlock = segmentHeader.lastArchivedBlock;
    a.buffer.push({ type: "ParentSegmentHeader", header: segmentHeader });
    const archived = ArchivedBlockProgress.partialBytes(a.lastArchivedBlock.archivedProgress);
    if (archived !== null) {
      if (encodedBlock.length < archived) {
        throw new ArchiverInstantiationError("ARCHIVER_ERROR_BLOCK_TOO_SMALL", `Invalid block, its size ${encodedBlock.length} bytes is smaller than the already archived block ${archived} bytes`);
      }
      if (encodedBlock.length === archived) {
        throw new ArchiverInstantiationError("ARCHIVER_ERROR_INVALID_LAST_ARCHIVED_BLOCK", `Invalid last archived block, its size ${archived} bytes is the same as the encoded block`);
      }
      a.buffer.push({
        type: "BlockContinuation",
        bytes: encodedBlock.slice(archived),
        objects: objects.filter((o) => o.offset >= archived).map((o) => ({ hash: o.hash, offset: o.offset - archived })),
      });
    }
    return a;
  }

  /** Restore from `exportState()`. */
  static fromState(kzg: Kzg, erasureCoding: ErasureCoding, state: Uint8Array): Archiver {
    const s = ArchiverStateCodec.dec(exactView(state));
    if (s.version !== 0) throw new ArchiverInstantiationError("ARCHIVER_ERROR_BAD_STATE", `unknown archiver state version ${s.version}`);
    const a = new Archiver(kzg, erasureCoding);
    a.segmentIndex = s.segmentIndex;
    a.prevSegmentHeaderHash = s.prevSegmentHeaderHash;
    a.lastArchivedBlock = s.lastArchivedBlock;
    for (const { item, objects } of s.buffer) {
      const [decoded] = decodeSegment(concatVersion(item));
      if (decoded === undefined || decoded.type === "Padding") throw new ArchiverInstantiationError("ARCHIVER_ERROR_BAD_STATE", "bad buffered item");
      if (decoded.type === "ParentSegmentHeader") a.buffer.push(decoded);
      else a.buffer.push({ type: decoded.type, bytes: decoded.bytes.slice(), objects });
    }
    return a;
  }

  /** Everything needed to resume exactly where this archiver is (persist it beside the last segment). */
  exportState(): Uint8Array {
    return ArchiverStateCodec.enc({
      version: 0,
      segmentIndex: this.segmentIndex,
      prevSegmentHeaderHash: this.prevSegmentHeaderHash,
      lastArchivedBlock: this.lastArchivedBlock,
      buffer: this.buffer.map((it) => ({ item: encodeSegmentItem(it), objects: "objects" in it ? (it.objects ?? []) : [] })),
    });
  }

  /** Number of the last (fully or partially) archived block, or null before the first one. */
  lastArchivedBlockNumber(): number | null {
    return sameLastArchived(this.lastArchivedBlock, INITIAL_LAST_ARCHIVED_BLOCK) ? null : this.lastArchivedBlock.number;
  }

  /** Encoded size of the next segment's contents buffered so far (version byte included). */
  pendingSegmentSize(): number {
    let n = EMPTY_SEGMENT_SIZE;
    for (const it of this.buffer) n += segmentItemEncodedSize(it);
    return n;
  }

  /** Index of the next segment to be produced. */
  nextSegmentIndex(): SegmentIndex {
    return this.segmentIndex;
  }

  /** Adds an encoded block and its object mapping; returns any segments completed by it. */
  addBlock(bytes: Uint8Array, objects: readonly BlockObject[] = []): ArchiveBlockOutcome {
    this.buffer.push({ type: "Block", bytes, objects: [...objects] });
    const archivedSegments: NewArchivedSegment[] = [];
    const objectMapping: GlobalObject[] = [];
    for (;;) {
      const segment = this.produceSegment();
      if (segment === null) break;
      objectMapping.push(...produceObjectMappings(this.segmentIndex, segment));
      archivedSegments.push(this.produceArchivedSegment(segment));
    }
    objectMapping.push(...produceObjectMappings(this.segmentIndex, this.buffer));
    return { archivedSegments, objectMapping };
  }

  private produceSegment(): BufferItem[] | null {
    const segment: BufferItem[] = [];
    let last = this.lastArchivedBlock;
    let size = EMPTY_SEGMENT_SIZE;
    const SIZE = RECORDED_HISTORY_SEGMENT_SIZE;

    while (size < SIZE - 2) {
      const item = this.buffer.shift();
      if (item === undefined) {
        // Not enough data yet: put everything back.
        this.buffer.unshift(...segment);
        return null;
      }
      const itemSize = segmentItemEncodedSize(item);
      size += itemSize;
      if (size >= SIZE) {
        const spillOver = size - SIZE;
        if (item.type === "ParentSegmentHeader" || item.type === "BlockStart") throw new Error("unreachable: header or block start overflows a segment");
        if (spillOver > item.bytes.length) {
          this.buffer.unshift(item);
          size -= itemSize;
          break;
        }
      }
      switch (item.type) {
        case "Block":
          if (!sameLastArchived(last, INITIAL_LAST_ARCHIVED_BLOCK)) last = { number: last.number + 1, archivedProgress: last.archivedProgress };
          last = { number: last.number, archivedProgress: ArchivedBlockProgress.COMPLETE };
          break;
        case "BlockContinuation": {
          const archived = ArchivedBlockProgress.partialBytes(last.archivedProgress);
          if (archived === null) throw new Error("unreachable: block continuation without partially archived block");
          last = { number: last.number, archivedProgress: ArchivedBlockProgress.partial(archived + item.bytes.length) };
          break;
        }
        default:
          break;
      }
      segment.push(item);
    }

    const spillOver = Math.max(0, size - SIZE);
    if (spillOver > 0) {
      const item = segment.pop()!;
      if (item.type !== "Block" && item.type !== "BlockContinuation") throw new Error("unreachable: only blocks spill over");
      const splitPoint = item.bytes.length - spillOver;
      const head = item.bytes.subarray(0, splitPoint);
      const tail = item.bytes.subarray(splitPoint);
      const headObjects: BlockObject[] = [];
      const tailObjects: BlockObject[] = [];
      for (const o of item.objects ?? []) {
        if (o.offset >= splitPoint) tailObjects.push({ hash: o.hash, offset: o.offset - splitPoint });
        else headObjects.push(o);
      }
      this.buffer.unshift({ type: "BlockContinuation", bytes: tail, objects: tailObjects });
      if (item.type === "Block") {
        last = { number: last.number, archivedProgress: ArchivedBlockProgress.partial(head.length) };
        segment.push({ type: "BlockStart", bytes: head, objects: headObjects });
      } else {
        const archived = ArchivedBlockProgress.partialBytes(last.archivedProgress)!;
        last = { number: last.number, archivedProgress: ArchivedBlockProgress.partial(archived - spillOver) };
        segment.push({ type: "BlockContinuation", bytes: head, objects: headObjects });
      }
    } else {
      last = { number: last.number, archivedProgress: ArchivedBlockProgress.COMPLETE };
    }
    this.lastArchivedBlock = last;
    return segment;
  }

  private produceArchivedSegment(segment: readonly BufferItem[]): NewArchivedSegment {
    const data = new Uint8Array(RECORDED_HISTORY_SEGMENT_SIZE);
    writeSegment(data, segment);
    const { pieces, segmentCommitment } = buildArchivedSegment(this.kzg, this.erasureCoding, data);
    const segmentHeader: SegmentHeader = {
      segmentIndex: this.segmentIndex,
      segmentCommitment,
      prevSegmentHeaderHash: this.prevSegmentHeaderHash,
      lastArchivedBlock: this.lastArchivedBlock,
    };
    this.segmentIndex += 1n;
    this.prevSegmentHeaderHash = segmentHeaderHash(segmentHeader);
    this.buffer.unshift({ type: "ParentSegmentHeader", header: segmentHeader });
    return { segmentHeader, pieces };
  }
}

function concatVersion(item: Uint8Array): Uint8Array {
  const out = new Uint8Array(item.length + 1);
  out.set(item, 1);
  return out;
}

/**
 * Global mappings for the objects of `items` placed in segment `segmentIndex`; the objects are
 * consumed (removed from the items) as the reference does.
 */
function produceObjectMappings(segmentIndex: SegmentIndex, items: readonly BufferItem[]): GlobalObject[] {
  const first = SegmentIndex.firstPieceIndex(segmentIndex);
  const out: GlobalObject[] = [];
  let base = EMPTY_SEGMENT_SIZE;
  for (const item of items) {
    if (item.type !== "ParentSegmentHeader" && item.objects !== undefined && item.objects.length > 0) {
      for (const o of item.objects) {
        const offsetInSegment = base + 1 + compactLen(item.bytes.length) + o.offset;
        const sourcePosition = Math.floor(offsetInSegment / RAW_RECORD_SIZE);
        if (sourcePosition >= NUM_RAW_RECORDS) throw new Error("unreachable: object beyond the segment");
        out.push({ hash: o.hash, pieceIndex: first + BigInt(2 * sourcePosition), offset: offsetInSegment % RAW_RECORD_SIZE });
      }
      item.objects = [];
    }
    base += segmentItemEncodedSize(item);
  }
  return out;
}

export class SegmentHeaderChainError extends Error {
  readonly code = "SEGMENT_HEADER_ERROR_NOT_CHAINED";
}

/**
 * Throws unless `next` directly follows `prev`: index + 1 and `prev_segment_header_hash` equal to
 * blake3(SCALE(prev)).
 */
export function checkSegmentHeaderChain(prev: SegmentHeader, next: SegmentHeader): void {
  if (next.segmentIndex !== prev.segmentIndex + 1n) {
    throw new SegmentHeaderChainError(`segment ${next.segmentIndex} does not follow segment ${prev.segmentIndex}`);
  }
  const h = segmentHeaderHash(prev);
  if (h.length !== next.prevSegmentHeaderHash.length || h.some((b, i) => b !== next.prevSegmentHeaderHash[i])) {
    throw new SegmentHeaderChainError(`segment ${next.segmentIndex} does not commit to the hash of segment ${prev.segmentIndex}`);
  }
}
