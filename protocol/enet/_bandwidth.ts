/**
 * The host bandwidth throttle, run about once a second: it caps each peer's packet throttle so
 * the host's upstream limit is shared, and (after a peer joined or left, or the limits changed)
 * tells every peer its share of our downstream with BANDWIDTH_LIMIT.
 *
 * @module
 */
import { EnetDefault } from "./constants.ts";
import type { HostLimits, PeerLink } from "./_link.ts";

const SCALE = EnetDefault.PACKET_THROTTLE_SCALE;

/**
 * One tick over the live peers' links, `elapsed` ms after the previous one. With `recalculate`,
 * queues BANDWIDTH_LIMIT on every link. Does nothing without live peers (returns false then, so
 * a pending recalculation is kept for the next tick).
 *
 * @example
 * ```ts
 * import { HostLimits, PeerLink } from "./_link.ts";
 * import { bandwidthThrottle } from "./_bandwidth.ts";
 * const link = new PeerLink(0, 0, 0);
 * let sent = "";
 * link.queueBandwidthLimit = (i, o) => { sent = `${i}/${o}`; };
 * bandwidthThrottle(new HostLimits(0, 0, 255, 0), [link], 1000, 5000, true);
 * console.log(sent); // "0/0"
 * ```
 */
export function bandwidthThrottle(
  limits: HostLimits,
  links: PeerLink[],
  elapsed: number,
  now: number,
  recalculate: boolean,
): boolean {
  let remaining = links.length;
  if (remaining === 0) return false;
  let dataTotal = Infinity;
  let bandwidth = Infinity;
  let needsAdjustment = links.some((l) => l.remoteIncomingBandwidth !== 0);
  if (limits.outgoingBandwidth !== 0) {
    dataTotal = 0;
    bandwidth = Math.floor((limits.outgoingBandwidth * elapsed) / 1000);
    for (const l of links) dataTotal += l.outgoingDataTotal;
  }
  while (remaining > 0 && needsAdjustment) {
    needsAdjustment = false;
    const throttle = dataTotal <= bandwidth ? SCALE : Math.floor((bandwidth * SCALE) / dataTotal);
    for (const l of links) {
      if (l.remoteIncomingBandwidth === 0 || l.outgoingBandwidthThrottleEpoch === now) continue;
      const peerBandwidth = Math.floor((l.remoteIncomingBandwidth * elapsed) / 1000);
      if (Math.floor((throttle * l.outgoingDataTotal) / SCALE) <= peerBandwidth) continue;
      const limit = Math.max(1, Math.floor((peerBandwidth * SCALE) / l.outgoingDataTotal));
      l.timing.packetThrottleLimit = limit;
      if (l.timing.packetThrottle > limit) l.timing.packetThrottle = limit;
      l.outgoingBandwidthThrottleEpoch = now;
      l.incomingDataTotal = 0;
      l.outgoingDataTotal = 0;
      needsAdjustment = true;
      remaining--;
      bandwidth = Math.max(0, bandwidth - peerBandwidth);
      dataTotal = Math.max(0, dataTotal - peerBandwidth);
    }
  }
  if (remaining > 0) {
    const throttle = dataTotal <= bandwidth ? SCALE : Math.floor((bandwidth * SCALE) / dataTotal);
    for (const l of links) {
      if (l.outgoingBandwidthThrottleEpoch === now) continue;
      l.timing.packetThrottleLimit = throttle;
      if (l.timing.packetThrottle > throttle) l.timing.packetThrottle = throttle;
      l.incomingDataTotal = 0;
      l.outgoingDataTotal = 0;
    }
  }
  if (recalculate) {
    remaining = links.length;
    let budget = limits.incomingBandwidth;
    let share = 0;
    needsAdjustment = true;
    if (budget !== 0) {
      while (remaining > 0 && needsAdjustment) {
        needsAdjustment = false;
        share = Math.floor(budget / remaining);
        for (const l of links) {
          if (l.incomingBandwidthThrottleEpoch === now) continue;
          if (l.remoteOutgoingBandwidth > 0 && l.remoteOutgoingBandwidth >= share) continue;
          l.incomingBandwidthThrottleEpoch = now;
          needsAdjustment = true;
          remaining--;
          budget = Math.max(0, budget - l.remoteOutgoingBandwidth);
        }
      }
    }
    for (const l of links) {
      const incoming = l.incomingBandwidthThrottleEpoch === now ? l.remoteOutgoingBandwidth : share;
      l.queueBandwidthLimit(incoming, limits.outgoingBandwidth);
    }
  }
  return true;
}
