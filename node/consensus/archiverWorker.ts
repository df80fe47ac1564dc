/**
 * The archiver's worker thread: it holds the `Archiver` and does all its work (tens of seconds of
 * KZG per segment), so the node's event loop keeps serving RPC and producing blocks. It answers
 * the service's requests strictly in order (see `ArchiverRequest`/`ArchiverReply`); new segments
 * come back with their header, their 256 pieces (transferred, not copied) and the archiver state
 * right after the block that completed them.
 */
import { parentPort, workerData } from "node:worker_threads";
import { getKzg, type Kzg } from "../../framework/primitives/subspace/kzg/index.ts";
import { Archiver, encodeGenesisBlockForArchiving, segmentErasureCoding, type NewArchivedSegment } from "../../framework/primitives/subspace/archiving/index.ts";
import { encodeSegmentHeader } from "../../framework/primitives/subspace/core/index.ts";
import {
  concatBytes, encodeCompactLength,
  type ArchivedSegmentMessage, type ArchiverReply, type ArchiverRequest, type ArchiverWorkerInit,
} from "./archiverEncoding.ts";

const init = ((workerData as { data?: ArchiverWorkerInit }).data ?? {}) as ArchiverWorkerInit;
const kzg: Kzg = init.kzgModule ? ((await import(init.kzgModule)) as Record<string, Kzg>)[init.kzgExport ?? "kzg"]! : await getKzg();
const erasureCoding = segmentErasureCoding();
let archiver = new Archiver(kzg, erasureCoding);
const port = parentPort!;

const segmentMessage = (s: NewArchivedSegment): ArchivedSegmentMessage => ({ segmentHeader: encodeSegmentHeader(s.segmentHeader), pieces: s.pieces });
const transferables = (segments: readonly ArchivedSegmentMessage[]): ArrayBuffer[] =>
  segments.map((s) => s.pieces.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i);

function reply(r: ArchiverReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(r, transfer);
}

port.on("message", (req: ArchiverRequest) => {
  switch (req.kind) {
    case "genesis": {
      archiver = new Archiver(kzg, erasureCoding);
      const signedBlock = concatBytes(req.genesisHeader, encodeCompactLength(0), Uint8Array.of(0));
      const out = archiver.addBlock(encodeGenesisBlockForArchiving(signedBlock, req.stateRoot));
      const seg = out.archivedSegments[0];
      if (!seg || out.archivedSegments.length !== 1) throw new Error("the genesis block did not produce exactly segment 0");
      const segment = segmentMessage(seg);
      reply({ kind: "genesis", segment, state: archiver.exportState() }, transferables([segment]));
      break;
    }
    case "restore":
      archiver = Archiver.fromState(kzg, erasureCoding, req.state);
      reply({ kind: "restored" });
      break;
    case "block": {
      const out = archiver.addBlock(req.block, req.objects ?? []);
      const segments = out.archivedSegments.map(segmentMessage);
      const objects = out.objectMapping;
      if (segments.length === 0) reply({ kind: "block", number: req.number, segments, objects });
      else reply({ kind: "block", number: req.number, segments, state: archiver.exportState(), objects }, transferables(segments));
      break;
    }
    case "state":
      reply({ kind: "state", state: archiver.exportState() });
      break;
  }
});
