// The host's seams for connection-based carriers (WebSocket): per-remote carrier reliability and
// "the carrier says this remote is gone". Simulated time, fake connections.
import assert from "node:assert/strict";
import type { ConnectionConfig } from "../connection/types.ts";
import { ConnectionStatus } from "../constants.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import type { HostOptions } from "./options.ts";
import { FakeConnection, FakeNet, type Node } from "./_test_util.ts";

type NodeOptions = Omit<HostOptions, "createConnection">;
const types = (n: Node) => n.events.map((e) => e.type + ("id" in e ? ":" + e.id : ""));

function session(clients: number) {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  const cs: Node[] = [];
  for (let i = 0; i < clients; i++) {
    const c = net.add({ role: "client" }, 2000 + i);
    c.host.connect(s.address, net.now);
    net.pump();
    cs.push(c);
  }
  for (const n of net.nodes) n.events.length = 0;
  return { net, s, cs };
}

Deno.test("host: reliableCarrierFor picks each connection's carrier mode by remote", () => {
  const net = new FakeNet();
  const made: { port: number; reliable: boolean }[] = [];
  let creating = 0;
  const server = net.add({
    role: "server",
    reliableCarrierFor: (a) => a.port === 2001,
    createConnection: (c: ConnectionConfig) => {
      made.push({ port: creating, reliable: c.reliableCarrier });
      return new FakeConnection(c);
    },
  } as NodeOptions, 1000);
  const udp = net.add({ role: "client" }, 2000);
  const ws = net.add({ role: "client", reliableCarrier: true }, 2001);
  for (const c of [udp, ws]) {
    creating = c.address.port;
    c.host.connect(server.address, net.now);
    net.pump();
    assert.equal(c.host.status, ConnectionStatus.CONNECTED);
  }
  assert.deepEqual(made, [{ port: 2000, reliable: false }, { port: 2001, reliable: true }]);
  // Without the option every remote gets `reliableCarrier`; a non-function is refused.
  assert.equal(ws.host.options.reliableCarrierFor(server.address), true);
  assert.equal(udp.host.options.reliableCarrierFor(server.address), false);
  assert.throws(
    () => net.add({ role: "server", reliableCarrierFor: 1 } as unknown as NodeOptions, 1001),
    (e) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
  );
});

Deno.test("host: handleCarrierClosed drops a server's peer once and announces it", () => {
  const { net, s, cs } = session(3);
  const [a, b, c] = cs;
  const aId = a.host.uniqueId;
  const logged = net.log.length;
  s.host.handleCarrierClosed({ hostname: "127.0.0.1", port: 9999 }, 1, net.now); // unknown
  s.host.handleCarrierClosed(a.address, DisconnectReason.BACKPRESSURE, net.now);
  s.host.handleCarrierClosed(a.address, DisconnectReason.CLOSED, net.now); // already gone
  net.pump();
  assert.deepEqual(s.events, [
    { type: "peer_disconnected", id: aId, reason: DisconnectReason.BACKPRESSURE },
  ]);
  assert.deepEqual(s.host.peerIds().sort(), [b.host.uniqueId, c.host.uniqueId].sort());
  for (const other of [b, c]) assert.deepEqual(types(other), [`peer_disconnected:${aId}`]);
  // The socket is gone, so nothing (no DISCONNECT) is sent to the dropped remote.
  assert.ok(!net.log.slice(logged).some((d) => d.to === a.address.port));
  net.advance(20_000); // a's connection is gone: no later TIMEOUT event for it
  assert.equal(s.events.filter((e) => e.type === "peer_disconnected" && e.id === aId).length, 1);
});

Deno.test("host: handleCarrierClosed on a connected client: server_disconnected once", () => {
  const { net, s, cs } = session(1);
  const [a] = cs;
  a.host.handleCarrierClosed({ hostname: "127.0.0.1", port: 1234 }, 1, net.now); // not the server
  assert.equal(a.host.status, ConnectionStatus.CONNECTED);
  a.host.handleCarrierClosed(s.address, DisconnectReason.CLOSED, net.now);
  a.host.handleCarrierClosed(s.address, DisconnectReason.CLOSED, net.now);
  net.pump();
  assert.deepEqual(a.events, [{ type: "server_disconnected", reason: DisconnectReason.CLOSED }]);
  assert.equal(a.host.status, ConnectionStatus.DISCONNECTED);
  assert.deepEqual(a.host.peerIds(), []);
});

Deno.test("host: handleCarrierClosed while connecting fails the attempt once, stops retrying", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  s.alive = false; // nothing answers
  const a = net.add({ role: "client", connectTimeoutMs: 3000 }, 2000);
  a.host.connect(s.address, net.now);
  net.advance(500);
  a.host.handleCarrierClosed({ hostname: "127.0.0.1", port: 1001 }, 1, net.now); // other remote
  assert.equal(a.host.status, ConnectionStatus.CONNECTING);
  a.host.handleCarrierClosed(s.address, DisconnectReason.CLOSED, net.now, "socket closed (1006)");
  a.host.handleCarrierClosed(s.address, DisconnectReason.CLOSED, net.now);
  assert.equal(a.host.pollTimeout(), undefined);
  const sent = net.log.length;
  net.advance(5000); // past connectTimeoutMs: no retries, no second (CONNECT_TIMEOUT) failure
  assert.equal(net.log.length, sent);
  assert.deepEqual(a.events, [{
    type: "connection_failed",
    reason: DisconnectReason.CLOSED,
    message: "socket closed (1006)",
  }]);
  assert.equal(a.host.status, ConnectionStatus.DISCONNECTED);
});

Deno.test("host: handleCarrierClosed after close() emits nothing", () => {
  const { net, s, cs } = session(2);
  s.host.close(net.now);
  s.host.handleCarrierClosed(cs[0].address, DisconnectReason.CLOSED, net.now);
  assert.equal(s.host.pollEvent(), undefined);
  cs[1].host.close(net.now);
  cs[1].host.handleCarrierClosed(s.address, DisconnectReason.CLOSED, net.now);
  assert.equal(cs[1].host.pollEvent(), undefined);
});
