/**
 * A small structured logger in Substrate's console style (`2026-01-01 12:00:00 INFO target: msg`).
 * `--log` takes Substrate's directives: `info`, `debug`, `rpc=trace,txpool=debug`.
 */
export type Level = "error" | "warn" | "info" | "debug" | "trace";
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };

export interface Logger {
  error(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
  trace(msg: string, ctx?: Record<string, unknown>): void;
  child(target: string): Logger;
}

export interface LogConfig {
  defaultLevel: Level;
  targets: Map<string, Level>;
}

export function parseLogDirectives(directives: string[]): LogConfig {
  const cfg: LogConfig = { defaultLevel: "info", targets: new Map() };
  for (const d of directives.flatMap((s) => s.split(","))) {
    const t = d.trim();
    if (!t) continue;
    const [a, b] = t.split("=");
    if (b === undefined) {
      if (!(a! in ORDER)) throw new Error(`invalid log level "${a}"`);
      cfg.defaultLevel = a as Level;
    } else {
      if (!(b in ORDER)) throw new Error(`invalid log level "${b}" for target "${a}"`);
      cfg.targets.set(a!, b as Level);
    }
  }
  return cfg;
}

export function createLogger(cfg: LogConfig, target = "subspace", sink: (line: string) => void = (l) => process.stderr.write(l + "\n")): Logger {
  const level = cfg.targets.get(target) ?? cfg.defaultLevel;
  const enabled = (l: Level) => ORDER[l] <= ORDER[level];
  const write = (l: Level, msg: string, ctx?: Record<string, unknown>) => {
    if (!enabled(l)) return;
    const ts = new Date().toISOString().replace("T", " ").slice(0, 19);
    const extra = ctx && Object.keys(ctx).length ? " " + JSON.stringify(ctx, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) : "";
    sink(`${ts} ${l.toUpperCase().padEnd(5)} ${target}: ${msg}${extra}`);
  };
  return {
    error: (m, c) => write("error", m, c),
    warn: (m, c) => write("warn", m, c),
    info: (m, c) => write("info", m, c),
    debug: (m, c) => write("debug", m, c),
    trace: (m, c) => write("trace", m, c),
    child: (t) => createLogger(cfg, t, sink),
  };
}
