import assert from "node:assert/strict";
import { DisconnectReason } from "../errors.ts";
import { decodeDatagram } from "./codec.ts";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import { craft } from "./_craft.ts";
import { SimNet } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

function setup(seed: number, delay = 5) {
  const net = new SimNet(seed);
  net.profile = { delay, jitter: 0, loss: 0, duplicate: 0 };
  const server = net.add(S, { autoAccept: true });
  const client = net.add(C);
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(2000, () => peer.connected && server.of("connect").length === 1));
  const remote = server.of("connect")[0].peer;
  const commands: { from: string; command: number; flags: number; data: number }[] = [];
  net.tap = (from, _to, bytes) => {
    for (const c of decodeDatagram(bytes)!.commands) {
      commands.push({ from: from.hostname, command: c.command, flags: c.flags, data: c.data });
    }
  };
  return { net, server, client, peer, remote, commands };
}

Deno.test("disconnect: graceful — reliable DISCONNECT, both sides report, the slots are freed", () => {
  const { net, server, client, peer, commands } = setup(1);
  peer.send(1, new Uint8Array(100), EnetPacketFlag.RELIABLE, net.now);
  peer.disconnect(77, net.now);
  assert.equal(peer.state, "disconnecting");
  assert.ok(
    net.run(
      net.now + 1000,
      () => client.of("disconnect").length === 1 && server.of("disconnect").length === 1,
    ),
  );
  const d = commands.find((c) => c.command === EnetCommand.DISCONNECT)!;
  assert.deepEqual([d.flags, d.data], [0x80, 77]);
  assert.equal(server.of("receive").length, 0, "queued data is dropped by disconnect()");
  assert.deepEqual([server.of("disconnect")[0].reason, server.of("disconnect")[0].data], [
    DisconnectReason.CLOSED,
    77,
  ]);
  assert.equal(client.of("disconnect")[0].reason, DisconnectReason.CLOSED);
  assert.equal(client.host.peers.length, 0);
  assert.equal(server.host.peers.length, 0);
});

Deno.test("disconnect: graceful towards a dead peer is bounded by the timeout rules", () => {
  const { net, server, client, peer } = setup(2);
  net.run(net.now + 1000);
  server.up = false;
  const t0 = net.now;
  peer.disconnect(1, t0);
  assert.ok(net.run(t0 + 40_000, () => client.of("disconnect").length === 1));
  assert.equal(client.of("disconnect")[0].reason, DisconnectReason.TIMEOUT);
  assert.ok(net.now - t0 <= 6000, `${net.now - t0} ms`);
});

Deno.test("disconnect: later — everything queued is delivered and acknowledged first", () => {
  const { net, server, client, peer, remote } = setup(3);
  for (let i = 0; i < 30; i++) {
    peer.send(1, new Uint8Array(2000).fill(i), EnetPacketFlag.RELIABLE, net.now);
  }
  peer.disconnectLater(5, net.now);
  assert.equal(peer.state, "disconnect_later");
  assert.throws(() => peer.send(1, new Uint8Array(1), 1, net.now), /connected/);
  // data from the remote is acknowledged but not delivered while draining
  remote.send(1, new Uint8Array([1]), EnetPacketFlag.RELIABLE, net.now);
  assert.ok(
    net.run(
      net.now + 5000,
      () => server.of("disconnect").length === 1 && client.of("disconnect").length === 1,
    ),
  );
  assert.equal(server.of("receive").length, 30);
  assert.deepEqual(server.of("receive").map((e) => e.data[0]), [...Array(30).keys()]);
  assert.equal(client.of("receive").length, 0);
  assert.equal(server.of("disconnect")[0].data, 5);
});

Deno.test("disconnect: now — one unsequenced DISCONNECT, no local event", () => {
  const { net, server, client, peer, commands } = setup(4);
  peer.disconnectNow(9, net.now);
  assert.equal(peer.state, "disconnected");
  assert.ok(net.run(net.now + 1000, () => server.of("disconnect").length === 1));
  const d = commands.find((c) => c.command === EnetCommand.DISCONNECT)!;
  assert.deepEqual([d.flags, d.data], [0x40, 9]);
  assert.equal(client.of("disconnect").length, 0);
  assert.equal(server.of("disconnect")[0].data, 9);
  assert.equal(client.host.peers.length, 0);
});

Deno.test("disconnect: both sides at once; data received before a DISCONNECT is still delivered", () => {
  const { net, server, client, peer, remote } = setup(5);
  peer.disconnect(1, net.now);
  remote.disconnect(2, net.now);
  assert.ok(
    net.run(
      net.now + 10_000,
      () => server.of("disconnect").length === 1 && client.of("disconnect").length === 1,
    ),
  );
  assert.equal(client.of("disconnect")[0].data, 2);
  assert.equal(server.of("disconnect")[0].data, 1);
  const b = setup(6);
  b.remote.send(1, new Uint8Array([42]), EnetPacketFlag.RELIABLE, b.net.now);
  b.net.run(b.net.now); // the data leaves; the DISCONNECT follows before the client polls
  b.remote.disconnectNow(3, b.net.now);
  b.net.run(b.net.now + 100);
  assert.deepEqual(b.client.events.slice(-2).map((e) => e.type), ["receive", "disconnect"]);
});

Deno.test("disconnect: a DISCONNECT to a peer still in the handshake resets it silently", () => {
  const net = new SimNet(7);
  const server = net.add(S, { autoAccept: true });
  const client = net.add(C);
  net.filter = (from) => from === C && net.now > 0; // the client's ACK of VERIFY never arrives
  const peer = client.host.connect(S, 1, 0, 0);
  net.run(50);
  assert.equal(server.host.peers[0].state, "acknowledging_connect");
  net.filter = () => false;
  net.inject(
    C,
    S,
    craft(server.host.peers[0].incomingPeerId, 0, 1, [
      { command: EnetCommand.DISCONNECT, flags: 0x80, channelId: 0xff, reliableSeq: 9, data: 1 },
    ]),
  );
  net.run(net.now + 10);
  assert.equal(server.host.peers.length, 0);
  assert.equal(server.of("disconnect").length, 0);
  void peer;
});

Deno.test("disconnect: wrong session or address never reaches a peer", () => {
  const { net, server, peer, remote } = setup(8);
  const bye = (session: number) =>
    craft(peer.outgoingPeerId, session, undefined, [
      { command: EnetCommand.DISCONNECT, flags: 0x40, channelId: 0xff, reliableSeq: 5, data: 1 },
    ]);
  net.inject(C, S, bye(1));
  net.inject({ hostname: "10.6.6.6", port: 2 }, S, bye(0));
  net.inject({ hostname: C.hostname, port: 3 }, S, bye(0));
  net.run(net.now + 20);
  assert.equal(remote.state, "connected");
  net.inject(C, S, bye(0));
  net.run(net.now + 20);
  assert.equal(server.of("disconnect").length, 1);
});
