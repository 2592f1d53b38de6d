/** Typed errors thrown on API misuse. @module */

/** Machine-readable error codes. */
export type MultiplayerErrorCode =
  | "ALREADY_ACTIVE"
  | "NOT_ACTIVE"
  | "NOT_CONNECTED"
  | "UNKNOWN_PEER"
  | "INVALID_TARGET"
  | "INVALID_CHANNEL"
  | "INVALID_ARGUMENT"
  | "PACKET_TOO_LARGE"
  | "QUEUE_FULL"
  | "CLOSED"
  | "CRYPTO_ERROR";

/**
 * Base class of every error this module throws on misuse.
 *
 * @example
 * ```ts
 * import { MultiplayerError } from "./errors.ts";
 * try {
 *   throw new MultiplayerError("NOT_CONNECTED", "putPacket() needs a connected peer");
 * } catch (e) {
 *   if (e instanceof MultiplayerError) console.log(e.code);
 * }
 * ```
 */
export class MultiplayerError extends Error {
  /** Stable code to branch on. */
  readonly code: MultiplayerErrorCode;
  /** Creates an error with a code and a descriptive message. */
  constructor(code: MultiplayerErrorCode, message: string) {
    super(message);
    this.name = "MultiplayerError";
    this.code = code;
  }
}

/** Why a connection attempt failed or a peer was dropped (carried on events). */
export const DisconnectReason = {
  NONE: 0,
  /** The other side closed or disconnected us on purpose. */
  CLOSED: 1,
  /** No datagram for longer than the timeout. */
  TIMEOUT: 2,
  /** The server refuses new connections (`refuseNewConnections`). */
  REFUSED: 3,
  /** The server has `maxClients` peers already. */
  SERVER_FULL: 4,
  /** Client and server speak different protocol versions. */
  VERSION_MISMATCH: 5,
  /** The server's authentication hook said no. */
  AUTH_REJECTED: 6,
  /** Nothing answered within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 7,
  /** Protocol violation or a limit was exceeded. */
  PROTOCOL_ERROR: 8,
  /** The server's key did not match the pinned one / crypto failure. */
  CRYPTO_ERROR: 9,
  /** The peer could not keep up (send buffer limit). */
  BACKPRESSURE: 10,
} as const;
/** One of {@link DisconnectReason}'s values. */
export type DisconnectReason = typeof DisconnectReason[keyof typeof DisconnectReason];
