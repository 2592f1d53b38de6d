/**
 * Many timers on one real timer: a {@link Clock} whose deadlines live in a min-heap served by a
 * single `setTimeout` of the base clock. A process with 1000 peers then re-arms one OS timer
 * instead of 1000, and a deadline that moves later is updated in place (O(log n)) instead of
 * letting a stale timer fire and re-check.
 *
 * @module
 */
import { DeadlineHeap, type HeapItem } from "../../protocol/deadline_heap.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";

/**
 * A reusable timer entry: its owner keeps it and moves it with {@link TimerQueue.schedule}.
 *
 * @example
 * ```ts
 * import type { TimerSlot } from "./timer_queue.ts";
 * const slot: TimerSlot = { deadline: Infinity, heapIndex: -1, callback: () => {} };
 * ```
 */
export interface TimerSlot extends HeapItem {
  /** Runs once when the deadline is reached (the slot is unscheduled first). */
  readonly callback: () => void;
}

/**
 * A heap of deadlines behind one base-clock timer. Also a {@link Clock} (one-shot timers).
 *
 * @example
 * ```ts
 * import { TimerQueue } from "./timer_queue.ts";
 * import { systemClock } from "./clock.ts";
 * const queue = new TimerQueue(systemClock);
 * const fired = new Promise<void>((resolve) => queue.setTimer(resolve, 5));
 * await fired;
 * console.log(queue.size); // 0
 * ```
 */
export class TimerQueue implements Clock {
  readonly #base: Clock;
  readonly #heap = new DeadlineHeap<TimerSlot>();
  readonly #handles = new Map<number, TimerSlot>();
  readonly #due: TimerSlot[] = [];
  #nextHandle = 1;
  #timer?: TimerHandle;
  #timerAt = Infinity;
  readonly #onTimer = () => this.#fire();

  /** Timers of `base` (default: the system clock). */
  constructor(base: Clock = systemClock) {
    this.#base = base;
  }

  /** Scheduled entries. */
  get size(): number {
    return this.#heap.size;
  }

  /** The base clock's time. */
  now(): number {
    return this.#base.now();
  }

  /** Moves `slot` to the absolute time `at` (Infinity unschedules it). O(log n). */
  schedule(slot: TimerSlot, at: number): void {
    this.#heap.set(slot, at);
    this.#rearm();
  }

  /** Unschedules `slot` (no-op when it is not scheduled). */
  cancel(slot: TimerSlot): void {
    if (slot.heapIndex < 0) return;
    this.#heap.set(slot, Infinity);
    this.#rearm();
  }

  /** One-shot timer (Clock interface). */
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const handle = this.#nextHandle++;
    const slot: TimerSlot = {
      deadline: Infinity,
      heapIndex: -1,
      callback: () => {
        this.#handles.delete(handle);
        callback();
      },
    };
    this.#handles.set(handle, slot);
    this.schedule(slot, this.#base.now() + Math.max(0, delayMs));
    return handle;
  }

  /**
   * Calls `callback` in the next event-loop turn: the base clock's `nextTurn` when it has one,
   * else a zero-delay timer of this queue.
   */
  nextTurn(callback: () => void): TimerHandle {
    const base = this.#base;
    return base.nextTurn ? base.nextTurn(callback) : this.setTimer(callback, 0);
  }

  /** Cancels a timer of {@link TimerQueue.setTimer} (no-op for unknown handles). */
  clearTimer(handle: TimerHandle): void {
    if (typeof handle === "number" && handle < 0) {
      this.#base.clearTimer(handle); // a turn of the base clock's nextTurn
      return;
    }
    const slot = this.#handles.get(handle as number);
    if (!slot) return;
    this.#handles.delete(handle as number);
    this.cancel(slot);
  }

  // Keeps the base timer at the earliest deadline. A base timer earlier than needed is left to
  // fire and re-arm (cheaper than clearing it on every later move); none is left when empty.
  #rearm(): void {
    const top = this.#heap.peek();
    if (top === undefined) {
      if (this.#timer !== undefined) this.#base.clearTimer(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
      return;
    }
    if (this.#timer !== undefined && this.#timerAt <= top.deadline) return;
    if (this.#timer !== undefined) this.#base.clearTimer(this.#timer);
    this.#timerAt = top.deadline;
    this.#timer = this.#base.setTimer(this.#onTimer, Math.max(0, top.deadline - this.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    // strictly due only: an owner running early would find nothing due at `now` and re-arm the
    // same deadline; a base timer that fires early just re-arms for the rest (one cheap fire)
    const heap = this.#heap, now = this.now();
    const due = this.#due.length === 0 ? this.#due : []; // a synchronous base clock may nest
    for (let top = heap.peek(); top !== undefined && top.deadline <= now; top = heap.peek()) {
      heap.set(top, Infinity);
      due.push(top);
    }
    this.#rearm();
    // callbacks scheduled meanwhile go to the heap: a callback re-arming at 0 cannot spin here
    for (let i = 0; i < due.length; i++) {
      try {
        due[i].callback();
      } catch (e) {
        reportError(e); // like an exception in a plain timer callback
      }
    }
    due.length = 0;
  }
}

/**
 * The process-wide queue over the system clock that UDP and WebSocket peers share.
 *
 * @example
 * ```ts
 * import { sharedTimers } from "./timer_queue.ts";
 * const handle = sharedTimers.setTimer(() => {}, 1000);
 * sharedTimers.clearTimer(handle);
 * console.log(sharedTimers.size); // 0
 * ```
 */
export const sharedTimers: TimerQueue = new TimerQueue(systemClock);
