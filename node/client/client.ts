/**
 * The chain client: block import (execute on the parent state, compare roots, commit block and
 * state in one database transaction), fork choice, finality at `confirmation_depth_k`, state at any
 * retained block, runtime calls, and notifications for RPC subscribers and the transaction pool.
 */
import { EventEmitter } from "node:events";
import { Trie } from "../../framework/trie/index.ts";
import { Header, type Header as HeaderValue } from "../../framework/codec/substrate.ts";
import { decodeAll, vec, bytes, encodeCompact, type Ty } from "../../framework/codec/ty.ts";
import { concatBytes, equalBytes, toHex } from "../../framework/codec/bytes.ts";
import { keyBytes } from "../../framework/storage/overlay.ts";
import { orderedTrieRoot } from "../../framework/trie/index.ts";
import { Executor, headerHash, type BuiltBlock } from "../../framework/runtime/executor.ts";
import type { Runtime } from "../../framework/runtime/runtime.ts";
import type { InherentData } from "../../framework/pallet/pallet.ts";
import { ChainDb } from "../db/index.ts";
import { rawExtrinsic } from "../../framework/runtime/apis.ts";

export class ClientError extends Error {
  constructor(
    readonly code:
      | "CLIENT_ERROR_UNKNOWN_BLOCK"
      | "CLIENT_ERROR_UNKNOWN_PARENT"
      | "CLIENT_ERROR_STATE_PRUNED"
      | "CLIENT_ERROR_INVALID_BLOCK"
      | "CLIENT_ERROR_GENESIS_MISMATCH"
      | "CLIENT_ERROR_ALREADY_IMPORTED",
    message: string,
  ) {
    super(message);
    this.name = "ClientError";
  }
}

export interface ImportedBlock {
  hash: Uint8Array;
  header: HeaderValue;
  extrinsics: Uint8Array[];
  isBest: boolean;
  /** Blocks retracted from the best chain by this import (re-org), oldest first. */
  retracted: Uint8Array[];
  /** Blocks that joined the best chain (including this one), oldest first. */
  enacted: Uint8Array[];
}

export interface ClientOptions {
  db: ChainDb;
  runtime: Runtime;
  /** Genesis storage (from the chain spec), used when the database is empty and to check it otherwise. */
  genesisStorage: Map<string, Uint8Array>;
  confirmationDepthK: number;
}

const STATE_CACHE = 64;

/** Block body encoding in the database: SCALE `Vec<OpaqueExtrinsic>` (each extrinsic keeps its length prefix). */
export function encodeBody(extrinsics: Uint8Array[]): Uint8Array {
  return concatBytes(encodeCompact(extrinsics.length), ...extrinsics);
}

const U64_MAX = (1n << 64n) - 1n;
const SUB_ENGINE = "0x5355425f";

/** A block's fork-choice weight: `u64::MAX − solution_range + 1` from its `SolutionRange` log (the +1 keeps
 * a block at the maximal range, as dev chains use, from weighing nothing), else 1. */
export function blockWeight(header: HeaderValue): bigint {
  for (const l of header.digest.logs) {
    if (l.tag !== "Consensus" || toHex(l.value[0]) !== SUB_ENGINE) continue;
    const data = l.value[1];
    if (data.length === 9 && data[0] === 1) {
      let r = 0n;
      for (let i = 8; i >= 1; i--) r = (r << 8n) | BigInt(data[i]!);
      return U64_MAX - r + 1n;
    }
  }
  return 1n;
}

function encodeWeight(w: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(w & 0xffn);
    w >>= 8n;
  }
  return out;
}

export class Client extends EventEmitter {
  readonly db: ChainDb;
  readonly runtime: Runtime;
  readonly executor: Executor;
  readonly genesisHash: Uint8Array;
  readonly confirmationDepthK: number;
  private readonly states = new Map<string, Trie>();
  private readonly bodyTy: Ty<Uint8Array[]>;
  private readonly headerCache = new Map<string, HeaderValue>();

  private constructor(opts: ClientOptions, genesisHash: Uint8Array) {
    super();
    this.setMaxListeners(0);
    this.db = opts.db;
    this.runtime = opts.runtime;
    this.executor = new Executor(opts.runtime);
    this.genesisHash = genesisHash;
    this.confirmationDepthK = opts.confirmationDepthK;
    this.bodyTy = vec(rawExtrinsic(opts.runtime));
  }

  /** Opens the chain: commits genesis into an empty database, or checks the stored one matches. */
  static open(opts: ClientOptions): Client {
    const version = opts.runtime.trieVersion;
    const genesisState = Trie.fromEntries([...opts.genesisStorage].map(([k, v]) => [keyBytes(k), v] as const), version);
    const header: HeaderValue = {
      parentHash: new Uint8Array(32),
      number: 0,
      stateRoot: genesisState.root,
      extrinsicsRoot: orderedTrieRoot([], version),
      digest: { logs: [] },
    };
    const hash = headerHash(header);
    const meta = opts.db.meta();
    if (!meta) {
      opts.db.commitBlock({
        hash, number: 0, parentHash: header.parentHash, header: Header.enc(header), body: encodeBody([]),
        stateRoot: header.stateRoot, state: genesisState.commit(), setBest: true,
      });
    } else if (!equalBytes(meta.genesisHash, hash)) {
      throw new ClientError("CLIENT_ERROR_GENESIS_MISMATCH", `the database at this base path holds another chain (genesis ${toHex(meta.genesisHash)}, chain spec gives ${toHex(hash)})`);
    }
    const client = new Client(opts, hash);
    if (!meta) client.states.set(toHex(hash), genesisState);
    return client;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  get bestHash(): Uint8Array {
    return this.db.meta()!.bestHash;
  }
  get bestNumber(): number {
    return this.db.meta()!.bestNumber;
  }
  get finalizedHash(): Uint8Array {
    return this.db.meta()!.finalizedHash;
  }
  get finalizedNumber(): number {
    return this.db.meta()!.finalizedNumber;
  }

  header(hash: Uint8Array): HeaderValue | undefined {
    const key = toHex(hash);
    const cached = this.headerCache.get(key);
    if (cached) return cached;
    const raw = this.db.header(hash);
    if (!raw) return undefined;
    const h = decodeAll(Header, raw);
    if (this.headerCache.size > 1024) this.headerCache.clear();
    this.headerCache.set(key, h);
    return h;
  }

  headerBytes(hash: Uint8Array): Uint8Array | undefined {
    return this.db.header(hash);
  }

  body(hash: Uint8Array): Uint8Array[] | undefined {
    const raw = this.db.body(hash);
    return raw ? decodeAll(this.bodyTy, raw) : undefined;
  }

  hashByNumber(n: number): Uint8Array | undefined {
    return this.db.hashByNumber(n);
  }

  justifications(hash: Uint8Array): Uint8Array | undefined {
    return this.db.justifications(hash);
  }

  /** The state of a retained block. */
  stateAt(hash: Uint8Array): Trie {
    const key = toHex(hash);
    const cached = this.states.get(key);
    if (cached) {
      // refresh LRU position
      this.states.delete(key);
      this.states.set(key, cached);
      return cached;
    }
    const meta = this.db.blockMeta(hash);
    if (!meta) throw new ClientError("CLIENT_ERROR_UNKNOWN_BLOCK", `unknown block ${key}`);
    if (!this.db.hasState(meta.stateRoot)) throw new ClientError("CLIENT_ERROR_STATE_PRUNED", `state of block ${key} has been pruned`);
    const t = Trie.fromRoot(meta.stateRoot, this.db, this.runtime.trieVersion);
    this.remember(key, t);
    return t;
  }

  private remember(key: string, t: Trie): void {
    this.states.set(key, t);
    while (this.states.size > STATE_CACHE) this.states.delete(this.states.keys().next().value!);
  }

  storage(hash: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    return this.stateAt(hash).get(key);
  }

  /** A runtime API call at `hash` (state_call). */
  call(hash: Uint8Array, method: string, input: Uint8Array): Uint8Array {
    return this.executor.call(this.stateAt(hash), hash, method, input);
  }

  /** Whether `ancestor` is on the chain of `descendant` (inclusive). */
  isAncestor(ancestor: Uint8Array, descendant: Uint8Array): boolean {
    const a = this.db.blockMeta(ancestor);
    let cur: Uint8Array | undefined = descendant;
    while (cur) {
      if (equalBytes(cur, ancestor)) return true;
      const m = this.db.blockMeta(cur);
      if (!m || !a || m.number <= a.number) return false;
      cur = m.parentHash;
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Authoring and import

  /** Builds a block on the best block (not imported). */
  buildBlock(inherentData: InherentData, candidates: Iterable<Uint8Array>, digest: HeaderValue["digest"]["logs"] = [], maxMillis?: number): BuiltBlock {
    const parent = this.bestHash;
    const parentHeader = this.header(parent)!;
    return this.executor.buildBlock(this.stateAt(parent), parent, parentHeader.number + 1, digest, inherentData, candidates, maxMillis);
  }

  /**
   * Imports a block. `built` skips re-execution for blocks this node just built. The block, its
   * state and the new head/finality are committed in one database transaction.
   */
  importBlock(header: HeaderValue, extrinsics: Uint8Array[], built?: BuiltBlock, justifications?: Uint8Array): ImportedBlock {
    const hash = built?.hash ?? headerHash(header);
    if (this.db.blockMeta(hash)) throw new ClientError("CLIENT_ERROR_ALREADY_IMPORTED", `block ${toHex(hash)} is already imported`);
    const parentMeta = this.db.blockMeta(header.parentHash);
    if (!parentMeta) throw new ClientError("CLIENT_ERROR_UNKNOWN_PARENT", `parent ${toHex(header.parentHash)} of block #${header.number} is unknown`);
    if (parentMeta.number + 1 !== header.number) throw new ClientError("CLIENT_ERROR_INVALID_BLOCK", `block number ${header.number} does not follow its parent #${parentMeta.number}`);
    let state: Trie;
    if (built) {
      state = built.state;
    } else {
      try {
        state = this.executor.executeBlock(this.stateAt(header.parentHash), header, extrinsics);
      } catch (e) {
        throw new ClientError("CLIENT_ERROR_INVALID_BLOCK", `block #${header.number} ${toHex(hash)} is invalid: ${(e as Error).message}`);
      }
    }
    // Fork choice (Subspace): the heaviest chain, each block weighing `u64::MAX − solution_range`
    // (the range its runtime logged, `Consensus(SUB_, SolutionRange)`); blocks without one weigh 1.
    // Ties keep the current best.
    const oldBest = this.bestHash;
    const weight = this.chainWeight(header.parentHash) + blockWeight(header);
    const isBest = weight > this.chainWeight(oldBest);
    let retracted: Uint8Array[] = [];
    let enacted: Uint8Array[] = [hash];
    if (isBest && !equalBytes(header.parentHash, oldBest)) ({ retracted, enacted } = this.treeRoute(oldBest, header.parentHash, hash));
    const finalizedNumber = isBest ? header.number - this.confirmationDepthK : -1;
    let finalized: { hash: Uint8Array; number: number } | undefined;
    if (isBest && finalizedNumber > this.finalizedNumber) {
      const fh = finalizedNumber === header.number ? hash : this.ancestorAt(header.parentHash, finalizedNumber);
      if (fh) finalized = { hash: fh, number: finalizedNumber };
    }
    const commit = state.commit();
    this.db.commitBlock({
      hash, number: header.number, parentHash: header.parentHash, header: Header.enc(header), body: encodeBody(extrinsics),
      justifications, stateRoot: header.stateRoot, state: commit, setBest: isBest, finalized, extra: encodeWeight(weight),
    });
    this.remember(toHex(hash), state);
    const imported: ImportedBlock = { hash, header, extrinsics, isBest, retracted, enacted };
    this.emit("block", imported);
    if (isBest) this.emit("best", imported);
    if (finalized) this.emit("finalized", { hash: finalized.hash, number: finalized.number });
    return imported;
  }

  /** Cumulative fork-choice weight of a stored block (genesis 0). */
  chainWeight(hash: Uint8Array): bigint {
    const m = this.db.blockMeta(hash);
    if (!m || m.extra.length !== 16) return 0n;
    let w = 0n;
    for (let i = 15; i >= 0; i--) w = (w << 8n) | BigInt(m.extra[i]!);
    return w;
  }

  /** The ancestor of `from` (inclusive) at height `number`. */
  ancestorAt(from: Uint8Array, number: number): Uint8Array | undefined {
    let cur: Uint8Array | undefined = from;
    while (cur) {
      const m = this.db.blockMeta(cur);
      if (!m) return undefined;
      if (m.number === number) return cur;
      if (m.number < number) return undefined;
      cur = m.parentHash;
    }
    return undefined;
  }

  private treeRoute(oldBest: Uint8Array, newParent: Uint8Array, newHash: Uint8Array): { retracted: Uint8Array[]; enacted: Uint8Array[] } {
    const retracted: Uint8Array[] = [];
    const enacted: Uint8Array[] = [newHash];
    let a: Uint8Array = oldBest;
    let b: Uint8Array = newParent;
    let am = this.db.blockMeta(a)!;
    let bm = this.db.blockMeta(b)!;
    while (!equalBytes(a, b)) {
      if (am.number >= bm.number) {
        retracted.push(a);
        a = am.parentHash;
        am = this.db.blockMeta(a)!;
      } else {
        enacted.unshift(b);
        b = bm.parentHash;
        bm = this.db.blockMeta(b)!;
      }
    }
    return { retracted: retracted.reverse(), enacted };
  }

  async close(): Promise<void> {
    this.removeAllListeners();
    await this.db.close();
  }
}
