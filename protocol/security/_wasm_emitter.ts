/**
 * A minimal WebAssembly binary writer: just enough of the format (types, functions, one memory,
 * exports, code; i32/i64/v128 value types) to write the cipher kernel of this folder
 * (`_wasm_aead_module.ts`; `.ci/wasm_kernel.ts` embeds its output). There is no WebAssembly
 * toolchain in the build, and generating the module from TypeScript keeps its source readable and
 * reviewable here; the runtime validates every byte.
 *
 * @module
 */

/** WebAssembly value types. */
export const I32 = 0x7f, I64 = 0x7e, V128 = 0x7b;
/** A WebAssembly value type byte. */
export type ValueType = typeof I32 | typeof I64 | typeof V128;

function uleb(out: number[], value: number): void {
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
}

// signed LEB128 of an integer within +-2^53 (floor division is the arithmetic shift)
function sleb(out: number[], value: number): void {
  for (;;) {
    const byte = ((value % 128) + 128) % 128;
    value = Math.floor(value / 128);
    const signClear = (byte & 0x40) === 0;
    if ((value === 0 && signClear) || (value === -1 && !signClear)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function slebBig(out: number[], value: bigint): void {
  for (;;) {
    const byte = Number(value & 0x7fn);
    value >>= 7n;
    const signClear = (byte & 0x40) === 0;
    if ((value === 0n && signClear) || (value === -1n && !signClear)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/**
 * One function's code, written instruction by instruction. Locals are declared as needed; the
 * first `params.length` local indices are the parameters.
 *
 * @example
 * ```ts
 * import { FunctionCode, I32 } from "./_wasm_emitter.ts";
 * const add = new FunctionCode([I32, I32], [I32]);
 * add.get(0).get(1).op(0x6a); // i32.add
 * console.log(add.params.length); // 2
 * ```
 */
export class FunctionCode {
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
  readonly #locals: ValueType[] = [];
  readonly #code: number[] = [];

  constructor(params: readonly ValueType[], results: readonly ValueType[]) {
    this.params = params;
    this.results = results;
  }

  /** Declares a local of `type`; returns its index. */
  local(type: ValueType): number {
    this.#locals.push(type);
    return this.params.length + this.#locals.length - 1;
  }

  /** Appends raw instruction bytes (opcodes without immediates, or with ones given here). */
  op(...bytes: number[]): this {
    for (const b of bytes) this.#code.push(b);
    return this;
  }

  /** `local.get index`. */
  get(index: number): this {
    this.#code.push(0x20);
    uleb(this.#code, index);
    return this;
  }

  /** `local.set index`. */
  set(index: number): this {
    this.#code.push(0x21);
    uleb(this.#code, index);
    return this;
  }

  /** `local.tee index`. */
  tee(index: number): this {
    this.#code.push(0x22);
    uleb(this.#code, index);
    return this;
  }

  /** `i32.const value` (taken modulo 2^32). */
  i32(value: number): this {
    this.#code.push(0x41);
    sleb(this.#code, value | 0);
    return this;
  }

  /** `i64.const value`. */
  i64(value: number | bigint): this {
    this.#code.push(0x42);
    if (typeof value === "number" && Number.isSafeInteger(value)) sleb(this.#code, value);
    else slebBig(this.#code, BigInt.asIntN(64, BigInt(value)));
    return this;
  }

  /** A memory access `opcode` with its alignment exponent and constant `offset`. */
  mem(opcode: number, alignLog2: number, offset: number): this {
    this.#code.push(opcode);
    uleb(this.#code, alignLog2);
    uleb(this.#code, offset);
    return this;
  }

  /** A SIMD instruction: the 0xfd prefix and its LEB-encoded sub-opcode. */
  simd(subOpcode: number, ...immediates: number[]): this {
    this.#code.push(0xfd);
    uleb(this.#code, subOpcode);
    for (const b of immediates) this.#code.push(b);
    return this;
  }

  /** A SIMD memory access (`v128.load`, `v128.store`) with alignment exponent and `offset`. */
  simdMem(subOpcode: number, alignLog2: number, offset: number): this {
    this.simd(subOpcode);
    uleb(this.#code, alignLog2);
    uleb(this.#code, offset);
    return this;
  }

  /** `call index`. */
  call(index: number): this {
    this.#code.push(0x10);
    uleb(this.#code, index);
    return this;
  }

  /** `br depth` (0: the innermost enclosing block or loop). */
  br(depth: number): this {
    this.#code.push(0x0c);
    uleb(this.#code, depth);
    return this;
  }

  /** `br_if depth`. */
  brIf(depth: number): this {
    this.#code.push(0x0d);
    uleb(this.#code, depth);
    return this;
  }

  /** The function's body as the code section encodes it (locals, instructions, `end`). */
  encode(): number[] {
    const body: number[] = [];
    uleb(body, this.#locals.length);
    for (const t of this.#locals) body.push(1, t); // one entry per local: simple and valid
    for (const b of this.#code) body.push(b);
    body.push(0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

/**
 * Assembles a module of functions (index = order added), one fixed-size memory and exports.
 *
 * @example
 * ```ts
 * import { FunctionCode, I32, ModuleWriter } from "./_wasm_emitter.ts";
 * const m = new ModuleWriter(1);
 * const add = new FunctionCode([I32, I32], [I32]);
 * add.get(0).get(1).op(0x6a);
 * m.exportFunction("add", m.addFunction(add));
 * const { exports } = new WebAssembly.Instance(new WebAssembly.Module(m.encode()));
 * console.log((exports.add as (a: number, b: number) => number)(2, 3)); // 5
 * ```
 */
export class ModuleWriter {
  readonly #pages: number;
  readonly #functions: FunctionCode[] = [];
  readonly #exports: { name: string; kind: number; index: number }[] = [];

  /** A module whose memory has exactly `pages` 64 KiB pages, exported as "memory". */
  constructor(pages: number) {
    this.#pages = pages;
    this.#exports.push({ name: "memory", kind: 2, index: 0 });
  }

  /** Adds a function; returns its index (for `call`). */
  addFunction(code: FunctionCode): number {
    this.#functions.push(code);
    return this.#functions.length - 1;
  }

  /** Exports function `index` as `name`. */
  exportFunction(name: string, index: number): void {
    this.#exports.push({ name, kind: 0, index });
  }

  /** The module's bytes. */
  encode(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]) => {
      out.push(id);
      uleb(out, content.length);
      for (const b of content) out.push(b);
    };
    const types: number[] = [], funcs: number[] = [];
    uleb(types, this.#functions.length);
    uleb(funcs, this.#functions.length);
    this.#functions.forEach((f, i) => {
      types.push(0x60);
      uleb(types, f.params.length);
      types.push(...f.params);
      uleb(types, f.results.length);
      types.push(...f.results);
      uleb(funcs, i); // one type per function
    });
    section(1, types);
    section(3, funcs);
    const memory: number[] = [1, 0x01];
    uleb(memory, this.#pages);
    uleb(memory, this.#pages);
    section(5, memory);
    const exports: number[] = [];
    uleb(exports, this.#exports.length);
    for (const e of this.#exports) {
      const name = new TextEncoder().encode(e.name);
      uleb(exports, name.length);
      for (const b of name) exports.push(b);
      exports.push(e.kind);
      uleb(exports, e.index);
    }
    section(7, exports);
    const code: number[] = [];
    uleb(code, this.#functions.length);
    for (const f of this.#functions) for (const b of f.encode()) code.push(b);
    section(10, code);
    return new Uint8Array(out);
  }
}

/** Opcodes without immediates used by the kernels here (names as in the text format). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  return: 0x0f,
  drop: 0x1a,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32LeU: 0x4d,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i64Add: 0x7c,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64And: 0x83,
  i64Or: 0x84,
  i64Xor: 0x85,
  i64Shl: 0x86,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
  /** The block type of a block, loop or if without results. */
  void: 0x40,
} as const;

/** SIMD sub-opcodes (after the 0xfd prefix) used here. */
export const Simd = {
  v128Load: 0x00,
  v128Store: 0x0b,
  v128Const: 0x0c,
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  v128Or: 0x50,
  v128Xor: 0x51,
  i32x4Shl: 0xab,
  i32x4ShrU: 0xad,
  i32x4Add: 0xae,
} as const;
