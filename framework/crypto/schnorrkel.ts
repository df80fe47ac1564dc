/**
 * sr25519 (schnorrkel) Schnorr signatures over ristretto255 with an arbitrary signing context.
 *
 * @polkadot/wasm-crypto and @scure/sr25519 0.2 hard-code the "substrate" context; Subspace signs block
 * pre-hashes and votes under `signing_context(b"subspace_reward")`, so this module implements the
 * protocol itself: a Merlin transcript (merlin.ts) and the group arithmetic of @noble/curves.
 *
 * SPEC: w3f/schnorrkel src/sign.rs (`SecretKey::sign`, `PublicKey::verify`, `Signature::from_bytes`) and
 * src/context.rs (`SigningContext::new(ctx)` = Transcript("SigningContext") + append_message("", ctx);
 * `.bytes(msg)` = append_message("sign-bytes", msg)).
 *
 * Secret keys are the 64-byte "half-ed25519" form used across Substrate tooling (@polkadot/wasm-crypto,
 * @polkadot/util-crypto `sr25519PairFromSeed`, `sr25519KeypairFromSeed` here): bytes 0..32 are the key
 * scalar multiplied by the cofactor 8 (little-endian), bytes 32..64 the nonce seed. This is schnorrkel's
 * `SecretKey::from_ed25519_bytes`.
 *
 * PERF: warm verify ≈ 1.2 ms (≈ 800/s, mostly the variable-base [k]A in @noble/curves 1.9.7), sign ≈ 0.37 ms
 * (500 iterations after warm-up on the dev machine); the "substrate" context keeps using the WASM path in
 * signatures.ts (≈ 0.36 ms verify). One reward signature per block and one per vote, so not a hot path.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { equalBytes } from "../codec/bytes.ts";
import { MerlinTranscript, type RandomSource } from "./merlin.ts";

export { MerlinTranscript, type RandomSource, type Label as MerlinLabel } from "./merlin.ts";

const Point = ristretto255.Point;
/** The prime order ℓ of the ristretto255 group. */
const L = Point.Fn.ORDER;

/** `subspace_core_primitives::REWARD_SIGNING_CONTEXT` (also re-exported by subspace-verification's sr25519 module). */
export const REWARD_SIGNING_CONTEXT: Uint8Array = new TextEncoder().encode("subspace_reward");

/** The context Substrate's `sp_core::sr25519` signs under (`SIGNING_CTX`). */
export const SUBSTRATE_SIGNING_CONTEXT: Uint8Array = new TextEncoder().encode("substrate");

function leToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function bigintToLe32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** `SigningContext::new(context).bytes(message)`. */
function signingTranscript(context: Uint8Array, message: Uint8Array): MerlinTranscript {
  const t = MerlinTranscript.create("SigningContext");
  t.appendMessage("", context);
  t.appendMessage("sign-bytes", message);
  return t;
}

/** `challenge_scalar(label)`: 64 challenge bytes reduced mod ℓ (`Scalar::from_bytes_mod_order_wide`). */
function challengeScalar(t: MerlinTranscript, label: string): bigint {
  return leToBigint(t.challengeBytes(label, 64)) % L;
}

/**
 * Signs `message` under `signing_context(context)`: schnorrkel `SecretKey::sign_simple`.
 * `rng` supplies the 32 bytes of entropy mixed into the witness; the nonce is still bound to the
 * secret nonce seed and the transcript, so a weak `rng` does not leak the key.
 * Throws on a secret key that is not 64 bytes or a public key that is not a valid ristretto255 encoding.
 */
export function sr25519SignWithContext(
  context: Uint8Array,
  secretKey64: Uint8Array,
  publicKey: Uint8Array,
  message: Uint8Array,
  rng: RandomSource = randomBytes,
): Uint8Array {
  if (secretKey64.length !== 64) throw new RangeError(`sr25519 secret key must be 64 bytes, got ${secretKey64.length}`);
  if (publicKey.length !== 32) throw new RangeError(`sr25519 public key must be 32 bytes, got ${publicKey.length}`);
  Point.fromBytes(publicKey); // PublicKey::from_bytes: rejects what is not a canonical ristretto255 encoding
  // from_ed25519_bytes: divide the 256-bit little-endian key by the cofactor.
  const key = (leToBigint(secretKey64.subarray(0, 32)) >> 3n) % L;
  const nonceSeed = secretKey64.subarray(32, 64);

  const t = signingTranscript(context, message);
  t.appendMessage("proto-name", "Schnorr-sig");
  t.appendMessage("sign:pk", publicKey);
  const r = leToBigint(t.witnessBytes("signing", 64, [nonceSeed], rng)) % L;
  const bigR = Point.BASE.multiply(r).toBytes();
  t.appendMessage("sign:R", bigR);
  const k = challengeScalar(t, "sign:c");
  const s = (k * key + r) % L;
  t.wipe();

  const signature = new Uint8Array(64);
  signature.set(bigR, 0);
  signature.set(bigintToLe32(s), 32);
  signature[63]! |= 0x80; // schnorrkel marker: distinguishes the signature from an ed25519 one
  return signature;
}

/**
 * Verifies a schnorrkel signature under `signing_context(context)`: `Signature::from_bytes` (marker bit
 * set, canonical s < ℓ), `PublicKey::from_bytes` (canonical ristretto255 encoding), then
 * `[s]B − [k]A` must encode to the signature's R bytes. Never throws; malformed input gives false.
 */
export function sr25519VerifyWithContext(
  context: Uint8Array,
  signature64: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (!(context instanceof Uint8Array) || !(message instanceof Uint8Array)) return false;
  if (!(signature64 instanceof Uint8Array) || signature64.length !== 64) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if ((signature64[63]! & 0x80) === 0) return false;
  try {
    const sBytes = signature64.slice(32, 64);
    sBytes[31]! &= 0x7f;
    const s = leToBigint(sBytes);
    if (s >= L) return false;
    const a = Point.fromBytes(publicKey);
    const bigR = signature64.subarray(0, 32);

    const t = signingTranscript(context, message);
    t.appendMessage("proto-name", "Schnorr-sig");
    t.appendMessage("sign:pk", publicKey);
    t.appendMessage("sign:R", bigR);
    const k = challengeScalar(t, "sign:c");

    const expected = Point.BASE.multiplyUnsafe(s).add(a.negate().multiplyUnsafe(k));
    return equalBytes(expected.toBytes(), bigR);
  } catch {
    return false;
  }
}
