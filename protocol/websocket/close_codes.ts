/**
 * WebSocket close status codes (RFC 6455 §7.4) and which of them may travel in a close frame.
 *
 * @module
 */

/**
 * Close codes this module sends or reports. `NO_STATUS` (1005) and `ABNORMAL` (1006) are never
 * sent: they are reported locally when a close frame had no code, or when no close frame came.
 *
 * @example
 * ```ts
 * import { WebSocketCloseCode } from "./close_codes.ts";
 * console.log(WebSocketCloseCode.MESSAGE_TOO_BIG); // 1009
 * ```
 */
export const WebSocketCloseCode = {
  /** The purpose of the connection was fulfilled. */
  NORMAL: 1000,
  /** The endpoint goes away (server shutdown, page navigation). */
  GOING_AWAY: 1001,
  /** The peer broke the framing rules. */
  PROTOCOL_ERROR: 1002,
  /** A message of a type the endpoint cannot take. */
  UNSUPPORTED_DATA: 1003,
  /** Reported only: the close frame carried no status code. */
  NO_STATUS: 1005,
  /** Reported only: the connection ended without a close frame. */
  ABNORMAL: 1006,
  /** A text message (or close reason) that is not UTF-8. */
  INVALID_PAYLOAD: 1007,
  /** A message that violates the endpoint's policy (e.g. idle too long). */
  POLICY_VIOLATION: 1008,
  /** A message bigger than the endpoint accepts. */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected condition inside the server. */
  INTERNAL_ERROR: 1011,
  /** The server restarts. */
  SERVICE_RESTART: 1012,
  /** Overloaded; try again later. */
  TRY_AGAIN_LATER: 1013,
} as const;

/**
 * True when `code` may appear in a close frame on the wire: 1000-1003, 1007-1014 and the
 * registered/private range 3000-4999. Everything else (including 1005, 1006, 1015) is invalid.
 *
 * @example
 * ```ts
 * import { isValidWireCloseCode } from "./close_codes.ts";
 * console.log(isValidWireCloseCode(1000), isValidWireCloseCode(1005), isValidWireCloseCode(4000));
 * // true false true
 * ```
 */
export function isValidWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}
