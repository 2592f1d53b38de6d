/**
 * The WebAssembly ChaCha20-Poly1305 kernel behind {@link ChaCha20Poly1305}: instantiated once,
 * on first use, from the module `_wasm_aead_module.ts` generates (embedded in
 * `_wasm_aead_bytes.ts`, so loading takes a decode and a compile: about a millisecond). Where
 * WebAssembly is missing or refuses the module (a runtime without it or without SIMD, a browser's
 * limit on synchronous compilation), and for inputs larger than its memory, the caller keeps the
 * pure TypeScript cipher.
 *
 * @module
 */
import { AEAD_LAYOUT as L } from "./_wasm_aead_module.ts";
import { AEAD_KERNEL_BASE64 } from "./_wasm_aead_bytes.ts";

interface KernelExports {
  memory: WebAssembly.Memory;
  seal(aadLength: number, dataLength: number): void;
  open(aadLength: number, dataLength: number): number;
  chacha(at: number, length: number, counter: number): void;
}

/**
 * Seals and opens through the kernel's memory: key words, nonce, AAD and data are copied in,
 * the result copied out. One instance serves every key (nothing here is re-entered).
 *
 * @example
 * ```ts
 * import { wasmAeadKernel } from "./_wasm_aead.ts";
 * const kernel = wasmAeadKernel();
 * if (kernel !== undefined) {
 *   const key = new Uint32Array(8), nonce = new Uint8Array(12), text = new Uint8Array(5);
 *   const sealed = new Uint8Array(21);
 *   kernel.seal(key, nonce, text, 0, 0, text, 0, 5, sealed, 0);
 *   const back = new Uint8Array(5).fill(1);
 *   console.log(kernel.open(key, nonce, text, 0, 0, sealed, 0, 5, back, 0), back[0]); // 5 0
 * }
 * ```
 */
export class WasmAeadKernel {
  readonly #exports: KernelExports;
  readonly #bytes: Uint8Array;
  readonly #words: Uint32Array;
  #resultView: Uint8Array;

  constructor(exports: KernelExports) {
    this.#exports = exports;
    this.#bytes = new Uint8Array(exports.memory.buffer);
    this.#words = new Uint32Array(exports.memory.buffer);
    this.#resultView = this.#bytes.subarray(L.data, L.data);
  }

  /** Whether a message with these AAD and data lengths fits the kernel's memory. */
  fits(aadLength: number, dataLength: number): boolean {
    return aadLength <= L.aadMax && dataLength <= L.dataMax;
  }

  /**
   * Seals `input[inStart..inEnd)` with `aad[aadStart..aadEnd)`: ciphertext then tag into `out`
   * at `outOffset`. The caller has checked the arguments and {@link fits}.
   */
  seal(
    keyWords: Uint32Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadStart: number,
    aadEnd: number,
    input: Uint8Array,
    inStart: number,
    inEnd: number,
    out: Uint8Array,
    outOffset: number,
  ): void {
    const n = inEnd - inStart, mem = this.#bytes;
    this.#load(keyWords, nonce, aad, aadStart, aadEnd, input, inStart, inEnd);
    this.#exports.seal(aadEnd - aadStart, n);
    out.set(this.#result(n), outOffset);
    for (let i = 0, o = outOffset + n; i < 16; i++) out[o + i] = mem[L.tag + i];
    mem.fill(0, L.tag, L.tag + 16);
  }

  /**
   * Opens `sealed[start..end)` (ciphertext; the tag follows at `end`) with `aad[aadStart..aadEnd)`
   * into `out` at `outOffset`. Returns the plaintext length, or -1 (nothing written) when the tag
   * does not match.
   */
  open(
    keyWords: Uint32Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadStart: number,
    aadEnd: number,
    sealed: Uint8Array,
    start: number,
    end: number,
    out: Uint8Array,
    outOffset: number,
  ): number {
    const n = end - start, mem = this.#bytes;
    this.#load(keyWords, nonce, aad, aadStart, aadEnd, sealed, start, end);
    for (let i = 0; i < 16; i++) mem[L.expectedTag + i] = sealed[end + i];
    if (this.#exports.open(aadEnd - aadStart, n) !== 1) return -1;
    out.set(this.#result(n), outOffset);
    return n;
  }

  /** Raw keystream XOR over `data` in place, from block `counter` (tests: RFC 8439 vectors). */
  chacha(keyWords: Uint32Array, nonce: Uint8Array, counter: number, data: Uint8Array): void {
    const mem = this.#bytes;
    this.#words.set(keyWords, L.key / 4);
    mem.set(nonce, L.nonce);
    mem.set(data, L.data);
    this.#exports.chacha(L.data, data.length, counter);
    data.set(mem.subarray(L.data, L.data + data.length));
    mem.fill(0, L.key, L.key + 32);
  }

  #load(
    keyWords: Uint32Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    aadStart: number,
    aadEnd: number,
    data: Uint8Array,
    start: number,
    end: number,
  ): void {
    const mem = this.#bytes;
    this.#words.set(keyWords, L.key / 4);
    for (let i = 0; i < 12; i++) mem[L.nonce + i] = nonce[i];
    for (let i = aadStart, o = L.aad; i < aadEnd; i++, o++) mem[o] = aad[i]; // headers: a few bytes
    mem.set(start === 0 && end === data.length ? data : data.subarray(start, end), L.data);
  }

  // the first n data bytes; the view is kept while messages keep one size (no view per call)
  #result(n: number): Uint8Array {
    if (this.#resultView.length !== n) this.#resultView = this.#bytes.subarray(L.data, L.data + n);
    return this.#resultView;
  }
}

/**
 * The embedded kernel module's bytes, decoded by the runtime's `Uint8Array.fromBase64` where it
 * has one (`atob` plus a loop costs milliseconds cold) unless `native` is false.
 */
export function kernelBytes(native = true): Uint8Array<ArrayBuffer> {
  const fromBase64 = (Uint8Array as { fromBase64?: (text: string) => Uint8Array<ArrayBuffer> })
    .fromBase64;
  if (native && fromBase64 !== undefined) return fromBase64(AEAD_KERNEL_BASE64);
  const binary = atob(AEAD_KERNEL_BASE64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let kernel: WasmAeadKernel | null | undefined;

/** The shared kernel, or undefined where WebAssembly cannot run it (tried once). */
export function wasmAeadKernel(): WasmAeadKernel | undefined {
  if (kernel === undefined) {
    kernel = null;
    try {
      if (new Uint8Array(new Uint32Array([1]).buffer)[0] === 1) { // key words are little-endian
        const module = new WebAssembly.Module(kernelBytes());
        const exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
        kernel = new WasmAeadKernel(exports);
      }
    } catch {
      kernel = null; // no WebAssembly here: the TypeScript cipher serves
    }
  }
  return kernel ?? undefined;
}
