import assert from "node:assert/strict";
import { DisconnectReason } from "../errors.ts";
import { decodeDatagram, encodeCommand, newCommandFields } from "./codec.ts";
import { EnetCommand } from "./constants.ts";
import { SimNet } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 22577 };
const C = { hostname: "10.0.0.2", port: 40000 };

function pair(seed = 1, serverOptions = {}, clientOptions = {}) {
  const net = new SimNet(seed);
  const server = net.add(S, { autoAccept: true, ...serverOptions });
  const client = net.add(C, clientOptions);
  return { net, server, client };
}

/** A raw CONNECT datagram as libenet sends it. */
function rawConnect(outgoingPeerId: number, connectId: number, data = 0): Uint8Array {
  const buf = new Uint8Array(52);
  buf.set([0x8f, 0xff, 0x12, 0x34]);
  const cmd = {
    ...newCommandFields(),
    command: EnetCommand.CONNECT,
    flags: 0x80,
    channelId: 0xff,
    reliableSeq: 1,
    outgoingPeerId,
    incomingSessionId: 0xff,
    outgoingSessionId: 0xff,
    mtu: 1400,
    windowSize: 65536,
    channelCount: 2,
    throttleInterval: 5000,
    throttleAcceleration: 2,
    throttleDeceleration: 2,
    connectId,
    data,
  };
  encodeCommand(buf, 4, cmd, undefined, 0);
  return buf;
}

Deno.test("handshake: CONNECT / VERIFY_CONNECT / ACK as libenet does, events on both sides", () => {
  const { net, server, client } = pair(1, { channelLimit: 3 });
  const wire: { from: string; bytes: Uint8Array; at: number }[] = [];
  net.tap = (from, _to, bytes) => wire.push({ from: from.hostname, bytes, at: net.now });
  const peer = client.host.connect(S, 4, 1575266357, 0);
  assert.ok(
    net.run(1000, () => server.of("connect").length > 0 && client.of("connect").length > 0),
  );
  const connect = decodeDatagram(wire[0].bytes)!;
  assert.equal(wire[0].bytes.length, 52);
  assert.equal(connect.header.peerId, 0xfff);
  const c = connect.commands[0];
  assert.deepEqual(
    [c.command, c.flags, c.channelId, c.reliableSeq, c.mtu, c.windowSize, c.channelCount, c.data],
    [EnetCommand.CONNECT, 0x80, 0xff, 1, 1400, 65536, 4, 1575266357],
  );
  assert.deepEqual([c.incomingSessionId, c.outgoingSessionId], [0xff, 0xff]);
  const verify = decodeDatagram(wire[1].bytes)!;
  assert.equal(wire[1].bytes.length, 48);
  const v = verify.commands[0];
  assert.equal(v.command, EnetCommand.VERIFY_CONNECT);
  assert.equal(verify.header.peerId, 0, "addressed to the client's own index");
  assert.equal(v.connectId, c.connectId);
  assert.deepEqual([v.throttleInterval, v.throttleAcceleration, v.throttleDeceleration], [
    5000,
    2,
    2,
  ]);
  assert.deepEqual([v.incomingSessionId, v.outgoingSessionId, v.channelCount], [0, 0, 3]);
  // the client acks VERIFY (and pings); the server reports connected only once that ACK arrives
  const ack = decodeDatagram(wire[2].bytes)!;
  assert.equal(ack.commands[0].command, EnetCommand.ACKNOWLEDGE);
  assert.equal(ack.commands[0].receivedSentTime, verify.header.sentTime);
  assert.equal(client.of("connect")[0].data, 0);
  assert.equal(server.of("connect")[0].data, 1575266357);
  assert.equal(peer.channelCount, 3);
  assert.equal(server.of("connect")[0].peer.connectData, 1575266357);
});

Deno.test("handshake: a reused slot gets new session ids (the +1 rule) and old datagrams are ignored", () => {
  const { net, server, client } = pair(2);
  const sessions: number[] = [];
  net.tap = (_f, _t, bytes) => {
    const d = decodeDatagram(bytes);
    if (d?.commands[0]?.command === EnetCommand.VERIFY_CONNECT) {
      sessions.push(d.commands[0].incomingSessionId);
    }
  };
  for (let round = 0; round < 3; round++) {
    const peer = client.host.connect(S, 1, round, net.now);
    assert.ok(
      net.run(net.now + 1000, () => peer.connected && server.of("connect").length === round + 1),
    );
    peer.disconnect(0, net.now);
    assert.ok(
      net.run(
        net.now + 1000,
        () => server.of("disconnect").length === round + 1 && peer.state === "disconnected",
      ),
    );
  }
  assert.deepEqual(sessions, [0, 1, 2]);
});

Deno.test("handshake: a VERIFY_CONNECT with another connect id makes a PROTOCOL_ERROR", () => {
  const { net, server, client } = pair(3);
  net.filter = (from, _to, bytes) => {
    if (from === S && decodeDatagram(bytes)?.commands[0]?.command === EnetCommand.VERIFY_CONNECT) {
      bytes[bytes.length - 1] ^= 1;
    }
    return false;
  };
  client.host.connect(S, 1, 0, 0);
  assert.ok(net.run(2000, () => client.of("disconnect").length > 0));
  const e = client.of("disconnect")[0];
  assert.equal(e.reason, DisconnectReason.PROTOCOL_ERROR);
  assert.equal(e.wasConnected, false);
  assert.equal(client.of("connect").length, 0);
  assert.equal(server.of("connect").length, 0);
});

Deno.test("handshake: an unanswered CONNECT is sent at 0, .5, 1.5, 3.5, 7.5, 15.5 s and fails at 31.5 s", () => {
  const net = new SimNet(4);
  const client = net.add(C);
  const sent: number[] = [];
  net.tap = (from) => from === C && sent.push(net.now);
  client.host.connect(S, 1, 0, 0);
  assert.ok(net.run(60_000, () => client.of("disconnect").length > 0));
  assert.deepEqual(sent, [0, 500, 1500, 3500, 7500, 15500]);
  assert.equal(net.now, 31500);
  assert.equal(client.of("disconnect")[0].reason, DisconnectReason.CONNECT_TIMEOUT);
  assert.equal(client.of("disconnect")[0].wasConnected, false);
  assert.equal(client.host.peers.length, 0);
});

Deno.test("handshake: a lost VERIFY is answered again only when the CONNECT is repeated", () => {
  const { net, server, client } = pair(5);
  let verifies = 0;
  net.filter = (from, _t, bytes) => {
    if (from !== S || decodeDatagram(bytes)?.commands[0]?.command !== EnetCommand.VERIFY_CONNECT) {
      return false;
    }
    return verifies++ === 0;
  };
  const peer = client.host.connect(S, 1, 0, 0);
  assert.ok(net.run(5000, () => peer.connected && server.of("connect").length === 1));
  assert.equal(verifies, 2);
  assert.equal(server.host.peers.length, 1);
  assert.ok(net.now >= 500 && net.now < 600, `connected at ${net.now}`);
});

Deno.test("handshake: a rejected CONNECT ends the client's attempt at once with the data", () => {
  const net = new SimNet(6);
  const server = net.add(S);
  const client = net.add(C);
  server.onEvent = (e, now) => {
    if (e.type === "connectRequest") {
      assert.equal(e.request.data, 42);
      assert.equal(e.request.channelCount, 2);
      server.host.reject(e.request, 9, now);
    }
  };
  client.host.connect(S, 2, 42, 0);
  assert.ok(net.run(1000, () => client.of("disconnect").length > 0));
  assert.ok(net.now < 10);
  const e = client.of("disconnect")[0];
  assert.deepEqual([e.reason, e.data, e.wasConnected], [DisconnectReason.CLOSED, 9, false]);
  assert.equal(server.host.peers.length, 0);
});

Deno.test("handshake: allowConnect vetoes before any state; a full host refuses with fullRejectData", () => {
  const asked: string[] = [];
  const net = new SimNet(7);
  const server = net.add(S, {
    autoAccept: true,
    peerLimit: 1,
    fullRejectData: 3,
    allowConnect: (a) => (asked.push(a.hostname), a.hostname !== "10.9.9.9"),
  });
  const banned = net.add({ hostname: "10.9.9.9", port: 1 });
  const first = net.add(C);
  const second = net.add({ hostname: "10.0.0.3", port: 1 });
  banned.host.connect(S, 1, 0, 0);
  net.run(200);
  assert.equal(server.host.peers.length, 0);
  assert.equal(server.sent, 0, "no reply to a vetoed CONNECT");
  first.host.connect(S, 1, 0, net.now);
  assert.ok(net.run(1000, () => first.of("connect").length > 0));
  second.host.connect(S, 1, 0, net.now);
  assert.ok(net.run(net.now + 1000, () => second.of("disconnect").length > 0));
  assert.equal(second.of("disconnect")[0].data, 3);
  assert.ok(asked.includes("10.9.9.9"));
});

Deno.test("handshake: a flood of spoofed CONNECTs is bounded, gets one small reply each, and a real client still connects", () => {
  const net = new SimNet(8);
  const server = net.add(S, { autoAccept: true, peerLimit: 64, maxPendingPeers: 8 });
  const client = net.add(C);
  const replies = new Map<string, number[]>();
  net.tap = (from, to, bytes) => {
    if (from === S) replies.set(to.hostname, [...(replies.get(to.hostname) ?? []), bytes.length]);
  };
  for (let i = 0; i < 500; i++) {
    net.inject(
      { hostname: `192.0.2.${i % 250}`, port: 1000 + i },
      S,
      rawConnect(i % 4095, i),
      i * 2,
    );
  }
  net.run(400);
  client.host.connect(S, 1, 0, net.now);
  assert.ok(
    net.run(2000, () => client.of("connect").length > 0 && server.of("connect").length > 0),
  );
  assert.equal(server.of("connect").length, 1);
  const pending = server.host.peers.filter((p) => p.state === "acknowledging_connect").length;
  assert.ok(pending <= 8, `${pending} pending peers`);
  for (const [host, sizes] of replies) {
    if (host === C.hostname) continue;
    for (const size of sizes) assert.ok(size < 52, `reply of ${size} B to a 52 B CONNECT`);
    assert.ok(sizes.length <= 2, `${host} got ${sizes.length} replies`);
  }
  // pending peers expire; nothing is retransmitted to the spoofed addresses
  const spoofedReplies = () =>
    [...replies].filter(([h]) => h !== C.hostname).reduce((n, [, sizes]) => n + sizes.length, 0);
  net.run(net.now + 20_000);
  assert.equal(server.host.peers.filter((p) => p.state === "acknowledging_connect").length, 0);
  assert.equal(
    spoofedReplies(),
    500,
    "exactly one reply per spoofed CONNECT, never a retransmission",
  );
  assert.equal(client.host.peers[0].state, "connected");
});

Deno.test("handshake: an unanswered connect request expires and frees its slot", () => {
  const net = new SimNet(9);
  const server = net.add(S, { admissionTimeoutMs: 1000 });
  net.inject(C, S, rawConnect(0, 77, 5));
  net.run(10);
  assert.equal(server.of("connectRequest").length, 1);
  assert.equal(server.host.peers.length, 1);
  net.run(1200);
  assert.equal(server.host.peers.length, 0);
  assert.equal(server.host.accept(server.of("connectRequest")[0].request, net.now), false);
});

Deno.test("handshake: bad CONNECTs (channel count 0 / 256, own index 0xFFF) are ignored", () => {
  const net = new SimNet(10);
  const server = net.add(S, { autoAccept: true });
  for (const [offset, value] of [[23, 0], [22, 1], [8, 0x0f]] as const) {
    const bytes = rawConnect(0, 1);
    if (offset === 22) bytes.set([0, 0, 1, 0], 20); // 256 channels
    else if (offset === 8) bytes.set([0x0f, 0xff], 8); // outgoingPeerID 0xFFF
    else bytes[offset] = value;
    net.inject(C, S, bytes);
  }
  net.run(100);
  assert.equal(server.host.peers.length, 0);
  assert.equal(server.sent, 0);
});
