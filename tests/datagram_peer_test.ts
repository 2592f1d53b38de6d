import assert from "node:assert/strict";
import {
  ConnectionStatus,
  DatagramMultiplayerPeer,
  type DatagramTransport,
  MultiplayerError,
  type PeerAddress,
  TransferMode,
} from "../mod.ts";
import { VirtualNetwork } from "../transport/sim/virtual_network.ts";
// the example's carrier: what a user would write for their own
import { memoryPair as pair } from "../examples/memory_transport.ts";

Deno.test("DatagramMultiplayerPeer: server + client over a user-supplied in-memory carrier", async () => {
  const [a, b] = pair();
  const server = new DatagramMultiplayerPeer();
  const client = new DatagramMultiplayerPeer();
  server.createServer(a);
  client.createClient(b, a.localAddress);
  try {
    const joined: number[] = [];
    server.addEventListener("peer_connected", (e) => joined.push(e.detail.id));
    for (let i = 0; i < 100 && client.getConnectionStatus() !== ConnectionStatus.CONNECTED; i++) {
      await client.poll(50);
    }
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
    assert.ok(client.getUniqueId() >= 2);
    assert.deepEqual(server.localAddress, a.localAddress);
    client.transferMode = TransferMode.RELIABLE;
    client.setTargetPeer(1);
    for (let i = 0; i < 50; i++) client.putVar({ i });
    const got: number[] = [];
    for (let i = 0; i < 100 && got.length < 50; i++) {
      await server.poll(50);
      while (server.getAvailablePacketCount() > 0) {
        assert.equal(server.getPacketPeer(), client.getUniqueId());
        got.push((server.getVar() as { i: number }).i);
      }
    }
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(joined, [client.getUniqueId()]);
    assert.throws(() => server.createServer(a), (e) => e instanceof MultiplayerError);
  } finally {
    await client.close();
    await server.close();
  }
  assert.ok(a.closed && b.closed, "close() closes the carrier");
  assert.equal(server.localAddress, undefined);
});

Deno.test("DatagramMultiplayerPeer: rejects bad carriers and addresses with typed errors", () => {
  const peer = new DatagramMultiplayerPeer();
  const bad = { maxDatagramSize: 100 } as unknown as DatagramTransport;
  assert.throws(() => peer.createServer(bad), /DatagramTransport/);
  const [a] = pair();
  const small = Object.assign(a, { maxDatagramSize: 100 }) as DatagramTransport;
  assert.throws(() => peer.createServer(small), /maxDatagramSize/);
  const [, b] = pair();
  assert.throws(
    () => peer.createClient(b, { hostname: "x" } as PeerAddress),
    (e) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
  );
  assert.throws(() => peer.createServer(b, { seed: 1.5 }), /seed/);
  assert.equal(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
});

Deno.test("DatagramMultiplayerPeer: runs on the virtual network and virtual clock (seeded)", async () => {
  const net = new VirtualNetwork({ seed: 5, link: { latencyMs: 20, loss: 0.1, duplicate: 0.05 } });
  const clock = net.clock;
  const server = new DatagramMultiplayerPeer();
  const client = new DatagramMultiplayerPeer();
  server.createServer(net.createTransport("server", 1), { clock, seed: 1 });
  client.createClient(net.createTransport("client", 1), { hostname: "server", port: 1 }, {
    clock,
    seed: 2,
  });
  try {
    const deadline = 10_000;
    while (client.getConnectionStatus() !== ConnectionStatus.CONNECTED && clock.now() < deadline) {
      await clock.runUntilAsync(clock.now() + 10);
      await client.poll(0);
    }
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
    client.setTargetPeer(1);
    for (let i = 0; i < 500; i++) client.putPacket(new Uint8Array([i & 0xff, i >> 8]));
    const got: number[] = [];
    while (got.length < 500 && clock.now() < deadline + 30_000) {
      await clock.runUntilAsync(clock.now() + 10);
      await server.poll(0);
      for (let p = server.getPacket(); p; p = server.getPacket()) got.push(p[0] | (p[1] << 8));
    }
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => i));
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("DatagramMultiplayerPeer: a carrier whose send throws loses datagrams, never the process", async () => {
  const [a, b] = pair();
  let broken = false;
  const send = b.send.bind(b);
  b.send = (bytes, to) => {
    if (broken) throw new Error("carrier exploded");
    return send(bytes, to);
  };
  const server = new DatagramMultiplayerPeer();
  const client = new DatagramMultiplayerPeer();
  server.createServer(a);
  client.createClient(b, a.localAddress);
  const errors: { count: number; message: string }[] = [];
  client.addEventListener("carrier_error", (e) => {
    errors.push({ count: e.detail.count, message: (e.detail.error as Error).message });
  });
  try {
    for (let i = 0; i < 100 && client.getConnectionStatus() !== ConnectionStatus.CONNECTED; i++) {
      await Promise.all([client.poll(20), server.poll(0)]);
    }
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
    client.transferMode = TransferMode.RELIABLE;
    client.setTargetPeer(1);
    broken = true;
    for (let i = 0; i < 10; i++) client.putVar(i);
    await client.poll(50); // the flush threw inside the driver: caught, counted, reported
    broken = false;
    const got: number[] = [];
    for (let i = 0; i < 200 && got.length < 10; i++) {
      await Promise.all([client.poll(10), server.poll(10)]);
      while (server.getAvailablePacketCount() > 0) got.push(server.getVar() as number);
    }
    assert.deepEqual(got, [...Array(10).keys()], "resent once the carrier works again");
    assert.ok(errors.length >= 1, "carrier_error dispatched");
    assert.equal(errors[0].message, "carrier exploded");
    assert.ok(errors.reduce((n, e) => n + e.count, 0) >= 1);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("DatagramMultiplayerPeer: poll() sends what the turn put before it waits, in one datagram", async () => {
  const [a, b] = pair();
  let sent = 0;
  const send = b.send.bind(b);
  b.send = (bytes, to) => {
    sent++;
    return send(bytes, to);
  };
  const server = new DatagramMultiplayerPeer();
  const client = new DatagramMultiplayerPeer();
  server.createServer(a);
  client.createClient(b, a.localAddress);
  try {
    for (let i = 0; i < 100 && client.getConnectionStatus() !== ConnectionStatus.CONNECTED; i++) {
      await Promise.all([client.poll(20), server.poll(0)]);
    }
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
    await Promise.all([client.poll(20), server.poll(20)]); // let the handshake's acks settle
    client.transferMode = TransferMode.RELIABLE;
    client.setTargetPeer(1);
    const before = sent;
    for (let i = 0; i < 3; i++) client.putVar(i);
    assert.equal(sent, before, "putPacket only queues: the turn's messages share a datagram");
    const waiting = client.poll(50);
    assert.equal(sent, before + 1, "poll() sent the turn's datagram before waiting");
    await undefined; // the end-of-turn flush queued by putVar finds nothing left to send
    assert.equal(sent, before + 1);
    await waiting;
    const got: number[] = [];
    for (let i = 0; i < 100 && got.length < 3; i++) {
      await server.poll(20);
      while (server.getAvailablePacketCount() > 0) got.push(server.getVar() as number);
    }
    assert.deepEqual(got, [0, 1, 2]);
  } finally {
    await client.close();
    await server.close();
  }
});
