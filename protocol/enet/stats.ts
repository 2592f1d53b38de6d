/** Per-peer statistics. @module */

/**
 * A snapshot of one peer's link.
 *
 * @example
 * ```ts
 * import type { EnetPeerStats } from "./stats.ts";
 * const lossPercent = (s: EnetPeerStats) => (100 * s.packetLoss) / 65536;
 * ```
 */
export interface EnetPeerStats {
  /** Peer state. */
  readonly state: string;
  /** Smoothed round-trip time and its variance (ms). */
  readonly roundTripTime: number;
  /** Variance of the round-trip time (ms). */
  readonly roundTripTimeVariance: number;
  /** ENet's mean reliable packet loss, scaled by 65536. */
  readonly packetLoss: number;
  /** Variance of `packetLoss`. */
  readonly packetLossVariance: number;
  /** Unreliable throttle (0..32) and its ceiling. */
  readonly packetThrottle: number;
  /** Ceiling of the packet throttle. */
  readonly packetThrottleLimit: number;
  /** MTU in bytes. */
  readonly mtu: number;
  /** Reliable window in bytes. */
  readonly windowSize: number;
  /** The remote's announced downstream / upstream bandwidth (bytes/s, 0 = unlimited). */
  readonly remoteIncomingBandwidth: number;
  /** The remote's announced upstream (bytes/s). */
  readonly remoteOutgoingBandwidth: number;
  /** Reliable data bytes sent and not acknowledged. */
  readonly bytesInFlight: number;
  /** Bytes queued for sending or in flight (data + command headers). */
  readonly queuedBytes: number;
  /** Received bytes waiting for pollEvent / held out of order / in reassembly. */
  readonly inboundBytes: number;
  /** Bytes held out of order. */
  readonly heldBytes: number;
  /** Bytes in incomplete fragmented packets. */
  readonly reassemblyBytes: number;
  /** Datagrams sent. */
  readonly datagramsSent: number;
  /** Datagrams received. */
  readonly datagramsReceived: number;
  /** Bytes sent (datagrams). */
  readonly bytesSent: number;
  /** Bytes received (datagrams). */
  readonly bytesReceived: number;
  /** Commands sent (first transmissions and retransmissions). */
  readonly commandsSent: number;
  /** Reliable commands declared lost (each retransmission). */
  readonly retransmits: number;
  /** Packets sent (first transmissions). */
  readonly packetsSent: number;
  /** Packets delivered to the owner. */
  readonly packetsReceived: number;
  /** Unreliable packets dropped at the sender (throttle, age, queue bound). */
  readonly unreliableShed: number;
  /** Received commands refused or dropped as invalid / over a bound. */
  readonly commandsDropped: number;
}
