/**
 * The source of time and one-shot timers a peer runs on: the system clock for real peers, a
 * virtual clock in simulations.
 *
 * @module
 */
import { nextMacrotask } from "./_macrotask.ts";

/** Opaque handle of a pending {@link Clock} timer. */
export type TimerHandle = ReturnType<typeof setTimeout> | number;

/**
 * A source of time and one-shot timers.
 *
 * @example
 * ```ts
 * import type { Clock } from "./clock.ts";
 * const frozen: Clock = { now: () => 0, setTimer: () => 0, clearTimer: () => {} };
 * ```
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `callback` after `delayMs`; returns a handle for {@link Clock.clearTimer}. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer (no-op for unknown handles). */
  clearTimer(handle: TimerHandle): void;
  /**
   * Calls `callback` in the next event-loop turn, after due timers and completed I/O; cancel it
   * with {@link Clock.clearTimer}. Optional: without it, `setTimer(callback, 0)` does the same on
   * a virtual clock, but a chain of zero-delay runtime timers is clamped to milliseconds a turn.
   */
  nextTurn?(callback: () => void): TimerHandle;
}

/**
 * Longest delay one runtime timer takes (2^31 - 1 ms, about 24.8 days); longer ones would fire at
 * once. The system clock arms at most this far ahead; its users re-arm when a timer fires early.
 *
 * @example
 * ```ts
 * import { MAX_TIMER_DELAY_MS } from "./clock.ts";
 * console.log(MAX_TIMER_DELAY_MS); // 2147483647
 * ```
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

// turns scheduled by the system clock's nextTurn, by (negative) handle: cancelling one drops it
const pendingTurns = new Set<number>();
let lastTurn = 0;

/**
 * The system clock: `performance.now()` and `setTimeout` (delays capped at
 * {@link MAX_TIMER_DELAY_MS}); `nextTurn` is a message-port hop (~20 us, where a chained
 * `setTimeout(0)` sleeps ~2 ms), its handles negative so they never collide with a timer's.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * console.log(systemClock.now() >= 0); // true
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) =>
    setTimeout(callback, delayMs > 0 ? Math.min(delayMs, MAX_TIMER_DELAY_MS) : 0),
  clearTimer: (handle) => {
    if (typeof handle === "number" && handle < 0) pendingTurns.delete(handle);
    else clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
  nextTurn: (callback) => {
    const handle = lastTurn = lastTurn <= -(2 ** 52) ? -1 : lastTurn - 1;
    pendingTurns.add(handle);
    nextMacrotask().then(() => {
      if (!pendingTurns.delete(handle)) return;
      try {
        callback();
      } catch (e) {
        reportError(e); // as an exception in a timer callback, not an unhandled rejection
      }
    });
    return handle;
  },
};
