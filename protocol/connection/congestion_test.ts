import assert from "node:assert/strict";
import type { Connection } from "./connection.ts";
import type { CongestionControl } from "../congestion/mod.ts";
import { DelayAwareCongestion } from "../congestion/delay_aware.ts";
import { unlimitedCongestion } from "../congestion/mod.ts";
import { collecting, drain, testConfig } from "./_test_util.ts";
import { TransferMode } from "../constants.ts";
import { MultiplayerError } from "../errors.ts";

const R = TransferMode.RELIABLE, U = TransferMode.UNRELIABLE;

function tagged(n: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** Records every call; the window is open unless `open` says otherwise. */
function recorder(): CongestionControl & { calls: string[]; open: boolean } {
  const r = {
    ...unlimitedCongestion,
    calls: [] as string[],
    open: true,
    canSend: () => r.open,
    onSent: (bytes: number) => void r.calls.push(`sent ${bytes}`),
    onAck: (_b: number, rtt: number | undefined) => void r.calls.push(`ack rtt=${rtt ?? "-"}`),
    onLoss: (_b: number, now: number, sentTime?: number) =>
      void r.calls.push(`loss now=${now} sent=${sentTime}`),
    onRetransmitTimeout: (now: number) => void r.calls.push(`rto ${now}`),
    onSpuriousLoss: (_b: number, sentTime: number) =>
      void r.calls.push(`spurious sent=${sentTime}`),
  };
  return r;
}

Deno.test("default congestion: a DelayAwareCongestion per connection, none on reliable carriers", () => {
  const a = collecting(testConfig()).conn, b = collecting(testConfig()).conn;
  assert.ok(a.congestion instanceof DelayAwareCongestion);
  assert.notEqual(a.congestion, b.congestion, "one controller per connection");
  assert.equal(a.congestion.congestionWindow, 10 * 1200, "initial window from the datagram size");
  const small = collecting(testConfig({ datagramSize: 600 })).conn;
  assert.equal(small.congestion.congestionWindow, 10 * 600);
  const ws = collecting(testConfig({ reliableCarrier: true })).conn;
  assert.equal(ws.congestion, unlimitedCongestion);
  // time stands still: only the initial window may leave before an ack
  for (let i = 0; i < 100; i++) a.send(1, R, new Uint8Array(1000), undefined, 0);
  const sent = drain(a, 0);
  assert.ok(sent.length >= 10 && sent.length <= 13, `${sent.length} datagrams in the first flight`);
  assert.ok(a.bytesInFlight <= 12_000 + 1200);
});

Deno.test("congestion hook: ack-only datagrams bypass it; losses carry their send time", () => {
  const cc = recorder();
  const a = collecting(testConfig(), { congestion: cc }), b = collecting(testConfig());
  // b's ack-only datagrams go to a: a sends data, b acks without any data of its own
  a.conn.send(1, R, tagged(1, 100), undefined, 0);
  const first = drain(a.conn, 0);
  assert.equal(first.length, 1);
  assert.deepEqual(cc.calls, [`sent ${first[0].length}`]);
  // the next three datagrams arrive, the first one is lost: fast retransmit names its send time
  for (let t = 1; t <= 3; t++) {
    a.conn.send(1, R, tagged(t + 1, 100), undefined, t * 10);
    for (const d of drain(a.conn, t * 10)) b.conn.handleDatagram(d, t * 10 + 1);
  }
  b.conn.handleTimeout(b.conn.pollTimeout());
  const acks = drain(b.conn, 40);
  assert.ok(acks.length >= 1);
  cc.calls.length = 0;
  for (const d of acks) a.conn.handleDatagram(d, 45);
  assert.ok(cc.calls.includes("loss now=45 sent=0"), cc.calls.join(", "));
  assert.ok(cc.calls.some((c) => c.startsWith("ack rtt=")));
  // an ack-only reply from a does not count as sent data
  cc.calls.length = 0;
  b.conn.send(1, R, tagged(9, 10), undefined, 50);
  for (const d of drain(b.conn, 50)) a.conn.handleDatagram(d, 51);
  a.conn.handleTimeout(a.conn.pollTimeout());
  const retx = drain(a.conn, 60); // the retransmission (data) and the ack ride together
  assert.equal(cc.calls.filter((c) => c.startsWith("sent")).length, retx.length);
  assert.ok(a.conn.stats.retransmits >= 1);
});

Deno.test("RTO: losses carry the send time; a second RTO in a row collapses; backoff doubles", () => {
  const cc = recorder();
  const a = collecting(testConfig(), { congestion: cc });
  a.conn.send(1, R, tagged(1, 50), undefined, 0);
  drain(a.conn, 0); // lost
  cc.calls.length = 0;
  const t1 = a.conn.pollTimeout();
  assert.equal(t1, 250, "initial RTO before any sample");
  a.conn.handleTimeout(t1);
  assert.deepEqual(cc.calls, [`loss now=${t1} sent=0`], "a single RTO is a tail-loss probe");
  drain(a.conn, t1); // the retransmission, lost again
  cc.calls.length = 0;
  const t2 = a.conn.pollTimeout();
  assert.equal(t2 - t1, 500, "second RTO doubled");
  a.conn.handleTimeout(t2);
  assert.deepEqual(cc.calls, [`rto ${t2}`, `loss now=${t2} sent=${t1}`], "persistent: collapse");
  drain(a.conn, t2);
  assert.equal(a.conn.pollTimeout() - t2, 1000);
  assert.equal(a.conn.stats.rtoCount, 2);
});

Deno.test("RTT ignores packets that carried retransmitted messages", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  a.conn.send(1, R, tagged(1, 50), undefined, 0);
  drain(a.conn, 0); // lost
  a.conn.handleTimeout(a.conn.pollTimeout()); // RTO at 250
  const re = drain(a.conn, 250);
  assert.equal(re.length, 1);
  b.conn.handleDatagram(re[0], 255);
  b.conn.handleTimeout(b.conn.pollTimeout());
  for (const d of drain(b.conn, 300)) a.conn.handleDatagram(d, 300);
  assert.equal(a.conn.queuedBytes, 0, "acked");
  assert.equal(a.conn.rtt.hasSample, false, "the retransmission gave no RTT sample");
  // a fresh packet does
  a.conn.send(1, R, tagged(2, 50), undefined, 400);
  for (const d of drain(a.conn, 400)) b.conn.handleDatagram(d, 420);
  b.conn.handleTimeout(b.conn.pollTimeout());
  for (const d of drain(b.conn, 422)) a.conn.handleDatagram(d, 440);
  assert.ok(a.conn.rtt.hasSample && Math.abs(a.conn.rttMs - 40) <= 2, `${a.conn.rttMs}`);
});

Deno.test("fair packing: a reliable backlog does not starve an unreliable 20 Hz stream", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  for (let i = 0; i < 400; i++) a.conn.send(1, R, tagged(i, 1000), undefined, 0);
  let tick = 0, now = 0;
  const times: number[] = [];
  b.conn.onMessage = (_ch, mode, _p, data) => {
    if (mode === U) times.push(now - new DataView(data.buffer, data.byteOffset).getUint32(0));
    return true;
  };
  // 50 ms one-way, window-limited sender: the stream must still get through within a tick
  const wire: { at: number; to: Connection; d: Uint8Array }[] = [];
  for (now = 0; now <= 2000; now += 1) {
    if (now % 50 === 0) a.conn.send(2, U, tagged(now, 200), undefined, now), tick++;
    for (const [from, to] of [[a.conn, b.conn], [b.conn, a.conn]] as const) {
      if (from.pollTimeout() <= now) from.handleTimeout(now);
      for (const d of drain(from, now)) wire.push({ at: now + 25, to, d });
    }
    while (wire.length > 0 && wire[0].at <= now) {
      const w = wire.shift()!;
      w.to.handleDatagram(w.d, now);
    }
  }
  assert.ok(times.length >= tick - 2, `${times.length} of ${tick} unreliable messages arrived`);
  assert.ok(Math.max(...times) < 80, `worst unreliable latency ${Math.max(...times)} ms`);
  assert.equal(a.conn.stats.unreliableDropped, 0);
  assert.ok(a.conn.stats.packetsSent > 300, "the bulk transfer made progress too");
});

Deno.test("fair packing: large unreliable traffic cannot starve reliable messages", () => {
  const a = collecting(testConfig(), { congestion: unlimitedCongestion });
  const b = collecting(testConfig());
  for (let i = 0; i < 50; i++) a.conn.send(1, R, tagged(i, 300), undefined, 0);
  for (let i = 0; i < 50; i++) a.conn.send(2, U, tagged(i, 1100), undefined, 0);
  const ds = drain(a.conn, 0);
  for (const d of ds.slice(0, 20)) b.conn.handleDatagram(d, 1);
  const rel = b.got.filter((m) => m.mode === R).length;
  assert.ok(rel >= 20, `${rel} reliable messages in the first 20 datagrams`);
});

Deno.test("send queue bound: QUEUE_FULL names the limit for reliable; unreliable is dropped", () => {
  const a = collecting(testConfig({ maxSendQueueBytes: 10_000 })).conn;
  for (let i = 0; i < 9; i++) a.send(1, R, new Uint8Array(1000), undefined, 0);
  assert.throws(
    () => a.send(1, R, new Uint8Array(2000), undefined, 0),
    (e) => e instanceof MultiplayerError && e.code === "QUEUE_FULL" && /10000/.test(e.message),
  );
  a.send(1, U, new Uint8Array(2000), undefined, 0);
  assert.equal(a.stats.unreliableDropped, 1);
  assert.ok(a.queuedBytes <= 10_000);
});

Deno.test("stale unreliable messages are shed while blocked; fresh ones wait", () => {
  const cc = recorder();
  cc.open = false;
  const a = collecting(testConfig(), { congestion: cc, unreliableMaxAgeMs: 100 });
  for (let t = 0; t <= 300; t += 50) {
    a.conn.send(1, U, tagged(t, 100), undefined, t);
    assert.equal(a.conn.pollTransmit(t), undefined);
  }
  // at 300: messages from 0..150 are older than 100 ms
  assert.equal(a.conn.stats.unreliableDropped, 4);
  assert.equal(a.conn.queuedBytes, 300);
});

Deno.test("peer stats: counters, loss rate, rates and window are plausible", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  let now = 0, lost = 0;
  const wire: { at: number; to: Connection; d: Uint8Array }[] = [];
  for (; now < 5000; now++) {
    if (now % 5 === 0) a.conn.send(1, R, tagged(now, 600), undefined, now);
    for (const [from, to] of [[a.conn, b.conn], [b.conn, a.conn]] as const) {
      if (from.pollTimeout() <= now) from.handleTimeout(now);
      for (const d of drain(from, now)) {
        // drop every 10th datagram a -> b
        if (from === a.conn && a.conn.stats.packetsSent % 10 === 0) lost++;
        else wire.push({ at: now + 20, to, d });
      }
    }
    while (wire.length > 0 && wire[0].at <= now) {
      const w = wire.shift()!;
      w.to.handleDatagram(w.d, now);
    }
  }
  const s = a.conn.peerStats(now);
  assert.ok(Math.abs(s.rttMs - 40) < 6, `rtt ${s.rttMs}`);
  assert.ok(s.rttVarianceMs >= 0 && s.rttVarianceMs < 10);
  assert.ok(Math.abs(s.lossRate - 0.1) < 0.04, `loss ${s.lossRate}`);
  assert.equal(s.packetsSent, a.conn.stats.packetsSent);
  assert.ok(s.packetsLost >= lost * 0.8 && s.retransmits >= lost * 0.8, JSON.stringify(s));
  assert.ok(s.bytesSent > 600 * 900 && s.bytesReceived > 0 && s.packetsReceived > 0);
  // ~200 messages/s of ~640 bytes on the wire
  assert.ok(
    s.sendRateBytesPerSec > 100_000 && s.sendRateBytesPerSec < 160_000,
    `${s.sendRateBytesPerSec}`,
  );
  assert.ok(s.congestionWindow >= 4 * 1200 && Number.isFinite(s.congestionWindow));
  assert.ok(s.queuedBytes < 20_000, `queued ${s.queuedBytes}`); // about one RTT of data, not growing
  assert.equal(s.timeoutMs, 10_000);
  assert.equal(b.conn.peerStats(now).packetsReceived, b.conn.stats.packetsReceived);
});

Deno.test("per-peer timeout: RTT-scaled within [min, max]; the connection times out on it", () => {
  const a = collecting(testConfig({ keepaliveMs: 1000 })).conn;
  a.setPeerTimeout(3000, 1000, 8000);
  assert.equal(a.timeoutMs, 3000, "no RTT yet: the limit");
  a.rtt.onSample(400, 0); // srtt 400, rttvar 200: rtt + 4 var = 1200 -> x6
  assert.equal(a.timeoutMs, 8000, "slow path: scaled, capped by max");
  const b = collecting(testConfig()).conn;
  b.setPeerTimeout(500);
  assert.equal(b.timeoutMs, 500);
  assert.ok(b.pollTimeout() <= 125, "keepalive within min/4");
  for (let t = 0; t < 499; t += 10) b.handleTimeout(t);
  assert.equal(b.timedOut, false);
  b.handleTimeout(b.pollTimeout() >= 500 ? b.pollTimeout() : 500);
  assert.equal(b.timedOut, true);
  assert.throws(() => b.setPeerTimeout(1000, 50, 2000), MultiplayerError);
  assert.throws(() => b.setPeerTimeout(1000, 3000, 2000), MultiplayerError);
  assert.throws(() => b.setPeerTimeout(Number.NaN), MultiplayerError);
});

Deno.test("peer flow: receive window and inBandwidth reach the congestion controller", () => {
  const a = collecting(testConfig()).conn;
  a.setPeerFlow(3000, 0, 0);
  for (let i = 0; i < 20; i++) a.send(1, R, new Uint8Array(1000), undefined, 0);
  drain(a, 0);
  assert.ok(a.bytesInFlight <= 3000 + 1200, `${a.bytesInFlight} in flight`);
  a.setPeerFlow(Infinity, 50_000, 0);
  assert.equal(a.congestion.pacingRate, 50_000);
  a.setOutBandwidth(20_000, 0);
  assert.equal(a.congestion.pacingRate, 20_000);
});
