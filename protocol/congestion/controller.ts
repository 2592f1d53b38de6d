/**
 * The congestion-control hook between a connection and its controller, the controller's
 * options.
 *
 * @module
 */
/**
 * The hook the per-connection core calls; all times are ms, all sizes bytes. Acks and
 * control-only datagrams are not congestion controlled (do not call `canSend`/`onSent`).
 *
 * @example
 * ```ts
 *
 * import { DelayAwareCongestion } from "./delay_aware.ts";
 * const cc: CongestionControl = new DelayAwareCongestion();
 * const bytesInFlight = 0, now = 0;
 * if (cc.canSend(bytesInFlight, now)) cc.onSent(1200, now);
 * else console.log("wake up at", cc.nextSendTime(now));
 * ```
 */
export interface CongestionControl {
  /** True when one more datagram may leave now (window and pacing). */
  canSend(bytesInFlight: number, now: number): boolean;
  /**
   * When the pacer next allows a datagram (`now` if it does). Infinity while the last
   * `canSend` was refused by the window: acks, not time, open it (no busy timer).
   */
  nextSendTime(now: number): number;
  /** A congestion-controlled datagram of `bytes` left now. */
  onSent(bytes: number, now: number): void;
  /** `bytes` were newly acknowledged; `rttSample` is undefined for retransmitted packets. */
  onAck(bytes: number, rttSample: number | undefined, now: number): void;
  /**
   * `bytes` were declared lost; `sentTime` (optional) scopes the recovery epoch exactly;
   * `lossRun` (optional) is the longest run of consecutive packets among them.
   */
  onLoss(bytes: number, now: number, sentTime?: number, lossRun?: number): void;
  /** The retransmission timer fired with nothing acked: collapse to the minimum window. */
  onRetransmitTimeout(now: number): void;
  /**
   * `bytes` declared lost earlier (a packet sent at `sentTime`) were acknowledged after all:
   * reordering, not loss. A controller should undo a reduction made for losses that all turned
   * out spurious.
   */
  onSpuriousLoss(bytes: number, sentTime: number, now: number): void;
  /** Sets the local upload cap in bytes/s (0 = none), Godot's `outBandwidth`. */
  setOutBandwidth(bytesPerSec: number, now: number): void;
  /** Sets the remote's advertised download cap in bytes/s (0 = none), its `inBandwidth`. */
  setPeerInBandwidth(bytesPerSec: number, now: number): void;
  /** Sets the remote's advertised receive window in bytes (Infinity = none). */
  setPeerReceiveWindow(bytes: number): void;
  /** Current congestion window in bytes. */
  readonly congestionWindow: number;
  /** Current pacing rate in bytes/s (Infinity = not paced). */
  readonly pacingRate: number;
}

/**
 * Tuning of a {@link DelayAwareCongestion}; every field has a default.
 *
 * @example
 * ```ts
 *
 * import { DelayAwareCongestion } from "./delay_aware.ts";
 * const options: CongestionOptions = { datagramSize: 1200, outBandwidth: 250_000, now: 0 };
 * const cc = new DelayAwareCongestion(options);
 * ```
 */
export interface CongestionOptions {
  /** Datagram budget in bytes (default 1200). */
  readonly datagramSize?: number;
  /** Initial window in datagrams (default 10). */
  readonly initialWindowPackets?: number;
  /** Window floor in datagrams (default 4). */
  readonly minWindowPackets?: number;
  /** Window ceiling in bytes (default 16 MiB). */
  readonly maxWindowBytes?: number;
  /** Queueing delay the controller aims for, in ms (default 25). */
  readonly targetQueueDelayMs?: number;
  /** Treat loss without a delay or loss-rate rise as random (default true). */
  readonly lossTolerant?: boolean;
  /** Refresh the base RTT when no lower sample was seen for this long (default 10 000). */
  readonly minRttWindowMs?: number;
  /** Local upload cap in bytes/s (default 0 = none). */
  readonly outBandwidth?: number;
  /** Pacing burst allowance in ms at the pacing rate (default 2). */
  readonly pacingBurstMs?: number;
  /** Creation time in ms. */
  readonly now?: number;
}
