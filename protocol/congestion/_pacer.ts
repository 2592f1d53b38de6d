/**
 * Token-bucket pacer on bytes: spreads a window's worth of datagrams over the round trip so a
 * burst does not overflow a bottleneck queue. Pure: takes `now`, never reads a clock.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/**
 * Tuning of a {@link Pacer}.
 *
 * @example
 * ```ts
 * import { Pacer, type PacerOptions } from "./_pacer.ts";
 * const options: PacerOptions = { minBurstBytes: 2400, burstMs: 1, now: 0 };
 * const pacer = new Pacer(options);
 * ```
 */
export interface PacerOptions {
  /** Smallest burst allowance in bytes (default 4 × 1200). */
  readonly minBurstBytes?: number;
  /** Burst allowance as time at the current rate, in ms (default 2: covers timer granularity). */
  readonly burstMs?: number;
  /** Creation time in ms. */
  readonly now?: number;
}

// Tolerance for float rounding when the bucket refills exactly to zero at nextSendTime().
const EPSILON_BYTES = 1e-6;

/**
 * Token bucket: sending is allowed while the balance is non-negative; each datagram subtracts
 * its size (the balance may go negative by one datagram), and the bucket refills at `rate`
 * up to the burst allowance. The average rate is exact without per-datagram rounding.
 *
 * @example
 * ```ts
 * import { Pacer } from "./_pacer.ts";
 * const pacer = new Pacer({ minBurstBytes: 1200, now: 0 });
 * pacer.setRate(120_000, 0); // 120 KB/s = one 1200-byte datagram per 10 ms
 * pacer.onSent(1200, 0);
 * pacer.onSent(1200, 0); // balance -1200
 * console.log(pacer.canSend(0), pacer.nextSendTime(0)); // false 10
 * ```
 */
export class Pacer {
  #ratePerMs = Infinity;
  #minBurst: number;
  #burstMs: number;
  #burst: number;
  #tokens: number;
  #last: number;

  /** Creates an unlimited pacer (rate Infinity) until {@link Pacer.setRate} is called. */
  constructor(options: PacerOptions = {}) {
    const minBurst = options.minBurstBytes ?? 4 * 1200;
    const burstMs = options.burstMs ?? 2;
    if (!(minBurst > 0) || !Number.isFinite(minBurst)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `Pacer minBurstBytes must be a positive finite number, got ${minBurst}`,
      );
    }
    if (!(burstMs >= 0) || !Number.isFinite(burstMs)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `Pacer burstMs must be a non-negative finite number, got ${burstMs}`,
      );
    }
    this.#minBurst = minBurst;
    this.#burstMs = burstMs;
    this.#burst = minBurst;
    this.#tokens = minBurst;
    this.#last = options.now ?? 0;
  }

  /** Current rate in bytes per second (Infinity = not paced). */
  get rate(): number {
    return this.#ratePerMs * 1000;
  }

  /** Current burst allowance in bytes. */
  get burstBytes(): number {
    return this.#burst;
  }

  /**
   * Sets the rate in bytes per second (Infinity or 0 = not paced). Tokens earned so far are
   * credited at the old rate first, so rate changes never create or lose credit retroactively.
   */
  setRate(bytesPerSec: number, now: number): void {
    if (!(bytesPerSec >= 0)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `Pacer rate must be >= 0 bytes/s (0 = unpaced), got ${bytesPerSec}`,
      );
    }
    this.#refill(now);
    this.#ratePerMs = bytesPerSec === 0 ? Infinity : bytesPerSec / 1000;
    const burst = this.#ratePerMs * this.#burstMs;
    this.#burst = burst > this.#minBurst && Number.isFinite(burst) ? burst : this.#minBurst;
    if (this.#tokens > this.#burst) this.#tokens = this.#burst;
  }

  /** True when a datagram may leave now. */
  canSend(now: number): boolean {
    if (this.#ratePerMs === Infinity) return true;
    this.#refill(now);
    return this.#tokens >= -EPSILON_BYTES;
  }

  /** Debits a sent datagram of `bytes`. */
  onSent(bytes: number, now: number): void {
    if (this.#ratePerMs === Infinity) return;
    this.#refill(now);
    this.#tokens -= bytes;
    // bound the debt so one oversized send cannot stall the pacer for long
    if (this.#tokens < -this.#burst - bytes) this.#tokens = -this.#burst - bytes;
  }

  /** Earliest time at which {@link Pacer.canSend} is true (`now` if it already is). */
  nextSendTime(now: number): number {
    if (this.#ratePerMs === Infinity) return now;
    this.#refill(now);
    if (this.#tokens >= -EPSILON_BYTES) return now;
    return now + -this.#tokens / this.#ratePerMs;
  }

  #refill(now: number): void {
    const elapsed = now - this.#last;
    // time never runs backwards for us: a smaller `now` neither refills nor rewinds
    if (!(elapsed > 0)) return;
    this.#last = now;
    if (this.#ratePerMs === Infinity) {
      this.#tokens = this.#burst;
      return;
    }
    const tokens = this.#tokens + elapsed * this.#ratePerMs;
    this.#tokens = tokens > this.#burst ? this.#burst : tokens;
  }
}
