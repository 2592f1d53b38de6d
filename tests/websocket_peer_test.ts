import assert from "node:assert/strict";
import {
  ConnectionStatus,
  DisconnectReason,
  MultiplayerError,
  type MultiplayerPeerBase,
  TransferMode,
} from "../mod.ts";
import { WebSocketMultiplayerPeer } from "../transport/peers/websocket_peer.ts";
import { assertTargetMatrix } from "./helpers/target_matrix.ts";
import { closeAll, drain, pumpUntil, record, type Recorded } from "./helpers/udp_session.ts";
import { startWsSession } from "./helpers/ws_session.ts";

const isCode = (code: string) => (e: unknown) => e instanceof MultiplayerError && e.code === code;
const has = (r: Recorded<MultiplayerPeerBase>, type: string, reason?: number) =>
  r.events.some((e) => e.type === type && (reason === undefined || e.reason === reason));

Deno.test("ws peer: unique ids, every target form in every mode, relay on", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws", "ws", "ws"] });
  try {
    const ids = clients.map((c) => c.peer.getUniqueId());
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.ok(id >= 2);
    assert.equal(server.peer.getUniqueId(), 1);
    for (const c of clients) {
      const known = c.events.filter((e) => e.type === "peer_connected").map((e) => e.id).sort();
      const want = [1, ...ids.filter((id) => id !== c.peer.getUniqueId())].sort();
      assert.deepEqual(known, want);
    }
    await assertTargetMatrix(all, true);
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws peer: relay off: clients reach only the server and never learn of each other", async () => {
  const { clients, all } = await startWsSession({ kinds: ["ws", "ws"], serverRelay: false });
  try {
    for (const c of clients) {
      assert.deepEqual(c.events.filter((e) => e.type === "peer_connected").map((e) => e.id), [1]);
      c.peer.setTargetPeer(clients[0] === c ? clients[1].peer.getUniqueId() : -1);
      assert.throws(() => c.peer.putPacket(new Uint8Array([1])), isCode("INVALID_TARGET"));
    }
    await assertTargetMatrix(all, false);
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws peer: refused and full servers reject promptly with a reason", async () => {
  const { server, all } = await startWsSession({ kinds: ["ws"], server: { maxClients: 1 } });
  const url = `ws://127.0.0.1:${server.peer.localPort}`;
  const full = record(new WebSocketMultiplayerPeer());
  const refused = record(new WebSocketMultiplayerPeer());
  try {
    await full.peer.createClient(url);
    await pumpUntil([...all, full], () => has(full, "connection_failed"), 3000, "full");
    assert.ok(has(full, "connection_failed", DisconnectReason.SERVER_FULL));
    await all[1].peer.close();
    await pumpUntil(all, () => has(server, "peer_disconnected"), 3000, "client leaves");
    server.peer.refuseNewConnections = true;
    await refused.peer.createClient(url);
    await pumpUntil([...all, refused], () => has(refused, "connection_failed"), 3000, "refused");
    assert.ok(has(refused, "connection_failed", DisconnectReason.REFUSED));
    assert.equal(refused.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    assert.ok(!has(refused, "connection_succeeded"));
  } finally {
    await closeAll([...all, full, refused]);
  }
});

Deno.test("ws peer: nothing listening fails the connection at once", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const client = record(new WebSocketMultiplayerPeer());
  const started = performance.now();
  await client.peer.createClient(`ws://127.0.0.1:${port}/`);
  await pumpUntil([client], () => has(client, "connection_failed"), 3000, "connection_failed");
  assert.ok(performance.now() - started < 3000);
  const failure = client.events.find((e) => e.type === "connection_failed")!;
  assert.match(failure.message ?? "", /nothing accepts WebSocket connections at 127\.0\.0\.1:\d+/);
  await client.peer.close();
});

Deno.test("ws peer: disconnectPeer and client close are seen at once on both sides", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws", "ws", "ws", "ws"] });
  try {
    const [a, b, c, d] = clients;
    const [aId, bId, dId] = [a, b, d].map((r) => r.peer.getUniqueId());
    server.peer.disconnectPeer(aId); // graceful: after its queued data
    server.peer.disconnectPeer(dId, true); // at once
    await pumpUntil(
      all,
      () => has(a, "server_disconnected") && has(d, "server_disconnected"),
      3000,
      "a, d dropped",
    );
    for (const r of [a, d]) {
      assert.equal(r.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
      const sd = r.events.filter((e) => e.type === "server_disconnected").map((e) => e.reason);
      assert.deepEqual(sd, [DisconnectReason.CLOSED]); // exactly once
    }
    await b.peer.close(); // graceful: DISCONNECT, then the socket closes
    await pumpUntil(
      all,
      () => c.events.filter((e) => e.type === "peer_disconnected").length === 3,
      3000,
      "c hears every departure",
    );
    const gone = server.events.filter((e) => e.type === "peer_disconnected").map((e) => e.id);
    assert.deepEqual(gone.sort(), [aId, bId, dId].sort());
    const heard = c.events.filter((e) => e.type === "peer_disconnected").map((e) => e.id);
    assert.deepEqual(heard.sort(), [aId, bId, dId].sort());
    assert.deepEqual(server.peer.getPeerPort(c.peer.getUniqueId()) > 0, true);
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws peer: server close makes every client see server_disconnected", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws", "ws"] });
  try {
    await server.peer.close();
    await pumpUntil(clients, () => clients.every((c) => has(c, "server_disconnected")), 3000, "sd");
    for (const c of clients) {
      assert.equal(c.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
      // DISCONNECT (3 copies) and the socket's close both report it: one event
      assert.equal(c.events.filter((e) => e.type === "server_disconnected").length, 1);
      assert.ok(has(c, "server_disconnected", DisconnectReason.CLOSED));
    }
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws peer: putVar/getVar and a 1 MiB reliable packet cross intact", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws"] });
  try {
    const [a] = clients;
    a.peer.setTargetPeer(1);
    a.peer.putVar({ name: "ws", list: [1, 2, { deep: true }], ["__proto__"]: { polluted: 1 } });
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    a.peer.putPacket(big);
    await pumpUntil(all, () => server.peer.getAvailablePacketCount() >= 2, 5000, "2 packets");
    const value = server.peer.getVar() as Record<string, unknown>;
    assert.deepEqual(value.list, [1, 2, { deep: true }]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const [[from, , mode, data]] = drain(server);
    assert.equal(from, a.peer.getUniqueId());
    assert.equal(mode, TransferMode.RELIABLE);
    assert.deepEqual(data, big);
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws peer: a burst that putPacket accepted arrives whole, paced by the socket", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["ws"] });
  try {
    const [a] = clients;
    server.peer.setTargetPeer(a.peer.getUniqueId());
    const packets = [0, 1].map((k) => new Uint8Array(8 << 20).fill(k + 1));
    for (const p of packets) server.peer.putPacket(p); // 16 MiB in one turn
    const got: Uint8Array[] = [];
    await pumpUntil(
      all,
      () => {
        while (a.peer.getAvailablePacketCount() > 0) got.push(a.peer.getPacket()!);
        return got.length === 2;
      },
      20_000,
      "both 8 MiB packets",
    );
    assert.deepEqual(got.map((p) => [p.length, p[0], p[p.length - 1]]), [[8 << 20, 1, 1], [
      8 << 20,
      2,
      2,
    ]]);
    assert.ok(!has(server, "peer_disconnected"));
    assert.ok(!has(a, "server_disconnected"));
  } finally {
    await closeAll(all);
  }
});

Deno.test("ws peer: misuse throws typed errors", async () => {
  const peer = new WebSocketMultiplayerPeer();
  assert.throws(
    () => peer.handleUpgrade(new Request("http://x/")),
    isCode("NOT_ACTIVE"),
  );
  await assert.rejects(peer.createClient("tcp://nowhere"), isCode("INVALID_ARGUMENT"));
  await assert.rejects(peer.createServer(70000), isCode("INVALID_ARGUMENT"));
  await peer.createServer(0, { bindAddress: "127.0.0.1" });
  await assert.rejects(peer.createServer(0), isCode("ALREADY_ACTIVE"));
  assert.throws(() => (peer.channelCount = 2), isCode("ALREADY_ACTIVE"));
  await peer.close();
  assert.equal(peer.localPort, 0);
});
