/** The optional ENet datagram checksum (CRC-32, as libenet's `enet_crc32`). @module */

const TABLE = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (reflected, polynomial 0x04C11DB7) of `bytes[start, end)`. ENet puts this value
 * big-endian in the checksum field, computed with that field holding the connect id (or 0
 * before a connection exists).
 *
 * @example
 * ```ts
 * import { crc32 } from "./crc32.ts";
 * console.log(crc32(new TextEncoder().encode("123456789")).toString(16)); // "cbf43926"
 * ```
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32Finish(crc32Update(CRC32_START, bytes, start, end));
}

/**
 * Initial running value of {@link crc32Update}.
 *
 * @example
 * ```ts
 * import { CRC32_START } from "./crc32.ts";
 * console.log(CRC32_START.toString(16)); // "ffffffff"
 * ```
 */
export const CRC32_START = 0xffffffff;

/**
 * Feeds `bytes[start, end)` into a running CRC (start from {@link CRC32_START}).
 *
 * @example
 * ```ts
 * import { CRC32_START, crc32Finish, crc32Update } from "./crc32.ts";
 * const b = new TextEncoder().encode("123456789");
 * const run = crc32Update(crc32Update(CRC32_START, b, 0, 4), b, 4, 9);
 * console.log(crc32Finish(run).toString(16)); // "cbf43926"
 * ```
 */
export function crc32Update(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let c = crc;
  for (let i = start; i < end; i++) c = (c >>> 8) ^ TABLE[(c ^ bytes[i]) & 0xff];
  return c >>> 0;
}

/**
 * The final CRC value of a running one.
 *
 * @example
 * ```ts
 * import { CRC32_START, crc32Finish } from "./crc32.ts";
 * console.log(crc32Finish(CRC32_START)); // 0
 * ```
 */
export function crc32Finish(crc: number): number {
  return (~crc) >>> 0;
}
