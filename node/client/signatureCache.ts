/**
 * A cache of verified signatures: the pool verifies a transaction's signature once, and building
 * or importing the block that includes it finds the result here instead of verifying again.
 * Only successes are cached; the key commits to signature, payload and signer.
 *
 * PERF: sr25519 verification costs ~0.35 ms (wasm, reference/perf-limits.md §3); a cache hit
 * costs one blake2-256 of ~200 bytes (~1 µs).
 */
import { blake2_256Concat } from "../../framework/crypto/index.ts";
import { verifyMultiSignature } from "../../framework/runtime/runtime.ts";
import type { MultiSignature, AccountId } from "../../framework/codec/substrate.ts";

const SIG_KIND = { Ed25519: 0, Sr25519: 1, Ecdsa: 2 } as const;

export function cachingVerifier(capacity = 200_000): (sig: MultiSignature, payload: Uint8Array, who: AccountId) => boolean {
  const seen = new Set<string>();
  return (sig, payload, who) => {
    const key = Buffer.from(blake2_256Concat(Uint8Array.of(SIG_KIND[sig.tag]), sig.value, payload, who)).toString("latin1");
    if (seen.has(key)) return true;
    const ok = verifyMultiSignature(sig, payload, who);
    if (ok) {
      if (seen.size >= capacity) seen.delete(seen.values().next().value!);
      seen.add(key);
    }
    return ok;
  };
}
