import assert from "node:assert/strict";
import { RttEstimator } from "./_rtt.ts";

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

Deno.test("RTT estimator: lazy acks never inflate srtt (delay subtracted or sample skipped)", () => {
  const r = new RttEstimator({ maxAckDelayMs: 2, ackDelayCapMs: 51 });
  r.onSample(0.2, 0);
  // 50 ms lazy acks on a 0.2 ms path, with the delay field rounded down to 1/8 ms
  for (let i = 0; i < 100; i++) {
    r.onSample(50.15 + (i % 7) * 0.02, Math.floor(50.01 * 8) / 8);
  }
  assert.ok(r.srtt < 0.5, `srtt ${r.srtt} must stay near the path RTT`);
  assert.ok(r.minRtt >= 0.2 - 1e-9, `minRtt ${r.minRtt} not driven down by claimed delays`);
  assert.equal(r.onSample(50.2, 50), false, "mostly-delay sample skipped");
  assert.equal(r.onSample(0.3, 0), true);
  // a sample whose claimed delay would take it below the minimum is clamped to the minimum
  const c = new RttEstimator({ maxAckDelayMs: 2 });
  c.onSample(10, 0);
  c.onSample(10.5, 2);
  assert.ok(c.srtt >= 10 && c.srtt < 10.1, `${c.srtt}`);
});

Deno.test("RTT estimator: one slow early sample does not freeze the minimum or srtt", () => {
  const r = new RttEstimator();
  r.onSample(17.27, 0); // e.g. an ack taken while the handshake was still settling
  for (let i = 0; i < 100; i++) r.onSample(0.1, 0);
  assert.ok(r.minRtt <= 0.1 + 1e-9, `minRtt ${r.minRtt}`);
  assert.ok(r.srtt < 0.2, `srtt ${r.srtt} follows the path`);
});
