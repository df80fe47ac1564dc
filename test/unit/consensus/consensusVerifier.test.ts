/**
 * The node side of the runtime's consensus port: a slot's PoT output read from the chain (block
 * pre-digests and PoT justifications) when the timekeeper does not have it, and what the verifier
 * answers with it.
 */
import { expect } from "chai";
import type { Header } from "../../../framework/codec/substrate.ts";
import { genesisSolution, subspacePreDigestItem } from "../../../framework/primitives/subspace/consensus/index.ts";
import { nodeConsensusVerifier, potOutputOnChain } from "../../../node/consensus/consensusVerifier.ts";
import { encodeJustifications } from "../../../node/consensus/potJustification.ts";

const key = new Uint8Array(32).fill(1);
/** A distinct 16-byte value per (slot, checkpoint). */
const cp = (slot: number, i: number) => new Uint8Array(16).fill(slot * 8 + i);
const checkpointsOf = (slot: number) => Array.from({ length: 8 }, (_, i) => cp(slot, i));
const outputOf = (slot: number) => cp(slot, 7);

/** Genesis ← block 1 (slot 5, future 9, justifies 1..9) ← block 2 (slot 8, future 12, justifies 10..12). */
function chain() {
  const hashes = [new Uint8Array(32).fill(0), new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
  const block = (number: number, slot: number, justified: number[]): { header: Header; justifications: Uint8Array } => ({
    header: {
      parentHash: hashes[number - 1]!, number, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32),
      digest: { logs: [subspacePreDigestItem({ slot, solution: genesisSolution(key, key), potInfo: { proofOfTime: outputOf(slot), futureProofOfTime: outputOf(slot + 4) } })] },
    },
    justifications: encodeJustifications(new Uint8Array(16), justified.map(checkpointsOf) as any),
  });
  const blocks = new Map<string, { header: Header; justifications?: Uint8Array }>([
    [hashes[0]!.join(), { header: { parentHash: new Uint8Array(32), number: 0, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32), digest: { logs: [] } } }],
    [hashes[1]!.join(), block(1, 5, [1, 2, 3, 4, 5, 6, 7, 8, 9])],
    [hashes[2]!.join(), block(2, 8, [10, 11, 12])],
  ]);
  const client = {
    header: (h: Uint8Array) => blocks.get(h.join())?.header,
    justifications: (h: Uint8Array) => blocks.get(h.join())?.justifications,
  };
  return { client: client as any, tip: hashes[2]! };
}

describe("node consensus verifier: PoT outputs from the chain", () => {
  it("finds a slot's output in the pre-digests and justifications along the fork", () => {
    const { client, tip } = chain();
    for (const slot of [12, 11, 10, 9, 8, 7, 1]) expect(potOutputOnChain(client, tip, slot, 4), `slot ${slot}`).to.deep.equal(outputOf(slot));
    for (const slot of [13, 100]) expect(potOutputOnChain(client, tip, slot, 4), `slot ${slot}`).to.equal(undefined);
  });

  it("accepts a proof of time only when it is the one on the chain (or the timekeeper's)", () => {
    const { client, tip } = chain();
    const v = nodeConsensusVerifier({ client, kzg: undefined as any, blockAuthoringDelay: 4 });
    expect(v.isProofOfTimeValid(tip, 11, outputOf(11), true)).to.equal(true);
    expect(v.isProofOfTimeValid(tip, 11, outputOf(10), true)).to.equal(false);
    expect(v.isProofOfTimeValid(tip, 13, outputOf(13), true)).to.equal(false);
    const withTimekeeper = nodeConsensusVerifier({ client, kzg: undefined as any, blockAuthoringDelay: 4, knownOutput: (s) => (s === 13 ? outputOf(13) : undefined) });
    expect(withTimekeeper.isProofOfTimeValid(tip, 13, outputOf(13), true)).to.equal(true);
  });
});
