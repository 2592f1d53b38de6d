/**
 * The source of time and one-shot timers a peer runs on: the system clock for real peers, a
 * virtual clock in simulations.
 *
 * @module
 */

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
}

/**
 * The system clock: `performance.now()` and `setTimeout`.
 *
 * @example
 * ```ts
 * import { systemClock } from "./clock.ts";
 * console.log(systemClock.now() >= 0); // true
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
