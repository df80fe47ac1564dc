/**
 * Mock runtime for pallet_subspace: System + Subspace, with the reference mock's parameters
 * (`crates/pallet-subspace/src/mock.rs` @72a5aa6f: slot probability 3/10, era 4 blocks, entropy
 * injection every 5 blocks looking back 2 intervals with a 4-slot delay, authoring delay 2) and
 * its `go_to_block` / `progress_to_block` helpers.
 */
import { u128 } from "../../../framework/codec/ty.ts";
import { blake2_256 } from "../../../framework/crypto/hashing.ts";
import type { DigestItem } from "../../../framework/codec/substrate.ts";
import { SubspacePallet, subspaceSystemPort, type SubspaceConfig, type SubspaceGenesisJson } from "../../../pallets/subspace/subspace.ts";
import type { SystemPallet } from "../../../pallets/system/system.ts";
import { subspacePreDigestItem, type PreDigest, type ConsensusVerifier, type Solution } from "../../../framework/primitives/subspace/consensus/index.ts";
import type { SegmentHeader } from "../../../framework/primitives/subspace/core/segments.ts";
import { ArchivedBlockProgress } from "../../../framework/primitives/subspace/core/segments.ts";
import { TestExt, testSystem, composeRuntime } from "../mock.ts";

const U64_MAX = (1n << 64n) - 1n;
/** Mainnet `Piece::SIZE`, which the reference mock's initial solution range is computed from. */
const MAINNET_PIECE_SIZE = 1_048_672n;
export const SLOT_PROBABILITY: [bigint, bigint] = [3n, 10n];
/** `u64::MAX / (1 GiB / Piece::SIZE) * 3 / 10` as in the reference mock. */
export const INITIAL_SOLUTION_RANGE = ((U64_MAX / ((1024n * 1024n * 1024n) / MAINNET_PIECE_SIZE)) * 3n) / 10n;

export const TEST_CONFIG: SubspaceConfig = {
  blockAuthoringDelay: 2,
  potEntropyInjectionInterval: 5,
  potEntropyInjectionLookbackDepth: 2,
  potEntropyInjectionDelay: 4,
  eraDuration: 4,
  initialSolutionRange: INITIAL_SOLUTION_RANGE,
  slotProbability: SLOT_PROBABILITY,
  confirmationDepthK: 10,
  recentSegments: 5n,
  recentHistoryFraction: [1n, 10n],
  minSectorLifetime: 4n,
  expectedVotesPerBlock: 9,
  maxPiecesInSector: 1,
  shouldAdjustSolutionRange: false,
  blockSlotCount: 6,
};

export type SubspaceExt = TestExt & { subspace: SubspacePallet; system: SystemPallet };

export function newTestExt(
  genesis: SubspaceGenesisJson = { enableRewardsAt: { Height: 1 }, allowAuthoringBy: "Anyone", potSlotIterations: 100_000_000 },
  config: Partial<SubspaceConfig> = {},
  verifier?: ConsensusVerifier,
): SubspaceExt {
  const system = testSystem({ ty: u128, default: 0n });
  const subspace = new SubspacePallet({ ...TEST_CONFIG, ...config }, subspaceSystemPort(system), verifier);
  const runtime = composeRuntime(system, [{ index: 2, pallet: subspace }]);
  const ext = new TestExt(runtime, system, () => {
    system.buildGenesis();
    subspace.buildGenesis(genesis);
  }) as SubspaceExt;
  ext.subspace = subspace;
  return ext;
}

export interface Farmer {
  publicKey: Uint8Array;
  rewardAddress: Uint8Array;
}
export const farmer = (n: number): Farmer => ({ publicKey: new Uint8Array(32).fill(0x40 + n), rewardAddress: new Uint8Array(32).fill(n) });

export function solutionOf(f: Farmer, over: Partial<Solution> = {}): Solution {
  return {
    publicKey: f.publicKey, rewardAddress: f.rewardAddress, sectorIndex: 0, historySize: 1n, pieceOffset: 0,
    recordCommitment: new Uint8Array(48), recordWitness: new Uint8Array(48), chunk: new Uint8Array(32),
    chunkWitness: new Uint8Array(48), proofOfSpace: new Uint8Array(160), ...over,
  };
}

/** The parent hash the mock gives block `n` (a stand-in for the real header hash). */
export const parentHashOf = (n: number): Uint8Array => blake2_256(Uint8Array.of(n & 0xff, n >> 8, 0x7a));

export interface BlockOpts {
  farmer?: Farmer;
  chunk?: Uint8Array;
  proofOfTime?: Uint8Array;
  /** Extra digest items before the pre-digest. */
  extraLogs?: DigestItem[];
}

/** `go_to_block`: finalizes the current block (Subspace only) and initializes `block` at `slot`. */
export function goToBlock(ext: SubspaceExt, block: number, slot: number, opts: BlockOpts = {}): PreDigest {
  const f = opts.farmer ?? farmer(1);
  const pre: PreDigest = {
    slot,
    solution: solutionOf(f, opts.chunk ? { chunk: opts.chunk } : {}),
    potInfo: { proofOfTime: opts.proofOfTime ?? new Uint8Array(16).fill(block & 0xff), futureProofOfTime: new Uint8Array(16) },
  };
  ext.execute(() => {
    ext.subspace.onFinalize(ext.system.blockNumber());
    ext.system.initialize(block, parentHashOf(block), [...(opts.extraLogs ?? []), subspacePreDigestItem(pre)]);
    ext.subspace.onInitialize(block);
  });
  return pre;
}

/** `progress_to_block`: one block per slot from the slot after the current one, up to block `n`. */
export function progressToBlock(ext: SubspaceExt, n: number, opts: BlockOpts = {}): void {
  let slot = ext.execute(() => ext.subspace.currentSlot()) + 1;
  // The mock starts at block 1 with no pre-digest yet (the reference's starts at 0): block 1 comes first.
  const started = ext.execute(() => ext.subspace.BlockSlots.get().length > 0);
  for (let b = started ? ext.execute(() => ext.system.blockNumber()) + 1 : 1; b <= n; b++, slot++) goToBlock(ext, b, slot, opts);
}

/** `create_segment_header`: a header with a commitment derived from the index. */
export function segmentHeader(index: bigint): SegmentHeader {
  return {
    segmentIndex: index,
    segmentCommitment: new Uint8Array(48).fill(Number(index % 200n) + 1),
    prevSegmentHeaderHash: new Uint8Array(32).fill(0x22),
    lastArchivedBlock: { number: Number(index) * 10, archivedProgress: ArchivedBlockProgress.COMPLETE },
  };
}
