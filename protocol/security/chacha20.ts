/**
 * The ChaCha20 stream cipher (RFC 8439 section 2.4): a 256-bit key, a 96-bit nonce and a 32-bit
 * block counter produce 64-byte keystream blocks. Pure and allocation-free: the key is expanded
 * once into eight words ({@link chacha20KeyWords}), callers pass their own output buffers, and
 * the one keystream scratch block is shared (everything here runs synchronously).
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { checkOverlap } from "./_overlap.ts";

/** ChaCha20 key size in bytes. */
export const CHACHA20_KEY_BYTES = 32;
/** ChaCha20 nonce size in bytes (the IETF variant: 96 bits, 32-bit counter). */
export const CHACHA20_NONCE_BYTES = 12;
/** Keystream block size in bytes. */
export const CHACHA20_BLOCK_BYTES = 64;
/** Most bytes one (key, nonce) pair can encrypt starting at counter 0: 2^32 blocks. */
const COUNTER_LIMIT = 4294967296;

// "expand 32-byte k" as four little-endian words
const SIGMA0 = 0x61707865, SIGMA1 = 0x3320646e, SIGMA2 = 0x79622d32, SIGMA3 = 0x6b206574;

// one keystream block; shared because nothing here can be re-entered
const stream = new Uint32Array(16);

const le32 = (b: Uint8Array, i: number): number =>
  (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/**
 * Expands a 32-byte key into the eight little-endian words the block function reads. Writes into
 * `out` when given (reuse it to stay allocation-free). Throws MultiplayerError INVALID_ARGUMENT
 * for a key of another length.
 *
 * @example
 * ```ts
 * import { chacha20KeyWords } from "./chacha20.ts";
 * const words = chacha20KeyWords(new Uint8Array(32).fill(1));
 * console.log(words.length, words[0].toString(16)); // 8 1010101
 * ```
 */
export function chacha20KeyWords(
  key: Uint8Array,
  out: Uint32Array = new Uint32Array(8),
): Uint32Array {
  if (key.length !== CHACHA20_KEY_BYTES) {
    throw new MultiplayerError("INVALID_ARGUMENT", `ChaCha20 key must be 32 bytes: ${key.length}`);
  }
  for (let i = 0; i < 8; i++) out[i] = le32(key, 4 * i);
  return out;
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== CHACHA20_NONCE_BYTES) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `ChaCha20 nonce must be 12 bytes: ${nonce.length}`,
    );
  }
}

// the block function: 20 rounds over the state, then the input added back, into `stream`
function block(k: Uint32Array, counter: number, n0: number, n1: number, n2: number): void {
  const j4 = k[0], j5 = k[1], j6 = k[2], j7 = k[3], j8 = k[4], j9 = k[5], j10 = k[6];
  const j11 = k[7], j12 = counter | 0;
  let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
  let x4 = j4, x5 = j5, x6 = j6, x7 = j7, x8 = j8, x9 = j9, x10 = j10, x11 = j11;
  let x12 = j12, x13 = n0, x14 = n1, x15 = n2;
  for (let i = 0; i < 10; i++) {
    // columns
    x0 = (x0 + x4) | 0, x12 ^= x0, x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0, x4 ^= x8, x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0, x12 ^= x0, x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0, x4 ^= x8, x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0, x13 ^= x1, x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0, x5 ^= x9, x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0, x13 ^= x1, x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0, x5 ^= x9, x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0, x14 ^= x2, x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0, x6 ^= x10, x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0, x14 ^= x2, x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0, x6 ^= x10, x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0, x15 ^= x3, x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0, x7 ^= x11, x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0, x15 ^= x3, x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0, x7 ^= x11, x7 = (x7 << 7) | (x7 >>> 25);
    // diagonals
    x0 = (x0 + x5) | 0, x15 ^= x0, x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0, x5 ^= x10, x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0, x15 ^= x0, x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0, x5 ^= x10, x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0, x12 ^= x1, x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0, x6 ^= x11, x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0, x12 ^= x1, x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0, x6 ^= x11, x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0, x13 ^= x2, x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0, x7 ^= x8, x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0, x13 ^= x2, x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0, x7 ^= x8, x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0, x14 ^= x3, x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0, x4 ^= x9, x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0, x14 ^= x3, x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0, x4 ^= x9, x4 = (x4 << 7) | (x4 >>> 25);
  }
  const s = stream; // stores wrap modulo 2^32
  s[0] = x0 + SIGMA0, s[1] = x1 + SIGMA1, s[2] = x2 + SIGMA2, s[3] = x3 + SIGMA3;
  s[4] = x4 + j4, s[5] = x5 + j5, s[6] = x6 + j6, s[7] = x7 + j7;
  s[8] = x8 + j8, s[9] = x9 + j9, s[10] = x10 + j10, s[11] = x11 + j11;
  s[12] = x12 + j12, s[13] = x13 + n0, s[14] = x14 + n1, s[15] = x15 + n2;
}

/**
 * One 64-byte keystream block for `counter` (an integer in [0, 2^32)), written to `out` at
 * `offset`. Throws MultiplayerError INVALID_ARGUMENT for a bad nonce, counter or a too small
 * `out`.
 *
 * @example
 * ```ts
 * import { chacha20Block, chacha20KeyWords } from "./chacha20.ts";
 * const out = chacha20Block(chacha20KeyWords(new Uint8Array(32)), new Uint8Array(12), 0, new Uint8Array(64));
 * console.log(out[0].toString(16), out[1].toString(16)); // 76 b8
 * ```
 */
export function chacha20Block(
  keyWords: Uint32Array,
  nonce: Uint8Array,
  counter: number,
  out: Uint8Array,
  offset = 0,
): Uint8Array {
  checkNonce(nonce);
  if (!Number.isInteger(counter) || counter < 0 || counter >= COUNTER_LIMIT) {
    throw new MultiplayerError("INVALID_ARGUMENT", `ChaCha20 counter out of range: ${counter}`);
  }
  if (!Number.isInteger(offset) || offset < 0 || offset + CHACHA20_BLOCK_BYTES > out.length) {
    throw new MultiplayerError("INVALID_ARGUMENT", "ChaCha20 block output too small");
  }
  block(keyWords, counter, le32(nonce, 0), le32(nonce, 4), le32(nonce, 8));
  for (let i = 0, p = offset; i < 16; i++, p += 4) {
    const w = stream[i];
    out[p] = w, out[p + 1] = w >>> 8, out[p + 2] = w >>> 16, out[p + 3] = w >>> 24;
  }
  stream.fill(0);
  return out;
}

/**
 * Encrypts or decrypts (the same operation) `input[inStart..inEnd)` into `output` at
 * `outOffset`: each byte XORed with the keystream, which starts at block `counter`. `output` may
 * be `input` itself at the same position (in place); other overlaps are refused. Throws
 * MultiplayerError INVALID_ARGUMENT for a bad nonce or range, a counter that would pass 2^32
 * blocks, a too small output or an overlap.
 *
 * @example
 * ```ts
 * import { chacha20KeyWords, chacha20Xor } from "./chacha20.ts";
 * const key = chacha20KeyWords(new Uint8Array(32).fill(7)), nonce = new Uint8Array(12);
 * const text = new TextEncoder().encode("attack at dawn");
 * const sealed = chacha20Xor(key, nonce, 1, text, new Uint8Array(text.length));
 * const back = chacha20Xor(key, nonce, 1, sealed, new Uint8Array(text.length));
 * console.log(new TextDecoder().decode(back)); // attack at dawn
 * ```
 */
export function chacha20Xor(
  keyWords: Uint32Array,
  nonce: Uint8Array,
  counter: number,
  input: Uint8Array,
  output: Uint8Array,
  outOffset = 0,
  inStart = 0,
  inEnd: number = input.length,
): Uint8Array {
  checkNonce(nonce);
  if (
    !(Number.isInteger(inStart) && Number.isInteger(inEnd) && inStart >= 0 && inStart <= inEnd &&
      inEnd <= input.length)
  ) {
    throw new MultiplayerError("INVALID_ARGUMENT", `bad input range [${inStart}, ${inEnd})`);
  }
  const len = inEnd - inStart;
  if (
    !Number.isInteger(counter) || counter < 0 ||
    counter + Math.ceil(len / CHACHA20_BLOCK_BYTES) > COUNTER_LIMIT
  ) {
    throw new MultiplayerError("INVALID_ARGUMENT", `ChaCha20 counter out of range: ${counter}`);
  }
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + len > output.length) {
    throw new MultiplayerError("INVALID_ARGUMENT", "ChaCha20 output too small");
  }
  checkOverlap(input, inStart, inEnd, output, outOffset);
  const n0 = le32(nonce, 0), n1 = le32(nonce, 4), n2 = le32(nonce, 8);
  const s = stream;
  let i = inStart, o = outOffset;
  for (; i + CHACHA20_BLOCK_BYTES <= inEnd; counter++) {
    block(keyWords, counter, n0, n1, n2);
    for (let w = 0; w < 16; w++, i += 4, o += 4) {
      const k = s[w];
      output[o] = input[i] ^ k;
      output[o + 1] = input[i + 1] ^ (k >>> 8);
      output[o + 2] = input[i + 2] ^ (k >>> 16);
      output[o + 3] = input[i + 3] ^ (k >>> 24);
    }
  }
  if (i < inEnd) {
    block(keyWords, counter, n0, n1, n2);
    for (let b = 0; i < inEnd; i++, o++, b++) {
      output[o] = input[i] ^ (s[b >>> 2] >>> ((b & 3) << 3));
    }
  }
  s.fill(0); // no keystream left behind
  return output;
}
