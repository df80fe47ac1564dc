/**
 * Pre-signs balance transfers for the node benchmarks in a separate process: dev accounts send
 * `count` transfers each (nonces from `startNonce`), immortal era, signed with our sr25519.
 * Usage: node --import tsx test/bench/presign.ts <genesisHex> <perAccount> <out.bin>
 * Output: a sequence of raw extrinsics (each already SCALE length-prefixed), concatenated.
 */
import { writeFileSync } from "node:fs";
import { cryptoWaitReady, mnemonicToMiniSecret, sr25519PairFromSeed, keyExtractSuri, keyFromPath } from "@polkadot/util-crypto";
import { createConsensusRuntime } from "../../runtime/consensus/runtime.ts";
import { fromHex, concatBytes } from "../../framework/codec/bytes.ts";
import { sr25519Sign } from "../../framework/crypto/index.ts";
import { H256 } from "../../framework/codec/substrate.ts";
import { u32 } from "../../framework/codec/ty.ts";
import { DEV_ACCOUNTS } from "../../runtime/consensus/genesis.ts";

export async function presign(genesis: Uint8Array, perAccount: number, senders: readonly string[] = DEV_ACCOUNTS, amount = 10_000_000_000_000n): Promise<Uint8Array[]> {
  await cryptoWaitReady();
  const crt = await createConsensusRuntime();
  const rt = crt.runtime;
  const pairs = senders.map((n) => devPair(n));
  const dest = devPair("BenchSink").publicKey;
  const additional = concatBytes(
    new Uint8Array(0), // CheckNonZeroSender
    u32.enc(rt.version.specVersion),
    u32.enc(rt.version.transactionVersion),
    H256.enc(genesis),
    H256.enc(genesis),
  );
  const call = { tag: "Balances", value: { tag: "transfer_allow_death", value: { dest: { tag: "Id", value: dest }, value: amount } } };
  const encodedCall = rt.callTy.enc(call as any);
  const out: Uint8Array[] = [];
  for (let n = 0; n < perAccount; n++) {
    for (const pair of pairs) {
      const extra = rt.signedExtensions.map((e) => (e.identifier === "CheckMortality" ? { tag: "Immortal" } : e.identifier === "CheckNonce" ? n : e.identifier === "ChargeTransactionPayment" ? 0n : undefined));
      const encodedExtra = rt.extraTy.enc(extra);
      const payload = rt.signingPayload(encodedCall, encodedExtra, additional);
      const signature = sr25519Sign(pair, payload);
      out.push(rt.encodeSigned({ tag: "Id", value: pair.publicKey }, { tag: "Sr25519", value: signature }, extra, call as any));
    }
  }
  return out;
}

const DEV_PHRASE = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/** The sr25519 key pair of the dev URI `//name` (public and 64-byte secret). */
export function devPair(name: string): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const base = sr25519PairFromSeed(mnemonicToMiniSecret(DEV_PHRASE));
  return keyFromPath(base, keyExtractSuri(`${DEV_PHRASE}//${name}`).path, "sr25519");
}

if (process.argv[1] && process.argv[1].endsWith("presign.ts")) {
  const [genesisHex, per, outFile] = process.argv.slice(2);
  const txs = await presign(fromHex(genesisHex!), Number(per));
  writeFileSync(outFile!, concatBytes(...txs));
  process.stdout.write(`${txs.length}\n`);
}
