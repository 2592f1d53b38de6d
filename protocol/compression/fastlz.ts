/**
 * FastLZ as Godot's `Compression::MODE_FASTLZ` applies it (`COMPRESS_FASTLZ` for ENet):
 * inputs under 64 KiB use level 1 (every datagram), larger ones level 2; inputs shorter than
 * 16 bytes are zero-padded to 16 before compressing, so they decompress to 16 bytes. @module
 */

import { decodeBlock } from "./_fastlz_decode.ts";
import { encodeLevel1, encodeLevel2, HASH_SIZE, maxEncodedLength } from "./_fastlz_encode.ts";
import type { BlockCodec } from "./codec.ts";

/** Godot pads shorter inputs with zeros up to this size before compressing. */
export const FASTLZ_MIN_INPUT = 16;
/** From this input size on, Godot switches from level 1 to level 2. */
export const FASTLZ_LEVEL2_THRESHOLD = 65536;

/**
 * Godot-compatible FastLZ. Compression output is byte-identical to Godot's; decompression accepts
 * level-1 and level-2 streams (the first byte names the level) and never writes past `dst`.
 * One instance owns its hash table and scratch buffers and reuses them on every call.
 *
 * @example
 * ```ts
 * import { FastLzCodec } from "./fastlz.ts";
 * const codec = new FastLzCodec();
 * const body = new TextEncoder().encode("state state state state state");
 * const packed = new Uint8Array(FastLzCodec.maxCompressedLength(body.length));
 * const n = codec.compress(body, packed);
 * const plain = new Uint8Array(64);
 * console.log(codec.decompress(packed.subarray(0, n), plain) === body.length); // true
 * ```
 */
export class FastLzCodec implements BlockCodec {
  #table = new Int32Array(HASH_SIZE);
  #padded = new Uint8Array(FASTLZ_MIN_INPUT);
  #scratch = new Uint8Array(maxEncodedLength(4096));

  /** Size of a destination buffer that any input of `length` bytes is guaranteed to fit. */
  static maxCompressedLength(length: number): number {
    return maxEncodedLength(Math.max(length, FASTLZ_MIN_INPUT));
  }

  /** Compresses `src` into `dst` as Godot does; returns bytes written, or -1 past `limit`. */
  compress(src: Uint8Array, dst: Uint8Array, limit: number = dst.length): number {
    const room = limit >= 0 ? Math.min(limit, dst.length) : 0;
    let input = src;
    if (src.length < FASTLZ_MIN_INPUT) {
      this.#padded.fill(0);
      this.#padded.set(src);
      input = this.#padded;
    }
    const bound = maxEncodedLength(input.length);
    // Encode straight into `dst` when it cannot overflow, else through the scratch buffer.
    let out = dst;
    if (room < bound) {
      if (this.#scratch.length < bound) this.#scratch = new Uint8Array(bound);
      out = this.#scratch;
    }
    const written = input.length < FASTLZ_LEVEL2_THRESHOLD
      ? encodeLevel1(input, out, this.#table)
      : encodeLevel2(input, out, this.#table);
    if (out === dst) return written;
    if (written > room) return -1;
    for (let i = 0; i < written; i++) dst[i] = out[i];
    return written;
  }

  /**
   * Decompresses a level-1 or level-2 stream into `dst`; returns bytes written, or -1 when the
   * stream is malformed or needs more than `dst.length` bytes. A stream made from fewer than 16
   * bytes yields 16 (the zero padding is part of it), so give `dst` at least 16 bytes.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number {
    return decodeBlock(src, dst);
  }
}
