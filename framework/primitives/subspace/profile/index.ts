/**
 * The Subspace protocol profile: every constant of the archiving / plotting formats that this
 * TypeScript node changes from the reference, in one place, with the reference's mainnet values
 * beside ours.
 *
 * Why the change. The reference (autonomys/subspace, `crates/subspace-core-primitives`,
 * `shared/subspace-kzg`) commits 1 MiB records of 2^15 chunks with the Ethereum ceremony's
 * 2^15-power monomial setup. No JavaScript library commits a 2^15-point polynomial fast enough
 * (PERF: pure-JS G1 MSM 2^15 ≈ 6.3 s, i.e. ≈ 14 min per segment; mcl-wasm fails at 8,192 points),
 * while the EIP-4844 libraries (c-kzg 4.1.0 native: commit 57 ms; kzg-wasm 1.0.0: 474 ms) carry the
 * ceremony's 4,096-point setup and commit and open such polynomials natively
 * (reference/perf-limits.md §4). So records are 4,096 chunks, s-buckets 8,192, and KZG runs over
 * the EIP-4844 setup. Everything else (128 source + 128 parity records per segment, interleaved,
 * piece = record ‖ commitment ‖ witness, segment commitment over 256 hashed record commitments,
 * hash-to-scalar with `& 0x3f`, natural-order roots of unity from generator 7) is as the reference.
 *
 * A chain built with this profile is self-consistent but not byte-compatible with mainnet pieces,
 * segment commitments or solutions; SCALE layouts of all types are unchanged (only lengths differ).
 *
 * Where the work goes (test/bench/archiving.bench.ts, c-kzg, this 2-core machine):
 * - Archiving a segment: erasure coding ≈ 0.3 s (WASM Fr kernels), 128 source-record commitments
 *   ≈ 6 s, the 128 parity-record commitments by erasure extension in G1 ≈ 1.8 s (as the
 *   reference's `extend_commitments`; committing them directly would take ≈ 6.4 s), 256 witnesses
 *   ≈ 13.5 s (one 4,096-point MSM each). The witnesses dominate and split over worker threads.
 * - Piece verification: `isPieceValid` is the reference's check, so it recommits the record
 *   (≈ 45–55 ms, a 4,096-point MSM): the piece format carries no proof that binds the record to
 *   its commitment more cheaply, so a single piece cannot meet the 5 ms goal. The witness check
 *   alone (`isRecordCommitmentHashValid`) is ≈ 1.1 ms. `arePiecesValid` gives the same verdicts for
 *   many pieces at ≈ 1.5 ms per piece (128 at a time; ≈ 1.2 ms for a whole segment of 256,
 *   ≈ 4.5 ms for 16) by checking one random linear combination of all the record and witness
 *   equations with one commitment and one KZG verification (soundness error 2^−128); the farmer
 *   uses it for plotting, and it fits wherever pieces arrive in batches (reconstruction, caches).
 */

/** The knobs that distinguish one profile from another. */
export interface SubspaceProfile {
  readonly name: string;
  /** Chunks (scalars) per record: `Record::NUM_CHUNKS`. Power of two. */
  readonly recordNumChunks: number;
  /** `Record::NUM_S_BUCKETS` = chunks × erasure-coding rate (2). */
  readonly numSBuckets: number;
  /** Source records per segment: `RecordedHistorySegment::NUM_RAW_RECORDS`. */
  readonly numRawRecords: number;
  /** Pieces per segment: `ArchivedHistorySegment::NUM_PIECES`. */
  readonly numPieces: number;
  /** The KZG trusted setup the profile commits with. */
  readonly kzgSetup: "eip-4844-mainnet-4096" | "eth-ceremony-transcript3-32768";
  /** Number of G1 powers available (max polynomial length). */
  readonly kzgNumG1Powers: number;
}

/** The reference's mainnet values (autonomys/subspace @72a5aa6f), kept for documentation and comparison. */
export const MAINNET_PROFILE: SubspaceProfile = Object.freeze({
  name: "subspace-mainnet",
  recordNumChunks: 32_768,
  numSBuckets: 65_536,
  numRawRecords: 128,
  numPieces: 256,
  kzgSetup: "eth-ceremony-transcript3-32768",
  kzgNumG1Powers: 32_768,
});

/** The profile this node runs: 4,096-chunk records committed over the EIP-4844 setup. */
export const TS_PROFILE: SubspaceProfile = Object.freeze({
  name: "subspace-ts-4844",
  recordNumChunks: 4_096,
  numSBuckets: 8_192,
  numRawRecords: 128,
  numPieces: 256,
  kzgSetup: "eip-4844-mainnet-4096",
  kzgNumG1Powers: 4_096,
});

/** The active profile. All derived constants below come from it. */
export const PROFILE: SubspaceProfile = TS_PROFILE;

// ---- scalars -------------------------------------------------------------------------------

/** Bytes of data a scalar carries safely (`ScalarBytes::SAFE_BYTES`); stored as `0x00 ‖ chunk`. */
export const SCALAR_SAFE_BYTES = 31;
/** Bytes of a serialised scalar (`ScalarBytes::FULL_BYTES`), big-endian BLS12-381 Fr. */
export const SCALAR_FULL_BYTES = 32;

// ---- records and pieces --------------------------------------------------------------------

/** Chunks per record. Mainnet: 32,768. */
export const RECORD_NUM_CHUNKS = PROFILE.recordNumChunks;
/** S-buckets per record (and sector). Mainnet: 65,536. */
export const RECORD_NUM_S_BUCKETS = PROFILE.numSBuckets;
/** `RawRecord::SIZE` = chunks × 31. Ours 126,976; mainnet 1,015,808. */
export const RAW_RECORD_SIZE = RECORD_NUM_CHUNKS * SCALAR_SAFE_BYTES;
/** `Record::SIZE` = chunks × 32. Ours 131,072; mainnet 1,048,576. */
export const RECORD_SIZE = RECORD_NUM_CHUNKS * SCALAR_FULL_BYTES;
/** Compressed G1 point. */
export const RECORD_COMMITMENT_SIZE = 48;
export const RECORD_WITNESS_SIZE = 48;
export const SEGMENT_COMMITMENT_SIZE = 48;
export const CHUNK_WITNESS_SIZE = 48;
/** `Piece::SIZE` = record ‖ commitment ‖ witness. Ours 131,168; mainnet 1,048,672. */
export const PIECE_SIZE = RECORD_SIZE + RECORD_COMMITMENT_SIZE + RECORD_WITNESS_SIZE;

// ---- segments ------------------------------------------------------------------------------

/** `RecordedHistorySegment::NUM_RAW_RECORDS`. Same as mainnet. */
export const NUM_RAW_RECORDS = PROFILE.numRawRecords;
/** `RecordedHistorySegment::ERASURE_CODING_RATE`. Same as mainnet. */
export const ERASURE_CODING_RATE: readonly [number, number] = [1, 2];
/** `ArchivedHistorySegment::NUM_PIECES`. Same as mainnet. */
export const NUM_PIECES = PROFILE.numPieces;
/** `RecordedHistorySegment::SIZE` = raw record × 128. Ours 16,252,928; mainnet 130,023,424. */
export const RECORDED_HISTORY_SEGMENT_SIZE = RAW_RECORD_SIZE * NUM_RAW_RECORDS;
/** `ArchivedHistorySegment::SIZE`. */
export const ARCHIVED_HISTORY_SEGMENT_SIZE = PIECE_SIZE * NUM_PIECES;

// ---- KZG -----------------------------------------------------------------------------------

/** Points of the KZG domain the backends commit over (EIP-4844 `FIELD_ELEMENTS_PER_BLOB`). */
export const KZG_DOMAIN_SIZE = PROFILE.kzgNumG1Powers;
/** Primitive root used to derive the roots of unity (c-kzg `SCALE2_ROOT_OF_UNITY`, EIP-4844). */
export const PRIMITIVE_ROOT_OF_UNITY = 7n;
/** BLS12-381 scalar field modulus r. */
export const BLS12_381_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
