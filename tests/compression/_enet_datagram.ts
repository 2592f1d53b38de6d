/** Minimal ENet 1.3 datagram reading for the compression wire tests (test helper). @module */

/** Header flag: the body after the header is compressed. */
export const FLAG_COMPRESSED = 0x4000;
/** Header flag: a 16-bit sent time follows the peer id word. */
export const FLAG_SENT_TIME = 0x8000;

/** Size of every ENet command by number, including its 4-byte header (0 = invalid). */
const COMMAND_SIZES = [0, 8, 48, 44, 8, 4, 6, 8, 24, 8, 12, 16, 24];
/** Offset of the u16 data length inside data-carrying commands. */
const DATA_LENGTH_OFFSET: Record<number, number> = { 6: 4, 7: 6, 8: 6, 9: 6, 12: 6 };

/** Bytes of the datagram header (Godot installs no checksum). */
export function headerSize(datagram: Uint8Array): number {
  return (((datagram[0] << 8) | datagram[1]) & FLAG_SENT_TIME) !== 0 ? 4 : 2;
}

/** True when the header's COMPRESSED flag is set. */
export function isCompressed(datagram: Uint8Array): boolean {
  return (((datagram[0] << 8) | datagram[1]) & FLAG_COMPRESSED) !== 0;
}

/**
 * Walks the commands of a body the way ENet does and returns how many bytes they cover, or
 * undefined when a command is cut or unknown. A zero command byte ends the walk (ENet stops
 * there), which is how FastLZ's zero padding of short bodies is tolerated; it must be followed
 * by zeros only.
 */
export function commandBytes(body: Uint8Array): number | undefined {
  let at = 0;
  while (at < body.length) {
    const number = body[at] & 0x0f;
    if (number === 0) return body.subarray(at).every((b) => b === 0) ? at : undefined;
    const size = COMMAND_SIZES[number];
    if (!size || at + size > body.length) return undefined;
    const lengthAt = DATA_LENGTH_OFFSET[number];
    const data = lengthAt === undefined ? 0 : (body[at + lengthAt] << 8) | body[at + lengthAt + 1];
    if (at + size + data > body.length) return undefined;
    at += size + data;
  }
  return at;
}
