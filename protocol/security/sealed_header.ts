/**
 * Wire layout of a sealed datagram (type 7): `94 cd d7 VV 07 ce <session u32> cf <packetNumber
 * u64>` (19 bytes, authenticated as AAD), then the ChaCha20-Poly1305 ciphertext and tag. Kept
 * apart from the secure layer so the byte layout lives in one place.
 *
 * @module
 */
import { peekPacketType, peekSessionId } from "../wire/frame.ts";
import { decodeHandshake, MAGIC, PacketType } from "../wire/handshake.ts";
import { AEAD_TAG_BYTES } from "./key_schedule.ts";

/**
 * Packet type of a sealed DATA datagram.
 *
 * @example
 * ```ts
 * import { PACKET_TYPE_SEALED } from "./sealed_header.ts";
 * console.log(PACKET_TYPE_SEALED); // 7
 * ```
 */
export const PACKET_TYPE_SEALED = 7;

/**
 * Clear header of a sealed datagram.
 *
 * @example
 * ```ts
 * import { SEALED_HEADER_BYTES } from "./sealed_header.ts";
 * console.log(SEALED_HEADER_BYTES); // 19
 * ```
 */
export const SEALED_HEADER_BYTES = 19;

/**
 * Bytes a sealed datagram adds to the DATA datagram it carries (header + AEAD tag).
 *
 * @example
 * ```ts
 * import { SEALED_OVERHEAD } from "./sealed_header.ts";
 * const budget = 1200 - SEALED_OVERHEAD; // room left for the DATA datagram
 * ```
 */
export const SEALED_OVERHEAD: number = SEALED_HEADER_BYTES + AEAD_TAG_BYTES;

/**
 * Session id of a clear DATA or DISCONNECT datagram, -1 for anything else.
 *
 * @example
 * ```ts
 * import { sessionOf } from "./sealed_header.ts";
 * console.log(sessionOf(new Uint8Array([1, 2, 3]))); // -1
 * ```
 */
export function sessionOf(bytes: Uint8Array): number {
  const type = peekPacketType(bytes);
  if (type === 0) return peekSessionId(bytes);
  if (type !== PacketType.DISCONNECT) return -1;
  return decodeHandshake(bytes)?.sessionId ?? -1;
}

/**
 * A fresh clear header for `session` and packet number `pn` (used as AAD, then sent).
 *
 * @example
 * ```ts
 * import { readPacketNumber, readSealedSession, sealedHeader } from "./sealed_header.ts";
 * const h = sealedHeader(42, 7);
 * console.log(readSealedSession(h), readPacketNumber(h)); // 42 7
 * ```
 */
export function sealedHeader(session: number, pn: number): Uint8Array {
  return writeSealedHeader(new Uint8Array(SEALED_HEADER_BYTES), session, pn);
}

/**
 * Writes the clear header for `session` and packet number `pn` into `out[0..19)` (no
 * allocation) and returns `out`.
 *
 * @example
 * ```ts
 * import { readPacketNumber, writeSealedHeader } from "./sealed_header.ts";
 * const datagram = writeSealedHeader(new Uint8Array(64), 42, 7);
 * console.log(readPacketNumber(datagram)); // 7
 * ```
 */
export function writeSealedHeader(out: Uint8Array, session: number, pn: number): Uint8Array {
  const hi = Math.floor(pn / 4294967296), lo = pn >>> 0;
  out[0] = 0x94;
  out[1] = 0xcd;
  out[2] = MAGIC >>> 8;
  out[3] = MAGIC;
  out[4] = PACKET_TYPE_SEALED;
  out[5] = 0xce;
  out[6] = session >>> 24, out[7] = session >>> 16, out[8] = session >>> 8, out[9] = session;
  out[10] = 0xcf;
  out[11] = hi >>> 24, out[12] = hi >>> 16, out[13] = hi >>> 8, out[14] = hi;
  out[15] = lo >>> 24, out[16] = lo >>> 16, out[17] = lo >>> 8, out[18] = lo;
  return out;
}

/**
 * Session id of a sealed datagram; -1 unless the fixed header layout is intact (untrusted input).
 *
 * @example
 * ```ts
 * import { readSealedSession } from "./sealed_header.ts";
 * console.log(readSealedSession(new Uint8Array(19))); // -1
 * ```
 */
export function readSealedSession(b: Uint8Array): number {
  if (
    b.length < SEALED_HEADER_BYTES || b[0] !== 0x94 || b[1] !== 0xcd || b[5] !== 0xce ||
    b[10] !== 0xcf
  ) return -1;
  return ((b[6] << 24) >>> 0) + (b[7] << 16) + (b[8] << 8) + b[9];
}

/**
 * Packet number of a header already checked by {@link readSealedSession}; -1 above 2^53.
 *
 * @example
 * ```ts
 * import { readPacketNumber, sealedHeader } from "./sealed_header.ts";
 * console.log(readPacketNumber(sealedHeader(1, 2 ** 40))); // 1099511627776
 * ```
 */
export function readPacketNumber(b: Uint8Array): number {
  const hi = ((b[11] << 24) >>> 0) + (b[12] << 16) + (b[13] << 8) + b[14];
  const lo = ((b[15] << 24) >>> 0) + (b[16] << 16) + (b[17] << 8) + b[18];
  return hi > 0x1fffff ? -1 : hi * 4294967296 + lo;
}
