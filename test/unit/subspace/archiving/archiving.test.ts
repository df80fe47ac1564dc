import { expect } from "chai";
import { bls12_381 } from "@noble/curves/bls12-381";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { blake3 } from "../../../../framework/crypto/index.ts";
import { fromHex, toHex } from "../../../../framework/codec/bytes.ts";
import {
  Archiver, PiecesReconstructor, arePiecesValid, Reconstructor, ReconstructorError, SegmentHeaderChainError, archivedSegmentPiece,
  chachaKeystream, checkSegmentHeaderChain, encodeGenesisBlockForArchiving, isPieceValid, segmentErasureCoding,
  type NewArchivedSegment,
} from "../../../../framework/primitives/subspace/archiving/index.ts";
import {
  PieceIndex, blake3_254HashToScalar, compactLen, decodeSegment, recordToRawRecord, scalarFromBytes,
  segmentHeaderEncodedSize, type BlockObject, type GlobalObject,
} from "../../../../framework/primitives/subspace/core/index.ts";
import { PIECE_SIZE, RAW_RECORD_SIZE, RECORDED_HISTORY_SEGMENT_SIZE, RECORD_SIZE } from "../../../../framework/primitives/subspace/profile/index.ts";
import { BLS12_381_P, getKzg, type Kzg } from "../../../../framework/primitives/subspace/kzg/index.ts";
import { fakeKzg } from "./fakeKzg.ts";

const vectors = JSON.parse(readFileSync(new URL("../../../vectors/subspace-archiving.json", import.meta.url), "utf8"));
const hex = (b: Uint8Array): string => toHex(b).slice(2);
const SIZE = RECORDED_HISTORY_SEGMENT_SIZE;

/** A deterministic pseudo-random choice of 128 of the 256 positions. */
function pickHalf(seed: number): (i: number) => boolean {
  let s = seed >>> 0 || 1;
  const rand = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
  const idx = [...Array(256).keys()];
  for (let i = 255; i > 0; i--) {
    const j = rand() % (i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  const keep = new Set(idx.slice(0, 128));
  return (i: number) => keep.has(i);
}

const halfOf = (seg: NewArchivedSegment, keep: (i: number) => boolean): (Uint8Array | null)[] =>
  Array.from({ length: 256 }, (_, i) => (keep(i) ? archivedSegmentPiece(seg, i) : null));
const sourceOnly = (i: number): boolean => i % 2 === 0;

describe("ChaCha keystream (genesis padding)", () => {
  it("matches the RFC 8439 ChaCha20 block vector", () => {
    const out = new Uint8Array(64);
    chachaKeystream(fromHex(vectors.chacha20.key), out, 20);
    expect(hex(out)).to.equal(vectors.chacha20.keystream.slice(2));
  });

  it("ChaCha8 equals @noble/ciphers chacha8 with a zero nonce (independent implementation)", async () => {
    const { chacha8 } = (await import("@noble/ciphers/chacha.js" as string)) as { chacha8: (k: Uint8Array, n: Uint8Array, d: Uint8Array) => Uint8Array };
    const key = randomBytes(32);
    const mine = new Uint8Array(1000);
    chachaKeystream(key, mine, 8);
    expect(hex(mine)).to.equal(hex(chacha8(key, new Uint8Array(12), new Uint8Array(1000))));
  });

  it("pads the genesis block to one recorded segment with ChaCha8(state root)", () => {
    const block = randomBytes(1000);
    const root = randomBytes(32);
    const g = encodeGenesisBlockForArchiving(block, root);
    expect(g.length).to.equal(SIZE);
    expect(hex(g.subarray(0, 1000))).to.equal(hex(block));
    const ks = new Uint8Array(64);
    chachaKeystream(root, ks, 8);
    expect(hex(g.subarray(1000, 1064))).to.equal(hex(ks));
  });
});

describe("Archiver and Reconstructor (round trips, stand-in KZG)", function () {
  this.timeout(120_000);

  // History: genesis; tiny blocks with objects; a huge block spanning segment boundaries; blocks
  // sized to end exactly at a segment boundary and one byte past it.
  const blocks: { bytes: Uint8Array; objects: BlockObject[] }[] = [];
  const segments: NewArchivedSegment[] = [];
  const mappings: GlobalObject[] = [];
  let stateAfterBlock: Uint8Array = new Uint8Array();
  let stateBlockIndex = 0;

  before(() => {
    const genesis = encodeGenesisBlockForArchiving(randomBytes(500), randomBytes(32));
    blocks.push({ bytes: genesis, objects: [] });
    for (let i = 0; i < 40; i++) {
      const bytes = randomBytes(1 + ((i * 37) % 300));
      const objects = bytes.length > 40 ? [{ hash: blake3(bytes.subarray(8, 40)), offset: 8 }] : [];
      blocks.push({ bytes, objects });
    }
    const huge = randomBytes(Math.floor(SIZE * 1.4));
    blocks.push({ bytes: huge, objects: [{ hash: blake3(huge.subarray(SIZE - 10, SIZE + 22)), offset: SIZE - 10 }] });

    const archiver = new Archiver(fakeKzg);
    const feed = (b: { bytes: Uint8Array; objects: BlockObject[] }): void => {
      const out = archiver.addBlock(b.bytes, b.objects);
      segments.push(...out.archivedSegments);
      mappings.push(...out.objectMapping);
    };
    blocks.forEach(feed);
    stateAfterBlock = archiver.exportState();
    stateBlockIndex = blocks.length;

    // Fill the current segment exactly: version byte + buffered items + this block's item = SIZE.
    const remaining = SIZE - archiver.pendingSegmentSize();
    let exact = remaining - 1 - 4;
    if (compactLen(exact) !== 4) throw new Error("test setup: expected a 4-byte compact length");
    const exactBlock = { bytes: randomBytes(exact), objects: [] };
    blocks.push(exactBlock);
    const before = segments.length;
    feed(exactBlock);
    expect(segments.length, "exact-fit block closes the segment").to.equal(before + 1);
    const last = segments[segments.length - 1]!.segmentHeader.lastArchivedBlock;
    expect(last.archivedProgress.type).to.equal("Complete");
    expect(last.number).to.equal(blocks.length - 1);

    // Next segment: header item, then a block one byte too long for the rest.
    const hdr = 1 + segmentHeaderEncodedSize(segments[segments.length - 1]!.segmentHeader);
    exact = SIZE - 1 - hdr - 1 - 4 + 1;
    const overBlock = { bytes: randomBytes(exact), objects: [] };
    blocks.push(overBlock);
    feed(overBlock);
    const h = segments[segments.length - 1]!.segmentHeader;
    expect(h.lastArchivedBlock).to.deep.equal({ number: blocks.length - 1, archivedProgress: { type: "Partial", bytes: exact - 1 } });
    // and a small block to push the one spilled byte out in the next segment eventually
    for (let i = 0; i < 3; i++) {
      const b = { bytes: randomBytes(SIZE / 3), objects: [] };
      blocks.push(b);
      feed(b);
    }
  });

  it("produces chained segment headers; segment 0 holds the genesis block and spills its tail", () => {
    expect(segments.length).to.be.greaterThanOrEqual(5);
    segments.forEach((s, i) => expect(s.segmentHeader.segmentIndex).to.equal(BigInt(i)));
    expect(hex(segments[0]!.segmentHeader.prevSegmentHeaderHash)).to.equal("00".repeat(32));
    expect(segments[0]!.segmentHeader.lastArchivedBlock).to.deep.equal({ number: 0, archivedProgress: { type: "Partial", bytes: SIZE - 6 } });
    for (let i = 1; i < segments.length; i++) checkSegmentHeaderChain(segments[i - 1]!.segmentHeader, segments[i]!.segmentHeader);
    const items = decodeSegment(new Reconstructor().reconstructSegmentData(halfOf(segments[1]!, sourceOnly)));
    expect(items[0]!.type).to.equal("ParentSegmentHeader");
    expect(items[1]).to.deep.include({ type: "BlockContinuation" });
    expect((items[1] as { bytes: Uint8Array }).bytes.length).to.equal(6);
  });

  it("rejects a segment header that does not chain", () => {
    const [a, b] = [segments[1]!.segmentHeader, segments[2]!.segmentHeader];
    expect(() => checkSegmentHeaderChain(a, { ...b, segmentIndex: 3n })).to.throw(SegmentHeaderChainError);
    const bad = b.prevSegmentHeaderHash.slice();
    bad[0]! ^= 1;
    expect(() => checkSegmentHeaderChain(a, { ...b, prevSegmentHeaderHash: bad })).to.throw(SegmentHeaderChainError, /hash/);
    expect(() => checkSegmentHeaderChain(b, a)).to.throw(SegmentHeaderChainError);
  });

  it("blocks → segments → pieces → (drop a random half) → blocks, byte-identical", () => {
    const reconstructor = new Reconstructor();
    const got: [number, Uint8Array][] = [];
    segments.forEach((seg, i) => {
      // A random half for one segment (full erasure recovery), the source half elsewhere (fast path).
      const keep = i === 2 ? pickHalf(1000 + i) : sourceOnly;
      got.push(...reconstructor.addSegment(halfOf(seg, keep)).blocks);
    });
    const complete = got.filter(([, b]) => b.length > 0);
    // The last block may still be partial in the archiver's buffer.
    const expectedCount = complete.length;
    expect(expectedCount).to.be.greaterThan(blocks.length - 4);
    complete.forEach(([n, b], k) => {
      expect(n, `block number ${k}`).to.equal(k);
      expect(b.length, `block ${k} length`).to.equal(blocks[k]!.bytes.length);
      expect(Buffer.compare(Buffer.from(b), Buffer.from(blocks[k]!.bytes)), `block ${k} bytes`).to.equal(0);
    });
  });

  it("global object mappings point at the objects' bytes inside source pieces", () => {
    expect(mappings.length).to.be.greaterThan(5);
    for (const m of mappings) {
      const seg = segments[Number(PieceIndex.segmentIndex(m.pieceIndex))];
      if (seg === undefined) continue; // object in a segment not yet produced
      expect(PieceIndex.isSource(m.pieceIndex)).to.equal(true);
      const raw = recordToRawRecord(archivedSegmentPiece(seg, PieceIndex.position(m.pieceIndex)).subarray(0, RECORD_SIZE));
      // Objects may cross into the next source piece: read across records.
      let bytes = raw.subarray(m.offset, m.offset + 32);
      if (bytes.length < 32) {
        const next = recordToRawRecord(archivedSegmentPiece(seg, PieceIndex.position(m.pieceIndex) + 2).subarray(0, RECORD_SIZE));
        bytes = Buffer.concat([bytes, next.subarray(0, 32 - bytes.length)]);
      }
      expect(hex(blake3(bytes)), `object at piece ${m.pieceIndex} offset ${m.offset}`).to.equal(hex(m.hash));
    }
    expect(mappings.every((m) => m.offset < RAW_RECORD_SIZE)).to.equal(true);
  });

  it("restarts from exported state and from the last segment header + block, producing the same segments", () => {
    const fromState = Archiver.fromState(fakeKzg, segmentErasureCoding(), stateAfterBlock);
    const idx = segments.findIndex((s) => s.segmentHeader.segmentIndex === fromState.nextSegmentIndex());
    // Feed blocks until the first segment comes out (one segment per path keeps this test short).
    const firstSegment = (a: Archiver, from: number): NewArchivedSegment[] => {
      for (const b of blocks.slice(from)) {
        const out = a.addBlock(b.bytes, b.objects).archivedSegments;
        if (out.length > 0) return out;
      }
      return [];
    };
    const again = firstSegment(fromState, stateBlockIndex);
    expect(again.length).to.be.greaterThan(0);
    again.forEach((s, k) => {
      const orig = segments[idx + k]!;
      expect(hex(s.segmentHeader.segmentCommitment)).to.equal(hex(orig.segmentHeader.segmentCommitment));
      expect(Buffer.compare(Buffer.from(s.pieces), Buffer.from(orig.pieces))).to.equal(0);
    });

    // with_initial_state: last segment header before the exact-fit block + the block it ends in.
    const prev = segments[idx - 1]!.segmentHeader;
    const lastBlock = blocks[prev.lastArchivedBlock.number]!;
    const restarted = Archiver.withInitialState(fakeKzg, segmentErasureCoding(), prev, lastBlock.bytes, lastBlock.objects);
    const again2 = firstSegment(restarted, prev.lastArchivedBlock.number + 1);
    expect(again2.map((s) => hex(s.segmentHeader.segmentCommitment))).to.deep.equal(segments.slice(idx, idx + again2.length).map((s) => hex(s.segmentHeader.segmentCommitment)));
    expect(() => Archiver.withInitialState(fakeKzg, segmentErasureCoding(), prev, lastBlock.bytes.subarray(0, 3))).to.throw(/smaller/);
  });

  it("PiecesReconstructor rebuilds all 256 pieces of a segment from a random half", () => {
    const seg = segments[2]!;
    const rebuilt = new PiecesReconstructor(fakeKzg).reconstructSegment(halfOf(seg, pickHalf(77)));
    expect(Buffer.compare(Buffer.from(rebuilt), Buffer.from(seg.pieces))).to.equal(0);
    expect(new PiecesReconstructor(fakeKzg).reconstructPiece(halfOf(seg, sourceOnly), 4)).to.deep.equal(archivedSegmentPiece(seg, 4));
  });

  it("fails clearly with fewer than half the pieces, or segments out of order", () => {
    const seg = segments[1]!;
    const few = halfOf(seg, (i) => i < 127);
    expect(() => new Reconstructor().addSegment(few)).to.throw(ReconstructorError, /need at least 128 of 256 pieces/);
    expect(() => new PiecesReconstructor(fakeKzg).reconstructSegment(few)).to.throw(ReconstructorError, /need at least 128/);
    const r = new Reconstructor();
    r.addSegment(halfOf(segments[1]!, sourceOnly));
    expect(() => r.addSegment(halfOf(segments[3]!, sourceOnly))).to.throw(ReconstructorError, /Incorrect segment order/);
  });
});

describe("piece verification (c-kzg): isPieceValid and batched arePiecesValid", () => {
  // Two synthetic segments: real records and commitments at a few positions among stand-in
  // commitments, with real witnesses against each segment commitment. Segment A holds pieces at
  // positions 4..7, segment B at positions 4 and 200.
  interface Seg {
    readonly positions: number[];
    readonly pieces: Uint8Array[];
    segmentCommitment: Uint8Array;
  }
  const segA: Seg = { positions: [4, 5, 6, 7], pieces: [], segmentCommitment: new Uint8Array() };
  const segB: Seg = { positions: [4, 200], pieces: [], segmentCommitment: new Uint8Array() };
  let pieces: Uint8Array[];
  let positions: number[];
  let segmentCommitment: Uint8Array;
  let kzg: Kzg;

  const build = (seg: Seg, salt: number): void => {
    const records = seg.positions.map(() => {
      const record = new Uint8Array(RECORD_SIZE);
      for (let j = 0; j < 4096; j++) record.set(randomBytes(31), j * 32 + 1);
      return record;
    });
    const commitments = records.map((r) => kzg.commit(kzg.polyFromScalarBytes(r)));
    const other = kzg.commit(kzg.poly(Array.from({ length: 256 }, (_, i) => BigInt(i + salt))));
    const hashes = Array.from({ length: 256 }, (_, i) => {
      const k = seg.positions.indexOf(i);
      return scalarFromBytes(blake3_254HashToScalar(k >= 0 ? commitments[k]! : other));
    });
    const segPoly = kzg.poly(hashes);
    seg.segmentCommitment = kzg.commit(segPoly);
    seg.positions.forEach((pos, k) => {
      const piece = new Uint8Array(PIECE_SIZE);
      piece.set(records[k]!, 0);
      piece.set(commitments[k]!, RECORD_SIZE);
      piece.set(kzg.createWitness(segPoly, 256, pos), RECORD_SIZE + 48);
      seg.pieces.push(piece);
    });
  };

  before(async () => {
    kzg = await getKzg({ backend: "c-kzg" });
    build(segA, 0);
    build(segB, 1000);
    ({ pieces, positions, segmentCommitment } = segA);
  });

  const corrupt = (piece: Uint8Array, offset: number): Uint8Array => {
    const bad = piece.slice();
    bad[offset]! ^= 0x01;
    return bad;
  };
  /** A point on the curve outside the prime-order subgroup (@noble/curves says so), compressed. */
  const outsideG1 = (): Uint8Array => {
    const P = BLS12_381_P;
    const pow = (b: bigint, e: bigint): bigint => {
      let r = 1n;
      for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
      return r;
    };
    for (let x = 1n; ; x++) {
      const rhs = (x * x * x + 4n) % P;
      const y = pow(rhs, (P + 1n) / 4n);
      if ((y * y) % P !== rhs) continue;
      const point = bls12_381.G1.ProjectivePoint.fromAffine({ x, y });
      if (point.isTorsionFree()) continue;
      const bytes = fromHex("0x" + x.toString(16).padStart(96, "0"));
      bytes[0]! |= 0x80;
      return bytes;
    }
  };

  it("isPieceValid accepts a valid piece and detects a corrupted byte in its record, commitment or witness", () => {
    const [piece] = pieces as [Uint8Array];
    expect(isPieceValid(kzg, piece, segmentCommitment, 4)).to.equal(true);
    expect(isPieceValid(kzg, piece, segmentCommitment, 5), "wrong position").to.equal(false);
    for (const [what, offset] of [["record", 1000], ["commitment", RECORD_SIZE + 7], ["witness", RECORD_SIZE + 48 + 20]] as const) {
      expect(isPieceValid(kzg, corrupt(piece, offset), segmentCommitment, 4), `corrupted ${what}`).to.equal(false);
    }
    const nonCanonical = piece.slice();
    nonCanonical.fill(0xff, 0, 32);
    expect(isPieceValid(kzg, nonCanonical, segmentCommitment, 4), "non-canonical chunk").to.equal(false);
    expect(isPieceValid(kzg, piece.subarray(1), segmentCommitment, 4), "short piece").to.equal(false);
  });

  it("arePiecesValid gives isPieceValid's verdicts, isolating bad pieces in a batch", () => {
    const at = (k: number, piece = pieces[k]!, position = positions[k]!) => ({ piece, segmentCommitment, position });
    // Swapped records keep both commitments and witnesses valid: only the record check sees it.
    const swapA = pieces[2]!.slice();
    const swapB = pieces[3]!.slice();
    swapA.set(pieces[3]!.subarray(0, RECORD_SIZE), 0);
    swapB.set(pieces[2]!.subarray(0, RECORD_SIZE), 0);
    const items = [
      at(0), at(1),
      at(0, corrupt(pieces[0]!, 1000)), // record byte: witness still fine
      at(1, corrupt(pieces[1]!, RECORD_SIZE + 7)), // commitment byte
      at(2, corrupt(pieces[2]!, RECORD_SIZE + 48 + 20)), // witness byte
      at(3, pieces[3]!, 6), // wrong position
      at(2, swapA), at(3, swapB),
      at(2), at(3),
      { piece: pieces[0]!.subarray(1), segmentCommitment, position: 4 },
    ];
    const expected = [true, true, false, false, false, false, false, false, true, true, false];
    expect(arePiecesValid(kzg, items)).to.deep.equal(expected);
    expect(items.map((it) => isPieceValid(kzg, it.piece, it.segmentCommitment, it.position))).to.deep.equal(expected);
    expect(arePiecesValid(kzg, [])).to.deep.equal([]);
    expect(arePiecesValid(kzg, [at(1)])).to.deep.equal([true]);
  });

  it("arePiecesValid checks pieces of two segments in one batch and isolates each kind of tampering", () => {
    const a = (k: number, piece = segA.pieces[k]!, position = segA.positions[k]!, sc = segA.segmentCommitment) => ({ piece, segmentCommitment: sc, position });
    const b = (k: number, piece = segB.pieces[k]!, position = segB.positions[k]!, sc = segB.segmentCommitment) => ({ piece, segmentCommitment: sc, position });
    // A commitment byte flipped into another valid point would need a search; replacing the
    // commitment by a valid point (another piece's) keeps the encoding valid and fails both checks.
    const foreignCommitment = segA.pieces[1]!.slice();
    foreignCommitment.set(segA.pieces[2]!.subarray(RECORD_SIZE, RECORD_SIZE + 48), RECORD_SIZE);
    const foreignWitness = segB.pieces[0]!.slice();
    foreignWitness.set(segB.pieces[1]!.subarray(RECORD_SIZE + 48), RECORD_SIZE + 48);
    const notInG1Witness = segA.pieces[3]!.slice();
    notInG1Witness.set(outsideG1(), RECORD_SIZE + 48);
    const notInG1Commitment = segB.pieces[1]!.slice();
    notInG1Commitment.set(outsideG1(), RECORD_SIZE);
    const infinityWitness = segA.pieces[0]!.slice();
    infinityWitness.fill(0, RECORD_SIZE + 48);
    infinityWitness[RECORD_SIZE + 48] = 0xc0;
    const cases: [string, { piece: Uint8Array; segmentCommitment: Uint8Array; position: number }, boolean][] = [
      ["A0", a(0), true],
      ["B0 (same position as A0, other segment)", b(0), true],
      ["A1 tampered witness", a(1, corrupt(segA.pieces[1]!, RECORD_SIZE + 48 + 5)), false],
      ["B1", b(1), true],
      ["A2 tampered commitment", a(2, corrupt(segA.pieces[2]!, RECORD_SIZE + 30)), false],
      ["A1 with A2's commitment (a valid point)", a(1, foreignCommitment), false],
      ["B0 with B1's witness (a valid point)", b(0, foreignWitness), false],
      ["A3 tampered record byte", a(3, corrupt(segA.pieces[3]!, 77_777)), false],
      ["B1 wrong position", b(1, segB.pieces[1]!, 201), false],
      ["A2", a(2), true],
      ["A0 under segment B's commitment", a(0, segA.pieces[0]!, 4, segB.segmentCommitment), false],
      ["A3 witness outside G1", a(3, notInG1Witness), false],
      ["B1 commitment outside G1", b(1, notInG1Commitment), false],
      ["A0 witness at infinity", a(0, infinityWitness), false],
      ["A3", a(3), true],
      ["A1", a(1), true],
    ];
    const items = cases.map((c) => c[1]);
    const verdicts = arePiecesValid(kzg, items);
    cases.forEach(([what, it, ok], i) => {
      expect(verdicts[i], what).to.equal(ok);
      expect(isPieceValid(kzg, it.piece, it.segmentCommitment, it.position), `isPieceValid: ${what}`).to.equal(ok);
    });
    // Only good pieces from two segments: one combined check passes them all.
    expect(arePiecesValid(kzg, [a(3), b(1), a(0), b(0), a(2), a(1)])).to.deep.equal([true, true, true, true, true, true]);
    // A segment commitment that is not a valid point fails its pieces, not the other segment's.
    const badSegment = segB.segmentCommitment.slice();
    badSegment[0] = 0x00; // compression flag cleared
    expect(arePiecesValid(kzg, [a(0), b(0, segB.pieces[0]!, 4, badSegment), a(1)])).to.deep.equal([true, false, true]);
  });
});
