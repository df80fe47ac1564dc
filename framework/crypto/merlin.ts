/**
 * Merlin transcripts: STROBE-128 over Keccak-f[1600], as used by schnorrkel (sr25519 signatures and VRFs).
 *
 * SPEC: https://merlin.cool (transcript operations and the transcript RNG) and
 * https://strobe.sourceforge.io/specs/ (STROBE v1.0.2). Only the STROBE operations Merlin needs are
 * implemented: meta-AD, AD, PRF and KEY, without the transport (T) flag.
 */
import { keccakP } from "@noble/hashes/sha3.js";
import { randomBytes } from "@noble/hashes/utils.js";

/** Fills `length` bytes from a cryptographically secure source (the witness RNG's entropy). */
export type RandomSource = (length: number) => Uint8Array;

export type Label = Uint8Array | string;

const TEXT = new TextEncoder();

function labelBytes(label: Label): Uint8Array {
  return typeof label === "string" ? TEXT.encode(label) : label;
}

function u32le(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`length ${n} does not fit in u32`);
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
}

/** STROBE-128: security 128 bits, so the rate is 200 − 2·128/8 − 2 = 166 bytes. */
const STROBE_R = 166;

const FLAG_I = 1;
const FLAG_A = 1 << 1;
const FLAG_C = 1 << 2;
const FLAG_M = 1 << 4;

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

class Strobe128 {
  readonly state = new Uint8Array(200);
  readonly lanes = new Uint32Array(this.state.buffer);
  pos = 0;
  posBegin = 0;
  curFlags = 0;

  static create(protocolLabel: Uint8Array): Strobe128 {
    const s = new Strobe128();
    s.state.set([1, STROBE_R + 2, 1, 0, 1, 96], 0);
    s.state.set(TEXT.encode("STROBEv1.0.2"), 6);
    s.permute();
    s.metaAd(protocolLabel, false);
    return s;
  }

  clone(): Strobe128 {
    const s = new Strobe128();
    s.state.set(this.state);
    s.pos = this.pos;
    s.posBegin = this.posBegin;
    s.curFlags = this.curFlags;
    return s;
  }

  metaAd(data: Uint8Array, more: boolean): void {
    this.beginOp(FLAG_M | FLAG_A, more);
    this.absorb(data);
  }

  ad(data: Uint8Array, more: boolean): void {
    this.beginOp(FLAG_A, more);
    this.absorb(data);
  }

  prf(length: number, more: boolean): Uint8Array {
    this.beginOp(FLAG_I | FLAG_A | FLAG_C, more);
    return this.squeeze(length);
  }

  key(data: Uint8Array, more: boolean): void {
    this.beginOp(FLAG_A | FLAG_C, more);
    this.overwrite(data);
  }

  wipe(): void {
    this.state.fill(0);
    this.pos = 0;
    this.posBegin = 0;
    this.curFlags = 0;
  }

  /** keccakP works on 25 lanes as 50 little-endian u32 words; on a big-endian host swap around it. */
  private permute(): void {
    if (LITTLE_ENDIAN) {
      keccakP(this.lanes);
      return;
    }
    const words = new Uint32Array(50);
    const view = new DataView(this.state.buffer);
    for (let i = 0; i < 50; i++) words[i] = view.getUint32(4 * i, true);
    keccakP(words);
    for (let i = 0; i < 50; i++) view.setUint32(4 * i, words[i]!, true);
  }

  private runF(): void {
    this.state[this.pos]! ^= this.posBegin;
    this.state[this.pos + 1]! ^= 0x04;
    this.state[STROBE_R + 1]! ^= 0x80;
    this.permute();
    this.pos = 0;
    this.posBegin = 0;
  }

  private absorb(data: Uint8Array): void {
    const state = this.state;
    for (let i = 0; i < data.length; i++) {
      state[this.pos++]! ^= data[i]!;
      if (this.pos === STROBE_R) this.runF();
    }
  }

  private overwrite(data: Uint8Array): void {
    const state = this.state;
    for (let i = 0; i < data.length; i++) {
      state[this.pos++] = data[i]!;
      if (this.pos === STROBE_R) this.runF();
    }
  }

  private squeeze(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const state = this.state;
    for (let i = 0; i < length; i++) {
      out[i] = state[this.pos]!;
      state[this.pos++] = 0;
      if (this.pos === STROBE_R) this.runF();
    }
    return out;
  }

  private beginOp(flags: number, more: boolean): void {
    if (more) {
      if (this.curFlags !== flags) throw new Error(`STROBE: continued operation changed flags ${this.curFlags} → ${flags}`);
      return;
    }
    const oldBegin = this.posBegin;
    this.posBegin = this.pos + 1;
    this.curFlags = flags;
    this.absorb(Uint8Array.of(oldBegin, flags));
    if ((flags & FLAG_C) !== 0 && this.pos !== 0) this.runF();
  }
}

const MERLIN_PROTOCOL_LABEL = TEXT.encode("Merlin v1.0");

/**
 * A Merlin transcript (merlin crate 3.x semantics). Labels are byte strings; string labels are UTF-8.
 * Mutating methods change this transcript in place; use `clone()` to fork it.
 */
export class MerlinTranscript {
  private constructor(private readonly strobe: Strobe128) {}

  static create(label: Label): MerlinTranscript {
    const t = new MerlinTranscript(Strobe128.create(MERLIN_PROTOCOL_LABEL));
    t.appendMessage("dom-sep", label);
    return t;
  }

  clone(): MerlinTranscript {
    return new MerlinTranscript(this.strobe.clone());
  }

  /** meta-AD(label ‖ LE32(len)); AD(message). */
  appendMessage(label: Label, message: Label): void {
    const data = labelBytes(message);
    this.strobe.metaAd(labelBytes(label), false);
    this.strobe.metaAd(u32le(data.length), true);
    this.strobe.ad(data, false);
  }

  /** `append_u64`: the value as 8 little-endian bytes. */
  appendU64(label: Label, value: bigint | number): void {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
    this.appendMessage(label, bytes);
  }

  /** meta-AD(label ‖ LE32(length)); PRF(length). */
  challengeBytes(label: Label, length: number): Uint8Array {
    this.strobe.metaAd(labelBytes(label), false);
    this.strobe.metaAd(u32le(length), true);
    return this.strobe.prf(length, false);
  }

  /**
   * The transcript RNG (`build_rng().rekey_with_witness_bytes(label, seed)…finalize(rng).fill_bytes`):
   * a fork of the transcript keyed with each secret nonce seed and 32 bytes from `rng`, then squeezed.
   * This transcript is left unchanged.
   */
  witnessBytes(label: Label, length: number, nonceSeeds: readonly Uint8Array[], rng: RandomSource = randomBytes): Uint8Array {
    const s = this.strobe.clone();
    const l = labelBytes(label);
    for (const seed of nonceSeeds) {
      s.metaAd(l, false);
      s.metaAd(u32le(seed.length), true);
      s.key(seed, false);
    }
    const entropy = rng(32);
    if (entropy.length !== 32) throw new RangeError("RandomSource must return the requested 32 bytes");
    s.metaAd(TEXT.encode("rng"), false);
    s.key(entropy, false);
    s.metaAd(u32le(length), false);
    const out = s.prf(length, false);
    s.wipe();
    return out;
  }

  /** Zeroes the sponge state (the transcript is unusable afterwards). */
  wipe(): void {
    this.strobe.wipe();
  }
}
