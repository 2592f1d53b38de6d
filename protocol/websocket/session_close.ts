/**
 * What a WebSocket close code says about a multiplayer session, both ways: the code a server or
 * client closes with for each {@link DisconnectReason}, and the reason and a readable message for
 * a code received. Session reasons travel in the application range: 4000 + the reason's value
 * (4010 = BACKPRESSURE), so a Godot or browser client that only sees the close learns why.
 *
 * @module
 */
import { DisconnectReason } from "../errors.ts";

/** Application close codes start here (RFC 6455: 4000-4999 are private use). */
const SESSION_BASE = 4000;

const MESSAGES: Readonly<Record<number, string>> = {
  [DisconnectReason.CLOSED]: "closed",
  [DisconnectReason.TIMEOUT]: "timed out",
  [DisconnectReason.REFUSED]: "the server refuses new connections",
  [DisconnectReason.SERVER_FULL]: "the server is full",
  [DisconnectReason.VERSION_MISMATCH]: "protocol version mismatch",
  [DisconnectReason.AUTH_REJECTED]: "authentication rejected",
  [DisconnectReason.CONNECT_TIMEOUT]: "the connection attempt timed out",
  [DisconnectReason.PROTOCOL_ERROR]: "protocol violation",
  [DisconnectReason.CRYPTO_ERROR]: "cryptographic failure",
  [DisconnectReason.BACKPRESSURE]: "could not keep up (send buffer limit exceeded)",
};

const STANDARD: Readonly<Record<number, { reason: DisconnectReason; message: string }>> = {
  1000: { reason: DisconnectReason.CLOSED, message: "closed" },
  1001: { reason: DisconnectReason.CLOSED, message: "the other end is going away" },
  1002: { reason: DisconnectReason.PROTOCOL_ERROR, message: "WebSocket protocol error" },
  1003: { reason: DisconnectReason.PROTOCOL_ERROR, message: "unsupported data" },
  1005: { reason: DisconnectReason.CLOSED, message: "closed without a status" },
  1006: { reason: DisconnectReason.CLOSED, message: "connection lost (no close handshake)" },
  1007: { reason: DisconnectReason.PROTOCOL_ERROR, message: "invalid UTF-8 in a text message" },
  1008: { reason: DisconnectReason.PROTOCOL_ERROR, message: "policy violation" },
  1009: { reason: DisconnectReason.PROTOCOL_ERROR, message: "message too big" },
  1011: { reason: DisconnectReason.PROTOCOL_ERROR, message: "the other end hit an internal error" },
};

/**
 * The close code that tells the other end `reason` (CLOSED: 1000; others 4000 + reason).
 *
 * @example
 * ```ts
 * import { sessionCloseCode } from "./session_close.ts";
 * console.log(sessionCloseCode(4)); // 4004: SERVER_FULL
 * ```
 */
export function sessionCloseCode(reason: DisconnectReason): number {
  return reason === DisconnectReason.CLOSED || reason === DisconnectReason.NONE
    ? 1000
    : SESSION_BASE + reason;
}

/**
 * The session reason and a readable message for a close code received (unknown codes: CLOSED
 * with the code in the message).
 *
 * @example
 * ```ts
 * import { sessionReasonOf } from "./session_close.ts";
 * console.log(sessionReasonOf(4004)); // { reason: 4, message: "the server is full" }
 * ```
 */
export function sessionReasonOf(code: number): { reason: DisconnectReason; message: string } {
  const session = code - SESSION_BASE;
  if (session > 1 && session <= DisconnectReason.BACKPRESSURE) {
    return { reason: session as DisconnectReason, message: MESSAGES[session] };
  }
  return STANDARD[code] ?? { reason: DisconnectReason.CLOSED, message: `closed (code ${code})` };
}

/**
 * A short readable text for `reason` (the close frame's reason text).
 *
 * @example
 * ```ts
 * import { describeDisconnect } from "./session_close.ts";
 * console.log(describeDisconnect(2)); // timed out
 * ```
 */
export function describeDisconnect(reason: DisconnectReason): string {
  return MESSAGES[reason] ?? "closed";
}
