/**
 * Subspace digests and votes against hand-computed layouts (field order from
 * `sp-consensus-subspace/src/{lib,digests}.rs` and `subspace-core-primitives/src/solutions.rs` @72a5aa6f)
 * and against polkadot-js's SCALE encoder given the reference's type definitions (an independent
 * encoder). The reference has no hex vectors for these types.
 */
import { expect } from "chai";
import { TypeRegistry } from "@polkadot/types";
import { blake2AsU8a, xxhashAsU8a } from "@polkadot/util-crypto";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import { concatBytes, fromHex, toHex } from "../../../framework/codec/bytes.ts";
import { struct, decodeAll } from "../../../framework/codec/ty.ts";
import { DigestItem } from "../../../framework/codec/substrate.ts";
import {
  PreDigestTy, ConsensusLogTy, SignedVoteTy, VoteTy, SegmentHeaderTy, voteHash, encodePreDigest, decodePreDigest,
  subspacePreDigestItem, subspaceSealItem, consensusLogItem, extractSubspaceDigestItems, extractPreDigest, findPreDigest,
  SubspaceDigestError, piecesToSolutionRange, solutionRangeToPieces, deriveNextSolutionRange, bidirectionalDistance,
  blockForkWeight, derivePotEntropy, votingSolutionRange, MAINNET_RECORD, SUBSPACE_ENGINE_ID,
  type ConsensusLog, type PreDigest, type Vote,
} from "../../../framework/primitives/subspace/consensus/index.ts";
import { encodeSegmentHeader } from "../../../framework/primitives/subspace/core/segments.ts";
import { segmentHeader } from "./mock.ts";

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);

function sampleSolution() {
  return {
    publicKey: fill(32, 0x01), rewardAddress: fill(32, 0x02), sectorIndex: 0x0304, historySize: 0x05n, pieceOffset: 0x0607,
    recordCommitment: fill(48, 0x08), recordWitness: fill(48, 0x09), chunk: fill(32, 0x0a), chunkWitness: fill(48, 0x0b), proofOfSpace: fill(160, 0x0c),
  };
}
const samplePreDigest = (): PreDigest => ({ slot: 0x1122334455, solution: sampleSolution(), potInfo: { proofOfTime: fill(16, 0x0d), futureProofOfTime: fill(16, 0x0e) } });

/** The reference's type definitions, for polkadot-js. */
const registry = new TypeRegistry();
registry.register(<any>{
  SubSolution: {
    publicKey: "[u8; 32]", rewardAddress: "AccountId32", sectorIndex: "u16", historySize: "u64", pieceOffset: "u16",
    recordCommitment: "[u8; 48]", recordWitness: "[u8; 48]", chunk: "[u8; 32]", chunkWitness: "[u8; 48]", proofOfSpace: "[u8; 160]",
  },
  SubPreDigestPotInfo: { _enum: { V0: { proofOfTime: "[u8; 16]", futureProofOfTime: "[u8; 16]" } } },
  SubPreDigest: { _enum: { V0: { slot: "u64", solution: "SubSolution", potInfo: "SubPreDigestPotInfo" } } },
  SubPotParametersChange: { slot: "u64", slotIterations: "u32", entropy: "[u8; 32]" },
  SubConsensusLog: {
    _enum: {
      PotSlotIterations: "u32", SolutionRange: "u64", PotParametersChange: "SubPotParametersChange", NextSolutionRange: "u64",
      SegmentCommitment: "(u64, [u8; 48])", EnableSolutionRangeAdjustmentAndOverride: "Option<u64>", RootPlotPublicKeyUpdate: "Option<[u8; 32]>",
    },
  },
  SubVote: { _enum: { V0: { height: "u32", parentHash: "H256", slot: "u64", solution: "SubSolution", proofOfTime: "[u8; 16]", futureProofOfTime: "[u8; 16]" } } },
  SubSignedVote: { vote: "SubVote", signature: "[u8; 64]" },
});
const pjs = (type: string, value: unknown) => registry.createType(type as any, value).toU8a();
const pjsSolution = (s: { historySize: bigint }) => ({ ...s, historySize: Number(s.historySize) });

describe("Subspace consensus digests (SCALE)", () => {
  it("PreDigest::V0: 454 bytes, hand-computed layout, equal to polkadot-js's encoding, and back", () => {
    const pd = samplePreDigest();
    const enc = encodePreDigest(pd);
    expect(enc.length).to.equal(454);
    const expected = concatBytes(
      Uint8Array.of(0x00), fromHex("0x5544332211000000"), // V0, slot u64 LE
      fill(32, 1), fill(32, 2), Uint8Array.of(0x04, 0x03), fromHex("0x0500000000000000"), Uint8Array.of(0x07, 0x06),
      fill(48, 8), fill(48, 9), fill(32, 10), fill(48, 11), fill(160, 12),
      Uint8Array.of(0x00), fill(16, 13), fill(16, 14), // PreDigestPotInfo::V0
    );
    expect(toHex(enc)).to.equal(toHex(expected));
    expect(toHex(enc)).to.equal(toHex(pjs("SubPreDigest", { V0: { slot: 0x1122334455, solution: pjsSolution(pd.solution), potInfo: { V0: pd.potInfo } } })));
    expect(decodePreDigest(enc)).to.deep.equal(pd);
    // Nested in a struct (scale-ts cursor sharing).
    const nest = struct({ a: PreDigestTy, b: PreDigestTy });
    expect(decodeAll(nest, nest.enc({ a: pd, b: pd }))).to.deep.equal({ a: pd, b: pd });
  });

  it("DigestItem::PreRuntime(SUB_, …) and Seal(SUB_, sig) wrap as Substrate's DigestItem (polkadot-js decodes them)", () => {
    const item = subspacePreDigestItem(samplePreDigest());
    const enc = DigestItem.enc(item);
    // 0x06 PreRuntime, engine "SUB_", compact(454) = 0x1907, payload.
    expect(toHex(enc.subarray(0, 7))).to.equal("0x065355425f1907");
    const decoded = registry.createType("DigestItem", enc) as any;
    expect(decoded.isPreRuntime).to.equal(true);
    expect(decoded.asPreRuntime[0].toU8a()).to.deep.equal(SUBSPACE_ENGINE_ID);
    const seal = DigestItem.enc(subspaceSealItem(fill(64, 0x99)));
    expect(toHex(seal.subarray(0, 7))).to.equal("0x055355425f0101");
    expect(seal.length).to.equal(7 + 64);
    expect((registry.createType("DigestItem", seal) as any).isSeal).to.equal(true);
  });

  it("ConsensusLog variants 0–6: hand-computed bytes, equal to polkadot-js, both ways", () => {
    const pk = fill(32, 0x77);
    const cases: [ConsensusLog, string, unknown][] = [
      [{ tag: "PotSlotIterations", value: 100_000_000 }, "0x0000e1f505", { PotSlotIterations: 100_000_000 }],
      [{ tag: "SolutionRange", value: 0x0102030405060708n }, "0x010807060504030201", { SolutionRange: "0x0102030405060708" }],
      [
        { tag: "PotParametersChange", value: { slot: 5, slotIterations: 16, entropy: fill(32, 0xaa) } },
        "0x02" + "0500000000000000" + "10000000" + "aa".repeat(32),
        { PotParametersChange: { slot: 5, slotIterations: 16, entropy: fill(32, 0xaa) } },
      ],
      [{ tag: "NextSolutionRange", value: 1n }, "0x030100000000000000", { NextSolutionRange: 1 }],
      [{ tag: "SegmentCommitment", value: [7n, fill(48, 0x11)] }, "0x04" + "0700000000000000" + "11".repeat(48), { SegmentCommitment: [7, fill(48, 0x11)] }],
      [{ tag: "EnableSolutionRangeAdjustmentAndOverride" }, "0x0500", { EnableSolutionRangeAdjustmentAndOverride: null }],
      [{ tag: "EnableSolutionRangeAdjustmentAndOverride", value: 2n }, "0x05010200000000000000", { EnableSolutionRangeAdjustmentAndOverride: 2 }],
      [{ tag: "RootPlotPublicKeyUpdate", value: pk }, "0x0601" + "77".repeat(32), { RootPlotPublicKeyUpdate: toHex(pk) }],
      [{ tag: "RootPlotPublicKeyUpdate" }, "0x0600", { RootPlotPublicKeyUpdate: null }],
    ];
    for (const [log, hex, pjsValue] of cases) {
      const enc = ConsensusLogTy.enc(log);
      expect(toHex(enc), log.tag).to.equal(hex);
      expect(toHex(enc), `${log.tag} (polkadot-js)`).to.equal(toHex(pjs("SubConsensusLog", pjsValue)));
      expect(decodeAll(ConsensusLogTy, enc), log.tag).to.deep.equal(log);
    }
    expect(toHex(DigestItem.enc(consensusLogItem(cases[1]![0])))).to.equal("0x045355425f24010807060504030201");
    expect(() => decodeAll(ConsensusLogTy, fromHex("0x0000000000"))).to.throw(/zero/);
    expect(() => decodeAll(ConsensusLogTy, fromHex("0x07"))).to.throw(/unknown variant/);
  });

  it("SegmentHeader: the Ty codec matches the core codec and carries the same values", () => {
    const h = segmentHeader(3n);
    expect(toHex(SegmentHeaderTy.enc(h))).to.equal(toHex(encodeSegmentHeader(h)));
    expect(decodeAll(SegmentHeaderTy, encodeSegmentHeader(h))).to.deep.equal(h);
    const partial = { ...h, lastArchivedBlock: { number: 9, archivedProgress: { type: "Partial" as const, bytes: 300 } } };
    expect(toHex(SegmentHeaderTy.enc(partial))).to.equal(toHex(encodeSegmentHeader(partial)));
    expect(decodeAll(SegmentHeaderTy, SegmentHeaderTy.enc(partial))).to.deep.equal(partial);
  });

  it("Vote::V0 and SignedVote: layout equal to polkadot-js; vote hash = blake2_256(SCALE(vote))", () => {
    const vote: Vote = { height: 7, parentHash: fill(32, 0x33), slot: 42, solution: sampleSolution(), proofOfTime: fill(16, 0x44), futureProofOfTime: fill(16, 0x55) };
    const enc = VoteTy.enc(vote);
    expect(toHex(enc.subarray(0, 1 + 4 + 32 + 8))).to.equal("0x00" + "07000000" + "33".repeat(32) + "2a00000000000000");
    expect(toHex(enc)).to.equal(toHex(pjs("SubVote", { V0: { ...vote, solution: pjsSolution(vote.solution) } })));
    const signed = { vote, signature: fill(64, 0x66) };
    expect(toHex(SignedVoteTy.enc(signed))).to.equal(toHex(concatBytes(enc, fill(64, 0x66))));
    expect(decodeAll(SignedVoteTy, SignedVoteTy.enc(signed))).to.deep.equal(signed);
    expect(toHex(voteHash(vote))).to.equal(toHex(blake2AsU8a(enc, 256)));
  });

  it("extraction: every SUB_ item collected; duplicates, a missing pre-digest and undecodable items rejected", () => {
    const pre = subspacePreDigestItem(samplePreDigest());
    const logs = [
      { tag: "PreRuntime" as const, value: [fromHex("0x61757261"), fromHex("0x00")] as [Uint8Array, Uint8Array] }, // other engines are ignored
      pre,
      consensusLogItem({ tag: "SolutionRange", value: 10n }),
      consensusLogItem({ tag: "PotSlotIterations", value: 16 }),
      consensusLogItem({ tag: "SegmentCommitment", value: [0n, fill(48, 1)] }),
      consensusLogItem({ tag: "SegmentCommitment", value: [1n, fill(48, 2)] }),
      consensusLogItem({ tag: "NextSolutionRange", value: 9n }),
      subspaceSealItem(fill(64, 3)),
    ];
    const items = extractSubspaceDigestItems(logs);
    expect(items.preDigest).to.deep.equal(samplePreDigest());
    expect(items.solutionRange).to.equal(10n);
    expect(items.potSlotIterations).to.equal(16);
    expect(items.nextSolutionRange).to.equal(9n);
    expect([...items.segmentCommitments.keys()]).to.deep.equal([0n, 1n]);
    expect(items.signature).to.deep.equal(fill(64, 3));
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(SubspaceDigestError);
        return `${(e as SubspaceDigestError).code}:${(e as SubspaceDigestError).digest}`;
      }
      return "ok";
    };
    expect(code(() => extractSubspaceDigestItems([...logs, pre]))).to.equal("DIGEST_ERROR_DUPLICATE:PreDigest");
    expect(code(() => extractSubspaceDigestItems([...logs, logs[4]!]))).to.equal("DIGEST_ERROR_DUPLICATE:SegmentCommitment");
    expect(code(() => extractSubspaceDigestItems([...logs, logs[2]!]))).to.equal("DIGEST_ERROR_DUPLICATE:SolutionRange");
    expect(code(() => extractSubspaceDigestItems(logs.slice(2)))).to.equal("DIGEST_ERROR_MISSING:PreDigest");
    expect(code(() => extractSubspaceDigestItems([pre, logs[3]!]))).to.equal("DIGEST_ERROR_MISSING:SolutionRange");
    expect(code(() => extractSubspaceDigestItems([{ tag: "PreRuntime", value: [SUBSPACE_ENGINE_ID, fromHex("0x0001")] }]))).to.equal("DIGEST_ERROR_FAILED_TO_DECODE:PreDigest");
    expect(findPreDigest([])).to.equal(undefined);
    expect(extractPreDigest(0, []).slot).to.equal(0);
    expect(() => extractPreDigest(1, [])).to.throw(/not found/);
  });
});

describe("Subspace solution-range math", () => {
  it("pieces_to_solution_range: the mainnet initial range (1000 pieces, 1/6) is 6,148,914,691,236,495; inverse round-trips", () => {
    expect(piecesToSolutionRange(1000n, [1n, 6n], MAINNET_RECORD)).to.equal(6_148_914_691_236_495n);
    // The reference's const_asserts: solution_range_to_pieces(pieces_to_solution_range(n, (1, 6))) == n for n = 1, 3, 5.
    for (const n of [1n, 3n, 5n]) expect(solutionRangeToPieces(piecesToSolutionRange(n, [1n, 6n], MAINNET_RECORD), [1n, 6n], MAINNET_RECORD)).to.equal(n);
    expect(() => piecesToSolutionRange(1n, [1n, 1n], MAINNET_RECORD)).to.throw(RangeError);
  });

  it("derive_next_solution_range: cur × era_slots × p.0 / era / p.1, clamped to [cur/4, cur×4] (hand-computed)", () => {
    const cur = 5_409_602_367_656_760n;
    // 4 blocks in 4 slots at probability 3/10: 3 × cur / 10.
    expect(deriveNextSolutionRange(0n, 4n, [3n, 10n], cur, 4n)).to.equal(1_622_880_710_297_028n);
    // Far too many slots: clamped at 4×; far too few: at ¼.
    expect(deriveNextSolutionRange(0n, 1000n, [3n, 10n], cur, 4n)).to.equal(cur * 4n);
    expect(deriveNextSolutionRange(10n, 10n, [3n, 10n], cur, 4n)).to.equal(cur / 4n);
    // Saturation at u64::MAX for a huge range.
    const max = (1n << 64n) - 1n;
    expect(deriveNextSolutionRange(0n, 8n, [1n, 1n], max, 4n)).to.equal(max);
    // Mainnet shape: 2016 blocks in 6 × 2016 slots at 1/6 keeps the range.
    expect(deriveNextSolutionRange(0n, 6n * 2016n, [1n, 6n], cur, 2016n)).to.equal(cur);
  });

  it("voting range, fork weight, bidirectional distance, PoT entropy", () => {
    expect(votingSolutionRange(10n, 9)).to.equal(100n);
    expect(votingSolutionRange((1n << 63n), 9)).to.equal((1n << 64n) - 1n);
    expect(blockForkWeight(0n)).to.equal((1n << 64n) - 1n);
    expect(bidirectionalDistance(5n, 3n)).to.equal(2n);
    expect(bidirectionalDistance(1n, (1n << 64n) - 1n)).to.equal(2n);
    const chunk = fill(32, 7);
    const pot = fill(16, 9);
    expect(toHex(derivePotEntropy(chunk, pot))).to.equal(toHex(nobleBlake3(concatBytes(chunk, pot))));
  });

  it("storage key of Subspace.SegmentCommitment(7): twox128 ‖ twox128 ‖ twox64(7 LE) ‖ 7 LE (polkadot-js xxhash)", async () => {
    const { newTestExt } = await import("./mock.ts");
    const ext = newTestExt();
    const le = fromHex("0x0700000000000000");
    const expected = concatBytes(xxhashAsU8a("Subspace", 128), xxhashAsU8a("SegmentCommitment", 128), xxhashAsU8a(le, 64), le);
    expect(toHex(ext.subspace.SegmentCommitment.key(7n))).to.equal(toHex(expected));
    expect(toHex(ext.subspace.SegmentCommitment.counter.key())).to.equal(toHex(concatBytes(xxhashAsU8a("Subspace", 128), xxhashAsU8a("CounterForSegmentCommitment", 128))));
  });
});
