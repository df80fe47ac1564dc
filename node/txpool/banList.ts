/**
 * Temporarily banned transaction hashes. Semantics of polkadot-sdk `sc-transaction-pool`
 * graph/rotator.rs: a hash stays banned for `banTimeMs`; the map is trimmed when it grows past
 * twice its expected size.
 */
export class BanList {
  private readonly bannedUntil = new Map<string, number>();
  private readonly banTimeMs: number;
  private readonly now: () => number;
  private readonly expectedSize: number;

  constructor(banTimeMs: number, now: () => number, expectedSize = 2048) {
    this.banTimeMs = banTimeMs;
    this.now = now;
    this.expectedSize = expectedSize;
  }

  get size(): number {
    return this.bannedUntil.size;
  }

  ban(hashes: Iterable<string>): void {
    const until = this.now() + this.banTimeMs;
    for (const h of hashes) {
      this.bannedUntil.delete(h); // re-insert so the map stays ordered by ban time
      this.bannedUntil.set(h, until);
    }
    if (this.bannedUntil.size > 2 * this.expectedSize) {
      for (const h of this.bannedUntil.keys()) {
        if (this.bannedUntil.size <= this.expectedSize) break;
        this.bannedUntil.delete(h);
      }
    }
  }

  unban(hash: string): void {
    this.bannedUntil.delete(hash);
  }

  isBanned(hash: string): boolean {
    const until = this.bannedUntil.get(hash);
    if (until === undefined) return false;
    if (until >= this.now()) return true;
    this.bannedUntil.delete(hash);
    return false;
  }

  /** Forgets expired bans. */
  clearTimeouts(): void {
    const now = this.now();
    for (const [h, until] of this.bannedUntil) if (until < now) this.bannedUntil.delete(h);
  }
}
