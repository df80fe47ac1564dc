/**
 * Farmer figures at the profile's PoS K (20): one record's table build and encoding on one core
 * (with the table's share), plotting one sector on all cores (records per minute), auditing (per
 * sector, and one slot of a 100 GiB-equivalent plot read from a sparse file), proving one solution
 * from disk with nothing cached (table rebuild, read and unmask, record recovery, KZG chunk
 * witness), and full solution verification.
 *
 * Limits: proving < 1 s and verification 1–10 ms (seed 001 "Archival Storage Proof"; issue 6 asks
 * ≤ 5 ms), table build ≤ 1.5 s, auditing ≥ 1,000,000 chunks/s and a 100 GiB slot < 0.5 s (issue 6).
 * `FARMER_BENCH_PIECES` sets the sector's pieces (default 4).
 */
import { report } from "./report.ts";
import { benchmarkAudit, benchmarkPlot, benchmarkProve, benchmarkVerify, type Figure } from "../../node/farmer/benchmark.ts";

const print = (f: Figure): void => report(f.name, f.value, f.unit, f.limit, f.floor && f.limit !== null ? f.limit / f.value : undefined);

const bench = await benchmarkPlot({ pieces: Number(process.env.FARMER_BENCH_PIECES ?? 4) });
try {
  bench.figures.forEach(print);
  benchmarkAudit(bench).forEach(print);
  const proved = benchmarkProve(bench);
  proved.figures.forEach(print);
  benchmarkVerify(bench, proved).forEach(print);
} finally {
  bench.cleanup();
}
