import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ChainDb } from "../../../node/db/index.ts";
import { toHex } from "../../../framework/codec/bytes.ts";
import { CRASH_CHAIN, crashChain, crashCommit, fillCommit, nodeContent, nodeHash } from "./synthetic.ts";

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "commitLoop.ts");

/** Starts the fixture in `loop` mode and SIGKILLs it once it has printed `committed <n>` for n ≥ `atLeast`. */
function runAndKill(dir: string, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, "loop", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let last = -1;
    let killed = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) last = Number(line.split(" ")[1]);
      if (!killed && last >= atLeast) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(last);
      else reject(new Error(`fixture exited with ${code}: ${err}`));
    });
  });
}

/** Checks that the database holds the crash chain up to its best block with exactly the retained states' nodes. */
function checkConsistent(db: ChainDb, minBest: number): number {
  const m = db.meta()!;
  expect(m.bestNumber).to.be.at.least(minBest);
  const chain = crashChain(m.bestNumber);
  expect(toHex(m.bestHash)).to.equal(toHex(chain[m.bestNumber]!.hash));
  const f = Math.max(0, m.bestNumber - CRASH_CHAIN.finalityDepth);
  expect(m.finalizedNumber).to.equal(f);
  for (const b of chain) {
    expect(toHex(db.hashByNumber(b.number)!), `canon ${b.number}`).to.equal(toHex(b.hash));
    expect(db.header(b.hash), `header ${b.number}`).to.not.equal(undefined);
    expect(db.body(b.hash), `body ${b.number}`).to.not.equal(undefined);
  }
  const expected = new Set<number>();
  for (const b of chain.slice(Math.max(0, f - CRASH_CHAIN.pruning))) for (const id of b.state) expected.add(id);
  for (const id of expected) expect(toHex(db.getNode(nodeHash(id)) ?? new Uint8Array()), `node ${id}`).to.equal(toHex(nodeContent(id)));
  expect(db.stateNodeCount(), "no leaked or missing nodes").to.equal(expected.size);
  return m.bestNumber;
}

describe("ChainDb crash safety", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chaindb-crash-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("survives kill -9 during commits: best block, its data and every retained state node are present", async () => {
    const path = join(dir, "db");
    const seen1 = await runAndKill(path, 15);
    let db = ChainDb.open(path, { statePruning: CRASH_CHAIN.pruning });
    const best1 = checkConsistent(db, seen1);
    await db.close();

    // the child resumes from the reopened database, then is killed again
    const seen2 = await runAndKill(path, best1 + 10);
    db = ChainDb.open(path, { statePruning: CRASH_CHAIN.pruning });
    const best2 = checkConsistent(db, seen2);

    // further commits work
    const chain = crashChain(best2 + 5);
    for (let n = best2 + 1; n <= best2 + 5; n++) db.commitBlock(crashCommit(chain, n));
    checkConsistent(db, best2 + 5);
    await db.close();
  });

  it("reports a full disk as a typed error and keeps the previous state (ulimit -f in a child)", async function () {
    if (process.platform === "win32") this.skip(); // needs a POSIX shell with ulimit
    const path = join(dir, "db");
    // 8 MiB file-size limit; SIGXFSZ ignored so the write fails with EFBIG instead of killing the process.
    const script = `trap '' XFSZ; ulimit -f 8192; exec "${process.execPath}" --import tsx "${FIXTURE}" fill "${path}"`;
    const result = await new Promise<{ code: string; attempted: number; bestNumber: number | null }>((resolve, reject) => {
      const child = spawn("/bin/sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`fill exited ${code}: ${err}`))));
    });
    // lmdb-js reports the failed write as EIO; the file system itself has space, so the code is DB_ERROR_IO here
    // (DB_ERROR_DISK_FULL when the disk really is full, see classifyLmdbError).
    expect(["DB_ERROR_IO", "DB_ERROR_DISK_FULL"]).to.include(result.code);
    expect(result.attempted).to.be.greaterThan(2);
    expect(result.bestNumber).to.equal(result.attempted - 1);

    const db = ChainDb.open(path, { statePruning: 2 });
    const m = db.meta()!;
    expect(m.bestNumber).to.equal(result.bestNumber);
    const last = fillCommit(m.bestNumber);
    expect(toHex(m.bestHash)).to.equal(toHex(last.hash));
    for (const [hex, content] of last.state.inserted) expect(toHex(db.getNode(Buffer.from(hex.slice(2), "hex"))!)).to.equal(toHex(content));
    expect(db.header(fillCommit(result.attempted).hash), "the failed block left nothing").to.equal(undefined);
    db.commitBlock(fillCommit(result.attempted));
    expect(db.meta()!.bestNumber).to.equal(result.attempted);
    await db.close();
  });
});
