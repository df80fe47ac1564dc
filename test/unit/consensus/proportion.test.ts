/**
 * Farmers win in proportion to their space (issue 7): two farms of different sizes plotted from the
 * same synthetic archived history (real KZG records, record witnesses and segment commitments, see
 * node/farmer/benchmark.ts `SyntheticHistory`), audited over many slots at the audit/prove level
 * (no node), with each slot's winner chosen as the consensus chooses: the best (smallest) distance
 * among the farms' valid solutions. Winners are proved and checked with `verifySolution` for a
 * sample of slots.
 *
 * Farm A: one sector of 2 pieces. Farm B: two sectors of 3 pieces (6 pieces, 3× A's space).
 *
 * Why the expected share is the space share. Per slot each sector audits one s-bucket (uniform,
 * from its sector slot challenge); a chunk there can win only when it is encoded (has a PoS proof),
 * and its distance to the global challenge is uniform over u64 (keyed BLAKE3, random-oracle model),
 * independently of every other chunk. So a farm's chance of holding the best in-range chunk of a
 * slot is proportional to the encoded chunks it audits, whose mean is (encoded chunks of the farm)
 * / NUM_S_BUCKETS, i.e. proportional to the space it plots (pieces × ~RECORD_NUM_CHUNKS). The test
 * computes the exact expectation from the sectors' contents maps (below), compares it with the
 * pieces share 6/8, and compares the observed share with it.
 *
 * The solution range is u64::MAX / 32 (per encoded chunk a 1/32 chance of being in range), so a
 * farm wins under 1 slot in 10 and "wins" count chunks rather than saturating at one per slot.
 *
 * PoS K is 17: at K = 15 a record's table has proofs for only ~2,500–4,700 of the 8,192 s-buckets
 * (measured over 8 seeds), so records encode unequal numbers of chunks (at most 4,096) and the
 * share of encoded chunks drifts from the share of pieces by up to ~3 points; at K = 17 almost
 * every record encodes all 4,096, as at the profile's K = 20. Plotting 8 records costs ~2 s.
 */
import { expect } from "chai";
import { PieceIndex } from "../../../framework/primitives/subspace/core/index.ts";
import { getKzg, type Kzg } from "../../../framework/primitives/subspace/kzg/index.ts";
import { PosTablesCache } from "../../../framework/primitives/subspace/pos/index.ts";
import { RECORD_NUM_S_BUCKETS } from "../../../framework/primitives/subspace/profile/index.ts";
import {
  SectorContentsMap, auditSector, contentsMapSize, derivePieceIndex, plotSector, proveWinningChunk, publicKeyHash, sectorIdFromPublicKey,
  type AuditResult, type PlottedSector, type ProvedRecord, type SectorReader, type WinningChunk, winningChunksOf,
} from "../../../framework/primitives/subspace/sectors/index.ts";
import { slotGlobalChallenge, solutionPieceIndex, verifySolution } from "../../../framework/primitives/subspace/verification/index.ts";
import { SyntheticHistory } from "../../../node/farmer/benchmark.ts";

const POS_K = 17;
const HISTORY_SIZE = 3n;
const MAX_PIECES_IN_SECTOR = 3;
const U64_MAX = (1n << 64n) - 1n;
const SOLUTION_RANGE = U64_MAX / 32n;
const SLOTS = 30_000;
/** Winners proved and verified per farm (proving costs ~0.5 s per record on first use). */
const VERIFIED_PER_FARM = 2;
const POT = Uint8Array.from({ length: 16 }, (_, i) => 0x5a ^ (13 * i));

interface FarmSector {
  readonly plotted: PlottedSector;
  readonly map: SectorContentsMap;
  readonly read: SectorReader;
}

interface Farm {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly pkHash: Uint8Array;
  readonly pieces: number;
  readonly sectors: FarmSector[];
  /** Proved records, per farm (the cache key does not include the public key). */
  readonly recordCache: Map<string, ProvedRecord>;
}

/** The farm's best solution candidate of a slot: an encoded chunk in range, smallest distance. */
interface Best {
  readonly sector: FarmSector;
  readonly audit: AuditResult;
  readonly winning: WinningChunk;
}

function bestOf(farm: Farm, globalChallenge: Uint8Array): Best | undefined {
  let best: Best | undefined;
  for (const sector of farm.sectors) {
    const audit = auditSector(farm.pkHash, globalChallenge, SOLUTION_RANGE, sector.plotted.metadata, sector.read);
    if (audit === undefined) continue;
    const winning = winningChunksOf(audit, sector.map)[0];
    if (winning !== undefined && (best === undefined || winning.distance < best.winning.distance)) best = { sector, audit, winning };
  }
  return best;
}

/**
 * Per sector, the distribution of encoded chunks over s-buckets: share[k] = fraction of s-buckets
 * in which exactly k records keep an encoded chunk (an audited s-bucket is uniform).
 */
function encodedPerSBucket(s: FarmSector): number[] {
  const n = s.plotted.metadata.piecesInSector;
  const counts = new Array<number>(n + 1).fill(0);
  for (let b = 0; b < RECORD_NUM_S_BUCKETS; b++) {
    let k = 0;
    for (let p = 0; p < n; p++) if (s.map.isEncoded(p, b)) k++;
    counts[k]!++;
  }
  return counts.map((c) => c / RECORD_NUM_S_BUCKETS);
}

/**
 * G(u) = P(no encoded chunk of the farm within range) when each chunk independently is with
 * probability u, and −G'(u) (the density of the farm's best chunk, in u).
 */
function survival(farm: Farm): (u: number) => { g: number; density: number } {
  const shares = farm.sectors.map(encodedPerSBucket);
  return (u) => {
    const gs = shares.map((sh) => sh.reduce((acc, p, k) => acc + p * (1 - u) ** k, 0));
    const ds = shares.map((sh) => sh.reduce((acc, p, k) => acc + (k === 0 ? 0 : p * k * (1 - u) ** (k - 1)), 0));
    const g = gs.reduce((a, b) => a * b, 1);
    // −G' = Σ_i (−g_i') Π_{j≠i} g_j.
    const density = ds.reduce((acc, d, i) => acc + d * gs.reduce((a, b, j) => (j === i ? a : a * b), 1), 0);
    return { g, density };
  };
}

/** ∫_0^ρ G_other(u) · (−G_farm'(u)) du by Simpson's rule: P(this farm holds the slot's best solution). */
function winProbability(farm: Farm, other: Farm, rho: number): number {
  const f = survival(farm);
  const o = survival(other);
  const steps = 2000;
  const h = rho / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const u = i * h;
    const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * f(u).density * o(u).g;
  }
  return (sum * h) / 3;
}

describe("PoAS: farms win in proportion to their space", function () {
  this.timeout(120_000);
  let kzg: Kzg;
  let history: SyntheticHistory;
  let farmA: Farm;
  let farmB: Farm;

  before(async () => {
    kzg = await getKzg();
    history = new SyntheticHistory(kzg, HISTORY_SIZE, MAX_PIECES_IN_SECTOR);
    const posCache = new PosTablesCache();
    const layouts = [
      { name: "A", seed: 0x11, sectors: [2] },
      { name: "B", seed: 0x77, sectors: [3, 3] },
    ];
    const ids = layouts.map((l) => {
      const publicKey = Uint8Array.from({ length: 32 }, (_, i) => (l.seed + 29 * i) & 0xff);
      return { ...l, publicKey, indexes: l.sectors.map((n, s) => Array.from({ length: n }, (_, o) => derivePieceIndex(sectorIdFromPublicKey(publicKey, s, HISTORY_SIZE), o, HISTORY_SIZE, history.pieceSelection))) };
    });
    // All pieces at once: the history builds each touched segment's commitment over every record it holds.
    history.prepare(ids.flatMap((l) => l.indexes.flat()));
    const farms: Farm[] = [];
    for (const l of ids) {
      const sectors: FarmSector[] = [];
      for (const [sectorIndex, indexes] of l.indexes.entries()) {
        const pieces = await Promise.all(indexes.map((i) => history.getPiece(i)));
        const plotted = plotSector({ publicKey: l.publicKey, sectorIndex, historySize: HISTORY_SIZE, pieces, posK: POS_K, posCache });
        const read: SectorReader = (offset, length) => plotted.sector.subarray(offset, offset + length);
        sectors.push({ plotted, read, map: SectorContentsMap.fromBytes(read(0, contentsMapSize(indexes.length)), indexes.length) });
      }
      farms.push({ name: l.name, publicKey: l.publicKey, pkHash: publicKeyHash(l.publicKey), pieces: l.sectors.reduce((a, b) => a + b, 0), sectors, recordCache: new Map() });
    }
    [farmA, farmB] = farms as [Farm, Farm];
  });

  /** Proves a farm's best chunk of a slot and verifies it as the node would (piece check included). */
  function proveAndVerify(farm: Farm, best: Best, slot: number): bigint {
    const { plotted, map, read } = best.sector;
    const solution = proveWinningChunk(
      { publicKey: farm.publicKey, rewardAddress: farm.publicKey, kzg, posK: POS_K, recordCache: farm.recordCache },
      best.audit, plotted.metadata, map, read, best.winning,
    );
    const segment = PieceIndex.segmentIndex(solutionPieceIndex(solution, history.pieceSelection));
    const r = verifySolution(solution, slot, {
      proofOfTime: POT,
      solutionRange: SOLUTION_RANGE,
      posK: POS_K,
      pieceCheckParams: {
        ...history.pieceSelection,
        segmentCommitment: history.segmentCommitment(segment)!,
        minSectorLifetime: 4n,
        currentHistorySize: HISTORY_SIZE,
      },
    }, kzg);
    if (!r.ok) throw new Error(`farm ${farm.name}, slot ${slot}: ${r.error.code}: ${r.error.message}`);
    expect(r.distance, `farm ${farm.name}, slot ${slot}: verified distance`).to.equal(best.winning.distance);
    return r.distance;
  }

  it(`farm B (6 pieces) wins ~3× as many of ${SLOTS} slots as farm A (2 pieces), within 4σ of the exact expectation`, () => {
    // P(one chunk's distance ≤ range / 2) for a uniform u64: (2·⌊range/2⌋ + 1) / 2^64.
    const rho = Number(2n * (SOLUTION_RANGE / 2n) + 1n) / 2 ** 64;
    const pA = winProbability(farmA, farmB, rho);
    const pB = winProbability(farmB, farmA, rho);
    const expectedShareB = pB / (pA + pB);
    const encoded = (f: Farm) => f.sectors.reduce((a, s) => a + s.map.numEncoded.reduce((x, y) => x + y, 0), 0);
    const spaceShareB = farmB.pieces / (farmA.pieces + farmB.pieces);
    const encodedShareB = encoded(farmB) / (encoded(farmA) + encoded(farmB));
    // Not saturated: even the larger farm has a solution in under 15% of the slots.
    expect(1 - survival(farmB)(rho).g).to.be.below(0.15);
    // The exact expectation is the share of encoded chunks (up to O(ρ²)), and that is the share of
    // pieces up to how many of its s-buckets each record could encode (PoS proofs at K = 15).
    expect(Math.abs(expectedShareB - encodedShareB), "expected share vs encoded-chunk share").to.be.below(0.002);
    expect(Math.abs(expectedShareB - spaceShareB), "expected share vs pieces share").to.be.below(0.02);

    const wins = { A: 0, B: 0 };
    const verified = { A: 0, B: 0 };
    let contested = 0;
    let contestedChecked = false;
    for (let slot = 1; slot <= SLOTS; slot++) {
      const gc = slotGlobalChallenge(POT, slot);
      const a = bestOf(farmA, gc);
      const b = bestOf(farmB, gc);
      if (a === undefined && b === undefined) continue;
      const winner = a === undefined ? "B" : b === undefined ? "A" : a.winning.distance <= b.winning.distance ? "A" : "B";
      wins[winner]++;
      if (a !== undefined && b !== undefined) {
        contested++;
        if (!contestedChecked) {
          // Both solutions are valid; the consensus takes the better one.
          const [dA, dB] = [proveAndVerify(farmA, a, slot), proveAndVerify(farmB, b, slot)];
          expect(winner === "A" ? dA < dB : dB < dA, `slot ${slot}: the winner has the smaller distance`).to.equal(true);
          contestedChecked = true;
        }
      } else if (verified[winner] < VERIFIED_PER_FARM) {
        proveAndVerify(winner === "A" ? farmA : farmB, (winner === "A" ? a : b)!, slot);
        verified[winner]++;
      }
    }
    const total = wins.A + wins.B;
    const shareB = wins.B / total;
    // Given `total` won slots, farm B's wins are Binomial(total, expectedShareB) (slots are
    // independent): σ = √(q(1 − q) / total) ≈ 0.0073 for ≈ 3,500 won slots. 4σ (≈ 0.029) puts a
    // false failure at ≈ 6·10⁻⁵ (normal approximation).
    const sigma = Math.sqrt((expectedShareB * (1 - expectedShareB)) / total);
    const summary = `A ${wins.A}, B ${wins.B} of ${SLOTS} slots (${contested} contested); B's share ${shareB.toFixed(4)}, expected ${expectedShareB.toFixed(4)} ± ${(4 * sigma).toFixed(4)} (4σ), pieces ${spaceShareB}`;
    expect(verified.A + verified.B + (contestedChecked ? 2 : 0), summary).to.equal(2 * VERIFIED_PER_FARM + 2);
    expect(Math.abs(shareB - expectedShareB), summary).to.be.at.most(4 * sigma);
    // Each farm's own win rate over all slots: Binomial(SLOTS, p), also within 4σ.
    for (const [name, p] of [["A", pA], ["B", pB]] as const) {
      const s = Math.sqrt((p * (1 - p)) / SLOTS);
      expect(Math.abs(wins[name] / SLOTS - p), `farm ${name}: ${wins[name]} wins, expected rate ${p.toFixed(5)} ± ${(4 * s).toFixed(5)}; ${summary}`).to.be.at.most(4 * s);
    }
    // And so against the space ratio: the 4σ band widened by the encoded-chunk vs pieces gap.
    expect(Math.abs(shareB - spaceShareB), summary).to.be.at.most(4 * sigma + Math.abs(expectedShareB - spaceShareB));
  });
});
