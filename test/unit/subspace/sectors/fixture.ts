/**
 * A small plotted sector with real KZG data, shared by the sector and verification tests.
 *
 * History of 3 segments. For each piece the sector selects, a record of random canonical scalars
 * is committed with the real KZG backend; each touched segment gets a polynomial over 256 hashed
 * record commitments (the touched positions hold the real records' hashes, the others arbitrary
 * values) and its commitment, and every piece its witness: so the pieces pass `isPieceValid`
 * against their segment's commitment exactly as archived pieces do, at a fraction of the cost of
 * archiving whole segments. The PoS K is 15 (the profile's 20 costs seconds per table).
 */
import { chachaKeystream } from "../../../../framework/primitives/subspace/archiving/index.ts";
import { blake3_254HashToScalar, Piece, PieceIndex, scalarFromBytes } from "../../../../framework/primitives/subspace/core/index.ts";
import { getKzg, type Kzg } from "../../../../framework/primitives/subspace/kzg/index.ts";
import { PosTablesCache } from "../../../../framework/primitives/subspace/pos/index.ts";
import { NUM_PIECES, RECORD_NUM_CHUNKS, RECORD_SIZE } from "../../../../framework/primitives/subspace/profile/index.ts";
import {
  derivePieceIndex, plotSector, sectorIdFromPublicKey, type PieceSelection, type PlottedSector,
} from "../../../../framework/primitives/subspace/sectors/index.ts";

export const TEST_POS_K = 15;
export const HISTORY_SIZE = 3n;
export const PIECES_IN_SECTOR = 3;
export const SECTOR_INDEX = 5;
export const SELECTION: PieceSelection = { maxPiecesInSector: PIECES_IN_SECTOR, recentSegments: 5n, recentHistoryFraction: [1n, 10n] };
export const PUBLIC_KEY = Uint8Array.from({ length: 32 }, (_, i) => (7 * i + 11) & 0xff);
export const REWARD_ADDRESS = Uint8Array.from({ length: 32 }, (_, i) => (5 * i + 1) & 0xff);

export interface SectorFixture {
  readonly kzg: Kzg;
  readonly posCache: PosTablesCache;
  readonly pieces: Uint8Array[];
  readonly pieceIndexes: bigint[];
  /** Commitment per segment index touched by the sector. */
  readonly segmentCommitments: Map<bigint, Uint8Array>;
  readonly plotted: PlottedSector;
}

/** Deterministic random record of canonical scalars (`0x00 ‖ 31 bytes`, as source records hold). */
export function testRecord(seed: number): Uint8Array {
  const key = new Uint8Array(32);
  new DataView(key.buffer).setUint32(0, seed + 1, true);
  const record = new Uint8Array(RECORD_SIZE);
  chachaKeystream(key, record);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) record[32 * j] = 0;
  return record;
}

async function build(): Promise<SectorFixture> {
  const kzg = await getKzg();
  const posCache = new PosTablesCache();
  const id = sectorIdFromPublicKey(PUBLIC_KEY, SECTOR_INDEX, HISTORY_SIZE);
  const pieceIndexes = Array.from({ length: PIECES_IN_SECTOR }, (_, o) => derivePieceIndex(id, o, HISTORY_SIZE, SELECTION));
  const records = new Map<bigint, { record: Uint8Array; commitment: Uint8Array }>();
  for (const index of pieceIndexes) {
    if (records.has(index)) continue;
    const record = testRecord(Number(index));
    records.set(index, { record, commitment: kzg.commit(kzg.polyFromScalarBytes(record)) });
  }
  const segmentCommitments = new Map<bigint, Uint8Array>();
  const witnesses = new Map<bigint, Uint8Array>();
  for (const segment of new Set(pieceIndexes.map(PieceIndex.segmentIndex))) {
    const values = Array.from({ length: NUM_PIECES }, (_, position) => {
      const r = records.get(segment * BigInt(NUM_PIECES) + BigInt(position));
      return scalarFromBytes(blake3_254HashToScalar(r?.commitment ?? Uint8Array.of(position, Number(segment))));
    });
    const poly = kzg.poly(values);
    segmentCommitments.set(segment, kzg.commit(poly));
    for (const index of pieceIndexes) {
      if (PieceIndex.segmentIndex(index) === segment) witnesses.set(index, kzg.createWitness(poly, NUM_PIECES, PieceIndex.position(index)));
    }
  }
  const pieces = pieceIndexes.map((index) => Piece.assemble(records.get(index)!.record, records.get(index)!.commitment, witnesses.get(index)!));
  const plotted = plotSector({
    publicKey: PUBLIC_KEY,
    sectorIndex: SECTOR_INDEX,
    historySize: HISTORY_SIZE,
    pieces,
    posK: TEST_POS_K,
    posCache,
  });
  return { kzg, posCache, pieces, pieceIndexes, segmentCommitments, plotted };
}

let fixture: Promise<SectorFixture> | undefined;
/** Built once per test process. */
export const sectorFixture = (): Promise<SectorFixture> => (fixture ??= build());
