import assert from "node:assert/strict";
import { MultiplayerError } from "../../protocol/errors.ts";
import { VirtualClock, VirtualNetwork } from "./virtual_network.ts";

Deno.test("VirtualClock: fires in time order, ties by insertion, cancels, never goes back", () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  clock.setTimer(() => log.push(`b@${clock.now()}`), 20);
  clock.setTimer(() => log.push(`a@${clock.now()}`), 10);
  clock.setTimer(() => log.push(`c@${clock.now()}`), 20);
  const cancelled = clock.setTimer(() => log.push("x"), 15);
  clock.clearTimer(cancelled);
  clock.clearTimer(9999); // unknown: no-op
  // a timer set from a callback, due before the target, fires in the same run
  clock.setTimer(() => clock.setTimer(() => log.push(`d@${clock.now()}`), 3), 25);
  assert.equal(clock.pending, 4);
  assert.equal(clock.runUntil(100), 5);
  assert.deepEqual(log, ["a@10", "b@20", "c@20", "d@28"]);
  assert.equal(clock.now(), 100);
  assert.equal(clock.pending, 0);
  assert.throws(() => clock.advanceTo(50), MultiplayerError);
  clock.setTimer(() => log.push("zero"), -5); // negative delay = now
  assert.equal(clock.nextDeadline(), 100);
  clock.advanceBy(0);
  assert.equal(log.at(-1), "zero");
});

Deno.test("VirtualClock: runUntilAsync lets microtasks run between timers", async () => {
  const clock = new VirtualClock();
  const log: string[] = [];
  clock.setTimer(() => queueMicrotask(() => log.push(`flush@${clock.now()}`)), 10);
  clock.setTimer(() => log.push(`timer@${clock.now()}`), 20);
  await clock.runUntilAsync(30);
  assert.deepEqual(log, ["flush@10", "timer@20"]);
});

Deno.test("VirtualNetwork: delivers after latency with the sender's address", async () => {
  const net = new VirtualNetwork({ seed: 1, link: { latencyMs: 10 } });
  const a = net.createTransport(), b = net.createTransport();
  assert.equal(a.localAddress.hostname, "sim-1");
  assert.equal(b.localAddress.hostname, "sim-2");
  const got: [number, string, number][] = [];
  b.listen((bytes, from) => got.push([bytes[0], from.hostname, net.clock.now()]));
  const payload = new Uint8Array([42]);
  a.send(payload, b.localAddress);
  net.run(9);
  assert.equal(got.length, 0);
  net.run(10);
  assert.deepEqual(got, [[42, "sim-1", 10]]);
  assert.throws(() => net.createTransport("sim-1", 1), /in use/);
  await a.close();
  await b.close();
});

Deno.test("VirtualNetwork: per-pair links, runtime changes and truth", () => {
  const net = new VirtualNetwork({ seed: 3, link: { latencyMs: 25 } });
  const server = net.createTransport("sim-server", 7000);
  const c1 = net.createTransport(), c2 = net.createTransport();
  const counts = new Map<string, number>();
  server.listen((_b, from) => counts.set(from.hostname, (counts.get(from.hostname) ?? 0) + 1));
  net.setLink(c1.localAddress, server.localAddress, { loss: 0.3 });
  for (let i = 0; i < 10_000; i++) {
    c1.send(new Uint8Array(8), server.localAddress);
    c2.send(new Uint8Array(8), server.localAddress);
    net.run(i);
  }
  net.run(20_000);
  const truth = net.linkTruth(c1.localAddress, server.localAddress);
  assert.equal(truth.rttMs, 50);
  assert.ok(Math.abs(truth.lossRatio - 0.3) < 0.02);
  assert.equal(counts.get("sim-1"), Math.round(10_000 * (1 - truth.lossRatio)));
  assert.equal(counts.get("sim-2"), 10_000);
  // cut client 2 completely at runtime
  net.setHostLinks(c2.localAddress, { loss: 1 });
  for (let i = 0; i < 100; i++) c2.send(new Uint8Array(8), server.localAddress);
  net.run(30_000);
  assert.equal(counts.get("sim-2"), 10_000);
  assert.equal(net.linkTruth(server.localAddress, c2.localAddress).rttMs, 50);
});

Deno.test("VirtualNetwork: unknown and closed destinations vanish like UDP", async () => {
  const net = new VirtualNetwork({ link: { latencyMs: 5 } });
  const a = net.createTransport(), b = net.createTransport();
  b.listen(() => {});
  assert.equal(a.send(new Uint8Array(1), { hostname: "nowhere", port: 1 }), true);
  a.send(new Uint8Array(1), b.localAddress);
  await b.close();
  net.run(10);
  assert.equal(net.stats.undeliverable, 2);
  assert.equal(net.stats.delivered, 0);
  await a.close();
  assert.equal(a.send(new Uint8Array(1), b.localAddress), false);
  assert.throws(() => a.send(new Uint8Array(2000), b.localAddress), /maxDatagramSize/);
});

Deno.test("VirtualNetwork: a throwing handler does not stall the network", () => {
  const net = new VirtualNetwork({ link: { latencyMs: 1 } });
  const a = net.createTransport(), b = net.createTransport();
  let seen = 0;
  b.listen(() => {
    seen++;
    if (seen === 1) throw new Error("app bug");
  });
  a.send(new Uint8Array(1), b.localAddress);
  a.send(new Uint8Array(1), b.localAddress);
  assert.throws(() => net.run(5), /app bug/);
  net.run(6);
  assert.equal(seen, 2);
});

/** A ping-pong session with reordering and duplication, summarized as a string. */
function session(seed: number): string {
  const net = new VirtualNetwork({
    seed,
    link: { latencyMs: 20, jitterMs: 15, loss: 0.1, duplicate: 0.1, reorder: 0.1 },
  });
  const a = net.createTransport(), b = net.createTransport();
  const trace: number[] = [];
  b.listen((bytes, from) => {
    trace.push(bytes[0], net.clock.now());
    b.send(bytes, from);
  });
  a.listen((bytes) => trace.push(-bytes[0]));
  for (let i = 0; i < 200; i++) {
    a.send(new Uint8Array([i]), b.localAddress);
    net.run(i * 5);
  }
  net.run(5000);
  return trace.join(",");
}

Deno.test("VirtualNetwork: a run replays exactly from its seed", () => {
  assert.equal(session(99), session(99));
  assert.notEqual(session(99), session(100));
});

Deno.test("VirtualNetwork: a million deliveries run fast", () => {
  const net = new VirtualNetwork({ seed: 5, link: { latencyMs: 30, jitterMs: 10 } });
  const peers = Array.from({ length: 10 }, () => net.createTransport());
  let received = 0;
  for (const p of peers) p.listen(() => received++);
  const payload = new Uint8Array(64);
  const start = performance.now();
  for (let t = 0; t < 10_000; t++) {
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++) if (i !== j) peers[i].send(payload, peers[j].localAddress);
    }
    net.run(t);
  }
  net.run(11_000);
  const ms = performance.now() - start;
  assert.equal(received, 900_000);
  assert.equal(net.inFlight, 0);
  console.log(`900k deliveries in ${ms.toFixed(0)} ms`);
  assert.ok(ms < 20_000, `too slow: ${ms} ms`);
});
