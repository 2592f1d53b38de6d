/**
 * Allocation-free UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF). Text messages and close reasons must be valid UTF-8; checking the bytes directly
 * avoids decoding a string the caller may never need.
 *
 * @module
 */

/**
 * True when `bytes[start, end)` is well-formed UTF-8.
 *
 * @example
 * ```ts
 * import { isValidUtf8 } from "./utf8.ts";
 * console.log(isValidUtf8(new TextEncoder().encode("héllo €"))); // true
 * console.log(isValidUtf8(new Uint8Array([0xc0, 0x80]))); // false (overlong NUL)
 * ```
 */
export function isValidUtf8(bytes: Uint8Array, start = 0, end: number = bytes.length): boolean {
  let i = start;
  while (i < end) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    if (lead < 0xc2) return false; // stray continuation byte, or an overlong 2-byte form
    if (lead < 0xe0) {
      if (i + 1 >= end || (bytes[i + 1] & 0xc0) !== 0x80) return false;
      i += 2;
      continue;
    }
    if (lead < 0xf0) {
      if (i + 2 >= end) return false;
      const second = bytes[i + 1];
      if ((second & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80) return false;
      if (lead === 0xe0 && second < 0xa0) return false; // overlong
      if (lead === 0xed && second > 0x9f) return false; // UTF-16 surrogate
      i += 3;
      continue;
    }
    if (lead < 0xf5) {
      if (i + 3 >= end) return false;
      const second = bytes[i + 1];
      if (
        (second & 0xc0) !== 0x80 || (bytes[i + 2] & 0xc0) !== 0x80 ||
        (bytes[i + 3] & 0xc0) !== 0x80
      ) return false;
      if (lead === 0xf0 && second < 0x90) return false; // overlong
      if (lead === 0xf4 && second > 0x8f) return false; // above U+10FFFF
      i += 4;
      continue;
    }
    return false;
  }
  return true;
}
