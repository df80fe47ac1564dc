/**
 * Shared pieces of the per-pallet mock runtimes (FRAME's `mock.rs` + `new_test_ext` + `assert_noop!`):
 * a test System config, runtime composition, and `TestExt`, an in-memory state over a trie that
 * starts at block 1 (so events are kept) and can report its state root.
 */
import { expect } from "chai";
import { Runtime, type RuntimeCallValue, type RuntimeVersion } from "../../framework/runtime/runtime.ts";
import type { SignedExtension } from "../../framework/runtime/extension.ts";
import type { Pallet, DispatchResult, Origin } from "../../framework/pallet/pallet.ts";
import type { DispatchError } from "../../framework/codec/substrate.ts";
import type { Ty } from "../../framework/codec/ty.ts";
import { Overlay, MapState, keyBytes } from "../../framework/storage/overlay.ts";
import { withState } from "../../framework/storage/items.ts";
import { Trie, orderedTrieRoot } from "../../framework/trie/index.ts";
import { applyOverlay } from "../../framework/runtime/executor.ts";
import { SystemPallet } from "../../pallets/system/system.ts";
import { toHex } from "../../framework/codec/bytes.ts";

export const TEST_VERSION: RuntimeVersion = {
  specName: "test", implName: "test", authoringVersion: 1, specVersion: 1, implVersion: 1, transactionVersion: 1, systemVersion: 1,
};

/** frame_system's `TestDefaultConfig` analogue; `accountData` is what the runtime stores in `AccountInfo.data`. */
export function testSystem(accountData: { ty: Ty<any>; default: any }): SystemPallet {
  return new SystemPallet({
    accountData, blockHashCount: 250, ss58Prefix: 42, version: TEST_VERSION, apis: [],
    maxBlockWeight: { refTime: 2_000_000_000_000n, proofSize: 5n << 20n }, baseExtrinsicWeight: 100_000_000n, baseBlockWeight: 400_000_000n,
    maxBlockLength: 5 << 20, normalRatioPercent: 75,
  });
}

/** `construct_runtime!` for tests: System plus the given pallets at their indices. */
export function composeRuntime(system: SystemPallet, pallets: { index: number; pallet: Pallet }[], signedExtensions: SignedExtension[] = []): Runtime {
  const runtime = new Runtime({
    crateName: "mock_runtime", version: TEST_VERSION, pallets: [{ index: 0, pallet: system }, ...pallets], system, signedExtensions,
    maxExtrinsicLength: 5 << 20, trieVersion: 1, extrinsicsRootVersion: 0, orderedTrieRoot,
  });
  system.setRuntimeEventType(runtime.eventTy);
  runtime.setEventSink((ev, topics) => system.depositEncodedEvent(ev, topics));
  runtime.integrityTest();
  return runtime;
}

export type EventValue = { tag: string; value: { tag: string; value?: any } };

/** `sp_io::TestExternalities` at block 1: genesis storage in a trie, changes in an overlay. */
export class TestExt {
  readonly overlay: Overlay;
  private readonly base: Trie;

  constructor(readonly runtime: Runtime, readonly system: SystemPallet, buildGenesis: () => void) {
    const g = new Overlay(new MapState());
    withState(g, buildGenesis);
    this.base = Trie.fromEntries([...g.changes()].filter(([, v]) => v).map(([k, v]) => [keyBytes(k), v!] as const), 1);
    this.overlay = new Overlay(this.base);
    this.execute(() => {
      system.initialize(1, new Uint8Array(32), []);
      system.noteFinishedInitialize();
    });
  }

  execute<R>(fn: () => R): R {
    return withState(this.overlay, fn);
  }

  /** Runs `fn` and drops every change it made (to probe a call without keeping its effects). */
  probe<R>(fn: () => R): R {
    this.overlay.startTransaction();
    try {
      return this.execute(fn);
    } finally {
      this.overlay.rollbackTransaction();
    }
  }

  /** Dispatches a call as the executive does (transactionally). */
  dispatch(call: RuntimeCallValue, origin: Origin): DispatchResult {
    return this.execute(() => this.runtime.dispatch(call, origin));
  }

  /** The state root of genesis plus every change so far. */
  root(): string {
    return toHex(applyOverlay(this.base, this.overlay).root);
  }

  events(): EventValue[] {
    return this.execute(() => this.system.Events.get().map((r: any) => r.event as EventValue));
  }

  lastEvent(): EventValue | undefined {
    return this.events().at(-1);
  }

  /** `System::reset_events`. */
  resetEvents(): void {
    this.execute(() => {
      this.system.Events.kill();
      this.system.EventCount.kill();
    });
  }
}

/** FRAME's `assert_noop!`: the call fails with exactly `error` and the state root does not move. */
export function assertNoop(ext: TestExt, fn: () => DispatchResult, error: DispatchError, what = ""): void {
  const before = ext.root();
  const r = fn();
  expect(r.ok, `${what}: expected failure`).to.equal(false);
  if (!r.ok) expect(r.error, what).to.deep.equal(error);
  expect(ext.root(), `${what}: state root changed`).to.equal(before);
}

export function assertOk(r: DispatchResult, what = ""): void {
  expect(r, what).to.deep.include({ ok: true });
}

type OriginKind = "Signed" | "Root" | "None";

/**
 * Origin checks for every call of a pallet: `table` must list each call with arguments and the
 * origins it accepts; every other origin must fail with BadOrigin and leave the state untouched.
 */
export function checkOrigins(ext: TestExt, pallet: Pallet, who: Uint8Array, table: Record<string, { args: any; allowed: OriginKind[] }>): number {
  expect(Object.keys(table).sort(), `${pallet.name}: origin table covers every call`).to.deep.equal(Object.keys(pallet.calls).sort());
  let checks = 0;
  const origins: Record<OriginKind, Origin> = { Signed: { tag: "Signed", who }, Root: { tag: "Root" }, None: { tag: "None" } };
  for (const [name, { args, allowed }] of Object.entries(table)) {
    const call = { tag: pallet.name, value: { tag: name, value: args } };
    for (const kind of ["Signed", "Root", "None"] as OriginKind[]) {
      const what = `${pallet.name}.${name} as ${kind}`;
      if (allowed.includes(kind)) {
        const r = ext.probe(() => ext.runtime.dispatch(call, origins[kind]));
        if (!r.ok) expect(r.error, what).to.not.deep.equal({ tag: "BadOrigin" });
      } else {
        assertNoop(ext, () => ext.dispatch(call, origins[kind]), { tag: "BadOrigin" }, what);
      }
      checks++;
    }
  }
  return checks;
}

/** `{tag: pallet, value: {tag: call, value: args}}`. */
export const call = (pallet: string, name: string, args: any = {}): RuntimeCallValue => ({ tag: pallet, value: { tag: name, value: args } });

/** Deterministic 32-byte test accounts (FRAME mocks use small integers as account ids). */
export const account = (n: number): Uint8Array => new Uint8Array(32).fill(n);
