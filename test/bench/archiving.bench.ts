/**
 * Archiving benchmarks (issue 5): Fr multiplication rates (bigint and the WASM kernels) and the
 * erasure extension of one record (4,096 → 8,192 values) against them; archiving one full segment
 * with c-kzg (this thread, and split over 2 worker threads) against the 20 s goal, parity
 * commitments by G1 extension (cross-checked against direct commitments), with the kzg-wasm figure
 * extrapolated from its measured per-operation costs; piece verification (single with the
 * reference's semantics, and batched per piece for 16, 128 and 256 pieces) against 5 ms; segment reconstruction from half its pieces against 30 s. Every ratio is
 * value / limit, measured in this run.
 *
 * The file doubles as its own worker (KZG commitments and witnesses over a shared buffer).
 */
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { randomBytes } from "node:crypto";
import { report } from "./report.ts";
import { getKzg, Polynomial, type KzgBackendName } from "../../framework/primitives/subspace/kzg/index.ts";
import { ErasureCoding, FR_MODULUS, frMul, frWasm } from "../../framework/primitives/subspace/erasure-coding/index.ts";
import {
  PiecesReconstructor, Reconstructor, archivedSegmentPiece, arePiecesValid, commitRecords, commitSourceRecords, createWitnesses,
  encodeRecords, extendRecordCommitments, isPieceValid, isRecordCommitmentHashValid, pieceCommitments, segmentErasureCoding,
  segmentPolynomial, Archiver,
} from "../../framework/primitives/subspace/archiving/index.ts";
import { blake3_254HashToScalar, scalarToBytes } from "../../framework/primitives/subspace/core/index.ts";
import { NUM_PIECES, PIECE_SIZE, RECORDED_HISTORY_SEGMENT_SIZE, RECORD_SIZE } from "../../framework/primitives/subspace/profile/index.ts";

type Job = { op: "commitSource"; from: number; to: number } | { op: "witness"; from: number; to: number; blob: Uint8Array };

if (!isMainThread) {
  const { shared, backend } = workerData as { shared: SharedArrayBuffer; backend: KzgBackendName };
  const flat = new Uint8Array(shared);
  const kzg = await getKzg({ backend });
  parentPort!.on("message", (job: Job) => {
    if (job.op === "commitSource") commitSourceRecords(kzg, flat, job.from, job.to);
    else createWitnesses(kzg, new Polynomial(job.blob), flat, job.from, job.to);
    parentPort!.postMessage("done");
  });
  parentPort!.postMessage("ready");
} else {
  await main();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(f: () => T): [T, number] {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
}

async function main(): Promise<void> {
  // ---- Fr multiplication rate and record extension ----------------------------------------
  const xs = Array.from({ length: 1024 }, (_, i) => (BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n) % FR_MODULUS);
  const mulRates: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    let acc = xs[0]!;
    let n = 0;
    const t = performance.now();
    while (performance.now() - t < 300) {
      for (let i = 0; i < 1024; i++) acc = frMul(acc, xs[i]!);
      n += 1024;
    }
    mulRates.push(n / ((performance.now() - t) / 1000));
    if (acc === 0n) console.log("");
  }
  const mulRate = median(mulRates);
  report("fr_mul_rate", mulRate / 1e6, "M ops/s", 3.2, (mulRate / 1e6) / 3.2);
  // The WASM kernel: 4,096-element vector products (Montgomery), as the FFTs use it.
  const f = frWasm();
  const vec = f.allocElements(4096);
  f.writeBigints(vec, Array.from({ length: 4096 }, (_, i) => xs[i % 1024]!));
  const wasmRates: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    let n = 0;
    const t = performance.now();
    while (performance.now() - t < 300) {
      f.mulVec(vec, vec, vec, 4096);
      n += 4096;
    }
    wasmRates.push(n / ((performance.now() - t) / 1000));
  }
  const wasmRate = median(wasmRates);
  report("fr_mul_rate_wasm", wasmRate / 1e6, "M ops/s", mulRate / 1e6);

  const ec = new ErasureCoding(13);
  const record = Array.from({ length: 4096 }, (_, i) => (BigInt(i) * 0x1234567890abcdef1234567890abcdefn) % FR_MODULUS);
  const recordBytes = new Uint8Array(4096 * 32);
  record.forEach((v, i) => recordBytes.set(scalarToBytes(v), 32 * i));
  ec.extend(record);
  ec.extendBytes(recordBytes);
  const ext = median(Array.from({ length: 7 }, () => time(() => ec.extend(record))[1]));
  const extBytes = median(Array.from({ length: 7 }, () => time(() => ec.extendBytes(recordBytes))[1]));
  // iFFT + FFT of 4,096 (2 × 2,048 × 12 butterflies), 4,096 shifts and 4,096 1/n scalings: the
  // limit is that many bigint multiplications at the rate measured above.
  const muls = 2 * 2048 * 12 + 2 * 4096;
  report("erasure_extend_record_4096_to_8192", ext, "ms", (muls / mulRate) * 1000);
  report("erasure_extend_record_bytes_4096_to_8192", extBytes, "ms", (muls / mulRate) * 1000);
  report("erasure_extend_record_in_bigint_fr_muls", (extBytes / 1000) * mulRate, "Fr muls", muls);

  // ---- one full segment with c-kzg ----------------------------------------------------------
  const kzg = await getKzg({ backend: "c-kzg" });
  const segEc = segmentErasureCoding();
  const data = randomBytes(RECORDED_HISTORY_SEGMENT_SIZE);
  data[0] = 0; // Segment::V0 version byte
  const [pieces, encodeMs] = time(() => encodeRecords(segEc, data));
  report("segment_erasure_coding", encodeMs / 1000, "s", null);
  const [, commitMs] = time(() => commitSourceRecords(kzg, pieces));
  const [, extendMs] = time(() => extendRecordCommitments(kzg, pieces));
  const poly = segmentPolynomial(kzg, pieceCommitments(pieces));
  const segmentCommitment = kzg.commit(poly);
  const [, witnessMs] = time(() => createWitnesses(kzg, poly, pieces));
  report("segment_source_record_commitments_ckzg", commitMs / 1000, "s", null);
  report("segment_parity_commitments_g1_extension", extendMs / 1000, "s", null);
  report("segment_witnesses_ckzg", witnessMs / 1000, "s", null);
  report("archive_segment_ckzg_1_thread", (encodeMs + commitMs + extendMs + witnessMs) / 1000, "s", 20);
  // Cross-check: direct commitments of a few parity records equal the extended ones.
  const direct = pieces.slice();
  const [, directMs] = time(() => [1, 3, 129, 255].forEach((i) => commitRecords(kzg, direct, i, i + 1)));
  if (Buffer.compare(Buffer.from(direct), Buffer.from(pieces)) !== 0) throw new Error("G1 extension differs from direct parity commitments");
  report("segment_parity_commitments_direct_ckzg_extrapolated", ((directMs / 4) * 128) / 1000, "s", null);

  // Through the Archiver (one full block → one segment), single thread, as the node would call it.
  const archiver = new Archiver(kzg, segEc);
  const [out, archMs] = time(() => archiver.addBlock(randomBytes(RECORDED_HISTORY_SEGMENT_SIZE), []));
  if (out.archivedSegments.length !== 1) throw new Error("expected one segment");
  report("archiver_add_block_full_segment_ckzg", archMs / 1000, "s", 20);

  // 2 worker threads share the KZG work (erasure coding and the G1 extension in this thread).
  const shared = new SharedArrayBuffer(NUM_PIECES * PIECE_SIZE);
  const flat = new Uint8Array(shared);
  const workers = await Promise.all([0, 1].map(() => startWorker(shared, "c-kzg")));
  const t0 = performance.now();
  flat.set(encodeRecords(segEc, data));
  await Promise.all(workers.map((w, k) => w.run({ op: "commitSource", from: k * 64, to: (k + 1) * 64 })));
  extendRecordCommitments(kzg, flat);
  const poly2 = segmentPolynomial(kzg, pieceCommitments(flat));
  kzg.commit(poly2);
  await Promise.all(workers.map((w, k) => w.run({ op: "witness", from: k * 128, to: (k + 1) * 128, blob: poly2.blob })));
  report("archive_segment_ckzg_2_workers", (performance.now() - t0) / 1000, "s", 20);
  if (Buffer.compare(Buffer.from(flat), Buffer.from(pieces)) !== 0) throw new Error("worker result differs");
  await Promise.all(workers.map((w) => w.stop()));

  // ---- piece verification -----------------------------------------------------------------
  const piece = archivedSegmentPiece({ segmentHeader: null as never, pieces }, 9);
  const vTimes: number[] = [];
  for (let rep = 0; rep < 9; rep++) {
    const [ok, ms] = time(() => isPieceValid(kzg, piece, segmentCommitment, 9));
    if (!ok) throw new Error("piece invalid");
    vTimes.push(ms);
  }
  report("piece_verification_ckzg", median(vTimes), "ms", 5);
  const wTimes: number[] = [];
  const h = blake3_254HashToScalar(piece.subarray(RECORD_SIZE, RECORD_SIZE + 48));
  for (let rep = 0; rep < 9; rep++) wTimes.push(time(() => isRecordCommitmentHashValid(kzg, h, segmentCommitment, piece.subarray(RECORD_SIZE + 48), 9))[1]);
  report("piece_witness_check_ckzg", median(wTimes), "ms", 5);
  // Batched: the same verdicts for many pieces at once (one random linear combination of the
  // record and witness checks per batch); 256 is a whole segment.
  const pieceAtPos = (i: number): Uint8Array => archivedSegmentPiece({ segmentHeader: null as never, pieces }, i);
  for (const k of [16, 128, 256]) {
    const items = Array.from({ length: k }, (_, i) => ({ piece: pieceAtPos(i), segmentCommitment, position: i }));
    const bTimes: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const [ok, ms] = time(() => arePiecesValid(kzg, items));
      if (!ok.every(Boolean)) throw new Error("batch verification failed");
      bTimes.push(ms / k);
    }
    report(`piece_verification_batched_${k}_ckzg_per_piece`, median(bTimes), "ms", 5);
  }

  // ---- reconstruction from half -----------------------------------------------------------
  const half = Array.from({ length: 256 }, (_, i) => (i % 4 === 0 || i % 4 === 3 ? archivedSegmentPiece({ segmentHeader: null as never, pieces }, i) : null));
  const [rebuilt, recMs] = time(() => new PiecesReconstructor(kzg, segEc).reconstructSegment(half, segmentCommitment));
  if (Buffer.compare(Buffer.from(rebuilt), Buffer.from(pieces)) !== 0) throw new Error("reconstruction differs");
  report("pieces_reconstruct_segment_from_half_ckzg", recMs / 1000, "s", 30);
  const [, dataMs] = time(() => new Reconstructor(segEc).reconstructSegmentData(half));
  report("segment_data_from_half", dataMs / 1000, "s", 30);

  // ---- kzg-wasm: per-operation costs, extrapolated to a segment ----------------------------
  const wasmLoad0 = performance.now();
  const wasm = await getKzg({ backend: "kzg-wasm" });
  report("kzg_wasm_setup_load", (performance.now() - wasmLoad0) / 1000, "s", null);
  const recPoly = wasm.polyFromScalarBytes(pieces.subarray(0, RECORD_SIZE));
  const wc = median([0, 1, 2].map(() => time(() => wasm.commit(recPoly))[1]));
  const ww = median([0, 1, 2].map((i) => time(() => wasm.createWitness(poly, 256, i))[1]));
  report("kzg_wasm_commit", wc, "ms", null);
  report("kzg_wasm_witness", ww, "ms", null);
  report("archive_segment_kzg_wasm_1_thread_extrapolated", (encodeMs + extendMs + 128 * wc + 256 * ww) / 1000, "s", 20);
  const wv = median([0, 1, 2, 3, 4].map(() => time(() => isPieceValid(wasm, piece, segmentCommitment, 9))[1]));
  report("piece_verification_kzg_wasm", wv, "ms", 5);
}

function startWorker(shared: SharedArrayBuffer, backend: KzgBackendName): Promise<{ run(job: Job): Promise<void>; stop(): Promise<number> }> {
  return new Promise((resolve, reject) => {
    // tsx must be registered inside the worker before it can load this .ts file.
    const tsxApi = import.meta.resolve("tsx/esm/api");
    const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const w = new Worker(code, { eval: true, workerData: { shared, backend } });
    let pending: (() => void) | null = null;
    w.on("error", reject);
    w.on("message", (m) => {
      if (m === "ready") {
        resolve({
          run: (job) => new Promise<void>((res) => { pending = res; w.postMessage(job); }),
          stop: () => w.terminate(),
        });
      } else if (m === "done") {
        const p = pending;
        pending = null;
        p?.();
      }
    });
  });
}
