/**
 * The datagram compressors of Godot 3.2's `NetworkedMultiplayerENet`, byte-compatible with what
 * Godot sends and accepts: ENet's range coder, FastLZ, zlib and zstd. Pure computation: no I/O,
 * no clocks (zlib and zstd run through node:zlib's synchronous functions).
 *
 * @example
 * ```ts
 * import { CompressionMode, createCompressor } from "./mod.ts";
 * const compressor = createCompressor(CompressionMode.FASTLZ);
 * console.log(compressor !== undefined, createCompressor(CompressionMode.NONE)); // true undefined
 * ```
 *
 * @module
 */

import { MultiplayerError } from "../errors.ts";
import { DatagramAdapter } from "./_datagram_adapter.ts";
import type { BlockCodec } from "./codec.ts";
import { CompressionMode } from "./compression_mode.ts";
import type { DatagramCompressor } from "./datagram_compressor.ts";
import type { NodeZlib } from "./node_zlib.ts";
import { FastLzCodec } from "./fastlz.ts";
import { RangeCoder } from "./range_coder.ts";
import { ZlibCodec } from "./zlib.ts";
import { ZstdCodec } from "./zstd.ts";

export { CompressionMode } from "./compression_mode.ts";
export type { DatagramCompressor } from "./datagram_compressor.ts";
export type { BlockCodec } from "./codec.ts";
export type { NodeZlib } from "./node_zlib.ts";
export { RangeCoder } from "./range_coder.ts";
export { FASTLZ_LEVEL2_THRESHOLD, FASTLZ_MIN_INPUT, FastLzCodec } from "./fastlz.ts";
export { ZLIB_DEFAULT_LEVEL, ZlibCodec, type ZlibCodecOptions } from "./zlib.ts";
export { ZSTD_DEFAULT_LEVEL, ZstdCodec, type ZstdCodecOptions } from "./zstd.ts";

/**
 * Creates a fresh compressor for `mode` with Godot's default settings, or `undefined` for
 * `NONE`. ZLIB and ZSTD run on the runtime's `node:zlib`, passed as `zlib` (throws
 * `MultiplayerError("INVALID_ARGUMENT")` without it, as for an unknown mode).
 *
 * @example
 * ```ts
 * import * as zlib from "node:zlib";
 * import { CompressionMode, createCompressor } from "./mod.ts";
 * const zstd = createCompressor(CompressionMode.ZSTD, zlib)!;
 * const tiny = new Uint8Array([1, 2, 3]);
 * console.log(zstd.compress(tiny, new Uint8Array(64))); // 0: not worth compressing
 * ```
 */
export function createCompressor(
  mode: CompressionMode,
  zlib?: NodeZlib,
): DatagramCompressor | undefined {
  if (mode === CompressionMode.NONE) return undefined;
  return new DatagramAdapter(createCodec(mode, zlib));
}

/**
 * Whether `mode` is one of {@link CompressionMode}'s values, and whether it needs `node:zlib`.
 *
 * @example
 * ```ts
 * import { compressionNeeds } from "./mod.ts";
 * console.log(compressionNeeds(2), compressionNeeds(3), compressionNeeds(9)); // none zlib invalid
 * ```
 */
export function compressionNeeds(mode: number): "none" | "zlib" | "invalid" {
  if (mode === CompressionMode.ZLIB || mode === CompressionMode.ZSTD) return "zlib";
  return Number.isInteger(mode) && mode >= 0 && mode <= 2 ? "none" : "invalid";
}

function createCodec(mode: CompressionMode, zlib: NodeZlib | undefined): BlockCodec {
  switch (mode) {
    case CompressionMode.RANGE_CODER:
      return new RangeCoder();
    case CompressionMode.FASTLZ:
      return new FastLzCodec();
    case CompressionMode.ZLIB:
      return new ZlibCodec({ zlib: needZlib(mode, zlib) });
    case CompressionMode.ZSTD:
      return new ZstdCodec({ zlib: needZlib(mode, zlib) });
    default:
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown compression mode ${String(mode)}`);
  }
}

function needZlib(mode: CompressionMode, zlib: NodeZlib | undefined): NodeZlib {
  if (zlib) return zlib;
  throw new MultiplayerError(
    "INVALID_ARGUMENT",
    `compression mode ${mode} (${mode === 3 ? "ZLIB" : "ZSTD"}) needs node:zlib: pass it`,
  );
}
