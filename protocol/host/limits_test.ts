import assert from "node:assert/strict";
import { Connection } from "../connection/connection.ts";
import { ConnectionStatus, TransferMode } from "../constants.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import { FakeNet, type Node } from "./_test_util.ts";
import { Host } from "./host.ts";
import type { HostOptions } from "./options.ts";
import type { ConnectionConfig } from "../connection/types.ts";

type Opts = Omit<HostOptions, "createConnection">;
const real = (o: Opts) => ({ ...o, createConnection: (c: ConnectionConfig) => new Connection(c) });
const R = TransferMode.RELIABLE;

function connect(net: FakeNet, server: Node, n: number, o: Opts = { role: "client" }): Node[] {
  const cs: Node[] = [];
  for (let i = 0; i < n; i++) {
    const c = net.add(o, 2000 + net.nodes.length);
    c.host.connect(server.address, net.now);
    net.pump();
    cs.push(c);
  }
  return cs;
}

const throwsCode = (fn: () => void, code: string) =>
  assert.throws(fn, (e) => e instanceof MultiplayerError && e.code === code);

Deno.test("limits: maxClients rejects with SERVER_FULL", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", maxClients: 2 }, 1000);
  const cs = connect(net, s, 3);
  assert.equal(s.host.peerCount, 2);
  assert.deepEqual(cs[2].events, [{
    type: "connection_failed",
    reason: DisconnectReason.SERVER_FULL,
    message: "server is full (2 clients)",
  }]);
});

Deno.test("limits: per-peer inbound queue refuses one flooding peer, not the others", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", maxInboundPacketsPerPeer: 4, maxInboundBytesPerPeer: 64 }, 1);
  const [a, b] = connect(net, s, 2);
  const keep = s.host.pollPacket; // keep packets queued: the app is not reading
  s.host.pollPacket = () => undefined;
  for (let i = 0; i < 10; i++) a.host.send(1, new Uint8Array(4), R, 0, net.now);
  net.pump();
  assert.equal(s.host.inboundCount, 4, "packets per peer bounded");
  for (let i = 0; i < 3; i++) b.host.send(1, new Uint8Array(30), R, 0, net.now);
  net.pump();
  assert.equal(s.host.inboundCount, 6, "the other peer: 2 x 30 B fit in 64 B, the third not");
  const conn = (n: Node) =>
    s.host.peerConnection(n.host.uniqueId) as unknown as { refused: number };
  assert.equal(conn(a).refused, 6);
  assert.equal(conn(b).refused, 1);
  s.host.pollPacket = keep;
  for (let i = 0; i < 6; i++) assert.ok(s.host.pollPacket());
  assert.equal(s.host.inboundBytes, 0);
});

Deno.test("limits: reassembly bytes are bounded per peer and in total", () => {
  const net = new FakeNet();
  const s = net.add(real({ role: "server", maxTotalReassemblyBytes: 6000 }), 1000);
  const [a, b] = connect(net, s, 2, real({ role: "client" }));
  const big = (v: number) => new Uint8Array(4000).fill(v);
  // a's first fragment reserves 4 x 1144 B; b's message cannot reserve as well: it waits
  net.filter = (from, _to, bytes) => from !== a || bytes.length < 1000 || aSent++ === 0;
  let aSent = 0;
  a.host.send(1, big(1), R, 0, net.now);
  net.pump();
  assert.equal(s.host.reassemblyBytes, 4 * 1144);
  b.host.send(1, big(2), R, 0, net.now);
  net.advance(500);
  assert.ok(s.host.reassemblyBytes <= 6000);
  assert.equal(s.packets.length, 0, "b waits for budget");
  net.filter = () => true; // a's fragments get through: its buffer is released, then b's
  net.advance(3000);
  assert.deepEqual(s.packets.map((p) => p.data[0]).sort(), [1, 2]);
  assert.equal(s.host.reassemblyBytes, 0);
  // a peer that leaves mid-message returns its bytes to the total
  net.filter = (from, _to, bytes) => from !== a || bytes.length < 1000 || aSent++ === 0;
  aSent = 0;
  a.host.send(1, big(3), R, 0, net.now);
  net.pump();
  assert.ok(s.host.reassemblyBytes > 0);
  s.host.disconnectPeer(a.host.uniqueId, net.now, true);
  assert.equal(s.host.reassemblyBytes, 0);
});

Deno.test("limits: max packet size (encodeBufferMaxSize) on send and on receive", () => {
  const net = new FakeNet();
  const s = net.add(real({ role: "server", encodeBufferMaxSize: 10_000 }), 1000);
  const [a] = connect(net, s, 1, real({ role: "client", encodeBufferMaxSize: 1 << 20 }));
  throwsCode(() => s.host.send(0, new Uint8Array(10_001), R, 0, net.now), "PACKET_TOO_LARGE");
  a.host.send(1, new Uint8Array(50_000), R, 0, net.now); // larger than the server accepts
  a.host.send(1, new Uint8Array([7]), R, 0, net.now);
  net.advance(1000);
  assert.deepEqual(s.packets.map((p) => p.data.length), [1], "oversized one dropped");
  assert.equal(a.host.status, ConnectionStatus.CONNECTED);
});

Deno.test("limits: max channels; a datagram on an unknown channel is dropped whole", () => {
  throwsCode(() => new FakeNet().add({ role: "server", channelCount: 255 }, 1), "INVALID_ARGUMENT");
  const net = new FakeNet();
  const s = net.add(real({ role: "server", channelCount: 2 }), 1000);
  const [a] = connect(net, s, 1, real({ role: "client", channelCount: 8 }));
  assert.equal(a.host.channelCount, 2, "the server's channel count wins");
  throwsCode(() => a.host.send(1, new Uint8Array(1), R, 5, net.now), "INVALID_CHANNEL");
  // a forged datagram on wire channel 9 from the client's own address and session
  const id = a.host.uniqueId;
  const forger = new Connection({
    sessionId: s.host.entryById(id)!.sessionId,
    wireChannelCount: 10,
    datagramSize: 1200,
    maxMessageSize: 1000,
    timeoutMs: 10_000,
    keepaliveMs: 1000,
    reliableCarrier: false,
    maxSendQueueBytes: 1 << 20,
    maxReassemblyBytes: 1 << 20,
    now: net.now,
  });
  forger.send(9, TransferMode.UNRELIABLE, new Uint8Array([1]), undefined, net.now);
  const conn = s.host.peerConnection(id) as Connection;
  const before = conn.stats.packetsDropped;
  s.host.handleDatagram(forger.pollTransmit(net.now)!, a.address, net.now);
  assert.equal(conn.stats.packetsDropped, before + 1);
  assert.equal(s.host.inboundCount, 0);
});

Deno.test("limits: a burst of 1000 connects from one address (many ports) is admitted", () => {
  const server = new Host(real({ role: "server", maxClients: 1000, serverRelay: false }));
  const at = (port: number) => ({ hostname: "127.0.0.1", port, transport: "udp" as const });
  const clients = Array.from({ length: 1000 }, () => new Host(real({ role: "client" })));
  // all at the same instant: the default rate limits and budgets must admit it
  clients.forEach((c) => c.connect(at(9), 0));
  for (let round = 0; round < 4; round++) { // REQUEST, CHALLENGE, CONNECT, ACCEPT
    clients.forEach((c, i) => {
      for (let t = c.pollTransmit(0); t; t = c.pollTransmit(0)) {
        server.handleDatagram(t.bytes.slice(), at(3000 + i), 0);
      }
    });
    for (let t = server.pollTransmit(0); t; t = server.pollTransmit(0)) {
      clients[t.to.port - 3000].handleDatagram(t.bytes.slice(), at(9), 0);
    }
  }
  assert.equal(server.peerCount, 1000);
  assert.equal(server.handshakeCounters?.rateLimited, 0);
  assert.ok(clients.every((c) => c.status === ConnectionStatus.CONNECTED));
});
