import assert from "node:assert/strict";
import { RateMeter } from "./_rate_meter.ts";

Deno.test("RateMeter: a steady rate, its window sliding, a gap longer than the window", () => {
  const m = new RateMeter({ bucketMs: 100, buckets: 10, now: 0 });
  for (let t = 0; t < 3000; t += 10) m.add(1000, t); // 100 kB/s for 3 s
  assert.equal(Math.round(m.rate(3000)), 100_000);
  assert.equal(m.total, 300_000);
  // half the rate for one window: the old samples slide out
  for (let t = 3000; t < 4000; t += 10) m.add(500, t);
  assert.equal(Math.round(m.rate(4000)), 50_000);
  // mid-bucket the open bucket counts with its elapsed part
  m.add(2500, 4050);
  assert.equal(Math.round(m.rate(4050)), Math.round((45_000 + 2500) * 1000 / 950));
  // silence longer than the window: nothing left
  assert.equal(m.rate(6000), 0);
  m.add(1000, 6000);
  assert.equal(Math.round(m.rate(6100)), 1111); // 9 full buckets + the open one's 0 ms
  assert.equal(m.total, 300_000 + 50_000 + 2500 + 1000);
});

Deno.test("RateMeter: a young meter divides by its age; misuse throws", () => {
  const m = new RateMeter({ now: 1000 });
  m.add(500, 1000);
  m.add(500, 1200);
  assert.equal(Math.round(m.rate(1250)), 4000); // 1000 B over 250 ms
  assert.throws(() => new RateMeter({ bucketMs: 0 }), /bucketMs/);
  assert.throws(() => new RateMeter({ buckets: 1 }), /buckets/);
});
