import { expect } from "chai";
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SECTOR_METADATA_SIZE, contentsMapSize, sectorSize } from "../../../framework/primitives/subspace/sectors/index.ts";
import { main } from "../../../node/cli/farmer.ts";
import { InlineRecordEncoder, PLOT_FILE, RESERVED_PLOT_METADATA, SingleDiskFarm } from "../../../node/farmer/index.ts";
import { FARM_POS_K, SyntheticSource } from "./source.ts";

/** Runs the CLI in this process, capturing stdout and stderr. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe("subspace-farmer CLI", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "farmer-cli-"));
    const farm = await SingleDiskFarm.open({ directory: dir, allocatedSpace: RESERVED_PLOT_METADATA + 2 * (sectorSize(1) + SECTOR_METADATA_SIZE), piecesInSector: 1, posK: FARM_POS_K });
    await farm.plotRemaining(new SyntheticSource(1n, 1), new InlineRecordEncoder(FARM_POS_K), undefined, 1);
    farm.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("info prints the farm as JSON (DIR or path=DIR,size=…)", async () => {
    for (const arg of [dir, `path=${dir},size=10M`]) {
      const r = await run("info", arg);
      expect(r.code).to.equal(0);
      const info = JSON.parse(r.out);
      expect(info).to.include({ piecesInSector: 1, posK: FARM_POS_K, targetSectorCount: 2, plottedSectorCount: 1 });
      expect(info.sectors).to.deep.equal([{ sectorIndex: 0, historySize: "1", valid: true }]);
    }
  });

  it("scrub exits 0 on a clean farm and 1 naming a corrupted sector", async () => {
    expect((await run("scrub", dir)).code).to.equal(0);
    const fd = openSync(join(dir, PLOT_FILE), "r+");
    writeSync(fd, Uint8Array.of(1, 2, 3), 0, 3, contentsMapSize(1) + 64);
    closeSync(fd);
    const r = await run("scrub", dir);
    expect(r.code).to.equal(1);
    expect(JSON.parse(r.out)).to.include({ checked: 1 }).and.to.have.deep.property("corrupted", [0]);
  });

  it("farm requires a reward address; unknown input is an error; wipe removes the files", async () => {
    const f = await run("farm", `path=${dir},size=1G`);
    expect(f.code).to.equal(1);
    expect(f.err).to.match(/--reward-address is required/);
    expect((await run("benchmark", "nonsense")).code).to.equal(1);
    expect((await run("info")).code).to.equal(1);
    const w = await run("wipe", dir);
    expect(w.code).to.equal(0);
    expect(readdirSync(dir)).to.deep.equal([]);
    expect((await run("info", dir)).code).to.equal(1);
  });
});
