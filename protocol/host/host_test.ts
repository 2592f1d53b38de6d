import assert from "node:assert/strict";
import { FakeNet, type Node } from "./_test_util.ts";
import { ConnectionStatus, PROTOCOL_VERSION, TransferMode } from "../constants.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import {
  decodeHandshake,
  encodeConnect,
  encodeRequest,
  MIN_HANDSHAKE_SIZE,
  PacketType,
} from "../wire/handshake.ts";
import { encodeConnectPayload } from "../wire/control.ts";
import type { HostOptions } from "./options.ts";

const bytes = (...v: number[]) => new Uint8Array(v);
type Opts = Omit<HostOptions, "createConnection" | "role">;

function session(clients = 3, server: Opts = {}, client: Opts = {}) {
  const net = new FakeNet();
  const s = net.add({ role: "server", ...server }, 1000);
  const cs: Node[] = [];
  for (let i = 0; i < clients; i++) {
    const c = net.add({ role: "client", ...client }, 2000 + i);
    c.host.connect(s.address, net.now);
    cs.push(c);
    net.pump();
  }
  return { net, s, cs };
}

const types = (n: Node) => n.events.map((e) => e.type + ("id" in e ? ":" + e.id : ""));
const throwsCode = (fn: () => void, code: string) =>
  assert.throws(fn, (e) => e instanceof MultiplayerError && e.code === code);

Deno.test("host: clients get unique server-assigned ids and learn of each other", () => {
  const { s, cs } = session(3);
  const ids = cs.map((c) => c.host.uniqueId);
  assert.equal(new Set(ids).size, 3);
  for (const id of ids) assert.ok(id >= 2 && id <= 0x7fffffff);
  assert.deepEqual(types(s), ids.map((id) => "peer_connected:" + id));
  for (const [i, c] of cs.entries()) {
    assert.equal(c.host.status, ConnectionStatus.CONNECTED);
    const others = ids.filter((id) => id !== ids[i]).map((id) => "peer_connected:" + id).sort();
    const ev = types(c);
    assert.deepEqual(ev.slice(0, 2), ["peer_connected:1", "connection_succeeded"]);
    assert.deepEqual(ev.slice(2).sort(), others);
    assert.deepEqual(c.host.peerIds().sort(), [1, ...ids.filter((id) => id !== ids[i])].sort());
  }
});

Deno.test("host: every target form from server and clients, true sender ids", () => {
  const { net, s, cs } = session(3);
  const [a, b, c] = cs;
  const id = (n: Node) => n.host.uniqueId;
  const got = (n: Node) => n.packets.splice(0).map((p) => `${p.from}>${p.data[0]}`).sort();
  for (
    const mode of [TransferMode.UNRELIABLE, TransferMode.UNRELIABLE_ORDERED, TransferMode.RELIABLE]
  ) {
    s.host.send(0, bytes(1), mode, 0, net.now);
    s.host.send(id(b), bytes(2), mode, 1, net.now);
    s.host.send(-id(a), bytes(3), mode, 2, net.now);
    net.pump();
    assert.deepEqual(got(a), ["1>1"]);
    assert.deepEqual(got(b), ["1>1", "1>2", "1>3"]);
    assert.deepEqual(got(c), ["1>1", "1>3"]);
    a.host.send(0, bytes(4), mode, 0, net.now);
    a.host.send(1, bytes(5), mode, 0, net.now);
    a.host.send(id(c), bytes(6), mode, 0, net.now);
    a.host.send(-id(b), bytes(7), mode, 0, net.now);
    net.pump();
    const A = id(a);
    assert.deepEqual(got(s), [`${A}>4`, `${A}>5`, `${A}>7`]);
    assert.deepEqual(got(b), [`${A}>4`]);
    assert.deepEqual(got(c), [`${A}>4`, `${A}>6`, `${A}>7`]);
    assert.deepEqual(got(a), []);
    const p = s.host;
    assert.equal(p.peerIds().length, 3);
  }
  s.host.send(id(b), bytes(9), TransferMode.RELIABLE, 2, net.now);
  net.pump();
  assert.equal(b.packets[0].channel, 2);
  assert.equal(b.packets[0].mode, TransferMode.RELIABLE);
});

Deno.test("host: misuse throws typed errors", () => {
  const { net, s, cs } = session(1);
  const [a] = cs;
  throwsCode(() => s.host.send(1, bytes(1), 2, 0, net.now), "INVALID_TARGET");
  throwsCode(() => s.host.send(77, bytes(1), 2, 0, net.now), "UNKNOWN_PEER");
  throwsCode(() => s.host.send(0, bytes(1), 2, 3, net.now), "INVALID_CHANNEL");
  throwsCode(() => a.host.send(77, bytes(1), 2, 0, net.now), "UNKNOWN_PEER");
  throwsCode(() => a.host.send(a.host.uniqueId, bytes(1), 2, 0, net.now), "INVALID_TARGET");
  throwsCode(() => a.host.connect(s.address, net.now), "ALREADY_ACTIVE");
  throwsCode(() => s.host.disconnectPeer(77, net.now), "UNKNOWN_PEER");
  const idle = net.add({ role: "client" }, 3000);
  throwsCode(() => idle.host.send(1, bytes(1), 2, 0, net.now), "NOT_CONNECTED");
});

Deno.test("host: target -1 is every client but the server, from a client and from the server", () => {
  const { net, s, cs } = session(3);
  const [a, b, c] = cs;
  a.host.send(-1, bytes(1), 2, 0, net.now);
  net.pump();
  assert.equal(s.packets.length, 0); // the server is the one left out
  for (const other of [b, c]) {
    assert.deepEqual(other.packets.map((p) => p.from), [a.host.uniqueId]);
  }
  assert.equal(a.packets.length, 0);
  s.host.send(-1, bytes(2), 2, 0, net.now); // from the server: all clients
  net.pump();
  for (const client of cs) assert.equal(client.packets.at(-1)?.from, 1);
});

Deno.test("host: relay off: clients reach only the server, no announcements", () => {
  const { net, s, cs } = session(2, { serverRelay: false });
  const [a, b] = cs;
  assert.deepEqual(types(a), ["peer_connected:1", "connection_succeeded"]);
  assert.equal(a.host.serverRelay, false);
  throwsCode(() => a.host.send(b.host.uniqueId, bytes(1), 2, 0, net.now), "INVALID_TARGET");
  throwsCode(() => a.host.send(-1, bytes(1), 2, 0, net.now), "INVALID_TARGET");
  a.host.send(0, bytes(1), 2, 0, net.now); // a broadcast reaches the server alone
  a.host.send(-b.host.uniqueId, bytes(1), 2, 0, net.now);
  a.host.send(1, bytes(1), 2, 0, net.now);
  net.pump();
  assert.equal(s.packets.length, 3);
  assert.ok(s.packets.every((p) => p.from === a.host.uniqueId));
  assert.equal(b.packets.length, 0);
});

Deno.test("host: refuseNewConnections and a full server reject explicitly", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", maxClients: 1 }, 1000);
  s.host.refuseNewConnections = true;
  const a = net.add({ role: "client" }, 2000);
  a.host.connect(s.address, 0);
  net.pump();
  assert.deepEqual(a.events.map((e) => e.type), ["connection_failed"]);
  assert.equal((a.events[0] as { reason: number }).reason, DisconnectReason.REFUSED);
  assert.equal(s.host.peerCount, 0);
  s.host.refuseNewConnections = false;
  const b = net.add({ role: "client" }, 2001);
  b.host.connect(s.address, 0);
  const c = net.add({ role: "client" }, 2002);
  c.host.connect(s.address, 0);
  net.pump();
  assert.equal(b.host.status, ConnectionStatus.CONNECTED);
  const failed = c.events.find((e) => e.type === "connection_failed");
  assert.ok(failed && failed.type === "connection_failed");
  assert.equal(failed.reason, DisconnectReason.SERVER_FULL);
  assert.match(failed.message, /full/);
  assert.equal(c.host.status, ConnectionStatus.DISCONNECTED);
});

Deno.test("host: connecting to nothing fails with CONNECT_TIMEOUT after connectTimeoutMs", () => {
  const net = new FakeNet();
  const a = net.add({ role: "client", connectTimeoutMs: 5000 }, 2000);
  a.host.connect({ hostname: "127.0.0.1", port: 9 }, 0);
  net.advance(4900);
  assert.equal(a.events.length, 0);
  const requests = net.log.filter((l) => l.from === 2000).length;
  assert.ok(requests >= 4 && requests <= 10, `retransmitted with backoff: ${requests}`);
  net.advance(200);
  assert.deepEqual(a.events.map((e) => e.type), ["connection_failed"]);
  assert.equal((a.events[0] as { reason: number }).reason, DisconnectReason.CONNECT_TIMEOUT);
});

Deno.test("host: handshake survives lost REQUEST/CHALLENGE/ACCEPT", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  const a = net.add({ role: "client" }, 2000);
  const dropped = new Set<number>();
  net.filter = (_from, _to, b) => {
    const type = decodeHandshake(b)?.type ?? -1;
    if (type < 1 || dropped.has(type)) return true;
    dropped.add(type); // first copy of each handshake type is lost
    return false;
  };
  a.host.connect(s.address, 0);
  net.advance(3000);
  assert.equal(a.host.status, ConnectionStatus.CONNECTED);
  assert.equal(s.host.peerCount, 1, "a duplicate CONNECT does not create a second peer");
  assert.equal(s.events.length, 1);
});

Deno.test("host: no amplification, no state before a valid cookie, spoofed cookie dropped", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  const from = (port: number) => ({ hostname: "10.9.9.9", port });
  for (let i = 0; i < 200; i++) s.host.handleDatagram(encodeRequest(i), from(i), 0);
  let replies = 0;
  for (let tx = s.host.pollTransmit(0); tx; tx = s.host.pollTransmit(0)) {
    assert.ok(tx.bytes.length <= MIN_HANDSHAKE_SIZE);
    assert.equal(decodeHandshake(tx.bytes)?.type, PacketType.CHALLENGE);
    replies++;
  }
  assert.equal(replies, 200);
  // short (unpadded) requests get no answer at all
  s.host.handleDatagram(encodeRequest(1).subarray(0, 40), from(1), 0);
  assert.equal(s.host.pollTransmit(0), undefined);
  // CONNECT with a made-up cookie: dropped silently, nothing allocated
  const payload = encodeConnectPayload({ channelCount: 3, token: new Uint8Array() });
  s.host.handleDatagram(encodeConnect(5, new Uint8Array(20), payload), from(5), 0);
  assert.equal(s.host.pollTransmit(0), undefined);
  assert.equal(s.host.peerCount, 0);
});

Deno.test("host: cookie from another address, expired cookie, replayed cookie", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", cookieTtlMs: 1000 }, 1000);
  const a = { hostname: "127.0.0.1", port: 2000 };
  const payload = encodeConnectPayload({ channelCount: 3, token: new Uint8Array() });
  const challenge = (now: number) => {
    s.host.handleDatagram(encodeRequest(42), a, now);
    const p = decodeHandshake(s.host.pollTransmit(now)!.bytes)!;
    return p.cookie.slice();
  };
  const reply = (now: number) => {
    const tx = s.host.pollTransmit(now);
    return tx ? decodeHandshake(tx.bytes) : undefined;
  };
  // wrong address
  let cookie = challenge(0);
  s.host.handleDatagram(encodeConnect(42, cookie, payload), { ...a, port: 2001 }, 10);
  assert.equal(reply(10), undefined);
  // expired: no peer, a fresh CHALLENGE so the client can retry at once
  s.host.handleDatagram(encodeConnect(42, cookie, payload), a, 1500);
  const fresh = reply(1500);
  assert.equal(fresh?.type, PacketType.CHALLENGE);
  assert.notDeepEqual(fresh.cookie, cookie);
  assert.equal(s.host.peerCount, 0);
  assert.equal(s.host.handshakeCounters?.expiredCookies, 1);
  // valid, then a duplicate gets the same ACCEPT
  cookie = challenge(2000);
  const connect = encodeConnect(42, cookie, payload);
  s.host.handleDatagram(connect, a, 2010);
  const first = reply(2010);
  assert.equal(first?.type, PacketType.ACCEPT);
  const session1 = first.sessionId;
  while (s.host.pollTransmit(2010));
  s.host.handleDatagram(connect, a, 2020);
  const again = reply(2020);
  assert.equal(again?.type, PacketType.ACCEPT);
  assert.equal(again.sessionId, session1);
  assert.equal(s.host.peerCount, 1);
  // the peer goes away (this fake client never confirms, so it is dropped by hand); replaying
  // its cookie is refused
  s.host.removePeer(s.host.entryBySession(session1)!, DisconnectReason.CLOSED, true, 2030);
  while (s.host.pollTransmit(2030));
  s.host.handleDatagram(connect, a, 2040);
  const refused = reply(2040);
  assert.equal(refused?.type, PacketType.REJECT);
  assert.equal(refused.reason, DisconnectReason.PROTOCOL_ERROR);
  assert.equal(s.host.peerCount, 0);
});

Deno.test("host: version mismatch gets an explicit REJECT any version can read", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  const request = encodeRequest(7);
  request[3] = 0x09; // magic 0xD709: a future version
  s.host.handleDatagram(request, { hostname: "127.0.0.1", port: 5 }, 0);
  const tx = s.host.pollTransmit(0)!;
  const p = decodeHandshake(tx.bytes)!;
  assert.equal(p.type, PacketType.REJECT);
  assert.equal(p.reason, DisconnectReason.VERSION_MISMATCH);
  assert.match(p.message, new RegExp(`version ${PROTOCOL_VERSION}, client 9`));
  assert.ok(tx.bytes.length <= request.length);
});

Deno.test("host: silent client dropped after timeoutMs exactly once; others told", () => {
  const { net, s, cs } = session(2, { timeoutMs: 2000 }, { timeoutMs: 2000 });
  const [a, b] = cs;
  net.advance(5000); // keepalives keep everyone alive
  assert.equal(s.host.peerCount, 2);
  a.alive = false;
  net.advance(2500);
  const gone = s.events.filter((e) => e.type === "peer_disconnected");
  assert.equal(gone.length, 1);
  assert.deepEqual(gone[0], {
    type: "peer_disconnected",
    id: a.host.uniqueId,
    reason: DisconnectReason.TIMEOUT,
  });
  assert.ok(types(b).includes("peer_disconnected:" + a.host.uniqueId));
  net.advance(5000);
  assert.equal(s.events.filter((e) => e.type === "peer_disconnected").length, 1);
  assert.deepEqual(types(a).filter((t) => t.startsWith("server_disc")), []);
});

Deno.test("host: client sees server_disconnected on timeout, disconnectPeer and close", () => {
  let { net, s, cs } = session(2);
  s.host.disconnectPeer(cs[0].host.uniqueId, net.now); // graceful: drains, then DISCONNECT
  net.advance(100);
  assert.deepEqual(cs[0].events.at(-1), { type: "server_disconnected", reason: 1 });
  assert.equal(cs[0].host.status, ConnectionStatus.DISCONNECTED);
  assert.ok(types(cs[1]).includes("peer_disconnected:" + cs[0].host.uniqueId));
  s.host.close(net.now);
  net.pump();
  assert.deepEqual(cs[1].events.at(-1), { type: "server_disconnected", reason: 1 });
  ({ net, s, cs } = session(1, { timeoutMs: 1000 }, { timeoutMs: 1000 }));
  s.alive = false;
  net.advance(1500);
  assert.deepEqual(cs[0].events.at(-1), { type: "server_disconnected", reason: 2 });
  ({ net, s, cs } = session(1));
  cs[0].host.close(net.now);
  net.pump();
  assert.deepEqual(s.events.at(-1), {
    type: "peer_disconnected",
    id: cs[0].host.uniqueId,
    reason: 1,
  });
});

Deno.test("host: garbage never throws and changes nothing", () => {
  const { net, s, cs } = session(1);
  let seed = 5;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(Math.floor(rnd() * 200));
    for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
    if (i % 3 === 0 && b.length > 4) b.set([0x94, 0xcd, 0xd7, PROTOCOL_VERSION, i % 8]);
    s.host.handleDatagram(b, { hostname: "127.0.0.1", port: 2000 + (i % 3) }, net.now);
    cs[0].host.handleDatagram(b, s.address, net.now);
  }
  net.pump();
  assert.equal(s.host.peerCount, 1);
  assert.equal(cs[0].host.status, ConnectionStatus.CONNECTED);
});

Deno.test("host: inbound queue is bounded and refuses when full", () => {
  const { net, s, cs } = session(1, { maxInboundPackets: 3 });
  s.packets.length = 0;
  for (let i = 0; i < 5; i++) cs[0].host.send(1, bytes(i), TransferMode.RELIABLE, 0, net.now);
  for (let tx = cs[0].host.pollTransmit(0); tx; tx = cs[0].host.pollTransmit(0)) {
    s.host.handleDatagram(tx.bytes, cs[0].address, net.now);
  }
  assert.equal(s.host.inboundCount, 3);
  const conn = s.host.peerConnection(cs[0].host.uniqueId) as unknown as { refused: number };
  assert.equal(conn.refused, 2);
  assert.deepEqual(s.host.peekPacket()?.data, bytes(0));
});
