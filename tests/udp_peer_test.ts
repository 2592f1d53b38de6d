import assert from "node:assert/strict";
import {
  ConnectionStatus,
  DisconnectReason,
  MultiplayerError,
  TransferMode,
  UdpMultiplayerPeer,
} from "../mod.ts";
import type { MultiplayerPeerBase } from "../transport/peers/multiplayer_peer.ts";
import { LossyUdpClient } from "./helpers/faulty_clients.ts";
import { expectSilentDropped } from "./helpers/timeout_checks.ts";
import {
  closeAll,
  drain,
  pumpUntil,
  record,
  type Recorded,
  startSession,
} from "./helpers/udp_session.ts";

const isCode = (code: string) => (e: unknown) => e instanceof MultiplayerError && e.code === code;
const count = (r: Recorded<MultiplayerPeerBase>, type: string) =>
  r.events.filter((e) => e.type === type).length;

Deno.test("udp: 1 server + 3 clients, unique ids, every target form in every mode", async () => {
  const { server, clients, all } = await startSession({ clients: 3 });
  try {
    const [a, b, c] = clients;
    const ids = clients.map((r) => r.peer.getUniqueId());
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) assert.ok(id >= 2);
    assert.equal(server.peer.getUniqueId(), 1);
    const id = (r: Recorded) => r.peer.getUniqueId();
    const inbox = new Map<Recorded, string[]>(all.map((r) => [r, []]));
    const collect = () => {
      for (const r of all) {
        for (const [from, ch, mode, data] of drain(r)) {
          inbox.get(r)!.push(`${from}>${data[0]}@${ch}/${mode}`);
        }
      }
    };
    const put = (r: Recorded, target: number, tag: number, ch: number) => {
      r.peer.setTargetPeer(target);
      r.peer.transferChannel = ch;
      r.peer.putPacket(new Uint8Array([tag]));
    };
    for (
      const mode of [
        TransferMode.UNRELIABLE,
        TransferMode.UNRELIABLE_ORDERED,
        TransferMode.RELIABLE,
      ]
    ) {
      for (const r of all) r.peer.transferMode = mode;
      for (const r of all) inbox.get(r)!.length = 0;
      put(server, 0, 1, 0);
      put(server, id(b), 2, 1);
      put(server, -id(a), 3, 2);
      put(a, 0, 4, 0);
      put(a, 1, 5, 1);
      put(a, id(c), 6, 2);
      put(a, -id(b), 7, 0);
      const want = new Map<Recorded, string[]>([
        [server, [`${id(a)}>4@0`, `${id(a)}>5@1`, `${id(a)}>7@0`]],
        [a, ["1>1@0"]],
        [b, ["1>1@0", "1>2@1", "1>3@2", `${id(a)}>4@0`]],
        [c, ["1>1@0", "1>3@2", `${id(a)}>4@0`, `${id(a)}>6@2`, `${id(a)}>7@0`]],
      ]);
      const got = (r: Recorded) => inbox.get(r)!.map((s) => s.replace(/\/\d$/, "")).sort();
      await pumpUntil(
        all,
        () => (collect(), all.every((r) => got(r).length >= want.get(r)!.length)),
        3000,
        `all packets in mode ${mode}`,
      );
      for (const r of all) {
        assert.deepEqual(got(r), want.get(r)!.sort(), `peer ${id(r)} mode ${mode}`);
        for (const s of inbox.get(r)!) assert.ok(s.endsWith(`/${mode}`), s);
      }
    }
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp: relay off: clients talk only to the server", async () => {
  const { server, clients, all } = await startSession({ clients: 2, serverRelay: false });
  try {
    const [a, b] = clients;
    assert.equal(a.peer.serverRelay, false);
    assert.deepEqual(a.events.map((e) => e.type), ["peer_connected", "connection_succeeded"]);
    // the default broadcast reaches the server alone, as ported Godot code expects
    a.peer.putPacket(new Uint8Array([1]));
    a.peer.setTargetPeer(b.peer.getUniqueId());
    assert.throws(() => a.peer.putPacket(new Uint8Array([1])), isCode("INVALID_TARGET"));
    a.peer.setTargetPeer(-1);
    assert.throws(() => a.peer.putPacket(new Uint8Array([1])), isCode("INVALID_TARGET"));
    a.peer.setTargetPeer(1);
    a.peer.putPacket(new Uint8Array([9]));
    await pumpUntil(all, () => server.peer.getAvailablePacketCount() === 2, 3000, "to server");
    assert.equal(server.peer.getPacketPeer(), a.peer.getUniqueId());
    assert.deepEqual(server.peer.getPacket(), new Uint8Array([1]));
    assert.deepEqual(server.peer.getPacket(), new Uint8Array([9]));
    assert.equal(b.peer.getAvailablePacketCount(), 0);
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp: refuseNewConnections and a full server fail promptly with a reason", async () => {
  const { server, clients, all } = await startSession({ clients: 1, server: { maxClients: 1 } });
  const late = record(new UdpMultiplayerPeer());
  const refused = record(new UdpMultiplayerPeer());
  try {
    const t0 = performance.now();
    await late.peer.createClient("127.0.0.1", server.peer.localPort);
    await pumpUntil([...all, late], () => count(late, "connection_failed") > 0, 3000, "full");
    assert.equal(late.events[0].reason, DisconnectReason.SERVER_FULL);
    assert.match(late.events[0].message!, /full/);
    assert.equal(late.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    await clients[0].peer.close();
    server.peer.refuseNewConnections = true;
    await refused.peer.createClient("127.0.0.1", server.peer.localPort);
    await pumpUntil(
      [server, refused],
      () => count(refused, "connection_failed") > 0,
      3000,
      "refused",
    );
    assert.equal(refused.events[0].reason, DisconnectReason.REFUSED);
    assert.ok(performance.now() - t0 < 2000, "explicit rejection, no timeout");
    assert.equal(count(refused, "connection_succeeded"), 0);
  } finally {
    await closeAll([...all, late, refused]);
  }
});

Deno.test("udp: connecting to a closed port fails within connectTimeoutMs", async () => {
  // bind and release a port so that nothing listens there
  const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const c = record(new UdpMultiplayerPeer());
  try {
    const t0 = performance.now();
    await c.peer.createClient("127.0.0.1", port, { connectTimeoutMs: 600 });
    assert.equal(c.peer.getConnectionStatus(), ConnectionStatus.CONNECTING);
    await pumpUntil([c], () => count(c, "connection_failed") > 0, 3000, "connect timeout");
    const took = performance.now() - t0;
    assert.ok(took >= 550 && took < 1500, `failed after ${took} ms`);
    assert.equal(c.events[0].reason, DisconnectReason.CONNECT_TIMEOUT);
  } finally {
    await c.peer.close();
  }
});

Deno.test("udp: disconnectPeer both ways and server close are seen at once", async () => {
  const { server, clients, all } = await startSession({ clients: 3 });
  try {
    const [a, b, c] = clients;
    const ida = a.peer.getUniqueId(), idb = b.peer.getUniqueId();
    server.peer.disconnectPeer(ida);
    await pumpUntil(all, () => count(a, "server_disconnected") === 1, 3000, "kicked");
    assert.equal(a.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    await pumpUntil(all, () => count(c, "peer_disconnected") === 1, 3000, "others told");
    assert.equal(c.events.find((e) => e.type === "peer_disconnected")!.id, ida);
    assert.equal(count(server, "peer_disconnected"), 1);
    await b.peer.close(); // client leaves gracefully
    await pumpUntil(all, () => count(server, "peer_disconnected") === 2, 3000, "client left");
    assert.equal(server.events.filter((e) => e.type === "peer_disconnected")[1].id, idb);
    await server.peer.close();
    await pumpUntil(all, () => count(c, "server_disconnected") === 1, 3000, "server closed");
    assert.equal(c.events.at(-1)!.reason, DisconnectReason.CLOSED);
  } finally {
    await closeAll(all);
  }
});

Deno.test("udp: a client that vanishes without goodbye is dropped after timeoutMs", async () => {
  const { server, clients, all } = await startSession({ clients: 1, timeoutMs: 800 });
  const a = record(new LossyUdpClient()); // loses every datagram once `lossy`: a crashed process
  a.peer.timeoutMs = 800;
  a.peer.inEvery = a.peer.outEvery = 1;
  try {
    await a.peer.connect(server.peer.localPort);
    await pumpUntil([...all, a], () => count(clients[0], "peer_connected") === 2, 3000, "a joins");
    await expectSilentDropped({
      server,
      other: clients[0],
      silent: a,
      all,
      timeoutMs: 800,
      silence: () => a.peer.lossy = true,
    });
  } finally {
    await closeAll([...all, a]);
  }
});
