/**
 * Hostile ENet datagrams for the Godot ENet tests: spoofed CONNECTs, and malformed copies of a
 * real client's datagrams that a server must drop whole (bad command numbers, truncations,
 * impossible lengths, wrong session or peer index, a false compression flag). Seeded, so a
 * failure replays.
 *
 * @module
 */
import { craft } from "../../protocol/enet/_craft.ts";
import type { SeededRandom } from "../../protocol/random.ts";

/**
 * A CONNECT as a Godot client sends it, with its own connect id and Godot id.
 *
 * @example
 * ```ts
 * import { spoofedConnect } from "./_hostile.ts";
 * console.log(spoofedConnect(1).length); // 52: header + CONNECT
 * ```
 */
export function spoofedConnect(n: number, channels = 3): Uint8Array {
  return craft(0xfff, 0, n & 0xffff, [{
    command: 2,
    flags: 0x80,
    channelId: 0xff,
    reliableSeq: 1,
    outgoingPeerId: n & 0xfff,
    incomingSessionId: 0xff,
    outgoingSessionId: 0xff,
    mtu: 1400,
    windowSize: 65536,
    channelCount: channels,
    throttleInterval: 5000,
    throttleAcceleration: 2,
    throttleDeceleration: 2,
    connectId: Math.imul(n + 1, 2654435761) >>> 0,
    data: 2 + (Math.imul(n + 7, 40503) >>> 1) % 0x7ffffff0,
  }]);
}

/** Bytes of the ENet header of an uncompressed datagram (with the sent time, when present). */
function headerSize(d: Uint8Array): number {
  return (d[0] & 0x80) !== 0 ? 4 : 2;
}

/**
 * A malformed variant of a real datagram `d` (from the client's own address) that an ENet
 * receiver drops without acting on any command of it.
 *
 * @example
 * ```ts
 * import { brokenCopy, spoofedConnect } from "./_hostile.ts";
 * import { SeededRandom } from "../../protocol/random.ts";
 * console.log(brokenCopy(spoofedConnect(1), new SeededRandom(1)).length <= 52);
 * ```
 */
export function brokenCopy(d: Uint8Array, rnd: SeededRandom): Uint8Array {
  const h = headerSize(d);
  const out = d.slice();
  switch (Math.floor(rnd.next() * 7)) {
    case 0: // no such command (0, 13, 14, 15), flags kept
      if (out.length > h) out[h] = (out[h] & 0xf0) | [0, 13, 14, 15][Math.floor(rnd.next() * 4)];
      return out;
    case 1: // cut inside the first command
      return out.subarray(0, Math.min(out.length - 1, h + 1 + Math.floor(rnd.next() * 3)));
    case 2: // wrong session bits
      out[0] ^= 0x10 << Math.floor(rnd.next() * 2);
      return out;
    case 3: // another peer index (nobody's, or another peer's)
      out[0] = (out[0] & 0xf0) | 0x0f;
      out[1] = 0xf0 | Math.floor(rnd.next() * 14);
      return out;
    case 4: // compressed flag on a host without a compressor
      out[0] |= 0x40;
      return out;
    case 5: { // a data length running past the end (first command with a payload)
      if (out.length >= h + 8 && (out[h] & 0x0f) >= 6) {
        out[h + 4] = 0xff;
        out[h + 5] = 0xff;
        out[h + 6] = 0xff;
        out[h + 7] = 0xff;
      } else out[h] = (out[h] & 0xf0) | 15;
      return out;
    }
    default: // only the header, or less
      return out.subarray(0, Math.floor(rnd.next() * (h + 1)));
  }
}

/**
 * Random bytes, 0..1500 long, with a header that names no live peer index (>= 0xF00).
 *
 * @example
 * ```ts
 * import { randomDatagram } from "./_hostile.ts";
 * import { SeededRandom } from "../../protocol/random.ts";
 * console.log(randomDatagram(new SeededRandom(2), false).length < 1500);
 * ```
 */
export function randomDatagram(rnd: SeededRandom, anyHeader: boolean): Uint8Array {
  const out = new Uint8Array(Math.floor(rnd.next() * 1500));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd.next() * 256);
  if (!anyHeader && out.length >= 2) out[0] = (out[0] & 0xf0) | 0x0f;
  return out;
}
