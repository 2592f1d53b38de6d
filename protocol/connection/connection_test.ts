import assert from "node:assert/strict";
import { TransferMode } from "../constants.ts";
import { MultiplayerError } from "../errors.ts";
import { collecting, drain, LossyLink, testConfig } from "./_test_util.ts";
import { unlimitedCongestion } from "../congestion/mod.ts";
import { SeededRandom } from "../random.ts";

const R = TransferMode.RELIABLE, U = TransferMode.UNRELIABLE, UO = TransferMode.UNRELIABLE_ORDERED;

function msg(n: number, size = 8): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
function num(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(0);
}
Deno.test("messages sent in one turn share one datagram, with peer fields", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  for (let i = 0; i < 30; i++) a.conn.send(1, R, msg(i, 32), i % 2 ? -5 : undefined, 0);
  a.conn.send(2, U, msg(100), 7, 0);
  const ds = drain(a.conn, 0);
  assert.equal(ds.length, 1);
  assert.ok(b.conn.handleDatagram(ds[0], 1));
  assert.equal(b.got.length, 31);
  // fair packing: the unreliable message leads the datagram, reliable ones follow in order
  const rel = b.got.filter((m) => m.mode === R);
  assert.deepEqual(rel.map((m) => num(m.data)), [...Array(30).keys()]);
  assert.equal(rel[1].peer, -5);
  assert.equal(rel[0].peer, undefined);
  assert.deepEqual([b.got[0].ch, b.got[0].mode, b.got[0].peer], [2, U, 7]);
});

Deno.test("a dropped datagram is retransmitted after the RTO", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  a.conn.send(1, R, msg(1), undefined, 0);
  assert.equal(drain(a.conn, 0).length, 1); // lost
  assert.equal(drain(a.conn, 1).length, 0);
  const rto = a.conn.pollTimeout();
  assert.ok(rto > 1 && rto <= 300, `rto deadline ${rto}`);
  a.conn.handleTimeout(rto);
  const re = drain(a.conn, rto);
  assert.equal(re.length, 1);
  assert.equal(a.conn.stats.retransmits, 1);
  b.conn.handleDatagram(re[0], rto + 1);
  assert.deepEqual(b.got.map((m) => num(m.data)), [1]);
  // delayed ack goes out by its deadline and frees the sender's queue
  assert.equal(drain(b.conn, rto + 1).length, 0);
  const ackAt = b.conn.pollTimeout();
  assert.ok(ackAt <= rto + 1 + 2);
  b.conn.handleTimeout(ackAt);
  const acks = drain(b.conn, ackAt);
  assert.equal(acks.length, 1);
  a.conn.handleDatagram(acks[0], ackAt + 1);
  assert.equal(a.conn.queuedBytes, 0);
});

Deno.test("fast retransmit: a gap of 3 newer acked packets resends without waiting", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const ds: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) {
    a.conn.send(1, R, msg(i), undefined, i);
    ds.push(...drain(a.conn, i));
  }
  assert.equal(ds.length, 5);
  for (let i = 1; i < 5; i++) b.conn.handleDatagram(ds[i], 10 + i); // datagram 0 lost
  const acks = drain(b.conn, 15); // gap => immediate ack
  assert.ok(acks.length >= 1);
  for (const d of acks) a.conn.handleDatagram(d, 16);
  assert.equal(a.conn.stats.lostPackets, 1);
  const re = drain(a.conn, 16);
  assert.equal(re.length, 1);
  b.conn.handleDatagram(re[0], 17);
  assert.deepEqual(b.got.map((m) => num(m.data)), [0, 1, 2, 3, 4]);
  assert.ok(a.conn.rttMs > 0);
});

Deno.test("reliable order survives reordered delivery; duplicates are suppressed", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const ds: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) {
    a.conn.send(1, R, msg(i), undefined, 0);
    a.conn.send(2, U, msg(1000 + i), undefined, 0);
    ds.push(...drain(a.conn, 0));
  }
  const rnd = new SeededRandom(3);
  const order = ds.map((d) => ({ d, k: rnd.next() })).sort((x, y) => x.k - y.k);
  for (const { d } of order) {
    assert.ok(b.conn.handleDatagram(d, 1));
    assert.equal(b.conn.handleDatagram(d, 1), false); // replay
  }
  const rel = b.got.filter((m) => m.ch === 1).map((m) => num(m.data));
  assert.deepEqual(rel, [...Array(20).keys()]);
  const unrel = b.got.filter((m) => m.ch === 2).map((m) => num(m.data)).sort((x, y) => x - y);
  assert.deepEqual(unrel, [...Array(20).keys()].map((i) => 1000 + i));
  assert.equal(b.conn.stats.packetsDropped, 20);
});

Deno.test("unreliable ordered never goes backwards", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const ds: Uint8Array[] = [];
  for (let i = 0; i < 10; i++) {
    a.conn.send(1, UO, msg(i), undefined, 0);
    ds.push(...drain(a.conn, 0));
  }
  for (const i of [0, 3, 2, 5, 4, 9, 8, 1]) b.conn.handleDatagram(ds[i], 1);
  assert.deepEqual(b.got.map((m) => num(m.data)), [0, 3, 5, 9]);
});

Deno.test("1 MiB reliable message arrives intact across loss", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const big = new SeededRandom(9).fill(new Uint8Array(1 << 20));
  a.conn.send(1, R, big, 42, 0);
  const link = new LossyLink(a.conn, b.conn, {
    loss: 0.1,
    duplicate: 0.05,
    latencyMs: 10,
    jitterMs: 5,
  }, 5);
  assert.ok(link.runUntil(() => b.got.length === 1, 60_000));
  assert.equal(b.got[0].peer, 42);
  assert.deepEqual(b.got[0].data, big);
  assert.ok(link.runUntil(() => a.conn.queuedBytes === 0, 10_000));
});

Deno.test("unreliable fragments: all or nothing; reassembly bounded", () => {
  const a = collecting(testConfig()), b = collecting(testConfig({ maxReassemblyBytes: 12_000 }));
  const m = new SeededRandom(1).fill(new Uint8Array(5000));
  a.conn.send(1, U, m, undefined, 0);
  const ds = drain(a.conn, 0);
  assert.equal(ds.length, 5);
  for (let i = 1; i < ds.length; i++) b.conn.handleDatagram(ds[i], 1); // first one lost
  assert.equal(b.got.length, 0);
  a.conn.send(1, UO, m, undefined, 2);
  for (const d of drain(a.conn, 2)) b.conn.handleDatagram(d, 3);
  assert.equal(b.got.length, 1);
  assert.deepEqual(b.got[0].data, m);
  assert.equal(b.got[0].mode, UO);
  // larger than the reassembly budget: never delivered
  a.conn.send(1, U, new Uint8Array(20_000), undefined, 4);
  for (const d of drain(a.conn, 4)) b.conn.handleDatagram(d, 5);
  assert.equal(b.got.length, 1);
  // the incomplete group expires and releases its bytes
  assert.ok(b.conn.reassemblyBytes > 0);
  b.conn.handleTimeout(5000);
  assert.equal(b.conn.reassemblyBytes, 0);
});

Deno.test("flow control: a reliable message the app cannot take is held, acked, delivered later", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  let open = false;
  const got: number[] = [];
  b.conn.onMessage = (_ch, _mode, _peer, data) => {
    if (!open) return false;
    got.push(num(data));
    return true;
  };
  a.conn.send(1, R, msg(1), undefined, 0);
  a.conn.send(2, U, msg(2), undefined, 0);
  const [d] = drain(a.conn, 0);
  assert.equal(b.conn.handleDatagram(d, 1), true);
  assert.equal(b.conn.stats.unreliableDropped, 1, "an unreliable one is dropped");
  b.conn.handleTimeout(10);
  for (const x of drain(b.conn, 10)) a.conn.handleDatagram(x, 11);
  assert.equal(a.conn.queuedBytes, 0, "the held message is acked: the link does not stall");
  assert.deepEqual(got, []);
  open = true;
  assert.equal(b.conn.handleDatagram(d, 12), false, "replay is still dropped");
  b.conn.handleTimeout(b.conn.pollTimeout());
  assert.deepEqual(got, [1], "delivered once the application takes it, exactly once");
});

Deno.test("2000 reliable messages on two channels over a lossy, duplicating, reordering link", () => {
  for (const seed of [1, 2, 3]) {
    const a = collecting(testConfig()), b = collecting(testConfig());
    const link = new LossyLink(a.conn, b.conn, {
      loss: 0.2,
      duplicate: 0.1,
      latencyMs: 30,
      jitterMs: 40,
    }, seed);
    for (let i = 0; i < 2000; i++) {
      a.conn.send(1 + (i % 2), R, msg(i, 16 + (i % 50)), undefined, link.now);
      if (i % 50 === 49) link.runUntil(() => false, 5);
    }
    assert.ok(
      link.runUntil(() => b.got.length >= 2000 && a.conn.queuedBytes === 0, 120_000),
      `seed ${seed}`,
    );
    for (const ch of [1, 2]) {
      const seq = b.got.filter((m) => m.ch === ch).map((m) => num(m.data));
      assert.deepEqual(
        seq,
        [...Array(1000).keys()].map((i) => i * 2 + ch - 1),
        `seed ${seed} ch ${ch}`,
      );
    }
    assert.ok(a.conn.stats.retransmits > 0);
    // one-way delay is 30..70 ms (mean 50): the true RTT averages 100 ms
    assert.ok(Math.abs(a.conn.rttMs - 100) < 40, `rtt ${a.conn.rttMs}`);
  }
});

Deno.test("a stalled reliable channel does not block another channel", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  a.conn.send(1, R, msg(1), undefined, 0);
  drain(a.conn, 0); // lost: channel 1 stalls until the RTO
  a.conn.send(2, R, msg(2), undefined, 1);
  for (const d of drain(a.conn, 1)) b.conn.handleDatagram(d, 2);
  assert.deepEqual(b.got.map((m) => [m.ch, num(m.data)]), [[2, 2]]);
});

Deno.test("keepalive pings and timeout", () => {
  const a = collecting(testConfig({ keepaliveMs: 100, timeoutMs: 500 })),
    b = collecting(testConfig());
  assert.equal(a.conn.pollTimeout(), 100);
  a.conn.handleTimeout(100);
  const [ping] = drain(a.conn, 100);
  assert.ok(ping);
  assert.ok(b.conn.handleDatagram(ping, 101));
  assert.equal(b.got.length, 0);
  assert.equal(a.conn.timedOut, false);
  a.conn.handleTimeout(500);
  assert.equal(a.conn.timedOut, true);
});

Deno.test("limits: queue full, too large, bad channel/mode/peer; garbage never throws", () => {
  const { conn } = collecting(testConfig({ maxSendQueueBytes: 100, maxMessageSize: 50 }));
  assert.throws(
    () => conn.send(1, R, new Uint8Array(51), undefined, 0),
    (e) =>
      e instanceof MultiplayerError && e.code === "PACKET_TOO_LARGE" &&
      /maxMessageSize/.test(e.message),
  );
  conn.send(1, R, new Uint8Array(50), undefined, 0);
  conn.send(1, R, new Uint8Array(50), undefined, 0);
  assert.throws(
    () => conn.send(1, R, new Uint8Array(1), undefined, 0),
    (e) =>
      e instanceof MultiplayerError && e.code === "QUEUE_FULL" &&
      /maxSendQueueBytes \(100\)/.test(e.message),
  );
  conn.send(1, U, new Uint8Array(1), undefined, 0);
  assert.equal(conn.stats.unreliableDropped, 1);
  assert.throws(() => conn.send(3, R, new Uint8Array(1), undefined, 0), {
    code: "INVALID_CHANNEL",
  });
  assert.throws(() => conn.send(1, 7 as never, new Uint8Array(1), undefined, 0), {
    code: "INVALID_ARGUMENT",
  });
  assert.throws(() => conn.send(1, R, new Uint8Array(1), 2 ** 40, 0), { code: "INVALID_ARGUMENT" });
  const rnd = new SeededRandom(77);
  for (let i = 0; i < 2000; i++) {
    assert.equal(conn.handleDatagram(rnd.fill(new Uint8Array(rnd.nextU32() % 64)), 1), false);
  }
});

Deno.test("datagrams from another session are dropped without state change", () => {
  const a = collecting(testConfig({ sessionId: 1 })), b = collecting(testConfig({ sessionId: 2 }));
  a.conn.send(1, R, msg(1), undefined, 0);
  const [d] = drain(a.conn, 0);
  assert.equal(b.conn.handleDatagram(d, 1), false);
  assert.equal(b.got.length, 0);
  assert.equal(b.conn.stats.packetsReceived, 0);
});

Deno.test("reliableCarrier mode: no acks, refused messages are kept and retried", () => {
  const cfg = testConfig({ reliableCarrier: true });
  const a = collecting(cfg), b = collecting(cfg);
  let open = false;
  const got: number[] = [];
  b.conn.onMessage = (_c, _m, _p, d) => open ? got.push(num(d)) > 0 : false;
  const big = new Uint8Array(10_000);
  big[9999] = 7;
  a.conn.send(1, R, msg(1), undefined, 0);
  a.conn.send(1, R, big, undefined, 0);
  a.conn.send(1, R, msg(3), undefined, 0);
  assert.equal(a.conn.queuedBytes, 10_016);
  const ds = drain(a.conn, 0);
  assert.equal(a.conn.queuedBytes, 0, "nothing waits for acks");
  for (const d of ds) b.conn.handleDatagram(d, 1);
  assert.equal(drain(b.conn, 100).length, 0, "no ack datagrams");
  open = true;
  b.conn.handleTimeout(b.conn.pollTimeout());
  assert.deepEqual(got, [1, 0, 3]);
});

Deno.test("delayed acks: one ack datagram per 16 ack-eliciting packets, none per packet", () => {
  // time stands still here: no window may limit the sender (acks are what is counted)
  const a = collecting(testConfig(), { congestion: unlimitedCongestion });
  const b = collecting(testConfig());
  let acks = 0;
  for (let i = 0; i < 64; i++) {
    a.conn.send(1, R, msg(i, 1000), undefined, 0);
    for (const d of drain(a.conn, 0)) b.conn.handleDatagram(d, 0);
    for (const d of drain(b.conn, 0)) {
      acks++;
      a.conn.handleDatagram(d, 0);
    }
  }
  assert.equal(b.got.length, 64);
  assert.equal(acks, 4);
  assert.equal(a.conn.queuedBytes, 0, "every message acked");
});

Deno.test("congestion hook: closed window sheds stale unreliable first, delays reliable", () => {
  let open = false;
  const calls: string[] = [];
  const cc = {
    ...unlimitedCongestion,
    canSend: () => open,
    nextSendTime: (now: number) => now + 7,
    onSent: (bytes: number) => void calls.push(`sent ${bytes > 0}`),
    onAck: (_b: number, rtt: number | undefined) => void calls.push(`ack ${rtt !== undefined}`),
    onLoss: () => void calls.push("loss"),
  };
  const a = collecting(testConfig(), { congestion: cc }), b = collecting(testConfig());
  a.conn.send(1, R, msg(1), undefined, 0);
  a.conn.send(2, U, msg(2), undefined, 0);
  assert.equal(a.conn.pollTransmit(0), undefined);
  assert.equal(a.conn.stats.unreliableDropped, 0, "fresh: kept for the next opening");
  assert.equal(a.conn.pollTimeout(), 7);
  a.conn.send(2, U, msg(3), undefined, 150);
  assert.equal(a.conn.pollTransmit(201), undefined);
  assert.equal(a.conn.stats.unreliableDropped, 1, "waited > 200 ms: shed");
  open = true;
  for (const d of drain(a.conn, 207)) b.conn.handleDatagram(d, 208);
  assert.deepEqual(b.got.map((m) => num(m.data)), [3, 1]);
  b.conn.handleTimeout(b.conn.pollTimeout());
  for (const d of drain(b.conn, 210)) a.conn.handleDatagram(d, 210);
  assert.deepEqual(calls, ["sent true", "ack true"]);
});

Deno.test("mutated datagrams of a live session never throw and stay within limits", () => {
  const cfg = testConfig({ maxReassemblyBytes: 64 * 1024 });
  const a = collecting(cfg), b = collecting(cfg);
  const rnd = new SeededRandom(99);
  const corpus: Uint8Array[] = [];
  a.conn.send(1, R, new Uint8Array(5000), 3, 0);
  a.conn.send(2, U, new Uint8Array(3000), undefined, 0);
  a.conn.send(2, UO, new Uint8Array(10), -9, 0);
  a.conn.send(0, R, new Uint8Array(10), undefined, 0);
  corpus.push(...drain(a.conn, 0));
  for (let i = 0; i < 30_000; i++) {
    const m = corpus[i % corpus.length].slice();
    for (let f = 0; f < 1 + (i % 3); f++) m[rnd.nextU32() % m.length] = rnd.nextU32() & 0xff;
    b.conn.handleDatagram(m.subarray(0, rnd.next() < 0.1 ? rnd.nextU32() % m.length : m.length), i);
    if (i % 1000 === 0) b.conn.handleTimeout(i);
    assert.ok(b.conn.reassemblyBytes <= 64 * 1024);
    drain(b.conn, i);
  }
  assert.ok(b.conn.stats.packetsDropped > 20_000);
});

Deno.test("pollTimeout never lies in the past while sending is blocked", () => {
  const cc = {
    ...unlimitedCongestion,
    canSend: () => false,
    nextSendTime: () => Infinity,
    onSent: () => {},
    onAck: () => {},
    onLoss: () => {},
  };
  const a = collecting(testConfig({ keepaliveMs: 100 }), { congestion: cc });
  a.conn.handleTimeout(100);
  assert.equal(a.conn.pollTransmit(100), undefined, "ping waits for the window");
  assert.ok(a.conn.pollTimeout() > 100, `deadline ${a.conn.pollTimeout()}`);
});

Deno.test("a side that only acked for 3000 datagrams can still send at once (ring restarts)", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  const link = new LossyLink(
    a.conn,
    b.conn,
    { loss: 0, duplicate: 0, latencyMs: 1, jitterMs: 0 },
    3,
  );
  for (let i = 0; i < 3000; i++) {
    a.conn.send(1, TransferMode.RELIABLE, new Uint8Array(8), undefined, link.now);
    assert.ok(link.runUntil(() => b.got.length === i + 1, 1000), `message ${i} arrived`);
    link.runUntil(() => false, 5); // b's ack-only datagram goes out: each takes a packet number
  }
  b.conn.send(1, TransferMode.RELIABLE, new Uint8Array([42]), undefined, link.now);
  assert.ok(link.runUntil(() => a.got.length === 1, 500), "the first reply arrives");
  assert.deepEqual([...a.got[0].data], [42]);
});

Deno.test("payloads of an owned datagram are views of it; others are copies that outlive it", () => {
  for (const owned of [true, false]) {
    const a = collecting(testConfig()), b = collecting(testConfig());
    for (let i = 0; i < 3; i++) a.conn.send(1, R, msg(i, 32), undefined, 0);
    a.conn.send(2, U, msg(9, 32), undefined, 0);
    const [d] = drain(a.conn, 0);
    const rx = new Uint8Array(d.length + 16);
    rx.set(d, 16);
    const view = rx.subarray(16);
    assert.ok(b.conn.handleDatagram(view, 1, owned));
    assert.equal(b.got.length, 4);
    assert.ok(b.got.every((m) => (m.data.buffer === rx.buffer) === owned));
    if (!owned) rx.fill(0); // the carrier reuses its buffer: the copies must not change
    assert.deepEqual(b.got.map((m) => num(m.data)), [9, 0, 1, 2]);
  }
});

Deno.test("a refused reliable message is retried by timer and by later datagrams, then never again", () => {
  const a = collecting(testConfig()), b = collecting(testConfig());
  let open = false;
  const got: number[] = [];
  b.conn.onMessage = (_c, _m, _p, d) => open ? got.push(num(d)) > 0 : false;
  a.conn.send(1, R, msg(1), undefined, 0);
  for (const d of drain(a.conn, 0)) b.conn.handleDatagram(d, 1);
  assert.deepEqual(got, []);
  // refused: a retry is scheduled soon, well before any ack or keepalive deadline
  const retryAt = b.conn.pollTimeout();
  assert.ok(retryAt <= 1 + 5, `retry at ${retryAt}`); // REFUSED_RETRY_MS (5) after the refusal
  b.conn.handleTimeout(retryAt);
  assert.deepEqual(got, [], "still refused");
  open = true;
  // an unreliable datagram arriving meanwhile retries the refused one first
  a.conn.send(2, U, msg(9), undefined, 2);
  for (const d of drain(a.conn, 2)) b.conn.handleDatagram(d, 3);
  assert.deepEqual(got, [1, 9]);
  // nothing is blocked any more: once the acks owed are out, no retry deadline remains
  for (const d of drain(b.conn, 3)) a.conn.handleDatagram(d, 3);
  assert.ok(b.conn.pollTimeout() > 3 + 5, `no retry once delivered (${b.conn.pollTimeout()})`);
  // unreliable-only traffic afterwards is delivered with nothing to retry
  a.conn.send(2, U, msg(10), undefined, 4);
  for (const d of drain(a.conn, 4)) b.conn.handleDatagram(d, 5);
  assert.deepEqual(got, [1, 9, 10]);
});
