/**
 * Godot's peer semantics on every peer class: status and unique id move in the `poll()` that
 * dispatches the matching event (and a handler may reconnect from there), an ended connection
 * needs no `close()` before the next create call, and `close()` during an unfinished create call
 * wins: nothing stays bound or connected.
 */
import assert from "node:assert/strict";
import {
  ConnectionStatus,
  DatagramMultiplayerPeer,
  DisconnectReason,
  MultiplayerError,
  TransferMode,
  UdpMultiplayerPeer,
  WebSocketMultiplayerPeer,
} from "../mod.ts";
import { VirtualNetwork } from "../transport/sim/virtual_network.ts";

function virtualPair() {
  const net = new VirtualNetwork({ seed: 5, link: { latencyMs: 10 } });
  const server = new DatagramMultiplayerPeer();
  const serverTransport = net.createTransport();
  server.createServer(serverTransport, { clock: net.clock });
  return { net, server, serverAddress: serverTransport.localAddress };
}

Deno.test("status and id change in the poll() that dispatches connection_succeeded", async () => {
  const { net, server, serverAddress } = virtualPair();
  const client = new DatagramMultiplayerPeer();
  try {
    assert.equal(server.getConnectionStatus(), ConnectionStatus.CONNECTED, "servers at once");
    assert.equal(server.getUniqueId(), 1);
    client.createClient(net.createTransport(), serverAddress, { clock: net.clock });
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTING);
    // the handshake completes in the background; the app has not polled yet
    let linked = false;
    for (let t = 0; t < 2000 && !linked; t += 10) {
      await net.clock.runUntilAsync(net.clock.now() + 10);
      try {
        client.getPeerStats(1);
        linked = true;
      } catch { /* not linked yet */ }
    }
    assert.ok(linked, "the host connected in the background");
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTING, "not before poll()");
    assert.equal(client.getUniqueId(), 0);
    client.setTargetPeer(1);
    assert.throws(
      () => client.putPacket(new Uint8Array(1)),
      (e) => e instanceof MultiplayerError && e.code === "NOT_CONNECTED",
    );
    const seen: [ConnectionStatus, number][] = [];
    client.addEventListener("connection_succeeded", (e) => {
      seen.push([client.getConnectionStatus(), client.getUniqueId()]);
      assert.equal(e.detail.id, client.getUniqueId());
    });
    await client.poll(0);
    assert.equal(seen.length, 1);
    assert.equal(seen[0][0], ConnectionStatus.CONNECTED, "the listener sees the new status");
    assert.ok(seen[0][1] >= 2, "and the assigned id");
    client.transferMode = TransferMode.RELIABLE;
    client.putPacket(new Uint8Array([7]));
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("after connection_failed the peer is closed: a handler can create it again", async () => {
  const { net, server, serverAddress } = virtualPair();
  const client = new DatagramMultiplayerPeer();
  try {
    // a client of nothing: its attempt times out
    client.createClient(net.createTransport(), { hostname: "nobody", port: 9 }, {
      clock: net.clock,
      connectTimeoutMs: 300,
    });
    const states: ConnectionStatus[] = [];
    let again = false;
    client.addEventListener("connection_failed", (e) => {
      states.push(client.getConnectionStatus());
      assert.equal(e.detail.reason, DisconnectReason.CONNECT_TIMEOUT);
      if (again) return;
      again = true;
      client.createClient(net.createTransport(), serverAddress, { clock: net.clock });
      states.push(client.getConnectionStatus());
    });
    let succeeded = false;
    client.addEventListener("connection_succeeded", () => succeeded = true);
    for (let i = 0; i < 400 && !succeeded; i++) {
      await net.clock.runUntilAsync(net.clock.now() + 10);
      await client.poll(0);
    }
    assert.deepEqual(states, [ConnectionStatus.DISCONNECTED, ConnectionStatus.CONNECTING]);
    assert.ok(succeeded, "the second attempt, made from the handler, connected");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("poll() without a session waits out its timeout: a loop polling a failed peer never spins", async () => {
  const net = new VirtualNetwork({ seed: 5, link: { latencyMs: 10 } });
  const clock = net.clock;
  const client = new DatagramMultiplayerPeer();
  let settled = false;
  const track = (p: Promise<number>) => p.then((n) => (settled = true, n));
  const turns = async () => {
    for (let i = 0; i < 8; i++) await undefined;
  };
  try {
    client.createClient(net.createTransport(), { hostname: "nobody", port: 9 }, {
      clock,
      connectTimeoutMs: 300,
    });
    let failed = false;
    client.addEventListener("connection_failed", () => failed = true);
    for (let i = 0; i < 100 && !failed; i++) {
      await clock.runUntilAsync(clock.now() + 10);
      await client.poll(0);
    }
    assert.ok(failed, "the attempt to reach nobody failed");
    assert.equal(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    assert.equal(await client.poll(0), 0, "a zero timeout still returns at once");

    // on the failed session's (virtual) clock: nothing resolves it before 100 ms have passed
    const waiting = track(client.poll(100));
    await turns();
    assert.equal(settled, false, "resolved before any time passed");
    await clock.runUntilAsync(clock.now() + 60);
    assert.equal(settled, false, "resolved after 60 of 100 ms");
    await clock.runUntilAsync(clock.now() + 60);
    assert.equal(await waiting, 0);

    // close() ends such a wait at once
    settled = false;
    const closing = track(client.poll(60_000));
    await client.close();
    await turns();
    assert.equal(settled, true, "close() did not end the wait");
    assert.equal(await closing, 0);

    // and so does a new session: the loop goes on polling that one
    settled = false;
    const restarting = track(client.poll(60_000));
    const { server, serverAddress } = virtualPair();
    try {
      client.createClient(net.createTransport(), serverAddress, { clock: net.clock });
      await turns();
      assert.equal(settled, true, "a new session did not end the wait");
      assert.equal(await restarting, 0);
    } finally {
      await server.close();
    }
  } finally {
    await client.close();
  }
});

Deno.test("after server_disconnected the peer is closed: createClient works without close()", async () => {
  const { net, server, serverAddress } = virtualPair();
  const client = new DatagramMultiplayerPeer();
  const second = new DatagramMultiplayerPeer();
  try {
    second.createServer(net.createTransport(), { clock: net.clock });
    client.createClient(net.createTransport(), serverAddress, { clock: net.clock });
    const until = async (what: string, ok: () => boolean) => {
      for (let i = 0; i < 500 && !ok(); i++) {
        await net.clock.runUntilAsync(net.clock.now() + 10);
        await Promise.all([client.poll(0), server.poll(0), second.poll(0)]);
      }
      assert.ok(ok(), what);
    };
    await until("connected", () => client.getConnectionStatus() === ConnectionStatus.CONNECTED);
    let during: ConnectionStatus | undefined;
    client.addEventListener("server_disconnected", () => during = client.getConnectionStatus());
    await server.close();
    await until("told", () => during !== undefined);
    assert.equal(during, ConnectionStatus.DISCONNECTED);
    assert.equal(client.getUniqueId(), 0);
    client.createClient(net.createTransport(), second.localAddress!, { clock: net.clock });
    await until("reconnected", () => client.getConnectionStatus() === ConnectionStatus.CONNECTED);
  } finally {
    await client.close();
    await second.close();
    await server.close();
  }
});

function portIsFree(port: number, transport: "udp" | "tcp"): boolean {
  try {
    if (transport === "udp") {
      Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
    } else Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("close() during an unfinished create call: nothing stays bound or connected", async () => {
  const server = new UdpMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1" });
  let joined = 0;
  server.addEventListener("peer_connected", () => joined++);
  try {
    for (let i = 0; i < 5; i++) {
      const client = new UdpMultiplayerPeer();
      const creating = client.createClient("127.0.0.1", server.localPort);
      await client.close();
      await creating; // resolves: the close won
      assert.equal(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    }
    // a server closed while binding leaves its port free
    const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const late = new UdpMultiplayerPeer();
    const binding = late.createServer(port, { bindAddress: "127.0.0.1" });
    await late.close();
    await binding;
    assert.equal(late.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    assert.ok(portIsFree(port, "udp"), "the UDP port was released");
    await server.poll(200);
    assert.equal(joined, 0, "no client that was closed while connecting joined");
  } finally {
    await server.close();
  }
});

Deno.test("close() during an unfinished WebSocket create call wins too", async () => {
  const server = new WebSocketMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1" });
  let joined = 0;
  server.addEventListener("peer_connected", () => joined++);
  try {
    for (let i = 0; i < 5; i++) {
      const client = new WebSocketMultiplayerPeer();
      const creating = client.createClient(`ws://127.0.0.1:${server.localPort}/`);
      await client.close();
      await creating;
      assert.equal(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
    }
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const late = new WebSocketMultiplayerPeer();
    const binding = late.createServer(port, { bindAddress: "127.0.0.1" });
    await late.close();
    await binding;
    assert.ok(portIsFree(port, "tcp"), "the TCP port was released");
    await server.poll(200);
    assert.equal(joined, 0, "no client that was closed while connecting joined");
  } finally {
    await server.close();
  }
});

Deno.test("a create call that fails validation leaves the peer usable", async () => {
  const server = new WebSocketMultiplayerPeer();
  await server.createServer(0, { bindAddress: "127.0.0.1" });
  const client = new WebSocketMultiplayerPeer();
  try {
    await assert.rejects(
      client.createClient(`ws://127.0.0.1:${server.localPort}/`, { connectTimeoutMs: -1 }),
      (e) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
    );
    client.channelCount = 4; // inactive again: settings may change
    await client.createClient(`ws://127.0.0.1:${server.localPort}/`);
    for (let i = 0; i < 100 && client.getConnectionStatus() !== ConnectionStatus.CONNECTED; i++) {
      await Promise.all([client.poll(20), server.poll(0)]);
    }
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
  } finally {
    await client.close();
    await server.close();
  }
});
