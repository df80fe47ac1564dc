/**
 * Recovering a record from the chunks a sector keeps of it (`ErasureCoding::recover_poly` in the
 * reference's proving and reading paths).
 *
 * A plotted record keeps 4,096 of its 8,192 s-bucket values (evaluations of one polynomial of
 * degree < 4,096 at ω_8192^s); which ones depends on the record's PoS table, so every record has
 * its own erasure pattern and needs its own recovery plan. The erasure-coding module builds the
 * plan (the zero polynomial of the missing points by a subproduct tree, its evaluations on the
 * domain and on a coset) and runs it on the WASM Fr kernels.
 *
 * PERF: one 8,192-value record ≈ 50–100 ms on the (loaded) project machine (the same recovery in bigint Fr
 * arithmetic took ≈ 0.3 s, and a schoolbook zero polynomial > 2 s).
 */
import { ErasureCoding, ErasureCodingError, isPowerOfTwo } from "../erasure-coding/index.ts";

export class RecoveryError extends Error {
  constructor(
    readonly code: "RECOVERY_ERROR_SIZE" | "RECOVERY_ERROR_NOT_ENOUGH_SHARDS" | "RECOVERY_ERROR_INCONSISTENT",
    message: string,
  ) {
    super(message);
  }
}

const codings = new Map<number, ErasureCoding>();

/**
 * The source values (the evaluations at the even points ω_total^{2i} = ω_{total/2}^i, i.e. the
 * record) of the polynomial of degree < total/2 through the present (non-null) shards. Needs at
 * least total/2 shards; with more, they must agree (`RECOVERY_ERROR_INCONSISTENT` otherwise).
 */
export function recoverSourceValues(shards: readonly (bigint | null | undefined)[]): bigint[] {
  const total = shards.length;
  if (!isPowerOfTwo(total) || total < 2) throw new RecoveryError("RECOVERY_ERROR_SIZE", `shard count ${total} is not a power of two ≥ 2`);
  const present: number[] = [];
  for (let i = 0; i < total; i++) if (shards[i] !== null && shards[i] !== undefined) present.push(i);
  if (present.length < total / 2) {
    throw new RecoveryError("RECOVERY_ERROR_NOT_ENOUGH_SHARDS", `need ${total / 2} of ${total} shards, got ${present.length}`);
  }
  const scale = Math.log2(total);
  let ec = codings.get(scale);
  if (ec === undefined) codings.set(scale, (ec = new ErasureCoding(scale)));
  let all: bigint[];
  try {
    all = ec.recoverer(total, present).recover(shards);
  } catch (e) {
    if (e instanceof ErasureCodingError && e.code === "ERASURE_CODING_ERROR_INCONSISTENT") throw new RecoveryError("RECOVERY_ERROR_INCONSISTENT", e.message);
    throw e;
  }
  const source = new Array<bigint>(total / 2);
  for (let i = 0; i < source.length; i++) source[i] = all[2 * i]!;
  return source;
}
