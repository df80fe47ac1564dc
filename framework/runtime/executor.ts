/**
 * Runs the runtime against trie states: one-off API calls (state_call), block building (the
 * BlockBuilder sequence in one overlay) and block execution for import. The result of building or
 * executing a block is the new trie version; nothing here writes to a database.
 */
import { Trie } from "../trie/index.ts";
import { Overlay, keyBytes } from "../storage/overlay.ts";
import { withState } from "../storage/items.ts";
import { Header, type Header as HeaderValue, type DigestItem } from "../codec/substrate.ts";
import { blake2_256 } from "../crypto/index.ts";
import type { Runtime, ApplyExtrinsicResult } from "./runtime.ts";
import { callApi, executeBlock } from "./apis.ts";
import type { InherentData } from "../pallet/pallet.ts";

export function applyOverlay(base: Trie, overlay: Overlay): Trie {
  const changes: [Uint8Array, Uint8Array | null][] = [];
  for (const [k, v] of overlay.changes()) changes.push([keyBytes(k), v]);
  return base.apply(changes);
}

export const headerHash = (h: HeaderValue): Uint8Array => blake2_256(Header.enc(h));

export interface BuiltBlock {
  header: HeaderValue;
  hash: Uint8Array;
  extrinsics: Uint8Array[];
  /** Per pool extrinsic (in input order): its apply result, or "skipped" when the block was full. */
  results: (ApplyExtrinsicResult | "exhausted")[];
  state: Trie;
}

export class Executor {
  constructor(readonly runtime: Runtime) {}

  private run<R>(base: Trie, atHash: Uint8Array, overlay: Overlay, fn: () => R): R {
    const prevHost = this.runtime.host;
    this.runtime.host = { stateRoot: () => applyOverlay(base, overlay).root, atBlockHash: atHash };
    try {
      return withState(overlay, fn);
    } finally {
      this.runtime.host = prevHost;
    }
  }

  /** `state_call`: SCALE in, SCALE out; state changes are discarded. */
  call(base: Trie, atHash: Uint8Array, method: string, input: Uint8Array): Uint8Array {
    const overlay = new Overlay(base);
    return this.run(base, atHash, overlay, () => callApi(this.runtime, method, input));
  }

  /** Runs arbitrary runtime code read-only against a state (queries used by the node). */
  read<R>(base: Trie, fn: () => R): R {
    const overlay = new Overlay(base);
    return this.run(base, new Uint8Array(32), overlay, fn);
  }

  /**
   * Builds a block on `parent`: inherents from `inherentData`, then `candidates` in order until
   * the block is full. Invalid candidates are skipped and reported.
   */
  buildBlock(parentState: Trie, parentHash: Uint8Array, number: number, digest: DigestItem[], inherentData: InherentData, candidates: Iterable<Uint8Array>, maxMillis = Infinity): BuiltBlock {
    const overlay = new Overlay(parentState);
    return this.run(parentState, parentHash, overlay, () => {
      const rt = this.runtime;
      rt.initializeBlock({ parentHash, number, stateRoot: new Uint8Array(32), extrinsicsRoot: new Uint8Array(32), digest: { logs: digest } });
      const extrinsics: Uint8Array[] = [];
      for (const x of rt.inherentExtrinsics(inherentData)) {
        const r = rt.applyExtrinsic(x);
        if (!r.ok || !r.value.ok) throw new Error(`inherent failed to apply: ${JSON.stringify(r)}`);
        extrinsics.push(x);
      }
      const results: BuiltBlock["results"] = [];
      const deadline = Date.now() + maxMillis;
      for (const x of candidates) {
        if (Date.now() > deadline) break;
        const r = rt.applyExtrinsic(x);
        results.push(r.ok ? r : r.error.tag === "Invalid" && r.error.value.tag === "ExhaustsResources" ? "exhausted" : r);
        if (r.ok) extrinsics.push(x);
      }
      let state: Trie | undefined;
      const header = rt.finalizeBlock(() => (state = applyOverlay(parentState, overlay)).root);
      return { header, hash: headerHash(header), extrinsics, results, state: state! };
    });
  }

  /** Executes an imported block on its parent's state; throws on any mismatch. Returns the new state. */
  executeBlock(parentState: Trie, header: HeaderValue, extrinsics: Uint8Array[]): Trie {
    const overlay = new Overlay(parentState);
    this.run(parentState, header.parentHash, overlay, () =>
      executeBlock(this.runtime, { stateRoot: () => applyOverlay(parentState, overlay).root, atBlockHash: header.parentHash }, header, extrinsics),
    );
    return applyOverlay(parentState, overlay);
  }
}
