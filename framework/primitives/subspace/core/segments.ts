/**
 * Segment headers and history size (`crates/subspace-core-primitives/src/segments.rs`).
 */
import { Bytes, Enum, Struct, _void, enhanceCodec, u32, u64 } from "scale-ts";
import { blake3 } from "../../../crypto/index.ts";
import { exactView, fromHex, toHex } from "../../../codec/bytes.ts";
import { NUM_PIECES, SEGMENT_COMMITMENT_SIZE } from "../profile/index.ts";
import type { SegmentCommitment, SegmentIndex } from "./pieces.ts";

/** `BlockNumber` (u32). */
export type BlockNumber = number;

/** `ArchivedBlockProgress`: 0 `Complete`, 1 `Partial(u32)` (bytes of the block archived so far). */
export type ArchivedBlockProgress = { readonly type: "Complete" } | { readonly type: "Partial"; readonly bytes: number };

/** `LastArchivedBlock { number: u32, archived_progress }`. */
export interface LastArchivedBlock {
  readonly number: BlockNumber;
  readonly archivedProgress: ArchivedBlockProgress;
}

export const ArchivedBlockProgress = {
  COMPLETE: Object.freeze({ type: "Complete" }) as ArchivedBlockProgress,
  partial: (bytes: number): ArchivedBlockProgress => ({ type: "Partial", bytes }),
  /** Bytes archived so far, or null when complete. */
  partialBytes: (p: ArchivedBlockProgress): number | null => (p.type === "Partial" ? p.bytes : null),
};

/** `SegmentHeader::V0` (the only variant, index 0). */
export interface SegmentHeader {
  readonly segmentIndex: SegmentIndex;
  readonly segmentCommitment: SegmentCommitment;
  readonly prevSegmentHeaderHash: Uint8Array;
  readonly lastArchivedBlock: LastArchivedBlock;
}

const ArchivedBlockProgressScale = Enum({ Complete: _void, Partial: u32 });

export const ArchivedBlockProgressCodec = enhanceCodec(
  ArchivedBlockProgressScale,
  (p: ArchivedBlockProgress) =>
    p.type === "Complete" ? ({ tag: "Complete", value: undefined } as const) : ({ tag: "Partial", value: p.bytes } as const),
  (v): ArchivedBlockProgress => (v.tag === "Complete" ? ArchivedBlockProgress.COMPLETE : ArchivedBlockProgress.partial(v.value)),
);

export const LastArchivedBlockCodec = Struct({ number: u32, archivedProgress: ArchivedBlockProgressCodec });

const SegmentHeaderV0Scale = Struct({
  segmentIndex: u64,
  segmentCommitment: Bytes(SEGMENT_COMMITMENT_SIZE),
  prevSegmentHeaderHash: Bytes(32),
  lastArchivedBlock: LastArchivedBlockCodec,
});

/** SCALE codec of `SegmentHeader` (enum byte 0x00, then the V0 fields). */
export const SegmentHeaderCodec = enhanceCodec(
  Enum({ V0: SegmentHeaderV0Scale }),
  (h: SegmentHeader) => ({ tag: "V0" as const, value: h }),
  (v): SegmentHeader => v.value,
);

/** Encoded size of a segment header: 1 + 8 + 48 + 32 + 4 + (1 or 5). */
export function segmentHeaderEncodedSize(h: SegmentHeader): number {
  return 1 + 8 + SEGMENT_COMMITMENT_SIZE + 32 + 4 + (h.lastArchivedBlock.archivedProgress.type === "Complete" ? 1 : 5);
}

export const encodeSegmentHeader = (h: SegmentHeader): Uint8Array => SegmentHeaderCodec.enc(h);
export const decodeSegmentHeader = (bytes: Uint8Array): SegmentHeader => SegmentHeaderCodec.dec(exactView(bytes));

/** `SegmentHeader::hash` = blake3(SCALE(header)). */
export function segmentHeaderHash(h: SegmentHeader): Uint8Array {
  return blake3(encodeSegmentHeader(h));
}

/**
 * serde JSON of the reference: `{"v0": {segmentIndex, segmentCommitment, ...}}`, camelCase, byte
 * arrays as bare lowercase hex (the `hex` crate, no `0x`); `archivedProgress` is `"complete"` or `{"partial": n}`.
 */
export interface SegmentHeaderJson {
  v0: {
    segmentIndex: number;
    segmentCommitment: string;
    prevSegmentHeaderHash: string;
    lastArchivedBlock: { number: number; archivedProgress: "complete" | { partial: number } };
  };
}

export function segmentHeaderToJson(h: SegmentHeader): SegmentHeaderJson {
  const p = h.lastArchivedBlock.archivedProgress;
  return {
    v0: {
      segmentIndex: Number(h.segmentIndex),
      segmentCommitment: bareHex(h.segmentCommitment),
      prevSegmentHeaderHash: bareHex(h.prevSegmentHeaderHash),
      lastArchivedBlock: {
        number: h.lastArchivedBlock.number,
        archivedProgress: p.type === "Complete" ? "complete" : { partial: p.bytes },
      },
    },
  };
}

export function segmentHeaderFromJson(j: SegmentHeaderJson): SegmentHeader {
  const v = j.v0;
  const p = v.lastArchivedBlock.archivedProgress;
  return {
    segmentIndex: BigInt(v.segmentIndex),
    segmentCommitment: fromHex(v.segmentCommitment),
    prevSegmentHeaderHash: fromHex(v.prevSegmentHeaderHash),
    lastArchivedBlock: {
      number: v.lastArchivedBlock.number,
      archivedProgress: p === "complete" ? ArchivedBlockProgress.COMPLETE : ArchivedBlockProgress.partial(p.partial),
    },
  };
}

const bareHex = (b: Uint8Array): string => toHex(b).slice(2);

// ---- history size --------------------------------------------------------------------------

/** `HistorySize(NonZeroU64)`: number of archived segments (= last segment index + 1). */
export type HistorySize = bigint;

export const HistorySize = {
  ONE: 1n as HistorySize,
  fromSegmentIndex: (s: SegmentIndex): HistorySize => s + 1n,
  inPieces: (h: HistorySize): bigint => h * BigInt(NUM_PIECES),
  segmentIndex: (h: HistorySize): SegmentIndex => h - 1n,
  /** `sector_expiration_check`: history size + min sector lifetime. */
  sectorExpirationCheck: (h: HistorySize, minSectorLifetime: HistorySize): HistorySize => h + minSectorLifetime,
};
