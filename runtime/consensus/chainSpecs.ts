/**
 * Built-in chain specs (`dev`, `local`) from the genesis presets, and genesis storage from any spec
 * (plain: run the genesis build on default config merged with the patch; raw: take it as it is).
 */
import { toHex } from "../../framework/codec/bytes.ts";
import { mergePatch, rawStorage, type ChainSpec, ChainSpecError } from "../../framework/chain-spec/chainSpec.ts";
import type { ConsensusRuntime } from "./runtime.ts";
import { SS58_PREFIX } from "./runtime.ts";

export const PROPERTIES = { ss58Format: SS58_PREFIX, tokenDecimals: 18, tokenSymbol: "AI3" };

export function builtinSpec(name: string, crt: ConsensusRuntime): ChainSpec | undefined {
  const preset = (p: string) => crt.genesis.preset(p)!;
  const code = toHex(crt.code);
  if (name === "dev") {
    return {
      name: "Subspace development", id: "subspace_dev", chainType: "Development", bootNodes: [], telemetryEndpoints: null,
      protocolId: "subspace-dev", properties: PROPERTIES, codeSubstitutes: {},
      genesis: { runtimeGenesis: { code, patch: preset("development") as Record<string, unknown> } },
    };
  }
  if (name === "local") {
    return {
      name: "Subspace local testnet", id: "subspace_local", chainType: "Local", bootNodes: [], telemetryEndpoints: null,
      protocolId: "subspace-local", properties: PROPERTIES, codeSubstitutes: {},
      genesis: { runtimeGenesis: { code, patch: preset("local_testnet") as Record<string, unknown> } },
    };
  }
  if (name === "production") {
    return {
      name: "Subspace production-like", id: "subspace_production", chainType: "Live", bootNodes: [], telemetryEndpoints: null,
      protocolId: "subspace-production", properties: { ...PROPERTIES, potExternalEntropy: "" }, codeSubstitutes: {},
      genesis: { runtimeGenesis: { code, patch: preset("production") as Record<string, unknown> } },
    };
  }
  return undefined;
}

/** Genesis storage for a spec, built with the consensus runtime's genesis builder. */
export function genesisStorage(spec: ChainSpec, crt: ConsensusRuntime): Map<string, Uint8Array> {
  if ("raw" in spec.genesis) return rawStorage(spec);
  const rg = spec.genesis.runtimeGenesis;
  const config = rg.patch ? mergePatch(crt.genesis.preset(undefined), rg.patch) : rg.config;
  try {
    return crt.genesis.buildStorage(config, hexBytes(rg.code));
  } catch (e) {
    throw new ChainSpecError(`genesis config of "${spec.id}" is invalid: ${(e as Error).message}`);
  }
}

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h.startsWith("0x") ? h.slice(2) : h, "hex"));
}
