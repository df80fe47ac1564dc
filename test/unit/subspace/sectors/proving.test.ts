/**
 * The bytes proving path (`readRecordChunkBytes` → `recoverSourceBytes` → `polyFromScalarBytes`)
 * against the bigint path it replaces and against the plotted records themselves, and its
 * behaviour on tampered chunks.
 */
import { expect } from "chai";
import { InvalidScalarError, scalarFromBytes } from "../../../../framework/primitives/subspace/core/index.ts";
import { createTables, isProofValid, findProof } from "../../../../framework/primitives/subspace/pos/index.ts";
import { findProofInto } from "../../../../framework/primitives/subspace/pos/tables.ts";
import { proofSize } from "../../../../framework/primitives/subspace/pos/constants.ts";
import { RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, RECORD_SIZE } from "../../../../framework/primitives/subspace/profile/index.ts";
import {
  ProvingError, RecoveryError, SectorContentsMap, auditSector, contentsMapSize, evaluationSeed, extendRecord, proveRecord, proveWinningChunk,
  publicKeyHash, readRecordChunkBytes, readRecordChunks, recoverSourceBytes, recoverSourceValues, sBucketOffsets, winningChunksOf,
  type ProvedRecord, type SectorReader,
} from "../../../../framework/primitives/subspace/sectors/index.ts";
import { slotGlobalChallenge, verifySolution } from "../../../../framework/primitives/subspace/verification/index.ts";
import { PIECES_IN_SECTOR, PUBLIC_KEY, REWARD_ADDRESS, TEST_POS_K, sectorFixture } from "./fixture.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const U64_MAX = (1n << 64n) - 1n;
const readerOf = (sector: Uint8Array): SectorReader => (o, l) => sector.subarray(o, o + l);

/** Sector offset of record `pieceOffset`'s chunk at s-bucket `s` (the sector keeps one there). */
function chunkOffset(map: SectorContentsMap, sBucketSizes: Uint16Array, pieceOffset: number, s: number): number {
  const offsets = sBucketOffsets(sBucketSizes);
  let before = 0;
  for (let q = 0; q < pieceOffset; q++) if (map.recordChunkStates(q)[s]! >= 0) before++;
  return contentsMapSize(PIECES_IN_SECTOR) + 32 * (offsets[s]! + before);
}

describe("proving in bytes", function () {
  this.timeout(60_000);

  it("findProofInto fills a caller's buffer with findProof's proofs, which verify (K=15)", async () => {
    const seed = new Uint8Array(32).fill(21);
    const tables = createTables(seed, TEST_POS_K);
    const buf = new Uint8Array(proofSize(TEST_POS_K)).fill(0xaa);
    let found = 0;
    for (let s = 0; s < 512; s++) {
      const proof = findProof(tables, s);
      expect(findProofInto(tables, s, buf), `s ${s}`).to.equal(proof !== undefined);
      if (proof === undefined) continue;
      found++;
      expect(hex(buf)).to.equal(hex(proof));
      expect(isProofValid(seed, s, buf, TEST_POS_K), `s ${s}`).to.equal(true);
    }
    expect(found).to.be.greaterThan(100);
    expect(() => findProofInto(tables, [...Array(512).keys()].find((s) => findProof(tables, s) !== undefined)!, new Uint8Array(8))).to.throw(RangeError);
  });

  it("reads, recovers and commits every record of a plotted sector as the bigint path and the original records do", async () => {
    const { plotted, pieces, kzg, posCache } = await sectorFixture();
    const map = SectorContentsMap.fromBytes(plotted.sector.subarray(0, contentsMapSize(PIECES_IN_SECTOR)), PIECES_IN_SECTOR);
    for (let pieceOffset = 0; pieceOffset < PIECES_IN_SECTOR; pieceOffset++) {
      const record = pieces[pieceOffset]!.subarray(0, RECORD_SIZE);
      const extended = extendRecord(record);
      const tables = createTables(evaluationSeed(plotted.sectorId, pieceOffset), TEST_POS_K, posCache);
      let reads = 0;
      const counting: SectorReader = (o, l) => {
        reads++;
        return plotted.sector.subarray(o, o + l);
      };
      const chunks = readRecordChunkBytes(pieceOffset, plotted.metadata, map, tables, counting);
      // A 3-record sector keeps its chunks close together: one merged read covers them.
      expect(reads, `record ${pieceOffset}`).to.equal(1);
      let perChunkReads = 0;
      const unmerged = readRecordChunkBytes(pieceOffset, plotted.metadata, map, tables, (o, l) => {
        perChunkReads++;
        return plotted.sector.subarray(o, o + l);
      }, -1);
      expect(perChunkReads).to.equal(RECORD_NUM_CHUNKS);
      expect(hex(unmerged.bytes)).to.equal(hex(chunks.bytes));
      const values = readRecordChunks(pieceOffset, plotted.metadata, map, tables, readerOf(plotted.sector));
      let kept = 0;
      for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
        const at = 32 * s;
        if (chunks.present[s]) {
          kept++;
          expect(values[s], `s-bucket ${s}`).to.equal(scalarFromBytes(chunks.bytes, at));
          expect(hex(chunks.bytes.subarray(at, at + 32)), `s-bucket ${s}`).to.equal(hex(extended.subarray(at, at + 32)));
        } else {
          expect(values[s]).to.equal(null);
          expect(chunks.bytes.subarray(at, at + 32).every((b) => b === 0)).to.equal(true);
        }
      }
      expect(kept).to.equal(RECORD_NUM_CHUNKS);
      const source = recoverSourceBytes(chunks.bytes, chunks.present);
      expect(hex(source)).to.equal(hex(record));
      expect(recoverSourceValues(values)).to.deep.equal(Array.from({ length: RECORD_NUM_CHUNKS }, (_, j) => scalarFromBytes(source, 32 * j)));
      const cache = new Map<string, ProvedRecord>();
      const proved = proveRecord({ publicKey: PUBLIC_KEY, rewardAddress: REWARD_ADDRESS, kzg, posK: TEST_POS_K, posCache, recordCache: cache }, plotted.sectorId, pieceOffset, plotted.metadata, map, readerOf(plotted.sector));
      expect(hex(kzg.commit(proved.polynomial))).to.equal(hex(pieces[pieceOffset]!.subarray(RECORD_SIZE, RECORD_SIZE + 48)));
      expect(hex(proved.chunks.bytes)).to.equal(hex(chunks.bytes));
      expect(cache.size).to.equal(1);
    }
  });

  it("recoverSourceBytes: any half, more than half (consistency checked), all, and its errors", async () => {
    const { pieces } = await sectorFixture();
    const record = pieces[1]!.subarray(0, RECORD_SIZE);
    const extended = extendRecord(record);
    const pick = (keep: (s: number) => boolean): { bytes: Uint8Array; present: Uint8Array } => {
      const bytes = extended.slice();
      const present = new Uint8Array(RECORD_NUM_S_BUCKETS);
      for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
        if (keep(s)) present[s] = 1;
        else bytes.fill(0xff, 32 * s, 32 * s + 32); // absent shards' bytes are ignored, even non-canonical ones
      }
      return { bytes, present };
    };
    for (const keep of [(s: number) => s % 2 === 1, (s: number) => (s * 37) % 8192 < 4096, (s: number) => s % 5 !== 0, () => true]) {
      const { bytes, present } = pick(keep);
      expect(hex(recoverSourceBytes(bytes, present))).to.equal(hex(record));
    }
    // More than half present: a tampered (still canonical) shard is caught.
    const over = pick((s) => s % 5 !== 0);
    over.bytes[32 * 7 + 31]! ^= 1;
    expect(() => recoverSourceBytes(over.bytes, over.present)).to.throw(RecoveryError).with.property("code", "RECOVERY_ERROR_INCONSISTENT");
    const few = pick((s) => s < 4095);
    expect(() => recoverSourceBytes(few.bytes, few.present)).to.throw(RecoveryError).with.property("code", "RECOVERY_ERROR_NOT_ENOUGH_SHARDS");
    const bad = pick((s) => s % 2 === 0);
    bad.bytes.fill(0xff, 64, 96);
    expect(() => recoverSourceBytes(bad.bytes, bad.present)).to.throw(InvalidScalarError);
    expect(() => recoverSourceBytes(bad.bytes.subarray(32), bad.present)).to.throw(RecoveryError).with.property("code", "RECOVERY_ERROR_SIZE");
  });

  it("a tampered encoded chunk: not a scalar after unmasking → PROVING_ERROR_INVALID_CHUNK; a scalar → a solution that fails verification", async () => {
    const f = await sectorFixture();
    const { plotted } = f;
    const map = SectorContentsMap.fromBytes(plotted.sector.subarray(0, contentsMapSize(PIECES_IN_SECTOR)), PIECES_IN_SECTOR);
    const pieceOffset = 1;
    const tables = createTables(evaluationSeed(plotted.sectorId, pieceOffset), TEST_POS_K, f.posCache);
    const states = map.recordChunkStates(pieceOffset);
    const s = [...Array(RECORD_NUM_S_BUCKETS).keys()].find((x) => states[x] === 1 && x > 100)!;
    const at = chunkOffset(map, plotted.metadata.sBucketSizes, pieceOffset, s);
    const clean = readRecordChunkBytes(pieceOffset, plotted.metadata, map, tables, readerOf(plotted.sector));

    // Unmasked top byte 0xff: above the modulus, both paths refuse the chunk.
    const notScalar = plotted.sector.slice();
    notScalar[at]! ^= clean.bytes[32 * s]! ^ 0xff;
    for (const run of [
      () => readRecordChunkBytes(pieceOffset, plotted.metadata, map, tables, readerOf(notScalar)),
      () => readRecordChunks(pieceOffset, plotted.metadata, map, tables, readerOf(notScalar)),
    ]) {
      expect(run).to.throw(ProvingError).with.property("code", "PROVING_ERROR_INVALID_CHUNK");
    }

    // Wrong tables: the encoded chunks unmask to garbage or lack proofs; both paths fail alike.
    const wrong = createTables(evaluationSeed(plotted.sectorId, pieceOffset + 1), TEST_POS_K, f.posCache);
    const codeOf = (run: () => unknown): string => {
      try {
        run();
      } catch (e) {
        return (e as ProvingError).code;
      }
      return "none";
    };
    const wrongCode = codeOf(() => readRecordChunkBytes(pieceOffset, plotted.metadata, map, wrong, readerOf(plotted.sector)));
    expect(["PROVING_ERROR_INVALID_CHUNK", "PROVING_ERROR_MISSING_POS_PROOF"]).to.include(wrongCode);
    expect(codeOf(() => readRecordChunks(pieceOffset, plotted.metadata, map, wrong, readerOf(plotted.sector)))).to.equal(wrongCode);

    // Still a scalar: exactly half the shards are kept, so recovery cannot tell; the recovered
    // record is another one, and a solution from it fails the chunk witness check.
    const flipped = plotted.sector.slice();
    flipped[at + 31]! ^= 1;
    const bad = readRecordChunkBytes(pieceOffset, plotted.metadata, map, tables, readerOf(flipped));
    const badSource = recoverSourceBytes(bad.bytes, bad.present);
    expect(hex(badSource)).to.not.equal(hex(f.pieces[pieceOffset]!.subarray(0, RECORD_SIZE)));
    const badValues = readRecordChunks(pieceOffset, plotted.metadata, map, tables, readerOf(flipped));
    expect(recoverSourceValues(badValues)).to.deep.equal(Array.from({ length: RECORD_NUM_CHUNKS }, (_, j) => scalarFromBytes(badSource, 32 * j)));
    const pot = Uint8Array.from({ length: 16 }, (_, i) => i + 40);
    let checked = 0;
    for (let slot = 1; slot <= 40 && checked === 0; slot++) {
      const audit = auditSector(publicKeyHash(PUBLIC_KEY), slotGlobalChallenge(pot, slot), U64_MAX, plotted.metadata, readerOf(flipped));
      if (audit === undefined) continue;
      const w = winningChunksOf(audit, map).find((c) => c.pieceOffset === pieceOffset && audit.sBucket !== s);
      if (w === undefined) continue;
      const o = { publicKey: PUBLIC_KEY, rewardAddress: REWARD_ADDRESS, kzg: f.kzg, posK: TEST_POS_K, posCache: f.posCache };
      const good = proveWinningChunk(o, audit, plotted.metadata, map, readerOf(plotted.sector), w);
      expect(verifySolution(good, slot, { proofOfTime: pot, solutionRange: U64_MAX, posK: TEST_POS_K }, f.kzg).ok).to.equal(true);
      const solution = proveWinningChunk(o, audit, plotted.metadata, map, readerOf(flipped), w);
      const r = verifySolution(solution, slot, { proofOfTime: pot, solutionRange: U64_MAX, posK: TEST_POS_K }, f.kzg);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.error.code).to.equal("SOLUTION_ERROR_INVALID_CHUNK_WITNESS");
      checked++;
    }
    expect(checked).to.equal(1);
  });
});
