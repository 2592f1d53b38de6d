/**
 * Godot's `Compression::MODE_ZSTD` (`COMPRESS_ZSTD` for ENet): one zstd frame per block at level
 * 3 (Godot's `compression/formats/zstd/compression_level` default), with the content size in
 * the header (single-segment frame, so the window is the content itself), no checksum and no
 * dictionary. Decompression takes a sequence of frames like Godot's one-shot decoder does.
 * @module
 */

import { MultiplayerError } from "../errors.ts";
import { type FrameInfo, scanFrame } from "./_zstd_frames.ts";
import type { BlockCodec } from "./codec.ts";
import type { NodeZlib, ZstdOptions } from "./node_zlib.ts";

/** Godot's default zstd level. */
export const ZSTD_DEFAULT_LEVEL = 3;

/** Smallest window a zstd frame can declare. */
const MIN_WINDOW_LOG = 10;
/** Largest window log zstd supports on 64-bit targets. */
const MAX_WINDOW_LOG = 31;

/** Options of {@link ZstdCodec}. */
export interface ZstdCodecOptions {
  /** The runtime's zlib (`node:zlib`, injected so nothing here loads it unasked). */
  zlib: NodeZlib;
  /** Compression level 1..22 (Godot's project-setting range). Default 3 like Godot. */
  level?: number;
}

/**
 * zstd with Godot's parameters, via node:zlib. Decompression checks the frame layout first,
 * refuses frames whose declared window or content size exceeds the output limit (so memory
 * stays bounded by `dst.length` whatever the header claims), and stops at `dst.length`.
 *
 * @example
 * ```ts
 * import * as zlib from "node:zlib";
 * import { ZstdCodec } from "./zstd.ts";
 * const codec = new ZstdCodec({ zlib });
 * const body = new Uint8Array(300).fill(2);
 * const packed = new Uint8Array(300);
 * const n = codec.compress(body, packed);
 * const plain = new Uint8Array(4096);
 * console.log(codec.decompress(packed.subarray(0, n), plain)); // 300
 * ```
 */
export class ZstdCodec implements BlockCodec {
  #level: number;
  #frame: FrameInfo = { end: 0, skippable: false, windowSize: 0, contentSize: -1 };
  readonly #zlib: NodeZlib;

  /** Creates a codec; throws `MultiplayerError("INVALID_ARGUMENT")` for a level outside 1..22. */
  constructor(options: ZstdCodecOptions) {
    this.#zlib = options.zlib;
    const level = options.level ?? ZSTD_DEFAULT_LEVEL;
    if (!Number.isInteger(level) || level < 1 || level > 22) {
      throw new MultiplayerError("INVALID_ARGUMENT", `zstd level must be in 1..22, got ${level}`);
    }
    this.#level = level;
  }

  /** Compresses `src` into one frame in `dst`; returns bytes written, or -1 past `limit`. */
  compress(src: Uint8Array, dst: Uint8Array, limit: number = dst.length): number {
    const room = limit >= 0 ? Math.min(limit, dst.length) : 0;
    // Announcing the size makes the encoder write it and shrink the window to it. node:zlib
    // honours `pledgedSrcSize`; Deno's bundled type declarations do not list it yet.
    const options: ZstdOptions & { pledgedSrcSize: number } = {
      params: { [this.#zlib.constants.ZSTD_c_compressionLevel]: this.#level },
      pledgedSrcSize: src.length,
      maxOutputLength: Math.max(1, room),
    };
    let out: Uint8Array;
    try {
      out = this.#zlib.zstdCompressSync(src, options);
    } catch {
      return -1;
    }
    if (out.length > room) return -1;
    dst.set(out);
    return out.length;
  }

  /**
   * Decompresses a sequence of zstd frames (skippable frames are skipped) into `dst`; returns
   * bytes written, or -1 when a frame is malformed, truncated, followed by stray bytes,
   * declares a window larger than `dst.length` allows, or its content does not fit.
   */
  decompress(src: Uint8Array, dst: Uint8Array): number {
    const windowLog = windowLogFor(dst.length);
    const frame = this.#frame;
    let written = 0;
    for (let pos = 0; pos < src.length; pos = frame.end) {
      if (!scanFrame(src, pos, frame)) return -1;
      if (frame.skippable) continue;
      const room = dst.length - written;
      if (frame.windowSize > 2 ** windowLog || frame.contentSize > room) return -1;
      let out: Uint8Array;
      try {
        out = this.#zlib.zstdDecompressSync(src.subarray(pos, frame.end), {
          maxOutputLength: Math.max(1, room),
          params: { [this.#zlib.constants.ZSTD_d_windowLogMax]: windowLog },
        });
      } catch {
        return -1;
      }
      if (out.length > room || (frame.contentSize >= 0 && out.length !== frame.contentSize)) {
        return -1;
      }
      dst.set(out, written);
      written += out.length;
    }
    return written;
  }
}

/** The smallest window log that covers `limit` bytes, so no frame needs more memory than that. */
function windowLogFor(limit: number): number {
  let log = MIN_WINDOW_LOG;
  while (log < MAX_WINDOW_LOG && 2 ** log < limit) log++;
  return log;
}
