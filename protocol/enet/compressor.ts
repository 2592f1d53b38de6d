/** The datagram compression hook. @module */

/**
 * Compresses / decompresses everything after a datagram's header. Both ends must use the same
 * codec: ENet does not negotiate it.
 *
 * - `compress` writes into `dst` (as long as `src`) and returns the bytes written; 0 means "do
 *   not compress" (the datagram then goes uncompressed, as it also does when the result is not
 *   smaller).
 * - `decompress` writes into `dst` and returns the bytes written, or -1 when `src` is malformed or
 *   its output does not fit `dst` (the datagram is then dropped).
 *
 * @example
 * ```ts
 * import type { DatagramCompressor } from "./compressor.ts";
 * // A codec that never compresses; decompression copies.
 * const identity: DatagramCompressor = {
 *   compress: () => 0,
 *   decompress: (src, dst) => src.length > dst.length ? -1 : (dst.set(src), src.length),
 * };
 * ```
 */
export interface DatagramCompressor {
  /** Compresses `src` into `dst`; 0 = leave uncompressed. */
  compress(src: Uint8Array, dst: Uint8Array): number;
  /** Decompresses `src` into `dst`; -1 = malformed or too big. */
  decompress(src: Uint8Array, dst: Uint8Array): number;
}
