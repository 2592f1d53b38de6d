import assert from "node:assert/strict";
import { CEILING_BETA, CEILING_MIN_ROUND_MS, WindowCeiling } from "./_ceiling.ts";
import { DelayAwareCongestion } from "./delay_aware.ts";
import {
  type ConnectionOptions,
  DEFAULT_MAX_WINDOW_BYTES,
  DEFAULT_MAX_WINDOW_PACKETS,
} from "../connection/options.ts";
import { unlimitedCongestion } from "./mod.ts";
import { collecting, drain, testConfig } from "../connection/_test_util.ts";
import { TransferMode } from "../constants.ts";
import { MultiplayerError } from "../errors.ts";

const MSS = 1200;
const R = TransferMode.RELIABLE;

Deno.test("window ceiling: set below a loss run, probes up only when it holds the window", () => {
  const c = new WindowCeiling(MSS);
  assert.equal(c.bytes, Infinity);
  assert.equal(c.clamp(1e9), 1e9, "no ceiling before a loss run");
  c.onRound(true, 1000); // nothing to probe yet
  assert.equal(c.bytes, Infinity);
  c.onLossRun(100 * MSS, 0);
  const base = 100 * MSS * CEILING_BETA;
  assert.equal(c.bytes, base);
  assert.equal(c.clamp(200 * MSS), base);
  assert.equal(c.clamp(10 * MSS), 10 * MSS);
  c.onRound(true, CEILING_MIN_ROUND_MS / 2);
  assert.equal(c.bytes, base, "no probe before a probe round passed");
  let now = CEILING_MIN_ROUND_MS;
  c.onRound(false, now);
  assert.equal(c.bytes, base, "a round the ceiling did not limit does not probe");
  const steps: number[] = [];
  for (let i = 0; i < 4; i++) {
    now += CEILING_MIN_ROUND_MS;
    const before = c.bytes;
    c.onRound(true, now, 1); // a 1 ms RTT: rounds are still CEILING_MIN_ROUND_MS long
    c.onRound(true, now + 1, 1);
    steps.push((c.bytes - before) / MSS);
  }
  assert.deepEqual(steps, [1, 2, 4, 8], "probe step doubles per clean round");
  c.onLossRun(20 * MSS, now);
  assert.equal(c.bytes, 20 * MSS * CEILING_BETA, "a new loss run resets ceiling and step");
  c.onLossRun(MSS, now);
  assert.equal(c.bytes, 4 * MSS, "never below four datagrams");
});

Deno.test("delay-aware congestion: after a loss run the window regrows only to the ceiling", () => {
  const cc = new DelayAwareCongestion({ datagramSize: MSS, now: 0 });
  let now = 0;
  // grow to ~100 datagrams on a 1 ms path with every datagram acked
  while (cc.congestionWindow < 100 * MSS) {
    now += 1;
    cc.canSend(cc.congestionWindow, now); // window-limited
    cc.onAck(cc.congestionWindow, 1, now);
  }
  const atLoss = cc.congestionWindow;
  cc.onLoss(5 * MSS, now, now - 1, 5); // five in a row: a buffer overflowed
  assert.ok(cc.congestionWindow <= atLoss / 2 + 1, "a loss run halves the window");
  const ceiling = atLoss * CEILING_BETA;
  // 1000 acks over 500 ms, always window-limited: growth stops near the ceiling, probing slowly
  let max = 0;
  for (let i = 0; i < 1000; i++) {
    now += 0.5;
    cc.canSend(cc.congestionWindow, now);
    cc.onAck(MSS * 8, 1, now);
    max = Math.max(max, cc.congestionWindow);
  }
  assert.ok(max >= ceiling - MSS, `regrew to the ceiling (${max} vs ${ceiling})`);
  // 50 probe rounds of 10 ms: doubling steps would reach far above; bounded by 16 MiB default
  assert.ok(max > ceiling, "probes above the ceiling eventually");
  const early = new DelayAwareCongestion({ datagramSize: MSS, now: 0 });
  now = 0;
  while (early.congestionWindow < 100 * MSS) {
    now += 1;
    early.canSend(early.congestionWindow, now);
    early.onAck(early.congestionWindow, 1, now);
  }
  early.onLoss(5 * MSS, now, now - 1, 5);
  let maxEarly = 0;
  for (let i = 0; i < 40; i++) { // 20 ms: at most two probe rounds
    now += 0.5;
    early.canSend(early.congestionWindow, now);
    early.onAck(MSS * 8, 1, now);
    maxEarly = Math.max(maxEarly, early.congestionWindow);
  }
  assert.ok(maxEarly <= ceiling + 3 * MSS, `held near the ceiling at first (${maxEarly})`);
});

Deno.test("connection: datagrams in flight are capped; blocked by the cap there is no busy deadline", () => {
  assert.equal(DEFAULT_MAX_WINDOW_PACKETS, Infinity, "no packet cap by default");
  const { conn } = collecting(testConfig(), {
    congestion: unlimitedCongestion,
    maxWindowPackets: 64,
  });
  for (let i = 0; i < 200; i++) conn.send(1, R, new Uint8Array(1000), undefined, 0);
  const sent = drain(conn, 0);
  assert.equal(sent.length, 64);
  assert.ok(conn.queuedBytes > 0, "the rest waits");
  assert.ok(conn.pollTimeout() > 0, "no deadline at `now` while only acks can open the cap");
  const small = collecting(testConfig(), { congestion: unlimitedCongestion, maxWindowPackets: 8 });
  for (let i = 0; i < 50; i++) small.conn.send(1, R, new Uint8Array(1000), undefined, 0);
  assert.equal(drain(small.conn, 0).length, 8);
  for (const bad of [0, 1, 2.5, NaN]) {
    assert.throws(
      () => collecting(testConfig(), { maxWindowPackets: bad }),
      (e) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
    );
  }
});

Deno.test("connection: maxWindowBytes caps the default controller's window", () => {
  for (
    const [options, cap] of [
      [{}, DEFAULT_MAX_WINDOW_BYTES],
      [{ maxWindowBytes: 30_000 }, 30_000],
    ] as [ConnectionOptions, number][]
  ) {
    const cc = collecting(testConfig(), options).conn.congestion;
    assert.ok(cc instanceof DelayAwareCongestion);
    // drive the controller directly: window-limited acks on a 1 ms path
    for (let now = 1; now < 2_000; now++) {
      cc.canSend(cc.congestionWindow, now);
      cc.onAck(cc.congestionWindow, 1, now);
      assert.ok(cc.congestionWindow <= cap, `window ${cc.congestionWindow} over ${cap}`);
    }
    assert.equal(cc.congestionWindow, cap, "grew up to the cap");
  }
});
