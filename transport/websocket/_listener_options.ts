/**
 * Options of the WebSocket listener, their defaults, and their validation.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import type { WebSocketConnection } from "./_listener_connection.ts";

/** What the `accept` callback sees of a valid upgrade request. */
export interface UpgradeRequestInfo {
  /** Path of the request target, e.g. `"/game"`. */
  readonly path: string;
  /** Query including `?`, or `""`. */
  readonly query: string;
  /** Every header field of the request. */
  readonly headers: Headers;
  /** Subprotocols offered by the client, in its order of preference. */
  readonly protocols: readonly string[];
  /** The `Origin` header (browsers send it), if any. */
  readonly origin: string | undefined;
  /** The TCP peer. */
  readonly remote: { readonly hostname: string; readonly port: number };
}

/**
 * The `accept` callback's answer: accept (optionally choosing one of the offered
 * subprotocols) or refuse with an HTTP status (400-599) and a short reason for the body.
 */
export type AcceptDecision =
  | { readonly accept: true; readonly protocol?: string }
  | { readonly accept: false; readonly status: number; readonly reason: string };

/** A connect-rate token bucket. */
export interface ConnectRate {
  /** Sustained connects per second. */
  readonly perSecond: number;
  /** Burst size. */
  readonly burst: number;
}

/**
 * Options of `WebSocketListener.listen`. Every limit has a safe default; see
 * `protocol/websocket/README.md` for what each one defends against.
 *
 * @example
 * ```ts
 * import type { WebSocketListenerOptions } from "./_listener_options.ts";
 * const options: WebSocketListenerOptions = {
 *   hostname: "::",
 *   port: 8080,
 *   maxSocketsPerAddress: 8,
 *   accept: (request) =>
 *     request.path === "/game"
 *       ? { accept: true, protocol: request.protocols.includes("v2") ? "v2" : undefined }
 *       : { accept: false, status: 404, reason: "no such endpoint" },
 *   onConnection: (connection) => connection.close(1000, "hello and goodbye"),
 * };
 * ```
 */
export interface WebSocketListenerOptions {
  /** Interface to bind; `"::"` is dual-stack on most systems (default `"0.0.0.0"`). */
  readonly hostname?: string;
  /** TCP port; 0 picks a free one (see `localAddress`). */
  readonly port: number;
  /**
   * PEM certificate chain and private key: serve `wss://`. The public port stays plain TCP and
   * each client is relayed through a loopback `Deno.listenTls` listener, so that a client
   * stalling its TLS handshake can still be cut off (3 sockets per TLS client).
   */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Decides each valid upgrade request before the 101 goes out (default: accept all). */
  readonly accept?: (request: UpgradeRequestInfo) => AcceptDecision | Promise<AcceptDecision>;
  /** Receives every accepted connection; set its callbacks here. */
  readonly onConnection: (connection: WebSocketConnection) => void;
  /** Sees every error thrown by an application callback (they are caught and counted). */
  readonly onCallbackError?: (error: unknown) => void;
  /** Most sockets held at once, in handshake or upgraded (default 1024). */
  readonly maxSockets?: number;
  /** Most sockets per host: IPv4 address, or IPv6 /64 (default 16). */
  readonly maxSocketsPerAddress?: number;
  /** Most sockets per host still in the opening handshake (default 4). */
  readonly maxPendingUpgradesPerAddress?: number;
  /** Connect rate per host (default 10/s, burst 20). */
  readonly connectRate?: ConnectRate;
  /** Connect rate over all hosts (default 1000/s, burst 2000). */
  readonly globalConnectRate?: ConnectRate;
  /** The whole request head (and TLS handshake) must arrive within this (default 5000 ms). */
  readonly headerTimeoutMs?: number;
  /** Largest request head in bytes (default 8192). */
  readonly maxHeadBytes?: number;
  /** Largest incoming message, all fragments together (default 65536); bigger: close 1009. */
  readonly maxMessageBytes?: number;
  /** Most bytes queued for one socket; `send` returns false past it (default 16 MiB). */
  readonly maxBufferedBytes?: number;
  /** Default `lowWaterMark` of connections, for `onDrain` (default 1 MiB). */
  readonly lowWaterMarkBytes?: number;
  /**
   * An unclaimed connection receiving no message for this long is closed with 1008
   * (default 30000 ms; 0 = never). `claim()` opts a connection out.
   */
  readonly idleTimeoutMs?: number;
  /** Ping every connection this often; one silent interval after a ping drops it (default 0 = off). */
  readonly pingIntervalMs?: number;
  /** Longest wait for the peer's part of a close handshake (default 3000 ms). */
  readonly closeTimeoutMs?: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  /** Interface bound. */
  readonly hostname: string;
  /** Port asked for (0 = any). */
  readonly port: number;
  /** See {@link WebSocketListenerOptions.maxSockets}. */
  readonly maxSockets: number;
  /** See {@link WebSocketListenerOptions.maxSocketsPerAddress}. */
  readonly maxSocketsPerAddress: number;
  /** See {@link WebSocketListenerOptions.maxPendingUpgradesPerAddress}. */
  readonly maxPendingUpgradesPerAddress: number;
  /** See {@link WebSocketListenerOptions.connectRate}. */
  readonly connectRate: ConnectRate;
  /** See {@link WebSocketListenerOptions.globalConnectRate}. */
  readonly globalConnectRate: ConnectRate;
  /** See {@link WebSocketListenerOptions.headerTimeoutMs}. */
  readonly headerTimeoutMs: number;
  /** See {@link WebSocketListenerOptions.maxHeadBytes}. */
  readonly maxHeadBytes: number;
  /** See {@link WebSocketListenerOptions.maxMessageBytes}. */
  readonly maxMessageBytes: number;
  /** See {@link WebSocketListenerOptions.maxBufferedBytes}. */
  readonly maxBufferedBytes: number;
  /** See {@link WebSocketListenerOptions.lowWaterMarkBytes} (never above maxBufferedBytes). */
  readonly lowWaterMarkBytes: number;
  /** See {@link WebSocketListenerOptions.idleTimeoutMs}. */
  readonly idleTimeoutMs: number;
  /** See {@link WebSocketListenerOptions.pingIntervalMs}. */
  readonly pingIntervalMs: number;
  /** See {@link WebSocketListenerOptions.closeTimeoutMs}. */
  readonly closeTimeoutMs: number;
}

/**
 * Applies the defaults and checks every value; throws MultiplayerError INVALID_ARGUMENT.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./_listener_options.ts";
 * const resolved = resolveOptions({ port: 0, onConnection: () => {} });
 * console.log(resolved.maxSocketsPerAddress, resolved.maxMessageBytes); // 16 65536
 * ```
 */
export function resolveOptions(options: WebSocketListenerOptions): ResolvedOptions {
  const port = options.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MultiplayerError("INVALID_ARGUMENT", `port must be in [0, 65535], got ${port}`);
  }
  if (typeof options.onConnection !== "function") {
    throw new MultiplayerError("INVALID_ARGUMENT", "onConnection is required");
  }
  const maxBufferedBytes = positive("maxBufferedBytes", options.maxBufferedBytes, 16 << 20);
  return {
    hostname: options.hostname ?? "0.0.0.0",
    port,
    maxSockets: positive("maxSockets", options.maxSockets, 1024),
    maxSocketsPerAddress: positive("maxSocketsPerAddress", options.maxSocketsPerAddress, 16),
    maxPendingUpgradesPerAddress: positive(
      "maxPendingUpgradesPerAddress",
      options.maxPendingUpgradesPerAddress,
      4,
    ),
    connectRate: rate("connectRate", options.connectRate, { perSecond: 10, burst: 20 }),
    globalConnectRate: rate("globalConnectRate", options.globalConnectRate, {
      perSecond: 1000,
      burst: 2000,
    }),
    headerTimeoutMs: positive("headerTimeoutMs", options.headerTimeoutMs, 5000),
    maxHeadBytes: positive("maxHeadBytes", options.maxHeadBytes, 8192),
    maxMessageBytes: nonNegative("maxMessageBytes", options.maxMessageBytes, 65536),
    maxBufferedBytes,
    lowWaterMarkBytes: Math.min(
      nonNegative("lowWaterMarkBytes", options.lowWaterMarkBytes, 1 << 20),
      maxBufferedBytes,
    ),
    idleTimeoutMs: nonNegative("idleTimeoutMs", options.idleTimeoutMs, 30_000),
    pingIntervalMs: nonNegative("pingIntervalMs", options.pingIntervalMs, 0),
    closeTimeoutMs: positive("closeTimeoutMs", options.closeTimeoutMs, 3000),
  };
}

// timers above this would overflow setTimeout's 32-bit delay and fire at once
const MAX_DELAY = 2 ** 31 - 1;

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0 || v > MAX_DELAY) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${name} must be an integer in [1, 2^31), got ${v}`,
    );
  }
  return v;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > MAX_DELAY) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${name} must be an integer in [0, 2^31), got ${v}`,
    );
  }
  return v;
}

function rate(name: string, value: ConnectRate | undefined, fallback: ConnectRate): ConnectRate {
  const v = value ?? fallback;
  if (
    !(v.perSecond > 0) || !Number.isFinite(v.perSecond) || !(v.burst >= 1) ||
    !Number.isFinite(v.burst)
  ) {
    throw new MultiplayerError("INVALID_ARGUMENT", `${name} needs perSecond > 0 and burst >= 1`);
  }
  return v;
}
