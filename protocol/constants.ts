/** Protocol-wide constants and the spec's enumerations. @module */

/** How a packet is delivered (Godot's `TransferMode`). */
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

/** State of a peer's connection (Godot's `ConnectionStatus`). */
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

/** Target id meaning "every connected peer". */
export const TARGET_PEER_BROADCAST = 0;
/** Target id meaning "the server"; also the server's own unique id. */
export const TARGET_PEER_SERVER = 1;

/** Wire protocol version; a mismatch is rejected explicitly during the handshake. */
export const PROTOCOL_VERSION = 1;
/** Largest valid peer id (ids are in [2, MAX_PEER_ID] for clients). */
export const MAX_PEER_ID = 0x7fffffff;

/** Defaults shared by every carrier. */
export const DEFAULTS = {
  datagramSize: 1200,
  encodeBufferMaxSize: 8 * 1024 * 1024,
  channelCount: 3,
  maxClients: 32,
  timeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  pollTimeoutMs: 1_000,
} as const;
