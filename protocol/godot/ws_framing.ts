/**
 * Godot 3.2's WebSocketMultiplayerPeer framing: every WebSocket message starts with a 9-byte
 * little-endian header (type u8, from i32, to i32). Type 0 carries data; 1 (a peer joined),
 * 2 (a peer left) and 3 (your id) are the server's announcements, sent from 1 to 0 with the id
 * as a 4-byte payload. Pure helpers, no state.
 *
 * @module
 */

/** Bytes of the header of every Godot WebSocket message. */
export const GODOT_WS_HEADER_BYTES = 9;

/** Message types of Godot's WebSocket multiplayer framing. */
export const GodotWsType = {
  /** Application data. */
  DATA: 0,
  /** Server: a peer joined (payload: its id). */
  ADD: 1,
  /** Server: a peer left (payload: its id). */
  DEL: 2,
  /** Server: the receiver's own id. */
  ID: 3,
} as const;

/**
 * Largest payload one Godot WebSocket message should carry. Godot's receive buffers hold 64 KiB,
 * but a real Godot 3.2.3 client silently drops a message of exactly 65 536 bytes (header
 * included), so the largest that arrives is 65 535 bytes: 65 526 of payload.
 */
export const GODOT_WS_MAX_PAYLOAD = 65_535 - GODOT_WS_HEADER_BYTES;

/** A decoded header (the payload follows it in the message). */
export interface GodotWsHeader {
  /** Message type (see {@link GodotWsType}); other values are invalid. */
  readonly type: number;
  /** Sender id as written. */
  readonly from: number;
  /** Target as written (0 all, id, -id all but id). */
  readonly to: number;
}

/**
 * Reads the header of `message`, or undefined when it is shorter than a header.
 *
 * @example
 * ```ts
 * import { frameGodotWs, readGodotWsHeader } from "./ws_framing.ts";
 * const m = frameGodotWs(0, 1234, -5, new Uint8Array([7]));
 * console.log(readGodotWsHeader(m)); // { type: 0, from: 1234, to: -5 }
 * ```
 */
export function readGodotWsHeader(message: Uint8Array): GodotWsHeader | undefined {
  if (message.length < GODOT_WS_HEADER_BYTES) return undefined;
  return { type: message[0], from: readI32(message, 1), to: readI32(message, 5) };
}

/**
 * The sender id written in a message's header (`message` must hold a whole header).
 *
 * @example
 * ```ts
 * import { frameGodotWs, godotWsFrom } from "./ws_framing.ts";
 * console.log(godotWsFrom(frameGodotWs(0, 42, 1, new Uint8Array(0)))); // 42
 * ```
 */
export function godotWsFrom(message: Uint8Array): number {
  return readI32(message, 1);
}

/**
 * The target written in a message's header (`message` must hold a whole header).
 *
 * @example
 * ```ts
 * import { frameGodotWs, godotWsTo } from "./ws_framing.ts";
 * console.log(godotWsTo(frameGodotWs(0, 42, -7, new Uint8Array(0)))); // -7
 * ```
 */
export function godotWsTo(message: Uint8Array): number {
  return readI32(message, 5);
}

/**
 * A message: the header then `payload`. When `payload` is a view right after the same header in
 * its buffer (a message being relayed unchanged), that header is reused and nothing is copied.
 *
 * @example
 * ```ts
 * import { frameGodotWs } from "./ws_framing.ts";
 * console.log(frameGodotWs(0, 1, 0, new Uint8Array([9])).length); // 10
 * ```
 */
export function frameGodotWs(
  type: number,
  from: number,
  to: number,
  payload: Uint8Array,
): Uint8Array {
  const o = payload.byteOffset;
  if (o >= GODOT_WS_HEADER_BYTES) {
    const framed = new Uint8Array(
      payload.buffer,
      o - GODOT_WS_HEADER_BYTES,
      payload.length + GODOT_WS_HEADER_BYTES,
    );
    if (
      framed[0] === type && readI32(framed, 1) === (from | 0) && readI32(framed, 5) === (to | 0)
    ) {
      return framed;
    }
  }
  const out = new Uint8Array(GODOT_WS_HEADER_BYTES + payload.length);
  out[0] = type;
  writeI32(out, 1, from);
  writeI32(out, 5, to);
  out.set(payload, GODOT_WS_HEADER_BYTES);
  return out;
}

/**
 * A server announcement: `type` ADD, DEL or ID about peer `id` (from 1, to 0).
 *
 * @example
 * ```ts
 * import { encodeGodotWsSystem, GodotWsType } from "./ws_framing.ts";
 * console.log(encodeGodotWsSystem(GodotWsType.ID, 77).length); // 13
 * ```
 */
export function encodeGodotWsSystem(type: number, id: number): Uint8Array {
  const out = new Uint8Array(GODOT_WS_HEADER_BYTES + 4);
  out[0] = type;
  writeI32(out, 1, 1);
  writeI32(out, 5, 0);
  writeI32(out, GODOT_WS_HEADER_BYTES, id);
  return out;
}

/**
 * The id carried by a system message's payload, or undefined when the payload is too short.
 *
 * @example
 * ```ts
 * import { encodeGodotWsSystem, GodotWsType, readGodotWsSystemId } from "./ws_framing.ts";
 * console.log(readGodotWsSystemId(encodeGodotWsSystem(GodotWsType.ADD, 9))); // 9
 * ```
 */
export function readGodotWsSystemId(message: Uint8Array): number | undefined {
  return message.length < GODOT_WS_HEADER_BYTES + 4
    ? undefined
    : readI32(message, GODOT_WS_HEADER_BYTES);
}

function readI32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) | 0;
}

function writeI32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
