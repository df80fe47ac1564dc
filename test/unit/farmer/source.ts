/**
 * A synthetic piece source for farm tests: piece i holds a deterministic record of canonical
 * scalars; with a KZG instance its commitment is real (so solutions verify without piece checks),
 * otherwise zero. Witnesses are zero (no segment commitments here).
 */
import { chachaKeystream } from "../../../framework/primitives/subspace/archiving/index.ts";
import { Piece } from "../../../framework/primitives/subspace/core/index.ts";
import type { Kzg } from "../../../framework/primitives/subspace/kzg/index.ts";
import { RECORD_NUM_CHUNKS, RECORD_SIZE } from "../../../framework/primitives/subspace/profile/index.ts";
import type { PlottingSource } from "../../../node/farmer/index.ts";

export const FARM_POS_K = 15;

export function syntheticRecord(pieceIndex: bigint): Uint8Array {
  const key = new Uint8Array(32);
  new DataView(key.buffer).setBigUint64(0, pieceIndex + 1000n, true);
  const record = new Uint8Array(RECORD_SIZE);
  chachaKeystream(key, record);
  for (let j = 0; j < RECORD_NUM_CHUNKS; j++) record[32 * j] = 0;
  return record;
}

export class SyntheticSource implements PlottingSource {
  readonly pieceSelection;
  readonly requested: bigint[] = [];
  private readonly commitments = new Map<bigint, Uint8Array>();

  constructor(
    public historySize: bigint,
    maxPiecesInSector: number,
    private readonly kzg?: Kzg,
  ) {
    this.pieceSelection = { maxPiecesInSector, recentSegments: 5n, recentHistoryFraction: [1n, 10n] as const };
  }

  async currentHistorySize(): Promise<bigint> {
    return this.historySize;
  }

  async getPiece(pieceIndex: bigint): Promise<Uint8Array> {
    this.requested.push(pieceIndex);
    const record = syntheticRecord(pieceIndex);
    let commitment = this.commitments.get(pieceIndex);
    if (commitment === undefined) {
      commitment = this.kzg ? this.kzg.commit(this.kzg.polyFromScalarBytes(record)) : new Uint8Array(48);
      this.commitments.set(pieceIndex, commitment);
    }
    return Piece.assemble(record, commitment, new Uint8Array(48));
  }
}
