/**
 * Worker thread that archives the genesis block into segment 0 (tens of seconds of KZG work), so the
 * node's event loop keeps serving RPC meanwhile. Input (`workerData.data`): the SCALE genesis header
 * and its state root. Output message: the segment header (SCALE), the 256 pieces, and the archiver
 * state to continue from.
 */
import { parentPort, workerData } from "node:worker_threads";
import { getKzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { Archiver, encodeGenesisBlockForArchiving } from "../../framework/primitives/subspace/archiving/index.ts";
import { encodeSegmentHeader } from "../../framework/primitives/subspace/core/index.ts";
import { concatBytes, encodeCompactLength } from "./archiverEncoding.ts";

export interface ArchiverWorkerInput {
  readonly genesisHeader: Uint8Array;
  readonly stateRoot: Uint8Array;
}

export interface ArchiverWorkerOutput {
  readonly segmentHeader: Uint8Array;
  readonly pieces: Uint8Array;
  readonly state: Uint8Array;
}

const input = (workerData as { data: ArchiverWorkerInput }).data;
const kzg = await getKzg();
const archiver = new Archiver(kzg);
const signedBlock = concatBytes(input.genesisHeader, encodeCompactLength(0), Uint8Array.of(0));
const out = archiver.addBlock(encodeGenesisBlockForArchiving(signedBlock, input.stateRoot));
const seg = out.archivedSegments[0];
if (!seg) throw new Error("genesis block did not produce segment 0");
const result: ArchiverWorkerOutput = { segmentHeader: encodeSegmentHeader(seg.segmentHeader), pieces: seg.pieces, state: archiver.exportState() };
parentPort!.postMessage(result);
