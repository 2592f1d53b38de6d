/**
 * Assembles a connection's {@link PeerStats} snapshot from its parts (kept apart from the state
 * machine: it runs only when the application asks).
 *
 * @module
 */
import type { CongestionControl } from "./options.ts";
import type { Recovery } from "./recovery.ts";
import type { PeerStats } from "./peer_stats.ts";
import type { ConnectionStats } from "./stats.ts";

/**
 * A fresh {@link PeerStats} object from the connection's counters, recovery state and
 * controller; the rates and the effective timeout come from the caller (they depend on `now`).
 *
 * @example
 * ```ts
 * import { snapshotPeerStats } from "./_peer_stats_snapshot.ts";
 * import { Recovery } from "./recovery.ts";
 * import { unlimitedCongestion } from "./options.ts";
 * import { RttEstimator } from "./rtt.ts";
 * import { ConnectionStats } from "./stats.ts";
 * const stats = new ConnectionStats();
 * const rec = new Recovery(
 *   { onMessageRef: () => {} },
 *   new RttEstimator(),
 *   unlimitedCongestion,
 *   stats,
 *   50,
 *   0,
 * );
 * const s = snapshotPeerStats(stats, rec, unlimitedCongestion, 0, 0, 0, 10_000);
 * console.log(s.rttMs, s.timeoutMs); // 0 10000
 * ```
 */
export function snapshotPeerStats(
  s: ConnectionStats,
  rec: Recovery,
  cc: CongestionControl,
  queuedBytes: number,
  sendRate: number,
  receiveRate: number,
  timeoutMs: number,
): PeerStats {
  const rtt = rec.rtt;
  return {
    rttMs: rtt.srtt,
    rttVarianceMs: rtt.rttVar,
    minRttMs: rtt.hasSample ? rtt.minRtt : 0,
    lossRate: rec.loss.lossRate,
    packetsSent: s.packetsSent,
    packetsReceived: s.packetsReceived,
    packetsLost: rec.sent.lostPackets,
    bytesSent: s.bytesSent,
    bytesReceived: s.bytesReceived,
    retransmits: s.retransmits,
    retransmitTimeouts: s.rtoCount,
    unreliableDropped: s.unreliableDropped,
    queuedBytes,
    bytesInFlight: rec.sent.bytesInFlight,
    congestionWindow: cc.congestionWindow,
    pacingRateBytesPerSec: cc.pacingRate,
    sendRateBytesPerSec: sendRate,
    receiveRateBytesPerSec: receiveRate,
    timeoutMs,
  };
}
