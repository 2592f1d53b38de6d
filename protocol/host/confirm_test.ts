/**
 * Encrypted sessions on simulated time: an accepted client stays unconfirmed (no event, no
 * announcement, no relay, invisible to the app) until the transport layer reports that one of its
 * datagrams authenticated; a client that fails key confirmation is released at once, and one
 * that never confirms is dropped silently after `connectTimeoutMs`.
 */
import assert from "node:assert/strict";
import { TransferMode } from "../constants.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import { FakeNet, type Node } from "./_test_util.ts";

const CRYPTO = {
  serverPublicKey: new Uint8Array(33),
  confirmation: new Uint8Array(16),
  signature: new Uint8Array(0),
};

/** An encrypted client through the async handshake; returns its session id on the server. */
function join(net: FakeNet, s: Node, port: number): { c: Node; session: number; id: number } {
  const c = net.add(
    { role: "client", encryption: true, clientPublicKey: new Uint8Array(33) },
    port,
  );
  c.host.connect(s.address, net.now);
  net.pump();
  const r = s.host.pollHandshake()!;
  const id = s.host.acceptHandshake(r.ticket, CRYPTO, net.now)!;
  assert.ok(id >= 2);
  net.pump();
  assert.ok(c.host.pollVerification(), "the client verifies the ACCEPT");
  return { c, session: r.sessionId, id };
}

function server(net: FakeNet): Node {
  return net.add({ role: "server", asyncHandshake: true, encryption: true }, 1000);
}

Deno.test("confirm: a failed key confirmation leaves no trace on the server", () => {
  const net = new FakeNet();
  const s = server(net);
  const { c } = join(net, s, 2000);
  assert.equal(s.host.peerCount, 1, "the slot is held while unconfirmed");
  assert.deepEqual(s.host.peerIds(), [], "but not visible");
  c.host.completeVerification(false, "key confirmation failed", net.now);
  net.pump();
  assert.equal(c.events[0].type, "connection_failed");
  assert.equal((c.events[0] as { reason: number }).reason, DisconnectReason.CRYPTO_ERROR);
  assert.equal(s.host.peerCount, 0, "the client's DISCONNECT released it at once");
  assert.deepEqual(s.events, []);
});

Deno.test("confirm: an unconfirmed peer that stays silent is dropped after connectTimeoutMs", () => {
  const net = new FakeNet();
  const s = server(net);
  const { c } = join(net, s, 2000);
  c.alive = false; // e.g. its DISCONNECT was lost
  net.advance(4_900);
  assert.equal(s.host.peerCount, 1);
  net.advance(200);
  assert.equal(s.host.peerCount, 0);
  assert.deepEqual(s.events, [], "dropped silently");
});

Deno.test("confirm: unconfirmed peers are not announced, relayed to or targetable", () => {
  const net = new FakeNet();
  const s = server(net);
  const a = join(net, s, 2000);
  a.c.host.completeVerification(true, "", net.now);
  s.host.confirmSession(a.session, net.now);
  net.pump();
  const aId = a.c.host.uniqueId;
  assert.deepEqual(s.events, [{ type: "peer_connected", id: aId }]);
  const b = join(net, s, 2001);
  const bId = b.id;
  assert.equal(s.host.peerCount, 2);
  assert.deepEqual(s.host.peerIds(), [aId]);
  assert.equal(s.host.peerAddress(bId), undefined);
  assert.throws(
    () => s.host.send(bId, new Uint8Array(1), TransferMode.RELIABLE, 0, net.now),
    (e) => e instanceof MultiplayerError && e.code === "UNKNOWN_PEER",
  );
  // a broadcast from the server and a relayed one from A reach A's side only
  s.host.send(0, new Uint8Array([1]), TransferMode.RELIABLE, 0, net.now);
  a.c.host.send(0, new Uint8Array([2]), TransferMode.RELIABLE, 0, net.now);
  net.pump();
  b.c.host.completeVerification(true, "", net.now);
  net.pump();
  assert.deepEqual(b.c.packets, [], "nothing reached B before it confirmed");
  assert.ok(!a.c.events.some((e) => e.type === "peer_connected" && e.id === bId), "no ghost");
  // B's first authenticated datagram: now it is announced both ways
  s.host.confirmSession(b.session, net.now);
  net.pump();
  assert.deepEqual(s.events.slice(1), [{ type: "peer_connected", id: bId }]);
  assert.ok(a.c.events.some((e) => e.type === "peer_connected" && e.id === bId));
  assert.ok(b.c.events.some((e) => e.type === "peer_connected" && e.id === aId));
  assert.deepEqual(s.host.peerIds().sort(), [aId, bId].sort());
  net.advance(6_000);
  assert.equal(s.host.peerCount, 2, "confirmed peers are kept past the bound");
});

Deno.test("confirm: an ACCEPT for an earlier CONNECT of the attempt can still be verified", () => {
  const s = new FakeNet().add({ role: "server", asyncHandshake: true, encryption: true }, 1000);
  const c = new FakeNet().add(
    { role: "client", encryption: true, clientPublicKey: new Uint8Array(33) },
    2000,
  );
  const cAt = c.address, sAt = s.address;
  const take = (n: Node, now: number) => {
    const out: Uint8Array[] = [];
    for (let tx = n.host.pollTransmit(now); tx; tx = n.host.pollTransmit(now)) {
      out.push(tx.bytes.slice());
    }
    return out;
  };
  c.host.connect(sAt, 0);
  const [request] = take(c, 0);
  s.host.handleDatagram(request, cAt, 0);
  c.host.handleDatagram(take(s, 0)[0], sAt, 1); // CHALLENGE with cookie 1
  const [connect1] = take(c, 1);
  // the client's REQUEST was retransmitted: a second CHALLENGE, with a newer cookie
  s.host.handleDatagram(request, cAt, 250);
  c.host.handleDatagram(take(s, 250)[0], sAt, 251);
  const [connect2] = take(c, 251);
  assert.notDeepEqual(connect1, connect2);
  // the server answers the first CONNECT (its decision was already under way)
  s.host.handleDatagram(connect1, cAt, 252);
  const r = s.host.pollHandshake()!;
  s.host.acceptHandshake(r.ticket, CRYPTO, 260);
  for (const bytes of take(s, 260)) c.host.handleDatagram(bytes, sAt, 261);
  const v = c.host.pollVerification()!;
  assert.equal(v.cookies.length, 2, "both cookies are candidates for the transcript");
  assert.deepEqual(v.cookies[0], v.cookie, "newest first");
});
