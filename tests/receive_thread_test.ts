/**
 * Servers whose UDP socket is read on a thread of its own (`receiveThread: true`): the native
 * wire and the ENet wire (our clients and real Godot clients) behave exactly as with the socket
 * read on the main thread, and a main thread kept busy no longer loses what arrived meanwhile.
 */
import assert from "node:assert/strict";
import {
  ENetMultiplayerPeer,
  MixedMultiplayerPeer,
  TransferMode,
  UdpMultiplayerPeer,
} from "../mod.ts";
import { LivePeer as LiveAny, stopLive } from "./helpers/live_peer.ts";
import { closeAll, pumpUntil, reliableSoak, startSession } from "./helpers/udp_session.ts";
import { LivePeer, stopAll } from "./godot_enet/_live.ts";
import { assertTargetMatrix, denoParty, godotParty } from "./godot_enet/_matrix.ts";
import { awaitMesh, startGodotClients } from "./godot_enet/_session.ts";
import { godotSkipReason, pickPort } from "./godot/environment.ts";
import { closeAll as closeGodots } from "./godot/_group.ts";

const godotSkip = godotSkipReason();

Deno.test("receive thread: native wire: 2000 reliable per channel in order, broadcasts reach all", async () => {
  const { server, clients, all } = await startSession({
    clients: 4,
    server: { receiveThread: true },
  });
  try {
    await reliableSoak(server, clients[0], all, 2000, "client A -> threaded server");
    server.peer.transferMode = TransferMode.RELIABLE;
    server.peer.setTargetPeer(0);
    server.peer.putVar("to everyone");
    const got = new Set<number>();
    await pumpUntil(
      all,
      () => {
        for (const [i, c] of clients.entries()) {
          while (c.peer.getAvailablePacketCount() > 0) {
            assert.equal(c.peer.getVar(), "to everyone");
            got.add(i);
          }
        }
        return got.size === clients.length;
      },
      5000,
      "the broadcast",
    );
  } finally {
    await closeAll(all);
  }
});

Deno.test("receive thread: ENet wire: Deno clients, every mode to every target", async () => {
  const server = await LivePeer.server(0, { channelCount: 4, receiveThread: true });
  const clients: LivePeer[] = [];
  try {
    for (const label of ["clientA", "clientB"]) {
      clients.push(
        await LivePeer.client(server.peer.localPort, { channelCount: 4 }, undefined, label),
      );
    }
    await awaitMesh(server, [], clients, true);
    const parties = [server, ...clients].map(denoParty);
    await assertTargetMatrix(parties, parties, [-1, 1, 2, 3], "b0", true);
  } finally {
    await stopAll([server, ...clients]);
  }
});

Deno.test({
  name:
    "receive thread: ENet wire: real Godot clients on a threaded server, every mode to every target",
  ignore: godotSkip !== undefined,
  async fn() {
    const port = pickPort();
    const server = await LivePeer.server(port, { channelCount: 4, receiveThread: true });
    const godots = await startGodotClients(port, 2, { channel_count: 4 }).catch(async (e) => {
      await server.stop();
      throw e;
    });
    try {
      await awaitMesh(server, godots, []);
      const all = [denoParty(server), ...godots.map(godotParty)];
      await assertTargetMatrix(all, all, [-1, 3], "c0", true);
    } finally {
      await closeGodots(godots);
      await server.stop();
    }
  },
});

Deno.test("receive thread: a mixed server reads its native and ENet ports on threads", async () => {
  const server = new LiveAny("server", new MixedMultiplayerPeer());
  await server.peer.createServer({
    bindAddress: "127.0.0.1",
    udpPort: 0,
    enet: { port: 0 },
    receiveThread: true,
  });
  server.start();
  const udp = new LiveAny("udp", new UdpMultiplayerPeer());
  const enet = new LiveAny("enet", new ENetMultiplayerPeer());
  try {
    await udp.peer.createClient("127.0.0.1", server.peer.udpPort);
    await enet.peer.createClient("127.0.0.1", server.peer.enetPort);
    udp.start();
    enet.start();
    await Promise.all([udp.event("connection_succeeded"), enet.event("connection_succeeded")]);
    await server.until(() => server.count("peer_connected") === 2, "both join");
    await udp.until(() => udp.count("peer_connected", enet.id) === 1, "udp learns of enet");
    await enet.until(() => enet.count("peer_connected", udp.id) === 1, "enet learns of udp");
    for (const [from, to] of [[udp, enet], [enet, udp]]) {
      from.peer.transferMode = TransferMode.RELIABLE;
      from.peer.setTargetPeer(to.id);
      from.peer.putPacket(new TextEncoder().encode(`from ${from.label}`));
      await to.until(
        () => to.packets.some((p) => new TextDecoder().decode(p.data) === `from ${from.label}`),
        `${from.label} -> ${to.label} through the server`,
      );
    }
  } finally {
    await stopLive([udp, enet, server]);
  }
});
