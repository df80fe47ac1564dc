/**
 * A minimal WebAssembly binary emitter: just what the Fr kernels in `frWasm.ts` need (i32/i64
 * integer ops, linear memory, locals, structured control flow, calls). Modules are generated at
 * load time from TypeScript, so there is no toolchain, build step or binary blob in the tree.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Opcodes used by the kernels (WebAssembly core spec 1.0, §5.4). */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Load8U: 0x2d, i64Load32U: 0x35, i32Store: 0x36, i64Store: 0x37, i64Store32: 0x3e,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b, i32GeU: 0x4f,
  i64Eqz: 0x50, i64Ne: 0x52, i64LtU: 0x54, i64GtU: 0x56,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivU: 0x6e, i32And: 0x71, i32Or: 0x72, i32Shl: 0x74, i32ShrU: 0x76,
  i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64And: 0x83, i64Or: 0x84, i64Shl: 0x86, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32U: 0xad,
} as const;

const VOID_BLOCK = 0x40;

function uleb(n: number | bigint, out: number[]): void {
  let v = BigInt(n);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
}

function sleb(n: number | bigint, out: number[]): void {
  let v = BigInt(n);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift on bigint
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return;
  }
}

const vec = (items: number[][]): number[] => {
  const out: number[] = [];
  uleb(items.length, out);
  for (const it of items) out.push(...it);
  return out;
};

const name = (s: string): number[] => {
  const bytes = [...new TextEncoder().encode(s)];
  const out: number[] = [];
  uleb(bytes.length, out);
  return out.concat(bytes);
};

/** The body of one function: typed locals and an instruction stream. */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];

  constructor(
    readonly fnName: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
    readonly exported: boolean,
    readonly index: number,
  ) {}

  /** Index of parameter `i`. */
  param(i: number): number {
    return i;
  }

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.localTypes.push(t);
    return this.params.length + this.localTypes.length - 1;
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(l: number): this {
    this.code.push(Op.localGet);
    uleb(l, this.code);
    return this;
  }
  set(l: number): this {
    this.code.push(Op.localSet);
    uleb(l, this.code);
    return this;
  }
  tee(l: number): this {
    this.code.push(Op.localTee);
    uleb(l, this.code);
    return this;
  }
  i32(v: number): this {
    this.code.push(Op.i32Const);
    sleb(v | 0, this.code);
    return this;
  }
  i64(v: bigint): this {
    this.code.push(Op.i64Const);
    sleb(BigInt.asIntN(64, v), this.code);
    return this;
  }
  /** A memory access with `offset` (align given as log2 bytes). */
  mem(opcode: number, offset = 0, alignLog2 = 0): this {
    this.code.push(opcode);
    uleb(alignLog2, this.code);
    uleb(offset, this.code);
    return this;
  }
  call(fn: FnBuilder): this {
    this.code.push(Op.call);
    uleb(fn.index, this.code);
    return this;
  }
  block(body: () => void): this {
    this.code.push(Op.block, VOID_BLOCK);
    body();
    this.code.push(Op.end);
    return this;
  }
  loop(body: () => void): this {
    this.code.push(Op.loop, VOID_BLOCK);
    body();
    this.code.push(Op.end);
    return this;
  }
  /** `if` on the i32 on the stack. */
  ifThen(then: () => void, otherwise?: () => void): this {
    this.code.push(Op.if, VOID_BLOCK);
    then();
    if (otherwise) {
      this.code.push(Op.else);
      otherwise();
    }
    this.code.push(Op.end);
    return this;
  }
  br(depth: number): this {
    this.code.push(Op.br);
    uleb(depth, this.code);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(Op.brIf);
    uleb(depth, this.code);
    return this;
  }

  encodeBody(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.localTypes.length; ) {
      let j = i;
      while (j < this.localTypes.length && this.localTypes[j] === this.localTypes[i]) j++;
      const g: number[] = [];
      uleb(j - i, g);
      g.push(this.localTypes[i]!);
      groups.push(g);
      i = j;
    }
    const body = [...vec(groups), ...this.code, Op.end];
    const out: number[] = [];
    uleb(body.length, out);
    return out.concat(body);
  }
}

/** A module with one exported memory (`memory`) and functions. */
export class ModuleBuilder {
  private readonly fns: FnBuilder[] = [];

  fn(fnName: string, params: ValType[], results: ValType[], exported = true): FnBuilder {
    const f = new FnBuilder(fnName, params, results, exported, this.fns.length);
    this.fns.push(f);
    return f;
  }

  encode(initialPages: number): Uint8Array {
    const section = (id: number, content: number[]): number[] => {
      const out = [id];
      uleb(content.length, out);
      return out.concat(content);
    };
    const types = this.fns.map((f) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
    const funcs = this.fns.map((_, i) => {
      const o: number[] = [];
      uleb(i, o);
      return o;
    });
    const limits: number[] = [0x00];
    uleb(initialPages, limits);
    const exports: number[][] = [[...name("memory"), 0x02, 0x00]];
    for (const f of this.fns) {
      if (!f.exported) continue;
      const e = [...name(f.fnName), 0x00];
      uleb(f.index, e);
      exports.push(e);
    }
    const bytes = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec(types)),
      ...section(3, vec(funcs)),
      ...section(5, vec([limits])),
      ...section(7, vec(exports)),
      ...section(10, vec(this.fns.map((f) => f.encodeBody()))),
    ];
    return Uint8Array.from(bytes);
  }
}

// ---- running modules -------------------------------------------------------------------------

/** A module's exported linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The WebAssembly global (not in the ES2022 lib typings this project compiles against), if any. */
export const WebAssemblyApi = (globalThis as unknown as {
  WebAssembly?: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: unknown } };
}).WebAssembly;

/** Compiles `bytes` once (pass the result to `instantiateWasm`), throwing without WebAssembly. */
export function compileWasm(bytes: Uint8Array): object {
  if (WebAssemblyApi === undefined) throw new Error("no WebAssembly");
  return new WebAssemblyApi.Module(bytes);
}

/** The exports of a fresh instance of a compiled module (no imports). */
export function instantiateWasm<E>(module: object): E {
  if (WebAssemblyApi === undefined) throw new Error("no WebAssembly");
  return new WebAssemblyApi.Instance(module, {}).exports as E;
}
