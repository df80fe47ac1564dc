import { statfsSync } from "node:fs";

/** Why a database operation failed. Every failure of `ChainDb` is a `DbError` with one of these codes. */
export type DbErrorCode =
  /** The files are not a database we can read (bad LMDB header, malformed records, missing best block). */
  | "DB_ERROR_CORRUPT"
  /** The database was written by another schema version of this code. */
  | "DB_ERROR_SCHEMA"
  /** The disk (or file-size limit) is full; the failed commit left the previous state intact. */
  | "DB_ERROR_DISK_FULL"
  /** Any other I/O failure reported by LMDB; the failed commit left the previous state intact. */
  | "DB_ERROR_IO"
  /** Opened with `archive` on a pruned database or the reverse. */
  | "DB_ERROR_PRUNING_MODE"
  /** The first block committed to an empty database must be number 0. */
  | "DB_ERROR_NO_GENESIS"
  | "DB_ERROR_BLOCK_EXISTS"
  | "DB_ERROR_UNKNOWN_PARENT"
  | "DB_ERROR_UNKNOWN_BLOCK"
  /** The block (or its parent) is at or below the finalized number and not on the finalized chain. */
  | "DB_ERROR_BELOW_FINALIZED"
  /** Setting this best block would rewrite the canonical index at or below the finalized number. */
  | "DB_ERROR_REORG_BELOW_FINALIZED"
  /** The finalized block is not on the best chain, goes backwards, or its number does not match. */
  | "DB_ERROR_INVALID_FINALITY"
  /** Malformed arguments (hash lengths, numbers, hex keys, root mismatch). */
  | "DB_ERROR_INVALID_INPUT"
  | "DB_ERROR_CLOSED";

export class DbError extends Error {
  constructor(
    readonly code: DbErrorCode,
    message: string,
    readonly detail: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = "DbError";
  }
}

// errno values (Linux; EDQUOT differs on BSD/macOS, hence both) and LMDB return codes.
const ENOSPC = 28;
const EFBIG = 27;
const EDQUOT = new Set([122, 69]);
const EIO = 5;
const MDB_MAP_FULL = -30792;
const MDB_VERSION_MISMATCH = -30794;
const MDB_CORRUPT_CODES = new Set([-30797 /* PAGE_NOTFOUND */, -30796 /* CORRUPTED */, -30795 /* PANIC */, -30793 /* INVALID */, -30784 /* INCOMPATIBLE */]);

/**
 * True for errors raised by LMDB or the OS (lmdb-js sets a numeric `code`; Node system errors carry a string
 * `code` and a numeric `errno`). Anything else thrown inside a commit (a caller's bug, a DbError) is not a storage
 * failure and propagates unchanged.
 */
export function isStorageError(err: unknown): boolean {
  if (err instanceof DbError || typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  return typeof e.code === "number" || typeof e.errno === "number" || (typeof e.message === "string" && /^MDB_/.test(e.message));
}

/** Below this much free space an EIO from a write is reported as a full disk. */
const LOW_SPACE_BYTES = 64 * 1024 * 1024;

/**
 * Maps an error thrown by lmdb-js to a `DbError`. `DbError`s pass through unchanged.
 *
 * lmdb-js 3.5.6 reports a write that runs out of space (ENOSPC on a full tmpfs, EFBIG under `ulimit -f`)
 * as `code: 5` ("Input/output error"), not ENOSPC (measured). An EIO is therefore classified as
 * `DB_ERROR_DISK_FULL` when the file system holding `dir` has less than 64 MiB free, else `DB_ERROR_IO`.
 */
export function classifyLmdbError(err: unknown, dir: string): DbError {
  if (err instanceof DbError) return err;
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const code = typeof e?.code === "number" ? e.code : typeof e?.errno === "number" ? Math.abs(e.errno) : undefined;
  if (code === ENOSPC || code === EFBIG || code === MDB_MAP_FULL || (code !== undefined && EDQUOT.has(code)) || /MDB_MAP_FULL|no space left/i.test(message)) {
    return new DbError("DB_ERROR_DISK_FULL", message, { errno: code }, { cause: err });
  }
  if (code === MDB_VERSION_MISMATCH) return new DbError("DB_ERROR_SCHEMA", message, { errno: code }, { cause: err });
  if ((code !== undefined && MDB_CORRUPT_CODES.has(code)) || /MDB_CORRUPTED|MDB_INVALID|MDB_PAGE_NOTFOUND/.test(message)) {
    return new DbError("DB_ERROR_CORRUPT", message, { errno: code }, { cause: err });
  }
  if (code === EIO) {
    const free = freeBytes(dir);
    if (free !== undefined && free < LOW_SPACE_BYTES) return new DbError("DB_ERROR_DISK_FULL", message, { errno: code, freeBytes: free }, { cause: err });
    return new DbError("DB_ERROR_IO", message, { errno: code, freeBytes: free }, { cause: err });
  }
  return new DbError("DB_ERROR_IO", message, { errno: code }, { cause: err });
}

function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}
