/**
 * Farmer votes (`sp-consensus-subspace/src/lib.rs` @72a5aa6f): `Vote::V0 { height, parent_hash,
 * slot, solution, proof_of_time, future_proof_of_time }` (enum byte 0, fields in that order) and
 * `SignedVote { vote, signature }`. A vote is signed (schnorrkel, context `subspace_reward`) over
 * `blake2_256(SCALE(vote))`.
 */
import { struct, u32, variant, mapped, type Ty } from "../../../codec/ty.ts";
import { AccountId32, H256 } from "../../../codec/substrate.ts";
import { blake2_256 } from "../../../crypto/hashing.ts";
import { PotOutputTy, RewardSignatureTy, SlotTy, solutionTy, type Solution } from "./types.ts";

/** `Vote::V0`. */
export interface Vote<R = Uint8Array> {
  /** Height the vote was made at (the block number it competes with). */
  height: number;
  /** Hash of the block the vote builds on. */
  parentHash: Uint8Array;
  slot: number;
  solution: Solution<R>;
  proofOfTime: Uint8Array;
  futureProofOfTime: Uint8Array;
}

/** `SignedVote { vote, signature }`. */
export interface SignedVote<R = Uint8Array> {
  vote: Vote<R>;
  signature: Uint8Array;
}

const cache = new WeakMap<Ty<any>, { vote: Ty<Vote<any>>; signed: Ty<SignedVote<any>> }>();

/** `Vote<Number = u32, Hash = H256, RewardAddress>` and `SignedVote<…>` for a reward-address type. */
export function voteTys<R>(rewardAddress: Ty<R>): { vote: Ty<Vote<R>>; signed: Ty<SignedVote<R>> } {
  let t = cache.get(rewardAddress);
  if (!t) {
    const params = [{ name: "Number", type: u32 }, { name: "Hash", type: H256 }, { name: "RewardAddress", type: rewardAddress }];
    const vote = mapped(
      variant<{ tag: "V0"; value: Vote<R> }>(
        {
          V0: {
            index: 0,
            fields: {
              height: { type: u32, typeName: "Number" },
              parentHash: { type: H256, typeName: "Hash" },
              slot: SlotTy,
              solution: { type: solutionTy(rewardAddress), typeName: "Solution<RewardAddress>" },
              proofOfTime: PotOutputTy,
              futureProofOfTime: PotOutputTy,
            },
          },
        },
        { path: ["sp_consensus_subspace", "Vote"], params },
      ),
      (v) => v.value,
      (v: Vote<R>) => ({ tag: "V0" as const, value: v }),
    );
    const signed = struct(
      { vote: { type: vote, typeName: "Vote<Number, Hash, RewardAddress>" }, signature: RewardSignatureTy },
      { path: ["sp_consensus_subspace", "SignedVote"], params },
    );
    t = { vote, signed } as any;
    cache.set(rewardAddress, t!);
  }
  return t as { vote: Ty<Vote<R>>; signed: Ty<SignedVote<R>> };
}

/** The runtime's vote types (reward address `AccountId32`). */
export const VoteTy: Ty<Vote> = voteTys(AccountId32).vote;
export const SignedVoteTy: Ty<SignedVote> = voteTys(AccountId32).signed;

/** `Vote::hash`: `blake2_256(SCALE(vote))`, the message of the vote's reward signature. */
export function voteHash<R>(vote: Vote<R>, rewardAddress: Ty<R> = AccountId32 as unknown as Ty<R>): Uint8Array {
  return blake2_256(voteTys(rewardAddress).vote.enc(vote));
}
