import assert from "node:assert/strict";
import { SimulatedTransport } from "./simulated_transport.ts";
import type { DatagramHandler, DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { UdpTransport } from "../udp/udp_transport.ts";
import { VirtualClock } from "../time/virtual_clock.ts";

/** Records what reaches the wire, with the virtual time. */
class Recorder implements DatagramTransport {
  readonly maxDatagramSize = 1200;
  readonly reliable = true;
  readonly localAddress: PeerAddress = { hostname: "rec", port: 1 };
  sent: [number, number][] = [];
  closed = false;
  constructor(private clock: VirtualClock) {}
  listen(_handler: DatagramHandler): void {}
  send(bytes: Uint8Array, _to: PeerAddress): boolean {
    this.sent.push([bytes[0], this.clock.now()]);
    return true;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const TO: PeerAddress = { hostname: "peer", port: 2 };

Deno.test("SimulatedTransport: delays by latency, copies delayed bytes, one timer", async () => {
  const clock = new VirtualClock();
  const inner = new Recorder(clock);
  const t = new SimulatedTransport(inner, { latencyMs: 30 }, clock);
  assert.equal(t.reliable, false);
  const buf = new Uint8Array([7]);
  t.send(buf, TO);
  buf[0] = 8; // caller reuses its buffer
  t.send(buf, TO);
  assert.equal(clock.pending, 1); // one timer for the earliest delivery
  clock.runUntil(29);
  assert.deepEqual(inner.sent, []);
  clock.runUntil(30);
  assert.deepEqual(inner.sent, [[7, 30], [8, 30]]);
  assert.equal(clock.pending, 0);
  await t.close();
  assert.ok(inner.closed);
});

Deno.test("SimulatedTransport: zero latency sends at once; loss and duplicates pass through", async () => {
  const clock = new VirtualClock();
  const inner = new Recorder(clock);
  const t = new SimulatedTransport(inner, { loss: 0.2, duplicate: 0.1, seed: 4 }, clock);
  for (let i = 0; i < 10_000; i++) t.send(new Uint8Array([1]), TO);
  clock.runUntil(1);
  const s = t.link.stats;
  assert.equal(inner.sent.length, s.delivered);
  assert.ok(Math.abs(s.droppedLoss / 10_000 - 0.2) < 0.02);
  assert.ok(s.duplicated > 600 && s.duplicated < 1000);
  await t.close();
});

Deno.test("SimulatedTransport: jitter reorders, outage drops, pending is bounded", async () => {
  const clock = new VirtualClock();
  const inner = new Recorder(clock);
  const t = new SimulatedTransport(
    inner,
    { latencyMs: 30, jitterMs: 20, seed: 2, jitterReorders: true, maxPendingDatagrams: 100 },
    clock,
  );
  let accepted = 0;
  for (let i = 0; i < 150; i++) if (t.send(new Uint8Array([i]), TO)) accepted++;
  assert.equal(accepted, 100);
  assert.equal(t.overflowDrops, 50);
  clock.runUntil(100);
  assert.equal(inner.sent.length, 100);
  const order = inner.sent.map(([b]) => b);
  assert.notDeepEqual(order, [...order].sort((a, b) => a - b)); // reordered
  assert.ok(inner.sent.every(([, at]) => at >= 10 && at <= 50));
  t.link.setDown(true);
  t.send(new Uint8Array([1]), TO);
  clock.runUntil(200);
  assert.equal(inner.sent.length, 100);
  await t.close();
});

Deno.test("SimulatedTransport: close() flushes near deliveries, drops far ones, clears timers", async () => {
  const clock = new VirtualClock();
  const inner = new Recorder(clock);
  const t = new SimulatedTransport(inner, { latencyMs: 50, closeFlushMs: 100 }, clock);
  t.send(new Uint8Array([1]), TO); // due at 50: flushed
  t.link.configure({ latencyMs: 500 });
  t.send(new Uint8Array([2]), TO); // due at 500: dropped on close
  const closing = t.close();
  assert.equal(t.send(new Uint8Array([3]), TO), false);
  clock.runUntil(60);
  await closing;
  assert.deepEqual(inner.sent, [[1, 50]]);
  assert.equal(clock.pending, 0);
  assert.ok(inner.closed);
});

Deno.test("SimulatedTransport over real UDP: latency on the system clock, sanitizers clean", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const sim = new SimulatedTransport(a, { latencyMs: 30, jitterMs: 5, seed: 1 });
  const got = Promise.withResolvers<number>();
  let count = 0;
  b.listen(() => {
    if (++count === 20) got.resolve(performance.now());
  });
  const start = performance.now();
  for (let i = 0; i < 20; i++) sim.send(new Uint8Array([i]), b.localAddress);
  const end = await got.promise;
  assert.ok(end - start >= 24, `arrived after ${end - start} ms`);
  // leave some pending to check close releases the timer
  sim.link.configure({ latencyMs: 10_000, jitterMs: 0 });
  sim.send(new Uint8Array([1]), b.localAddress);
  assert.equal(sim.pending, 1);
  await sim.close();
  await b.close();
  assert.equal(a.stats.datagramsSent, 20);
});
