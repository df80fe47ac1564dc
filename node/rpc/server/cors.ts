import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { RpcCors } from "./types.ts";

/**
 * `--rpc-cors` semantics. Requests without an `Origin` header (non-browser clients) always pass.
 * `"all"` allows every origin; a list allows exact origins, where an entry ending in `:*`
 * (as in Substrate's default `http://localhost:*`) matches any port or none; `null` refuses
 * every browser origin.
 */
export class CorsPolicy {
  private readonly exact = new Set<string>();
  private readonly anyPort: string[] = [];
  readonly all: boolean;

  constructor(cors: RpcCors) {
    this.all = cors === "all";
    if (cors !== "all" && cors !== null) {
      for (const o of cors) {
        if (o === "*" || o === "all") {
          this.all = true;
        } else if (o.endsWith(":*")) this.anyPort.push(o.slice(0, -2));
        else this.exact.add(o);
      }
    }
  }

  allows(origin: string | undefined): boolean {
    if (origin === undefined || this.all) return true;
    if (this.exact.has(origin)) return true;
    for (const base of this.anyPort) {
      if (origin === base) return true;
      if (origin.startsWith(base) && origin.charCodeAt(base.length) === 0x3a /* : */ && /^\d+$/.test(origin.slice(base.length + 1))) return true;
    }
    return false;
  }

  /** Adds the response headers for an allowed request (and a preflight's extra headers). */
  apply(res: ServerResponse, headers: IncomingHttpHeaders, preflight: boolean): void {
    const origin = headers.origin;
    if (origin === undefined && !preflight) return;
    if (this.all) res.setHeader("access-control-allow-origin", "*");
    else if (origin !== undefined) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("vary", "origin");
    }
    if (preflight) {
      res.setHeader("access-control-allow-methods", "POST, GET, OPTIONS");
      const requested = headers["access-control-request-headers"];
      res.setHeader("access-control-allow-headers", typeof requested === "string" && requested.length > 0 ? requested : "content-type");
      res.setHeader("access-control-max-age", "86400");
    }
  }
}
