/**
 * The carrier contract: anything that moves datagrams between addresses can carry a
 * multiplayer peer (UDP, the in-memory virtual network, WebSocket, a WebRTC data channel...).
 *
 * @module
 */
import type { PeerAddress } from "../protocol/address.ts";

export type { PeerAddress };

/**
 * Called for each received datagram. `bytes` is only valid during the call, unless the carrier
 * passes `owned`: then it gives those bytes away (never writes them again), and the protocol keeps
 * views of them instead of copying each payload.
 */
export type DatagramHandler = (bytes: Uint8Array, from: PeerAddress, owned?: boolean) => void;

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
  /**
   * Connection-based carriers: reports each remote that opened a link (a server's wire may
   * speak first on it). The driver subscribes once.
   */
  onPeerOpened?(handler: (address: PeerAddress) => void): void;
  /** Connection-based carriers: reports each link that closed. The driver subscribes once. */
  onPeerClosed?(handler: PeerClosedHandler): void;
  /**
   * Connection-based carriers: true while the link to `to` has more unsent than it should hold;
   * the session then waits for {@link DatagramTransport.onWritable} before sending it more.
   */
  isBlocked?(to: PeerAddress): boolean;
  /** Reports a link that was blocked and can take more. The driver subscribes once. */
  onWritable?(handler: (address: PeerAddress) => void): void;
  /** Connection-based carriers: closes the link to `to`, telling the remote `code` and `reason`. */
  disconnect?(to: PeerAddress, code: number, reason: string): void;
}

/**
 * Called when the remote end of a connection-based carrier went away: the close code and reason
 * as received, or as the carrier closed it with (4010: the remote could not keep up).
 *
 * @example
 * ```ts
 * import type { PeerClosedHandler } from "./carrier.ts";
 * const log: PeerClosedHandler = (a, code, reason) => console.log(a.port, code, reason);
 * ```
 */
export type PeerClosedHandler = (address: PeerAddress, code: number, reason: string) => void;
