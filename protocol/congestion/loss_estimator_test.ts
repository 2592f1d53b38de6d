import assert from "node:assert/strict";
import { MultiplayerError } from "../errors.ts";
import { LossEstimator } from "./loss_estimator.ts";
import { SeededRandom } from "../random.ts";

Deno.test("loss estimator: zero before anything resolved, exact on a steady pattern", () => {
  const loss = new LossEstimator({ windowPackets: 10, now: 0 });
  assert.equal(loss.lossRate, 0);
  for (let i = 0; i < 1000; i++) {
    if (i % 10 < 3) loss.onLost(1, i);
    else loss.onAcked(1, i);
  }
  assert.ok(Math.abs(loss.lossRate - 0.3) < 1e-9, `rate ${loss.lossRate}`);
});

Deno.test("loss estimator: within 5 points of a random 20% loss", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const random = new SeededRandom(seed);
    const loss = new LossEstimator({ now: 0 });
    for (let i = 0; i < 5000; i++) {
      if (random.next() < 0.2) loss.onLost(1, i);
      else loss.onAcked(1, i);
    }
    assert.ok(Math.abs(loss.lossRate - 0.2) < 0.05, `seed ${seed}: rate ${loss.lossRate}`);
  }
});

Deno.test("loss estimator: follows a change and forgets old loss", () => {
  const loss = new LossEstimator({ windowPackets: 50, now: 0 });
  for (let i = 0; i < 2000; i++) loss.onLost(1, i);
  assert.ok(loss.lossRate > 0.99);
  for (let i = 0; i < 5000; i++) loss.onAcked(1, 2000 + i);
  assert.ok(loss.lossRate < 0.01, `rate ${loss.lossRate}`);
});

Deno.test("loss estimator: time closes windows on a quiet link", () => {
  const loss = new LossEstimator({ windowPackets: 1000, windowMs: 100, decay: 0.5, now: 0 });
  loss.onLost(1, 0);
  loss.onAcked(1, 150); // closes the window (150 ms >= 100 ms)
  assert.equal(loss.lossRate, 0.5);
  // each later window halves the old history
  for (let t = 300; t <= 3000; t += 150) loss.onAcked(1, t);
  assert.ok(loss.lossRate < 0.01, `rate ${loss.lossRate}`);
  loss.reset(3000);
  assert.equal(loss.lossRate, 0);
});

Deno.test("loss estimator: ignores garbage counts, validates options", () => {
  const loss = new LossEstimator();
  loss.onLost(NaN, 0);
  loss.onLost(-3, 0);
  loss.onAcked(Infinity, 0);
  assert.equal(loss.lossRate, 0);
  assert.throws(() => new LossEstimator({ decay: 0 }), MultiplayerError);
  assert.throws(() => new LossEstimator({ windowPackets: -1 }), /windowPackets/);
  assert.throws(() => new LossEstimator({ windowMs: NaN }), /windowMs/);
});

Deno.test("loss estimator: a spurious loss moves back to acknowledged", () => {
  const e = new LossEstimator({ windowPackets: 1000, windowMs: 1e9 });
  for (let i = 0; i < 8; i++) e.onAcked(1, 0);
  e.onLost(2, 0);
  assert.equal(e.lossRate, 0.2);
  e.onSpurious(1, 0);
  assert.equal(e.lossRate, 0.1);
  e.closeWindow(0);
  e.onSpurious(1, 0); // from the history once the window closed
  assert.equal(e.lossRate, 0);
  e.onSpurious(5, 0); // never below zero
  assert.equal(e.lossRate, 0);
});
