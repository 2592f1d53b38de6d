/**
 * Key confirmation on a live encrypted server: a client with the wrong pre-shared key fails with
 * CRYPTO_ERROR and leaves no ghost (no `peer_connected` on the server nor on other clients, its
 * slot freed at once); clients with the right key are announced as before.
 */
import assert from "node:assert/strict";
import { DisconnectReason, UdpMultiplayerPeer } from "../mod.ts";
import { closeAll, pumpUntil, record, type Recorded } from "./helpers/udp_session.ts";

const PSK = new Uint8Array(32).fill(7), WRONG = new Uint8Array(32).fill(8);

async function client(port: number, preSharedKey: Uint8Array): Promise<Recorded> {
  const c = record(new UdpMultiplayerPeer());
  await c.peer.createClient("127.0.0.1", port, { encryption: true, preSharedKey });
  return c;
}

const joined = (r: Recorded) =>
  r.events.filter((e) => e.type === "peer_connected").map((e) => e.id);

Deno.test("key confirmation: a wrong PSK leaves no ghost peer and frees its slot at once", async () => {
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, {
    bindAddress: "127.0.0.1",
    encryption: true,
    preSharedKey: PSK,
    maxClients: 2,
  });
  const port = server.peer.localPort;
  const all: Recorded[] = [server];
  try {
    const a = await client(port, PSK);
    all.push(a);
    await pumpUntil(all, () => joined(server).length === 1, 5000, "A announced on the server");
    const aId = a.peer.getUniqueId();
    assert.deepEqual(joined(server), [aId]);

    const bad = await client(port, WRONG);
    all.push(bad);
    await pumpUntil(all, () => bad.peer.getConnectionStatus() === 0, 5000, "wrong key fails");
    assert.deepEqual(bad.events.map((e) => e.type), ["connection_failed"]);
    assert.equal(bad.events[0].reason, DisconnectReason.CRYPTO_ERROR);

    // maxClients 2: C fits only if the failed client's slot was released, not held until a timeout
    const failedAt = performance.now();
    const c = await client(port, PSK);
    all.push(c);
    await pumpUntil(all, () => c.peer.getConnectionStatus() !== 1, 5000, "C's attempt ends");
    assert.equal(c.peer.getConnectionStatus(), 2, `C connects: ${JSON.stringify(c.events)}`);
    const cId = c.peer.getUniqueId();
    await pumpUntil(
      all,
      () => joined(a).includes(cId) && joined(c).includes(aId),
      5000,
      "A and C told of each other",
    );
    assert.ok(performance.now() - failedAt < 3000, "the slot was free well before any timeout");
    assert.deepEqual(joined(server), [aId, cId], "the server never saw the wrong-key client");
    assert.deepEqual(joined(a), [1, cId], "A was never told about a ghost");
    assert.deepEqual(joined(c).sort(), [1, aId].sort());
    assert.deepEqual(server.events.filter((e) => e.type === "peer_disconnected"), []);
  } finally {
    await closeAll(all);
  }
});

Deno.test("key confirmation: the server announces a right-key client promptly", async () => {
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, { bindAddress: "127.0.0.1", encryption: true });
  const c = record(new UdpMultiplayerPeer());
  const all = [server, c];
  try {
    await c.peer.createClient("127.0.0.1", server.peer.localPort, {
      encryption: true,
      allowUnauthenticatedServer: true,
    });
    await pumpUntil(all, () => c.peer.getConnectionStatus() === 2, 5000, "connect");
    const connectedAt = performance.now();
    // the client says nothing on its own: its first datagram (an ack or keepalive) confirms it
    await pumpUntil(all, () => joined(server).length === 1, 5000, "announced on the server");
    const lag = performance.now() - connectedAt;
    assert.deepEqual(joined(server), [c.peer.getUniqueId()]);
    assert.ok(lag < 1500, `announced ${lag.toFixed(0)} ms after the client connected`);
  } finally {
    await closeAll(all);
  }
});
