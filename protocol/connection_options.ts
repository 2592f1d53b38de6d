/**
 * Optional tuning of a `Connection` and the never-limiting congestion controller used on
 * reliable carriers.
 *
 * @module
 */
import type { CongestionControl } from "./congestion.ts";
import type { RttOptions } from "./rtt.ts";

export type { CongestionControl };

/**
 * A {@link CongestionControl} that never limits (reliable carriers: the carrier has its own).
 *
 * @example
 * ```ts
 * import { unlimitedCongestion } from "./connection_options.ts";
 * console.log(unlimitedCongestion.canSend(1e9, 0), unlimitedCongestion.congestionWindow); // true Infinity
 * ```
 */
export const unlimitedCongestion: CongestionControl = {
  canSend: () => true,
  nextSendTime: (now) => now,
  onSent: () => {},
  onAck: () => {},
  onLoss: () => {},
  onRetransmitTimeout: () => {},
  setOutBandwidth: () => {},
  setPeerInBandwidth: () => {},
  setPeerReceiveWindow: () => {},
  congestionWindow: Infinity,
  pacingRate: Infinity,
};

/** Optional tuning of a {@link Connection}. */
export interface ConnectionOptions {
  /**
   * Congestion control (default: a `DelayAwareCongestion` per connection sized to the
   * datagram budget; {@link unlimitedCongestion} on reliable carriers).
   */
  readonly congestion?: CongestionControl;
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
