/**
 * Optional tuning of a `Connection` and its congestion-control hook.
 *
 * @module
 */
import type { RttOptions } from "./rtt.ts";

/** Congestion control hook (implemented in `congestion.ts`); the default never limits. */
export interface CongestionControl {
  /** True when a new ack-eliciting datagram may be sent now (window + pacing). */
  canSend(bytesInFlight: number, now: number): boolean;
  /** When sending becomes possible again (used by pollTimeout while blocked). */
  nextSendTime(now: number): number;
  /** A datagram of `bytes` was sent. */
  onSent(bytes: number, now: number): void;
  /** Datagrams totalling `bytes` were acked; `rttSample` when the ack gave one. */
  onAck(bytes: number, rttSample: number | undefined, now: number): void;
  /** Datagrams totalling `bytes` were declared lost. */
  onLoss(bytes: number, now: number): void;
}

/**
 * A {@link CongestionControl} that never limits.
 *
 * @example
 * ```ts
 * import { unlimitedCongestion } from "./connection_options.ts";
 * console.log(unlimitedCongestion.canSend(1e9, 0)); // true
 * ```
 */
export const unlimitedCongestion: CongestionControl = {
  canSend: () => true,
  nextSendTime: (now) => now,
  onSent: () => {},
  onAck: () => {},
  onLoss: () => {},
};

/** Optional tuning of a {@link Connection}. */
export interface ConnectionOptions {
  /** Congestion control (default: unlimited). */
  readonly congestion?: CongestionControl;
  /** Ack at once after this many ack-eliciting packets (default 16). */
  readonly ackEveryPackets?: number;
  /** Otherwise ack within this many ms (default 2). */
  readonly maxAckDelayMs?: number;
  /** RTT/RTO tuning. */
  readonly rtt?: Partial<RttOptions>;
  /** Incomplete unreliable fragment groups are dropped after this many ms (default 1000). */
  readonly fragmentExpiryMs?: number;
}
