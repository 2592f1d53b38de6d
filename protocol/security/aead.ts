/**
 * ChaCha20-Poly1305 authenticated encryption (RFC 8439 section 2.8), the cipher of sealed
 * datagrams. Pure and synchronous, so the secure layer seals and opens inline (no promise per
 * datagram, order kept trivially). Two implementations giving the same bytes: a WebAssembly kernel
 * (written by `_wasm_aead_module.ts`, embedded in `_wasm_aead_bytes.ts`; three to four times the
 * TypeScript one's speed at datagram sizes) and pure TypeScript (`chacha20.ts`, `poly1305.ts`) where WebAssembly is missing
 * or a message is too large for the kernel's memory. Results go into caller buffers, an instance
 * holds only its expanded key, and the per-call scratch (one-time key, MAC state) is shared,
 * since nothing here can be re-entered.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { CHACHA20_NONCE_BYTES, chacha20Block, chacha20KeyWords, chacha20Xor } from "./chacha20.ts";
import { Poly1305 } from "./poly1305.ts";
import { checkOverlap } from "./_overlap.ts";
import { type WasmAeadKernel, wasmAeadKernel } from "./_wasm_aead.ts";

/** ChaCha20-Poly1305 key size in bytes. */
export const CHACHA20_POLY1305_KEY_BYTES = 32;
/** ChaCha20-Poly1305 nonce size in bytes. */
export const CHACHA20_POLY1305_NONCE_BYTES: number = CHACHA20_NONCE_BYTES;
/** ChaCha20-Poly1305 tag size in bytes (a sealed message is this much longer). */
export const CHACHA20_POLY1305_TAG_BYTES = 16;
/** Largest plaintext: the block counter starts at 1 and must not wrap (2^32 - 1 blocks). */
const MAX_PLAINTEXT = (2 ** 32 - 1) * 64;

const mac = new Poly1305();
const oneTimeKey = new Uint8Array(64); // block 0 of the keystream; its first half keys the MAC
const lengths = new Uint8Array(16);
const tag = new Uint8Array(CHACHA20_POLY1305_TAG_BYTES);

/**
 * Which implementation of the cipher runs: the WebAssembly kernel (SIMD ChaCha20, Poly1305 in
 * 64-bit integers; messages up to ~127 KiB with up to 640 bytes of AAD) or the TypeScript one
 * (everything else, and runtimes without WebAssembly).
 *
 * @example
 * ```ts
 * import { type AeadBackend, ChaCha20Poly1305 } from "./aead.ts";
 * const backend: AeadBackend = new ChaCha20Poly1305(new Uint8Array(32)).backend;
 * console.log(backend); // webassembly
 * ```
 */
export type AeadBackend = "webassembly" | "typescript";

/**
 * Options of {@link ChaCha20Poly1305}.
 *
 * @example
 * ```ts
 * import { type AeadOptions, ChaCha20Poly1305 } from "./aead.ts";
 * const options: AeadOptions = { backend: "typescript" };
 * console.log(new ChaCha20Poly1305(new Uint8Array(32), undefined, options).backend); // typescript
 * ```
 */
export interface AeadOptions {
  /** "typescript" forces the pure TypeScript cipher (tests, comparisons); default: the fastest. */
  backend?: AeadBackend;
}

/**
 * A ChaCha20-Poly1305 key. Each (key, nonce) pair must seal at most one message: derive nonces
 * from a counter that never repeats.
 *
 * @example
 * ```ts
 * import { ChaCha20Poly1305 } from "./aead.ts";
 * const aead = new ChaCha20Poly1305(new Uint8Array(32).fill(9));
 * const nonce = new Uint8Array(12), aad = new Uint8Array([1, 2]);
 * const text = new TextEncoder().encode("hello");
 * const sealed = new Uint8Array(text.length + 16);
 * aead.seal(nonce, aad, text, sealed);
 * const back = new Uint8Array(text.length);
 * console.log(aead.open(nonce, aad, sealed, back), new TextDecoder().decode(back)); // 5 hello
 * sealed[0] ^= 1;
 * console.log(aead.open(nonce, aad, sealed, back)); // -1
 * ```
 */
export class ChaCha20Poly1305 {
  readonly #key: Uint32Array;
  readonly #kernel: WasmAeadKernel | undefined;

  /**
   * Expands `key` (32 bytes; throws MultiplayerError INVALID_ARGUMENT otherwise), into
   * `keyWords` when given (8 words an owner shares with other per-session state). Seals and
   * opens in WebAssembly where the runtime has it, unless `options.backend` asks for the
   * TypeScript cipher; both give the same bytes.
   */
  constructor(key: Uint8Array, keyWords?: Uint32Array, options?: AeadOptions) {
    if (keyWords !== undefined && keyWords.length !== 8) {
      throw new MultiplayerError("INVALID_ARGUMENT", "expanded key storage must be 8 words");
    }
    this.#key = chacha20KeyWords(key, keyWords);
    this.#kernel = options?.backend === "typescript" ? undefined : wasmAeadKernel();
  }

  /** Which implementation seals and opens here. */
  get backend(): AeadBackend {
    return this.#kernel === undefined ? "typescript" : "webassembly";
  }

  /**
   * Encrypts `plaintext` and authenticates it with `aad`; writes ciphertext then the 16-byte tag
   * to `out` at `outOffset` and returns the bytes written (`plaintext.length + 16`). `out` may
   * hold `plaintext` at the same position (in place). Throws MultiplayerError INVALID_ARGUMENT
   * for a bad nonce, a too small `out` or a misplaced overlap.
   */
  seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
    outOffset = 0,
  ): number {
    return this.#seal(nonce, aad, 0, aad.length, plaintext, out, outOffset);
  }

  /**
   * Checks the tag of `sealed` (ciphertext then tag) against `aad`; only when it is authentic,
   * decrypts into `out` at `outOffset` and returns the plaintext length. Returns -1, leaving
   * `out` untouched, for anything else (forged, tampered, truncated, wrong key, nonce or AAD):
   * `sealed` is untrusted input. The tag check takes the same time wherever it differs. Throws
   * MultiplayerError INVALID_ARGUMENT only for caller mistakes (bad nonce, too small `out`).
   */
  open(
    nonce: Uint8Array,
    aad: Uint8Array,
    sealed: Uint8Array,
    out: Uint8Array,
    outOffset = 0,
  ): number {
    return this.#open(nonce, aad, 0, aad.length, sealed, out, outOffset);
  }

  /**
   * Datagram layout: `out[0..headerLength)` already holds a clear header, which is the AAD; the
   * ciphertext of `plaintext` and the tag follow it. Returns the datagram's length
   * (`headerLength + plaintext.length + 16`). Same errors as {@link seal}.
   */
  sealAfterHeader(
    nonce: Uint8Array,
    out: Uint8Array,
    headerLength: number,
    plaintext: Uint8Array,
  ): number {
    return headerLength + this.#seal(nonce, out, 0, headerLength, plaintext, out, headerLength);
  }

  /**
   * Opens a datagram laid out as by {@link sealAfterHeader}: `datagram[0..headerLength)` is the
   * AAD, the rest ciphertext then tag. Writes the plaintext to `out` at `outOffset`; returns its
   * length, or -1 (nothing written) when it does not authenticate or is too short.
   */
  openAfterHeader(
    nonce: Uint8Array,
    datagram: Uint8Array,
    headerLength: number,
    out: Uint8Array,
    outOffset = 0,
  ): number {
    if (!(headerLength >= 0 && headerLength <= datagram.length)) return -1;
    return this.#open(nonce, datagram, 0, headerLength, datagram, out, outOffset, headerLength);
  }

  /** Overwrites the expanded key; the instance must not be used afterwards. */
  wipe(): void {
    this.#key.fill(0);
  }

  #seal(
    nonce: Uint8Array,
    aad: Uint8Array,
    aadStart: number,
    aadEnd: number,
    plaintext: Uint8Array,
    out: Uint8Array,
    outOffset: number,
  ): number {
    const n = plaintext.length;
    if (n > MAX_PLAINTEXT) {
      throw new MultiplayerError("INVALID_ARGUMENT", `plaintext too long: ${n} bytes`);
    }
    if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + n + 16 > out.length) {
      throw new MultiplayerError("INVALID_ARGUMENT", "sealed output too small");
    }
    const kernel = this.#kernel;
    if (kernel !== undefined && kernel.fits(aadEnd - aadStart, n)) {
      checkNonce(nonce);
      checkOverlap(plaintext, 0, n, out, outOffset);
      kernel.seal(this.#key, nonce, aad, aadStart, aadEnd, plaintext, 0, n, out, outOffset);
      return n + CHACHA20_POLY1305_TAG_BYTES;
    }
    chacha20Xor(this.#key, nonce, 1, plaintext, out, outOffset);
    this.#tag(nonce, aad, aadStart, aadEnd, out, outOffset, outOffset + n);
    out.set(tag, outOffset + n);
    tag.fill(0);
    return n + CHACHA20_POLY1305_TAG_BYTES;
  }

  #open(
    nonce: Uint8Array,
    aad: Uint8Array,
    aadStart: number,
    aadEnd: number,
    sealed: Uint8Array,
    out: Uint8Array,
    outOffset: number,
    start = 0,
  ): number {
    const end = sealed.length - CHACHA20_POLY1305_TAG_BYTES;
    if (end < start) return -1;
    const n = end - start;
    if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + n > out.length) {
      throw new MultiplayerError("INVALID_ARGUMENT", "plaintext output too small");
    }
    checkNonce(nonce);
    checkOverlap(sealed, start, end, out, outOffset);
    const kernel = this.#kernel;
    if (kernel !== undefined && kernel.fits(aadEnd - aadStart, n)) {
      return kernel.open(
        this.#key,
        nonce,
        aad,
        aadStart,
        aadEnd,
        sealed,
        start,
        end,
        out,
        outOffset,
      );
    }
    this.#tag(nonce, aad, aadStart, aadEnd, sealed, start, end);
    let diff = 0; // no early exit: the time does not say where a forged tag differs
    for (let i = 0; i < CHACHA20_POLY1305_TAG_BYTES; i++) diff |= tag[i] ^ sealed[end + i];
    tag.fill(0);
    if (diff !== 0) return -1;
    chacha20Xor(this.#key, nonce, 1, sealed, out, outOffset, start, end);
    return n;
  }

  // the tag over aad | pad | ciphertext | pad | le64 aad length | le64 ciphertext length, into
  // `tag`, under the one-time key taken from keystream block 0
  #tag(
    nonce: Uint8Array,
    aad: Uint8Array,
    aadStart: number,
    aadEnd: number,
    ct: Uint8Array,
    ctStart: number,
    ctEnd: number,
  ): void {
    chacha20Block(this.#key, nonce, 0, oneTimeKey);
    mac.init(oneTimeKey);
    oneTimeKey.fill(0);
    mac.update(aad, aadStart, aadEnd).padToBlock();
    mac.update(ct, ctStart, ctEnd).padToBlock();
    writeLe64(lengths, 0, aadEnd - aadStart);
    writeLe64(lengths, 8, ctEnd - ctStart);
    mac.update(lengths).finish(tag);
  }
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== CHACHA20_POLY1305_NONCE_BYTES) {
    throw new MultiplayerError("INVALID_ARGUMENT", `nonce must be 12 bytes: ${nonce.length}`);
  }
}

function writeLe64(out: Uint8Array, at: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  out[at] = value,
    out[at + 1] = value >>> 8,
    out[at + 2] = value >>> 16,
    out[at + 3] = value >>> 24;
  out[at + 4] = hi, out[at + 5] = hi >>> 8, out[at + 6] = hi >>> 16, out[at + 7] = hi >>> 24;
}
