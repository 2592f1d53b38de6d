import assert from "node:assert/strict";
import { MultiplayerError } from "../../protocol/errors.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { UdpTransport } from "./udp_transport.ts";

/** Resolves after `count` datagrams arrived (copies kept) at `t`. */
function collect(
  t: UdpTransport,
  count: number,
): Promise<{ data: Uint8Array; from: PeerAddress }[]> {
  const got: { data: Uint8Array; from: PeerAddress }[] = [];
  return new Promise((resolve) => {
    t.listen((bytes, from) => {
      got.push({ data: bytes.slice(), from });
      if (got.length === count) resolve(got);
    });
  });
}

for (const hostname of ["127.0.0.1", "::1"]) {
  Deno.test(`UdpTransport round trip on ${hostname} with an ephemeral port`, async () => {
    const a = await UdpTransport.bind({ hostname });
    const b = await UdpTransport.bind({ hostname, port: 0 });
    try {
      assert.ok(a.localAddress.port > 0 && b.localAddress.port !== a.localAddress.port);
      const n = 200;
      const arrived = collect(b, n);
      for (let i = 0; i < n; i++) {
        assert.equal(a.send(new Uint8Array([i & 0xff, i >> 8, 7]), b.localAddress), true);
      }
      const got = await arrived;
      // loopback keeps order and loses nothing at this rate
      for (let i = 0; i < n; i++) assert.deepEqual([...got[i].data], [i & 0xff, i >> 8, 7]);
      assert.equal(got[0].from.port, a.localAddress.port);
      assert.equal(got[0].from.transport, "udp");
      assert.equal(b.stats.datagramsReceived, n);
      assert.equal(b.stats.bytesReceived, 3 * n);
    } finally {
      await a.close();
      await b.close();
    }
    assert.equal(a.stats.datagramsSent, 200);
    assert.equal(a.stats.bytesSent, 600);
  });
}

Deno.test("UdpTransport: the receive buffer is reused (views alias one buffer)", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const buffers: ArrayBufferLike[] = [];
  const done = Promise.withResolvers<void>();
  b.listen((bytes) => {
    buffers.push(bytes.buffer);
    if (buffers.length === 3) done.resolve();
  });
  for (let i = 0; i < 3; i++) a.send(new Uint8Array(10), b.localAddress);
  await done.promise;
  await a.close();
  await b.close();
  assert.ok(buffers[0] === buffers[1] && buffers[1] === buffers[2]);
});

Deno.test("UdpTransport: a throwing handler is counted and reported, the loop continues", async () => {
  const errors: string[] = [];
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const b = await UdpTransport.bind({
    hostname: "127.0.0.1",
    onError: (e, where) => errors.push(`${where}:${(e as Error).message}`),
  });
  const done = Promise.withResolvers<void>();
  let seen = 0;
  b.listen((bytes) => {
    seen++;
    if (bytes[0] === 1) throw new Error("boom");
    if (bytes[0] === 2) done.resolve();
  });
  a.send(new Uint8Array([1]), b.localAddress);
  a.send(new Uint8Array([2]), b.localAddress);
  await done.promise;
  await a.close();
  await b.close();
  assert.equal(seen, 2);
  assert.equal(b.stats.handlerErrors, 1);
  assert.deepEqual(errors, ["handler:boom"]);
});

Deno.test("UdpTransport: bounded send queue drops when full and counts it", async () => {
  const a = await UdpTransport.bind({
    hostname: "127.0.0.1",
    maxQueuedDatagrams: 8,
    maxQueuedBytes: 1000,
    maxInFlight: 1,
  });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  let accepted = 0;
  // synchronous burst with one send in flight: the rest waits in the queue until it fills up
  for (let i = 0; i < 100; i++) if (a.send(new Uint8Array(10), b.localAddress)) accepted++;
  // one datagram is already in flight, 8 wait in the queue
  assert.equal(accepted, 9);
  assert.equal(a.stats.drops, 91);
  await a.close();
  await b.close();
  assert.equal(a.stats.datagramsSent, 9);
  // byte bound

  const c = await UdpTransport.bind({
    hostname: "127.0.0.1",
    maxQueuedBytes: 1000,
    maxInFlight: 1,
  });
  const d = await UdpTransport.bind({ hostname: "127.0.0.1" });
  assert.equal(c.send(new Uint8Array(600), d.localAddress), true); // in flight
  assert.equal(c.send(new Uint8Array(600), d.localAddress), true); // queued
  assert.equal(c.send(new Uint8Array(600), d.localAddress), false); // over the byte bound
  assert.equal(c.queuedBytes, 600);
  await c.close();
  await d.close();
});

Deno.test("UdpTransport: a burst leaves at once up to maxInFlight, the rest queues in order", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1", maxInFlight: 4 });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  try {
    const arrived = collect(b, 11);
    // a fresh socket sends one datagram first (until then its writability is unknown)
    assert.equal(a.send(new Uint8Array([99, 0]), b.localAddress), true);
    assert.equal(a.send(new Uint8Array([98, 0]), b.localAddress), true);
    assert.equal(a.queuedBytes, 2, "the second waits for the first");
    while (a.stats.datagramsSent < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    for (let i = 0; i < 9; i++) assert.equal(a.send(new Uint8Array([i, 0]), b.localAddress), true);
    assert.equal(a.queuedBytes, 10, "4 started in the call, 5 datagrams of 2 bytes wait");
    const got = await arrived;
    assert.deepEqual(got.map((g) => g.data[0]), [99, 98, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(a.queuedBytes, 0);
  } finally {
    await a.close();
    await b.close();
  }
  assert.equal(a.stats.datagramsSent, 11);
  // once warm, the default starts a whole flush's datagrams at once: none waits for another
  const c = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const d = await UdpTransport.bind({ hostname: "127.0.0.1" });
  try {
    const arrived = collect(d, 33);
    c.send(new Uint8Array(100), d.localAddress);
    while (c.stats.datagramsSent < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    for (let i = 0; i < 32; i++) c.send(new Uint8Array(100), d.localAddress);
    assert.equal(c.queuedBytes, 0);
    assert.equal((await arrived).length, 33);
  } finally {
    await c.close();
    await d.close();
  }
});

Deno.test("UdpTransport: close() flushes queued datagrams, then sends return false", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const arrived = collect(b, 50);
  for (let i = 0; i < 50; i++) a.send(new Uint8Array([i]), b.localAddress);
  await a.close(); // queued goodbyes still go out
  assert.equal(a.stats.datagramsSent, 50);
  assert.equal((await arrived).length, 50);
  assert.equal(a.send(new Uint8Array(1), b.localAddress), false);
  assert.equal(a.stats.drops, 1);
  await b.close();
  await b.close(); // idempotent
});

Deno.test("UdpTransport: addresses without the udp tag are accepted", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const arrived = collect(b, 2);
  const to: PeerAddress = { hostname: "127.0.0.1", port: b.localAddress.port };
  a.send(new Uint8Array([1]), to);
  a.send(new Uint8Array([2]), to);
  assert.equal((await arrived).length, 2);
  await a.close();
  await b.close();
});

Deno.test("UdpTransport: send errors are counted, not thrown", async () => {
  const errors: string[] = [];
  const a = await UdpTransport.bind({ hostname: "127.0.0.1", onError: (_e, w) => errors.push(w) });
  // an IPv6 destination from an IPv4 socket cannot be sent
  assert.equal(a.send(new Uint8Array(4), { hostname: "::1", port: 9, transport: "udp" }), true);
  await a.close();
  assert.equal(a.stats.sendErrors, 1);
  assert.deepEqual(errors, ["send"]);
});

Deno.test("UdpTransport: misuse throws MultiplayerError", async () => {
  await assert.rejects(
    () => UdpTransport.bind({ hostname: "127.0.0.1", maxDatagramSize: 70000 }),
    MultiplayerError,
  );
  await assert.rejects(() => UdpTransport.bind({ port: 70000 }), /port/);
  const a = await UdpTransport.bind({ hostname: "127.0.0.1", maxDatagramSize: 100 });
  assert.throws(
    () => a.send(new Uint8Array(101), a.localAddress),
    (e) => e instanceof MultiplayerError && e.code === "PACKET_TOO_LARGE" && /101/.test(e.message),
  );
  a.listen(() => {});
  assert.throws(() => a.listen(() => {}), (e) => (e as MultiplayerError).code === "ALREADY_ACTIVE");
  await a.close();
  assert.throws(() => a.listen(() => {}), (e) => (e as MultiplayerError).code === "CLOSED");
});

Deno.test("UdpTransport: small receive sizes give each datagram away (kept views stay intact)", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  // up to ENet's 4 KiB datagrams: received into memory given away
  const b = await UdpTransport.bind({ hostname: "127.0.0.1", maxReceiveSize: 4096 });
  const c = await UdpTransport.bind({ hostname: "127.0.0.1", maxReceiveSize: 4097 });
  const kept: Uint8Array[] = [];
  const flags: (boolean | undefined)[] = [];
  const n = 60; // 60 x 1000 B: several 16 KiB slabs
  const done = Promise.withResolvers<void>();
  b.listen((bytes, _from, owned) => {
    kept.push(bytes); // no copy: owned bytes are never written again
    flags.push(owned);
    if (kept.length === n) done.resolve();
  });
  try {
    for (let i = 0; i < n; i++) a.send(new Uint8Array(1000).fill(i + 1), b.localAddress);
    await done.promise;
    assert.ok(flags.every((f) => f === true));
    for (let i = 0; i < n; i++) {
      assert.equal(kept[i].length, 1000);
      assert.ok(kept[i].every((x) => x === i + 1), `datagram ${i} intact`);
    }
    assert.ok(new Set(kept.map((k) => k.buffer)).size >= 4, "later slabs are fresh memory");
    const larger = Promise.withResolvers<boolean | undefined>();
    c.listen((_bytes, _from, owned) => larger.resolve(owned));
    a.send(new Uint8Array(10), c.localAddress);
    assert.equal(await larger.promise, false, "above 4 KiB one buffer is reused: lent only");
  } finally {
    await a.close();
    await b.close();
    await c.close();
  }
});

Deno.test("UdpTransport: datagrams above maxReceiveSize are dropped whole, never truncated", async () => {
  const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1", maxReceiveSize: 100 });
  try {
    const arrived = collect(b, 2);
    a.send(new Uint8Array(101).fill(1), b.localAddress); // one byte too many
    a.send(new Uint8Array(100).fill(2), b.localAddress); // exactly the limit
    a.send(new Uint8Array(3000).fill(3), b.localAddress);
    a.send(new Uint8Array(5).fill(4), b.localAddress);
    const got = await arrived;
    assert.deepEqual(got.map((g) => [g.data.length, g.data[0]]), [[100, 2], [5, 4]]);
    assert.equal(b.stats.oversized, 2);
    assert.equal(b.stats.datagramsReceived, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("UdpTransport: the send queue grows past its first slots and keeps FIFO order", async () => {
  const a = await UdpTransport.bind({
    hostname: "127.0.0.1",
    maxQueuedDatagrams: 100,
    maxInFlight: 1,
  });
  const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
  try {
    const arrived = collect(b, 100);
    let accepted = 0;
    for (let i = 0; i < 150; i++) if (a.send(new Uint8Array([i]), b.localAddress)) accepted++;
    // the first send left at once (started inside send()): 101 fit
    assert.equal(accepted, 101);
    const got = await arrived;
    assert.deepEqual(got.map((g) => g.data[0]), Array.from({ length: 100 }, (_, i) => i));
  } finally {
    await a.close();
    await b.close();
  }
});
