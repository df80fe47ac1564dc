/**
 * A file keystore in Substrate's layout: `<base>/chains/<id>/keystore/<hex(key_type)><hex(public)>`
 * holding the secret URI as a JSON string. In-memory when no directory is given (`--tmp`).
 */
import { mkdirSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { toHex } from "../../framework/codec/bytes.ts";

export class Keystore {
  private readonly mem = new Map<string, string>();
  constructor(private readonly dir: string | undefined) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  private fileName(keyType: string, publicKey: Uint8Array): string {
    if (!/^[a-z0-9_]{4}$/i.test(keyType)) throw new TypeError(`key type must be 4 characters, got "${keyType}"`);
    return toHex(Buffer.from(keyType, "latin1")).slice(2) + toHex(publicKey).slice(2);
  }

  insert(keyType: string, suri: string, publicKey: Uint8Array): void {
    const name = this.fileName(keyType, publicKey);
    if (this.dir) writeFileSync(join(this.dir, name), JSON.stringify(suri), { mode: 0o600 });
    else this.mem.set(name, suri);
  }

  has(keyType: string, publicKey: Uint8Array): boolean {
    const name = this.fileName(keyType, publicKey);
    return this.dir ? existsSync(join(this.dir, name)) : this.mem.has(name);
  }

  list(): string[] {
    return this.dir ? readdirSync(this.dir) : [...this.mem.keys()];
  }
}
