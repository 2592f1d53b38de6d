/**
 * Godot 3.2's framing on top of ENet (NetworkedMultiplayerENet): every data packet starts with
 * an 8-byte little-endian header (source id u32, target i32); channel 0 carries the server's
 * 8-byte peer announcements (type u32, id u32); the three transfer modes map to ENet's packet
 * flags. Pure helpers, no state.
 *
 * @module
 */
import { TransferMode } from "../constants.ts";

/** Bytes of the source/target header of every Godot data packet. */
export const GODOT_HEADER_BYTES = 8;
/** ENet channel of the server's peer announcements (Godot's SYSCH_CONFIG). */
export const GODOT_CONFIG_CHANNEL = 0;
/** Fewest ENet channels a Godot peer uses: config, reliable, unreliable. */
export const GODOT_MIN_CHANNELS = 3;
/** Announcement types on the config channel. */
export const GodotSysMsg = { ADD_PEER: 0, REMOVE_PEER: 1 } as const;

/** ENet packet flags (as the ENet layer takes them). */
const RELIABLE = 1, UNSEQUENCED = 2;

/**
 * The ENet packet flags Godot uses for a transfer mode (UNRELIABLE: unsequenced).
 *
 * @example
 * ```ts
 * import { enetFlagsFor } from "./enet_framing.ts";
 * console.log(enetFlagsFor(2), enetFlagsFor(0), enetFlagsFor(1)); // 1 2 0
 * ```
 */
export function enetFlagsFor(mode: TransferMode): number {
  return mode === TransferMode.RELIABLE
    ? RELIABLE
    : mode === TransferMode.UNRELIABLE
    ? UNSEQUENCED
    : 0;
}

/**
 * The transfer mode a received packet's ENet flags stand for (reliable, unsequenced, else
 * sequenced: UNRELIABLE_ORDERED; unreliable fragments are sequenced).
 *
 * @example
 * ```ts
 * import { modeOfEnetFlags } from "./enet_framing.ts";
 * console.log(modeOfEnetFlags(1), modeOfEnetFlags(2), modeOfEnetFlags(0)); // 2 0 1
 * ```
 */
export function modeOfEnetFlags(flags: number): TransferMode {
  if ((flags & RELIABLE) !== 0) return TransferMode.RELIABLE;
  return (flags & UNSEQUENCED) !== 0 ? TransferMode.UNRELIABLE : TransferMode.UNRELIABLE_ORDERED;
}

/**
 * A data packet: the header (`source`, `target`) then `payload`. When `payload` is a view just
 * after the same header in its buffer (a packet being relayed unchanged), that buffer is reused:
 * relayed bytes are never copied or re-encoded. Otherwise the packet goes in `alloc(length)`
 * (default: a new buffer; a shared chunk's view is cheaper for small packets).
 *
 * @example
 * ```ts
 * import { framePacket, readSource, readTarget } from "./enet_framing.ts";
 * const p = framePacket(1575266357, -5, new Uint8Array([7]));
 * console.log(p.length, readSource(p), readTarget(p)); // 9 1575266357 -5
 * ```
 */
export function framePacket(
  source: number,
  target: number,
  payload: Uint8Array,
  alloc: (length: number) => Uint8Array = newBuffer,
): Uint8Array {
  const o = payload.byteOffset;
  if (o >= GODOT_HEADER_BYTES) {
    const framed = new Uint8Array(payload.buffer, o - GODOT_HEADER_BYTES, payload.length + 8);
    if (readSource(framed) === source >>> 0 && readTarget(framed) === (target | 0)) return framed;
  }
  const out = alloc(GODOT_HEADER_BYTES + payload.length);
  writeHeader(out, source, target);
  out.set(payload, GODOT_HEADER_BYTES);
  return out;
}

function newBuffer(length: number): Uint8Array {
  return new Uint8Array(length);
}

/**
 * Writes the 8-byte header at the start of `packet`.
 *
 * @example
 * ```ts
 * import { writeHeader } from "./enet_framing.ts";
 * const b = new Uint8Array(8);
 * writeHeader(b, 1, 0);
 * console.log([...b]); // [ 1, 0, 0, 0, 0, 0, 0, 0 ]
 * ```
 */
export function writeHeader(packet: Uint8Array, source: number, target: number): void {
  const s = source >>> 0, t = target | 0;
  packet[0] = s & 0xff;
  packet[1] = (s >>> 8) & 0xff;
  packet[2] = (s >>> 16) & 0xff;
  packet[3] = s >>> 24;
  packet[4] = t & 0xff;
  packet[5] = (t >>> 8) & 0xff;
  packet[6] = (t >>> 16) & 0xff;
  packet[7] = (t >>> 24) & 0xff;
}

/**
 * The source id (u32 LE) of a data packet of at least 8 bytes.
 *
 * @example
 * ```ts
 * import { readSource } from "./enet_framing.ts";
 * console.log(readSource(new Uint8Array([0x35, 0xa8, 0xe4, 0x5d, 0, 0, 0, 0]))); // 1575266357
 * ```
 */
export function readSource(p: Uint8Array): number {
  return (p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) >>> 0;
}

/**
 * The target (i32 LE) of a data packet of at least 8 bytes.
 *
 * @example
 * ```ts
 * import { readTarget } from "./enet_framing.ts";
 * console.log(readTarget(new Uint8Array([0, 0, 0, 0, 0xfb, 0xff, 0xff, 0xff]))); // -5
 * ```
 */
export function readTarget(p: Uint8Array): number {
  return p[4] | (p[5] << 8) | (p[6] << 16) | (p[7] << 24);
}

/**
 * A config-channel announcement: `[type u32 LE, id u32 LE]`.
 *
 * @example
 * ```ts
 * import { encodeSysMsg, GodotSysMsg } from "./enet_framing.ts";
 * console.log([...encodeSysMsg(GodotSysMsg.REMOVE_PEER, 2)]); // [ 1, 0, 0, 0, 2, 0, 0, 0 ]
 * ```
 */
export function encodeSysMsg(type: number, id: number): Uint8Array {
  const b = new Uint8Array(8);
  writeHeader(b, type, id);
  return b;
}
