/**
 * FastLZ block decoders (levels 1 and 2). They accept exactly the streams Godot's decoder
 * accepts (including its habit of ignoring a lone trailing byte at level 1) and reject the one
 * case where Godot's would read a byte past the input. Every copy is
 * checked against both buffers first, so no input can make them read or write out of range.
 * @module
 */

const MAX_L2_DISTANCE = 8191;

/**
 * Decodes a stream whose level is given by the top 3 bits of its first byte. Returns bytes
 * written into `dst`, or -1 for malformed input, an unknown level or output past `dst.length`.
 *
 * @example
 * ```ts
 * import { decodeBlock } from "./_fastlz_decode.ts";
 * const dst = new Uint8Array(16);
 * // A 2-byte literal run, then a 3-byte match one byte back.
 * console.log(decodeBlock(Uint8Array.of(1, 5, 6, 0x20, 0), dst), dst.subarray(0, 5)); // 5 [5, 6, 6, 6, 6]
 * ```
 */
export function decodeBlock(src: Uint8Array, dst: Uint8Array): number {
  if (src.length === 0) return -1;
  const level = (src[0] >> 5) + 1;
  if (level === 1) return decodeLevel1(src, dst);
  if (level === 2) return decodeLevel2(src, dst);
  return -1;
}

function decodeLevel1(src: Uint8Array, dst: Uint8Array): number {
  const ipLimit = src.length;
  const ipBound = ipLimit - 2;
  const opLimit = dst.length;
  let ip = 0;
  let op = 0;
  let ctrl = src[ip++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >> 5) - 1;
      let ref = op - ((ctrl & 31) << 8) - 1;
      if (len === 7 - 1) {
        if (ip > ipBound) return -1;
        len += src[ip++];
      }
      // The loop only continues with two bytes left, so the distance byte is present.
      ref -= src[ip++];
      len += 3;
      if (op + len > opLimit || ref < 0) return -1;
      op = copyMatch(dst, op, ref, len);
    } else {
      ctrl++;
      if (op + ctrl > opLimit || ip + ctrl > ipLimit) return -1;
      for (let i = 0; i < ctrl; i++) dst[op + i] = src[ip + i];
      ip += ctrl;
      op += ctrl;
    }
    if (ip > ipBound) break;
    ctrl = src[ip++];
  }
  return op;
}

function decodeLevel2(src: Uint8Array, dst: Uint8Array): number {
  const ipLimit = src.length;
  const ipBound = ipLimit - 2;
  const opLimit = dst.length;
  let ip = 0;
  let op = 0;
  let ctrl = src[ip++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >> 5) - 1;
      let ofs = (ctrl & 31) << 8;
      let ref = op - ofs - 1;
      let code: number;
      if (len === 7 - 1) {
        do {
          if (ip > ipBound) return -1;
          code = src[ip++];
          len += code;
        } while (code === 255);
      }
      // Unlike level 1 this loop continues with one byte left: a final match instruction
      // would lack its distance byte.
      if (ip >= ipLimit) return -1;
      code = src[ip++];
      ref -= code;
      len += 3;
      if (code === 255 && ofs === 31 << 8) {
        if (ip >= ipBound) return -1;
        ofs = (src[ip] << 8) + src[ip + 1];
        ip += 2;
        ref = op - ofs - MAX_L2_DISTANCE - 1;
      }
      if (op + len > opLimit || ref < 0) return -1;
      op = copyMatch(dst, op, ref, len);
    } else {
      ctrl++;
      if (op + ctrl > opLimit || ip + ctrl > ipLimit) return -1;
      for (let i = 0; i < ctrl; i++) dst[op + i] = src[ip + i];
      ip += ctrl;
      op += ctrl;
    }
    if (ip >= ipLimit) break;
    ctrl = src[ip++];
  }
  return op;
}

/** Copies forward byte by byte so that overlapping references repeat, as LZ77 requires. */
function copyMatch(dst: Uint8Array, op: number, ref: number, len: number): number {
  for (let i = 0; i < len; i++) dst[op + i] = dst[ref + i];
  return op + len;
}
