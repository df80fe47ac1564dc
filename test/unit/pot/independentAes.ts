/**
 * Independent AES-128 paths for the PoT tests: node:crypto's aes-128-ecb with one `update()` per
 * block, and @noble/ciphers' pure-JS block function. Neither shares code with the CBC prover.
 */
import { createCipheriv } from "node:crypto";
import { unsafe } from "@noble/ciphers/aes.js";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";

const fromHexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, "hex"));

// The reference's test constants (crates/subspace-proof-of-time/src/aes.rs: `SEED`, `SEED_1`, `KEY`, `KEY_1`).
export const REF_SEED = fromHexBytes("d666ccd8d593c23da8db6b5b1413b13a");
export const REF_SEED_1 = fromHexBytes("d7d6dcd8d593c23da8db6b5b1413b13a");
export const REF_KEY = fromHexBytes("9a84940ffef5b0d70199fc67f46ea27a");
export const REF_KEY_1 = fromHexBytes("9b8b9b0ffef5b0d70199fc67f46ea27a");


export function ecbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(block));
}

/** Runs `total` ECB steps from `start`, returning the states after each count listed in `marks`. */
export function ecbChainMarks(key: Uint8Array, start: Uint8Array, total: number, marks: number[]): Uint8Array[] {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  const wanted = new Set(marks);
  const out: Uint8Array[] = [];
  let x = new Uint8Array(start);
  for (let i = 1; i <= total; i++) {
    x = new Uint8Array(c.update(x));
    if (wanted.has(i)) out.push(x.slice());
  }
  return out;
}

export function nobleChain(key: Uint8Array, start: Uint8Array, iterations: number): Uint8Array {
  const xk = unsafe.expandKeyLE(key);
  let x = new Uint8Array(start);
  for (let i = 0; i < iterations; i++) x = unsafe.encryptBlock(xk, x);
  return x;
}

/** The expected checkpoints of a slot, by a per-block ECB loop over the whole slot. */
export function naiveCheckpoints(key: Uint8Array, seed: Uint8Array, slotIterations: number): Uint8Array[] {
  const ci = slotIterations / 8;
  return ecbChainMarks(key, seed, slotIterations, Array.from({ length: 8 }, (_, i) => (i + 1) * ci));
}

export const blake3Noble = (data: Uint8Array): Uint8Array => nobleBlake3(data);
