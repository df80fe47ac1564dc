import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { blake3 } from "../../../framework/crypto/index.ts";
import { SECTOR_METADATA_SIZE, sectorSize } from "../../../framework/primitives/subspace/sectors/index.ts";
import { RESERVED_PLOT_METADATA, SingleDiskFarm } from "../../../node/farmer/index.ts";

const PIECES = 1;
const SECTORS = 3;
const ALLOCATED = RESERVED_PLOT_METADATA + SECTORS * (sectorSize(PIECES) + SECTOR_METADATA_SIZE);
const CHILD = new URL("./plotChild.ts", import.meta.url).pathname;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Runs the plotting child; `killAfter` kills it with SIGKILL once that many sectors are plotted. */
function runChild(dir: string, killAfter?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, String(ALLOCATED), String(PIECES)], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let buf = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      buf += d;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        if (killAfter !== undefined && lines.filter((x) => x.startsWith("plotted")).length >= killAfter) child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (killAfter === undefined && code !== 0) reject(new Error(`child exited ${code}: ${stderr}`));
      else resolve(lines.concat(signal ? [`killed ${signal}`] : []));
    });
  });
}

describe("farm survives kill -9 mid-plot", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "farm-kill-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("restart resumes, finished sectors stay valid, nothing is re-plotted", async () => {
    const first = await runChild(dir, 1);
    expect(first).to.include("killed SIGKILL");
    expect(first).to.not.include("finished");
    let farm = await SingleDiskFarm.open({ directory: dir, create: false });
    const done = farm.plottedSectorCount;
    expect(done).to.be.within(1, SECTORS - 1);
    const kept = Array.from({ length: done }, (_, i) => hex(blake3(farm.readSector(i))));
    farm.close();

    const second = await runChild(dir);
    expect(second[0]).to.equal(`start ${done}`);
    const replotted = second.filter((l) => l.startsWith("plotted")).map((l) => Number(l.split(" ")[1]));
    expect(replotted).to.deep.equal(Array.from({ length: SECTORS - done }, (_, i) => done + i));
    expect(second).to.include("finished");

    farm = await SingleDiskFarm.open({ directory: dir, create: false });
    expect(farm.plottedSectorCount).to.equal(SECTORS);
    expect(Array.from({ length: done }, (_, i) => hex(blake3(farm.readSector(i))))).to.deep.equal(kept);
    expect(await farm.scrub()).to.deep.equal({ checked: SECTORS, corrupted: [], replotted: [] });
    farm.close();
  });
});
