import { expect } from "chai";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";
import {
  derivePieceIndex,
  evaluationSeed,
  expirationHistorySize,
  isSectorExpired,
  sBucketAuditIndex,
  sectorId,
  sectorIdFromPublicKey,
  sectorSlotChallenge,
  SectorError,
  type PieceSelection,
} from "../../../../framework/primitives/subspace/sectors/index.ts";

// Expected values are recomputed here from the reference's formulas with @noble/hashes (a BLAKE3
// independent of the hash-wasm one the code uses for unkeyed hashes); the reference has no
// known-answer vectors for these derivations.
const le = (bytes: Uint8Array): bigint => bytes.reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n);
const bytes = (n: number, f: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);
const publicKey = bytes(32, (i) => 3 * i + 1);
const MAINNET: PieceSelection = { maxPiecesInSector: 1000, recentSegments: 5n, recentHistoryFraction: [1n, 10n] };

describe("sector derivations", () => {
  it("sector id = blake3_keyed(blake3(public key), index u16 LE ‖ history size u64 LE)", () => {
    const id = sectorIdFromPublicKey(publicKey, 0x0102, 0x0a0b0c0d0e0fn);
    const input = Uint8Array.of(0x02, 0x01, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0, 0);
    expect(Buffer.from(id).toString("hex")).to.equal(Buffer.from(nobleBlake3(input, { key: nobleBlake3(publicKey) })).toString("hex"));
    expect(() => sectorId(nobleBlake3(publicKey), 65536, 1n)).to.throw(SectorError);
    expect(() => sectorId(nobleBlake3(publicKey), 0, 0n)).to.throw(SectorError);
  });

  it("piece index: uniform over history up to 50 segments (mainnet parameters)", () => {
    const id = sectorIdFromPublicKey(publicKey, 7, 50n);
    for (const offset of [0, 1, 2, 199, 200, 999]) {
      const key = new Uint8Array(32);
      key[0] = offset & 0xff;
      key[1] = offset >> 8;
      const h = le(nobleBlake3(id, { key }));
      expect(derivePieceIndex(id, offset, 50n, MAINNET), `offset ${offset}`).to.equal(h % (50n * 256n));
    }
  });

  it("piece index: odd offsets below 200 come from the last 5 segments past 50 segments", () => {
    const id = sectorIdFromPublicKey(publicKey, 9, 51n);
    const historyInPieces = 51n * 256n;
    for (let offset = 0; offset < 1000; offset++) {
      const key = new Uint8Array(32);
      key[0] = offset & 0xff;
      key[1] = offset >> 8;
      const h = le(nobleBlake3(id, { key }));
      const recent = offset < 200 && offset % 2 === 1;
      const expected = recent ? (h % 1280n) + (historyInPieces - 1280n) : h % historyInPieces;
      expect(derivePieceIndex(id, offset, 51n, MAINNET), `offset ${offset}`).to.equal(expected);
    }
  });

  it("piece index: a tiny sector still interleaves one offset (max(1, ..))", () => {
    const id = sectorIdFromPublicKey(publicKey, 1, 100n);
    const selection: PieceSelection = { maxPiecesInSector: 4, recentSegments: 5n, recentHistoryFraction: [1n, 10n] };
    // 4 · 1/10 · 2 = 0 → 1: offset 0 is even, so nothing is taken from recent history
    const key = new Uint8Array(32);
    key[0] = 1;
    expect(derivePieceIndex(id, 1, 100n, selection)).to.equal(le(nobleBlake3(id, { key })) % (100n * 256n));
  });

  it("sector slot challenge is sector id XOR global challenge; audited s-bucket is u16 LE mod 8,192", () => {
    const id = bytes(32, (i) => i);
    const challenge = bytes(32, (i) => 0xf0 ^ i);
    const slot = sectorSlotChallenge(id, challenge);
    expect([...slot]).to.deep.equal(new Array(32).fill(0xf0));
    expect(sBucketAuditIndex(Uint8Array.of(0x34, 0x12, 0xff))).to.equal(0x1234);
    expect(sBucketAuditIndex(Uint8Array.of(0xff, 0xff))).to.equal(8191);
    expect(sBucketAuditIndex(Uint8Array.of(0x00, 0x20))).to.equal(0);
    expect(sBucketAuditIndex(Uint8Array.of(0xff, 0xff), 65536)).to.equal(65535);
  });

  it("evaluation seed = blake3(sector id ‖ offset u16 LE)", () => {
    const id = bytes(32, (i) => 7 * i);
    const expected = nobleBlake3(Uint8Array.of(...id, 0x2c, 0x01));
    expect(Buffer.from(evaluationSeed(id, 300)).toString("hex")).to.equal(Buffer.from(expected).toString("hex"));
  });

  it("expiration lies in [H + lifetime, lifetime + 4H) and follows the formula", () => {
    const id = bytes(32, (i) => 11 * i);
    const commitment = bytes(48, (i) => i);
    for (const [h, lifetime] of [[1n, 4n], [10n, 4n], [1000n, 4n], [7n, 100n]] as const) {
      const expires = expirationHistorySize(id, h, commitment, lifetime)!;
      const check = h + lifetime;
      const expected = check + (le(nobleBlake3(Uint8Array.of(...id, ...commitment))) % (lifetime + 4n * h - check));
      expect(expires).to.equal(expected);
      expect(expires >= check && expires < lifetime + 4n * h).to.equal(true);
      expect(isSectorExpired(expires, expires - 1n)).to.equal(false);
      expect(isSectorExpired(expires, expires)).to.equal(true);
    }
    expect(expirationHistorySize(id, (1n << 63n), commitment, 4n)).to.equal(undefined);
  });
});
