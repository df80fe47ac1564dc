import { toHex } from "../../../codec/bytes.ts";
/**
 * `Solution<RewardAddress>` (`crates/subspace-core-primitives/src/solutions.rs`), SCALE in field
 * order: public_key [32] ‖ reward_address [32] ‖ sector_index u16 ‖ history_size u64 ‖
 * piece_offset u16 ‖ record_commitment [48] ‖ record_witness [48] ‖ chunk [32] ‖
 * chunk_witness [48] ‖ proof_of_space [K·8].
 *
 * Sizes under our profile: every field keeps the reference's size (chunks stay 32-byte scalars,
 * commitments and witnesses 48-byte G1 points, the PoS proof K·8 = 160 bytes at K = 20), so a
 * solution with a 32-byte reward address is 412 bytes, as in the reference. A smaller PoS K (tests)
 * shortens only the proof: 120 bytes at K = 15 (372-byte solution).
 */
import { Bytes, Struct, u16, u64, type Codec } from "scale-ts";
import { exactView } from "../../../codec/bytes.ts";
import { DEFAULT_POS_K, proofSize } from "../pos/index.ts";
import { CHUNK_WITNESS_SIZE, RECORD_COMMITMENT_SIZE, RECORD_WITNESS_SIZE, SCALAR_FULL_BYTES } from "../profile/index.ts";

export interface Solution {
  /** sr25519 public key of the farmer. */
  readonly publicKey: Uint8Array;
  /** `AccountId32` in the runtime, the farmer's `PublicKey` over RPC: 32 bytes either way. */
  readonly rewardAddress: Uint8Array;
  readonly sectorIndex: number;
  readonly historySize: bigint;
  readonly pieceOffset: number;
  readonly recordCommitment: Uint8Array;
  readonly recordWitness: Uint8Array;
  /** The unmasked chunk (a canonical scalar). */
  readonly chunk: Uint8Array;
  readonly chunkWitness: Uint8Array;
  readonly proofOfSpace: Uint8Array;
}

const codecs = new Map<number, Codec<Solution>>();

/** The SCALE codec of `Solution` with a K-bit PoS proof (K·8 bytes). */
export function solutionCodec(posK: number = DEFAULT_POS_K): Codec<Solution> {
  let c = codecs.get(posK);
  if (c === undefined) {
    const inner = Struct({
      publicKey: Bytes(32),
      rewardAddress: Bytes(32),
      sectorIndex: u16,
      historySize: u64,
      pieceOffset: u16,
      recordCommitment: Bytes(RECORD_COMMITMENT_SIZE),
      recordWitness: Bytes(RECORD_WITNESS_SIZE),
      chunk: Bytes(SCALAR_FULL_BYTES),
      chunkWitness: Bytes(CHUNK_WITNESS_SIZE),
      proofOfSpace: Bytes(proofSize(posK)),
    });
    c = inner as unknown as Codec<Solution>;
    codecs.set(posK, c);
  }
  return c;
}

/** Encoded size of a solution with a 32-byte reward address (412 at K = 20). */
export const solutionSize = (posK: number = DEFAULT_POS_K): number =>
  32 + 32 + 2 + 8 + 2 + RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE + SCALAR_FULL_BYTES + CHUNK_WITNESS_SIZE + proofSize(posK);

export const SOLUTION_SIZE = solutionSize();

export const encodeSolution = (s: Solution, posK: number = DEFAULT_POS_K): Uint8Array => {
  checkSolutionSizes(s, posK);
  return solutionCodec(posK).enc(s);
};

export function decodeSolution(bytes: Uint8Array, posK: number = DEFAULT_POS_K): Solution {
  if (bytes.length !== solutionSize(posK)) throw new RangeError(`solution must be ${solutionSize(posK)} bytes, got ${bytes.length}`);
  return solutionCodec(posK).dec(exactView(bytes));
}

function checkSolutionSizes(s: Solution, posK: number): void {
  const want: [keyof Solution, number][] = [
    ["publicKey", 32], ["rewardAddress", 32], ["recordCommitment", RECORD_COMMITMENT_SIZE], ["recordWitness", RECORD_WITNESS_SIZE],
    ["chunk", SCALAR_FULL_BYTES], ["chunkWitness", CHUNK_WITNESS_SIZE], ["proofOfSpace", proofSize(posK)],
  ];
  for (const [field, size] of want) {
    const v = s[field] as Uint8Array;
    if (v.length !== size) throw new RangeError(`solution ${field} must be ${size} bytes, got ${v.length}`);
  }
}

/** The farmer RPC's JSON of a solution (`subspace-rpc-primitives`: camelCase, 0x-hex bytes). */
export const solutionToJson = (s: Solution) => ({
  publicKey: toHex(s.publicKey),
  rewardAddress: toHex(s.rewardAddress),
  sectorIndex: s.sectorIndex,
  historySize: Number(s.historySize),
  pieceOffset: s.pieceOffset,
  recordCommitment: toHex(s.recordCommitment),
  recordWitness: toHex(s.recordWitness),
  chunk: toHex(s.chunk),
  chunkWitness: toHex(s.chunkWitness),
  proofOfSpace: toHex(s.proofOfSpace),
});
