/**
 * Yielding helpers for benchmark senders: give the event loop a turn (so I/O, acks and the
 * peer's end-of-turn flush run) without busy-waiting and without the 4 ms clamp of nested timers.
 *
 * @module
 */
import { setImmediate } from "node:timers";

/**
 * Resolves after pending I/O callbacks had a chance to run.
 *
 * @example
 * ```ts
 * import { nextTurn } from "./pace.ts";
 * await nextTurn();
 * ```
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves after `ms` milliseconds (backoff while a send queue is full; not synchronization).
 *
 * @example
 * ```ts
 * import { delay } from "./pace.ts";
 * await delay(1);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
