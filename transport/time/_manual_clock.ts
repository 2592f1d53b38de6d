/**
 * A hand-driven {@link Clock} for unit tests of timer users: it counts the timers asked for and
 * fires the due ones on `advance`.
 *
 * @module
 */
import type { Clock, TimerHandle } from "./clock.ts";

/**
 * The clock plus what a test drives and inspects.
 *
 * @example
 * ```ts
 * import type { ManualClock } from "./_manual_clock.ts";
 * const use = (m: ManualClock) => m.advance(100);
 * ```
 */
export interface ManualClock {
  /** The clock to hand to the code under test. */
  clock: Clock;
  /** Sets the time to `to` and fires every timer due by then. */
  advance(to: number): void;
  /** Timers set so far. */
  created(): number;
  /** Timers set and not yet fired nor cleared. */
  pending(): number;
}

/**
 * A manual clock starting at 0.
 *
 * @example
 * ```ts
 * import { manualClock } from "./_manual_clock.ts";
 * const m = manualClock();
 * m.clock.setTimer(() => console.log("fired"), 10);
 * m.advance(10); // prints "fired"
 * ```
 */
export function manualClock(): ManualClock {
  let now = 0, next = 1, created = 0;
  const timers = new Map<number, { at: number; cb: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimer: (cb, delay) => {
      created++;
      timers.set(next, { at: now + delay, cb });
      return next++;
    },
    clearTimer: (h: TimerHandle) => void timers.delete(h as number),
  };
  const advance = (to: number) => {
    now = to;
    for (const [h, t] of [...timers]) {
      if (t.at <= now) {
        timers.delete(h);
        t.cb();
      }
    }
  };
  return { clock, advance, created: () => created, pending: () => timers.size };
}
