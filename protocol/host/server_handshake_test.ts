import assert from "node:assert/strict";
import { FakeNet } from "./_test_util.ts";
import { ConnectionStatus } from "../constants.ts";
import { encodeConnectPayload } from "../wire/control.ts";
import { DisconnectReason } from "../errors.ts";
import {
  COOKIE_BYTES,
  decodeHandshake,
  encodeConnect,
  encodeReject,
  encodeRequest,
  PacketType,
} from "../wire/handshake.ts";
import { SeededRandom } from "../random.ts";
import type { PeerAddress } from "../address.ts";

const payload = encodeConnectPayload({ channelCount: 3, token: new Uint8Array() });
const fake = (i: number): PeerAddress => ({
  hostname: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  port: 1024 + (i % 60000),
});

Deno.test("server handshake: spoofed connect flood allocates nothing and never amplifies", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  const rnd = new SeededRandom(99);
  let requestBytes = 0, replyBytes = 0, legit = 0;
  // 40 000 requests + forged CONNECTs over 60 s of simulated time (below the global budget)
  for (let i = 0; i < 40_000; i++) {
    net.now = i * 1.5;
    const from = fake(i);
    const nonce = rnd.nextU32();
    const forged = rnd.fill(new Uint8Array(COOKIE_BYTES));
    forged[0] = 1; // right format byte: the MAC still fails
    const bytes = i % 2 ? encodeRequest(nonce) : encodeConnect(nonce, forged, payload);
    requestBytes += bytes.length;
    s.host.handleDatagram(bytes, from, net.now);
    for (let tx = s.host.pollTransmit(net.now); tx; tx = s.host.pollTransmit(net.now)) {
      assert.ok(tx.bytes.length <= bytes.length, "reply larger than its request");
      replyBytes += tx.bytes.length;
    }
    // a legitimate client joins now and then, in the middle of the flood
    if (i % 8000 === 4000) {
      const c = net.add({ role: "client" }, 3000 + legit++);
      c.host.connect(s.address, net.now);
      net.pump();
      assert.equal(c.host.status, ConnectionStatus.CONNECTED, "legitimate client connects");
    }
  }
  assert.equal(s.host.peerCount, legit);
  // only legitimate cookies were ever consumed (older ones are forgotten after 10 s)
  assert.ok(s.host.pendingHandshakes >= 1 && s.host.pendingHandshakes <= legit);
  assert.ok(s.host.rateLimitedSources <= 8192);
  assert.equal(s.host.handshakeCounters!.invalidCookies, 20_000);
  assert.ok(replyBytes <= requestBytes);
  console.log(`flood: ${requestBytes} B in, ${replyBytes} B out, ${legit} legit clients`);
});

Deno.test("server handshake: connect attempts per source are rate limited (dropped)", () => {
  const net = new FakeNet();
  const s = net.add({
    role: "server",
    connectRateLimit: { perSourcePerSecond: 2, perSourceBurst: 3 },
  }, 1000);
  const from = fake(1);
  let answered = 0;
  for (let i = 0; i < 10; i++) {
    s.host.handleDatagram(encodeRequest(i), from, 0);
    while (s.host.pollTransmit(0)) answered++;
  }
  assert.equal(answered, 3);
  assert.equal(s.host.handshakeCounters!.rateLimited, 7);
  s.host.handleDatagram(encodeRequest(1), fake(2), 0); // another source is not affected
  assert.equal(decodeHandshake(s.host.pollTransmit(0)!.bytes)?.type, PacketType.CHALLENGE);
  s.host.handleDatagram(encodeRequest(1), from, 500); // one token back after 0.5 s
  assert.equal(decodeHandshake(s.host.pollTransmit(500)!.bytes)?.type, PacketType.CHALLENGE);
});

Deno.test("server handshake: maxPendingHandshakes refuses with SERVER_FULL, fails closed", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", asyncHandshake: true, maxPendingHandshakes: 2 }, 1000);
  const cs = [0, 1, 2].map((i) => net.add({ role: "client" }, 2000 + i));
  for (const c of cs) c.host.connect(s.address, 0);
  net.pump();
  assert.equal(s.host.pendingHandshakes, 2);
  assert.equal(s.host.peerCount, 0); // nothing assigned before the decision
  const third = cs[2].events.at(-1);
  assert.deepEqual(third, {
    type: "connection_failed",
    reason: DisconnectReason.SERVER_FULL,
    message: "too many pending handshakes",
  });
  for (let r = s.host.pollHandshake(); r; r = s.host.pollHandshake()) {
    assert.ok(s.host.acceptHandshake(r.ticket, undefined, net.now)! >= 2);
  }
  net.pump();
  assert.equal(cs[0].host.status, ConnectionStatus.CONNECTED);
  assert.equal(cs[1].host.status, ConnectionStatus.CONNECTED);
});

Deno.test("server handshake: async decision; rejection reaches the client with its message", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", asyncHandshake: true }, 1000);
  const token = new TextEncoder().encode("secret-token");
  const a = net.add({ role: "client", connectToken: token }, 2000);
  const b = net.add({ role: "client" }, 2001);
  a.host.connect(s.address, 0);
  b.host.connect(s.address, 0);
  net.pump();
  const ra = s.host.pollHandshake()!, rb = s.host.pollHandshake()!;
  assert.deepEqual(ra.token, token);
  assert.equal(rb.token.length, 0);
  assert.equal(s.host.pollHandshake(), undefined);
  net.advance(600); // clients retransmit CONNECT while waiting: no duplicate requests
  assert.equal(s.host.pollHandshake(), undefined);
  s.host.rejectHandshake(rb.ticket, DisconnectReason.AUTH_REJECTED, "bad token", net.now);
  const id = s.host.acceptHandshake(ra.ticket, undefined, net.now);
  net.pump();
  assert.equal(a.host.uniqueId, id);
  assert.deepEqual(b.events, [{
    type: "connection_failed",
    reason: DisconnectReason.AUTH_REJECTED,
    message: "bad token",
  }]);
  assert.equal(s.host.peerCount, 1);
  // an answer after the cookie lifetime is ignored; the client's retry is a fresh request
  const c = net.add({ role: "client", connectTimeoutMs: 60_000 }, 2002);
  c.host.connect(s.address, net.now);
  net.pump();
  const stale = s.host.pollHandshake()!;
  net.advance(12_000, 100);
  assert.equal(s.host.acceptHandshake(stale.ticket, undefined, net.now), undefined);
  const retry = s.host.pollHandshake()!;
  assert.notEqual(retry.ticket, stale.ticket);
  assert.ok(s.host.acceptHandshake(retry.ticket, undefined, net.now)! >= 2);
  net.pump();
  assert.equal(c.host.status, ConnectionStatus.CONNECTED);
});

Deno.test("server handshake: encryption must match on both ends (CRYPTO_ERROR)", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", asyncHandshake: true, encryption: true }, 1000);
  const plain = net.add({ role: "client" }, 2000);
  plain.host.connect(s.address, 0);
  net.pump();
  assert.equal(plain.events[0].type, "connection_failed");
  assert.equal((plain.events[0] as { reason: number }).reason, DisconnectReason.CRYPTO_ERROR);
  const s2 = net.add({ role: "server" }, 1001);
  const enc = net.add(
    { role: "client", encryption: true, clientPublicKey: new Uint8Array(33) },
    2001,
  );
  enc.host.connect(s2.address, 0);
  net.pump();
  assert.match((enc.events[0] as { message: string }).message, /does not enable encryption/);
  assert.equal(s2.host.peerCount, 0);
});

Deno.test("server handshake: version mismatch REJECT reaches the client as connection_failed", () => {
  const net = new FakeNet();
  const c = net.add({ role: "client" }, 2000);
  c.host.connect({ hostname: "127.0.0.1", port: 9 }, 0);
  const request = decodeHandshake(c.host.pollTransmit(0)!.bytes)!;
  const reject = encodeReject(request.nonce, DisconnectReason.VERSION_MISMATCH, "server v2");
  reject[3] = 0x02; // sent by a version-2 server: the REJECT layout is frozen
  c.host.handleDatagram(reject, { hostname: "127.0.0.1", port: 9 }, 5);
  assert.deepEqual(c.host.pollEvent(), {
    type: "connection_failed",
    reason: DisconnectReason.VERSION_MISMATCH,
    message: "server v2",
  });
  assert.equal(c.host.status, ConnectionStatus.DISCONNECTED);
});

Deno.test("server handshake: a replayed cookie after a rejection gets the same REJECT", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", asyncHandshake: true }, 1000);
  const from = fake(7);
  s.host.handleDatagram(encodeRequest(5), from, 0);
  const cookie = decodeHandshake(s.host.pollTransmit(0)!.bytes)!.cookie.slice();
  const connect = encodeConnect(5, cookie, payload);
  s.host.handleDatagram(connect, from, 1);
  s.host.rejectHandshake(s.host.pollHandshake()!.ticket, DisconnectReason.AUTH_REJECTED, "no", 2);
  const first = s.host.pollTransmit(2)!.bytes.slice();
  s.host.handleDatagram(connect, from, 3);
  assert.deepEqual(s.host.pollTransmit(3)!.bytes, first);
  assert.equal(s.host.pollHandshake(), undefined);
  assert.equal(s.host.handshakeCounters!.replayedCookies, 1);
  assert.equal(s.host.peerCount, 0);
});

Deno.test("server handshake: two cookies for one attempt make one peer, not a ghost", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server" }, 1000);
  const from = fake(9);
  // a duplicated REQUEST: two CHALLENGEs with different cookies for the same attempt
  s.host.handleDatagram(encodeRequest(77), from, 0);
  const first = decodeHandshake(s.host.pollTransmit(0)!.bytes)!.cookie.slice();
  s.host.handleDatagram(encodeRequest(77), from, 5);
  const second = decodeHandshake(s.host.pollTransmit(5)!.bytes)!.cookie.slice();
  assert.notDeepEqual(first, second);
  s.host.handleDatagram(encodeConnect(77, first, payload), from, 6);
  const accept = s.host.pollTransmit(6)!.bytes.slice();
  while (s.host.pollTransmit(6));
  s.host.handleDatagram(encodeConnect(77, second, payload), from, 7);
  assert.deepEqual(s.host.pollTransmit(7)!.bytes, accept, "the same ACCEPT again");
  assert.equal(s.host.peerCount, 1);
});

Deno.test("server handshake: a decision that comes after the client stopped retrying admits nobody", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", asyncHandshake: true }, 1000);
  const c = net.add({ role: "client" }, 2000);
  c.host.connect(s.address, 0);
  net.pump(); // REQUEST, CHALLENGE, CONNECT: parked, waiting for the decision
  const request = s.host.pollHandshake();
  assert.ok(request, "parked");
  // the client's later CONNECT copies (and its ABORT) never arrive: it went away silently
  c.alive = false;
  net.now = 2500;
  assert.equal(s.host.acceptHandshake(request.ticket, undefined, net.now), undefined);
  assert.equal(s.host.peerCount, 0);
  assert.equal(s.host.handshakeCounters!.abandoned, 1);
});

Deno.test("server handshake: a client that gives up sends ABORT; a pending decision admits nobody", () => {
  const net = new FakeNet();
  const s = net.add({ role: "server", asyncHandshake: true }, 1000);
  const c = net.add({ role: "client", connectTimeoutMs: 300 }, 2000);
  c.host.connect(s.address, 0);
  net.pump();
  const request = s.host.pollHandshake()!;
  net.now = 300;
  c.host.handleTimeout(net.now); // gives up: connection_failed, ABORT x3
  net.pump();
  assert.equal(c.host.status, ConnectionStatus.DISCONNECTED);
  assert.ok(s.host.handshakeCounters!.abandoned >= 1, "the server saw the ABORT");
  assert.equal(s.host.acceptHandshake(request.ticket, undefined, net.now), undefined);
  assert.equal(s.host.peerCount, 0);
});
