/**
 * The farm's identity (`crates/subspace-farmer/src/single_disk_farm/identity.rs`): `identity.bin`
 * holds SCALE `IdentityFileContents { entropy: Vec<u8> }` with 32 bytes of entropy; the sr25519
 * keypair is schnorrkel's `mini_secret_from_entropy(entropy, "")` (substrate-bip39: the first 32
 * bytes of PBKDF2-HMAC-SHA512(entropy, salt "mnemonic", 2048 rounds)) expanded in Ed25519 mode, so
 * an identity file moves between this farmer and the reference's unchanged.
 */
import { existsSync, readFileSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Bytes, Struct } from "scale-ts";
import { pbkdf2Encode } from "@polkadot/util-crypto";
import { exactView } from "../../framework/codec/bytes.ts";
import { sr25519KeypairFromSeed, type Keypair } from "../../framework/crypto/index.ts";

export const IDENTITY_FILE = "identity.bin";
const ENTROPY_LENGTH = 32;
const IdentityFileContents = Struct({ entropy: Bytes() });

export class IdentityError extends Error {
  constructor(
    readonly code: "FARMER_IDENTITY_ERROR_DECODE" | "FARMER_IDENTITY_ERROR_ENTROPY",
    message: string,
  ) {
    super(message);
  }
}

/** substrate-bip39 `mini_secret_from_entropy(entropy, password)`. */
export function miniSecretFromEntropy(entropy: Uint8Array, password = ""): Uint8Array {
  return pbkdf2Encode(entropy, new TextEncoder().encode(`mnemonic${password}`), 2048).password.slice(0, 32);
}

export class Identity {
  readonly keypair: Keypair;

  private constructor(readonly entropy: Uint8Array) {
    if (entropy.length !== ENTROPY_LENGTH) throw new IdentityError("FARMER_IDENTITY_ERROR_ENTROPY", `entropy must be ${ENTROPY_LENGTH} bytes, got ${entropy.length}`);
    this.keypair = sr25519KeypairFromSeed(miniSecretFromEntropy(entropy));
  }

  get publicKey(): Uint8Array {
    return this.keypair.publicKey;
  }

  static fromEntropy(entropy: Uint8Array): Identity {
    return new Identity(entropy);
  }

  /** Reads `identity.bin`, or undefined when the directory has none. */
  static open(directory: string): Identity | undefined {
    const path = join(directory, IDENTITY_FILE);
    if (!existsSync(path)) return undefined;
    let entropy: Uint8Array;
    try {
      // Copy out of node's pooled Buffer into a plain Uint8Array before decoding.
      entropy = IdentityFileContents.dec(exactView(new Uint8Array(readFileSync(path)))).entropy;
    } catch (e) {
      throw new IdentityError("FARMER_IDENTITY_ERROR_DECODE", `cannot decode ${path}: ${(e as Error).message}`);
    }
    return new Identity(entropy);
  }

  /** Creates a fresh identity and writes it atomically (temp file, fsync, rename). */
  static create(directory: string, entropy: Uint8Array = randomBytes(ENTROPY_LENGTH)): Identity {
    const identity = new Identity(Uint8Array.from(entropy));
    const path = join(directory, IDENTITY_FILE);
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, IdentityFileContents.enc({ entropy: identity.entropy }));
    const fd = openSync(tmp, "r+");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    return identity;
  }

  static openOrCreate(directory: string): Identity {
    return Identity.open(directory) ?? Identity.create(directory);
  }
}
