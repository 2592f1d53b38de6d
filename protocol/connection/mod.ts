/**
 * One remote's reliability layer: packet numbers and acks, RTT and loss recovery, reliable,
 * sequenced and unreliable channels, fragmentation, aggregation, keepalive and timeout, and its
 * statistics. {@link Connection} is the state machine; the rest of the folder is its parts.
 *
 * @example
 * ```ts
 * import { Connection } from "./mod.ts";
 * const c = new Connection({
 *   sessionId: 1, wireChannelCount: 2, datagramSize: 1200, maxMessageSize: 1 << 20,
 *   timeoutMs: 10_000, keepaliveMs: 1000, reliableCarrier: false,
 *   maxSendQueueBytes: 1 << 22, maxReassemblyBytes: 1 << 22, now: 0,
 * });
 * console.log(c.queuedBytes); // 0
 * ```
 *
 * @module
 */
export { Connection } from "./connection.ts";
export type { ConnectionApi, ConnectionConfig, MessageSink } from "./types.ts";
export {
  type ConnectionOptions,
  DEFAULT_MAX_WINDOW_BYTES,
  DEFAULT_MAX_WINDOW_PACKETS,
} from "./options.ts";
export { ConnectionStats, type PeerStats, snapshotPeerStats } from "./stats.ts";
export { ReassemblyBudget } from "./fragmenter.ts";
export type { RttOptions } from "./_rtt.ts";
