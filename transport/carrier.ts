/**
 * The carrier contract: anything that moves datagrams between addresses can carry a
 * multiplayer peer (UDP, the in-memory virtual network, WebSocket, a WebRTC data channel...).
 *
 * @module
 */
import type { PeerAddress } from "../protocol/address.ts";

export type { PeerAddress };

/** Called for each received datagram; `bytes` is only valid during the call. */
export type DatagramHandler = (bytes: Uint8Array, from: PeerAddress) => void;

/**
 * A datagram carrier. Implement this to run the peer's protocol over your own link.
 *
 * @example
 * ```ts
 * import type { PeerAddress } from "../protocol/address.ts";
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
