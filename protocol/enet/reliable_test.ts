import assert from "node:assert/strict";
import { DisconnectReason } from "../errors.ts";
import { decodeDatagram } from "./codec.ts";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import { ackForbidden, inReceiveWindow } from "./_incoming.ts";
import { echoedRoundTrip } from "./_rtt.ts";
import { SimNet } from "./_sim.ts";
import { craft } from "./_craft.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

function connected(seed: number, delay = 1, serverOptions = {}, clientOptions = {}) {
  const net = new SimNet(seed);
  net.profile = { delay, jitter: 0, loss: 0, duplicate: 0 };
  const server = net.add(S, { autoAccept: true, ...serverOptions });
  const client = net.add(C, clientOptions);
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(5000, () => peer.connected && server.of("connect").length === 1));
  return { net, server, client, peer, remote: server.of("connect")[0].peer };
}

Deno.test("reliable: a dead peer is noticed after about 5-6 s with the default rules", () => {
  const { net, server, client, peer } = connected(1);
  net.run(3000); // idle: pings keep it alive
  assert.equal(peer.state, "connected");
  server.up = false;
  const t0 = net.now;
  assert.ok(net.run(t0 + 40_000, () => client.of("disconnect").length > 0));
  const took = net.now - t0;
  assert.ok(took >= 5000 && took <= 6500, `took ${took} ms`);
  assert.equal(client.of("disconnect")[0].reason, DisconnectReason.TIMEOUT);
  assert.equal(client.of("disconnect")[0].wasConnected, true);
});

Deno.test("reliable: setTimeout changes the verdict (limit / minimum / maximum)", () => {
  const { net, server, client, peer } = connected(2);
  net.run(net.now + 100); // an RTT sample: first RTO ~ 5 ms, limit 4 x that
  peer.setTimeoutLimits(4, 1000, 2000);
  server.up = false;
  const t0 = net.now;
  peer.send(0, new Uint8Array(10), EnetPacketFlag.RELIABLE, t0);
  assert.ok(net.run(t0 + 10_000, () => client.of("disconnect").length > 0));
  const took = net.now - t0;
  assert.ok(took >= 1000 && took <= 2000, `took ${took} ms`);
});

Deno.test("reliable: retransmissions double the timeout, first one = rtt + 4 x variance", () => {
  const { net, server, peer } = connected(3, 50);
  net.run(net.now + 3000);
  const rtt = peer.stats().roundTripTime, variance = peer.stats().roundTripTimeVariance;
  assert.ok(rtt >= 95 && rtt <= 110, `rtt ${rtt}`);
  const times: number[] = [];
  net.filter = (from, _to, bytes) => {
    if (
      from === C &&
      decodeDatagram(bytes)?.commands.some((c) => c.command === EnetCommand.SEND_RELIABLE)
    ) {
      times.push(net.now);
    }
    return from === C;
  };
  const t0 = net.now;
  peer.send(1, new Uint8Array([1, 2, 3]), EnetPacketFlag.RELIABLE, t0);
  net.run(t0 + 4000);
  const rto = rtt + 4 * variance;
  assert.deepEqual(times.slice(0, 4).map((t) => t - t0), [0, rto, 3 * rto, 7 * rto]);
  assert.ok(server.of("receive").length === 0);
  assert.ok(peer.stats().retransmits >= 3);
});

Deno.test("reliable: sends of one turn share a datagram; the acks come back batched", () => {
  const { net, server, peer } = connected(4);
  net.run(net.now + 600);
  const datagrams: { from: string; bytes: Uint8Array }[] = [];
  net.tap = (from, _to, bytes) => datagrams.push({ from: from.hostname, bytes });
  const now = net.now;
  for (let i = 0; i < 5; i++) peer.send(1, new Uint8Array([i]), EnetPacketFlag.RELIABLE, now);
  peer.send(1, new Uint8Array([9]), 0, now);
  assert.ok(net.run(now + 100, () => server.of("receive").length === 6));
  const first = decodeDatagram(datagrams[0].bytes)!;
  assert.equal(first.commands.length, 6);
  const reply = datagrams.find((d) => d.from === S.hostname)!;
  const acks = decodeDatagram(reply.bytes)!.commands.filter((c) =>
    c.command === EnetCommand.ACKNOWLEDGE
  );
  assert.equal(acks.length, 5);
  assert.deepEqual(server.of("receive").map((e) => e.data[0]), [0, 1, 2, 3, 4, 9]);
});

Deno.test("reliable: the send window stops at the reliable-window boundary and in-flight bytes stay in the window", () => {
  const { net, server, peer } = connected(5, 5);
  let ackDropUntil = net.now + 300;
  let maxSeq = 0;
  let maxInFlight = 0;
  net.filter = (from, _to, bytes) => {
    const d = decodeDatagram(bytes);
    if (from === C && d) {
      for (const c of d.commands) {
        if (c.channelId === 1 && c.reliableSeq > maxSeq && net.now < ackDropUntil) {
          maxSeq = c.reliableSeq;
        }
      }
    }
    maxInFlight = Math.max(maxInFlight, peer.stats().bytesInFlight);
    return from === S && net.now < ackDropUntil;
  };
  const now = net.now;
  for (let i = 0; i < 10_000; i++) peer.send(1, new Uint8Array(0), EnetPacketFlag.RELIABLE, now);
  net.run(now + 250);
  assert.equal(maxSeq, 8191, "window 2 may not start while window 0 is full");
  ackDropUntil = 0;
  assert.ok(net.run(now + 20_000, () => server.of("receive").length === 10_000));
  // bytes: 300 x 2000 B
  for (let i = 0; i < 300; i++) {
    peer.send(1, new Uint8Array(2000), EnetPacketFlag.RELIABLE, net.now);
  }
  maxInFlight = 0;
  assert.ok(net.run(net.now + 20_000, () => server.of("receive").length === 10_300));
  assert.ok(maxInFlight <= 65536 && maxInFlight > 30_000, `in flight ${maxInFlight}`);
});

Deno.test("reliable: receive window and forbidden-ack rules", () => {
  assert.equal(inReceiveWindow(1, 0), true);
  assert.equal(inReceiveWindow(7 * 4096 - 1, 0), true);
  assert.equal(inReceiveWindow(7 * 4096, 0), false, "7 windows ahead");
  assert.equal(inReceiveWindow(0, 0), true);
  assert.equal(inReceiveWindow(65535, 0), false, "behind");
  assert.equal(inReceiveWindow(10, 65000), true, "ahead across the wrap");
  assert.equal(ackForbidden(7 * 4096, 0), true);
  assert.equal(ackForbidden(8 * 4096 + 5, 0), true);
  assert.equal(ackForbidden(9 * 4096, 0), false);
});

Deno.test("reliable: RTT echo arithmetic across the 16-bit wrap, future echoes ignored", () => {
  assert.equal(echoedRoundTrip(100, 90), 10);
  assert.equal(echoedRoundTrip(0x10000 + 5, 0xfff0), 21);
  assert.equal(echoedRoundTrip(100, 100), 1, "at least 1 ms");
  assert.equal(echoedRoundTrip(100, 200), undefined);
  assert.equal(echoedRoundTrip(0x9000, 0x1000), 0x8000);
});

Deno.test("reliable: RTT follows the link and pings keep an idle link measured", () => {
  const { net, peer, remote } = connected(6, 40);
  net.run(net.now + 5000);
  for (const p of [peer, remote]) {
    const s = p.stats();
    assert.ok(s.roundTripTime >= 75 && s.roundTripTime <= 90, `rtt ${s.roundTripTime}`);
    assert.equal(s.state, "connected");
  }
  assert.ok(peer.stats().datagramsSent > 8, "pings while idle");
});

Deno.test("reliable: a SEND_RELIABLE on a sequence an incomplete fragment group holds is ignored", () => {
  const { net, server, peer } = connected(9);
  const inject = (cmds: Parameters<typeof craft>[3]) =>
    net.inject(C, S, craft(peer.outgoingPeerId, 0, 1, cmds));
  const fragment = {
    command: EnetCommand.SEND_FRAGMENT,
    flags: 0x80,
    channelId: 1,
    startSeq: 1,
    reliableSeq: 1,
    fragmentCount: 2,
    fragmentNumber: 0,
    totalLength: 2000,
    fragmentOffset: 0,
    payload: new Uint8Array(1000).fill(1),
  };
  inject([fragment]); // the group 1..2, its first half: held at sequence 1, the next in order
  inject([{
    command: EnetCommand.SEND_RELIABLE,
    flags: 0x80,
    channelId: 1,
    reliableSeq: 1,
    payload: new Uint8Array([9]),
  }]);
  net.run(net.now + 20);
  assert.equal(server.of("receive").length, 0);
  inject([{ ...fragment, reliableSeq: 2, fragmentNumber: 1, fragmentOffset: 1000 }]);
  inject([{
    command: EnetCommand.SEND_RELIABLE,
    flags: 0x80,
    channelId: 1,
    reliableSeq: 3,
    payload: new Uint8Array([3]),
  }]);
  net.run(net.now + 20);
  assert.deepEqual(server.of("receive").map((e) => e.data.length), [2000, 1]);
});
