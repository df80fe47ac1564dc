import { expect } from "chai";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import { ErasureCoding, FR_MODULUS, domain, frWasm, zeroPolynomialWasm } from "../../../../framework/primitives/subspace/erasure-coding/index.ts";
import { scalarFromBytes } from "../../../../framework/primitives/subspace/core/index.ts";
import { createTables, findProof } from "../../../../framework/primitives/subspace/pos/index.ts";
import { RECORD_NUM_CHUNKS, RECORD_NUM_S_BUCKETS, RECORD_SIZE } from "../../../../framework/primitives/subspace/profile/index.ts";
import {
  RECORD_BITFIELD_SIZE, RECORD_METADATA_SIZE, SECTOR_METADATA_SIZE, SectorContentsMap, SectorLayoutError, auditSector, contentsMapSize,
  decodeSectorMetadata, encodeRecord, encodeSectorMetadata, evaluationSeed, extendRecord, writeSector, isSectorChecksumValid, proveAudit, publicKeyHash, readRecordChunks,
  recordMetadataOffset, recoverSourceValues, sectorSize, winningChunksOf, type SectorReader,
} from "../../../../framework/primitives/subspace/sectors/index.ts";
import { slotGlobalChallenge, verifySolution } from "../../../../framework/primitives/subspace/verification/index.ts";
import { PIECES_IN_SECTOR, PUBLIC_KEY, REWARD_ADDRESS, SECTOR_INDEX, TEST_POS_K, HISTORY_SIZE, sectorFixture } from "./fixture.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const U64_MAX = (1n << 64n) - 1n;

describe("sector plotting", function () {
  this.timeout(120_000);

  it("recovers a polynomial's values from any half of its 2n evaluations (FFT zero polynomial)", () => {
    const ec = new ErasureCoding(6);
    const source = Array.from({ length: 32 }, (_, i) => (BigInt(i + 1) * 0x1234567890abcdef1234567890n) % FR_MODULUS);
    const parity = ec.extend(source);
    const all = source.flatMap((s, i) => [s, parity[i]!]);
    for (const keep of [(i: number) => i % 2 === 0, (i: number) => i % 2 === 1, (i: number) => i >= 32, (i: number) => (i * 37) % 64 < 32]) {
      const shards = all.map((v, i) => (keep(i) ? v : null));
      expect(recoverSourceValues(shards)).to.deep.equal(source);
    }
    // Z(x) = Π(x − ω^i) over the missing points vanishes exactly there, on both the schoolbook and
    // the FFT (degree > 16) product paths.
    const f = frWasm();
    const mark = f.mark();
    try {
      const total = 128;
      const missing = Array.from({ length: 70 }, (_, i) => (i * 37 + 5) % total).filter((v, i, a) => a.indexOf(v) === i);
      const ptr = f.allocElements(total);
      zeroPolynomialWasm(f, total, missing, ptr);
      const z = f.readBigints(ptr, total);
      expect(z[missing.length]).to.equal(1n);
      expect(z.slice(missing.length + 1).every((c) => c === 0n)).to.equal(true);
      const roots = domain(total).roots;
      const at = (x: bigint) => z.reduceRight((acc, c) => (acc * x + c) % FR_MODULUS, 0n);
      for (const i of missing) expect(at(roots[i]!), `Z(ω^${i})`).to.equal(0n);
      const kept = [...Array(total).keys()].find((i) => !missing.includes(i))!;
      expect(at(roots[kept]!)).to.not.equal(0n);
    } finally {
      f.release(mark);
    }
    expect(() => recoverSourceValues(all.map((v, i) => (i < 31 ? v : null)))).to.throw(/need 32 of 64/);
  });

  it("keeps chunk XOR blake3(proof) for the lowest s-buckets with proofs, then unmasked proof-less chunks (K=15)", async () => {
    const { plotted, pieces } = await sectorFixture();
    const map = SectorContentsMap.fromBytes(plotted.sector.subarray(0, contentsMapSize(PIECES_IN_SECTOR)), PIECES_IN_SECTOR);
    const ec = new ErasureCoding(Math.log2(RECORD_NUM_S_BUCKETS));
    for (const pieceOffset of [0, PIECES_IN_SECTOR - 1]) {
      const record = pieces[pieceOffset]!.subarray(0, RECORD_SIZE);
      const source = Array.from({ length: RECORD_NUM_CHUNKS }, (_, j) => scalarFromBytes(record, 32 * j));
      const parity = ec.extend(source);
      const tables = createTables(evaluationSeed(plotted.sectorId, pieceOffset), TEST_POS_K);
      const withProof: number[] = [];
      for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) if (findProof(tables, s) !== undefined) withProof.push(s);
      const encoded = new Set(withProof.slice(0, RECORD_NUM_CHUNKS));
      expect(map.numEncoded[pieceOffset], `record ${pieceOffset}`).to.equal(encoded.size);
      const chunks = readRecordChunks(pieceOffset, plotted.metadata, map, tables, (o, l) => plotted.sector.subarray(o, l + o));
      let stored = 0;
      let unencoded = 0;
      for (let s = 0; s < RECORD_NUM_S_BUCKETS; s++) {
        const expected = s % 2 === 0 ? source[s / 2]! : parity[(s - 1) / 2]!;
        const isEncoded = map.isEncoded(pieceOffset, s);
        expect(isEncoded, `s-bucket ${s}`).to.equal(encoded.has(s));
        if (chunks[s] !== null) {
          stored++;
          expect(chunks[s], `s-bucket ${s}`).to.equal(expected);
          if (!isEncoded) unencoded++;
        }
      }
      expect(stored).to.equal(RECORD_NUM_CHUNKS);
      expect(unencoded).to.equal(RECORD_NUM_CHUNKS - encoded.size);
    }
  });

  it("a record with fewer proofs than chunks keeps the first proof-less s-buckets unmasked", async () => {
    const { pieces } = await sectorFixture();
    // This seed's K=15 table has proofs for 3,102 of the 8,192 s-buckets.
    const seed = new Uint8Array(32).fill(15);
    const record = pieces[0]!.subarray(0, RECORD_SIZE);
    const enc = encodeRecord(seed, record, { posK: TEST_POS_K });
    const tables = createTables(seed, TEST_POS_K);
    const withProof = [...Array(RECORD_NUM_S_BUCKETS).keys()].filter((s) => findProof(tables, s) !== undefined);
    expect(withProof.length).to.be.below(RECORD_NUM_CHUNKS);
    expect(enc.numEncoded).to.equal(withProof.length);
    const extended = extendRecord(record);
    const proofSet = new Set(withProof);
    const proofLess = [...Array(RECORD_NUM_S_BUCKETS).keys()].filter((s) => !proofSet.has(s)).slice(0, RECORD_NUM_CHUNKS - withProof.length);
    proofLess.forEach((s, i) => {
      const at = 32 * (withProof.length + i);
      expect(hex(enc.chunks.subarray(at, at + 32)), `s-bucket ${s}`).to.equal(hex(extended.subarray(32 * s, 32 * s + 32)));
    });
    // Through the sector layout and back: the contents map places both kinds of chunk.
    const { sector, sBucketSizes } = writeSector([enc], [pieces[0]!]);
    const map = SectorContentsMap.fromBytes(sector.subarray(0, contentsMapSize(1)), 1);
    const states = map.recordChunkStates(0);
    expect(states.filter((x) => x === 0).length).to.equal(proofLess.length);
    expect(states[proofLess[proofLess.length - 1]!]).to.equal(0);
    expect(map.sBucketRecords(proofLess[0]!)).to.deep.equal({ pieceOffsets: [0], encoded: [false] });
    expect(map.sBucketRecords(withProof[0]!)).to.deep.equal({ pieceOffsets: [0], encoded: [true] });
    const metadata = { sectorIndex: 0, piecesInSector: 1, sBucketSizes, historySize: 1n };
    const values = readRecordChunks(0, metadata, map, tables, (o, l) => sector.subarray(o, o + l));
    const source = Array.from({ length: RECORD_NUM_CHUNKS }, (_, j) => scalarFromBytes(record, 32 * j));
    expect(recoverSourceValues(values)).to.deep.equal(source);
  });

  it("masks with blake3(proof) byte for byte (independent BLAKE3) in the s-bucket-grouped layout", async () => {
    const { plotted, pieces } = await sectorFixture();
    const map = SectorContentsMap.fromBytes(plotted.sector.subarray(0, contentsMapSize(PIECES_IN_SECTOR)), PIECES_IN_SECTOR);
    const tables = createTables(evaluationSeed(plotted.sectorId, 0), TEST_POS_K);
    // S-bucket 0 holds the first chunk of record 0 when that record keeps a chunk there.
    const sBucket = [...Array(RECORD_NUM_S_BUCKETS).keys()].find((s) => s % 2 === 0 && map.isEncoded(0, s))!;
    const { pieceOffsets } = map.sBucketRecords(sBucket);
    let before = 0;
    for (let s = 0; s < sBucket; s++) before += plotted.metadata.sBucketSizes[s]!;
    const at = contentsMapSize(PIECES_IN_SECTOR) + 32 * (before + pieceOffsets.indexOf(0));
    const mask = nobleBlake3(findProof(tables, sBucket)!);
    const original = pieces[0]!.subarray(32 * (sBucket / 2), 32 * (sBucket / 2) + 32);
    expect(hex(plotted.sector.subarray(at, at + 32))).to.equal(hex(original.map((b, i) => b ^ mask[i]!)));
  });

  it("lays the sector out with checksums, record metadata and s-bucket sizes", async () => {
    const { plotted, pieces } = await sectorFixture();
    const { sector, metadata } = plotted;
    expect(sector.length).to.equal(sectorSize(PIECES_IN_SECTOR));
    expect(sectorSize(1000)).to.equal(132_224_064);
    expect(isSectorChecksumValid(sector)).to.equal(true);
    expect(metadata.sBucketSizes.reduce((a, b) => a + b, 0)).to.equal(PIECES_IN_SECTOR * RECORD_NUM_CHUNKS);
    expect(Array.from(new SectorContentsMap(PIECES_IN_SECTOR, sector.slice(0, PIECES_IN_SECTOR * RECORD_BITFIELD_SIZE)).sBucketSizes())).to.deep.equal(Array.from(metadata.sBucketSizes));
    for (let p = 0; p < PIECES_IN_SECTOR; p++) {
      const m = sector.subarray(recordMetadataOffset(PIECES_IN_SECTOR, p), recordMetadataOffset(PIECES_IN_SECTOR, p) + RECORD_METADATA_SIZE);
      expect(hex(m.subarray(0, 96))).to.equal(hex(pieces[p]!.subarray(RECORD_SIZE)));
      expect(hex(m.subarray(96))).to.equal(hex(nobleBlake3(pieces[p]!)));
    }
    const corrupted = sector.slice();
    corrupted[contentsMapSize(PIECES_IN_SECTOR) + 100]! ^= 1;
    expect(isSectorChecksumValid(corrupted)).to.equal(false);
    const badMap = sector.slice(0, contentsMapSize(PIECES_IN_SECTOR));
    badMap[3]! ^= 0x10;
    expect(() => SectorContentsMap.fromBytes(badMap, PIECES_IN_SECTOR)).to.throw(SectorLayoutError).with.property("code", "SECTOR_LAYOUT_ERROR_CHECKSUM");
  });

  it("SectorMetadataChecksummed: SCALE fields then blake3, round trip, corruption detected", async () => {
    const { plotted } = await sectorFixture();
    const bytes = plotted.metadataBytes;
    expect(bytes.length).to.equal(SECTOR_METADATA_SIZE).and.to.equal(16_428);
    expect(hex(bytes.subarray(0, 4))).to.equal(hex(Uint8Array.of(SECTOR_INDEX, 0, PIECES_IN_SECTOR, 0)));
    expect(hex(bytes.subarray(4 + 2 * RECORD_NUM_S_BUCKETS, 12 + 2 * RECORD_NUM_S_BUCKETS))).to.equal(hex(Uint8Array.of(Number(HISTORY_SIZE), 0, 0, 0, 0, 0, 0, 0)));
    expect(hex(bytes.subarray(bytes.length - 32))).to.equal(hex(nobleBlake3(bytes.subarray(0, bytes.length - 32))));
    const decoded = decodeSectorMetadata(bytes);
    expect(decoded.sectorIndex).to.equal(SECTOR_INDEX);
    expect(decoded.historySize).to.equal(HISTORY_SIZE);
    expect(hex(encodeSectorMetadata(decoded))).to.equal(hex(bytes));
    const bad = bytes.slice();
    bad[10]! ^= 1;
    expect(() => decodeSectorMetadata(bad)).to.throw(SectorLayoutError).with.property("code", "SECTOR_LAYOUT_ERROR_CHECKSUM");
  });

  it("plot → audit → prove → verify round trips over many slots", async () => {
    const f = await sectorFixture();
    const { sector, metadata } = f.plotted;
    const read: SectorReader = (o, l) => sector.subarray(o, o + l);
    const recordCache = new Map();
    const pot = Uint8Array.from({ length: 16 }, (_, i) => i + 40);
    let proved = 0;
    let empty = 0;
    const sBuckets = new Set<number>();
    for (let slot = 1; slot <= 8; slot++) {
      const audit = auditSector(publicKeyHash(PUBLIC_KEY), slotGlobalChallenge(pot, slot), U64_MAX, metadata, read);
      if (audit === undefined) {
        // An s-bucket no record keeps a chunk in.
        empty++;
        continue;
      }
      sBuckets.add(audit!.sBucket);
      // With the full range every chunk of the s-bucket is a candidate, sorted by distance.
      expect(audit!.candidates.length).to.equal(metadata.sBucketSizes[audit!.sBucket]);
      for (let i = 1; i < audit!.candidates.length; i++) expect(audit!.candidates[i]!.distance >= audit!.candidates[i - 1]!.distance).to.equal(true);
      const map = SectorContentsMap.fromBytes(sector.slice(0, contentsMapSize(PIECES_IN_SECTOR)), PIECES_IN_SECTOR);
      const winning = winningChunksOf(audit!, map);
      const solutions = proveAudit({ publicKey: PUBLIC_KEY, rewardAddress: REWARD_ADDRESS, kzg: f.kzg, posK: TEST_POS_K, posCache: f.posCache, recordCache }, audit!, metadata, read, map);
      expect(solutions.length).to.equal(winning.length);
      for (const [i, s] of solutions.entries()) {
        const r = verifySolution(s, slot, { proofOfTime: pot, solutionRange: U64_MAX, posK: TEST_POS_K }, f.kzg);
        expect(r.ok, `slot ${slot} solution ${i}: ${r.ok ? "" : r.error.code}`).to.equal(true);
        if (r.ok) expect(r.distance).to.equal(winning[i]!.distance);
        expect(s.sectorIndex).to.equal(SECTOR_INDEX);
        expect(s.historySize).to.equal(HISTORY_SIZE);
        proved++;
      }
    }
    expect(sBuckets.size + empty).to.equal(8);
    expect(empty).to.be.below(4);
    expect(proved).to.be.greaterThan(4);
  });
});
