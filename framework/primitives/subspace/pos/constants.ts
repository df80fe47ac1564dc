/**
 * Chia proof-of-space parameters as the reference uses them
 * (SPEC: autonomys/subspace crates/subspace-proof-of-space/src/chiapos/constants.rs, table.rs).
 */

/** Extra bits of `y` beyond K (`PARAM_EXT`): `y` has K + 6 bits. */
export const PARAM_EXT = 6;
/** Match targets per left entry (`PARAM_M` = 2^PARAM_EXT). */
export const PARAM_M = 1 << PARAM_EXT;
export const PARAM_B = 119;
export const PARAM_C = 127;
/** Bucket width in `y` (`PARAM_BC` = B · C). */
export const PARAM_BC = PARAM_B * PARAM_C;
/**
 * Entries kept per bucket and matches kept per bucket pair (`REDUCED_BUCKET_SIZE`,
 * `REDUCED_MATCHES_COUNT` = `MAX_BUCKET_SIZE`); the rest are dropped, in position order.
 */
export const MAX_BUCKET_SIZE = 512;
/** Tables 1..7. */
export const NUM_TABLES = 7;
/** K values the bit packing supports (the reference's `full-chiapos` range). */
export const MIN_K = 15;
export const MAX_K = 25;
/**
 * The K this node plots with when the caller gives none. Same as the reference (`PosProof::K`).
 * TODO: take it from the profile module once it exports one.
 */
export const DEFAULT_POS_K = 20;

/** Bits of `y`. */
export const ySizeBits = (k: number): number => k + PARAM_EXT;

/** Metadata bits of table `tableNumber` (1..7): K · [1, 2, 4, 4, 3, 2, 0]. */
export function metadataSizeBits(k: number, tableNumber: number): number {
  switch (tableNumber) {
    case 1: return k;
    case 2: return 2 * k;
    case 3: case 4: return 4 * k;
    case 5: return 3 * k;
    case 6: return 2 * k;
    case 7: return 0;
    default: throw new Error(`no table ${tableNumber}`);
  }
}

/** Buckets of `y`: ⌈2^(K+6) / BC⌉. */
export const numBuckets = (k: number): number => Math.ceil(2 ** ySizeBits(k) / PARAM_BC);

/** Proof size in bytes: 64 x-values of K bits. */
export const proofSize = (k: number): number => (64 * k) / 8;

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < MIN_K || k > MAX_K) throw new Error(`unsupported PoS K ${k} (${MIN_K}..${MAX_K})`);
}
