/**
 * Independent AES-128 paths for the PoT tests: node:crypto's aes-128-ecb with one `update()` per
 * block, and @noble/ciphers' pure-JS block function. Neither shares code with the CBC prover.
 */
import { createCipheriv } from "node:crypto";
import { unsafe } from "@noble/ciphers/aes.js";
import { blake3 as nobleBlake3 } from "@noble/hashes/blake3.js";

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
