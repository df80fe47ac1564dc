import { expect } from "chai";
import { readFileSync } from "node:fs";
import { blake3 } from "../../../../framework/crypto/index.ts";
import { fromHex, toHex } from "../../../../framework/codec/bytes.ts";
import {
  ArchivedBlockProgress, BlockObjectCodec, BlockObjectMappingCodec, GlobalObjectCodec, GlobalObjectMappingCodec,
  HistorySize, InvalidScalarError, LastArchivedBlockCodec, Piece, PieceCodec, PieceIndex, SegmentIndex,
  blake3_254HashToScalar, decodeSegment, decodeSegmentHeader, encodeSegment, encodeSegmentHeader, globalObjectToJson,
  rawRecordToRecord, recordToRawRecord, scalarFromBytes, scalarFromSafeBytes, scalarToBytes, scalarToSafeBytes,
  segmentHeaderFromJson, segmentHeaderHash, segmentHeaderToJson, type SegmentHeader,
} from "../../../../framework/primitives/subspace/core/index.ts";
import {
  BLS12_381_R, MAINNET_PROFILE, PIECE_SIZE, RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE, RECORD_SIZE, TS_PROFILE,
} from "../../../../framework/primitives/subspace/profile/index.ts";

const vectors = JSON.parse(readFileSync(new URL("../../../vectors/subspace-archiving.json", import.meta.url), "utf8"));

const hex = (b: Uint8Array): string => toHex(b).slice(2);
const header = (progress: ArchivedBlockProgress): SegmentHeader => ({
  segmentIndex: 0x0102030405060708n,
  segmentCommitment: new Uint8Array(48).fill(0xaa),
  prevSegmentHeaderHash: new Uint8Array(32).fill(0xbb),
  lastArchivedBlock: { number: 0x11223344, archivedProgress: progress },
});

describe("subspace profile", () => {
  it("derives sizes from 4,096-chunk records and keeps the mainnet values", () => {
    expect(TS_PROFILE.recordNumChunks).to.equal(4096);
    expect(TS_PROFILE.numSBuckets).to.equal(8192);
    expect(RECORD_SIZE).to.equal(131_072);
    expect(RAW_RECORD_SIZE).to.equal(126_976);
    expect(PIECE_SIZE).to.equal(131_168);
    expect(RECORDED_HISTORY_SEGMENT_SIZE).to.equal(16_252_928);
    // Mainnet: RawRecord 1,015,808 B, Piece 1,048,672 B, RecordedHistorySegment 130,023,424 B (reference notes §2).
    expect(MAINNET_PROFILE.recordNumChunks * 31 * 128).to.equal(130_023_424);
    expect(MAINNET_PROFILE.recordNumChunks * 32 + 96).to.equal(1_048_672);
  });
});

describe("PieceIndex / SegmentIndex", () => {
  it("matches the reference's source piece-index vectors", () => {
    for (const [p, position, sourcePosition, segment, nextSource] of vectors.pieceIndex.source) {
      const pi = BigInt(p);
      const si = BigInt(segment);
      expect(PieceIndex.position(pi), `position ${p}`).to.equal(position);
      expect(PieceIndex.sourcePosition(pi), `source position ${p}`).to.equal(sourcePosition);
      expect(PieceIndex.fromSourcePosition(sourcePosition, si), `from source ${p}`).to.equal(pi);
      expect(PieceIndex.segmentIndex(pi), `segment ${p}`).to.equal(si);
      expect(PieceIndex.nextSourceIndex(pi), `next ${p}`).to.equal(BigInt(nextSource));
      expect(PieceIndex.isSource(pi)).to.equal(true);
      if (position === 0) expect(SegmentIndex.firstPieceIndex(si)).to.equal(pi);
      expect(SegmentIndex.pieceIndexes(si)[position]).to.equal(pi);
      expect(SegmentIndex.pieceIndexesSourceFirst(si)[sourcePosition]).to.equal(pi);
    }
  });

  it("matches the reference's parity piece-index vectors", () => {
    for (const [p, position, segment] of vectors.pieceIndex.parity) {
      const pi = BigInt(p);
      const si = BigInt(segment);
      expect(PieceIndex.position(pi), `position ${p}`).to.equal(position);
      expect(PieceIndex.segmentIndex(pi)).to.equal(si);
      expect(PieceIndex.isSource(pi)).to.equal(false);
      if (position === 255) expect(SegmentIndex.lastPieceIndex(si)).to.equal(pi);
      expect(SegmentIndex.pieceIndexes(si)[position]).to.equal(pi);
      expect(SegmentIndex.pieceIndexesSourceFirst(si)[Math.floor(position / 2) + 128]).to.equal(pi);
      expect(() => PieceIndex.sourcePosition(pi)).to.throw(/not a source piece/);
      expect(() => PieceIndex.nextSourceIndex(pi)).to.throw(/not a source piece/);
    }
  });

  it("prevSourceIndex steps back across segments and stops at zero", () => {
    expect(PieceIndex.prevSourceIndex(0n)).to.equal(null);
    expect(PieceIndex.prevSourceIndex(256n)).to.equal(254n);
    expect(PieceIndex.prevSourceIndex(4n)).to.equal(2n);
    expect(hex(PieceIndex.toBytes(0x0102n))).to.equal("0201000000000000");
    expect(PieceIndex.fromBytes(fromHex("0201000000000000"))).to.equal(0x0102n);
  });

  it("HistorySize counts segments", () => {
    expect(HistorySize.fromSegmentIndex(0n)).to.equal(1n);
    expect(HistorySize.inPieces(3n)).to.equal(768n);
    expect(HistorySize.segmentIndex(3n)).to.equal(2n);
    expect(HistorySize.sectorExpirationCheck(10n, 4n)).to.equal(14n);
  });
});

describe("SegmentHeader SCALE", () => {
  it("encodes V0 with Complete progress as hand-built bytes", () => {
    const h = header(ArchivedBlockProgress.COMPLETE);
    const expected = "00" + "0807060504030201" + "aa".repeat(48) + "bb".repeat(32) + "44332211" + "00";
    expect(hex(encodeSegmentHeader(h))).to.equal(expected);
    expect(decodeSegmentHeader(fromHex(expected))).to.deep.equal(h);
    expect(hex(segmentHeaderHash(h))).to.equal(hex(blake3(fromHex(expected))));
  });

  it("encodes Partial(u32) as variant 1 with a LE u32", () => {
    const h = header(ArchivedBlockProgress.partial(0x01020304));
    const expected = "00" + "0807060504030201" + "aa".repeat(48) + "bb".repeat(32) + "44332211" + "01" + "04030201";
    expect(hex(encodeSegmentHeader(h))).to.equal(expected);
    expect(decodeSegmentHeader(fromHex(expected))).to.deep.equal(h);
    // nested in a struct-like context: decoding a subarray works too
    const padded = fromHex("ffff" + expected);
    expect(decodeSegmentHeader(padded.subarray(2))).to.deep.equal(h);
    expect(hex(LastArchivedBlockCodec.enc({ number: 5, archivedProgress: ArchivedBlockProgress.COMPLETE }))).to.equal("0500000000");
  });

  it("rejects an unknown header variant", () => {
    const bytes = encodeSegmentHeader(header(ArchivedBlockProgress.COMPLETE));
    bytes[0] = 1;
    expect(() => decodeSegmentHeader(bytes)).to.throw();
  });

  it("has the reference's serde JSON shape", () => {
    // u64 fields are JSON numbers (serde); keep the index within 2^53 here.
    const h = { ...header(ArchivedBlockProgress.partial(7)), segmentIndex: 12n };
    const j = segmentHeaderToJson(h);
    expect(j.v0.segmentCommitment).to.equal("aa".repeat(48));
    expect(j.v0.lastArchivedBlock.archivedProgress).to.deep.equal({ partial: 7 });
    expect(segmentHeaderToJson(header(ArchivedBlockProgress.COMPLETE)).v0.lastArchivedBlock.archivedProgress).to.equal("complete");
    expect(segmentHeaderFromJson(j)).to.deep.equal(h);
  });
});

describe("Piece, records and object mappings SCALE", () => {
  it("a piece is a Vec<u8> with a compact length prefix and must be PIECE_SIZE long", () => {
    const piece = new Uint8Array(PIECE_SIZE).map((_, i) => i & 0xff);
    const enc = PieceCodec.enc(piece);
    // compact(131,168) in 4-byte mode: (131168 << 2) | 2 = 0x00080182 → LE 82 01 08 00
    expect(hex(enc.subarray(0, 4))).to.equal("82010800");
    expect(enc.length).to.equal(PIECE_SIZE + 4);
    expect(PieceCodec.dec(enc)).to.deep.equal(piece);
    expect(() => PieceCodec.dec(fromHex("0c010203"))).to.throw(/Incorrect Piece length/);
    expect(Piece.record(piece).length).to.equal(RECORD_SIZE);
    expect(Piece.commitment(piece)[0]).to.equal(RECORD_SIZE & 0xff);
    expect(Piece.witness(piece).length).to.equal(48);
  });

  it("raw records round-trip through records with a zero top byte per chunk", () => {
    const raw = new Uint8Array(RAW_RECORD_SIZE).map((_, i) => (i * 13) & 0xff);
    const rec = rawRecordToRecord(raw);
    expect(rec[0]).to.equal(0);
    expect(rec[32]).to.equal(0);
    expect(hex(rec.subarray(1, 32))).to.equal(hex(raw.subarray(0, 31)));
    expect(recordToRawRecord(rec)).to.deep.equal(raw);
  });

  it("BlockObject, GlobalObject and their mappings match hand-built bytes", () => {
    const hash = new Uint8Array(32).fill(0x11);
    expect(hex(BlockObjectCodec.enc({ hash, offset: 0x0a0b }))).to.equal("11".repeat(32) + "0b0a0000");
    expect(hex(GlobalObjectCodec.enc({ hash, pieceIndex: 258n, offset: 3 }))).to.equal("11".repeat(32) + "0201000000000000" + "03000000");
    expect(hex(BlockObjectMappingCodec.enc([{ hash, offset: 1 }]))).to.equal("00" + "04" + "11".repeat(32) + "01000000");
    expect(hex(GlobalObjectMappingCodec.enc([]))).to.equal("0000");
    expect(globalObjectToJson({ hash, pieceIndex: 2n, offset: 9 })).to.deep.equal(["11".repeat(32), 2, 9]);
  });
});

describe("Segment / SegmentItem SCALE", () => {
  it("encodes V0 without an item count, items with their enum indices", () => {
    const h = header(ArchivedBlockProgress.COMPLETE);
    const items = [
      { type: "ParentSegmentHeader" as const, header: h },
      { type: "Block" as const, bytes: fromHex("0102") },
      { type: "BlockStart" as const, bytes: fromHex("03") },
      { type: "BlockContinuation" as const, bytes: new Uint8Array(64).fill(4) },
    ];
    const expected = "00" + "04" + hex(encodeSegmentHeader(h)) + "01" + "08" + "0102" + "02" + "04" + "03" + "03" + "0101" + "04".repeat(64);
    const enc = encodeSegment(items);
    expect(hex(enc)).to.equal(expected);
    const padded = new Uint8Array(enc.length + 10);
    padded.set(enc);
    expect(decodeSegment(padded)).to.deep.equal(items);
    expect(decodeSegment(padded, { includePadding: true }).filter((i) => i.type === "Padding")).to.have.length(10);
  });

  it("rejects unknown variants and truncated items", () => {
    expect(() => decodeSegment(fromHex("01"))).to.throw(/variant 1 does not exist/);
    expect(() => decodeSegment(fromHex("0005"))).to.throw(/variant 5 does not exist/);
    expect(() => decodeSegment(fromHex("00010801"))).to.throw(/past the end/);
  });
});

describe("scalars", () => {
  it("safe bytes become 0x00 ‖ chunk and back", () => {
    const chunk = new Uint8Array(31).map((_, i) => 255 - i);
    const v = scalarFromSafeBytes(chunk);
    expect(hex(scalarToBytes(v))).to.equal("00" + hex(chunk));
    expect(scalarToSafeBytes(v)).to.deep.equal(chunk);
    expect(scalarToSafeBytes(BLS12_381_R - 1n)).to.equal(null);
  });

  it("rejects non-canonical scalars", () => {
    expect(() => scalarFromBytes(scalarToBytes(BLS12_381_R))).to.throw(InvalidScalarError);
    expect(scalarFromBytes(scalarToBytes(BLS12_381_R - 1n))).to.equal(BLS12_381_R - 1n);
  });

  it("blake3_254_hash_to_scalar clears the top two bits of blake3", () => {
    const data = fromHex("0102030405");
    const h = blake3(data);
    const s = blake3_254HashToScalar(data);
    expect(s[0]).to.equal(h[0]! & 0x3f);
    expect(hex(s.subarray(1))).to.equal(hex(h.subarray(1)));
    expect(scalarFromBytes(s) < BLS12_381_R).to.equal(true);
  });
});
