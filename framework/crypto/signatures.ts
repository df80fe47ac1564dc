/**
 * sr25519, ed25519 and ecdsa (secp256k1) signing and verification over well-kept libraries.
 *
 * PERF: sr25519 verify through @polkadot/wasm-crypto (schnorrkel WASM) ≈ 2.8 k/s against 0.42 k/s
 * for @polkadot/util-crypto 14's JS path; ed25519 verify through node:crypto ≈ 4.9 k/s including
 * key import against 2.9 k/s for the WASM path (reference/perf-limits.md §3).
 */
import { createPublicKey, verify as nodeVerify, sign as nodeSign, createPrivateKey, type KeyObject } from "node:crypto";
import * as wasm from "@polkadot/wasm-crypto";
import { secp256k1Recover, secp256k1Sign, secp256k1Compress, secp256k1PairFromSeed, sr25519PairFromSeed } from "@polkadot/util-crypto";
import { blake2_256 } from "./hashing.ts";
import { equalBytes } from "../codec/bytes.ts";

await wasm.waitReady();

export interface Keypair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function sr25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return wasm.sr25519Verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function sr25519Sign(pair: Keypair, message: Uint8Array): Uint8Array {
  return wasm.sr25519Sign(pair.publicKey, pair.secretKey, message);
}

export function sr25519KeypairFromSeed(seed: Uint8Array): Keypair {
  return sr25519PairFromSeed(seed);
}

const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  const der = new Uint8Array(44);
  der.set(ED25519_SPKI_PREFIX, 0);
  der.set(publicKey, 12);
  return createPublicKey({ key: Buffer.from(der.buffer, der.byteOffset, der.length), format: "der", type: "spki" });
}

export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return nodeVerify(null, message, ed25519PublicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** `secretKey` is the 32-byte seed. */
export function ed25519Sign(pair: Keypair, message: Uint8Array): Uint8Array {
  const der = new Uint8Array(48);
  der.set(ED25519_PKCS8_PREFIX, 0);
  der.set(pair.secretKey.subarray(0, 32), 16);
  const key = createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  return new Uint8Array(nodeSign(null, message, key));
}

export function ed25519KeypairFromSeed(seed: Uint8Array): Keypair {
  const { publicKey, secretKey } = wasm.ed25519KeypairFromSeed(seed).reduce(
    (acc, _b, i, all) => (i === 0 ? { secretKey: all.slice(0, 32), publicKey: all.slice(32, 64) } : acc),
    { publicKey: new Uint8Array(), secretKey: new Uint8Array() },
  );
  return { publicKey, secretKey };
}

/**
 * Substrate's `MultiSignature::Ecdsa` check: recover the compressed secp256k1 key from
 * `blake2_256(message)` and compare `blake2_256(compressed)` with the 32-byte account id.
 */
export function ecdsaVerifyAccount(signature: Uint8Array, message: Uint8Array, accountId: Uint8Array): boolean {
  if (signature.length !== 65) return false;
  try {
    const recovery = signature[64]! >= 27 ? signature[64]! - 27 : signature[64]!;
    const pub = secp256k1Recover(blake2_256(message), signature.subarray(0, 64), recovery);
    const compressed = secp256k1Compress(pub);
    return equalBytes(blake2_256(compressed), accountId);
  } catch {
    return false;
  }
}

export function ecdsaSign(pair: Keypair, message: Uint8Array): Uint8Array {
  return secp256k1Sign(blake2_256(message), pair, "blake2");
}

export function ecdsaKeypairFromSeed(seed: Uint8Array): Keypair {
  return secp256k1PairFromSeed(seed);
}
