/**
 * The per-peer statistics snapshot returned by `getPeerStats(id)`.
 *
 * @module
 */

/**
 * A snapshot of one directly connected peer's link, taken when asked (a plain object: keep it,
 * log it, compare two of them). Counters count datagrams and bytes on the wire, acks and
 * retransmissions included.
 *
 * @example
 * ```ts
 * import type { PeerStats } from "./peer_stats.ts";
 * function describe(s: PeerStats): string {
 *   return `rtt ${s.rttMs.toFixed(1)}±${s.rttVarianceMs.toFixed(1)} ms, ` +
 *     `loss ${(s.lossRate * 100).toFixed(1)}%, ${(s.sendRateBytesPerSec / 1000).toFixed(0)} kB/s`;
 * }
 * ```
 */
export interface PeerStats {
  /** Smoothed round-trip time in ms (0 before the first sample). */
  readonly rttMs: number;
  /** RTT mean deviation in ms. */
  readonly rttVarianceMs: number;
  /** Smallest RTT seen in ms (0 before the first sample). */
  readonly minRttMs: number;
  /** Recent share of our ack-eliciting datagrams declared lost, 0..1 (about the last 500). */
  readonly lossRate: number;
  /** Datagrams sent. */
  readonly packetsSent: number;
  /** Datagrams received and accepted. */
  readonly packetsReceived: number;
  /** Datagrams declared lost (fast retransmit or timeout). */
  readonly packetsLost: number;
  /** Bytes of datagrams sent. */
  readonly bytesSent: number;
  /** Bytes of datagrams received and accepted. */
  readonly bytesReceived: number;
  /** Reliable messages sent again after a loss. */
  readonly retransmits: number;
  /** Retransmission timeouts that fired. */
  readonly retransmitTimeouts: number;
  /** Unreliable messages dropped (shed under congestion, queue full, late, refused). */
  readonly unreliableDropped: number;
  /** Bytes queued to this peer and not yet acknowledged (reliable) or sent (unreliable). */
  readonly queuedBytes: number;
  /** Bytes of datagrams in flight. */
  readonly bytesInFlight: number;
  /** Congestion window in bytes (Infinity on reliable carriers: no window). */
  readonly congestionWindow: number;
  /** Pacing rate in bytes/s (Infinity = not paced). */
  readonly pacingRateBytesPerSec: number;
  /** Bytes/s sent to this peer over the last second. */
  readonly sendRateBytesPerSec: number;
  /** Bytes/s received from this peer over the last second. */
  readonly receiveRateBytesPerSec: number;
  /** Silence after which this peer is dropped, in ms, as currently in effect. */
  readonly timeoutMs: number;
}
