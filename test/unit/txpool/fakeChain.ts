/**
 * A fake runtime for pool tests: nonce-style tags (provides [sender‖nonce], requires
 * [sender‖nonce-1] unless the chain is already at that nonce), adjustable chain state, optional
 * asynchronous validation with a concurrency probe.
 */
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { toHex, utf8 } from "../../../framework/codec/bytes.ts";
import type { PoolValidator, TransactionSource, ValidTransaction, Validity } from "../../../node/txpool/index.ts";

export interface FakeTx {
  sender: number;
  nonce: number;
  priority?: number;
  longevity?: number;
  /** Makes otherwise equal transactions distinct. */
  salt?: number;
  /** Explicit tags (strings) instead of nonce tags. */
  requires?: string[];
  provides?: string[];
}

export function encode(t: FakeTx): Uint8Array {
  return utf8(JSON.stringify(t));
}

export function nonceTag(sender: number, nonce: number): Uint8Array {
  const t = new Uint8Array(5);
  t[0] = sender;
  new DataView(t.buffer).setUint32(1, nonce, true);
  return t;
}

export class FakeChain implements PoolValidator {
  readonly nonces = new Map<number, number>();
  /** Senders whose transactions fail with Payment. */
  readonly broke = new Set<number>();
  /** Per transaction hash: forced validity. */
  readonly overrides = new Map<string, Validity>();
  /** Validation calls made, in order. */
  readonly calls: { source: TransactionSource; hash: string; at: string }[] = [];
  /** When set, validation waits this many macrotask turns (to interleave submissions). */
  delayTurns = 0;
  inFlight = 0;
  maxInFlight = 0;

  hash(tx: Uint8Array): string {
    return toHex(blake2_256(tx));
  }

  validate(source: TransactionSource, tx: Uint8Array, at: string): Validity | Promise<Validity> {
    const hash = this.hash(tx);
    this.calls.push({ source, hash, at });
    if (this.delayTurns === 0) return this.compute(hash, tx);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return (async () => {
      for (let i = 0; i < this.delayTurns; i++) await new Promise((r) => setImmediate(r));
      this.inFlight--;
      return this.compute(hash, tx);
    })();
  }

  private compute(hash: string, tx: Uint8Array): Validity {
    const forced = this.overrides.get(hash);
    if (forced !== undefined) return forced;
    const t = JSON.parse(new TextDecoder().decode(tx)) as FakeTx;
    if (this.broke.has(t.sender)) return { ok: false, error: { type: "Invalid", value: { type: "Payment" } } };
    const v: ValidTransaction = {
      priority: BigInt(t.priority ?? 1),
      requires: [],
      provides: [],
      longevity: t.longevity === undefined ? (1n << 64n) - 1n : BigInt(t.longevity),
      propagate: true,
    };
    if (t.provides !== undefined || t.requires !== undefined) {
      v.provides = (t.provides ?? []).map(utf8);
      v.requires = (t.requires ?? []).map(utf8);
      return { ok: true, value: v };
    }
    const chainNonce = this.nonces.get(t.sender) ?? 0;
    if (t.nonce < chainNonce) return { ok: false, error: { type: "Invalid", value: { type: "Stale" } } };
    v.provides = [nonceTag(t.sender, t.nonce)];
    if (t.nonce > chainNonce) v.requires = [nonceTag(t.sender, t.nonce - 1)];
    return { ok: true, value: v };
  }

  /** Applies a block: bumps nonces past the included transactions. */
  include(txs: FakeTx[]): void {
    for (const t of txs) this.nonces.set(t.sender, Math.max(this.nonces.get(t.sender) ?? 0, t.nonce + 1));
  }
}

/** A manual clock in milliseconds. */
export class FakeClock {
  t = 1_000_000;
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const blockHash = (n: number, fork = 0): string => "0x" + (fork * 1000 + n).toString(16).padStart(64, "0");
