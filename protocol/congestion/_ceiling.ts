/**
 * Adaptive ceiling on the congestion window after loss runs (like BBR's `inflight_hi` or CUBIC's
 * `W_max`): a run of consecutive losses means a buffer overflowed (on loopback: the receiver's
 * socket buffer, where no queueing delay warns first), so growth stops just below the window
 * where it happened and probes above it with a step that doubles per clean round. Pure.
 *
 * @module
 */

/** Share of the window at a loss run that growth may return to without probing. */
export const CEILING_BETA = 0.85;
/** Shortest probe round in ms: loopback RTTs (~0.1 ms) must not make probing near-instant. */
export const CEILING_MIN_ROUND_MS = 10;

/**
 * The ceiling state of one controller; sizes in bytes, times in ms.
 *
 * @example
 * ```ts
 * import { WindowCeiling } from "./_ceiling.ts";
 * const ceiling = new WindowCeiling(1200);
 * ceiling.onLossRun(120_000, 0); // overflow at a 120 kB window
 * console.log(ceiling.bytes); // 102000
 * console.log(ceiling.clamp(150_000)); // 102000
 * ceiling.onRound(true, 10); // a clean round held back by the ceiling: probe one datagram higher
 * console.log(ceiling.bytes); // 103200
 * ```
 */
export class WindowCeiling {
  readonly #mss: number;
  #bytes = Infinity;
  #step: number;
  #roundEnd = -Infinity;

  /** `mss`: the datagram size, the first probe step. */
  constructor(mss: number) {
    this.#mss = mss;
    this.#step = mss;
  }

  /** Current ceiling in bytes (Infinity until the first loss run). */
  get bytes(): number {
    return this.#bytes;
  }

  /** `window` bounded by the ceiling. */
  clamp(window: number): number {
    return window > this.#bytes ? this.#bytes : window;
  }

  /** A loss run (overflow) while the window was `window`: settle just below it, probe anew. */
  onLossRun(window: number, now: number): void {
    this.#bytes = Math.max(4 * this.#mss, window * CEILING_BETA);
    this.#step = this.#mss;
    this.#roundEnd = now + CEILING_MIN_ROUND_MS;
  }

  /** The loss run that set the ceiling was reordering, not an overflow: no ceiling. */
  forget(): void {
    this.#bytes = Infinity;
    this.#step = this.#mss;
  }

  /**
   * Called at each controller round end; `held` is true when the ceiling (not the app, the
   * pacer or a smaller window) limited the window in it. Probes upward once per probe round.
   */
  onRound(held: boolean, now: number, rttMs = 0): void {
    if (this.#bytes === Infinity || now < this.#roundEnd) return;
    this.#roundEnd = now + Math.max(rttMs, CEILING_MIN_ROUND_MS);
    if (!held) return;
    this.#bytes += this.#step;
    this.#step *= 2;
  }
}
