/**
 * Reads per-peer statistics from a simulated host: `Host.peerStats(id, now)` (what
 * `getPeerStats` returns), or the connection's own counters where that is not available.
 *
 * @module
 */
import type { Host } from "../../protocol/host/host.ts";
import type { PeerStats } from "../../protocol/connection/stats.ts";

/**
 * The subset of stats the simulation tests can always read, plus the rest when available.
 *
 * @example
 * ```ts
 * import type { ProbedStats } from "./stats_probe.ts";
 * const s: ProbedStats = { rttMs: 50, retransmits: 0 };
 * ```
 */
export type ProbedStats = Partial<PeerStats> & { rttMs: number; retransmits: number };

/**
 * Stats of directly connected peer `id` at `now`, or undefined when it is not connected.
 *
 * @example
 * ```ts
 * import { Host } from "../../protocol/host/host.ts";
 * import { probeStats } from "./stats_probe.ts";
 * const host = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * console.log(probeStats(host, 2, 0)); // undefined
 * ```
 */
export function probeStats(host: Host, id: number, now: number): ProbedStats | undefined {
  const conn = host.peerConnection(id) as
    | { rttMs: number; stats?: { retransmits?: number }; peerStats?: unknown }
    | undefined;
  if (!conn) return undefined;
  if (typeof conn.peerStats === "function") return host.peerStats(id, now);
  return { rttMs: conn.rttMs, retransmits: conn.stats?.retransmits ?? 0 };
}
