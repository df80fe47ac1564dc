/**
 * A KZG stand-in for archiving round-trip tests: real polynomial handling, but commitments and
 * witnesses are blake3 digests (deterministic, 48 bytes), so a segment costs ≈ 0.5 s instead of ≈ 25 s.
 * It never verifies anything; real KZG behaviour is tested with c-kzg and kzg-wasm separately.
 */
import { blake3, blake3Concat } from "../../../../framework/crypto/index.ts";
import { kzgFromBackend, type Kzg } from "../../../../framework/primitives/subspace/kzg/index.ts";

const digest48 = (...parts: Uint8Array[]): Uint8Array => {
  const a = blake3Concat(...parts);
  const out = new Uint8Array(48);
  out.set(a, 0);
  out.set(blake3(a).subarray(0, 16), 32);
  return out;
};

/** One digest per polynomial blob: a segment's 256 witnesses share it. */
const blobDigests = new WeakMap<Uint8Array, Uint8Array>();
const blobDigest = (blob: Uint8Array): Uint8Array => {
  let d = blobDigests.get(blob);
  if (d === undefined) blobDigests.set(blob, (d = blake3(blob)));
  return d;
};

export const fakeKzg: Kzg = kzgFromBackend({
  name: "c-kzg",
  blobToCommitment: (blob) => digest48(blob),
  computeProof: (blob, z) => ({ proof: digest48(blobDigest(blob), z), y: new Uint8Array(32) }),
  verifyProof: () => false,
  // Not points: a deterministic digest per parity position stands in for the G1 extension.
  extendCommitments: (source) => source.map((_, r) => digest48(...source, Uint8Array.of(r))),
});
