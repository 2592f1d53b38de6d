/** The shape shared by the block codecs of this folder. @module */

/**
 * A whole-buffer compressor/decompressor pair with Godot's semantics for one block: the output
 * is written into a caller-provided buffer whose length is the hard limit.
 *
 * @example
 * ```ts
 * import type { BlockCodec } from "./codec.ts";
 * import { RangeCoder } from "./range_coder.ts";
 * const codec: BlockCodec = new RangeCoder();
 * const packed = new Uint8Array(64);
 * const n = codec.compress(new TextEncoder().encode("abcabcabcabc"), packed);
 * const plain = new Uint8Array(64);
 * console.log(codec.decompress(packed.subarray(0, n), plain)); // 12
 * ```
 */
export interface BlockCodec {
  /**
   * Compresses all of `src` into `dst`; returns bytes written, or -1 when they would exceed
   * `limit` (default and cap: `dst.length`). A tight limit lets the coder give up early.
   */
  compress(src: Uint8Array, dst: Uint8Array, limit?: number): number;
  /**
   * Decompresses `src` into `dst`; returns bytes written, or -1 when `src` is malformed or the
   * output would not fit `dst`. Never throws and never writes past `dst`.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number;
}
