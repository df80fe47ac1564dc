/**
 * Hash functions used by Substrate and Subspace. Hashers are created once at module load
 * (top-level await) and then used synchronously.
 *
 * PERF: hash-wasm blake2b-256 ≈ 2.07 M ops/s on 32-byte inputs against 1.0 M for
 * @polkadot/wasm-crypto and 0.23 M for @noble/hashes (reference/perf-limits.md §2).
 */
import { createBLAKE2b, createBLAKE3, createXXHash64, createKeccak } from "hash-wasm";

const blake2b128Hasher = await createBLAKE2b(128);
const blake2b256Hasher = await createBLAKE2b(256);
const blake2b512Hasher = await createBLAKE2b(512);
const blake3Hasher = await createBLAKE3(256);
const keccak256Hasher = await createKeccak(256);
const xxh64Seeded = await Promise.all([0, 1, 2, 3].map((seed) => createXXHash64(seed, 0)));

type Hasher = Awaited<ReturnType<typeof createBLAKE2b>>;

function digest(hasher: Hasher, parts: readonly Uint8Array[]): Uint8Array {
  hasher.init();
  for (const part of parts) hasher.update(part);
  return hasher.digest("binary");
}

export const blake2_128 = (data: Uint8Array): Uint8Array => digest(blake2b128Hasher, [data]);
export const blake2_256 = (data: Uint8Array): Uint8Array => digest(blake2b256Hasher, [data]);
export const blake2_512 = (data: Uint8Array): Uint8Array => digest(blake2b512Hasher, [data]);
/** blake2-256 over the concatenation of `parts`, without building the concatenation. */
export const blake2_256Concat = (...parts: Uint8Array[]): Uint8Array => digest(blake2b256Hasher, parts);
export const blake3 = (data: Uint8Array): Uint8Array => digest(blake3Hasher, [data]);
export const blake3Concat = (...parts: Uint8Array[]): Uint8Array => digest(blake3Hasher, parts);
export const keccak_256 = (data: Uint8Array): Uint8Array => digest(keccak256Hasher, [data]);

/** blake2b with an arbitrary output size in bytes (1..64); slow path for rarely used sizes. */
export async function blake2bAsync(data: Uint8Array, bytes: number): Promise<Uint8Array> {
  const h = await createBLAKE2b(bytes * 8);
  return digest(h, [data]);
}

/** xxhash64 of `data` with `seed`, written little-endian as Substrate does. */
function xxh64Le(out: Uint8Array, offset: number, seed: number, data: Uint8Array): void {
  const h = xxh64Seeded[seed]!;
  h.init();
  h.update(data);
  const be = h.digest("binary"); // canonical big-endian representation
  for (let i = 0; i < 8; i++) out[offset + i] = be[7 - i]!;
}

export function twox64(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  xxh64Le(out, 0, 0, data);
  return out;
}

export function twox128(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  xxh64Le(out, 0, 0, data);
  xxh64Le(out, 8, 1, data);
  return out;
}

export function twox256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) xxh64Le(out, i * 8, i, data);
  return out;
}
