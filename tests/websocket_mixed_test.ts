import assert from "node:assert/strict";
import { ConnectionStatus, TransferMode, UdpMultiplayerPeer } from "../mod.ts";
import { WebSocketMultiplayerPeer } from "../transport/peers/websocket_peer.ts";
import { assertTargetMatrix } from "./helpers/target_matrix.ts";
import { closeAll, drain, pumpUntil, record } from "./helpers/udp_session.ts";
import { LossyUdpClient } from "./helpers/faulty_clients.ts";
import { startWsSession } from "./helpers/ws_session.ts";

Deno.test("mixed: 2 UDP + 2 WebSocket clients share one session and id space", async () => {
  const { server, clients, all } = await startWsSession({ kinds: ["udp", "ws", "udp", "ws"] });
  try {
    assert.ok(server.peer.udpPort > 0 && server.peer.localPort > 0);
    const ids = clients.map((c) => c.peer.getUniqueId());
    assert.equal(new Set(ids).size, 4);
    assert.ok(clients[0].peer instanceof UdpMultiplayerPeer);
    assert.ok(clients[1].peer instanceof WebSocketMultiplayerPeer);
    // each client was announced to every other, across carriers
    for (const c of clients) {
      const known = c.events.filter((e) => e.type === "peer_connected").map((e) => e.id).sort();
      assert.deepEqual(known, [1, ...ids.filter((id) => id !== c.peer.getUniqueId())].sort());
    }
    await assertTargetMatrix(all, true);
    // departures are announced across carriers too
    const wsId = clients[1].peer.getUniqueId();
    await clients[1].peer.close();
    await pumpUntil(
      all,
      () => clients[0].events.some((e) => e.type === "peer_disconnected" && e.id === wsId),
      3000,
      "udp client hears the ws client leave",
    );
  } finally {
    await closeAll(all);
  }
});

Deno.test("mixed: each connection keeps its carrier's reliability (lossy UDP beside WS)", async () => {
  // The UDP client loses datagrams both ways. Were its connection on the server in WebSocket mode
  // (no acks, no retransmission), packets from the server and relayed from the WS client would
  // be lost and this would time out.
  const { server, clients, all } = await startWsSession({ kinds: ["ws"], server: { udpPort: 0 } });
  const udp = record(new LossyUdpClient());
  const everyone = [...all, udp];
  try {
    const [ws] = clients;
    await udp.peer.connect(server.peer.udpPort);
    await pumpUntil(
      everyone,
      () => ws.events.filter((e) => e.type === "peer_connected").length === 2,
      5000,
      "udp client joins",
    );
    udp.peer.lossy = true;
    const n = 200;
    const udpId = udp.peer.getUniqueId(), wsId = ws.peer.getUniqueId();
    const sends: [typeof udp | typeof ws, number][] = [[udp, 1], [udp, wsId], [server, udpId], [
      ws,
      udpId,
    ]];
    for (let i = 0; i < n; i++) {
      for (const [from, to] of sends) {
        from.peer.setTargetPeer(to);
        from.peer.putVar(i);
      }
    }
    // per receiver, per sender: the next value expected
    const next = new Map<string, number>();
    const done = () => {
      for (const r of [server, ws, udp]) {
        while (r.peer.getAvailablePacketCount() > 0) {
          const key = `${r.peer.getUniqueId()}<${r.peer.getPacketPeer()}`;
          const want = next.get(key) ?? 0;
          assert.equal(r.peer.getVar(), want, `${key}: exactly once, in order`);
          next.set(key, want + 1);
        }
      }
      return next.size === 4 && [...next.values()].every((v) => v === n);
    };
    await pumpUntil(everyone, done, 10_000, `${4 * n} reliable packets over a lossy UDP link`);
    assert.deepEqual(
      [...next.keys()].sort(),
      [`1<${udpId}`, `${wsId}<${udpId}`, `${udpId}<1`, `${udpId}<${wsId}`].sort(),
    );
  } finally {
    await closeAll(everyone);
  }
});

Deno.test("embedded: handleUpgrade in the user's own Deno.serve next to other routes", async () => {
  const server = record(new WebSocketMultiplayerPeer());
  await server.peer.createEmbeddedServer();
  assert.equal(server.peer.localPort, 0);
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
    const { pathname } = new URL(request.url);
    if (pathname === "/play") return server.peer.handleUpgrade(request, info);
    if (pathname === "/health") return Response.json({ players: server.events.length });
    return new Response("home page");
  });
  const base = `http://127.0.0.1:${http.addr.port}`;
  const client = record(new WebSocketMultiplayerPeer());
  try {
    assert.equal(await (await fetch(`${base}/`)).text(), "home page");
    const notUpgrade = await fetch(`${base}/play`);
    assert.equal(notUpgrade.status, 426);
    await notUpgrade.body?.cancel();
    await client.peer.createClient(`${base}/play`);
    const both = [server, client];
    await pumpUntil(
      both,
      () => client.peer.getConnectionStatus() === ConnectionStatus.CONNECTED,
      3000,
      "connect",
    );
    assert.equal(client.peer.getPeerAddress(1), "127.0.0.1");
    assert.equal(server.peer.getPeerAddress(client.peer.getUniqueId()), "127.0.0.1");
    client.peer.transferMode = TransferMode.UNRELIABLE;
    client.peer.setTargetPeer(1);
    client.peer.putPacket(new TextEncoder().encode("hi from the embedded route"));
    await pumpUntil(both, () => server.peer.getAvailablePacketCount() > 0, 3000, "packet");
    const [[from, , mode, data]] = drain(server);
    assert.equal(from, client.peer.getUniqueId());
    assert.equal(mode, TransferMode.UNRELIABLE);
    assert.equal(new TextDecoder().decode(data), "hi from the embedded route");
    const health = await (await fetch(`${base}/health`)).json();
    assert.ok(health.players >= 1);
  } finally {
    await client.peer.close();
    await server.peer.close();
    await http.shutdown();
  }
});
