import assert from "node:assert/strict";
import { DisconnectReason, UdpMultiplayerPeer } from "../mod.ts";
import { decodeHandshake, encodeReject, encodeRequest } from "../protocol/wire/handshake.ts";
import { closeAll, pumpUntil, record } from "./helpers/udp_session.ts";

const text = new TextEncoder();

Deno.test("auth hook: accepts by token, rejects with a readable AUTH_REJECTED", async () => {
  const seen: { address: string; payload: string }[] = [];
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    authenticate: async ({ address, payload }) => {
      await Promise.resolve(); // async like a database lookup
      const token = new TextDecoder().decode(payload);
      seen.push({ address, payload: token });
      if (token === "boom") throw new Error("db down");
      return token === "good" ? true : { reject: `unknown token "${token}"` };
    },
  });
  const mk = async (token: string) => {
    const c = record(new UdpMultiplayerPeer());
    await c.peer.createClient("127.0.0.1", server.peer.localPort, {
      authPayload: text.encode(token),
    });
    return c;
  };
  const good = await mk("good"), bad = await mk("bad"), boom = await mk("boom");
  const all = [server, good, bad, boom];
  try {
    await pumpUntil(
      all,
      () =>
        [good, bad, boom].every((c) => c.peer.getConnectionStatus() !== 1) &&
        (good.peer.getConnectionStatus() !== 2 || server.events.length > 0),
      5000,
      "attempts end (and the server saw the good one's first datagram)",
    );
    assert.equal(good.peer.getConnectionStatus(), 2);
    assert.ok(good.peer.getUniqueId() >= 2);
    assert.deepEqual(bad.events, [{
      type: "connection_failed",
      reason: DisconnectReason.AUTH_REJECTED,
      message: 'unknown token "bad"',
    }]);
    assert.equal(boom.events[0].reason, DisconnectReason.AUTH_REJECTED);
    assert.match(boom.events[0].message!, /db down/);
    // no id was ever assigned to the rejected ones
    assert.deepEqual(server.events.map((e) => e.type), ["peer_connected"]);
    assert.deepEqual(seen.map((s) => s.payload).sort(), ["bad", "boom", "good"]);
    assert.ok(seen.every((s) => s.address === "127.0.0.1"));
  } finally {
    await closeAll(all);
  }
});

Deno.test("version mismatch: a v2 server's REJECT reaches the client as connection_failed", async () => {
  const fake = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const client = record(new UdpMultiplayerPeer());
  try {
    await client.peer.createClient("127.0.0.1", (fake.addr as Deno.NetAddr).port);
    const [request, from] = await fake.receive();
    const nonce = decodeHandshake(request)!.nonce;
    const reject = encodeReject(nonce, DisconnectReason.VERSION_MISMATCH, "server speaks v2");
    reject[3] = 0x02; // magic 0xD702
    await fake.send(reject, from);
    await pumpUntil([client], () => client.events.length > 0, 3000, "rejection");
    assert.deepEqual(client.events, [{
      type: "connection_failed",
      reason: DisconnectReason.VERSION_MISMATCH,
      message: "server speaks v2",
    }]);
  } finally {
    await client.peer.close();
    fake.close();
  }
});

Deno.test("loopback connect flood: no amplification, legitimate clients still connect", async () => {
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, { bindAddress: "127.0.0.1" });
  const port = server.peer.localPort;
  const to: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port };
  // 64 attacker sockets (distinct source ports), each sending requests and forged CONNECTs
  const socks = Array.from(
    { length: 64 },
    () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
  );
  let sent = 0, sentBytes = 0, received = 0, receivedBytes = 0;
  const readers = socks.map(async (s) => {
    try {
      for (;;) {
        const [b] = await s.receive();
        received++;
        receivedBytes += b.length;
      }
    } catch { /* closed */ }
  });
  const clients = [record(new UdpMultiplayerPeer()), record(new UdpMultiplayerPeer())];
  const all = [server, ...clients];
  try {
    for (let round = 0; round < 40; round++) {
      await Promise.all(socks.map((s, i) => {
        const b = encodeRequest(round * 64 + i);
        sent++;
        sentBytes += b.length;
        return s.send(b, to);
      }));
      if (round === 20) {
        for (const c of clients) await c.peer.createClient("127.0.0.1", port);
      }
      await server.peer.poll(0);
    }
    const joined = () => server.events.filter((e) => e.type === "peer_connected").length;
    await pumpUntil(
      all,
      () => clients.every((c) => c.peer.getConnectionStatus() === 2) && joined() === 2,
      5000,
      "legitimate clients connect during the flood",
    );
    assert.ok(receivedBytes <= sentBytes, `${receivedBytes} B answered to ${sentBytes} B`);
    // every source got at most its burst of 8 challenges; the rest were dropped
    assert.ok(received <= 64 * 8, `${received} replies`);
    assert.equal(joined(), 2);
  } finally {
    await closeAll(all);
    for (const s of socks) s.close();
    await Promise.all(readers);
  }
});

Deno.test("auth hook: a client that gave up is never admitted; a hook past its deadline rejects", async () => {
  let release!: (v: true) => void;
  const held = new Promise<true>((resolve) => release = resolve);
  let calls = 0;
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    authenticateTimeoutMs: 60_000,
    authenticate: () => calls++ === 0 ? held : true, // the first client's check hangs
  });
  const gaveUp = record(new UdpMultiplayerPeer());
  const all = [server, gaveUp];
  try {
    await gaveUp.peer.createClient("127.0.0.1", server.peer.localPort, { connectTimeoutMs: 1000 });
    await pumpUntil(all, () => gaveUp.events.length > 0, 4000, "the client gives up");
    assert.equal(gaveUp.events[0].reason, DisconnectReason.CONNECT_TIMEOUT);
    release(true); // the hook says yes, but the client has stopped waiting
    const late = record(new UdpMultiplayerPeer()); // a later client still gets in
    all.push(late);
    await late.peer.createClient("127.0.0.1", server.peer.localPort);
    await pumpUntil(all, () => late.peer.getConnectionStatus() === 2, 4000, "later client");
    const joined = server.events.filter((e) => e.type === "peer_connected").map((e) => e.id);
    assert.deepEqual(joined, [late.peer.getUniqueId()], "no ghost of the client that gave up");
  } finally {
    await closeAll(all);
  }

  const slow = record(new UdpMultiplayerPeer());
  await slow.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    authenticateTimeoutMs: 200,
    authenticate: () => new Promise<true>(() => {}), // never answers
  });
  const client = record(new UdpMultiplayerPeer());
  try {
    await client.peer.createClient("127.0.0.1", slow.peer.localPort);
    await pumpUntil([slow, client], () => client.events.length > 0, 4000, "rejected");
    assert.equal(client.events[0].type, "connection_failed");
    assert.equal(client.events[0].reason, DisconnectReason.AUTH_REJECTED);
    assert.match(client.events[0].message!, /did not answer within 200 ms/);
  } finally {
    await closeAll([slow, client]);
  }
});
