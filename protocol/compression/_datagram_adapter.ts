/** Applies ENet's datagram rules on top of a block codec. @module */

import type { BlockCodec } from "./codec.ts";
import type { DatagramCompressor } from "./datagram_compressor.ts";

/**
 * A {@link DatagramCompressor} over any {@link BlockCodec}.
 *
 * @example
 * ```ts
 * import { DatagramAdapter } from "./_datagram_adapter.ts";
 * import { FastLzCodec } from "./fastlz.ts";
 * const adapter = new DatagramAdapter(new FastLzCodec());
 * console.log(adapter.compress(Uint8Array.of(1, 2, 3), new Uint8Array(64))); // 0: would grow
 * ```
 */
export class DatagramAdapter implements DatagramCompressor {
  readonly #codec: BlockCodec;

  /** Wraps `codec`. */
  constructor(codec: BlockCodec) {
    this.#codec = codec;
  }

  /** Returns the compressed size when strictly smaller than `src`, else 0. */
  compress(src: Uint8Array, dst: Uint8Array): number {
    if (src.length <= 1) return 0;
    // Asking for at most length - 1 bytes lets the coder stop as soon as it stops paying off.
    const written = this.#codec.compress(src, dst, src.length - 1);
    return written > 0 ? written : 0;
  }

  /** Returns the decompressed size, or -1 whenever ENet would drop the datagram. */
  decompress(src: Uint8Array, dst: Uint8Array): number {
    if (src.length === 0) return -1;
    const written = this.#codec.decompress(src, dst);
    return written > 0 ? written : -1;
  }
}
