/**
 * Pending `poll(timeoutMs)` calls of a peer. Activity resolves them synchronously, with the value
 * the poll returns (no extra promise layer between the receive handler and the app); their
 * timeouts share one lazily re-armed timer, so a busy app loop (`await poll(1000)` answered by
 * traffic every time) creates about one timer per `timeoutMs` instead of one per call.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../time/clock.ts";

interface Waiter {
  readonly resolve: (value: number) => void;
  readonly deadline: number;
}

/**
 * Waiters with deadlines and one shared timer.
 *
 * @example
 * ```ts
 * import { PollWaiters } from "./_poll_waiters.ts";
 * import { systemClock } from "../time/clock.ts";
 * const waiters = new PollWaiters(systemClock);
 * const done = waiters.wait(1000);
 * waiters.wake(1); // e.g. a packet arrived
 * console.log(await done); // 1
 * waiters.close(); // clears the shared timer
 * ```
 */
export class PollWaiters {
  readonly #clock: Clock;
  readonly #onExpire?: () => number;
  #waiters: Waiter[] = [];
  #spare: Waiter[] = [];
  #timer?: TimerHandle;
  #timerAt = Infinity;
  readonly #onTimer = () => this.#expire();

  /** Waiters timed by `clock`; waits that time out resolve with `onExpire()` (default 0). */
  constructor(clock: Clock, onExpire?: () => number) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** Number of pending waits. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Resolves on the next {@link PollWaiters.wake} or after `timeoutMs`, whichever is first. */
  wait(timeoutMs: number): Promise<number> {
    const deadline = this.#clock.now() + timeoutMs;
    return new Promise<number>((resolve) => {
      this.#waiters.push({ resolve, deadline });
      // an earlier timer covers this deadline: it re-arms for it when it fires
      if (deadline < this.#timerAt) this.#arm(deadline);
    });
  }

  /** Resolves every pending wait with `value` now. The timer stays armed (cheap to let fire). */
  wake(value = 0): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = this.#spare;
    this.#spare = waiters;
    for (let i = 0; i < waiters.length; i++) waiters[i].resolve(value);
    waiters.length = 0;
  }

  /** Resolves every pending wait and clears the timer. */
  close(): void {
    this.wake();
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimer(this.#onTimer, Math.max(0, at - this.#clock.now()));
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    let next = Infinity;
    const keep: Waiter[] = [], due: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.deadline <= now + 1) due.push(w); // timers may fire a fraction of a ms early
      else {
        keep.push(w);
        if (w.deadline < next) next = w.deadline;
      }
    }
    this.#waiters = keep;
    if (next < Infinity) this.#arm(next);
    if (due.length === 0) return;
    // after the list is consistent: onExpire may dispatch events whose listeners poll again
    const value = this.#onExpire?.() ?? 0;
    for (const w of due) w.resolve(value);
  }
}
