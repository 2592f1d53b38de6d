import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.ts";
import { MultiplayerError } from "../errors.ts";

Deno.test("rate limiter: per-source burst then sustained rate", () => {
  const rl = new RateLimiter({ perSourcePerSecond: 2, perSourceBurst: 3 });
  const k = "udp|10.0.0.1|1";
  assert.deepEqual([0, 0, 0, 0].map(() => rl.allow(k, 0)), [true, true, true, false]);
  assert.equal(rl.allow(k, 499), false);
  assert.equal(rl.allow(k, 500), true); // 2/s -> one token per 500 ms
  assert.equal(rl.allow(k, 500), false);
  // another source is independent
  assert.equal(rl.allow("udp|10.0.0.2|1", 500), true);
  // over 10 simulated seconds at 100 attempts/s only ~2/s pass
  let passed = 0;
  for (let t = 1000; t < 11_000; t += 10) if (rl.allow(k, t)) passed++;
  assert.ok(passed >= 19 && passed <= 23, `passed ${passed}`);
});

Deno.test("rate limiter: global budget caps a many-source flood", () => {
  const rl = new RateLimiter({ globalPerSecond: 10, globalBurst: 20, maxKeys: 100_000 });
  let passed = 0;
  // every source is new (quiet): the global burst, then the quiet reserve's (half of it)
  for (let i = 0; i < 5000; i++) if (rl.allow(`udp|10.${i >> 8}.${i & 255}.1|9`, 0)) passed++;
  assert.equal(passed, 20 + 10);
  passed = 0;
  for (let i = 0; i < 5000; i++) if (rl.allow(`udp|11.${i >> 8}.${i & 255}.1|9`, 1000)) passed++;
  assert.equal(passed, 10 + 5);
});

Deno.test("rate limiter: with the global budget spent, a quiet source still gets through", () => {
  const rl = new RateLimiter({
    perSourcePerSecond: 4,
    perSourceBurst: 8,
    globalPerSecond: 100,
    globalBurst: 100,
  });
  const flood = (i: number) => `udp|10.0.${i >> 8}.${i & 255}|9`;
  let t = 0, floodPassed = 0, quietPassed = 0;
  // 200 sources at 6 attempts/s each (above their 4/s): 1 200/s against a 100/s budget
  for (let step = 0; step < 10_000; step++, t += 5 / 6) {
    if (rl.allow(flood(step % 200), t)) floodPassed++;
    // once the flood's sources are drained (after their first bursts), quiet ones arrive
    const quiet = step >= 4000 && step % 500 === 0;
    if (quiet && rl.allow(`udp|192.168.1.${step / 500}|5000`, t)) quietPassed++;
  }
  assert.equal(quietPassed, 12, "every quiet source got in");
  const cap = (100 + 50) * (t / 1000) + 100 + 50; // the global budget and the quiet reserve
  assert.ok(floodPassed <= cap, `flood held to the budgets: ${floodPassed} <= ${cap}`);
});

Deno.test("rate limiter: tracked sources stay bounded under a spoofed flood (LRU)", () => {
  const rl = new RateLimiter({ maxKeys: 64, globalPerSecond: 1e9, globalBurst: 1e9 });
  const legit = "udp|127.0.0.1|5000";
  for (let i = 0; i < 8; i++) assert.equal(rl.allow(legit, 0), true);
  assert.equal(rl.allow(legit, 0), false); // burst spent
  for (let i = 0; i < 100_000; i++) {
    rl.allow(`udp|spoof|${i}`, i / 1000);
    assert.ok(rl.size <= 64);
    if (i % 32 === 0) rl.allow(legit, i / 1000); // recently used: never evicted
  }
  assert.equal(rl.size, 64);
  // the legitimate source still gets through after the flood
  assert.equal(rl.allow(legit, 200_000), true);
});

Deno.test("rate limiter: invalid options throw typed errors; clear() resets", () => {
  assert.throws(() => new RateLimiter({ perSourcePerSecond: 0 }), MultiplayerError);
  assert.throws(() => new RateLimiter({ maxKeys: 1.5 }), MultiplayerError);
  assert.throws(() => new RateLimiter({ globalBurst: Number.NaN }), MultiplayerError);
  const rl = new RateLimiter({ perSourceBurst: 1 });
  assert.equal(rl.allow("a", 0), true);
  assert.equal(rl.allow("a", 0), false);
  rl.clear();
  assert.equal(rl.size, 0);
  assert.equal(rl.allow("a", 0), true);
});
