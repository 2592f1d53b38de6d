/**
 * A manual clock for simulations: timers fire only when the test advances time.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import { TimeHeap } from "./time_heap.ts";
import type { Clock, TimerHandle } from "./clock.ts";

interface TimerEntry {
  time: number;
  seq: number;
  id: number;
  callback: (() => void) | undefined;
}

/**
 * Manual clock. Timers fire only inside {@link VirtualClock.advanceTo} / `runUntil`, in time
 * order, ties in the order they were set.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "./virtual_clock.ts";
 * const clock = new VirtualClock();
 * clock.setTimer(() => console.log("at", clock.now()), 50);
 * clock.runUntil(100); // prints "at 50"
 * console.log(clock.now()); // 100
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #heap = new TimeHeap<TimerEntry>();
  #live = new Map<number, TimerEntry>();
  #nextId = 1;
  /** Timer callbacks run so far. */
  fired = 0;

  /** Starts at `startMs` (default 0). */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** Current virtual time in ms. */
  now(): number {
    return this.#now;
  }

  /** Schedules `callback` at `now() + max(0, delayMs)`. */
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const delay = delayMs > 0 ? delayMs : 0; // also maps NaN to 0
    const id = this.#nextId++;
    const entry: TimerEntry = { time: this.#now + delay, seq: 0, id, callback };
    this.#heap.push(entry);
    this.#live.set(id, entry);
    return id;
  }

  /** Cancels a pending timer. */
  clearTimer(handle: TimerHandle): void {
    const entry = this.#live.get(handle as number);
    if (entry) {
      entry.callback = undefined; // lazily removed from the heap
      this.#live.delete(entry.id);
    }
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.#live.size;
  }

  /** Due time of the earliest pending timer. */
  nextDeadline(): number | undefined {
    this.#skipCancelled();
    return this.#heap.peek()?.time;
  }

  /**
   * Fires every timer due at or before `timeMs` (including timers they set), then sets the
   * time to `timeMs`. Time never goes backwards. Returns the number of timers fired.
   */
  advanceTo(timeMs: number): number {
    if (!(timeMs >= this.#now)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `advanceTo(${timeMs}) is before now (${this.#now}): virtual time never goes back`,
      );
    }
    let count = 0;
    for (;;) {
      this.#skipCancelled();
      const top = this.#heap.peek();
      if (top === undefined || top.time > timeMs) break;
      this.#heap.pop();
      this.#live.delete(top.id);
      const callback = top.callback!;
      top.callback = undefined;
      if (top.time > this.#now) this.#now = top.time;
      count++;
      this.fired++;
      callback();
    }
    this.#now = timeMs;
    return count;
  }

  /** Same as {@link advanceTo}. */
  runUntil(timeMs: number): number {
    return this.advanceTo(timeMs);
  }

  /** Advances by `ms`. */
  advanceBy(ms: number): number {
    return this.advanceTo(this.#now + ms);
  }

  /**
   * Like {@link runUntil}, but yields to the microtask queue after every timer so that code
   * which defers work with `queueMicrotask`/promises (e.g. an end-of-turn flush) runs between
   * timers. `turns` bounds how many chained microtasks are let through per timer.
   */
  async runUntilAsync(timeMs: number, turns = 8): Promise<number> {
    let count = 0;
    for (;;) {
      const next = this.nextDeadline();
      if (next === undefined || next > timeMs) break;
      count += this.advanceTo(Math.max(next, this.#now));
      for (let i = 0; i < turns; i++) await undefined;
    }
    this.advanceTo(timeMs);
    for (let i = 0; i < turns; i++) await undefined;
    return count;
  }

  #skipCancelled(): void {
    const heap = this.#heap;
    while (heap.size > 0 && heap.peek()!.callback === undefined) heap.pop();
  }
}
