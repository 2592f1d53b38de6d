/**
 * When a ping-pong's measured round trips begin: after at least `rounds / 10` round trips and at
 * least `ms` milliseconds from the first. At a few thousand round trips a second the JIT keeps
 * optimizing the code on the path for seconds; counted in round trips alone, the warm-up of a
 * 2000-round run ended after ~40 ms, so the samples measured the tier-up rather than the steady
 * state a long-running server lives in. The raw floor warms up the same way.
 *
 * @module
 */

/**
 * Counts the warm-up of one ping-pong run.
 *
 * @example
 * ```ts
 * import { PingWarmup } from "./ping_warmup.ts";
 * const w = new PingWarmup(100, 50);
 * console.log(w.over(0), w.over(60)); // false false: 2 of the 10 warm-up round trips so far
 * ```
 */
export class PingWarmup {
  readonly #rounds: number;
  readonly #ms: number;
  #done = 0;
  #startedAt = -1;
  #over = false;

  /** Warm up for at least `ceil(rounds / 10)` round trips and `ms` milliseconds. */
  constructor(rounds: number, ms: number) {
    if (!(rounds >= 0) || !(ms >= 0)) {
      throw new RangeError(`rounds and ms must be >= 0, got ${rounds} and ${ms}`);
    }
    this.#rounds = Math.ceil(rounds / 10);
    this.#ms = ms;
  }

  /**
   * Records one round trip that ended at `now` (ms); true when it counts as measured, i.e. the
   * warm-up was already over before it.
   */
  over(now: number): boolean {
    if (this.#over) return true;
    if (this.#startedAt < 0) this.#startedAt = now;
    this.#done++;
    this.#over = this.#done >= this.#rounds && now - this.#startedAt >= this.#ms;
    return false;
  }
}
