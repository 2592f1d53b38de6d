/**
 * A measurement window shared by several processes in wall-clock time. The orchestrator picks
 * `[from, to)` a little in the future; every process counts what it sent and what it received
 * by the item's *send stamp*, so "sent in the window" and "delivered of those" match exactly
 * across processes (no window-edge error), and late arrivals count until `to + graceMs`.
 *
 * @module
 */
import { wallNow } from "./child_io.ts";

/**
 * What a process does at the window's edges.
 *
 * @example
 * ```ts
 * import type { WindowHooks } from "./window.ts";
 * const hooks: WindowHooks = { start() {}, stop() {}, report() {} };
 * ```
 */
export interface WindowHooks {
  /** At `from` (e.g. sample CPU). */
  start(): void;
  /** At `to`. */
  stop(): void;
  /** At `to + graceMs`, when late arrivals are in. */
  report(): void;
}

/**
 * A wall-clock window `[from, to)`; empty until {@link StampWindow.open}.
 *
 * @example
 * ```ts
 * import { StampWindow } from "./window.ts";
 * import { wallNow } from "./child_io.ts";
 * const w = new StampWindow();
 * const from = wallNow() + 5;
 * await new Promise<void>((done) =>
 *   w.open(from, from + 10, 5, { start() {}, stop() {}, report: done })
 * );
 * console.log(w.contains(from), w.contains(from + 10)); // true false
 * ```
 */
export class StampWindow {
  #from = Infinity;
  #to = -Infinity;
  #lateMs = 0;
  /** Whether an item stamped `stamp` (wall ms) belongs to the window. */
  contains(stamp: number): boolean {
    return stamp >= this.#from && stamp < this.#to;
  }
  /** Window length in seconds (0 before `open`). */
  get seconds(): number {
    return this.#to > this.#from ? (this.#to - this.#from) / 1000 : 0;
  }
  /** How late `open` was called after `from` (0 when on time): what was sent before counts not. */
  get lateMs(): number {
    return this.#lateMs;
  }
  /** Sets the window and schedules `hooks` at its edges (late edges run at once, in order). */
  open(from: number, to: number, graceMs: number, hooks: WindowHooks): void {
    this.#from = from;
    this.#to = to;
    this.#lateMs = Math.max(0, wallNow() - from);
    const at = (t: number, f: () => void) => setTimeout(f, Math.max(0, t - wallNow()));
    at(from, () => hooks.start());
    at(to, () => {
      hooks.stop();
      at(to + graceMs, () => hooks.report());
    });
  }
}
