/**
 * Counters of a WebSocket listener: what it holds, what it refused and why, what it closed
 * and why, and the bytes it moved.
 *
 * @module
 */

/** Why a socket was refused before or during the opening handshake. */
export interface RefusalCounts {
  /** `maxSockets` reached (HTTP 503). */
  full: number;
  /** The host already holds `maxSocketsPerAddress` sockets (503). */
  perAddress: number;
  /** The host already has `maxPendingUpgradesPerAddress` handshakes under way (503). */
  pendingPerAddress: number;
  /** The host connects faster than its token bucket allows (503, or closed silently over TLS). */
  rate: number;
  /** The request head did not arrive within `headerTimeoutMs` (408). */
  headerTimeout: number;
  /** A malformed or oversized head, or not a valid upgrade request (400, 426, 431). */
  badRequest: number;
  /** The application's `accept` callback said no (its status). */
  rejected: number;
}

/** Why an upgraded connection was closed by the listener. */
export interface ClosureCounts {
  /** A message (declared length) over `maxMessageBytes` (1009). */
  oversizedMessage: number;
  /** A framing violation (1002). */
  protocolError: number;
  /** A text message or close reason that is not UTF-8 (1007). */
  invalidUtf8: number;
  /** An unclaimed connection was idle for `idleTimeoutMs` (1008). */
  idleTimeout: number;
  /** No answer to a liveness ping within `pingIntervalMs`. */
  pingTimeout: number;
  /** The peer did not finish the close handshake within `closeTimeoutMs`. */
  closeTimeout: number;
}

/** A snapshot of a listener's counters. */
export interface WebSocketListenerStats {
  /** TCP sockets held now, upgraded or still in the handshake. */
  readonly socketsOpen: number;
  /** Sockets still in the opening handshake. */
  readonly pendingUpgrades: number;
  /** Upgraded connections open now. */
  readonly connectionsOpen: number;
  /** Upgrades completed since the start. */
  readonly upgradesAccepted: number;
  /** Sockets refused, by reason. */
  readonly refused: Readonly<RefusalCounts>;
  /** Connections the listener closed, by reason. */
  readonly closed: Readonly<ClosureCounts>;
  /** Application callbacks that threw (caught; the socket goes on or is closed). */
  readonly callbackErrors: number;
  /** Socket tasks that failed unexpectedly (a bug; the socket was closed). */
  readonly internalErrors: number;
  /** Bytes read from all sockets. */
  readonly bytesIn: number;
  /** Bytes written to all sockets. */
  readonly bytesOut: number;
}

/** The mutable counters a listener and its connections update. */
export interface Counters {
  /** See {@link WebSocketListenerStats.upgradesAccepted}. */
  upgradesAccepted: number;
  /** See {@link WebSocketListenerStats.connectionsOpen}. */
  connectionsOpen: number;
  /** See {@link WebSocketListenerStats.refused}. */
  readonly refused: RefusalCounts;
  /** See {@link WebSocketListenerStats.closed}. */
  readonly closed: ClosureCounts;
  /** See {@link WebSocketListenerStats.callbackErrors}. */
  callbackErrors: number;
  /** See {@link WebSocketListenerStats.internalErrors}. */
  internalErrors: number;
  /** See {@link WebSocketListenerStats.bytesIn}. */
  bytesIn: number;
  /** See {@link WebSocketListenerStats.bytesOut}. */
  bytesOut: number;
}

/**
 * Fresh zeroed counters.
 *
 * @example
 * ```ts
 * import { newCounters } from "./_listener_stats.ts";
 * const counters = newCounters();
 * counters.refused.rate++;
 * console.log(counters.refused.rate, counters.bytesIn); // 1 0
 * ```
 */
export function newCounters(): Counters {
  return {
    upgradesAccepted: 0,
    connectionsOpen: 0,
    refused: {
      full: 0,
      perAddress: 0,
      pendingPerAddress: 0,
      rate: 0,
      headerTimeout: 0,
      badRequest: 0,
      rejected: 0,
    },
    closed: {
      oversizedMessage: 0,
      protocolError: 0,
      invalidUtf8: 0,
      idleTimeout: 0,
      pingTimeout: 0,
      closeTimeout: 0,
    },
    callbackErrors: 0,
    internalErrors: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
}
