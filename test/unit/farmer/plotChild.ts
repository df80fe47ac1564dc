/** Child process of the kill -9 test: plots a small farm, printing one line per finished sector. */
import { InlineRecordEncoder, SingleDiskFarm } from "../../../node/farmer/index.ts";
import { FARM_POS_K, SyntheticSource } from "./source.ts";

const [dir, allocated, pieces] = process.argv.slice(2);
const farm = await SingleDiskFarm.open({ directory: dir!, allocatedSpace: Number(allocated), piecesInSector: Number(pieces), posK: FARM_POS_K });
process.stdout.write(`start ${farm.plottedSectorCount}\n`);
await farm.plotRemaining(new SyntheticSource(1n, Number(pieces)), new InlineRecordEncoder(FARM_POS_K), (p) => {
  if (p.done) process.stdout.write(`plotted ${p.sectorIndex}\n`);
});
farm.close();
process.stdout.write("finished\n");
