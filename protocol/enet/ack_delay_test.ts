import assert from "node:assert/strict";
import { decodeDatagram } from "./codec.ts";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import type { EnetOptions } from "./options.ts";
import { SimNet } from "./_sim.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

/** A connected pair on a 1 ms link; the server delays its acknowledgements. */
function connected(serverOptions: EnetOptions = { ackDelayMs: 1 }) {
  const net = new SimNet(7);
  const server = net.add(S, { autoAccept: true, ...serverOptions });
  const client = net.add(C);
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(5000, () => peer.connected && server.of("connect").length === 1));
  net.run(net.now + 50); // the handshake's own acknowledgements are done
  const fromServer: { at: number; acks: number; data: number; length: number }[] = [];
  net.tap = (from, _to, bytes) => {
    if (from !== S) return;
    const d = decodeDatagram(bytes)!;
    fromServer.push({
      at: net.now,
      acks: d.commands.filter((c) => c.command === EnetCommand.ACKNOWLEDGE).length,
      data: d.commands.filter((c) => c.command === EnetCommand.SEND_RELIABLE).length,
      length: bytes.length,
    });
  };
  return { net, server, client, peer, remote: server.of("connect")[0].peer, fromServer };
}

/** Sends `count` reliable packets of `size` bytes, each in a datagram of its own. */
function sendApart(
  net: SimNet,
  peer: ReturnType<typeof connected>["peer"],
  count: number,
  size = 4,
) {
  for (let i = 0; i < count; i++) {
    peer.send(1, new Uint8Array(size).fill(i), EnetPacketFlag.RELIABLE, net.now);
    net.run(net.now); // flushes this one datagram, nothing arrives yet
  }
}

Deno.test("ack delay: datagrams of one millisecond are acknowledged together, a millisecond later", () => {
  const { net, server, peer, fromServer } = connected();
  const t0 = net.now;
  sendApart(net, peer, 5);
  assert.ok(net.run(t0 + 100, () => peer.stats().bytesInFlight === 0));
  assert.equal(server.of("receive").length, 5);
  // all five arrived at t0 + 1; one datagram of five acknowledgements left at t0 + 2
  assert.deepEqual(fromServer.map((d) => [d.at - t0, d.acks]), [[2, 5]]);
  assert.equal(peer.stats().retransmits, 0);
});

Deno.test("ack delay: a datagram's worth goes at once, past ENet's 32 commands", () => {
  const { net, server, peer, fromServer } = connected();
  const t0 = net.now;
  // 200 small packets in one turn: seven datagrams of up to 32 commands, all arriving at t0 + 1
  for (let i = 0; i < 200; i++) peer.send(1, new Uint8Array([i]), EnetPacketFlag.RELIABLE, t0);
  assert.ok(net.run(t0 + 100, () => peer.stats().bytesInFlight === 0));
  assert.equal(server.of("receive").length, 200);
  assert.deepEqual(server.of("receive").map((e) => e.data[0]), [...Array(200).keys()]);
  // 174 acknowledgements fill the 1400 bytes (ENet counts a 4-byte header; without a sent time
  // it takes 2): sent on arrival; the rest a millisecond later
  assert.deepEqual(fromServer.map((d) => [d.at - t0, d.acks, d.length]), [
    [1, 174, 2 + 174 * 8],
    [2, 26, 2 + 26 * 8],
  ]);
  assert.equal(peer.stats().retransmits, 0);
});

Deno.test("ack delay: a quarter of the remote's window acknowledged goes at once", () => {
  // 16 KiB of 64 KiB: 17 packets of 1000 bytes do, 10 do not
  for (const [count, at] of [[17, 1], [10, 2]]) {
    const { net, peer, fromServer } = connected();
    const t0 = net.now;
    sendApart(net, peer, count, 1000);
    assert.ok(net.run(t0 + 100, () => peer.stats().bytesInFlight === 0));
    assert.deepEqual(fromServer.map((d) => [d.at - t0, d.acks]), [[at, count]], `${count}`);
  }
});

Deno.test("ack delay: acknowledgements ride along with a reply, at once", () => {
  const { net, server, remote, peer, fromServer } = connected();
  server.onEvent = (e, now) => {
    if (e.type === "receive") remote.send(1, e.data, EnetPacketFlag.RELIABLE, now);
  };
  const t0 = net.now;
  sendApart(net, peer, 3);
  assert.ok(net.run(t0 + 100, () => peer.stats().bytesInFlight === 0));
  assert.deepEqual(fromServer.slice(0, 1).map((d) => [d.at - t0, d.acks, d.data]), [[1, 3, 3]]);
});

Deno.test("ack delay: the echoed sent time is the remote's, so its RTT includes the wait", () => {
  const { net, peer } = connected();
  const before = peer.stats().roundTripTime;
  for (let i = 0; i < 50; i++) {
    sendApart(net, peer, 1);
    net.run(net.now + 10);
  }
  // 1 ms each way plus at most the 1 ms wait
  const rtt = peer.stats().roundTripTime;
  assert.ok(rtt <= Math.max(before, 3) + 1, `rtt ${rtt}, before ${before}`);
  assert.equal(peer.stats().retransmits, 0);
});

Deno.test("ack delay: a DISCONNECT is acknowledged at once", () => {
  const { net, peer, client, fromServer } = connected();
  const t0 = net.now;
  peer.disconnect(5, t0);
  assert.ok(net.run(t0 + 100, () => client.of("disconnect").length === 1));
  assert.equal(fromServer[0].at - t0, 1);
  assert.equal(net.now - t0, 2);
});

Deno.test("ack delay: 0 (the default) acknowledges with the next pollTransmit", () => {
  const { net, peer, fromServer } = connected({});
  const t0 = net.now;
  sendApart(net, peer, 3);
  assert.ok(net.run(t0 + 100, () => peer.stats().bytesInFlight === 0));
  // the three arrive together at t0 + 1 and are acknowledged in that same flush
  assert.deepEqual(fromServer.map((d) => [d.at - t0, d.acks]), [[1, 3]]);
});

Deno.test("ack delay: pollTimeout names the moment the waiting acknowledgements are due", () => {
  const { net, server, peer } = connected();
  const t0 = net.now;
  sendApart(net, peer, 1);
  net.run(t0 + 1); // delivered, acknowledgement waiting
  assert.equal(server.of("receive").length, 1);
  assert.equal(server.host.pollTimeout(), t0 + 2);
  assert.equal(server.host.pollTransmit(t0 + 1), undefined);
  assert.ok(server.host.pollTransmit(t0 + 2) !== undefined);
});

Deno.test("ack delay: connection-level commands (VERIFY_CONNECT, PING) are acknowledged at once", () => {
  const net = new SimNet(8);
  const server = net.add(S, { autoAccept: true, ackDelayMs: 1 });
  const client = net.add(C, { ackDelayMs: 1 });
  const peer = client.host.connect(S, 2, 0, 0);
  // CONNECT arrives at 1, VERIFY_CONNECT at 2, its acknowledgement (not delayed) at 3
  assert.ok(net.run(100, () => server.of("connect").length === 1));
  assert.equal(net.now, 3);
  assert.ok(peer.connected);
  // idle: the client pings after 500 ms; the server acknowledges each ping in the same ms
  const pings: number[] = [], acks: number[] = [];
  net.tap = (from, _to, bytes) => {
    const d = decodeDatagram(bytes)!;
    if (from === C && d.commands.some((c) => c.command === EnetCommand.PING)) pings.push(net.now);
    if (from === S && d.commands.some((c) => c.command === EnetCommand.ACKNOWLEDGE)) {
      acks.push(net.now);
    }
  };
  net.run(net.now + 2100);
  assert.ok(pings.length >= 2, `${pings.length} pings`);
  for (const t of pings) {
    assert.ok(acks.includes(t + 1), `the ping of ${t} acknowledged at ${t + 1}`);
  }
});
