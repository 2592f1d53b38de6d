/**
 * Recent loss rate: an exponentially weighted average over windows of resolved (acked or lost)
 * packets. Pure: takes `now`, never reads a clock.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/**
 * Tuning of a {@link LossEstimator}.
 *
 * @example
 * ```ts
 * import { LossEstimator, type LossEstimatorOptions } from "./loss_estimator.ts";
 * const options: LossEstimatorOptions = { windowPackets: 32, windowMs: 500, decay: 0.25 };
 * const loss = new LossEstimator(options);
 * ```
 */
export interface LossEstimatorOptions {
  /** A window closes after this many resolved packets (default 64; Infinity = never by count). */
  readonly windowPackets?: number;
  /** ...or after this many ms with at least one resolved packet (default 1000; Infinity = never). */
  readonly windowMs?: number;
  /** Weight lost by the history at each window close, in (0, 1] (default 1/8). */
  readonly decay?: number;
  /** Creation time in ms. */
  readonly now?: number;
}

/**
 * Keeps decayed sums of acked and lost counts; the rate is their ratio, so windows with few
 * packets weigh little and a quiet link keeps its estimate. The open window counts in full, so
 * a sudden outage shows at once.
 *
 * @example
 * ```ts
 * import { LossEstimator } from "./loss_estimator.ts";
 * const loss = new LossEstimator({ windowPackets: 10, now: 0 });
 * for (let i = 0; i < 100; i++) {
 *   if (i % 5 === 0) loss.onLost(1, i);
 *   else loss.onAcked(1, i);
 * }
 * console.log(loss.lossRate.toFixed(2)); // "0.20"
 * ```
 */
export class LossEstimator {
  #windowPackets: number;
  #windowMs: number;
  #keep: number;
  #ackedHistory = 0;
  #lostHistory = 0;
  #acked = 0;
  #lost = 0;
  #windowStart: number;

  /** Creates an estimator with no history (rate 0). */
  constructor(options: LossEstimatorOptions = {}) {
    const windowPackets = options.windowPackets ?? 64;
    const windowMs = options.windowMs ?? 1000;
    const decay = options.decay ?? 0.125;
    if (!(windowPackets > 0)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `LossEstimator windowPackets must be > 0, got ${windowPackets}`,
      );
    }
    if (!(windowMs > 0)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `LossEstimator windowMs must be > 0, got ${windowMs}`,
      );
    }
    if (!(decay > 0 && decay <= 1)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `LossEstimator decay must be in (0, 1], got ${decay}`,
      );
    }
    this.#windowPackets = windowPackets;
    this.#windowMs = windowMs;
    this.#keep = 1 - decay;
    this.#windowStart = options.now ?? 0;
  }

  /** Recent loss rate in [0, 1] (0 before anything resolved). */
  get lossRate(): number {
    const total = this.#ackedHistory + this.#lostHistory + this.#acked + this.#lost;
    return total > 0 ? (this.#lostHistory + this.#lost) / total : 0;
  }

  /** Records `count` packets acknowledged (fractions allowed, e.g. bytes / datagram size). */
  onAcked(count: number, now: number): void {
    if (!(count > 0) || count === Infinity) return;
    this.#acked += count;
    this.#maybeClose(now);
  }

  /** Records `count` packets declared lost. */
  onLost(count: number, now: number): void {
    if (!(count > 0) || count === Infinity) return;
    this.#lost += count;
    this.#maybeClose(now);
  }

  /**
   * A packet counted lost was acknowledged after all (reordering, not loss): moves `count` from
   * lost to acknowledged, in the open window first, then in the history.
   */
  onSpurious(count: number, now: number): void {
    if (!(count > 0) || count === Infinity) return;
    const open = Math.min(count, this.#lost);
    this.#lost -= open;
    const rest = Math.min(count - open, this.#lostHistory);
    this.#lostHistory -= rest;
    this.#acked += open;
    this.#ackedHistory += rest;
    this.#maybeClose(now);
  }

  /** Folds the open window into the history (callers may drive windows by round trips). */
  closeWindow(now: number): void {
    this.#ackedHistory = this.#ackedHistory * this.#keep + this.#acked;
    this.#lostHistory = this.#lostHistory * this.#keep + this.#lost;
    this.#acked = 0;
    this.#lost = 0;
    this.#windowStart = now;
  }

  /** Forgets everything (e.g. after a path change). */
  reset(now: number): void {
    this.#ackedHistory =
      this.#lostHistory =
      this.#acked =
      this.#lost =
        0;
    this.#windowStart = now;
  }

  #maybeClose(now: number): void {
    const resolved = this.#acked + this.#lost;
    if (resolved >= this.#windowPackets || now - this.#windowStart >= this.#windowMs) {
      this.closeWindow(now);
    }
  }
}
