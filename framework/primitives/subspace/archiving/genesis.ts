/**
 * Archiving form of blocks (`sc-consensus-subspace/src/archiver.rs` `encode_block`): the genesis
 * block's SCALE `SignedBlock` is zero-extended to RECORDED_HISTORY_SEGMENT_SIZE and the extension
 * filled with `ChaCha8Rng::from_seed(state_root)`, so segment 0 exists immediately. Other blocks are
 * archived as their SCALE `SignedBlock` (with only `SUB_` justifications kept: the node's job).
 */
import { RECORDED_HISTORY_SEGMENT_SIZE } from "../profile/index.ts";
import { chachaKeystream } from "./chacha.ts";

export function encodeGenesisBlockForArchiving(encodedSignedBlock: Uint8Array, stateRoot: Uint8Array): Uint8Array {
  if (stateRoot.length !== 32) throw new RangeError("state root must be 32 bytes");
  const out = new Uint8Array(Math.max(RECORDED_HISTORY_SEGMENT_SIZE, encodedSignedBlock.length));
  out.set(encodedSignedBlock, 0);
  if (encodedSignedBlock.length < out.length) chachaKeystream(stateRoot, out.subarray(encodedSignedBlock.length), 8);
  return out;
}
