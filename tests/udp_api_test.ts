import assert from "node:assert/strict";
import {
  MultiplayerError,
  TransferMode,
  UdpMultiplayerPeer,
  WebSocketMultiplayerPeer,
} from "../mod.ts";
import { closeAll, pumpUntil, startSession } from "./helpers/udp_session.ts";

const isCode = (code: string) => (e: unknown) => e instanceof MultiplayerError && e.code === code;

Deno.test("udp poll(): resolves early when a packet arrives, after ~timeoutMs otherwise", async () => {
  const { server, clients, all } = await startSession({ clients: 1 });
  try {
    const [a] = clients;
    await Promise.all(all.map((r) => r.peer.poll(0))); // nothing left pending
    let t0 = performance.now();
    const idle = await server.peer.poll(300);
    const idleMs = performance.now() - t0;
    assert.equal(idle, 0);
    assert.ok(idleMs >= 280 && idleMs < 1000, `idle poll took ${idleMs} ms`);
    t0 = performance.now();
    const waiting = server.peer.poll(5000);
    a.peer.setTargetPeer(1);
    a.peer.putPacket(new Uint8Array([42]));
    const n = await waiting;
    const earlyMs = performance.now() - t0;
    assert.equal(n, 1);
    assert.ok(earlyMs < 1000, `resolved after ${earlyMs} ms`);
    assert.equal(server.peer.getAvailablePacketCount(), 1);
    assert.deepEqual(server.peer.getPacket(), new Uint8Array([42]));
    assert.equal(server.peer.getPacket(), undefined);
    assert.ok(server.peer.getPacketError() instanceof MultiplayerError);
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp putVar/getVar: nested values round-trip; __proto__ from the wire does not pollute", async () => {
  const { server, clients, all } = await startSession({ clients: 1 });
  try {
    const [a] = clients;
    const value = {
      name: "héllo",
      n: [1, -2, 3.5, 2 ** 40, null, true],
      nested: { deep: { bytes: new Uint8Array([1, 2, 3]), list: [[{}], []] } },
    };
    a.peer.setTargetPeer(1);
    a.peer.putVar(value);
    // hand-made msgpack: {"__proto__": {"polluted": true}}
    const evil = new Uint8Array([
      0x81,
      0xa9,
      ...new TextEncoder().encode("__proto__"),
      0x81,
      0xa8,
      ...new TextEncoder().encode("polluted"),
      0xc3,
    ]);
    a.peer.putPacket(evil);
    a.peer.putPacket(new Uint8Array([0xd4, 0x78, 0x00])); // RegExp extension: refused
    await pumpUntil(all, () => server.peer.getAvailablePacketCount() === 3, 3000, "3 packets");
    assert.deepEqual(server.peer.getVar(), value);
    const got = server.peer.getVar() as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((got as { polluted?: unknown }).polluted, undefined);
    assert.equal(server.peer.getPacketError(), undefined);
    assert.equal(server.peer.getVar(), undefined);
    assert.match(String(server.peer.getPacketError()), /extension/);
    assert.throws(() => a.peer.putVar(new Map()), isCode("INVALID_ARGUMENT"));
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp misuse throws descriptive errors", async () => {
  const idle = new UdpMultiplayerPeer();
  assert.throws(() => idle.putPacket(new Uint8Array(1)), isCode("NOT_ACTIVE"));
  assert.throws(() => idle.setTargetPeer(1.5), isCode("INVALID_TARGET"));
  assert.throws(() => (idle.transferChannel = 3), isCode("INVALID_CHANNEL"));
  const { server, clients, all } = await startSession({ clients: 1 });
  const connecting = new UdpMultiplayerPeer();
  try {
    const [a] = clients;
    await assert.rejects(() => server.peer.createServer(0), isCode("ALREADY_ACTIVE"));
    await assert.rejects(() => a.peer.createClient("127.0.0.1", 9), isCode("ALREADY_ACTIVE"));
    assert.throws(() => (server.peer.channelCount = 5), isCode("ALREADY_ACTIVE"));
    assert.throws(() => (server.peer.serverRelay = false), isCode("ALREADY_ACTIVE"));
    a.peer.setTargetPeer(123456);
    assert.throws(() => a.peer.putPacket(new Uint8Array(1)), isCode("UNKNOWN_PEER"));
    server.peer.setTargetPeer(123456);
    assert.throws(() => server.peer.putPacket(new Uint8Array(1)), isCode("UNKNOWN_PEER"));
    assert.throws(() => server.peer.getPeerPort(123456), isCode("UNKNOWN_PEER"));
    assert.equal(server.peer.getPeerAddress(a.peer.getUniqueId()), "127.0.0.1");
    assert.equal(a.peer.getPeerPort(1), server.peer.localPort);
    assert.throws(
      () => a.peer.putPacket(new Uint8Array(a.peer.encodeBufferMaxSize + 1)),
      (e) => e instanceof RangeError && /8388609 bytes exceeds encodeBufferMaxSize/.test(e.message),
    );
    await connecting.createClient("127.0.0.1", server.peer.localPort);
    assert.throws(() => connecting.putPacket(new Uint8Array(1)), isCode("NOT_CONNECTED"));
    a.peer.transferMode = TransferMode.UNRELIABLE;
    a.peer.setTargetPeer(1);
    a.peer.putPacket(new Uint8Array(1)); // fine
  } finally {
    await closeAll(all);
    await connecting.close();
  }
});

Deno.test("udp: poll() with a timeout beyond 2^31-1 ms waits, and close() ends it", async () => {
  const peer = new UdpMultiplayerPeer();
  await peer.createServer(0, { bindAddress: "127.0.0.1" });
  const long = peer.poll(2 ** 40);
  let resolved = false;
  long.then(() => resolved = true);
  await peer.poll(20); // a short poll beside it still times out normally
  assert.equal(resolved, false, "poll(2^40) is still waiting");
  await peer.close();
  assert.equal(await long, 0);
});

Deno.test("udp: encodeBufferMaxSize is bounded by what the wire carries; the largest size works", async () => {
  const peer = new UdpMultiplayerPeer();
  assert.throws(() => peer.encodeBufferMaxSize = 128 * 1024 * 1024, isCode("INVALID_ARGUMENT"));
  peer.encodeBufferMaxSize = 64 * 1024 * 1024; // the ceiling: 65 535 fragments of 1200 B datagrams
  await peer.createServer(0, { bindAddress: "127.0.0.1" });
  const client = new UdpMultiplayerPeer();
  client.encodeBufferMaxSize = 64 * 1024 * 1024;
  try {
    await client.createClient("127.0.0.1", peer.localPort);
    for (let i = 0; i < 100 && client.getConnectionStatus() !== 2; i++) {
      await Promise.all([client.poll(20), peer.poll(0)]);
    }
    client.setTargetPeer(1);
    client.putPacket(new Uint8Array(64 * 1024 * 1024)); // accepted: no PACKET_TOO_LARGE
    assert.ok(client.getPeerStats(1).queuedBytes >= 64 * 1024 * 1024);
  } finally {
    await client.close();
    await peer.close();
  }
});

Deno.test("clear errors: port 0 as a server's port, a bigint beyond 64 bits", async () => {
  const udp = new UdpMultiplayerPeer();
  await assert.rejects(udp.createClient("127.0.0.1", 0), isCode("INVALID_ARGUMENT"));
  const ws = new WebSocketMultiplayerPeer();
  await assert.rejects(ws.createClient("ws://127.0.0.1:0/"), isCode("INVALID_ARGUMENT"));
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1" });
  try {
    assert.throws(
      () => server.putVar({ big: 2n ** 70n }),
      (e) => isCode("INVALID_ARGUMENT")(e) && /1180591620717411303424/.test((e as Error).message),
    );
  } finally {
    await server.close();
  }
});
