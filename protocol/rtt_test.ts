import assert from "node:assert/strict";
import { RttEstimator } from "./rtt.ts";

Deno.test("RTT estimator: first sample, smoothing, ack delay, floor, backoff, ceiling", () => {
  const r = new RttEstimator({ minRtoMs: 25, maxRtoMs: 3000, maxAckDelayMs: 4, initialRtoMs: 250 });
  assert.equal(r.rto, 250);
  r.onSample(100, 0);
  assert.deepEqual([r.srtt, r.rttVar], [100, 50]);
  assert.equal(r.rto, 100 + 200 + 4);
  for (let i = 0; i < 200; i++) r.onSample(100, 0);
  assert.ok(Math.abs(r.srtt - 100) < 1e-6 && r.rttVar < 0.01);
  assert.ok(Math.abs(r.rto - 154) < 0.1, `${r.rto}: srtt + srtt/2 + max ack delay`);
  r.onSample(103, 3); // ack delay subtracted
  assert.ok(Math.abs(r.srtt - 100) < 1e-6);
  r.onSample(101, 50); // delay clamped to maxAckDelay, never below minRtt
  assert.ok(r.srtt >= 100);
  const fast = new RttEstimator({ minRtoMs: 25 });
  fast.onSample(0.1, 0);
  for (let i = 0; i < 50; i++) fast.onSample(0.1, 0);
  assert.equal(fast.rto, 25, "floor");
  fast.onTimeout();
  assert.equal(fast.rto, 50);
  for (let i = 0; i < 20; i++) fast.onTimeout();
  assert.equal(fast.rto, 3000, "ceiling");
  fast.onSample(0.1, 0);
  assert.equal(fast.rto, 25, "backoff reset on ack");
});
