/**
 * The session's view of a peer whose wire does its own transport work (Godot's ENet and
 * WebSocket wires) as a connection: nothing to poll or time here, statistics and timeouts come
 * from the wire's own peer.
 *
 * @module
 */
import type { ConnectionApi, MessageSink } from "../connection/types.ts";
import type { PeerStats } from "../connection/stats.ts";
import { MultiplayerError } from "../errors.ts";

/** What a wire's peer tells its session about itself. */
export interface WireLinkSource {
  /** Bytes waiting to be sent to this peer. */
  readonly queuedBytes: number;
  /** Smoothed round trip in ms (0 when the wire does not measure it). */
  readonly rttMs: number;
  /** The peer's statistics at `now`. */
  peerStats(now: number): PeerStats;
  /** ENet-style timeout settings, where the wire has them. */
  setPeerTimeout?(limitMs: number, minMs?: number, maxMs?: number): void;
}

/**
 * A {@link ConnectionApi} over `source`; `send` refuses (the wire sends), naming `what`.
 *
 * @example
 * ```ts
 * import { wireLink } from "./_wire_link.ts";
 * const link = wireLink({
 *   queuedBytes: 0,
 *   rttMs: 0,
 *   peerStats: () => {
 *     throw new Error("not asked here");
 *   },
 * }, "example peers");
 * console.log(link.pollTimeout()); // Infinity
 * ```
 */
export function wireLink(source: WireLinkSource, what: string): ConnectionApi {
  let sink: MessageSink = () => true;
  const api: ConnectionApi = {
    get onMessage() {
      return sink;
    },
    set onMessage(s: MessageSink) {
      sink = s;
    },
    send() {
      throw new MultiplayerError("INVALID_ARGUMENT", `${what} are sent to through their wire`);
    },
    handleDatagram: () => false,
    pollTransmit: () => undefined,
    pollTimeout: () => Infinity,
    handleTimeout() {},
    timedOut: false,
    get queuedBytes() {
      return source.queuedBytes;
    },
    get rttMs() {
      return source.rttMs;
    },
    peerStats: (now: number): PeerStats => source.peerStats(now),
  };
  if (source.setPeerTimeout) {
    const set = source.setPeerTimeout.bind(source);
    api.setPeerTimeout = (limitMs, minMs, maxMs) => set(limitMs, minMs, maxMs);
  }
  return api;
}
