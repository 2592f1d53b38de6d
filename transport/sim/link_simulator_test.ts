import assert from "node:assert/strict";
import { MultiplayerError } from "../../protocol/errors.ts";
import { LinkSimulator } from "./link_simulator.ts";

const N = 100_000;

Deno.test("LinkSimulator: perfect link delivers once at now + latency", () => {
  const link = new LinkSimulator({ latencyMs: 25 });
  assert.deepEqual(link.schedule(100, 10), [35]);
  assert.equal(link.stats.delivered, 1);
  assert.equal(link.lossRatio, 0);
});

Deno.test("LinkSimulator: random loss matches the configured ratio", () => {
  for (const loss of [0.01, 0.2, 0.5]) {
    const link = new LinkSimulator({ loss, seed: 11 });
    for (let i = 0; i < N; i++) link.schedule(100, i);
    assert.ok(Math.abs(link.lossRatio - loss) < 0.01, `loss ${loss}: got ${link.lossRatio}`);
    assert.equal(link.stats.droppedLoss + link.stats.delivered, N);
  }
});

Deno.test("LinkSimulator: Gilbert-Elliott loss is bursty with the stationary loss rate", () => {
  const burst = { pGoodToBad: 0.02, pBadToGood: 0.25, lossInBad: 0.9, lossInGood: 0.01 };
  const link = new LinkSimulator({ burst, seed: 5 });
  let losses = 0, runs = 0, prevLost = false;
  for (let i = 0; i < N; i++) {
    const lost = link.schedule(100, i).length === 0;
    if (lost) losses++;
    if (lost && !prevLost) runs++;
    prevLost = lost;
  }
  const piBad = burst.pGoodToBad / (burst.pGoodToBad + burst.pBadToGood);
  const expected = piBad * burst.lossInBad + (1 - piBad) * burst.lossInGood;
  assert.ok(Math.abs(losses / N - expected) < 0.01, `loss ${losses / N} vs ${expected}`);
  // independent loss at the same rate has mean run length 1/(1-p) ~ 1.08; bursts are longer
  const meanRun = losses / runs;
  assert.ok(meanRun > 2, `mean loss run ${meanRun}`);
});

Deno.test("LinkSimulator: duplicate and reorder probabilities", () => {
  const link = new LinkSimulator({ duplicate: 0.1, reorder: 0.05, latencyMs: 10, seed: 9 });
  for (let i = 0; i < N; i++) link.schedule(100, i);
  assert.ok(Math.abs(link.stats.duplicated / N - 0.1) < 0.005);
  assert.ok(Math.abs(link.stats.reordered / N - 0.05) < 0.005);
  assert.equal(link.stats.delivered, N + link.stats.duplicated);
});

Deno.test("LinkSimulator: jitter stays within latency ± jitter and averages the latency", () => {
  const link = new LinkSimulator({ latencyMs: 30, jitterMs: 20, seed: 3, jitterReorders: true });
  let sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < N; i++) {
    const d = link.schedule(100, 1000)[0] - 1000;
    sum += d;
    min = Math.min(min, d);
    max = Math.max(max, d);
  }
  assert.ok(min >= 10 && max <= 50, `${min}..${max}`);
  assert.ok(Math.abs(sum / N - 30) < 0.2);
  assert.equal(link.meanDelayMs, 30);
});

Deno.test("LinkSimulator: bandwidth serializes datagrams and the queue tail-drops", () => {
  // 100 kB/s: 1000 B takes 10 ms on the wire; queue of 3000 B
  const link = new LinkSimulator({ bandwidthBytesPerSec: 100_000, queueBytes: 3000 });
  assert.deepEqual(link.schedule(1000, 0), [10]);
  assert.deepEqual(link.schedule(1000, 0), [20]);
  assert.deepEqual(link.schedule(1000, 0), [30]);
  assert.equal(link.queuedBytes(0), 3000);
  assert.deepEqual(link.schedule(1000, 0), []); // queue full
  assert.equal(link.stats.droppedQueue, 1);
  assert.deepEqual(link.schedule(1000, 15), [40]); // drained 1500 B by t=15
  assert.deepEqual(link.schedule(500, 100), [105]); // idle again
  // offered far above the cap: delivered rate equals the cap
  const fast = new LinkSimulator({ bandwidthBytesPerSec: 200_000, queueBytes: 20_000 });
  let last = 0;
  for (let t = 0; t < 10_000; t += 1) {
    for (let k = 0; k < 2; k++) { // 2 x 1000 B per ms = 2 MB/s offered
      const at = fast.schedule(1000, t);
      if (at.length) last = at[0];
    }
  }
  const rate = fast.stats.bytesDelivered / (last / 1000);
  assert.ok(Math.abs(rate - 200_000) < 2_000, `rate ${rate}`);
  assert.ok(fast.queuedBytes(10_000) <= 20_000);
});

Deno.test("LinkSimulator: outages drop everything, then the link recovers", () => {
  const link = new LinkSimulator({ latencyMs: 5 });
  link.setOutage(1000, 4000);
  assert.equal(link.schedule(10, 999).length, 1);
  assert.equal(link.schedule(10, 1000).length, 0);
  assert.equal(link.schedule(10, 3999).length, 0);
  assert.equal(link.schedule(10, 4000).length, 1);
  link.setDown(true);
  assert.equal(link.schedule(10, 5000).length, 0);
  link.setDown(false);
  assert.equal(link.schedule(10, 5000).length, 1);
  assert.equal(link.stats.droppedOutage, 3);
});

Deno.test("LinkSimulator: same seed, same decisions; different seed, different ones", () => {
  const opts = { loss: 0.2, duplicate: 0.1, jitterMs: 20, latencyMs: 30, reorder: 0.1 };
  const run = (seed: number) => {
    const link = new LinkSimulator({ ...opts, seed });
    const out: number[] = [];
    for (let i = 0; i < 1000; i++) out.push(...link.schedule(100, i), -1);
    return out.join(",");
  };
  assert.equal(run(42), run(42));
  assert.notEqual(run(42), run(43));
});

Deno.test("LinkSimulator: configure at runtime and reject bad options", () => {
  const link = new LinkSimulator({ latencyMs: 5 });
  link.configure({ loss: 1 });
  assert.equal(link.schedule(10, 0).length, 0);
  link.configure({ loss: 0 });
  assert.deepEqual(link.schedule(10, 0), [5]);
  assert.equal(link.options.latencyMs, 5);
  assert.throws(() => link.configure({ loss: 1.5 }), MultiplayerError);
  assert.throws(() => new LinkSimulator({ latencyMs: -1 }), /latencyMs/);
  assert.throws(
    () =>
      new LinkSimulator({ burst: { pGoodToBad: 2, pBadToGood: 0, lossInBad: 0, lossInGood: 0 } }),
    /burst/,
  );
  const times = new Float64Array(2);
  assert.equal(link.scheduleInto(10, 1, times), 1);
  assert.equal(times[0], 6);
});

Deno.test("LinkSimulator: jitter keeps the link FIFO unless reordering is asked for", () => {
  const link = new LinkSimulator({ latencyMs: 30, jitterMs: 20, seed: 5 });
  let last = -Infinity;
  for (let i = 0; i < 10_000; i++) {
    const [t] = link.schedule(100, i * 0.01);
    if (t < last) throw new Error(`datagram ${i} overtook an earlier one (${t} < ${last})`);
    last = t;
  }
});
