/**
 * Substrate chain spec JSON (`sc-chain-spec`): the plain form (`genesis.runtimeGenesis.{code, patch}`)
 * and the raw form (`genesis.raw.{top, childrenDefault}`), with clear errors for malformed specs.
 */
import { fromHex, isHex, toHex } from "../codec/bytes.ts";
import { keyString, keyBytes } from "../storage/overlay.ts";
import { parseJson, stringifyJson } from "./json.ts";

export type ChainType = "Development" | "Local" | "Live" | { Custom: string };

export interface ChainSpec {
  name: string;
  id: string;
  chainType: ChainType;
  bootNodes: string[];
  telemetryEndpoints: [string, number][] | null;
  protocolId: string | null;
  forkId?: string | null;
  properties: Record<string, unknown> | null;
  codeSubstitutes: Record<string, string>;
  genesis:
    | { runtimeGenesis: { code: string; patch?: Record<string, unknown>; config?: Record<string, unknown> } }
    | { raw: { top: Record<string, string>; childrenDefault: Record<string, Record<string, string>> } };
  /** Extension fields (Subspace puts its own here); kept and written back as they are. */
  [extension: string]: unknown;
}

export class ChainSpecError extends Error {
  readonly code = "CHAIN_SPEC_ERROR";
  constructor(message: string) {
    super(message);
    this.name = "ChainSpecError";
  }
}

const REQUIRED = ["name", "id", "genesis"] as const;

/** Parses and validates chain spec JSON text. */
export function parseChainSpec(text: string, source = "chain spec"): ChainSpec {
  let json: any;
  try {
    json = parseJson(text);
  } catch (e) {
    throw new ChainSpecError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ChainSpecError(`${source}: expected a JSON object`);
  for (const k of REQUIRED) if (!(k in json)) throw new ChainSpecError(`${source}: missing field "${k}"`);
  if (typeof json.name !== "string" || typeof json.id !== "string") throw new ChainSpecError(`${source}: "name" and "id" must be strings`);
  const g = json.genesis;
  if (typeof g !== "object" || g === null) throw new ChainSpecError(`${source}: "genesis" must be an object`);
  const forms = Object.keys(g);
  if (forms.length !== 1) throw new ChainSpecError(`${source}: "genesis" must have exactly one of "runtimeGenesis" or "raw" (found ${forms.join(", ") || "none"})`);
  if ("raw" in g) {
    const raw = g.raw;
    if (typeof raw !== "object" || raw === null || typeof raw.top !== "object") throw new ChainSpecError(`${source}: "genesis.raw.top" must be an object of hex keys to hex values`);
    for (const [k, v] of Object.entries(raw.top)) {
      if (!isHex(k) || !k.startsWith("0x")) throw new ChainSpecError(`${source}: genesis.raw.top key ${JSON.stringify(k)} is not 0x-prefixed hex`);
      if (typeof v !== "string" || !isHex(v)) throw new ChainSpecError(`${source}: genesis.raw.top value of ${k} is not hex`);
    }
    for (const extra of Object.keys(raw)) if (extra !== "top" && extra !== "childrenDefault") throw new ChainSpecError(`${source}: unknown field genesis.raw.${extra}`);
    raw.childrenDefault ??= {};
  } else if ("runtimeGenesis" in g) {
    const rg = g.runtimeGenesis;
    if (typeof rg !== "object" || rg === null) throw new ChainSpecError(`${source}: "genesis.runtimeGenesis" must be an object`);
    if (typeof rg.code !== "string" || !isHex(rg.code)) throw new ChainSpecError(`${source}: "genesis.runtimeGenesis.code" must be hex`);
    const hasPatch = "patch" in rg;
    const hasConfig = "config" in rg;
    if (hasPatch === hasConfig) throw new ChainSpecError(`${source}: "genesis.runtimeGenesis" needs exactly one of "patch" or "config"`);
    const body = hasPatch ? rg.patch : rg.config;
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ChainSpecError(`${source}: runtime genesis ${hasPatch ? "patch" : "config"} must be an object`);
  } else {
    throw new ChainSpecError(`${source}: unsupported genesis form "${forms[0]}" (expected "runtimeGenesis" or "raw")`);
  }
  json.bootNodes ??= [];
  json.telemetryEndpoints ??= null;
  json.protocolId ??= null;
  json.properties ??= null;
  json.codeSubstitutes ??= {};
  json.chainType ??= "Live";
  return json as ChainSpec;
}

export function isRaw(spec: ChainSpec): boolean {
  return "raw" in spec.genesis;
}

/** Genesis storage of a raw spec. */
export function rawStorage(spec: ChainSpec): Map<string, Uint8Array> {
  if (!("raw" in spec.genesis)) throw new ChainSpecError("not a raw chain spec");
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(spec.genesis.raw.top)) out.set(keyString(fromHex(k)), fromHex(v));
  return out;
}

/** The raw form of a spec given its genesis storage (sorted keys, as Substrate writes them). */
export function toRawSpec(spec: ChainSpec, storage: Map<string, Uint8Array>): ChainSpec {
  const top: Record<string, string> = {};
  const keys = [...storage.keys()].map((k) => toHex(keyBytes(k))).sort();
  for (const k of keys) top[k] = toHex(storage.get(keyString(fromHex(k)))!);
  return { ...spec, genesis: { raw: { top, childrenDefault: {} } } };
}

export function chainSpecToJson(spec: ChainSpec): string {
  return stringifyJson(spec, 2) + "\n";
}

/** Merges a JSON patch into a config (RFC 7386-like, as `sc-chain-spec`'s `json_merge`). */
export function mergePatch(base: any, patch: any): any {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: any = typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
