/**
 * WebSocket frame writing (RFC 6455 §5.2). Server frames go out unmasked; a masking key can be
 * given to produce client frames (tests, or a future client). Headers are written straight into
 * the caller's buffer so a send queue can coalesce frames without intermediate copies.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { isValidWireCloseCode } from "./close_codes.ts";

/**
 * Frame opcodes.
 *
 * @example
 * ```ts
 * import { Opcode } from "./frame_encoder.ts";
 * console.log(Opcode.BINARY, Opcode.CLOSE); // 2 8
 * ```
 */
export const Opcode = {
  /** A later fragment of a message. */
  CONTINUATION: 0x0,
  /** First (or only) frame of a UTF-8 text message. */
  TEXT: 0x1,
  /** First (or only) frame of a binary message. */
  BINARY: 0x2,
  /** Close handshake. */
  CLOSE: 0x8,
  /** Liveness probe; answered with a pong carrying the same payload. */
  PING: 0x9,
  /** Answer to a ping (or an unsolicited heartbeat). */
  PONG: 0xa,
} as const;
/** One of {@link Opcode}'s values. */
export type Opcode = typeof Opcode[keyof typeof Opcode];

/** Largest payload of a control frame (close, ping, pong). */
export const MAX_CONTROL_PAYLOAD = 125;
/** Longest close reason in UTF-8 bytes (the code takes 2 of the 125). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Header size of a frame with `payloadLength` bytes: 2, 4 or 10, plus 4 when masked.
 *
 * @example
 * ```ts
 * import { frameHeaderSize } from "./frame_encoder.ts";
 * console.log(frameHeaderSize(125), frameHeaderSize(126), frameHeaderSize(65536)); // 2 4 10
 * ```
 */
export function frameHeaderSize(payloadLength: number, masked = false): number {
  const base = payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
  return masked ? base + 4 : base;
}

/**
 * Writes a frame header at `out[offset]` and returns its size. Uses the shortest length form, as
 * the RFC requires. `mask` (4 bytes) sets the mask bit and appends the key; the caller then
 * masks the payload itself (see {@link encodeFrame}). Throws MultiplayerError INVALID_ARGUMENT
 * for a length that is negative, not an integer or above 2^53 - 1, and RangeError when `out` is
 * too small.
 *
 * @example
 * ```ts
 * import { Opcode, writeFrameHeader } from "./frame_encoder.ts";
 * const out = new Uint8Array(10);
 * console.log(writeFrameHeader(out, 0, Opcode.BINARY, 300), out.subarray(0, 4));
 * // 4 Uint8Array(4) [ 130, 126, 1, 44 ]
 * ```
 */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  opcode: Opcode,
  payloadLength: number,
  fin = true,
  mask?: Uint8Array,
): number {
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new MultiplayerError("INVALID_ARGUMENT", `bad frame length ${payloadLength}`);
  }
  const size = frameHeaderSize(payloadLength, mask !== undefined);
  if (offset < 0 || offset + size > out.length) throw new RangeError("frame header does not fit");
  out[offset] = (fin ? 0x80 : 0) | opcode;
  const maskBit = mask !== undefined ? 0x80 : 0;
  let at = offset + 2;
  if (payloadLength < 126) {
    out[offset + 1] = maskBit | payloadLength;
  } else if (payloadLength < 65536) {
    out[offset + 1] = maskBit | 126;
    out[at++] = payloadLength >>> 8;
    out[at++] = payloadLength & 0xff;
  } else {
    out[offset + 1] = maskBit | 127;
    const high = Math.floor(payloadLength / 0x100000000), low = payloadLength >>> 0;
    out[at++] = high >>> 24;
    out[at++] = (high >>> 16) & 0xff;
    out[at++] = (high >>> 8) & 0xff;
    out[at++] = high & 0xff;
    out[at++] = low >>> 24;
    out[at++] = (low >>> 16) & 0xff;
    out[at++] = (low >>> 8) & 0xff;
    out[at++] = low & 0xff;
  }
  if (mask !== undefined) {
    if (mask.length !== 4) throw new MultiplayerError("INVALID_ARGUMENT", "mask must be 4 bytes");
    out.set(mask, at);
  }
  return size;
}

/** Options of {@link encodeFrame}. */
export interface EncodeFrameOptions {
  /** Final fragment of its message (default true). */
  readonly fin?: boolean;
  /** 4-byte masking key: produces a client-to-server frame. */
  readonly mask?: Uint8Array;
  /** Raw first-byte RSV bits (0x70 mask), only to build invalid frames in tests. */
  readonly rsv?: number;
}

/**
 * A whole frame in a new buffer. Control opcodes are limited to 125 payload bytes and must be
 * final (else MultiplayerError INVALID_ARGUMENT).
 *
 * @example
 * ```ts
 * import { encodeFrame, Opcode } from "./frame_encoder.ts";
 * const frame = encodeFrame(Opcode.TEXT, new TextEncoder().encode("Hello"));
 * console.log(frame); // Uint8Array(7) [ 129, 5, 72, 101, 108, 108, 111 ]
 * ```
 */
export function encodeFrame(
  opcode: Opcode,
  payload: Uint8Array,
  options: EncodeFrameOptions = {},
): Uint8Array {
  const fin = options.fin ?? true;
  if (opcode >= 0x8 && (payload.length > MAX_CONTROL_PAYLOAD || !fin)) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "control frames carry at most 125 bytes and cannot be fragmented",
    );
  }
  const mask = options.mask;
  const out = new Uint8Array(frameHeaderSize(payload.length, mask !== undefined) + payload.length);
  const at = writeFrameHeader(out, 0, opcode, payload.length, fin, mask);
  out[0] |= (options.rsv ?? 0) & 0x70;
  out.set(payload, at);
  if (mask !== undefined) {
    for (let i = 0; i < payload.length; i++) out[at + i] ^= mask[i & 3];
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * Payload of a close frame: the code (big-endian) then the UTF-8 reason. `code` must be valid on
 * the wire (see `isValidWireCloseCode`) and the reason at most 123 bytes, else MultiplayerError
 * INVALID_ARGUMENT. `code` undefined gives the empty payload ("no status").
 *
 * @example
 * ```ts
 * import { closePayload } from "./frame_encoder.ts";
 * console.log(closePayload(1000, "bye")); // Uint8Array(5) [ 3, 232, 98, 121, 101 ]
 * ```
 */
export function closePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") throw new MultiplayerError("INVALID_ARGUMENT", "a reason needs a code");
    return new Uint8Array(0);
  }
  if (!isValidWireCloseCode(code)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `close code ${code} cannot be sent`);
  }
  const text = encoder.encode(reason);
  if (text.length > MAX_CLOSE_REASON_BYTES) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `close reason is ${text.length} bytes, at most ${MAX_CLOSE_REASON_BYTES}`,
    );
  }
  const out = new Uint8Array(2 + text.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}
