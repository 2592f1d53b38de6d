/**
 * What a yield to the event loop costs: a flush sent in slices (a 1000-peer broadcast is 16
 * slices of 64 datagrams) waits one turn between slices. Chained from a timer callback, a
 * zero-delay timer is clamped by the HTML nesting rule, so the slices sleep milliseconds each;
 * the system clock's `nextTurn` (a message-port hop) waits microseconds.
 *
 * Run: `deno run bench/bounds/turn_yield.ts [slices]`
 *
 * @module
 */
import { sharedTimers } from "../../transport/time/timer_queue.ts";

/**
 * Milliseconds `slices` chained turns take, started from a timer callback as a broadcast is.
 *
 * @example
 * ```ts ignore
 * import { chainedTurns } from "./turn_yield.ts";
 * console.log(await chainedTurns("nextTurn", 16));
 * ```
 */
export function chainedTurns(how: "setTimer(0)" | "nextTurn", slices: number): Promise<number> {
  return new Promise((done) => {
    let left = slices, t0 = 0;
    const step = () => {
      if (left-- === 0) return done(performance.now() - t0);
      if (how === "nextTurn") sharedTimers.nextTurn(step);
      else sharedTimers.setTimer(step, 0);
    };
    setTimeout(() => {
      t0 = performance.now();
      step();
    }, 0);
  });
}

if (import.meta.main) {
  const slices = Number(Deno.args[0] ?? 16);
  for (let round = 0; round < 3; round++) {
    for (const how of ["setTimer(0)", "nextTurn"] as const) {
      const ms = await chainedTurns(how, slices);
      console.log(`${how.padEnd(11)}: ${slices} turns in ${ms.toFixed(2)} ms`);
    }
  }
}
