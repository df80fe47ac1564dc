/**
 * `export-blocks` / `import-blocks`. Format: one JSON object per line
 * `{"header": "0x<SCALE header>", "extrinsics": ["0x…"]}` (default), or binary SCALE
 * (`--binary`: a sequence of `Compact(len) ‖ SCALE(Block)`), as Substrate's export does.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { existsSync, type WriteStream } from "node:fs";
import { createConsensusRuntime, CONSTANTS } from "../../runtime/consensus/runtime.ts";
import { genesisStorage } from "../../runtime/consensus/chainSpecs.ts";
import { loadChainSpec } from "../service/service.ts";
import { ChainDb } from "../db/index.ts";
import { Client } from "../client/client.ts";
import { Header } from "../../framework/codec/substrate.ts";
import { decodeAll, decodePrefix, encodeCompact, compactU32, u32 } from "../../framework/codec/ty.ts";
import { toHex, fromHex, concatBytes } from "../../framework/codec/bytes.ts";
import { blake2_256 } from "../../framework/crypto/index.ts";
import { getKzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { verifyHeader } from "../consensus/blockVerifier.ts";
import { nodeConsensusVerifier } from "../consensus/consensusVerifier.ts";
import { fullPotVerification, subspaceJustificationOf } from "../consensus/potJustification.ts";
import { checkpointsOutput, genesisSeed } from "../../framework/primitives/subspace/pot/index.ts";
import { extractPreDigest } from "../../framework/primitives/subspace/consensus/index.ts";

const OPTIONS = {
  chain: { type: "string" },
  dev: { type: "boolean" },
  "base-path": { type: "string", short: "d" },
  from: { type: "string" },
  to: { type: "string" },
  binary: { type: "boolean" },
  "allow-unsealed": { type: "boolean" },
  "state-pruning": { type: "string" },
} as const;

let consensus: Awaited<ReturnType<typeof createConsensusRuntime>>;

async function openClient(v: { chain?: string; dev?: boolean; "base-path"?: string }, defaultBasePath: () => string) {
  const crt = await createConsensusRuntime();
  consensus = crt;
  const spec = await loadChainSpec(v.chain ?? "dev", crt);
  const storage = genesisStorage(spec, crt);
  const dir = join(v["base-path"] ?? defaultBasePath(), "chains", spec.id, "db", "full");
  const db = ChainDb.open(dir, { statePruning: "archive" });
  const kRaw = storage.get(Buffer.from(crt.runtimeConfigs.ConfirmationDepthK.key()).toString("latin1"));
  return Client.open({ db, runtime: crt.runtime, genesisStorage: storage, confirmationDepthK: kRaw ? decodeAll(u32, kRaw) : 100 });
}

export async function exportBlocks(args: string[], io: { defaultBasePath: () => string; createWriteStream: (p: string) => WriteStream }): Promise<void> {
  const { values: v, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const client = await openClient(v, io.defaultBasePath);
  try {
    const from = v.from ? Number(v.from) : 1;
    const to = v.to ? Number(v.to) : client.bestNumber;
    const target = positionals[0] ?? "-";
    const out = target === "-" ? process.stdout : io.createWriteStream(target);
    for (let n = from; n <= to; n++) {
      const hash = client.hashByNumber(n);
      if (!hash) break;
      const header = client.headerBytes(hash)!;
      const body = client.body(hash)!;
      if (v.binary) {
        const block = concatBytes(header, encodeCompact(body.length), ...body);
        out.write(concatBytes(encodeCompact(block.length), block));
      } else {
        const j = client.justifications(hash);
        out.write(JSON.stringify({ header: toHex(header), extrinsics: body.map(toHex), ...(j && j.length ? { justifications: toHex(j) } : {}) }) + "\n");
      }
    }
    if (out !== process.stdout) await new Promise<void>((r) => (out as WriteStream).end(r));
    process.stderr.write(`Exported blocks #${from}..#${Math.min(to, client.bestNumber)}\n`);
  } finally {
    await client.close();
  }
}

export async function importBlocks(args: string[], io: { defaultBasePath: () => string; readFileSync: (p: string) => Buffer }): Promise<void> {
  const { values: v, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  const input = positionals[0];
  if (!input || !existsSync(input)) throw new Error(`import-blocks: input file "${input ?? ""}" not found`);
  const data = io.readFileSync(input);
  const blocks: { header: Uint8Array; extrinsics: Uint8Array[]; justifications?: Uint8Array }[] = [];
  if (v.binary) {
    let off = 0;
    const bytes = new Uint8Array(data);
    while (off < bytes.length) {
      const [len, used] = decodePrefix(compactU32, bytes.subarray(off));
      const block = bytes.slice(off + used, off + used + len);
      const [, hlen] = decodePrefix(Header, block);
      const [count, clen] = decodePrefix(compactU32, block.subarray(hlen));
      let p = hlen + clen;
      const exts: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        const [xl, xu] = decodePrefix(compactU32, block.subarray(p));
        exts.push(block.slice(p, p + xu + xl));
        p += xu + xl;
      }
      blocks.push({ header: block.slice(0, hlen), extrinsics: exts });
      off += used + len;
    }
  } else {
    for (const line of data.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      const j = JSON.parse(line);
      blocks.push({ header: fromHex(j.header), extrinsics: j.extrinsics.map(fromHex), justifications: j.justifications ? fromHex(j.justifications) : undefined });
    }
  }
  const client = await openClient(v, io.defaultBasePath);
  let imported = 0;
  try {
    // Sealed (PoAS) blocks are verified before execution: seal, pre-digest, slot and solution. Segment
    // commitments not yet on chain come from the segment headers the blocks themselves carry.
    const known = new Map<bigint, Uint8Array>();
    let kzg: Awaited<ReturnType<typeof getKzg>> | undefined;
    const syncTarget = blocks.length ? decodeAll(Header, blocks[blocks.length - 1]!.header).number : 0;
    const outputs = new Map<number, Uint8Array>();
    for (const b of blocks) {
      const header = decodeAll(Header, b.header);
      if (client.db.blockMeta(headerHashOf(b.header))) continue;
      for (const x of b.extrinsics) {
        try {
          const e = client.runtime.decodeExtrinsic(x);
          if (e.call.tag === "Subspace" && e.call.value.tag === "store_segment_headers") {
            for (const h of (e.call.value.value as any).segmentHeaders) known.set(h.segmentIndex, h.segmentCommitment);
          }
        } catch {
          // undecodable extrinsics fail at execution with their own error
        }
      }
      const sealed = header.digest.logs.some((l) => l.tag === "Seal");
      if (!sealed && !v["allow-unsealed"]) {
        throw new Error(`block #${header.number} has no Seal(SUB_) (authored by the dev seal stand-in, --sealing); pass --allow-unsealed to import such blocks`);
      }
      if (sealed) {
        if (!kzg) {
          kzg = await getKzg();
          // Votes in blocks are checked by the runtime through the node's verifier (PoT outputs from the chain).
          consensus.subspace.setConsensusVerifier(nodeConsensusVerifier({
            client, kzg, blockAuthoringDelay: CONSTANTS.blockAuthoringDelay, knownOutput: (slot) => outputs.get(slot),
          }));
        }
        // The file's last block is the sync target: older blocks' PoT checkpoints are sampled as the reference does.
        verifyHeader(client, consensus, header, {
          kzg, knownSegmentCommitment: (i) => known.get(i), justifications: b.justifications, genesisSeed: genesisSeed(client.genesisHash, ""),
          fullPotVerification: fullPotVerification(syncTarget, header.number),
        });
        // The slots this block proves (its justification, up to its future slot) stand in for the
        // timekeeper when the runtime checks votes inside it.
        const j = subspaceJustificationOf(b.justifications);
        if (j) {
          const futureSlot = extractPreDigest(header.number, header.digest.logs.slice(0, -1)).slot + CONSTANTS.blockAuthoringDelay;
          j.checkpoints.forEach((cps, i) => outputs.set(futureSlot - (j.checkpoints.length - 1 - i), checkpointsOutput(cps)));
          for (const s of outputs.keys()) if (s < futureSlot - 1_024) outputs.delete(s);
        }
      }
      client.importBlock(header, b.extrinsics, undefined, b.justifications);
      imported++;
    }

  } finally {
    await client.close();
  }
  process.stderr.write(`Imported ${imported} blocks (best #${blocks.length ? decodeAll(Header, blocks[blocks.length - 1]!.header).number : 0})\n`);
}

const headerHashOf = (h: Uint8Array) => blake2_256(h);
