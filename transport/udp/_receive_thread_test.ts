import assert from "node:assert/strict";
import { ReceiveThread } from "./_receive_thread.ts";
import { UdpTransport } from "./udp_transport.ts";

const LOOPBACK = "127.0.0.1";

/** A send socket on an ephemeral port shared with a receive thread (as UdpTransport does it). */
async function sharedPort(maxReceiveSize: number, ringBytes?: number) {
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: LOOPBACK,
    port: 0,
    reuseAddress: true,
  });
  const port = (conn.addr as Deno.NetAddr).port;
  const thread = await ReceiveThread.start({
    hostname: LOOPBACK,
    port,
    maxReceiveSize,
    ringBytes,
    sender: conn,
  });
  if (!thread) throw new Error("Linux delivers to the receive thread's socket");
  return { conn, port, thread };
}

/** Resolves once `condition()` holds, checking on every received datagram; fails after `ms`. */
function until(condition: () => boolean, ms: number, what: string) {
  let check = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    check = () => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  return { done, check };
}

Deno.test("ReceiveThread: datagrams of every size arrive whole and in order across many ring wraps", async () => {
  const { conn, port, thread } = await sharedPort(64, 4096);
  const sender = Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
  const senderPort = (sender.addr as Deno.NetAddr).port;
  const to = { transport: "udp" as const, hostname: LOOPBACK, port };
  // a fresh socket's sends wait for the runtime to learn it is writable, then leave in any order
  await sender.send(new Uint8Array([0xff, 0xff]), to);
  const total = 3000;
  const got: number[] = [];
  let corrupt = 0;
  let progress = until(() => false, 10_000, "nothing");
  thread.listen((bytes, from) => {
    const seq = bytes[0] | (bytes[1] << 8);
    if (seq === 0xffff) return;
    for (let i = 2; i < bytes.length; i++) if (bytes[i] !== (seq & 255)) corrupt++;
    if (from.port !== senderPort) corrupt++;
    got.push(seq);
    progress.check();
  }, (e) => {
    throw e;
  }, () => assert.fail("the thread ended by itself"));
  // bursts of 20 (well under the kernel's buffer), the next once the thread caught up
  for (let seq = 0; seq < total; seq += 20) {
    progress = until(() => got.length >= seq + 20, 5000, `the burst at ${seq}`);
    for (let k = seq; k < seq + 20; k++) {
      const bytes = new Uint8Array(2 + (k % 63)).fill(k & 255);
      bytes[0] = k & 255;
      bytes[1] = k >> 8;
      sender.send(bytes, to);
    }
    await progress.done;
  }
  assert.deepEqual(corrupt, 0);
  assert.deepEqual(got, Array.from({ length: total }, (_, i) => i));
  assert.deepEqual(thread.drops, 0);
  await thread.close();
  sender.close();
  conn.close();
});

Deno.test("ReceiveThread: a full ring drops and counts; what it kept is intact and in order", async () => {
  const { conn, port, thread } = await sharedPort(64, 4096);
  const sender = Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
  const total = 150; // 72 B entries: about 56 fit in 4 KiB; the kernel holds all 150
  const to = { transport: "udp" as const, hostname: LOOPBACK, port };
  await sender.send(new Uint8Array(64).fill(0), to); // a warm socket sends inside the call
  for (let k = 1; k < total; k++) {
    sender.send(new Uint8Array(64).fill(k), to);
  }
  // the main thread stays busy (nothing drains) until the thread reports the ring full
  const deadline = performance.now() + 5000;
  while (thread.drops === 0 && performance.now() < deadline) { /* the thread fills the ring */ }
  assert(thread.drops > 0, "the ring filled");
  const got: number[] = [];
  const wait = until(() => got.length + thread.drops === total, 5000, "kept + dropped = sent");
  thread.listen((bytes) => {
    assert(bytes.every((b) => b === bytes[0]), "intact");
    got.push(bytes[0]);
    wait.check();
  }, (e) => {
    throw e;
  }, () => assert.fail("the thread ended by itself"));
  wait.check();
  await wait.done;
  for (let i = 1; i < got.length; i++) assert(got[i] > got[i - 1], "in order");
  assert(got.length >= 50, `kept ${got.length}`);
  await thread.close();
  sender.close();
  conn.close();
});

Deno.test("ReceiveThread: an oversized datagram is counted and never delivered", async () => {
  const { conn, port, thread } = await sharedPort(64);
  const sender = Deno.listenDatagram({ transport: "udp", hostname: LOOPBACK, port: 0 });
  const got: number[] = [];
  const wait = until(() => got.length === 1, 5000, "the datagram after the big one");
  thread.listen((bytes) => {
    got.push(bytes.length);
    wait.check();
  }, (e) => {
    throw e;
  }, () => assert.fail("the thread ended by itself"));
  const to = { transport: "udp" as const, hostname: LOOPBACK, port };
  await sender.send(new Uint8Array(65).fill(0xa5), to); // as long as the probe, not it
  await sender.send(new Uint8Array(500), to);
  await sender.send(new Uint8Array(64), to);
  await wait.done;
  assert.deepEqual(got, [64]);
  assert.deepEqual(thread.oversized, 2);
  await thread.close();
  sender.close();
  conn.close();
});

Deno.test("UdpTransport receiveThread: many remotes are told apart; replies leave from the port", async () => {
  const server = await UdpTransport.bind({
    hostname: LOOPBACK,
    maxReceiveSize: 2048,
    receiveThread: true,
  });
  assert(server.threaded);
  const seen = new Map<number, number>();
  server.listen((bytes, from) => {
    seen.set(from.port, bytes[0]);
    server.send(bytes.slice(), from);
  });
  const clients = await Promise.all(
    Array.from({ length: 40 }, () => UdpTransport.bind({ hostname: LOOPBACK })),
  );
  const echoes = clients.map((c, i) =>
    new Promise<[number, number]>((resolve) =>
      c.listen((bytes, from) => resolve([bytes[0], from.port]))
    )
      .then(([value, fromPort]) => {
        assert.deepEqual(value, i);
        assert.deepEqual(fromPort, server.localAddress.port);
      })
  );
  clients.forEach((c, i) => c.send(new Uint8Array([i]), server.localAddress));
  await Promise.all(echoes);
  assert.deepEqual(seen.size, 40);
  for (const [i, c] of clients.entries()) assert.deepEqual(seen.get(c.localAddress.port), i);
  assert.deepEqual(server.stats.datagramsReceived, 40);
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

Deno.test("UdpTransport receiveThread: a port in use is refused as without the thread", async () => {
  const holder = await UdpTransport.bind({ hostname: LOOPBACK });
  let refused: unknown;
  try {
    await UdpTransport.bind({
      hostname: LOOPBACK,
      port: holder.localAddress.port,
      receiveThread: true,
    });
  } catch (e) {
    refused = e;
  }
  assert(refused instanceof Deno.errors.AddrInUse, `got ${refused}`);
  await holder.close();
});

Deno.test("UdpTransport receiveThread: works on IPv6 loopback and closes cleanly", async () => {
  const server = await UdpTransport.bind({ hostname: "::1", receiveThread: true });
  const client = await UdpTransport.bind({ hostname: "::1" });
  const got = new Promise<string>((resolve) =>
    server.listen((bytes) => resolve(new TextDecoder().decode(bytes)))
  );
  client.send(new TextEncoder().encode("over ::1"), server.localAddress);
  assert.deepEqual(await got, "over ::1");
  await client.close();
  await server.close();
  assert.deepEqual(server.send(new Uint8Array(1), client.localAddress), false);
});

Deno.test("UdpTransport receiveThread: 1000 datagrams sent while the main thread is busy all arrive", async () => {
  // the kernel holds about 256 small datagrams; the main thread reads none of these until its
  // busy spell is over, the thread reads them all meanwhile. The sender is a worker of its own
  // (as a client is another machine): it sends at a crowd's pace while this thread spins.
  const server = await UdpTransport.bind({ hostname: LOOPBACK, receiveThread: true });
  let received = 0;
  const all = until(() => received === 1000, 5000, "all 1000 datagrams");
  server.listen(() => {
    received++;
    all.check();
  });
  const source = `self.onmessage = async (e) => {
    const c = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const to = { transport: "udp", hostname: "127.0.0.1", port: e.data };
    // 20 bursts of 50, 5 ms apart: a 1000-client crowd's 20k inputs/s
    for (let k = 0; k < 1000; k++) {
      await c.send(new Uint8Array(40), to);
      if (k % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
    c.close();
    self.postMessage("sent");
  };`;
  const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
  const sender = new Worker(url, { type: "module" });
  URL.revokeObjectURL(url);
  const sent = new Promise((resolve) => sender.onmessage = resolve);
  sender.postMessage(server.localAddress.port);
  const busyUntil = performance.now() + 300; // the sender needs about 100 ms
  while (performance.now() < busyUntil) { /* a long broadcast turn, a GC pause */ }
  await sent;
  sender.terminate();
  await all.done.catch((e) => {
    throw new Error(`${e.message}: ${received} received, ${server.stats.drops} dropped`);
  });
  assert.equal(received, 1000);
  assert.equal(server.stats.drops, 0);
  await server.close();
});
