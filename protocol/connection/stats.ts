/**
 * Statistics of one connection: the counters its state machine bumps (plain fields, free to
 * update) and the {@link PeerStats} snapshot assembled from them when the application asks.
 *
 * @module
 */
import type { RttEstimator } from "./_rtt.ts";

/**
 * Counters of one connection. Plain numeric fields so updates cost nothing.
 *
 * @example
 * ```ts
 * import { ConnectionStats } from "./stats.ts";
 * const s = new ConnectionStats();
 * s.packetsSent++;
 * console.log(s.packetsSent); // 1
 * ```
 */
export class ConnectionStats {
  /** Datagrams sent. */
  packetsSent = 0;
  /** Datagrams accepted. */
  packetsReceived = 0;
  /** Datagrams dropped as invalid, duplicate or replayed. */
  packetsDropped = 0;
  /** Bytes of datagrams sent. */
  bytesSent = 0;
  /** Bytes of datagrams accepted. */
  bytesReceived = 0;
  /** Reliable messages sent again after a loss. */
  retransmits = 0;
  /** Datagrams declared lost. */
  lostPackets = 0;
  /** Datagrams declared lost that were acknowledged after all (reordered, not lost). */
  spuriousLosses = 0;
  /** RTO expirations. */
  rtoCount = 0;
  /** Unreliable messages dropped (queue full, congestion, refused by the host, late). */
  unreliableDropped = 0;
  /** Messages delivered to the host. */
  messagesDelivered = 0;
  /** Smoothed RTT (ms). */
  rtt = 0;
  /** RTT variance (ms). */
  rttVar = 0;
}

/**
 * A snapshot of one directly connected peer's link, taken when asked (a plain object: keep it,
 * log it, compare two of them). Counters count datagrams and bytes on the wire, acks and
 * retransmissions included.
 *
 * @example
 * ```ts
 * import type { PeerStats } from "./stats.ts";
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

/** The live values a snapshot reads besides the counters (the connection gathers them). */
export interface LiveStats {
  /** The RTT estimator. */
  readonly rtt: Pick<RttEstimator, "srtt" | "rttVar" | "minRtt" | "hasSample">;
  /** Recent loss rate, 0..1. */
  readonly lossRate: number;
  /** Datagrams declared lost. */
  readonly lostPackets: number;
  /** Bytes of datagrams in flight. */
  readonly bytesInFlight: number;
  /** Congestion window in bytes. */
  readonly congestionWindow: number;
  /** Pacing rate in bytes/s. */
  readonly pacingRate: number;
  /** Bytes queued and not yet acknowledged or sent. */
  readonly queuedBytes: number;
  /** Bytes/s sent over the last second. */
  readonly sendRate: number;
  /** Bytes/s received over the last second. */
  readonly receiveRate: number;
  /** Silence after which the peer is dropped (ms). */
  readonly timeoutMs: number;
}

/**
 * A fresh {@link PeerStats} object from a connection's counters and live values.
 *
 * @example
 * ```ts
 * import { ConnectionStats, snapshotPeerStats } from "./stats.ts";
 * import { RttEstimator } from "./_rtt.ts";
 * const s = snapshotPeerStats(new ConnectionStats(), {
 *   rtt: new RttEstimator(), lossRate: 0, lostPackets: 0, bytesInFlight: 0,
 *   congestionWindow: 12_000, pacingRate: Infinity, queuedBytes: 0, sendRate: 0,
 *   receiveRate: 0, timeoutMs: 10_000,
 * });
 * console.log(s.rttMs, s.timeoutMs); // 0 10000
 * ```
 */
export function snapshotPeerStats(s: ConnectionStats, live: LiveStats): PeerStats {
  const rtt = live.rtt;
  return {
    rttMs: rtt.srtt,
    rttVarianceMs: rtt.rttVar,
    minRttMs: rtt.hasSample ? rtt.minRtt : 0,
    lossRate: live.lossRate,
    packetsSent: s.packetsSent,
    packetsReceived: s.packetsReceived,
    packetsLost: live.lostPackets,
    bytesSent: s.bytesSent,
    bytesReceived: s.bytesReceived,
    retransmits: s.retransmits,
    retransmitTimeouts: s.rtoCount,
    unreliableDropped: s.unreliableDropped,
    queuedBytes: live.queuedBytes,
    bytesInFlight: live.bytesInFlight,
    congestionWindow: live.congestionWindow,
    pacingRateBytesPerSec: live.pacingRate,
    sendRateBytesPerSec: live.sendRate,
    receiveRateBytesPerSec: live.receiveRate,
    timeoutMs: live.timeoutMs,
  };
}
