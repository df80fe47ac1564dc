/**
 * ChaCha keystream with a configurable number of rounds, in the layout `rand_chacha` uses for
 * `ChaCha8Rng::from_seed(seed)` with stream 0: key = seed, 64-bit block counter from 0 (words 12–13),
 * 64-bit stream id 0 (words 14–15), output words little-endian.
 */
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function quarter(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[a] = (x[a]! + x[b]!) | 0; x[d] ^= x[a]!; x[d] = (x[d]! << 16) | (x[d]! >>> 16);
  x[c] = (x[c]! + x[d]!) | 0; x[b] ^= x[c]!; x[b] = (x[b]! << 12) | (x[b]! >>> 20);
  x[a] = (x[a]! + x[b]!) | 0; x[d] ^= x[a]!; x[d] = (x[d]! << 8) | (x[d]! >>> 24);
  x[c] = (x[c]! + x[d]!) | 0; x[b] ^= x[c]!; x[b] = (x[b]! << 7) | (x[b]! >>> 25);
}

/** Fill `out` with the ChaCha keystream for a 32-byte key (`rounds` = 8, 12 or 20), counter from 0. */
export function chachaKeystream(key: Uint8Array, out: Uint8Array, rounds = 8): void {
  if (key.length !== 32) throw new RangeError("ChaCha key must be 32 bytes");
  const state = new Uint32Array(16);
  state.set(SIGMA, 0);
  const kv = new DataView(key.buffer, key.byteOffset, 32);
  for (let i = 0; i < 8; i++) state[4 + i] = kv.getUint32(i * 4, true);
  const x = new Uint32Array(16);
  const block = new Uint8Array(64);
  const bv = new DataView(block.buffer);
  let counter = 0;
  for (let off = 0; off < out.length; off += 64) {
    state[12] = counter >>> 0;
    state[13] = Math.floor(counter / 2 ** 32);
    x.set(state);
    for (let r = 0; r < rounds; r += 2) {
      quarter(x, 0, 4, 8, 12); quarter(x, 1, 5, 9, 13); quarter(x, 2, 6, 10, 14); quarter(x, 3, 7, 11, 15);
      quarter(x, 0, 5, 10, 15); quarter(x, 1, 6, 11, 12); quarter(x, 2, 7, 8, 13); quarter(x, 3, 4, 9, 14);
    }
    for (let i = 0; i < 16; i++) bv.setUint32(i * 4, (x[i]! + state[i]!) >>> 0, true);
    const n = Math.min(64, out.length - off);
    out.set(n === 64 ? block : block.subarray(0, n), off);
    counter++;
  }
}
