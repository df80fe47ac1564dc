import { expect } from "chai";
import { concatBytes, fromHex, toHex } from "../../../framework/codec/bytes.ts";
import { prove, type GossipProof, type PotCheckpoints } from "../../../framework/primitives/subspace/pot/index.ts";
import { PotVerifierPool, Timekeeper, type PotSlotInfo } from "../../../node/consensus/timekeeper/index.ts";
import { blake3Noble } from "./independentAes.ts";

const GENESIS_SEED = fromHex("d666ccd8d593c23da8db6b5b1413b13a");
const ENTROPY = fromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
const ITERS = 16 * 256;
const ITERS_2 = 16 * 384;

/** The expected chain, slot by slot, computed with the pure prover and hand-applied seed rules. */
function expectedChain(slots: number, iterations: number, change?: { slot: number; slotIterations: number; entropy: Uint8Array }) {
  const out: { slot: number; seed: string; slotIterations: number; checkpoints: string[] }[] = [];
  let seed = GENESIS_SEED;
  let its = iterations;
  for (let slot = 1; slot <= slots; slot++) {
    if (change && slot >= change.slot) its = change.slotIterations;
    const cps = prove(seed, its);
    out.push({ slot, seed: toHex(seed), slotIterations: its, checkpoints: cps.map((c) => toHex(c)) });
    const output = cps[7]!;
    seed = change && slot + 1 === change.slot ? blake3Noble(concatBytes(change.entropy, output)).subarray(0, 16) : output;
  }
  return out;
}

const view = (s: PotSlotInfo) => ({ slot: s.slot, seed: toHex(s.seed), slotIterations: s.slotIterations, checkpoints: s.checkpoints.map((c) => toHex(c)) });

async function take(tk: Timekeeper, n: number): Promise<PotSlotInfo[]> {
  const got: PotSlotInfo[] = [];
  for await (const s of tk.slots()) {
    got.push(s);
    if (got.length === n) break;
  }
  return got;
}

function proofOf(chain: ReturnType<typeof expectedChain>, slot: number): GossipProof {
  const e = chain[slot - 1]!;
  return { slot, seed: fromHex(e.seed), slotIterations: e.slotIterations, checkpoints: e.checkpoints.map((c) => fromHex(c)) as PotCheckpoints };
}

describe("Timekeeper", function () {
  this.timeout(20_000);
  const started: Timekeeper[] = [];
  const make = (opts: ConstructorParameters<typeof Timekeeper>[0]): Timekeeper => {
    const tk = new Timekeeper(opts);
    started.push(tk);
    return tk;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((tk) => tk.stop()));
  });

  it("proves consecutive slots from the genesis seed, one event each, and caches them", async () => {
    const events: number[] = [];
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS, onSlot: (s) => events.push(s.slot) });
    const iter = take(tk, 5);
    tk.start();
    const got = await iter;
    await tk.stop();
    expect(got.map(view)).to.deep.equal(expectedChain(5, ITERS));
    expect(got.every((s) => s.source === "local")).to.equal(true);
    expect(events.slice(0, 5)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(new Set(events).size).to.equal(events.length);
    expect(tk.proofFor(3)).to.deep.include({ slot: 3 });
    expect(toHex(tk.proofFor(3)!.output)).to.equal(expectedChain(3, ITERS)[2]!.checkpoints[7]);
    expect(tk.latest()!.slot).to.equal(events[events.length - 1]);
    expect(tk.nextSlotInput().slot).to.equal(tk.latest()!.slot + 1);
  });

  it("applies a parameters change given at construction: new iterations and entropy at the target slot", async () => {
    const change = { slot: 3, slotIterations: ITERS_2, entropy: ENTROPY };
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS, parametersChange: change });
    const iter = take(tk, 5);
    tk.start();
    const got = await iter;
    const expected = expectedChain(5, ITERS, change);
    expect(got.map(view)).to.deep.equal(expected);
    expect(expected[2]!.seed).to.not.equal(expected[1]!.checkpoints[7]); // entropy was injected
    expect(expected[3]!.seed).to.equal(expected[2]!.checkpoints[7]); // and only there
  });

  it("applies a parameters change announced while running, whether or not the worker already moved on", async () => {
    const change = { slot: 4, slotIterations: ITERS_2, entropy: ENTROPY };
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS });
    const got: PotSlotInfo[] = [];
    const done = new Promise<void>((resolve) => {
      tk.on("slot", (s) => {
        got.push(s);
        if (s.slot === 2) tk.setParametersChange(change);
        if (s.slot === 6) resolve();
      });
    });
    tk.start();
    await done;
    expect(got.slice(0, 6).map(view)).to.deep.equal(expectedChain(6, ITERS, change));
  });

  it("skips ahead through verified proofs from elsewhere and rejects bad ones", async () => {
    const chain = expectedChain(6, ITERS);
    const pool = new PotVerifierPool({ threads: 2 });
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS, verifier: pool });
    try {
      const events: PotSlotInfo[] = [];
      tk.on("slot", (s) => events.push(s));
      // Later slots first: kept until the chain reaches them.
      expect(await tk.submitProof(proofOf(chain, 3))).to.equal("queued");
      expect(await tk.submitProof(proofOf(chain, 2), { verified: true })).to.equal("queued");
      expect(events).to.have.length(0);
      // The next slot arrives: the chain runs through 1, 2 and 3 at once.
      expect(await tk.submitProof(proofOf(chain, 1))).to.equal("accepted");
      expect(events.map((e) => [e.slot, e.source])).to.deep.equal([[1, "external"], [2, "external"], [3, "external"]]);
      expect(events.map(view)).to.deep.equal(chain.slice(0, 3));
      expect(tk.nextSlotInput().slot).to.equal(4);

      const tampered = proofOf(chain, 4);
      const cps = tampered.checkpoints.map((c) => c.slice());
      cps[5]![0] ^= 1;
      expect(await tk.submitProof({ ...tampered, checkpoints: cps })).to.equal("invalid");
      expect(await tk.submitProof({ ...proofOf(chain, 4), seed: GENESIS_SEED })).to.equal("invalid");
      expect(await tk.submitProof({ ...proofOf(chain, 4), slotIterations: ITERS + 8 })).to.equal("invalid");
      expect(await tk.submitProof(proofOf(chain, 2))).to.equal("stale");
      expect(await tk.submitProof({ ...proofOf(chain, 5), slot: 4 + 11 })).to.equal("too-far-ahead");
      expect(tk.nextSlotInput().slot).to.equal(4);

      // Proving resumes after the skipped slots, from the right seed.
      const iter = take(tk, 2);
      tk.start();
      const local = await iter;
      expect(local.map(view)).to.deep.equal(chain.slice(3, 5));
      expect(local.every((s) => s.source === "local")).to.equal(true);
    } finally {
      await pool.close();
    }
  });

  it("accepts the next slot's proof while proving (paced) and moves the worker past it", async () => {
    const chain = expectedChain(4, ITERS);
    // A 1-minute pacing keeps the worker idle after slot 1, so slots 2–4 can only come from outside.
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS, minSlotIntervalMs: 60_000 });
    const first = take(tk, 1);
    tk.start();
    expect((await first)[0]!.slot).to.equal(1);
    for (const slot of [2, 3, 4]) expect(await tk.submitProof(proofOf(chain, slot), { verified: slot !== 2 })).to.equal("accepted");
    expect(tk.latest()!.slot).to.equal(4);
    expect([2, 3, 4].map((s) => view(tk.proofFor(s)!))).to.deep.equal(chain.slice(1, 4));
    expect(toHex(tk.nextSlotInput().seed)).to.equal(chain[3]!.checkpoints[7]);
  });

  it("follows a trusted chain tip from block import: no change on its own chain, a reorg otherwise", async () => {
    const chain = expectedChain(3, ITERS);
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS });
    const iter = take(tk, 3);
    tk.start();
    await iter;
    await tk.stop(); // freeze the state
    const before = tk.nextSlotInput();
    const lastEmitted = before.slot - 1;
    const events: PotSlotInfo[] = [];
    tk.on("slot", (s) => events.push(s));

    // A tip on the chain already followed: nothing moves, nothing is re-emitted.
    tk.update({ slot: 2, output: fromHex(chain[1]!.checkpoints[7]!) });
    expect(tk.nextSlotInput()).to.deep.equal(before);
    expect(events).to.have.length(0);

    // Another fork from slot 2 on: the chain restarts at 3 from that output.
    const otherOutput = fromHex("00112233445566778899aabbccddeeff");
    tk.update({ slot: 2, output: otherOutput });
    expect(tk.nextSlotInput().slot).to.equal(3);
    expect(toHex(tk.nextSlotInput().seed)).to.equal(toHex(otherOutput));
    expect(tk.proofFor(3)).to.equal(undefined);
    expect(tk.latest()!.slot).to.equal(2);
    expect(view(tk.proofFor(2)!)).to.deep.equal(chain[1]);

    // Slot events resume after the last slot already announced (the reference's `last_slot_sent`).
    const resumed = new Promise<PotSlotInfo>((resolve) => tk.on("slot", (s) => resolve(s)));
    tk.start();
    const first = await resumed;
    expect(first.slot).to.equal(lastEmitted + 1);
    const fork3 = prove(otherOutput, ITERS);
    expect(view(tk.proofFor(3)!)).to.deep.equal({ slot: 3, seed: toHex(otherOutput), slotIterations: ITERS, checkpoints: fork3.map((c) => toHex(c)) });
    let seed = otherOutput;
    for (let slot = 3; slot <= first.slot; slot++) {
      const cps = prove(seed, ITERS);
      expect(toHex(tk.proofFor(slot)!.output), `fork slot ${slot}`).to.equal(toHex(cps[7]!));
      seed = cps[7]!;
    }
  });

  it("stops cleanly, ends iterators, and resumes from where it stopped", async () => {
    const chain = expectedChain(6, ITERS);
    const tk = make({ genesisSeed: GENESIS_SEED, slotIterations: ITERS });
    const seen: number[] = [];
    const iterDone = (async () => {
      for await (const s of tk.slots()) seen.push(s.slot);
    })();
    const two = take(tk, 2);
    tk.start();
    await two;
    await tk.stop();
    await iterDone; // the iterator ended with the stop
    expect(tk.running).to.equal(false);
    const last = tk.latest()!.slot;
    expect(seen[seen.length - 1]).to.equal(last);

    const more = take(tk, 2);
    tk.start();
    const resumed = await more;
    expect(resumed.map((s) => s.slot)).to.deep.equal([last + 1, last + 2]);
    expect(resumed.map(view)).to.deep.equal(chain.slice(last, last + 2));
    await tk.stop();
    await tk.stop(); // idempotent
  });

  it("rejects bad construction parameters", () => {
    expect(() => new Timekeeper({ genesisSeed: GENESIS_SEED, slotIterations: 24 })).to.throw(RangeError);
    expect(() => new Timekeeper({ genesisSeed: GENESIS_SEED.subarray(0, 8), slotIterations: 16 })).to.throw(TypeError);
    expect(() => new Timekeeper({ genesisSeed: GENESIS_SEED, slotIterations: 16, startSlot: -1 })).to.throw(RangeError);
  });
});
