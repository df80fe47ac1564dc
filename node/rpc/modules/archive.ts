/**
 * `archive_v1_*`: blocks, runtime calls and storage of any retained block, and storage differences
 * between two blocks. `storage` and `storageDiff` are subscriptions streaming their results.
 *
 * SPEC: paritytech/json-rpc-interface-spec `src/api/archive_v1_*.md`; deleted entries of a storage
 * diff carry the previous block's value or hash, as in Substrate's `sc-rpc-spec-v2` archive.
 */
import { blake2_256 } from "../../../framework/crypto/index.ts";
import { compareBytes, fromHex, startsWith, toHex } from "../../../framework/codec/bytes.ts";
import type { Trie } from "../../../framework/trie/index.ts";
import { RpcError, expectHex, expectObject, expectString } from "../errors.ts";
import type { RpcParams, RpcServer, SubscriptionSink } from "../server/index.ts";
import type { RpcContext } from "./context.ts";
import { isInaccessible, parseStorageQueries, queryTrie, storageItems, type StorageItemJson } from "./chainHead.ts";

/** Events sent per event-loop turn by the streaming subscriptions (keeps the node responsive). */
const EVENTS_PER_TICK = 256;

/** Streams `events` to `sink` a tick at a time; `fail` turns a thrown error into the final event. */
function stream(sink: SubscriptionSink, events: Iterator<Record<string, unknown>>, fail: (e: unknown) => Record<string, unknown>): void {
  const tick = () => {
    if (sink.closed) return;
    try {
      for (let i = 0; i < EVENTS_PER_TICK; i++) {
        const n = events.next();
        if (n.done) return void setImmediate(() => sink.close());
        sink.notify(n.value);
      }
    } catch (e) {
      sink.notify(fail(e));
      return void setImmediate(() => sink.close());
    }
    setImmediate(tick);
  };
  setImmediate(tick);
}

export type DiffReturnType = "value" | "hash";
export interface DiffItem {
  key: Uint8Array | undefined;
  returnType: DiffReturnType;
  childTrieKey: Uint8Array | undefined;
}

function parseDiffItems(raw: unknown[] | undefined): DiffItem[] {
  if (raw === undefined) return [{ key: undefined, returnType: "value", childTrieKey: undefined }];
  return raw.map((it, i) => {
    const o = expectObject(it, `items[${i}]`);
    const returnType = expectString(o.returnType, `items[${i}].returnType`);
    if (returnType !== "value" && returnType !== "hash") throw RpcError.invalidParams(`items[${i}].returnType: unknown variant ${JSON.stringify(returnType)}`);
    return {
      key: o.key === undefined || o.key === null ? undefined : expectHex(o.key, `items[${i}].key`),
      returnType,
      childTrieKey: o.childTrieKey === undefined || o.childTrieKey === null ? undefined : expectHex(o.childTrieKey, `items[${i}].childTrieKey`),
    };
  });
}

/** Merges two ascending entry streams into added/modified/deleted differences. */
export function* diffEntries(
  cur: Iterator<[Uint8Array, Uint8Array]>,
  prev: Iterator<[Uint8Array, Uint8Array]>,
): Generator<{ key: Uint8Array; type: "added" | "modified" | "deleted"; value: Uint8Array }> {
  let a = cur.next();
  let b = prev.next();
  while (!a.done || !b.done) {
    const c = a.done ? 1 : b.done ? -1 : compareBytes(a.value[0], b.value[0]);
    if (c < 0) {
      yield { key: a.value![0], type: "added", value: a.value![1] };
      a = cur.next();
    } else if (c > 0) {
      yield { key: b.value![0], type: "deleted", value: b.value![1] };
      b = prev.next();
    } else {
      if (compareBytes(a.value![1], b.value![1]) !== 0) yield { key: a.value![0], type: "modified", value: a.value![1] };
      a = cur.next();
      b = prev.next();
    }
  }
}

/** Removes prefixes covered by a shorter one (an absent key covers everything). */
function coveringPrefixes(keys: (Uint8Array | undefined)[]): Uint8Array[] {
  if (keys.some((k) => k === undefined)) return [new Uint8Array()];
  const sorted = (keys as Uint8Array[]).slice().sort(compareBytes);
  const out: Uint8Array[] = [];
  for (const k of sorted) if (!out.some((p) => startsWith(k, p))) out.push(k);
  return out;
}

export function registerArchive(server: RpcServer, ctx: RpcContext): void {
  const { client } = ctx;
  const known = (hash: string): Uint8Array | undefined => {
    const h = fromHex(hash);
    return client.db.blockMeta(h) ? h : undefined;
  };

  server.method("archive_v1_genesisHash", () => toHex(client.genesisHash));
  server.method("archive_v1_finalizedHeight", () => client.finalizedNumber);

  server.method("archive_v1_hashByHeight", (p: RpcParams) => {
    const height = p.number(0, "height");
    if (height <= client.finalizedNumber) {
      const h = client.hashByNumber(height);
      return h === undefined ? [] : [toHex(h)];
    }
    // Above finality: every known block at that height (forks included), found from the finalized block.
    let level: Uint8Array[] = [client.finalizedHash];
    for (let n = client.finalizedNumber; n < height && level.length > 0; n++) level = level.flatMap((b) => client.db.children(b));
    return level.map(toHex);
  }, { params: ["height"] });

  server.method("archive_v1_header", (p: RpcParams) => {
    const h = client.headerBytes(fromHex(p.hash(0, "hash")));
    return h === undefined ? null : toHex(h);
  }, { params: ["hash"] });

  server.method("archive_v1_body", (p: RpcParams) => {
    const body = client.body(fromHex(p.hash(0, "hash")));
    return body === undefined ? null : body.map(toHex);
  }, { params: ["hash"] });

  server.method("archive_v1_call", (p: RpcParams) => {
    const hash = p.hash(0, "hash");
    const fn = p.string(1, "function");
    const input = p.hex(2, "callParameters");
    const h = known(hash);
    if (h === undefined) return null;
    try {
      return { success: true, value: toHex(client.call(h, fn, input)) };
    } catch (e) {
      return { success: false, error: (e as Error).message };
    }
  }, { params: ["hash", "function", "callParameters"] });

  server.subscription({
    subscribe: "archive_v1_storage", notification: "archive_v1_storageEvent", unsubscribe: "archive_v1_stopStorage",
    params: ["hash", "items", "childTrie"],
  }, (p, sink) => {
    const hash = p.hash(0, "hash");
    const queries = parseStorageQueries(p.array(1, "items"), "items", true);
    const childTrie = p.optionalHex(2, "childTrie");
    const childTrieKey = childTrie === undefined ? undefined : toHex(childTrie);
    function* events(): Generator<Record<string, unknown>> {
      const h = known(hash);
      if (h === undefined) {
        yield { event: "storageError", error: "Block not found" };
        return;
      }
      const trie = queryTrie(ctx, h, childTrie);
      if (trie !== undefined) {
        for (const item of storageItems(trie, queries)) {
          yield childTrieKey === undefined ? { event: "storage", ...item } : { event: "storage", ...item, childTrieKey };
        }
      }
      yield { event: "storageDone" };
    }
    stream(sink, events(), (e) => ({ event: "storageError", error: isInaccessible(e) ? `State unavailable: ${(e as Error).message}` : (e as Error).message }));
  });

  server.subscription({
    subscribe: "archive_v1_storageDiff", notification: "archive_v1_storageDiffEvent", unsubscribe: "archive_v1_stopStorageDiff",
    params: ["hash", "items", "previousHash"],
  }, (p, sink) => {
    const hash = p.hash(0, "hash");
    const items = parseDiffItems(p.optionalArray(1, "items"));
    const previousHash = p.optionalHash(2, "previousHash");
    function* events(): Generator<Record<string, unknown>> {
      const h = known(hash);
      if (h === undefined) {
        yield { event: "storageDiffError", error: "Block not found" };
        return;
      }
      let prev: Uint8Array;
      if (previousHash !== undefined) {
        const ph = known(previousHash);
        if (ph === undefined) {
          yield { event: "storageDiffError", error: "Previous block not found" };
          return;
        }
        if (!client.isAncestor(ph, h)) {
          yield { event: "storageDiffError", error: "The previous block is not an ancestor of the block" };
          return;
        }
        prev = ph;
      } else {
        const header = client.header(h)!;
        if (header.number === 0) {
          yield { event: "storageDiffError", error: "The genesis block has no parent" };
          return;
        }
        prev = header.parentHash;
      }
      // One pass per child trie (undefined: the main trie), over the prefixes its items cover.
      const groups = new Map<string, DiffItem[]>();
      for (const it of items) {
        const g = it.childTrieKey === undefined ? "" : toHex(it.childTrieKey);
        const list = groups.get(g);
        if (list === undefined) groups.set(g, [it]);
        else list.push(it);
      }
      for (const [group, list] of groups) {
        const child = group === "" ? undefined : fromHex(group);
        const curTrie: Trie | undefined = queryTrie(ctx, h, child);
        const prevTrie: Trie | undefined = queryTrie(ctx, prev, child);
        const empty = (): Iterator<[Uint8Array, Uint8Array]> => ([] as [Uint8Array, Uint8Array][])[Symbol.iterator]();
        for (const prefix of coveringPrefixes(list.map((i) => i.key))) {
          const diffs = diffEntries(curTrie?.entries(prefix) ?? empty(), prevTrie?.entries(prefix) ?? empty());
          for (const d of diffs) {
            let wantValue = false;
            let wantHash = false;
            for (const it of list) {
              if (it.key !== undefined && !startsWith(d.key, it.key)) continue;
              if (it.returnType === "value") wantValue = true;
              else wantHash = true;
            }
            const base: Record<string, unknown> = { event: "storageDiff", key: toHex(d.key) };
            const tail: Record<string, unknown> = { type: d.type };
            if (group !== "") tail.childTrieKey = group;
            if (wantValue) yield { ...base, value: toHex(d.value), ...tail };
            if (wantHash) yield { ...base, hash: toHex(blake2_256(d.value)), ...tail };
          }
        }
      }
      yield { event: "storageDiffDone" };
    }
    stream(sink, events(), (e) => ({ event: "storageDiffError", error: (e as Error).message }));
  });
}

export type { StorageItemJson };
