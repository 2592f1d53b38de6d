/**
 * Godot's `Compression::MODE_DEFLATE` (`COMPRESS_ZLIB` for ENet): a zlib-wrapped deflate stream
 * (2-byte header, Adler-32 trailer; window 32 KiB, memLevel 8, default strategy) at zlib's
 * default level 6, which Godot keeps unless a project changes
 * `compression/formats/zlib/compression_level`. Decompression accepts any level. @module
 */

import { MultiplayerError } from "../errors.ts";
import type { BlockCodec } from "./codec.ts";
import type { NodeZlib } from "./node_zlib.ts";

/** zlib's default compression level (Godot's default for this mode). */
export const ZLIB_DEFAULT_LEVEL = -1;

/** node:zlib's smallest accepted output chunk. */
const MIN_CHUNK = 64;
/** Output chunk cap: the inflater never holds more than this beyond the output limit. */
const MAX_CHUNK = 16 * 1024;

/** Options of {@link ZlibCodec}. */
export interface ZlibCodecOptions {
  /** The runtime's zlib (`node:zlib`, injected so nothing here loads it unasked). */
  zlib: NodeZlib;
  /** Compression level, -1 (zlib's default, 6) or 0..9. Default -1 like Godot. */
  level?: number;
}

/**
 * zlib-wrapped deflate with Godot's parameters, via node:zlib. Decompression stops as soon as
 * the output would exceed `dst`, so a small bomb cannot allocate beyond that limit.
 *
 * @example
 * ```ts
 * import * as zlib from "node:zlib";
 * import { ZlibCodec } from "./zlib.ts";
 * const codec = new ZlibCodec({ zlib });
 * const body = new Uint8Array(300).fill(1);
 * const packed = new Uint8Array(300);
 * const n = codec.compress(body, packed);
 * const plain = new Uint8Array(4096);
 * console.log(packed[0].toString(16), codec.decompress(packed.subarray(0, n), plain)); // 78 300
 * ```
 */
export class ZlibCodec implements BlockCodec {
  #level: number;
  readonly #zlib: NodeZlib;

  /** Creates a codec; throws `MultiplayerError("INVALID_ARGUMENT")` for a level outside -1..9. */
  constructor(options: ZlibCodecOptions) {
    this.#zlib = options.zlib;
    const level = options.level ?? ZLIB_DEFAULT_LEVEL;
    if (!Number.isInteger(level) || level < -1 || level > 9) {
      throw new MultiplayerError("INVALID_ARGUMENT", `zlib level must be in -1..9, got ${level}`);
    }
    this.#level = level;
  }

  /** Compresses `src` into `dst`; returns bytes written, or -1 when they would exceed `limit`. */
  compress(src: Uint8Array, dst: Uint8Array, limit: number = dst.length): number {
    const room = limit >= 0 ? Math.min(limit, dst.length) : 0;
    let out: Uint8Array;
    try {
      out = this.#zlib.deflateSync(src, { level: this.#level, maxOutputLength: Math.max(1, room) });
    } catch {
      return -1;
    }
    return copyInto(out, dst, room);
  }

  /**
   * Decompresses one zlib stream into `dst`; returns bytes written, or -1 when the stream is
   * malformed, truncated, needs a preset dictionary, fails its checksum or exceeds `dst`.
   * Bytes after the end of the stream are ignored, as Godot's inflater ignores them.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number {
    if (src.length === 0) return -1;
    const limit = Math.max(1, dst.length);
    let out: Uint8Array;
    try {
      out = this.#zlib.inflateSync(src, {
        maxOutputLength: limit,
        chunkSize: Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, limit)),
      });
    } catch {
      return -1;
    }
    return copyInto(out, dst, dst.length);
  }
}

function copyInto(out: Uint8Array, dst: Uint8Array, room: number): number {
  if (out.length > room) return -1;
  dst.set(out);
  return out.length;
}
