/**
 * Pending `poll(timeoutMs)` calls of a peer. Activity resolves them synchronously; their
 * timeouts share one lazily re-armed timer, so a busy app loop (`await poll(1000)` answered by
 * traffic every time) creates about one timer per `timeoutMs` instead of one per call.
 *
 * @module
 */
import type { Clock, TimerHandle } from "./transport.ts";

interface Waiter {
  readonly resolve: () => void;
  readonly deadline: number;
}

/**
 * Waiters with deadlines and one shared timer.
 *
 * @example
 * ```ts
 * import { PollWaiters } from "./poll_waiters.ts";
 * import { systemClock } from "./transport.ts";
 * const waiters = new PollWaiters(systemClock);
 * const done = waiters.wait(1000);
 * waiters.wake(); // e.g. a packet arrived
 * await done;
 * waiters.close(); // clears the shared timer
 * ```
 */
export class PollWaiters {
  readonly #clock: Clock;
  #waiters: Waiter[] = [];
  #spare: Waiter[] = [];
  #timer?: TimerHandle;
  #timerAt = Infinity;
  readonly #onTimer = () => this.#expire();

  /** Waiters timed by `clock`. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Number of pending waits. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Resolves on the next {@link PollWaiters.wake} or after `timeoutMs`, whichever is first. */
  wait(timeoutMs: number): Promise<void> {
    const deadline = this.#clock.now() + timeoutMs;
    return new Promise<void>((resolve) => {
      this.#waiters.push({ resolve, deadline });
      // an earlier timer covers this deadline: it re-arms for it when it fires
      if (deadline < this.#timerAt) this.#arm(deadline);
    });
  }

  /** Resolves every pending wait now. The timer stays armed (it is cheap to let it fire). */
  wake(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = this.#spare;
    this.#spare = waiters;
    for (let i = 0; i < waiters.length; i++) waiters[i].resolve();
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
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.deadline <= now + 1) w.resolve(); // timers may fire a fraction of a ms early
      else {
        keep.push(w);
        if (w.deadline < next) next = w.deadline;
      }
    }
    this.#waiters = keep;
    if (next < Infinity) this.#arm(next);
  }
}
