/**
 * ArchiverService: segments after 0 are archived on a worker thread, persisted in the chain
 * database (headers, resume state) and under the segments directory (pieces), and a restart resumes
 * from the last segment instead of re-archiving from block 1, ending in the same segments as an
 * uninterrupted run, also after a killed run's leftovers.
 *
 * History: dev-chain blocks with one 3.8 MB `System.remark` each (a segment holds 128 × 4,096 × 31
 * bytes ≈ 16.3 MB, so segment 1 ends in block 5). One real segment (segment 1, ≈ 15–25 s of c-kzg;
 * segment 0 comes from the shared cache); the restart comparisons run on the blake3 KZG stand-in.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TypeRegistry, Metadata } from "@polkadot/types";
import { Keyring } from "@polkadot/keyring";
import { u8aToHex } from "@polkadot/util";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import { createConsensusRuntime } from "../../../runtime/consensus/runtime.ts";
import { builtinSpec, genesisStorage } from "../../../runtime/consensus/chainSpecs.ts";
import { ChainDb } from "../../../node/db/index.ts";
import { Client } from "../../../node/client/client.ts";
import { AUX_STATE_KEY, auxSegmentHeaderKey, decodePersistedState } from "../../../node/consensus/archiverEncoding.ts";
import { ArchiverService, defaultCacheDir, type ArchiverChain, type ArchiverStats, type ArchiverStore } from "../../../node/consensus/archiver.ts";
import { createLogger, parseLogDirectives } from "../../../node/service/logger.ts";
import { u64 } from "../../../framework/codec/ty.ts";
import { toHex } from "../../../framework/codec/bytes.ts";
import { blake3 } from "../../../framework/crypto/index.ts";
import { arePiecesValid, checkSegmentHeaderChain, isPieceValid } from "../../../framework/primitives/subspace/archiving/index.ts";
import { encodeSegmentHeader, type SegmentHeader } from "../../../framework/primitives/subspace/core/index.ts";
import { getKzg } from "../../../framework/primitives/subspace/kzg/index.ts";
import { NUM_PIECES } from "../../../framework/primitives/subspace/profile/index.ts";
import { devDigest } from "../../runtime/helpers.ts";
import { tempDir } from "../../utils/node.ts";

const REMARK_BYTES = 3_800_000;
const BLOCKS = 15; // finalized up to #14 with k = 1: segments 1–3
const FAKE_KZG = { module: new URL("../subspace/archiving/fakeKzg.ts", import.meta.url).href, exportName: "fakeKzg" };

/** The client's chain with finality held at `cap` (raised by `advance`), and its own aux store. */
class CappedChain extends EventEmitter implements ArchiverChain {
  constructor(private readonly client: Client, public cap: number, readonly db: ArchiverStore) {
    super();
  }
  get genesisHash() { return this.client.genesisHash; }
  get finalizedNumber() { return Math.min(this.cap, this.client.finalizedNumber); }
  header(h: Uint8Array) { return this.client.header(h); }
  headerBytes(h: Uint8Array) { return this.client.headerBytes(h); }
  body(h: Uint8Array) { return this.client.body(h); }
  justifications(h: Uint8Array) { return this.client.justifications(h); }
  hashByNumber(n: number) { return this.client.hashByNumber(n); }
  advance(cap: number): void {
    this.cap = cap;
    this.emit("finalized", { hash: this.client.hashByNumber(this.finalizedNumber)!, number: this.finalizedNumber });
  }
}

const FIXTURE = new URL("./fixtures/archiverRun.ts", import.meta.url).pathname;

/**
 * Runs the archiver in a child process until it prints `DONE` (its stats are returned) or `onLine`
 * calls `kill` (SIGKILL; undefined is returned).
 */
function runArchiver(args: string[], onLine: (line: string, kill: () => void) => unknown): Promise<ArchiverStats | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let stats: ArchiverStats | undefined;
    const kill = () => child.kill("SIGKILL");
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("DONE ")) stats = JSON.parse(line.slice(5));
        else onLine(line, kill);
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || (code === 0 && stats)) resolve(stats);
      else reject(new Error(`archiver child exited with ${code ?? signal}: ${err}`));
    });
  });
}

const headersHex = (hs: readonly SegmentHeader[]) => hs.map((h) => toHex(encodeSegmentHeader(h)));
const fileDigest = (path: string) => toHex(blake3(new Uint8Array(readFileSync(path))));

describe("ArchiverService", function () {
  this.timeout(240_000);
  const dir = tempDir("subspace-archiver-");
  const stores: ChainDb[] = [];
  let client: Client;
  const lines: string[] = [];
  const log = createLogger(parseLogDirectives(["info"]), "archiver", (l) => lines.push(l));
  const store = (name: string): ChainDb => {
    const db = ChainDb.open(join(dir.path, name), { statePruning: "archive", noSync: true });
    stores.push(db);
    return db;
  };

  before(async () => {
    await cryptoWaitReady();
    const crt = await createConsensusRuntime();
    client = Client.open({ db: store("chain"), runtime: crt.runtime, genesisStorage: genesisStorage(builtinSpec("dev", crt)!, crt), confirmationDepthK: 1 });
    const registry = new TypeRegistry();
    registry.setMetadata(new Metadata(registry, crt.metadata.v15));
    const alice = new Keyring({ type: "sr25519", ss58Format: 6094 }).addFromUri("//Alice");
    let ts = 1_700_000_000_000n;
    for (let i = 0; i < BLOCKS; i++) {
      const payload = new Uint8Array(REMARK_BYTES);
      for (let j = 0; j < payload.length; j += 997) payload[j] = (i * 131 + j) & 0xff;
      const ext = registry.createType("Extrinsic", registry.createType("Call", { callIndex: [0, 0], args: { remark: u8aToHex(payload) } } as any), { version: 4 });
      ext.sign(alice, {
        blockHash: u8aToHex(client.genesisHash), genesisHash: u8aToHex(client.genesisHash), nonce: i, tip: 0,
        runtimeVersion: { specVersion: crt.runtime.version.specVersion, transactionVersion: crt.runtime.version.transactionVersion } as any,
        signedExtensions: crt.runtime.signedExtensions.map((e) => e.identifier), era: registry.createType("ExtrinsicEra", "0x00"),
      } as any);
      ts += 6000n;
      const parent = client.bestHash;
      const built = client.executor.buildBlock(client.stateAt(parent), parent, client.bestNumber + 1, devDigest(Number(ts / 1000n)), new Map([["timstap0", u64.enc(ts)]]), [ext.toU8a()]);
      expect(built.extrinsics.length, `block ${i + 1} includes the remark`).to.equal(2);
      client.importBlock(built.header, built.extrinsics, built);
    }
    expect(client.finalizedNumber).to.equal(BLOCKS - 1);
  });

  after(async () => {
    for (const db of stores) await db.close();
    dir.remove();
  });

  it("archives segment 1 off the main thread into valid pieces, persists it, and resumes from it after a restart", async () => {
    const kzg = await getKzg();
    const chain = new CappedChain(client, 0, store("store-real"));
    const segmentsDir = join(dir.path, "segments-real");
    let service = new ArchiverService(chain, log, defaultCacheDir(), { segmentsDir });
    await service.start();
    expect(service.segmentHeaders.length).to.equal(1);

    // The event loop keeps turning while the worker archives segment 1 (a synchronous archiver
    // would announce it before yielding once).
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setTimeout(spin, 20);
    };
    let turnsAtSegment = -1;
    service.once("segment", () => (turnsAtSegment = turns));
    setTimeout(spin, 20);
    chain.advance(6);
    await service.settled();
    spinning = false;
    expect(turnsAtSegment, "event-loop turns before segment 1 was announced").to.be.greaterThan(10);

    const [h0, h1] = service.segmentHeaders;
    expect(service.segmentHeaders.length).to.equal(2);
    checkSegmentHeaderChain(h0!, h1!);
    expect(h1!.lastArchivedBlock.number).to.equal(5);
    expect(h1!.lastArchivedBlock.archivedProgress.type).to.equal("Partial");
    expect(service.stats).to.include({ blocksFed: 6, firstBlockFed: 1, segmentsArchived: 1 });
    expect(readdirSync(segmentsDir)).to.deep.equal(["1.bin"]);

    // Every piece of segment 1 and a spread of segment 0 verify against their segment commitments.
    const items = [
      ...Array.from({ length: NUM_PIECES }, (_, p) => ({ piece: service.piece(BigInt(NUM_PIECES + p))!, segmentCommitment: h1!.segmentCommitment, position: p })),
      ...[0, 1, 127, 128, 200, 255].map((p) => ({ piece: service.piece(BigInt(p))!, segmentCommitment: h0!.segmentCommitment, position: p })),
    ];
    expect(arePiecesValid(kzg, items).every(Boolean), "batched piece verification").to.equal(true);
    expect(isPieceValid(kzg, service.piece(BigInt(NUM_PIECES + 3))!, h1!.segmentCommitment, 3)).to.equal(true);
    expect(isPieceValid(kzg, service.piece(BigInt(NUM_PIECES + 3))!, h1!.segmentCommitment, 4)).to.equal(false);
    expect(service.piece(BigInt(2 * NUM_PIECES))).to.equal(undefined);

    const before = await service.archiverState();
    expect(before.lastBlockFed).to.equal(6);
    await service.stop();

    // A run killed while writing segment 2 leaves a temporary file, and one killed between the
    // rename and the database commit leaves a file the database does not know.
    writeFileSync(join(segmentsDir, "2.bin.tmp"), new Uint8Array(1000).fill(7));
    writeFileSync(join(segmentsDir, "2.bin"), new Uint8Array(5000).fill(9));

    lines.length = 0;
    service = new ArchiverService(chain, log, defaultCacheDir(), { segmentsDir });
    await service.start();
    await service.settled();
    expect(headersHex(service.segmentHeaders)).to.deep.equal(headersHex([h0!, h1!]));
    expect(service.stats, "only the blocks after segment 1's last block are fed again").to.deep.equal({ blocksFed: 1, firstBlockFed: 6, segmentsArchived: 0, resumedFromBlock: 5 });
    const after = await service.archiverState();
    expect(after.lastBlockFed).to.equal(6);
    expect(toHex(after.state), "the resumed archiver is exactly where the first run was").to.equal(toHex(before.state));
    expect(readdirSync(segmentsDir)).to.deep.equal(["1.bin"]);
    expect(lines.some((l) => l.includes("Removed 2.bin.tmp"))).to.equal(true);
    expect(arePiecesValid(kzg, [7, 200].map((p) => ({ piece: service.piece(BigInt(NUM_PIECES + p))!, segmentCommitment: h1!.segmentCommitment, position: p }))).every(Boolean)).to.equal(true);
    await service.stop();
  });

  describe("restarts (blake3 KZG stand-in)", () => {
    const final = BLOCKS - 1;
    const cacheDir = () => join(dir.path, "cache"); // the stand-in's segment 0 is cached apart from the real one anyway
    const straightDir = () => join(dir.path, "segments-straight");
    let expected: SegmentHeader[] = [];
    let expectedState: Uint8Array;

    before(async () => {
      const chain = new CappedChain(client, final, store("store-straight"));
      const straight = new ArchiverService(chain, log, cacheDir(), { segmentsDir: straightDir(), workerKzg: FAKE_KZG });
      await straight.start();
      await straight.settled();
      expected = straight.segmentHeaders.slice();
      expectedState = (await straight.archiverState()).state;
      expect(expected.length).to.equal(4);
      expect(straight.stats).to.include({ blocksFed: final, firstBlockFed: 1, segmentsArchived: 4 });
      await straight.stop();
    });

    const sameSegmentFiles = (segmentsDir: string) => {
      expect(readdirSync(segmentsDir).sort()).to.deep.equal(["1.bin", "2.bin", "3.bin"]);
      for (const i of [1, 2, 3]) expect(fileDigest(join(segmentsDir, `${i}.bin`)), `segment ${i} pieces`).to.equal(fileDigest(join(straightDir(), `${i}.bin`)));
    };

    it("restarted runs, with a killed run's leftovers in between, end in the same segments, pieces and state as an uninterrupted run", async () => {
      const chain = new CappedChain(client, 0, store("store-restarts"));
      const segmentsDir = join(dir.path, "segments-restarts");
      // Stops mid-segment (3, 11), right after the block that completed a segment (5) and at the end.
      const stopsAt = [3, 5, 11, final];
      let fedInTotal = 0;
      for (const [run, cap] of stopsAt.entries()) {
        const service = new ArchiverService(chain, log, cacheDir(), { segmentsDir, workerKzg: FAKE_KZG });
        await service.start();
        const resumed = service.stats.resumedFromBlock;
        const persistedHeaders = service.segmentHeaders.length;
        expect(resumed, `run ${run} resumes from the block that completed its last segment`).to.equal(persistedHeaders === 1 ? 0 : expected[persistedHeaders - 1]!.lastArchivedBlock.number);
        chain.advance(cap);
        await service.settled();
        expect(service.stats.firstBlockFed ?? resumed + 1).to.equal(resumed + 1);
        expect(service.stats.blocksFed).to.equal(cap - resumed);
        fedInTotal += service.stats.blocksFed;
        expect(headersHex(service.segmentHeaders)).to.deep.equal(headersHex(expected.slice(0, service.segmentHeaders.length)));
        if (cap === final) expect(toHex((await service.archiverState()).state)).to.equal(toHex(expectedState));
        await service.stop();
        // Leftovers of a run killed while persisting the next segment.
        const next = service.segmentHeaders.length;
        writeFileSync(join(segmentsDir, `${next}.bin.tmp`), new Uint8Array(64).fill(1));
        if (run % 2 === 0) writeFileSync(join(segmentsDir, `${next}.bin`), new Uint8Array(64).fill(2));
      }
      expect(fedInTotal, "re-fed blocks are only those after each run's last segment").to.be.lessThan(2 * final);

      const last = new ArchiverService(chain, log, cacheDir(), { segmentsDir, workerKzg: FAKE_KZG });
      await last.start();
      await last.settled();
      expect(last.stats.blocksFed).to.equal(final - expected[3]!.lastArchivedBlock.number);
      expect(headersHex(last.segmentHeaders)).to.deep.equal(headersHex(expected));
      expect(toHex((await last.archiverState()).state)).to.equal(toHex(expectedState));
      await last.stop();
      sameSegmentFiles(segmentsDir);
      expect(readdirSync(cacheDir())).to.deep.equal([`${toHex(client.genesisHash).slice(2, 18)}-test-kzg`]);
    });

    it("a process killed (SIGKILL) while archiving resumes cleanly into the same segments", async () => {
      const storeDir = join(dir.path, "store-killed");
      const segmentsDir = join(dir.path, "segments-killed");
      const args = [join(dir.path, "chain"), storeDir, segmentsDir, cacheDir()];
      // Killed right after segment 1 is recorded (the worker is on the next blocks), then 0.8 s after a
      // resume (feeding, the stand-in's KZG or the writing of segment 2), then run to the end.
      await runArchiver(args, (line, kill) => line.includes("Archived segment 1") && kill());
      await runArchiver(args, (line, kill) => line.includes("Archiver resumed") && setTimeout(kill, 800));
      const done = await runArchiver(args, () => undefined);
      expect(done, "the last run finished").to.not.equal(undefined);
      const persisted = expected[expected.length - 1]!;
      if (done!.blocksFed > 0) expect(done!.firstBlockFed).to.equal(done!.resumedFromBlock + 1);
      expect(done!.resumedFromBlock, "the last run resumed from a segment, not from block 0").to.be.greaterThan(0);
      expect(done!.resumedFromBlock).to.be.at.most(persisted.lastArchivedBlock.number);
      const db = store("store-killed");
      const state = decodePersistedState(db.aux(AUX_STATE_KEY)!);
      expect(state.segmentCount).to.equal(4n);
      expect(state.lastBlockNumber).to.equal(persisted.lastArchivedBlock.number);
      for (const h of expected) expect(toHex(db.aux(auxSegmentHeaderKey(h.segmentIndex))!)).to.equal(toHex(encodeSegmentHeader(h)));
      sameSegmentFiles(segmentsDir);
    });
  });
});
