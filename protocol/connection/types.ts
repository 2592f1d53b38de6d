/** Contract between the per-remote reliability state machine and the host. @module */
import type { TransferMode } from "../constants.ts";
import type { PeerStats } from "./stats.ts";
import type { ReassemblyBudget } from "./fragmenter.ts";

/**
 * Limits and tuning of one {@link ConnectionApi}.
 *
 * @example
 * ```ts
 * import type { ConnectionConfig } from "./types.ts";
 * const config: Partial<ConnectionConfig> = { datagramSize: 1200, timeoutMs: 10_000 };
 * ```
 */
export interface ConnectionConfig {
  /** Random 32-bit session id shared by both ends (carried in every DATA header). */
  readonly sessionId: number;
  /** Wire channels: 0 = system, 1..userChannels = user channels. */
  readonly wireChannelCount: number;
  /** Datagram budget in bytes. */
  readonly datagramSize: number;
  /** Largest message (before fragmentation) accepted by `send`. */
  readonly maxMessageSize: number;
  /** Drop the connection after this much silence. */
  readonly timeoutMs: number;
  /** Send a keepalive when nothing was sent for this long. */
  readonly keepaliveMs: number;
  /** Carrier is reliable+ordered: skip acks/retransmission/sequencing. */
  readonly reliableCarrier: boolean;
  /** Upper bound of bytes queued for sending (reliable backlog + pending unreliable). */
  readonly maxSendQueueBytes: number;
  /** Upper bound of bytes held in reassembly buffers. */
  readonly maxReassemblyBytes: number;
  /**
   * Optional budget to draw reassembly bytes from instead of a private one of
   * `maxReassemblyBytes` (the host passes one chained to a server-wide total).
   */
  readonly reassemblyBudget?: ReassemblyBudget;
  /** Time the connection is created. */
  readonly now: number;
}

/**
 * Receives each complete inbound message. Return false to refuse it (inbound queue full): a
 * refused RELIABLE message is not acknowledged, so the sender retransmits it later.
 * `payload` is a fresh copy owned by the receiver.
 *
 * @example
 * ```ts
 * import type { MessageSink } from "./types.ts";
 * const received: Uint8Array[] = [];
 * const sink: MessageSink = (_channel, _mode, _peer, payload) => received.length < 1024 &&
 *   received.push(payload) > 0;
 * ```
 */
export type MessageSink = (
  wireChannel: number,
  mode: TransferMode,
  peer: number | undefined,
  payload: Uint8Array,
) => boolean;

/**
 * Per-remote reliability, ordering, fragmentation, acks, RTT, keepalive.
 *
 * @example
 * ```ts
 * import type { ConnectionApi } from "./types.ts";
 * function flush(conn: ConnectionApi, now: number, send: (bytes: Uint8Array) => void): void {
 *   for (let d = conn.pollTransmit(now); d; d = conn.pollTransmit(now)) send(d);
 * }
 * ```
 */
export interface ConnectionApi {
  /** Where complete inbound messages go (set by the host right after construction). */
  onMessage: MessageSink;
  /**
   * Queues one message. `peer` is the relay address field: the target id on client->server
   * messages, the source id on server->client relayed messages, undefined otherwise.
   * Throws MultiplayerError PACKET_TOO_LARGE / QUEUE_FULL.
   */
  send(
    wireChannel: number,
    mode: TransferMode,
    payload: Uint8Array,
    peer: number | undefined,
    now: number,
  ): void;
  /**
   * Handles one DATA datagram already routed to this connection. False = dropped as invalid.
   * `owned`: the caller gives `bytes` away, so payloads may be views of them (no copy).
   */
  handleDatagram(bytes: Uint8Array, now: number, owned?: boolean): boolean;
  /** Next datagram to send now, or undefined. */
  pollTransmit(now: number): Uint8Array | undefined;
  /** Absolute time at which `handleTimeout` must run next. */
  pollTimeout(): number;
  /** Runs timers: retransmission, keepalive, delayed ack, timeout detection. */
  handleTimeout(now: number): void;
  /** True once the remote was silent for longer than `timeoutMs`. */
  readonly timedOut: boolean;
  /** Bytes waiting to be sent or acknowledged. */
  readonly queuedBytes: number;
  /** Smoothed RTT in ms. */
  readonly rttMs: number;
  /** Optional: a statistics snapshot at `now` (backs `getPeerStats`). */
  peerStats?(now: number): PeerStats;
  /** Optional: RTT-scaled silence timeout (backs `setPeerTimeout`; see `_peer_timeout.ts`). */
  setPeerTimeout?(limitMs: number, minMs?: number, maxMs?: number): void;
  /** Optional: the remote's FLOW feedback (receive window in bytes, download cap in bytes/s). */
  setPeerFlow?(window: number, inBandwidth: number, now: number): void;
  /** Optional: upload cap towards this remote in bytes/s (0 = none). */
  setOutBandwidth?(bytesPerSec: number, now: number): void;
}
