/** `subspace-node key generate|inspect`, printing like `subkey`. */
import { parseArgs } from "node:util";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady, mnemonicGenerate, encodeAddress } from "@polkadot/util-crypto";
import { u8aToHex } from "@polkadot/util";

export async function keyCommand(args: string[]): Promise<number> {
  await cryptoWaitReady();
  const [sub, ...rest] = args;
  const { values: v, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      scheme: { type: "string" },
      words: { type: "string", short: "w" },
      network: { type: "string", short: "n" },
      "output-type": { type: "string" },
      public: { type: "boolean" },
    },
  });
  const scheme = (v.scheme ?? "sr25519").toLowerCase();
  if (!["sr25519", "ed25519", "ecdsa"].includes(scheme)) throw new Error(`unknown scheme "${v.scheme}"`);
  const network = v.network ? Number(v.network) : 6094;
  if (!Number.isInteger(network) || network < 0 || network > 16383) throw new Error(`invalid --network "${v.network}"`);
  const json = v["output-type"] === "json";
  const keyring = new Keyring({ type: scheme as "sr25519", ss58Format: network });
  let suri: string;
  if (sub === "generate") {
    const words = v.words ? Number(v.words) : 12;
    if (![12, 15, 18, 21, 24].includes(words)) throw new Error("--words must be 12, 15, 18, 21 or 24");
    suri = mnemonicGenerate(words as 12);
  } else if (sub === "inspect") {
    if (!positionals[0]) throw new Error("key inspect: missing URI");
    suri = positionals[0];
    if (v.public) {
      const pub = suri.startsWith("0x") ? suri : u8aToHex(keyring.decodeAddress(suri));
      const out = { publicKey: pub, ss58Address: encodeAddress(pub, network) };
      process.stdout.write(json ? JSON.stringify(out, null, 2) + "\n" : `Network ID/Version: ${network}\n  Public key (hex):   ${out.publicKey}\n  SS58 Address:       ${out.ss58Address}\n`);
      return 0;
    }
  } else {
    throw new Error("key: expected `generate` or `inspect`");
  }
  const pair = keyring.addFromUri(suri);
  const out = {
    secretPhrase: suri,
    networkId: network,
    publicKey: u8aToHex(pair.publicKey),
    accountId: u8aToHex(pair.publicKey),
    ss58PublicKey: pair.address,
    ss58Address: pair.address,
    scheme,
  };
  if (json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  else {
    process.stdout.write(
      `${sub === "generate" ? "Secret phrase" : "Secret Key URI `" + suri + "` is account"}:\n` +
        (sub === "generate" ? `  Secret phrase:      ${suri}\n` : "") +
        `  Network ID:         ${network}\n  Public key (hex):   ${out.publicKey}\n  Account ID:         ${out.accountId}\n  Public key (SS58):  ${out.ss58PublicKey}\n  SS58 Address:       ${out.ss58Address}\n`,
    );
  }
  return 0;
}
