/**
 * Byte formats of the node's archiver, shared by the service and its worker (kept import-light for
 * the worker): how a block is encoded for archiving, the messages between the service and the
 * worker, and the persisted layout in the chain database's aux column.
 */
import { Bytes, Struct, u8, u32, u64 } from "scale-ts";
import { concatBytes, equalBytes, exactView } from "../../framework/codec/bytes.ts";
import { encodeCompact, decodePrefix, compactU32 } from "../../framework/codec/ty.ts";

export { concatBytes } from "../../framework/codec/bytes.ts";

export const encodeCompactLength = (n: number): Uint8Array => encodeCompact(n);

const SUB_ENGINE = Uint8Array.from([0x53, 0x55, 0x42, 0x5f]);

/**
 * The canonical part of SCALE `Justifications` (`Vec<(ConsensusEngineId, Vec<u8>)>`): only the
 * `SUB_` entries, as the reference's `encode_block` keeps; undefined when none is left.
 */
export function canonicalJustifications(justifications: Uint8Array | undefined): Uint8Array | undefined {
  if (!justifications || justifications.length === 0) return undefined;
  const [n, start] = decodePrefix(compactU32, justifications);
  const kept: Uint8Array[] = [];
  let off = start;
  for (let i = 0; i < n; i++) {
    const [len, used] = decodePrefix(compactU32, justifications.subarray(off + 4));
    const end = off + 4 + used + len;
    if (end > justifications.length) throw new Error("truncated justifications");
    if (equalBytes(justifications.subarray(off, off + 4), SUB_ENGINE)) kept.push(justifications.subarray(off, end));
    off = end;
  }
  if (kept.length === 0) return undefined;
  return kept.length === n ? justifications : concatBytes(encodeCompact(kept.length), ...kept);
}

/**
 * SCALE `SignedBlock{block: {header, extrinsics}, justifications: Option<Justifications>}` as
 * archived (`sc-consensus-subspace` `encode_block` for a non-genesis block): `justifications` is
 * the stored SCALE `Justifications`, filtered to its `SUB_` entries.
 */
export function encodeSignedBlock(header: Uint8Array, extrinsics: Uint8Array[], justifications?: Uint8Array): Uint8Array {
  const j = canonicalJustifications(justifications);
  return concatBytes(header, encodeCompact(extrinsics.length), ...extrinsics, j ? concatBytes(Uint8Array.of(1), j) : Uint8Array.of(0));
}

// ---- service ↔ worker messages ----------------------------------------------------------------

/** `workerData.data` of the archiver worker. */
export interface ArchiverWorkerInit {
  /** A module whose export `kzgExport` is the `Kzg` to use instead of c-kzg (tests: a fast stand-in). */
  readonly kzgModule?: string;
  readonly kzgExport?: string;
}

export type ArchiverRequest =
  /** Archive the genesis block into segment 0; the worker's archiver continues from there. */
  | { readonly kind: "genesis"; readonly genesisHeader: Uint8Array; readonly stateRoot: Uint8Array }
  /** Continue from an exported archiver state. */
  | { readonly kind: "restore"; readonly state: Uint8Array }
  /** Add the next finalized block (`number` is for bookkeeping: blocks come strictly in order). */
  | { readonly kind: "block"; readonly number: number; readonly block: Uint8Array; readonly objects?: readonly { hash: Uint8Array; offset: number }[] }
  /** Export the archiver state as it is after every block sent so far. */
  | { readonly kind: "state" };

export interface ArchivedSegmentMessage {
  /** SCALE `SegmentHeader`. */
  readonly segmentHeader: Uint8Array;
  /** 256 pieces back to back. */
  readonly pieces: Uint8Array;
}

export type ArchiverReply =
  | { readonly kind: "genesis"; readonly segment: ArchivedSegmentMessage; readonly state: Uint8Array }
  | { readonly kind: "restored" }
  /** One per `block` request, in order; `state` (after this block) comes only with new segments. */
  | {
    readonly kind: "block"; readonly number: number; readonly segments: ArchivedSegmentMessage[]; readonly state?: Uint8Array;
    /** The block's objects mapped into history (`GlobalObject`s). */
    readonly objects: readonly { hash: Uint8Array; pieceIndex: bigint; offset: number }[];
  }
  | { readonly kind: "state"; readonly state: Uint8Array };

// ---- persisted layout (chain database, aux column) ---------------------------------------------

const AUX_PREFIX = "subspace-archiver/";
/** `subspace-archiver/state` → `PersistedArchiverState`. */
export const AUX_STATE_KEY = new TextEncoder().encode(`${AUX_PREFIX}state`);
const AUX_HEADER_PREFIX = new TextEncoder().encode(`${AUX_PREFIX}segment-header/`);

/** `subspace-archiver/segment-header/` ‖ u64 BE segment index → SCALE `SegmentHeader`. */
export function auxSegmentHeaderKey(segmentIndex: bigint): Uint8Array {
  const key = new Uint8Array(AUX_HEADER_PREFIX.length + 8);
  key.set(AUX_HEADER_PREFIX);
  new DataView(key.buffer).setBigUint64(AUX_HEADER_PREFIX.length, segmentIndex);
  return key;
}

/**
 * The archiver's resume point, written in the same transaction as the headers of the segments that
 * completed with it: the archiver state right after block `lastBlockNumber` (the block that
 * completed segment `segmentCount − 1`), so a restart re-feeds blocks `lastBlockNumber + 1…`.
 */
export interface PersistedArchiverState {
  readonly genesisHash: Uint8Array;
  /** Segment headers stored under `auxSegmentHeaderKey(0 … segmentCount − 1)`. */
  readonly segmentCount: bigint;
  readonly lastBlockNumber: number;
  readonly lastBlockHash: Uint8Array;
  /** `Archiver.exportState()` after that block. */
  readonly archiverState: Uint8Array;
}

const PersistedStateCodec = Struct({
  version: u8,
  genesisHash: Bytes(32),
  segmentCount: u64,
  lastBlockNumber: u32,
  lastBlockHash: Bytes(32),
  archiverState: Bytes(),
});

export const PERSISTED_STATE_VERSION = 1;

export function encodePersistedState(s: PersistedArchiverState): Uint8Array {
  return PersistedStateCodec.enc({ version: PERSISTED_STATE_VERSION, ...s });
}

export function decodePersistedState(bytes: Uint8Array): PersistedArchiverState {
  const { version, ...s } = PersistedStateCodec.dec(exactView(bytes));
  if (version !== PERSISTED_STATE_VERSION) throw new Error(`unknown persisted archiver state version ${version}`);
  return s;
}
