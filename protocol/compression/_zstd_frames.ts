/**
 * Walks the frame structure of a zstd stream without decoding it: frame headers, block headers
 * and checksums. The zstd decoder behind node:zlib decodes only the first frame and reports a
 * truncated frame as empty output, so the codec checks the layout here first and hands the
 * decoder one complete frame at a time. @module
 */

/** Magic number of a zstd frame (little-endian on the wire). */
const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames use magic numbers 0x184D2A50..0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
/** No block of any frame may exceed this (compressed, raw or run-length). */
const MAX_BLOCK_SIZE = 128 * 1024;
/** Fewer than this many bytes cannot start a frame; Godot's decoder rejects them. */
export const MIN_FRAME_START = 5;
/** Bytes of the dictionary id for each value of the descriptor's low two bits. */
const DICTIONARY_ID_SIZES = [0, 1, 2, 4] as const;
/** Bytes of the content size for each value of the descriptor's top two bits (flag 0: 0 or 1). */
const CONTENT_SIZE_SIZES = [0, 2, 4, 8] as const;

/** What {@link scanFrame} learned about one frame. */
export interface FrameInfo {
  /** Offset just past the frame. */
  end: number;
  /** True for a skippable frame (no content). */
  skippable: boolean;
  /** Declared window size in bytes (the content size for single-segment frames). */
  windowSize: number;
  /** Declared content size, or -1 when the frame does not declare one. */
  contentSize: number;
}

function readLE(src: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + src[at + i];
  return value;
}

/**
 * Parses the frame starting at `start` into `info`. Returns false when it is not a frame, uses
 * a reserved bit or block type, names a dictionary (none is ever loaded), has an oversized
 * block, or is cut short.
 *
 * @example
 * ```ts
 * import { type FrameInfo, scanFrame } from "./_zstd_frames.ts";
 * const info: FrameInfo = { end: 0, skippable: false, windowSize: 0, contentSize: -1 };
 * // Single-segment frame of 3 bytes: one last raw block "abc".
 * const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 3, 0x19, 0, 0, 97, 98, 99);
 * console.log(scanFrame(frame, 0, info), info.end, info.contentSize); // true 12 3
 * ```
 */
export function scanFrame(src: Uint8Array, start: number, info: FrameInfo): boolean {
  const available = src.length - start;
  if (available < MIN_FRAME_START) return false;
  const magic = readLE(src, start, 4);
  if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
    if (available < 8) return false;
    const end = start + 8 + readLE(src, start + 4, 4);
    if (end > src.length) return false;
    info.end = end;
    info.skippable = true;
    info.windowSize = 0;
    info.contentSize = 0;
    return true;
  }
  if (magic !== FRAME_MAGIC) return false;
  let pos = start + 4;
  const descriptor = src[pos++];
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictionaryIdSize = DICTIONARY_ID_SIZES[descriptor & 0x03];
  if ((descriptor & 0x08) !== 0) return false;
  const contentSizeSize = sizeFlag === 0 && singleSegment ? 1 : CONTENT_SIZE_SIZES[sizeFlag];
  const headerRest = (singleSegment ? 0 : 1) + dictionaryIdSize + contentSizeSize;
  if (pos + headerRest > src.length) return false;
  let windowSize = 0;
  if (!singleSegment) {
    const window = src[pos++];
    const base = 2 ** (10 + (window >> 3));
    windowSize = base + (base / 8) * (window & 7);
  }
  if (dictionaryIdSize > 0 && readLE(src, pos, dictionaryIdSize) !== 0) return false;
  pos += dictionaryIdSize;
  let contentSize = -1;
  if (contentSizeSize > 0) {
    // Values past 2^53 lose precision, but any of them is far beyond every output limit.
    contentSize = readLE(src, pos, contentSizeSize) + (contentSizeSize === 2 ? 256 : 0);
    pos += contentSizeSize;
  }
  if (singleSegment) windowSize = contentSize;
  for (;;) {
    if (pos + 3 > src.length) return false;
    const header = readLE(src, pos, 3);
    pos += 3;
    const type = (header >> 1) & 3;
    const size = header >> 3;
    if (type === 3 || size > MAX_BLOCK_SIZE) return false;
    pos += type === 1 ? 1 : size;
    if (pos > src.length) return false;
    if ((header & 1) !== 0) break;
  }
  if (hasChecksum) pos += 4;
  if (pos > src.length) return false;
  info.end = pos;
  info.skippable = false;
  info.windowSize = windowSize;
  info.contentSize = contentSize;
  return true;
}
