/**
 * Per-connection counters (extended by the congestion work later).
 *
 * @module
 */

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
