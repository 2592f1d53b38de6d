import assert from "node:assert/strict";
import type { CongestionControl } from "./mod.ts";
import { DelayAwareCongestion } from "./delay_aware.ts";
import { MultiplayerError } from "../errors.ts";
import { SeededRandom } from "../random.ts";

const MSS = 1200;

/** A bottleneck: FIFO queue draining at `rate` (bytes/s), bounded in bytes, then a fixed delay. */
interface Link {
  readonly rate: number;
  readonly queueBytes: number;
  readonly oneWayMs: number;
  readonly loss: number;
  readonly seed: number;
}

interface RunResult {
  goodput: number; // bytes/s delivered during the measurement span
  maxQueueDelayMs: number; // worst RTT sample above the base RTT during the measurement span
  meanCwnd: number;
  minCwnd: number;
  sent: number;
  congestionEvents: number;
}

/** Runs a bulk sender (always has data) through `link` on simulated time. */
function runBulk(
  cc: DelayAwareCongestion,
  link: Link,
  durationMs: number,
  measureFromMs: number,
): RunResult {
  const random = new SeededRandom(link.seed);
  const serialMs = (MSS * 1000) / link.rate;
  const baseRtt = 2 * link.oneWayMs + serialMs;
  // bottleneck queue: departure times of queued datagrams
  const departures: number[] = [];
  let qHead = 0;
  let lastDeparture = 0;
  // acks in flight back to the sender (FIFO link: times are monotone)
  const ackSeq: number[] = [];
  const ackTime: number[] = [];
  let aHead = 0;
  // outstanding datagrams in send order
  const sentAt: number[] = [];
  const acked: boolean[] = [];
  let outHead = 0;
  let inFlight = 0;
  let lastProgress = 0;
  let delivered = 0;
  let maxQueueDelay = 0;
  let cwndSum = 0, cwndCount = 0, cwndMin = Infinity;
  let now = 0;
  for (let step = 0; step < 5_000_000 && now < durationMs; step++) {
    // acks due now
    while (aHead < ackTime.length && ackTime[aHead] <= now) {
      const seq = ackSeq[aHead++];
      if (acked[seq] || sentAt[seq] < 0) continue; // declared lost by timeout
      acked[seq] = true;
      inFlight -= MSS;
      lastProgress = now;
      const rtt = now - sentAt[seq];
      cc.onAck(MSS, rtt, now);
      if (now >= measureFromMs) {
        delivered += MSS;
        maxQueueDelay = Math.max(maxQueueDelay, rtt - baseRtt);
      }
      // gap of 3 = lost (the link never reorders)
      while (outHead < seq - 2) {
        if (!acked[outHead] && sentAt[outHead] >= 0) {
          cc.onLoss(MSS, now, sentAt[outHead]);
          inFlight -= MSS;
          sentAt[outHead] = -1;
        }
        outHead++;
      }
    }
    // retransmission timeout: everything outstanding is lost
    const rto = Math.max(200, 4 * cc.smoothedRttMs);
    if (inFlight > 0 && now - lastProgress >= rto) {
      for (let s = outHead; s < sentAt.length; s++) if (!acked[s]) sentAt[s] = -1;
      inFlight = 0;
      lastProgress = now;
      cc.onRetransmitTimeout(now);
    }
    // send what the controller allows
    for (let n = 0; n < 10_000 && cc.canSend(inFlight, now); n++) {
      const seq = sentAt.length;
      sentAt.push(now);
      acked.push(false);
      inFlight += MSS;
      cc.onSent(MSS, now);
      while (qHead < departures.length && departures[qHead] <= now) qHead++;
      if ((departures.length - qHead + 1) * MSS > link.queueBytes) continue; // tail drop
      lastDeparture = Math.max(now, lastDeparture) + serialMs;
      departures.push(lastDeparture);
      if (random.next() < link.loss) continue; // random loss after the bottleneck
      ackSeq.push(seq);
      ackTime.push(lastDeparture + 2 * link.oneWayMs);
    }
    if (now >= measureFromMs) {
      cwndSum += cc.congestionWindow;
      cwndCount++;
      cwndMin = Math.min(cwndMin, cc.congestionWindow);
    }
    // advance to the next event
    let next = Math.min(durationMs, lastProgress + rto);
    if (aHead < ackTime.length) next = Math.min(next, ackTime[aHead]);
    const paced = cc.nextSendTime(now);
    if (paced > now && inFlight < cc.congestionWindow) next = Math.min(next, paced);
    now = next > now ? next : now + 0.001;
  }
  const seconds = (durationMs - measureFromMs) / 1000;
  return {
    goodput: delivered / seconds,
    maxQueueDelayMs: maxQueueDelay,
    meanCwnd: cwndSum / Math.max(1, cwndCount),
    minCwnd: cwndMin,
    sent: sentAt.length,
    congestionEvents: cc.congestionEvents,
  };
}

const CAP = 200_000;
const bottleneck = (queueBytes: number, loss = 0, seed = 1): Link => ({
  rate: CAP,
  queueBytes,
  oneWayMs: 25,
  loss,
  seed,
});

Deno.test("congestion: slow start doubles the window each round trip", () => {
  const cc = new DelayAwareCongestion({ now: 0 });
  const link: Link = { rate: 1e9, queueBytes: 1e9, oneWayMs: 25, loss: 0, seed: 1 };
  const initial = cc.congestionWindow;
  runBulk(cc, link, 5 * 50 + 1, 1e9);
  // 5 round trips of doubling (pacing spreads the last one a little)
  assert.ok(cc.congestionWindow >= initial * 16, `cwnd ${cc.congestionWindow}`);
  assert.equal(cc.congestionEvents, 0);
});

Deno.test("congestion: bottleneck with a deep queue, goodput >= 80% and bounded delay", () => {
  const cc = new DelayAwareCongestion({ now: 0 });
  // the queue could hold 1 s of data; the controller must not fill it
  const r = runBulk(cc, bottleneck(CAP), 30_000, 5_000);
  assert.ok(r.goodput >= 0.8 * CAP, `goodput ${r.goodput}`);
  assert.ok(r.maxQueueDelayMs < 100, `queue delay ${r.maxQueueDelayMs} ms`);
  assert.ok(cc.queueDelayMs < 60, `final queue delay ${cc.queueDelayMs} ms`);
});

Deno.test("congestion: bottleneck with a shallow queue (loss-driven), goodput >= 80%", () => {
  const cc = new DelayAwareCongestion({ now: 0 });
  const r = runBulk(cc, bottleneck(8 * MSS), 30_000, 5_000);
  assert.ok(r.goodput >= 0.8 * CAP, `goodput ${r.goodput}`);
  assert.ok(r.congestionEvents > 0, "tail drops must be seen as congestion");
  assert.ok(r.maxQueueDelayMs <= 8 * 6 + 1, `queue delay ${r.maxQueueDelayMs}`);
});

Deno.test("congestion: 20% random loss does not collapse the window", () => {
  for (const seed of [1, 2, 3]) {
    const cc = new DelayAwareCongestion({ now: 0 });
    const r = runBulk(cc, bottleneck(CAP, 0.2, seed), 30_000, 5_000);
    // 80% of the cap is all that can arrive; keep most of it
    assert.ok(r.goodput >= 0.6 * CAP, `seed ${seed}: goodput ${r.goodput}`);
    assert.ok(r.meanCwnd >= 8 * MSS, `seed ${seed}: mean cwnd ${r.meanCwnd}`);
    assert.ok(r.maxQueueDelayMs < 150, `seed ${seed}: queue delay ${r.maxQueueDelayMs}`);
  }
});

Deno.test("congestion: loopback (0.1 ms RTT, no loss) is not throttled", () => {
  // a loopback-like path: 200 MB/s (~166k datagrams/s), socket-buffer-sized queue
  const cc = new DelayAwareCongestion({ now: 0 });
  const link: Link = { rate: 200e6, queueBytes: 256 * 1024, oneWayMs: 0.05, loss: 0, seed: 1 };
  const r = runBulk(cc, link, 300, 100);
  assert.ok(r.goodput >= 0.8 * link.rate, `goodput ${r.goodput}`);
  assert.ok(r.goodput >= 50_000 * MSS, "below the 50k datagrams/s target");
  assert.ok(cc.pacingRate >= 50_000 * MSS, `pacing ${cc.pacingRate}`);
});

Deno.test("congestion: one reduction per recovery epoch", () => {
  const cc = new DelayAwareCongestion({ now: 0, lossTolerant: false });
  cc.onAck(MSS, 50, 0);
  const before = cc.congestionWindow;
  for (let i = 0; i < 5; i++) cc.onLoss(MSS, 10, 0);
  assert.equal(cc.congestionWindow, before * 0.7);
  assert.equal(cc.congestionEvents, 1);
  // a packet sent after the reduction starts a new epoch
  cc.onLoss(MSS, 20, 15);
  assert.equal(cc.congestionEvents, 2);
  // without a send time, the epoch lasts one smoothed RTT
  cc.onLoss(MSS, 40);
  assert.equal(cc.congestionEvents, 2);
  cc.onLoss(MSS, 75);
  assert.equal(cc.congestionEvents, 3);
  assert.ok(cc.congestionWindow >= 4 * MSS);
});

Deno.test("congestion: retransmit timeout collapses to the minimum window, then recovers", () => {
  const cc = new DelayAwareCongestion({ now: 0, minWindowPackets: 2 });
  cc.onRetransmitTimeout(0);
  assert.equal(cc.congestionWindow, 2 * MSS);
  const r = runBulk(cc, bottleneck(CAP), 10_000, 3_000);
  assert.ok(r.goodput >= 0.8 * CAP, `goodput ${r.goodput}`);
});

Deno.test("congestion: outBandwidth and the peer's inBandwidth cap the pacing rate", () => {
  const fast: Link = { rate: 1e9, queueBytes: 1e9, oneWayMs: 10, loss: 0, seed: 1 };
  const out = new DelayAwareCongestion({ now: 0, outBandwidth: 50_000 });
  const r1 = runBulk(out, fast, 10_000, 2_000);
  assert.ok(Math.abs(r1.goodput - 50_000) < 2_500, `goodput ${r1.goodput}`);
  const peer: CongestionControl = new DelayAwareCongestion({ now: 0 });
  peer.setPeerInBandwidth(30_000, 0);
  assert.equal(peer.pacingRate, 30_000);
  peer.setOutBandwidth(20_000, 0);
  assert.equal(peer.pacingRate, 20_000);
  peer.setPeerInBandwidth(0, 0);
  peer.setOutBandwidth(0, 0);
  assert.equal(peer.pacingRate, Infinity); // no RTT sample yet, no caps
});

Deno.test("congestion: the peer's receive window bounds bytes in flight", () => {
  const cc = new DelayAwareCongestion({ now: 0 });
  cc.setPeerReceiveWindow(3 * MSS);
  assert.equal(cc.canSend(2 * MSS, 0), true);
  assert.equal(cc.canSend(3 * MSS, 0), false);
  assert.equal(cc.nextSendTime(0), Infinity); // window-blocked: no timer, wait for acks
  cc.setPeerReceiveWindow(Infinity);
  assert.equal(cc.canSend(3 * MSS, 0), true);
  assert.equal(cc.nextSendTime(0), 0);
});

Deno.test("congestion: invalid options throw MultiplayerError", () => {
  assert.throws(() => new DelayAwareCongestion({ datagramSize: 0 }), MultiplayerError);
  assert.throws(() => new DelayAwareCongestion({ outBandwidth: -1 }), /outBandwidth/);
  assert.throws(() => new DelayAwareCongestion({ targetQueueDelayMs: NaN }), MultiplayerError);
  const cc = new DelayAwareCongestion();
  assert.throws(() => cc.setPeerInBandwidth(Infinity, 0), /inBandwidth/);
  assert.throws(() => cc.setPeerReceiveWindow(-5), MultiplayerError);
  // garbage feedback is ignored, not fatal
  cc.onAck(NaN, NaN, 0);
  cc.onLoss(-1, 0);
  assert.equal(cc.congestionWindow, 10 * MSS);
});

Deno.test("congestion: a reduction whose losses all prove spurious is undone", () => {
  const cc = new DelayAwareCongestion({ now: 0, lossTolerant: false });
  cc.onAck(MSS, 50, 0);
  const before = cc.congestionWindow;
  cc.onLoss(MSS, 10, 0); // reduces
  cc.onLoss(MSS, 11, 1); // same epoch
  assert.equal(cc.congestionWindow, before * 0.7);
  cc.onSpuriousLoss(MSS, 0, 12);
  assert.equal(cc.congestionWindow, before * 0.7, "one of two losses was real so far");
  cc.onSpuriousLoss(MSS, 1, 13);
  assert.equal(cc.congestionWindow, before, "both were reordering: undone");
  // a loss outside the epoch, or after a timeout, is not undone
  cc.onLoss(MSS, 100, 90);
  const reduced = cc.congestionWindow;
  cc.onRetransmitTimeout(110);
  cc.onSpuriousLoss(MSS, 90, 120);
  assert.ok(cc.congestionWindow <= reduced);
});
