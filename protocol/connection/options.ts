/**
 * Optional tuning of a `Connection`.
 *
 * @module
 */
import type { CongestionControl } from "../congestion/mod.ts";
import type { RttOptions } from "./_rtt.ts";

/**
 * Default cap on congestion-controlled bytes in flight, sized like a receive window (ENet's
 * default is 64 KiB too): a flight beyond the receiver's socket buffer is dropped there, and
 * Deno cannot raise SO_RCVBUF. Linux charges ~2.3 KiB per 1200 B datagram, so its default
 * 208 KiB holds ~92; measured on loopback: 0 drops at 64 KiB, hundreds per second at 96 KiB.
 *
 * @example
 * ```ts
 *
 * console.log(DEFAULT_MAX_WINDOW_BYTES); // 65536
 * ```
 */
export const DEFAULT_MAX_WINDOW_BYTES: number = 64 * 1024;
/**
 * Default cap on congestion-controlled datagrams in flight: none (the byte cap rules).
 *
 * @example
 * ```ts
 *
 * console.log(DEFAULT_MAX_WINDOW_PACKETS); // Infinity
 * ```
 */
export const DEFAULT_MAX_WINDOW_PACKETS: number = Infinity;

/**
 * Optional tuning of a {@link Connection}.
 *
 * @example
 * ```ts
 *
 * const options: ConnectionOptions = { maxWindowBytes: 256 * 1024, maxWindowPackets: 200 };
 * ```
 */
export interface ConnectionOptions {
  /**
   * Congestion control (default: a `DelayAwareCongestion` per connection sized to the
   * datagram budget; {@link unlimitedCongestion} on reliable carriers).
   */
  readonly congestion?: CongestionControl;
  /**
   * Cap on the default controller's window in bytes (default {@link DEFAULT_MAX_WINDOW_BYTES});
   * raise it with a larger receive buffer and a path whose bandwidth x RTT exceeds it.
   */
  readonly maxWindowBytes?: number;
  /**
   * Cap on congestion-controlled datagrams in flight (default none; ignored on reliable
   * carriers): socket buffers are charged per datagram, so this bounds small-datagram floods.
   */
  readonly maxWindowPackets?: number;
  /** Ack at once after this many ack-eliciting packets (default 16). */
  readonly ackEveryPackets?: number;
  /** Otherwise ack datagrams carrying reliable data within this many ms (default 2). */
  readonly maxAckDelayMs?: number;
  /**
   * Ack datagrams carrying only unreliable messages within this many ms (default 50): the ack
   * usually rides on a datagram going out anyway (a 20 Hz stream each way needs no ack-only
   * datagrams); the ack delay field keeps RTT samples honest.
   */
  readonly lazyAckDelayMs?: number;
  /** RTT/RTO tuning. */
  readonly rtt?: Partial<RttOptions>;
  /** Incomplete unreliable fragment groups are dropped after this many ms (default 1000). */
  readonly fragmentExpiryMs?: number;
  /**
   * Unreliable messages that waited longer than this for the congestion window or the pacer
   * are dropped (counted in `unreliableDropped`) instead of sent late (default 200 ms).
   */
  readonly unreliableMaxAgeMs?: number;
}
