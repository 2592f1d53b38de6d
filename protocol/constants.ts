/** Protocol-wide constants and the spec's enumerations. @module */

/**
 * How a packet is delivered (Godot's `TransferMode`).
 *
 * @example
 * ```ts
 * import { TransferMode } from "./constants.ts";
 * console.log(TransferMode.RELIABLE); // 2
 * ```
 */
export const TransferMode = {
  /** May be dropped, never duplicated, any order. */
  UNRELIABLE: 0,
  /** May be dropped; never delivered after a newer packet of the same channel. */
  UNRELIABLE_ORDERED: 1,
  /** Delivered exactly once, in order per channel. */
  RELIABLE: 2,
} as const;
/** One of {@link TransferMode}'s values. */
export type TransferMode = typeof TransferMode[keyof typeof TransferMode];

/**
 * State of a peer's connection (Godot's `ConnectionStatus`).
 *
 * @example
 * ```ts
 * import { ConnectionStatus } from "./constants.ts";
 * console.log(ConnectionStatus.CONNECTED); // 2
 * ```
 */
export const ConnectionStatus = {
  /** Not connected (never connected, closed, failed, or lost). */
  DISCONNECTED: 0,
  /** A connection attempt is ongoing. */
  CONNECTING: 1,
  /** Connected (clients) or listening (servers). */
  CONNECTED: 2,
} as const;
/** One of {@link ConnectionStatus}'s values. */
export type ConnectionStatus = typeof ConnectionStatus[keyof typeof ConnectionStatus];

/**
 * Target id meaning "every connected peer".
 *
 * @example
 * ```ts
 * import { TARGET_PEER_BROADCAST } from "./constants.ts";
 * console.log(TARGET_PEER_BROADCAST); // 0
 * ```
 */
export const TARGET_PEER_BROADCAST = 0;
/**
 * Target id meaning "the server"; also the server's own unique id.
 *
 * @example
 * ```ts
 * import { TARGET_PEER_SERVER } from "./constants.ts";
 * console.log(TARGET_PEER_SERVER); // 1
 * ```
 */
export const TARGET_PEER_SERVER = 1;

/**
 * Wire protocol version; a mismatch is rejected explicitly during the handshake.
 *
 * @example
 * ```ts
 * import { PROTOCOL_VERSION } from "./constants.ts";
 * console.log(PROTOCOL_VERSION); // 2
 * ```
 */
export const PROTOCOL_VERSION = 2;
/**
 * Largest valid peer id (ids are in [2, MAX_PEER_ID] for clients).
 *
 * @example
 * ```ts
 * import { MAX_PEER_ID } from "./constants.ts";
 * console.log(MAX_PEER_ID); // 2147483647
 * ```
 */
export const MAX_PEER_ID = 0x7fffffff;

/**
 * Defaults shared by every carrier.
 *
 * @example
 * ```ts
 * import { DEFAULTS } from "./constants.ts";
 * console.log(DEFAULTS.datagramSize); // 1200
 * ```
 */
export const DEFAULTS = {
  datagramSize: 1200,
  encodeBufferMaxSize: 8 * 1024 * 1024,
  /** Ceiling of `encodeBufferMaxSize` (what 65 535 fragments of a 1200-byte datagram carry). */
  maxEncodeBufferSize: 64 * 1024 * 1024,
  channelCount: 3,
  maxClients: 32,
  timeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  pollTimeoutMs: 1_000,
} as const;
