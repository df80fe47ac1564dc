/**
 * PoAS block authoring (`sc-consensus-subspace` slot worker), driven by the timekeeper:
 *
 *   slot T proven → global challenge → `SlotInfo` to farmers → solutions for T collected →
 *   when slot T + BLOCK_AUTHORING_DELAY is proven, a block for slot T is built with
 *   `PreRuntime(SUB_, PreDigest{slot T, solution, PoT(T), PoT(T + delay)})` → the farmer signs the
 *   pre-hash (reward signing, `subspace_reward` context) → `Seal(SUB_)` → import.
 *
 * Farmers are reached through `FarmerHub` (in-process farmers and the `subspace_*` RPC alike).
 */
import { EventEmitter } from "node:events";
import { u64 } from "../../framework/codec/ty.ts";
import { toHex, equalBytes } from "../../framework/codec/bytes.ts";
import { Header, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { blake2_256 } from "../../framework/crypto/index.ts";
import { sr25519VerifyWithContext, REWARD_SIGNING_CONTEXT } from "../../framework/crypto/schnorrkel.ts";
import { deriveGlobalChallenge, deriveGlobalRandomness } from "../../framework/primitives/subspace/pot/index.ts";
import {
  subspacePreDigestItem, subspaceSealItem, extractPreDigest, voteHash, type Vote, type SignedVote,
} from "../../framework/primitives/subspace/consensus/index.ts";
import type { Solution } from "../../framework/primitives/subspace/sectors/index.ts";
import type { Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { encodeSubspaceInherentData } from "../../pallets/subspace/subspace.ts";
import type { ConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import type { Client } from "../client/client.ts";
import type { TransactionPool } from "../txpool/index.ts";
import type { Logger } from "../service/logger.ts";
import type { PotSlotInfo } from "./timekeeper/index.ts";
import type { ArchiverService } from "./archiver.ts";
import { verifyBlockSolution } from "./blockVerifier.ts";
import { encodeJustifications } from "./potJustification.ts";

/** What farmers receive each slot (`subspace_slot_info`). */
export interface SlotInfo {
  slotNumber: number;
  globalChallenge: Uint8Array;
  solutionRange: bigint;
  votingSolutionRange: bigint;
}

export interface RewardSigningInfo {
  /** The block pre-hash (header hash without the seal). */
  hash: Uint8Array;
  publicKey: Uint8Array;
}

/** The meeting point of the slot worker and farmers (in-process or over RPC). */
export class FarmerHub extends EventEmitter<{ slotInfo: [SlotInfo]; rewardSigning: [RewardSigningInfo] }> {
  private readonly solutions = new Map<number, Solution[]>();
  private readonly signatures = new Map<string, (sig: Uint8Array | undefined) => void>();
  /** Slots whose info went out, so late or unsolicited solutions are refused. */
  private readonly open = new Set<number>();

  announce(info: SlotInfo): void {
    this.open.add(info.slotNumber);
    for (const s of this.open) if (s < info.slotNumber - 32) this.open.delete(s);
    this.emit("slotInfo", info);
  }

  /** `subspace_submitSolutionResponse`. Returns false when the slot is not open (ignored). */
  submitSolution(slotNumber: number, solution: Solution): boolean {
    if (!this.open.has(slotNumber)) return false;
    const list = this.solutions.get(slotNumber) ?? [];
    list.push(solution);
    this.solutions.set(slotNumber, list);
    return true;
  }

  takeSolutions(slotNumber: number): Solution[] {
    const s = this.solutions.get(slotNumber) ?? [];
    this.solutions.delete(slotNumber);
    for (const k of this.solutions.keys()) if (k < slotNumber - 32) this.solutions.delete(k);
    return s;
  }

  /** Asks farmers to sign `hash`; resolves with the signature or undefined after `timeoutMs`. */
  requestRewardSignature(info: RewardSigningInfo, timeoutMs: number): Promise<Uint8Array | undefined> {
    const key = toHex(info.hash);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.signatures.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.signatures.set(key, (sig) => {
        clearTimeout(timer);
        this.signatures.delete(key);
        resolve(sig);
      });
      this.emit("rewardSigning", info);
    });
  }

  /** `subspace_submitRewardSignature`. */
  submitRewardSignature(hash: Uint8Array, signature: Uint8Array | undefined): void {
    this.signatures.get(toHex(hash))?.(signature);
  }
}

export interface SlotWorkerOptions {
  blockAuthoringDelay: number;
  /** How long to wait for a reward signature (the reference waits 500 ms). */
  rewardSigningTimeoutMs: number;
  maxBuildMillis: number;
  /** The timekeeper's cache of recent slots (for slots proven before this worker started). */
  proofFor?: (slot: number) => PotSlotInfo | undefined;
}

export class SlotWorker {
  private readonly outputs = new Map<number, Uint8Array>();
  /** Recent slots' seeds and checkpoints, for blocks' PoT justifications. */
  private readonly proofs = new Map<number, PotSlotInfo>();
  private busy = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly client: Client,
    private readonly crt: ConsensusRuntime,
    private readonly pool: TransactionPool,
    private readonly hub: FarmerHub,
    private readonly archiver: ArchiverService,
    private readonly kzg: Kzg,
    private readonly opts: SlotWorkerOptions,
    private readonly log: Logger,
  ) {}

  /** The timekeeper's per-slot callback. */
  onSlot(info: PotSlotInfo): void {
    if (this.stopped) return;
    this.outputs.set(info.slot, info.output);
    this.proofs.set(info.slot, info);
    for (const s of this.outputs.keys()) if (s < info.slot - 256) this.outputs.delete(s);
    for (const s of this.proofs.keys()) if (s < info.slot - 256) this.proofs.delete(s);
    const ranges = this.solutionRanges();
    const globalChallenge = deriveGlobalChallenge(deriveGlobalRandomness(info.output), info.slot);
    this.hub.announce({ slotNumber: info.slot, globalChallenge, solutionRange: ranges.current, votingSolutionRange: ranges.voting });
    const claimSlot = info.slot - this.opts.blockAuthoringDelay;
    this.busy = this.busy.then(() => this.claim(claimSlot, info.output)).catch((e) => this.log.error("Slot worker failed", { error: (e as Error).message }));
  }

  private solutionRanges(): { current: bigint; voting: bigint } {
    const r = this.client.executor.read(this.client.stateAt(this.client.bestHash), () => this.crt.subspace.SolutionRanges.get());
    return { current: r.current, voting: r.votingCurrent };
  }

  /** Builds, signs, seals and imports a block for `slot` when a farmer solved it. */
  private async claim(slot: number, futureProofOfTime: Uint8Array): Promise<void> {
    if (this.stopped || slot < 1) return;
    const solutions = this.hub.takeSolutions(slot);
    if (solutions.length === 0) return;
    const proofOfTime = this.outputs.get(slot);
    if (!proofOfTime) return;
    const parentHash = this.client.bestHash;
    const parent = this.client.header(parentHash)!;
    if (extractPreDigest(parent.number, parent.digest.logs).slot >= slot) return;
    // As the reference: every solution is checked against the voting range; the first one within the
    // block range claims the block, those outside it become votes (none on top of genesis, whose
    // segment commitment is not on chain yet).
    const ranges = this.solutionRanges();
    const checkRange = ranges.voting > ranges.current ? ranges.voting : ranges.current;
    const known = (i: bigint) => this.archiver.segmentHeaders[Number(i)]?.segmentCommitment;
    let solution: Solution | undefined;
    const votes: Solution[] = [];
    for (const s of solutions) {
      const r = verifyBlockSolution(this.client, this.crt, this.kzg, parentHash, s, slot, proofOfTime, checkRange, known);
      if (!r.ok) {
        this.log.warn("Farmer solution rejected", { slot, reason: r.error });
        continue;
      }
      const blockQuality = r.distance <= ranges.current / 2n;
      if (solution === undefined && blockQuality) solution = s;
      // A second block-quality solution of the slot is not voted with: the runtime would refuse it
      // (`QualityTooHigh`), as it does when the voting range equals the block range.
      else if (parent.number > 0 && !blockQuality) votes.push(s);
    }
    for (const v of votes) await this.vote(parent, parentHash, slot, v, proofOfTime, futureProofOfTime);
    if (!solution) return;
    const preDigest = subspacePreDigestItem({ slot, solution: solution as any, potInfo: { proofOfTime, futureProofOfTime } });
    const ready = this.pool.ready();
    const data = new Map<string, Uint8Array>([
      ["timstap0", u64.enc(BigInt(Date.now()))],
      ["subspace", encodeSubspaceInherentData(this.segmentHeadersToStore(parentHash))],
    ]);
    const built = this.client.buildBlock(data, ready.map((t) => t.data), [preDigest], this.opts.maxBuildMillis);
    const preHash = built.hash;
    // PoT justification: checkpoints of every slot after the parent's future proof up to ours.
    const parentPre = extractPreDigest(parent.number, parent.digest.logs.filter((l) => l.tag !== "Seal"));
    const parentFutureSlot = parent.number === 0 ? 0 : parentPre.slot + this.opts.blockAuthoringDelay;
    const futureSlot = slot + this.opts.blockAuthoringDelay;
    const justified: PotSlotInfo[] = [];
    for (let s = parentFutureSlot + 1; s <= futureSlot; s++) {
      const p = this.proofs.get(s) ?? this.opts.proofFor?.(s);
      if (!p) break;
      justified.push(p);
    }
    // Without every slot's checkpoints (long gaps beyond the caches) the block goes without a justification.
    const complete = justified.length === futureSlot - parentFutureSlot;
    if (!complete) this.log.warn("PoT checkpoints of some slots are no longer cached; authoring without a justification", { slot });
    const justifications = complete ? encodeJustifications(justified[0]!.seed, justified.map((p) => p.checkpoints)) : undefined;
    const signature = await this.hub.requestRewardSignature({ hash: preHash, publicKey: solution.publicKey }, this.opts.rewardSigningTimeoutMs);
    if (!signature || !sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, signature, preHash, solution.publicKey)) {
      this.log.warn("No valid reward signature for the block; not authoring", { slot });
      return;
    }
    if (!equalBytes(this.client.bestHash, parentHash)) return; // the chain moved on while signing
    const header: HeaderValue = { ...built.header, digest: { logs: [...built.header.digest.logs, subspaceSealItem(signature)] } };
    const hash = blake2_256(Header.enc(header));
    const imported = this.client.importBlock(header, built.extrinsics, { ...built, header, hash }, justifications);
    const failed: string[] = [];
    built.results.forEach((r, i) => {
      if (r !== "exhausted" && !r.ok) failed.push(ready[i]!.hash);
    });
    if (failed.length) this.pool.remove(failed);
    this.log.info(`🔖 Pre-sealed block for proposal at #${header.number} (slot ${slot}); imported ${toHex(hash).slice(0, 10)}… with ${built.extrinsics.length} extrinsics`);
    const h = toHex(imported.hash);
    await this.pool.pruneForBlock({ hash: h, number: header.number }, built.extrinsics, undefined, { parentHash: toHex(parentHash) });
    await this.pool.revalidate({ hash: h, number: header.number });
  }

  /**
   * `create_vote`: a solution within the voting range but not the block range becomes a signed
   * `Subspace::vote` on top of `parent`, submitted to the transaction pool as an unsigned extrinsic
   * (the runtime validates it; block authors include it; pallet-rewards pays the voter).
   */
  private async vote(parent: HeaderValue, parentHash: Uint8Array, slot: number, solution: Solution, proofOfTime: Uint8Array, futureProofOfTime: Uint8Array): Promise<void> {
    const vote: Vote = { height: parent.number + 1, parentHash, slot, solution: solution as any, proofOfTime, futureProofOfTime };
    const hash = voteHash(vote);
    const signature = await this.hub.requestRewardSignature({ hash, publicKey: solution.publicKey }, this.opts.rewardSigningTimeoutMs);
    if (!signature || !sr25519VerifyWithContext(REWARD_SIGNING_CONTEXT, signature, hash, solution.publicKey)) {
      this.log.warn("No valid reward signature for a vote; not voting", { slot });
      return;
    }
    const signedVote: SignedVote = { vote, signature };
    const extrinsic = this.crt.runtime.encodeUnsigned({ tag: "Subspace", value: { tag: "vote", value: { signedVote } } } as any);
    try {
      await this.pool.submit("Local", extrinsic, toHex(parentHash));
      this.log.info(`🗳️  Claimed vote at slot ${slot} (height ${vote.height})`);
    } catch (e) {
      this.log.warn("Vote refused by the runtime", { slot, error: (e as Error).message });
    }
  }

  /** Segment headers the archiver produced that the chain does not hold yet (for the `subspace` inherent). */
  private segmentHeadersToStore(at: Uint8Array) {
    const stored = this.client.executor.read(this.client.stateAt(at), () => this.crt.subspace.SegmentCommitment.count());
    return this.archiver.segmentHeaders.filter((h) => h.segmentIndex >= BigInt(stored));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.busy;
  }
}
