/** Godot's `NetworkedMultiplayerENet.CompressionMode` values. @module */

/**
 * How ENet datagram bodies are compressed, numbered as Godot 3.2's `compression_mode` property.
 * Not negotiated on the wire: both ends must be configured alike, or every compressed datagram
 * is dropped by the other side.
 *
 * @example
 * ```ts
 * import { CompressionMode } from "./compression_mode.ts";
 * const mode: CompressionMode = CompressionMode.ZSTD;
 * console.log(mode); // 4
 * ```
 */
export const CompressionMode = {
  /** No compression (Godot's default). */
  NONE: 0,
  /** ENet's built-in adaptive range coder. */
  RANGE_CODER: 1,
  /** FastLZ (level 1 for every datagram). */
  FASTLZ: 2,
  /** zlib-wrapped deflate, level 6. */
  ZLIB: 3,
  /** zstd, level 3. */
  ZSTD: 4,
} as const;
/** One of {@link CompressionMode}'s values. */
export type CompressionMode = typeof CompressionMode[keyof typeof CompressionMode];
