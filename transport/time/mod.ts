/**
 * Time for peers: the clock contract, the system clock, the shared timer queue (one runtime
 * timer for every peer of a process) and the virtual clock of simulations.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "./mod.ts";
 * const clock = new VirtualClock();
 * clock.setTimer(() => console.log("fired at", clock.now()), 50);
 * clock.advanceTo(100); // fired at 50
 * ```
 *
 * @module
 */
export { type Clock, systemClock, type TimerHandle } from "./clock.ts";
export { sharedTimers, TimerQueue, type TimerSlot } from "./timer_queue.ts";
export { VirtualClock } from "./virtual_clock.ts";
export { type Timed, TimeHeap } from "./time_heap.ts";
