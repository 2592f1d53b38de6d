import assert from "node:assert/strict";
import { MultiplayerError } from "../errors.ts";
import { decodeDatagram } from "./codec.ts";
import { EnetCommand, EnetPacketFlag } from "./constants.ts";
import type { EnetOptions } from "./options.ts";
import { SimNet } from "./_sim.ts";
import { grantedWindow, nextSessionIds, sendWindow, windowForBandwidth } from "./_handshake.ts";

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

function setup(
  seed: number,
  serverOptions: EnetOptions = {},
  clientOptions: EnetOptions = {},
  jitter = 0,
) {
  const net = new SimNet(seed);
  net.profile = { delay: 5, jitter, loss: 0, duplicate: 0 };
  const server = net.add(S, { autoAccept: true, ...serverOptions });
  const client = net.add(C, clientOptions);
  const limits: { from: string; at: number; incoming: number; outgoing: number }[] = [];
  net.tap = (from, _to, bytes) => {
    for (const c of decodeDatagram(bytes)!.commands) {
      if (c.command === EnetCommand.BANDWIDTH_LIMIT) {
        limits.push({
          from: from.hostname,
          at: net.now,
          incoming: c.incomingBandwidth,
          outgoing: c.outgoingBandwidth,
        });
      }
    }
  };
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(2000, () => peer.connected && server.of("connect").length === 1));
  return { net, server, client, peer, remote: server.of("connect")[0].peer, limits };
}

Deno.test("bandwidth: both hosts announce BANDWIDTH_LIMIT once, within about a second of the connect", () => {
  const { net, limits } = setup(1);
  net.run(5000);
  assert.equal(limits.filter((l) => l.from === S.hostname).length, 1);
  assert.equal(limits.filter((l) => l.from === C.hostname).length, 1);
  for (const l of limits) {
    assert.ok(l.at <= 1100, `at ${l.at}`);
    assert.deepEqual([l.incoming, l.outgoing], [0, 0]);
  }
});

Deno.test("bandwidth: limits change the windows as ENet computes them", () => {
  const { net, server, peer, remote, limits } = setup(2, {}, { outgoingBandwidth: 65536 });
  assert.equal(remote.stats().remoteOutgoingBandwidth, 65536);
  server.host.bandwidthLimit(131072, 262144);
  net.run(net.now + 1500);
  const fromServer = limits.filter((l) => l.from === S.hostname).at(-1)!;
  // the client's upstream is below its share of our downstream: it is told exactly that
  assert.deepEqual([fromServer.incoming, fromServer.outgoing], [65536, 262144]);
  assert.equal(peer.stats().remoteIncomingBandwidth, 65536);
  assert.equal(peer.stats().windowSize, 4096, "min(own upstream, remote's grant) / 64 KiB x 4096");
  assert.equal(remote.stats().windowSize, sendWindow(262144, 0));
});

Deno.test("bandwidth: window and session rules", () => {
  assert.equal(windowForBandwidth(0), 65536);
  assert.equal(windowForBandwidth(65536), 4096);
  assert.equal(windowForBandwidth(10), 4096);
  assert.equal(sendWindow(0, 0), 65536);
  assert.equal(sendWindow(131072, 65536 * 4), 8192);
  assert.equal(grantedWindow(0, 65536), 65536);
  assert.equal(grantedWindow(65536 * 2, 65536), 8192);
  assert.equal(grantedWindow(0, 1), 4096);
  assert.deepEqual(nextSessionIds(0xff, 0xff, 0xff, 0xff), [0, 0]);
  assert.deepEqual(nextSessionIds(0xff, 0xff, 0, 0), [1, 1]);
  assert.deepEqual(nextSessionIds(3, 3, 0, 1), [0, 1], "skips the slot's previous id");
  assert.deepEqual(nextSessionIds(0, 0, 1, 1), [2, 2]);
});

Deno.test("bandwidth: an upstream limit throttles a peer's unreliable data", () => {
  const { net, remote } = setup(3, { outgoingBandwidth: 20_000 });
  for (let t = 0; t < 3000; t += 10) {
    remote.send(1, new Uint8Array(500), 0, net.now);
    net.run(net.now + 10);
  }
  const s = remote.stats();
  assert.ok(s.packetThrottleLimit < 32, `limit ${s.packetThrottleLimit}`);
  assert.ok(s.unreliableShed > 0, `shed ${s.unreliableShed}`);
});

Deno.test("shedding: the default policy keeps unreliable data on a healthy jittery link; ENet's rule drops some", () => {
  const run = (shedding: "congestion" | "enet") => {
    const { net, remote } = setup(4, { shedding }, {}, 2);
    for (let i = 0; i < 600; i++) {
      // a healthy link whose delay sometimes jumps (a busy machine): no loss at all
      net.profile.delay = i % 50 < 5 ? 60 : 2;
      remote.send(1, new Uint8Array(200), 0, net.now);
      if (i % 10 === 0) remote.send(0, new Uint8Array(50), EnetPacketFlag.RELIABLE, net.now);
      net.run(net.now + 16);
    }
    net.run(net.now + 500);
    return { shed: remote.stats().unreliableShed, retransmits: remote.stats().retransmits };
  };
  const ours = run("congestion");
  const enet = run("enet");
  assert.equal(ours.shed, 0);
  assert.ok(enet.shed > 0, `enet policy shed ${enet.shed}`);
  assert.equal(ours.retransmits, enet.retransmits, "same link, same reliable behaviour");
});

Deno.test("queue bound: reliable data over maxQueuedBytes throws QUEUE_FULL, unreliable is shed oldest first", () => {
  const { net, peer } = setup(5, {}, { maxQueuedBytes: 10_000 });
  net.filter = () => true; // nothing gets through: the queue only grows
  for (let i = 0; i < 3; i++) assert.ok(peer.send(1, new Uint8Array(300), 0, net.now));
  for (let i = 0; i < 9; i++) peer.send(1, new Uint8Array(1000), EnetPacketFlag.RELIABLE, net.now);
  assert.throws(
    () => peer.send(1, new Uint8Array(1000), EnetPacketFlag.RELIABLE, net.now),
    (e: unknown) =>
      e instanceof MultiplayerError && e.code === "QUEUE_FULL" &&
      /maxQueuedBytes \(10000 bytes\)/.test(e.message),
  );
  assert.equal(
    peer.send(1, new Uint8Array(900), 0, net.now),
    true,
    "room made by shedding older unreliable data",
  );
  assert.equal(peer.stats().unreliableShed, 3);
  assert.equal(
    peer.send(1, new Uint8Array(5000), EnetPacketFlag.UNRELIABLE_FRAGMENT, net.now),
    false,
  );
  assert.equal(peer.stats().unreliableShed, 5);
  assert.ok(peer.queuedBytes <= 10_000);
  assert.throws(
    () => peer.send(9, new Uint8Array(1), 1, net.now),
    (e: unknown) => e instanceof MultiplayerError && e.code === "INVALID_CHANNEL",
  );
  assert.throws(
    () => peer.send(0, new Uint8Array(9 << 20), 1, net.now),
    (e: unknown) => e instanceof MultiplayerError && e.code === "PACKET_TOO_LARGE",
  );
});

Deno.test("throttle: THROTTLE_CONFIGURE goes out on request and is acknowledged", () => {
  const { net, peer, remote } = setup(6);
  const seen: number[][] = [];
  net.tap = (_f, _t, bytes) => {
    for (const c of decodeDatagram(bytes)!.commands) {
      if (c.command === EnetCommand.THROTTLE_CONFIGURE) {
        seen.push([c.throttleInterval, c.throttleAcceleration, c.throttleDeceleration]);
      }
    }
  };
  peer.throttleConfigure(1000, 4, 8, net.now);
  net.run(net.now + 200);
  assert.deepEqual(seen, [[1000, 4, 8]]);
  assert.equal(peer.stats().bytesInFlight, 0);
  assert.equal(remote.state, "connected");
  assert.equal(peer.stats().retransmits, 0, "acknowledged");
});
