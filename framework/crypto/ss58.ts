/** SS58 addresses (Substrate's base58 account format). Autonomys uses prefix 6094. */
import { encodeAddress, decodeAddress } from "@polkadot/util-crypto";

export const SUBSPACE_SS58_PREFIX = 6094;

export function ss58Encode(publicKey: Uint8Array, prefix: number = SUBSPACE_SS58_PREFIX): string {
  return encodeAddress(publicKey, prefix);
}

/** Decodes any valid SS58 string (any prefix) or a 0x-prefixed 32-byte hex to a 32-byte account id. */
export function ss58Decode(address: string): Uint8Array {
  return decodeAddress(address);
}
