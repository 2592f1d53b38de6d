/**
 * The carrier contract: anything that moves datagrams between addresses can carry a
 * multiplayer peer (UDP, the in-memory virtual network, WebSocket, a WebRTC data channel...).
 *
 * @module
 */

/**
 * Where a datagram came from or goes to.
 *
 * @example
 * ```ts
 * import type { PeerAddress } from "./carrier.ts";
 * const server: PeerAddress = { hostname: "127.0.0.1", port: 7000 };
 * ```
 */
export interface PeerAddress {
  /** Host name or IP literal. */
  readonly hostname: string;
  /** Port number (or any carrier-specific small integer). */
  readonly port: number;
  /** Carrier tag, e.g. `"udp"` or `"ws"`; lets one server route over several carriers. */
  readonly transport?: string;
}

/** Called for each received datagram; `bytes` is only valid during the call. */
export type DatagramHandler = (bytes: Uint8Array, from: PeerAddress) => void;

/**
 * A datagram carrier. Implement this to run the peer's protocol over your own link.
 *
 * @example
 * ```ts
 * import type { DatagramHandler, DatagramTransport, PeerAddress } from "./carrier.ts";
 * class Loopback implements DatagramTransport {
 *   readonly maxDatagramSize = 1200;
 *   readonly reliable = false;
 *   readonly localAddress: PeerAddress = { hostname: "loop", port: 1 };
 *   #handler?: DatagramHandler;
 *   listen(handler: DatagramHandler): void { this.#handler = handler; }
 *   send(bytes: Uint8Array, _to: PeerAddress): boolean {
 *     queueMicrotask(() => this.#handler?.(bytes, this.localAddress));
 *     return true;
 *   }
 *   close(): Promise<void> { this.#handler = undefined; return Promise.resolve(); }
 * }
 * ```
 */
export interface DatagramTransport {
  /** Largest datagram, in bytes, the carrier accepts. */
  readonly maxDatagramSize: number;
  /** True when the carrier itself delivers every datagram exactly once and in order. */
  readonly reliable: boolean;
  /** The address this end is reachable at. */
  readonly localAddress: PeerAddress;
  /** Starts delivering received datagrams to `handler` (called at most once). */
  listen(handler: DatagramHandler): void;
  /**
   * Sends one datagram. Ownership of `bytes` passes to the transport. Never throws for network
   * errors; returns false when the datagram was dropped locally (queue full, closed).
   */
  send(bytes: Uint8Array, to: PeerAddress): boolean;
  /** Releases every socket, timer and pending operation. */
  close(): Promise<void>;
}

/** Returns a stable map key for an address. */
export function addressKey(address: PeerAddress): string {
  return `${address.transport ?? "udp"}|${address.hostname}|${address.port}`;
}

/** Opaque handle of a pending {@link Clock} timer. */
export type TimerHandle = ReturnType<typeof setTimeout> | number;

/**
 * A source of time and one-shot timers. Real peers use the system clock; simulations use a
 * virtual one.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `callback` after `delayMs`; returns a handle for {@link Clock.clearTimer}. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer (no-op for unknown handles). */
  clearTimer(handle: TimerHandle): void;
}

/** The system clock: `performance.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
