import assert from "node:assert/strict";
import { PingWarmup } from "./ping_warmup.ts";

Deno.test("ping warm-up needs both its round trips and its time", () => {
  const w = new PingWarmup(20, 100); // 2 round trips, 100 ms
  assert.deepEqual([w.over(0), w.over(10)], [false, false]); // 2 done, only 10 ms
  assert.deepEqual(w.over(100), false); // the warm-up ends with this one
  assert.deepEqual([w.over(101), w.over(102)], [true, true]);
});

Deno.test("ping warm-up by round trips alone when the time is 0", () => {
  const w = new PingWarmup(30, 0); // 3 round trips
  assert.deepEqual([w.over(5), w.over(6), w.over(7), w.over(8)], [false, false, false, true]);
});

Deno.test("ping warm-up rejects negative bounds", () => {
  assert.throws(() => new PingWarmup(-1, 0), RangeError);
  assert.throws(() => new PingWarmup(10, Number.NaN), RangeError);
});
