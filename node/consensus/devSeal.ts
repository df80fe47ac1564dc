/**
 * Dev block production (a stand-in until PoAS authoring): a block on each new transaction (after a
 * short debounce) and on a fixed interval, built through the runtime's BlockBuilder with a
 * timestamp inherent. After each block the pool is pruned and revalidated.
 */
import { u64 } from "../../framework/codec/ty.ts";
import { toHex } from "../../framework/codec/bytes.ts";
import type { Client } from "../client/client.ts";
import type { TransactionPool } from "../txpool/index.ts";
import type { Logger } from "../service/logger.ts";
import type { DigestItem } from "../../framework/codec/substrate.ts";

export interface DevSealOptions {
  /** Interval between blocks when idle, in ms (0 = only on transactions). */
  intervalMs: number;
  /** Delay after a transaction arrives before sealing, to batch bursts (ms). */
  debounceMs: number;
  /** Stop adding transactions after this long (ms). */
  maxBuildMillis: number;
  /** Seal on transaction arrival (instant seal); otherwise only on the interval. */
  onTransactions: boolean;
  /** Pre-runtime digest items for the next block (Subspace's `PreRuntime(SUB_)`). */
  preDigest?: () => DigestItem[];
  /** Extra inherent data (identifier → SCALE bytes) for the next block. */
  inherentData?: () => [string, Uint8Array][];
}

export class DevSeal {
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private lastTimestamp = 0n;
  private unsubscribe?: () => void;
  /** Resolves when the current seal (if any) finishes; used by stop(). */
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly pool: TransactionPool,
    private readonly opts: DevSealOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.opts.onTransactions) this.unsubscribe = this.pool.onImported(() => this.soon());
    if (this.opts.intervalMs > 0) this.timer = setInterval(() => this.trigger(), this.opts.intervalMs);
    this.trigger();
  }

  private soon(): void {
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.trigger();
    }, this.opts.debounceMs);
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.inflight = this.seal()
      .catch((e) => this.log.error("Block production failed", { error: (e as Error).message }))
      .finally(() => {
        this.running = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** Builds, imports and announces one block. */
  async seal(): Promise<void> {
    const now = BigInt(Date.now());
    const timestamp = now > this.lastTimestamp ? now : this.lastTimestamp + 1n;
    this.lastTimestamp = timestamp;
    const ready = this.pool.ready();
    const data = new Map<string, Uint8Array>([["timstap0", u64.enc(timestamp)], ...(this.opts.inherentData?.() ?? [])]);
    const built = this.client.buildBlock(data, ready.map((t) => t.data), this.opts.preDigest?.() ?? [], this.opts.maxBuildMillis);
    const imported = this.client.importBlock(built.header, built.extrinsics, built);
    // Transactions that failed to apply (other than "block full") are dropped from the pool.
    const failed: string[] = [];
    built.results.forEach((r, i) => {
      if (r !== "exhausted" && !r.ok) failed.push(ready[i]!.hash);
    });
    if (failed.length) this.pool.remove(failed);
    const hashHex = toHex(imported.hash);
    this.log.info(`✨ Imported #${imported.header.number} (${hashHex.slice(0, 10)}…) with ${built.extrinsics.length} extrinsics`);
    await this.pool.pruneForBlock({ hash: hashHex, number: imported.header.number }, built.extrinsics, undefined, { parentHash: toHex(imported.header.parentHash) });
    await this.pool.revalidate({ hash: hashHex, number: imported.header.number });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    this.unsubscribe?.();
    await this.inflight;
  }
}
