/** The compressor interface the ENet protocol layer uses for datagram bodies. @module */

/**
 * Compresses the body of an ENet datagram (every byte after the datagram header: all its
 * commands) with ENet's rules: a compressed body is only worth sending when strictly smaller
 * than the original, and a received one whose decompression fails is dropped. Instances keep
 * scratch state; use one per host and never interleave calls.
 *
 * @example
 * ```ts
 * import { CompressionMode, createCompressor } from "./mod.ts";
 * const compressor = createCompressor(CompressionMode.RANGE_CODER)!;
 * const body = new Uint8Array(100).fill(0x86);
 * const wire = new Uint8Array(4096);
 * const n = compressor.compress(body, wire);
 * const plain = new Uint8Array(4096 - 4); // at most ENet's 4096-byte MTU minus the header
 * console.log(n > 0 && compressor.decompress(wire.subarray(0, n), plain) === 100); // true
 * ```
 */
export interface DatagramCompressor {
  /**
   * Compresses `src` into `dst`; returns bytes written, or 0 when the output would not be
   * strictly smaller than `src.length` or does not fit `dst` (then send uncompressed).
   */
  compress(src: Uint8Array, dst: Uint8Array): number;
  /**
   * Decompresses `src` into `dst`; returns bytes written (at least 1), or -1 on malformed input,
   * when the output would exceed `dst.length`, or when it is empty (ENet drops those too).
   * Never throws.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number;
}
