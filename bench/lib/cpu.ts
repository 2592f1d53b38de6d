/**
 * Process CPU time for the benchmark children: what one side spent per message over its
 * measurement window, a figure the machine's scheduling noise moves far less than a rate.
 *
 * @module
 */
import process from "node:process";

/**
 * This process's CPU time (user + system, all threads) in microseconds.
 *
 * @example
 * ```ts
 * import { processCpuUs } from "./cpu.ts";
 * console.log(processCpuUs() > 0); // true
 * ```
 */
export function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * CPU per unit of work between {@link CpuWindow.mark} and {@link CpuWindow.perUnit}.
 *
 * @example
 * ```ts
 * import { CpuWindow } from "./cpu.ts";
 * const w = new CpuWindow();
 * w.mark(0);
 * let x = 0;
 * for (let i = 0; i < 1e6; i++) x += i;
 * console.log(w.perUnit(1000) >= 0, x > 0); // true true
 * ```
 */
export class CpuWindow {
  #cpu = NaN;
  #units = 0;

  /** Starts the window with `units` of work done so far. */
  mark(units: number): void {
    this.#cpu = processCpuUs();
    this.#units = units;
  }

  /** Microseconds of CPU per unit done since the mark (NaN before a mark or without work). */
  perUnit(units: number): number {
    const done = units - this.#units;
    return done > 0 ? (processCpuUs() - this.#cpu) / done : NaN;
  }
}
