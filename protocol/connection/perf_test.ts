import assert from "node:assert/strict";
import type { Connection } from "./connection.ts";
import { collecting, drain, LossyLink, testConfig } from "./_test_util.ts";
import { TransferMode } from "../constants.ts";
import { ReassemblyBudget } from "./fragmenter.ts";
import {
  ReceiveResult,
  RELIABLE_WINDOW,
  ReliableReceiver,
  REORDER_ALLOWANCE_BYTES,
} from "./_reliable_channel.ts";

const R = TransferMode.RELIABLE, UO = TransferMode.UNRELIABLE_ORDERED;

/** One-way time of a 1 MiB reliable message over 20 ms each way with `loss` on both ends. */
function transfer(loss: number, seed: number): { ms: number; rtos: number } {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const link = new LossyLink(
    a.conn,
    b.conn,
    { loss, duplicate: 0, latencyMs: 20, jitterMs: 0 },
    seed,
  );
  const msg = new Uint8Array(1 << 20);
  for (let i = 0; i < msg.length; i += 4096) msg[i] = i >>> 12;
  a.conn.send(1, R, msg, undefined, 0);
  assert.ok(link.runUntil(() => b.got.length === 1, 60_000), `seed ${seed}: not delivered`);
  assert.deepEqual(b.got[0].data, msg, "delivered intact");
  return { ms: link.now, rtos: a.conn.stats.rtoCount };
}

Deno.test("tail loss: 1 MiB at 5% loss, 40 ms RTT takes <= 2x the loss-free time (median of 7)", () => {
  const base = transfer(0, 1).ms;
  const lossy: number[] = [];
  let rtos = 0;
  for (let seed = 1; seed <= 7; seed++) {
    const r = transfer(0.05, seed);
    lossy.push(r.ms);
    rtos += r.rtos;
  }
  lossy.sort((x, y) => x - y);
  const ratio = lossy[3] / base;
  assert.ok(ratio <= 2, `median ${lossy[3].toFixed(0)} ms vs ${base.toFixed(0)} ms = ${ratio}`);
  assert.ok(rtos <= 7, `probes, not RTOs, recover tails: ${rtos} RTOs in 7 runs`);
});

Deno.test("probe timeout: a lost tail is resent without an RTO or a window collapse", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  // one round trip for an RTT sample (40 ms)
  a.conn.send(1, R, new Uint8Array([1]), undefined, 0);
  for (const d of drain(a.conn, 0)) b.conn.handleDatagram(d, 20);
  for (const d of drain(b.conn, 22)) a.conn.handleDatagram(d, 42);
  const window = a.conn.congestion.congestionWindow;
  a.conn.send(1, R, new Uint8Array([2]), undefined, 50);
  assert.equal(drain(a.conn, 50).length, 1); // lost
  const pto = a.conn.pollTimeout();
  assert.ok(pto > 50 && pto <= 50 + a.conn.rtt.rto, `probe at ${pto}, not after the RTO`);
  a.conn.handleTimeout(pto);
  const probes = drain(a.conn, pto);
  assert.equal(probes.length, 1, "the unacked message goes out again");
  for (const d of probes) b.conn.handleDatagram(d, pto + 20);
  assert.deepEqual(b.got.map((m) => m.data[0]), [1, 2]);
  for (const d of drain(b.conn, pto + 22)) a.conn.handleDatagram(d, pto + 42);
  assert.equal(a.conn.queuedBytes, 0, "acked");
  assert.equal(a.conn.stats.rtoCount, 0);
  const after = a.conn.congestion.congestionWindow;
  assert.ok(
    after >= 0.7 * window,
    `window ${after} of ${window}: at most one reduction, no collapse`,
  );
});

Deno.test("lazy acks: a 20 Hz unreliable stream each way needs no ack-only datagrams", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  let ackOnly = 0, datagrams = 0;
  const deliver = (from: Connection, to: Connection, now: number) => {
    for (const d of drain(from, now)) {
      datagrams++;
      if (d.length <= 24) ackOnly++; // header only: no message
      to.handleDatagram(d, now + 10);
    }
  };
  for (let t = 0; t < 2000; t++) {
    if (t % 50 === 0) a.conn.send(1, UO, new Uint8Array(64), undefined, t);
    if (t % 50 === 25) b.conn.send(1, UO, new Uint8Array(128), undefined, t);
    for (const c of [a.conn, b.conn]) if (c.pollTimeout() <= t) c.handleTimeout(t);
    deliver(a.conn, b.conn, t);
    deliver(b.conn, a.conn, t);
  }
  assert.ok(datagrams >= 80, `${datagrams} datagrams`);
  assert.ok(ackOnly <= 2, `${ackOnly} ack-only datagrams of ${datagrams}`);
  assert.equal(a.conn.stats.lostPackets + b.conn.stats.lostPackets, 0, "no spurious losses");
  assert.ok(Math.abs(a.conn.rttMs - 20) < 4, `RTT ${a.conn.rttMs} ms (ack delay removed)`);
});

Deno.test("lazy acks: one-way unreliable acked within the lazy delay, reliable within 2 ms", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  a.conn.send(1, UO, new Uint8Array(8), undefined, 0);
  for (const d of drain(a.conn, 0)) b.conn.handleDatagram(d, 1);
  assert.equal(drain(b.conn, 2).length, 0, "no ack yet");
  assert.equal(b.conn.pollTimeout(), 51, "lazy deadline");
  a.conn.send(1, R, new Uint8Array(8), undefined, 3);
  for (const d of drain(a.conn, 3)) b.conn.handleDatagram(d, 4);
  assert.equal(b.conn.pollTimeout(), 6, "reliable data pulls the deadline in");
  assert.equal(drain(b.conn, 6).length, 1, "one ack covers both");
});

Deno.test("reliable window: more than 1024 small messages in flight per channel", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const n = 6000;
  for (let i = 0; i < n; i++) a.conn.send(1, R, new Uint8Array([i & 0xff]), undefined, 0);
  const first = drain(a.conn, 0); // the initial congestion window, nothing acked yet
  for (const d of first) b.conn.handleDatagram(d, 1);
  assert.ok(b.got.length > 1024, `${b.got.length} messages in the first flight`);
  const link = new LossyLink(
    a.conn,
    b.conn,
    { loss: 0, duplicate: 0, latencyMs: 1, jitterMs: 0 },
    1,
  );
  link.now = 1;
  assert.ok(link.runUntil(() => b.got.length === n && a.conn.queuedBytes === 0, 10_000));
  assert.ok(b.got.every((m, i) => m.data[0] === (i & 0xff)), "in order, once");
});

Deno.test("reorder buffer: grows on demand, charges the budget beyond its allowance", () => {
  const got: number[] = [];
  const sink = {
    deliverReliable: (_c: number, _h: boolean, _p: number, d: Uint8Array) => got.push(d.length) > 0,
  };
  const budget = new ReassemblyBudget(1 << 20);
  const r = new ReliableReceiver(1, sink, budget, 1 << 20, false);
  assert.equal(r.capacity, 0, "nothing allocated before the first gap");
  const src = new Uint8Array(1000);
  r.receive(5, 0, 0, false, 0, src, 0, 100);
  assert.equal(r.capacity, 64);
  r.receive(3000, 0, 0, false, 0, src, 0, 100);
  assert.equal(r.capacity, 4096, "grown to the reorder distance");
  assert.equal(r.receive(RELIABLE_WINDOW, 0, 0, false, 0, src, 0, 1), ReceiveResult.REFUSED);
  // fill past the allowance: the excess is charged to the budget
  let s = 6;
  for (let bytes = 200; bytes <= REORDER_ALLOWANCE_BYTES + 5000; bytes += 1000) {
    assert.equal(r.receive(s++, 0, 0, false, 0, src, 0, 1000), ReceiveResult.ACCEPTED);
  }
  assert.ok(budget.used > 0 && budget.used <= 6000, `charged ${budget.used}`);
  const small = new ReassemblyBudget(0);
  const r2 = new ReliableReceiver(1, sink, small, 1 << 20, false);
  for (let i = 1; i <= 65; i++) r2.receive(i, 0, 0, false, 0, src, 0, 1000);
  assert.equal(r2.receive(66, 0, 0, false, 0, src, 0, 1000), ReceiveResult.REFUSED, "bounded");
  // the gap fills: everything drains in order and the budget is returned
  r.receive(0, 0, 0, false, 0, src, 0, 1);
  for (let i = 1; i < 5; i++) r.receive(i, 0, 0, false, 0, src, 0, 1);
  assert.equal(budget.used, 0, "returned on delivery");
  assert.equal(r.expected, s);
});
