// Encrypted sessions against an on-path attacker who sees every datagram: DISCONNECT travels
// sealed, a forged clear DISCONNECT is dropped both ways, replayed sealed datagrams are refused
// and late (reordered) ones still open.
import assert from "node:assert/strict";
import { ConnectionStatus, DisconnectReason, TransferMode, UdpMultiplayerPeer } from "../mod.ts";
import { encodeDisconnect } from "../protocol/wire/handshake.ts";
import { Host } from "../protocol/host/host.ts";
import { MultiplayerPeerBase } from "../transport/peers/multiplayer_peer.ts";
import { startPeer } from "../transport/peers/lifecycle.ts";
import type { SecureLayer } from "../transport/secure/layer.ts";
import { PACKET_TYPE_SEALED } from "../transport/secure/layer.ts";
import { serverSecurity } from "../transport/secure/options.ts";
import { systemClock } from "../transport/time/clock.ts";
import { UdpTransport } from "../transport/udp/udp_transport.ts";
import { startProxy } from "./helpers/udp_proxy.ts";
import { closeAll, drain, pumpUntil, record } from "./helpers/udp_session.ts";

const DISCONNECT = 6;

/** An encrypted UDP server built like `UdpMultiplayerPeer`'s, exposing its security layer. */
class ObservedServer extends MultiplayerPeerBase {
  layer?: SecureLayer;
  port = 0;
  async listen(): Promise<void> {
    const security = serverSecurity({ encryption: true });
    this.layer = security.layer;
    const extra = Object.entries(security.host).filter(([, v]) => v !== undefined);
    await startPeer(this, async (base) => {
      const host = new Host({ ...base, ...Object.fromEntries(extra), role: "server" });
      const udp = await UdpTransport.bind({ hostname: "127.0.0.1", port: 0 });
      this.port = udp.localAddress.port;
      return { host, transport: udp, clock: systemClock, layer: security.layer };
    });
  }
}

Deno.test("encryption: sealed DISCONNECT; forged clear DISCONNECT and replays are dropped", async () => {
  const server = record(new ObservedServer());
  await server.peer.listen();
  const proxy = startProxy(server.peer.port);
  const client = record(new UdpMultiplayerPeer());
  const all = [server, client];
  const sent: Uint8Array[] = []; // sealed client->server datagrams, as an attacker records them
  const held: Uint8Array[] = [];
  let hold = false, clearDisconnects = 0, session = -1;
  proxy.mangle = (bytes, toServer) => {
    if (bytes[4] === DISCONNECT) clearDisconnects++;
    if (toServer && bytes[4] === PACKET_TYPE_SEALED) {
      session = new DataView(bytes.buffer, bytes.byteOffset).getUint32(6);
      if (hold) return void held.push(bytes);
      if (sent.length < 40) sent.push(bytes);
    }
    return bytes;
  };
  const got = () => drain(server).map(([, , , data]) => data[0]);
  try {
    await client.peer.createClient("127.0.0.1", proxy.port, {
      encryption: true,
      allowUnauthenticatedServer: true,
    });
    await pumpUntil(all, () => client.peer.getConnectionStatus() === 2, 5000, "connect");
    const layer = server.peer.layer!;
    client.peer.setTargetPeer(1);
    client.peer.transferMode = TransferMode.UNRELIABLE;
    client.peer.putPacket(new Uint8Array([1]));
    await pumpUntil(all, () => server.peer.getAvailablePacketCount() > 0, 3000, "first packet");
    assert.deepEqual(got(), [1]);

    // replays of datagrams the server already opened: all refused, nothing delivered twice
    const replays = sent.splice(0), failed = layer.counters.openFailed;
    assert.ok(replays.length > 0);
    for (const b of replays) await proxy.inject(b, true);
    await pumpUntil(
      all,
      () => layer.counters.openFailed === failed + replays.length,
      3000,
      `${replays.length} replays refused`,
    );
    assert.equal(server.peer.getAvailablePacketCount(), 0);

    // a datagram held back and delivered after newer ones still opens (reordering)
    hold = true;
    client.peer.putPacket(new Uint8Array([2]));
    await pumpUntil(all, () => held.length > 0, 3000, "held");
    hold = false;
    client.peer.putPacket(new Uint8Array([3]));
    const order: number[] = [];
    await pumpUntil(all, () => (order.push(...got()), order.includes(3)), 3000, "newer first");
    for (const b of held.reverse()) await proxy.inject(b, true);
    await pumpUntil(all, () => (order.push(...got()), order.includes(2)), 3000, "late one");
    assert.deepEqual(order, [3, 2]);
    assert.equal(layer.counters.openFailed, failed + replays.length, "late is not a replay");

    // forged clear DISCONNECTs with the right session id, from the right addresses
    const dropped = layer.counters.dropped;
    await proxy.inject(encodeDisconnect(session, DisconnectReason.CLOSED), true);
    await proxy.inject(encodeDisconnect(session, DisconnectReason.CLOSED), false);
    await pumpUntil(all, () => layer.counters.dropped === dropped + 1, 3000, "server drops");
    // a reliable round trip on the same path: the client handled the forgery before it
    server.peer.setTargetPeer(0);
    server.peer.transferMode = TransferMode.RELIABLE;
    server.peer.putPacket(new Uint8Array([4]));
    await pumpUntil(all, () => client.peer.getAvailablePacketCount() > 0, 3000, "round trip");
    assert.deepEqual(client.peer.getPacket(), new Uint8Array([4]));
    assert.equal(client.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
    const ends = (r: { events: { type: string }[] }) =>
      r.events.filter((e) => /disconnected|failed/.test(e.type)).length;
    assert.equal(ends(server) + ends(client), 0, "nobody was disconnected");

    // a real goodbye travels sealed and is honoured at once
    const t0 = performance.now();
    await client.peer.close();
    await pumpUntil([server], () => ends(server) === 1, 3000, "goodbye");
    assert.ok(performance.now() - t0 < 2000, "no timeout involved");
    assert.equal(server.events.at(-1)!.reason, DisconnectReason.CLOSED);
    assert.equal(clearDisconnects, 0, "no DISCONNECT in clear");
  } finally {
    await closeAll(all);
    await proxy.close();
  }
});
