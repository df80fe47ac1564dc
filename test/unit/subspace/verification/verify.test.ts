import { expect } from "chai";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import { TypeRegistry } from "@polkadot/types";
import { PieceIndex } from "../../../../framework/primitives/subspace/core/index.ts";
import { MAINNET_PROFILE } from "../../../../framework/primitives/subspace/profile/index.ts";
import {
  SOLUTION_SIZE, auditSector, decodeSolution, encodeSolution, proveAudit, publicKeyHash, solutionSize, type Solution,
} from "../../../../framework/primitives/subspace/sectors/index.ts";
import {
  bidirectionalDistance, blockForkWeight, keyWords, keyedHash32Head, piecesToSolutionRange, slotGlobalChallenge, solutionDistance,
  solutionPieceIndex, verifySolution, winningChunks, type PieceCheckParams, type VerifySolutionParams,
} from "../../../../framework/primitives/subspace/verification/index.ts";
import { HISTORY_SIZE, PUBLIC_KEY, REWARD_ADDRESS, SELECTION, TEST_POS_K, sectorFixture, type SectorFixture } from "../sectors/fixture.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const U64_MAX = (1n << 64n) - 1n;
const bytes = (n: number, f: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);
const le64 = (b: Uint8Array): bigint => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);

describe("solution distance", () => {
  it("keyed single-block BLAKE3 head equals @noble/hashes blake3 with key", () => {
    const key = bytes(32, (i) => 251 - 3 * i);
    const data = bytes(32 * 64, (i) => (i * i + 7 * i) >>> 2);
    const out = new Uint32Array(2);
    for (let c = 0; c < 64; c++) {
      keyedHash32Head(keyWords(key), data, 32 * c, out);
      const h = nobleBlake3(data.subarray(32 * c, 32 * c + 32), { key });
      expect((BigInt(out[1]!) << 32n) | BigInt(out[0]!), `chunk ${c}`).to.equal(le64(h));
    }
  });

  it("bidirectional distance wraps both ways", () => {
    expect(bidirectionalDistance(5n, 3n)).to.equal(2n);
    expect(bidirectionalDistance(3n, 5n)).to.equal(2n);
    expect(bidirectionalDistance(0n, U64_MAX)).to.equal(1n);
    expect(bidirectionalDistance(1n << 63n, 0n)).to.equal(1n << 63n);
  });

  it("winning chunks: exactly those within range / 2, sorted by distance", () => {
    const key = bytes(32, (i) => i + 100);
    const gc = bytes(32, (i) => 9 * i);
    const data = bytes(32 * 2000, (i) => (i * 2654435761) >>> 13);
    const range = U64_MAX / 20n;
    const expected: { chunkOffset: number; distance: bigint }[] = [];
    for (let c = 0; c < 2000; c++) {
      const d = bidirectionalDistance(le64(nobleBlake3(data.subarray(32 * c, 32 * c + 32), { key })), le64(gc));
      expect(solutionDistance(gc, data.subarray(32 * c, 32 * c + 32), key)).to.equal(d);
      if (d <= range / 2n) expected.push({ chunkOffset: c, distance: d });
    }
    expected.sort((a, b) => (a.distance < b.distance ? -1 : 1));
    expect(expected.length).to.be.within(50, 150);
    expect(winningChunks(data, gc, key, range)).to.deep.equal(expected);
  });

  it("pieces_to_solution_range(1000, (1, 6)) is the reference's mainnet initial range", () => {
    // subspace-consensus.md §2, from crates/subspace-core-primitives/src/solutions.rs.
    expect(piecesToSolutionRange(1000n, [1n, 6n], MAINNET_PROFILE)).to.equal(6_148_914_691_236_495n);
    // Ours: the same formula over 4,096 chunks and 8,192 s-buckets.
    expect(piecesToSolutionRange(1000n, [1n, 6n])).to.equal((((U64_MAX / 6n) / 4096n) * 8192n) / 1000n);
    expect(blockForkWeight(U64_MAX - 5n)).to.equal(5n);
  });
});

describe("Solution SCALE", () => {
  const solution: Solution = {
    publicKey: bytes(32, (i) => i),
    rewardAddress: bytes(32, (i) => 100 + i),
    sectorIndex: 0x0102,
    historySize: 0x0a0b0c0d0e0f1011n,
    pieceOffset: 0x0304,
    recordCommitment: bytes(48, (i) => 2 * i),
    recordWitness: bytes(48, (i) => 3 * i),
    chunk: bytes(32, (i) => 5 * i),
    chunkWitness: bytes(48, (i) => 7 * i),
    proofOfSpace: bytes(160, (i) => 11 * i),
  };

  it("is 412 bytes in the reference's field order (cross-checked with @polkadot/types)", () => {
    const enc = encodeSolution(solution);
    expect(SOLUTION_SIZE).to.equal(412);
    expect(enc.length).to.equal(412);
    const registry = new TypeRegistry();
    registry.register({
      Solution: {
        publicKey: "[u8; 32]", rewardAddress: "[u8; 32]", sectorIndex: "u16", historySize: "u64", pieceOffset: "u16",
        recordCommitment: "[u8; 48]", recordWitness: "[u8; 48]", chunk: "[u8; 32]", chunkWitness: "[u8; 48]", proofOfSpace: "[u8; 160]",
      },
    });
    const pjs = registry.createType("Solution", { ...solution, historySize: solution.historySize.toString() }).toU8a();
    expect(hex(enc)).to.equal(hex(pjs));
    expect(hex(enc.subarray(64, 76))).to.equal("020111100f0e0d0c0b0a0403");
    const back = decodeSolution(enc);
    expect(back.historySize).to.equal(solution.historySize);
    expect(hex(encodeSolution(back))).to.equal(hex(enc));
    expect(solutionSize(TEST_POS_K)).to.equal(372);
    expect(() => decodeSolution(enc.subarray(0, 411))).to.throw(RangeError);
    expect(() => encodeSolution({ ...solution, chunk: new Uint8Array(31) })).to.throw(RangeError);
  });
});

describe("verifySolution", function () {
  this.timeout(120_000);
  const pot = bytes(16, (i) => 200 - i);
  let f: SectorFixture;
  let solution: Solution;
  let slot: number;
  let pieceCheck: PieceCheckParams;
  let base: VerifySolutionParams;

  before(async () => {
    f = await sectorFixture();
    const { sector, metadata } = f.plotted;
    const read = (o: number, l: number) => sector.subarray(o, o + l);
    for (slot = 1; ; slot++) {
      const audit = auditSector(publicKeyHash(PUBLIC_KEY), slotGlobalChallenge(pot, slot), U64_MAX, metadata, read);
      if (audit === undefined) continue;
      const s = proveAudit({ publicKey: PUBLIC_KEY, rewardAddress: REWARD_ADDRESS, kzg: f.kzg, posK: TEST_POS_K, posCache: f.posCache }, audit, metadata, read);
      if (s.length > 0) {
        solution = s[0]!;
        break;
      }
    }
    const index = solutionPieceIndex(solution, SELECTION);
    expect(index).to.equal(f.pieceIndexes[solution.pieceOffset]);
    pieceCheck = {
      ...SELECTION,
      segmentCommitment: f.segmentCommitments.get(PieceIndex.segmentIndex(index))!,
      minSectorLifetime: 4n,
      currentHistorySize: HISTORY_SIZE,
      sectorExpirationCheckSegmentCommitment: bytes(48, (i) => i * 13),
    };
    base = { proofOfTime: pot, solutionRange: U64_MAX, posK: TEST_POS_K, pieceCheckParams: pieceCheck };
  });

  const code = (s: Solution, p: VerifySolutionParams, atSlot = slot): string => {
    const r = verifySolution(s, atSlot, p, f.kzg);
    return r.ok ? "ok" : r.error.code;
  };

  it("accepts the proved solution with and without piece checks", () => {
    expect(code(solution, base)).to.equal("ok");
    expect(code(solution, { ...base, pieceCheckParams: undefined })).to.equal("ok");
    expect(code(decodeSolution(encodeSolution(solution, TEST_POS_K), TEST_POS_K), base)).to.equal("ok");
  });

  it("distance: accepted at exactly range / 2, rejected one below", () => {
    const r = verifySolution(solution, slot, base, f.kzg);
    if (!r.ok) throw r.error;
    expect(code(solution, { ...base, solutionRange: 2n * r.distance })).to.equal("ok");
    expect(code(solution, { ...base, solutionRange: 2n * r.distance - 1n })).to.equal("SOLUTION_ERROR_OUTSIDE_SOLUTION_RANGE");
  });

  it("rejects each failure with its own error", () => {
    const flipped = solution.proofOfSpace.slice();
    flipped[17]! ^= 0x04;
    expect(code({ ...solution, proofOfSpace: flipped }, base), "proof bit").to.equal("SOLUTION_ERROR_INVALID_PROOF_OF_SPACE");
    expect(code(solution, base, slot + 1), "other slot").to.equal("SOLUTION_ERROR_INVALID_PROOF_OF_SPACE");
    expect(code({ ...solution, sectorIndex: solution.sectorIndex + 1 }, base), "sector index").to.equal("SOLUTION_ERROR_INVALID_PROOF_OF_SPACE");
    expect(code({ ...solution, historySize: HISTORY_SIZE - 1n }, base), "older history size").to.equal("SOLUTION_ERROR_INVALID_PROOF_OF_SPACE");
    expect(code({ ...solution, proofOfSpace: solution.proofOfSpace.subarray(1) }, base), "short proof").to.equal("SOLUTION_ERROR_MALFORMED");

    const nonCanonical = solution.chunk.slice();
    nonCanonical[0] = 0xff;
    expect(code({ ...solution, chunk: nonCanonical }, base), "non-scalar chunk").to.equal("SOLUTION_ERROR_INVALID_CHUNK");
    // A different (canonical) chunk or a different witness fails the same KZG opening, as in the reference.
    const otherChunk = solution.chunk.slice();
    otherChunk[31]! ^= 1;
    expect(code({ ...solution, chunk: otherChunk }, base), "wrong chunk").to.equal("SOLUTION_ERROR_INVALID_CHUNK_WITNESS");
    expect(code({ ...solution, chunkWitness: solution.recordWitness }, base), "wrong witness").to.equal("SOLUTION_ERROR_INVALID_CHUNK_WITNESS");
    expect(code({ ...solution, chunkWitness: new Uint8Array(48).fill(0x11) }, base), "garbage witness").to.equal("SOLUTION_ERROR_INVALID_CHUNK_WITNESS");
    expect(code({ ...solution, recordCommitment: f.pieces[(solution.pieceOffset + 1) % f.pieces.length]!.subarray(131_072, 131_120) }, base)).to.equal(
      solution.pieceOffset === (solution.pieceOffset + 1) % f.pieces.length ? "ok" : "SOLUTION_ERROR_INVALID_CHUNK_WITNESS",
    );

    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, currentHistorySize: HISTORY_SIZE - 2n } }), "future history").to.equal("SOLUTION_ERROR_FUTURE_HISTORY_SIZE");
    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, currentHistorySize: HISTORY_SIZE - 1n } }), "history + 1 allowed").to.equal("ok");
    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, maxPiecesInSector: solution.pieceOffset } }), "piece offset").to.equal("SOLUTION_ERROR_INVALID_PIECE_OFFSET");
    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, currentHistorySize: 100n } }), "expired").to.equal("SOLUTION_ERROR_SECTOR_EXPIRED");
    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, minSectorLifetime: U64_MAX - 1n } }), "overflow").to.equal("SOLUTION_ERROR_INVALID_HISTORY_SIZE");
    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, sectorExpirationCheckSegmentCommitment: undefined, currentHistorySize: 100n } }), "expiry unknown").to.equal("ok");

    const otherSegment = [...f.segmentCommitments.values()].find((c) => hex(c) !== hex(pieceCheck.segmentCommitment)) ?? new Uint8Array(48);
    expect(code(solution, { ...base, pieceCheckParams: { ...pieceCheck, segmentCommitment: otherSegment } }), "segment commitment").to.equal("SOLUTION_ERROR_INVALID_PIECE");
    expect(code({ ...solution, recordWitness: solution.chunkWitness }, base), "record witness").to.equal("SOLUTION_ERROR_INVALID_PIECE");
  });
});
