/**
 * Payloads the puppet builds and recognises, reproduced on the Deno side so a test can send the
 * same bytes or predict what a puppet reports.
 *
 * @module
 */

/**
 * First four bytes of a numbered packet: ASCII "PNUM".
 *
 * @example
 * ```ts
 * import { NUMBERED_MAGIC } from "./payloads.ts";
 * console.log(String.fromCharCode(...NUMBERED_MAGIC)); // "PNUM"
 * ```
 */
export const NUMBERED_MAGIC: readonly number[] = [0x50, 0x4e, 0x55, 0x4d];

/**
 * Smallest numbered packet: the magic and the u32 index.
 *
 * @example
 * ```ts
 * import { NUMBERED_HEADER_SIZE, numberedPacket } from "./payloads.ts";
 * console.log(numberedPacket(1, 0).length === NUMBERED_HEADER_SIZE); // true
 * ```
 */
export const NUMBERED_HEADER_SIZE = 8;

/**
 * A numbered packet as the puppet sends it for `{ cmd: "send", count, size, first }`:
 * "PNUM", u32 little-endian index, then byte k = (index + k) & 0xFF for k = 8..size-1.
 * A puppet receiving one reports `index` and `intact` instead of the bytes.
 *
 * @example
 * ```ts
 * import { numberedPacket } from "./payloads.ts";
 * const p = numberedPacket(258, 10);
 * console.log(p.length, p[4], p[5], p[8]); // 10 2 1 10
 * ```
 */
export function numberedPacket(index: number, size: number): Uint8Array {
  const data = new Uint8Array(Math.max(size, NUMBERED_HEADER_SIZE));
  data.set(NUMBERED_MAGIC);
  new DataView(data.buffer).setUint32(4, index >>> 0, true);
  for (let k = NUMBERED_HEADER_SIZE; k < data.length; k++) data[k] = (index + k) & 0xff;
  return data;
}

/**
 * The index of a numbered packet, or `undefined` if `data` is not one (or its filler is damaged).
 *
 * @example
 * ```ts
 * import { numberedIndex, numberedPacket } from "./payloads.ts";
 * console.log(numberedIndex(numberedPacket(7, 100))); // 7
 * console.log(numberedIndex(new Uint8Array(3))); // undefined
 * ```
 */
export function numberedIndex(data: Uint8Array): number | undefined {
  if (data.length < NUMBERED_HEADER_SIZE) return undefined;
  for (let i = 0; i < NUMBERED_MAGIC.length; i++) {
    if (data[i] !== NUMBERED_MAGIC[i]) return undefined;
  }
  const index = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(4, true);
  for (let k = NUMBERED_HEADER_SIZE; k < data.length; k++) {
    if (data[k] !== ((index + k) & 0xff)) return undefined;
  }
  return index;
}

/**
 * The pattern payload the puppet sends for `{ cmd: "send", size, seed }`: byte k = (seed + 7k) & 0xFF.
 *
 * @example
 * ```ts
 * import { patternBytes } from "./payloads.ts";
 * console.log(Array.from(patternBytes(3, 1))); // [ 1, 8, 15 ]
 * ```
 */
export function patternBytes(size: number, seed = 0): Uint8Array {
  const data = new Uint8Array(size);
  for (let k = 0; k < size; k++) data[k] = (seed + k * 7) & 0xff;
  return data;
}

/**
 * Lowercase hex of `data` (what the puppet reports and accepts).
 *
 * @example
 * ```ts
 * import { toHex } from "./payloads.ts";
 * console.log(toHex(new Uint8Array([0, 171, 255]))); // "00abff"
 * ```
 */
export function toHex(data: Uint8Array): string {
  let out = "";
  for (const byte of data) out += byte.toString(16).padStart(2, "0");
  return out;
}

/**
 * Bytes from hex text, or `undefined` for odd lengths or non-hex characters.
 *
 * @example
 * ```ts
 * import { fromHex } from "./payloads.ts";
 * console.log(fromHex("00abFF")); // Uint8Array(3) [ 0, 171, 255 ]
 * console.log(fromHex("abc")); // undefined
 * ```
 */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Lowercase hex SHA-256 of `data`, comparable with a packet event's `sha256`.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./payloads.ts";
 * console.log((await sha256Hex(new Uint8Array())).slice(0, 8)); // "e3b0c442"
 * ```
 */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const copy = new Uint8Array(data);
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", copy)));
}
