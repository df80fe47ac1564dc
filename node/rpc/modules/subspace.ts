/**
 * The farmer↔node RPC of the reference (`sc-consensus-subspace-rpc`): method, subscription and
 * notification names and camelCase JSON shapes as `subspace-rpc-primitives`. Farming methods are
 * unsafe (served to local farmers only, as the reference's `deny_unsafe`).
 */
import { toHex, fromHex, isHex } from "../../../framework/codec/bytes.ts";
import { globalObjectToJson, segmentHeaderToJson } from "../../../framework/primitives/subspace/core/index.ts";
import type { Solution } from "../../../framework/primitives/subspace/sectors/index.ts";
import type { RpcServer } from "../server/index.ts";
import type { RpcParams } from "../server/params.ts";
import { RpcError } from "../errors.ts";
import type { FarmerHub, SlotInfo, RewardSigningInfo } from "../../consensus/slotWorker.ts";
import type { ArchiverService, ObjectMappings } from "../../consensus/archiver.ts";
import { CONSTANTS } from "../../../runtime/consensus/runtime.ts";
import type { RpcContext } from "./context.ts";

/** The reference's error code for the subspace RPC. */
const SUBSPACE_RPC_ERROR = 9000;
const MAX_SEGMENT_HEADERS = 1000;
const OBJECT_MAPPINGS_BATCH = 1000;

export interface SubspaceRpcDeps {
  hub: FarmerHub;
  archiver: ArchiverService;
  farmingTimeoutMs: number;
}

export const slotInfoJson = (s: SlotInfo) => ({
  slotNumber: s.slotNumber,
  globalChallenge: toHex(s.globalChallenge),
  solutionRange: s.solutionRange.toString(),
  votingSolutionRange: s.votingSolutionRange.toString(),
});

export { solutionToJson as solutionJson } from "../../../framework/primitives/subspace/sectors/solution.ts";

function hexField(o: any, k: string, len?: number): Uint8Array {
  const v = o?.[k];
  if (typeof v !== "string" || !isHex(v)) throw RpcError.invalidParams(`solution.${k} must be hex`);
  const b = fromHex(v);
  if (len !== undefined && b.length !== len) throw RpcError.invalidParams(`solution.${k} must be ${len} bytes`);
  return b;
}

function intField(o: any, k: string): number {
  const v = o?.[k];
  const n = typeof v === "string" ? Number(v) : v;
  if (!Number.isSafeInteger(n) || n < 0) throw RpcError.invalidParams(`${k} must be a non-negative integer`);
  return n;
}

export function parseSolution(o: any): Solution {
  return {
    publicKey: hexField(o, "publicKey", 32),
    rewardAddress: hexField(o, "rewardAddress", 32),
    sectorIndex: intField(o, "sectorIndex"),
    historySize: BigInt(intField(o, "historySize")),
    pieceOffset: intField(o, "pieceOffset"),
    recordCommitment: hexField(o, "recordCommitment", 48),
    recordWitness: hexField(o, "recordWitness", 48),
    chunk: hexField(o, "chunk", 32),
    chunkWitness: hexField(o, "chunkWitness", 48),
    proofOfSpace: hexField(o, "proofOfSpace"),
  };
}

export function registerSubspace(server: RpcServer, ctx: RpcContext, d: SubspaceRpcDeps): void {
  server.method("subspace_getFarmerAppInfo", () => ({
    genesisHash: toHex(ctx.client.genesisHash),
    dsnBootstrapNodes: [],
    syncing: false,
    farmingTimeout: { secs: Math.floor(d.farmingTimeoutMs / 1000), nanos: (d.farmingTimeoutMs % 1000) * 1_000_000 },
    protocolInfo: {
      historySize: Math.max(1, d.archiver.segmentHeaders.length),
      maxPiecesInSector: CONSTANTS.maxPiecesInSector,
      recentSegments: Number(CONSTANTS.recentSegments),
      recentHistoryFraction: CONSTANTS.recentHistoryFraction.map(Number),
      minSectorLifetime: Number(CONSTANTS.minSectorLifetime),
    },
  }));
  server.subscription({ subscribe: "subspace_subscribeSlotInfo", notification: "subspace_slot_info", unsubscribe: "subspace_unsubscribeSlotInfo", unsafe: true }, (_p, sink) => {
    const on = (s: SlotInfo) => sink.notify(slotInfoJson(s));
    d.hub.on("slotInfo", on);
    return () => d.hub.off("slotInfo", on);
  });
  server.method("subspace_submitSolutionResponse", (p: RpcParams) => {
    const r = p.at(0, "solution_response") as any;
    if (!r || typeof r !== "object") throw RpcError.invalidParams("expected a SolutionResponse object");
    const accepted = d.hub.submitSolution(intField(r, "slotNumber"), parseSolution(r.solution));
    if (!accepted) throw new RpcError(SUBSPACE_RPC_ERROR, "Solution was ignored");
    return null;
  }, { unsafe: true, params: ["solution_response"] });
  server.subscription({ subscribe: "subspace_subscribeRewardSigning", notification: "subspace_reward_signing", unsubscribe: "subspace_unsubscribeRewardSigning", unsafe: true }, (_p, sink) => {
    const on = (r: RewardSigningInfo) => sink.notify({ hash: toHex(r.hash), publicKey: toHex(r.publicKey) });
    d.hub.on("rewardSigning", on);
    return () => d.hub.off("rewardSigning", on);
  });
  server.method("subspace_submitRewardSignature", (p: RpcParams) => {
    const r = p.at(0, "reward_signature") as any;
    if (!r || typeof r !== "object") throw RpcError.invalidParams("expected a RewardSignatureResponse object");
    const hash = hexField(r, "hash", 32);
    const sig = r.signature === null || r.signature === undefined ? undefined : hexField(r, "signature", 64);
    d.hub.submitRewardSignature(hash, sig);
    return null;
  }, { unsafe: true, params: ["reward_signature"] });
  server.subscription({ subscribe: "subspace_subscribeArchivedSegmentHeader", notification: "subspace_archived_segment_header", unsubscribe: "subspace_unsubscribeArchivedSegmentHeader", unsafe: true }, (_p, sink) => {
    const on = (h: any) => sink.notify(segmentHeaderToJson(h));
    d.archiver.on("segment", on);
    return () => d.archiver.off("segment", on);
  });
  server.method("subspace_acknowledgeArchivedSegmentHeader", (p: RpcParams) => {
    intField({ v: p.at(0, "segment_index") }, "v");
    return null;
  }, { unsafe: true, params: ["segment_index"] });
  server.method("subspace_segmentHeaders", (p: RpcParams) => {
    const list = p.array(0, "segment_indexes");
    if (list.length > MAX_SEGMENT_HEADERS) throw new RpcError(SUBSPACE_RPC_ERROR, `segment_indexes length exceeded the limit: ${list.length}`);
    return list.map((i) => {
      const n = intField({ i }, "i");
      const h = d.archiver.segmentHeaders[n];
      return h ? segmentHeaderToJson(h) : null;
    });
  }, { params: ["segment_indexes"] });
  server.method("subspace_lastSegmentHeaders", (p: RpcParams) => {
    const limit = p.number(0, "limit");
    if (limit > MAX_SEGMENT_HEADERS) throw new RpcError(SUBSPACE_RPC_ERROR, `limit exceeded: ${limit}`);
    return (limit === 0 ? [] : d.archiver.segmentHeaders.slice(-limit)).map(segmentHeaderToJson);
  }, { params: ["limit"] });
  // Pieces of every archived segment, not only the last one as the reference serves: without a DSN
  // yet, the node is where a farmer that joins later finds older history.
  server.method("subspace_piece", (p: RpcParams) => {
    const index = BigInt(intField({ i: p.at(0, "piece_index") }, "i"));
    const piece = d.archiver.piece(index);
    return piece ? toHex(piece) : null;
  }, { params: ["piece_index"] });
  // `ObjectMappingResponse { blockNumber, objects }` as blocks are archived, at most 1,000 objects per notification.
  server.subscription({ subscribe: "subspace_subscribeObjectMappings", notification: "subspace_object_mappings", unsubscribe: "subspace_unsubscribeObjectMappings", unsafe: true }, (_p, sink) => {
    const on = (m: ObjectMappings) => {
      for (let i = 0; i < m.objects.length; i += OBJECT_MAPPINGS_BATCH) {
        sink.notify({ blockNumber: m.blockNumber, objects: m.objects.slice(i, i + OBJECT_MAPPINGS_BATCH).map(globalObjectToJson) });
      }
    };
    d.archiver.on("objectMappings", on);
    return () => d.archiver.off("objectMappings", on);
  });
  // The same, for the objects whose hashes are listed (≤ 1,000; Blake3Hash hex with or without 0x).
  server.subscription({
    subscribe: "subspace_subscribeFilteredObjectMappings", notification: "subspace_filtered_object_mappings",
    unsubscribe: "subspace_unsubscribeFilteredObjectMappings", unsafe: true, params: ["hashes"],
  }, (p, sink) => {
    const list = p.array(0, "hashes");
    if (list.length > OBJECT_MAPPINGS_BATCH) throw new RpcError(SUBSPACE_RPC_ERROR, `hashes length exceeded the limit: ${list.length}`);
    const wanted = new Set(list.map((h) => {
      const hex = typeof h === "string" ? (h.startsWith("0x") ? h.slice(2) : h).toLowerCase() : "";
      if (!/^[0-9a-f]{64}$/.test(hex)) throw RpcError.invalidParams("hashes must be 32-byte hex strings");
      return hex;
    }));
    const on = (m: ObjectMappings) => {
      const objects = m.objects.map(globalObjectToJson).filter(([hash]) => wanted.has(hash));
      for (let i = 0; i < objects.length; i += OBJECT_MAPPINGS_BATCH) {
        sink.notify({ blockNumber: m.blockNumber, objects: objects.slice(i, i + OBJECT_MAPPINGS_BATCH) });
      }
    };
    d.archiver.on("objectMappings", on);
    return () => d.archiver.off("objectMappings", on);
  });
}
