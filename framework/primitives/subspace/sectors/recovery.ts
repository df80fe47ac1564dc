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
 * `recoverSourceBytes` is the proving path: big-endian bytes in and out of WASM memory, no bigint.
 *
 * PERF: one 8,192-value record ≈ 50–100 ms on the (loaded) project machine (the same recovery in bigint Fr
 * arithmetic took ≈ 0.3 s, and a schoolbook zero polynomial > 2 s).
 */
import { ErasureCoding, ErasureCodingError, isPowerOfTwo, type ShardRecoverer } from "../erasure-coding/index.ts";
import { SCALAR_FULL_BYTES } from "../profile/index.ts";

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
  const present: number[] = [];
  for (let i = 0; i < total; i++) if (shards[i] !== null && shards[i] !== undefined) present.push(i);
  const all = recovering(total, present, (r) => r.recover(shards));
  const source = new Array<bigint>(total / 2);
  for (let i = 0; i < source.length; i++) source[i] = all[2 * i]!;
  return source;
}

/**
 * `recoverSourceValues` on bytes: `shards` holds `present.length` 32-byte big-endian scalars, one
 * per shard (bytes of absent shards are ignored), `present[i]` non-zero where shard i is kept.
 * Gives the total/2 source values as 32-byte big-endian scalars, without bigints (the proving
 * path). Same errors, and `InvalidScalarError` for a non-canonical present scalar.
 */
export function recoverSourceBytes(shards: Uint8Array, present: Uint8Array): Uint8Array {
  const total = present.length;
  if (shards.length !== total * SCALAR_FULL_BYTES) throw new RecoveryError("RECOVERY_ERROR_SIZE", `${shards.length} bytes for ${total} shards`);
  const indexes: number[] = [];
  for (let i = 0; i < total; i++) if (present[i] !== 0) indexes.push(i);
  return recovering(total, indexes, (r) => r.recoverSourceBytes(shards));
}

function recovering<T>(total: number, present: readonly number[], run: (r: ShardRecoverer) => T): T {
  if (!isPowerOfTwo(total) || total < 2) throw new RecoveryError("RECOVERY_ERROR_SIZE", `shard count ${total} is not a power of two ≥ 2`);
  if (present.length < total / 2) {
    throw new RecoveryError("RECOVERY_ERROR_NOT_ENOUGH_SHARDS", `need ${total / 2} of ${total} shards, got ${present.length}`);
  }
  const scale = Math.log2(total);
  let ec = codings.get(scale);
  if (ec === undefined) codings.set(scale, (ec = new ErasureCoding(scale)));
  try {
    return run(ec.recoverer(total, present));
  } catch (e) {
    if (e instanceof ErasureCodingError && e.code === "ERASURE_CODING_ERROR_INCONSISTENT") throw new RecoveryError("RECOVERY_ERROR_INCONSISTENT", e.message);
    throw e;
  }
}
