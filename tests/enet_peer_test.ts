/**
 * `ENetMultiplayerPeer` against itself on 127.0.0.1 and ::1 (no Godot needed): the target
 * matrix in every mode and channel, relay off, refusals failing fast with their reasons, a
 * duplicate or invalid id refused, disconnects both ways, server close, a silent peer timed out
 * by ENet's rules, 1 MiB reliable, unreliable fragments, every compression mode, IPv6, Godot's
 * channel semantics, misuse errors, status and event order, and spoofed CONNECT floods on the
 * pure host.
 */
import assert from "node:assert/strict";
import {
  CompressionMode,
  ConnectionStatus,
  DisconnectReason,
  ENetMultiplayerPeer,
  MultiplayerError,
  TransferMode,
} from "../mod.ts";
import { LivePeer, stopAll } from "./godot_enet/_live.ts";
import { assertTargetMatrix, denoParty } from "./godot_enet/_matrix.ts";
import { awaitMesh } from "./godot_enet/_session.ts";
import { ms, sameBytes } from "./godot_enet/_util.ts";
import { pureClient, PureNet, pureServer, takeEvents } from "./godot_enet/_pure.ts";
import { spoofedConnect } from "./godot_enet/_hostile.ts";
import { decodeDatagram } from "../protocol/enet/codec.ts";
import { startProxy } from "./helpers/udp_proxy.ts";
import { patternBytes } from "./godot/payloads.ts";

/** A client's target -1 ("every client but the server") is relayed: the matrices include it. */
const DENO_SERVER_RELAYS_MINUS_ONE = true;

async function session(
  clients: number,
  server: Parameters<typeof LivePeer.server>[1] = {},
  client: Parameters<typeof LivePeer.client>[1] = {},
  setup?: (p: ENetMultiplayerPeer) => void,
  address = "127.0.0.1",
): Promise<{ server: LivePeer; clients: LivePeer[]; all: LivePeer[] }> {
  const s = await LivePeer.server(0, { bindAddress: address, ...server }, setup);
  const cs: LivePeer[] = [];
  try {
    for (let i = 0; i < clients; i++) {
      cs.push(
        await LivePeer.client(
          s.peer.localPort,
          client,
          undefined,
          `client${"ABCDEF"[i]}`,
          address,
        ),
      );
    }
    await awaitMesh(s, [], cs, s.peer.serverRelay);
  } catch (e) {
    await stopAll([s, ...cs]);
    throw e;
  }
  return { server: s, clients: cs, all: [s, ...cs] };
}

function expectError(f: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof MultiplayerError, String(e));
    assert.equal(e.code, code);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("enet peer: every mode to every target on every channel, modes and ENet channels as sent", async () => {
  const s = await session(3, { channelCount: 4 }, { channelCount: 4 });
  try {
    const all = s.all.map(denoParty);
    await assertTargetMatrix(all, all, [-1, 1, 2, 3], "a0", DENO_SERVER_RELAYS_MINUS_ONE);
    for (const c of s.clients) {
      assert.deepEqual(
        c.events.filter((e) => e.type === "peer_connected").map((e) => e.id).sort(),
        s.all.filter((o) => o !== c).map((o) => o.id).sort(),
      );
    }
  } finally {
    await stopAll(s.all);
  }
});

Deno.test("enet peer: relay off: clients know only the server, broadcasts reach the server alone", async () => {
  const s = await session(2, {}, {}, (p) => p.serverRelay = false);
  try {
    const [a, b] = s.clients;
    assert.equal(a.count("peer_connected"), 1, "only the server");
    expectError(
      () => a.peer.setTargetPeer(b.id) ?? a.peer.putPacket(new Uint8Array([1])),
      "UNKNOWN_PEER",
    );
    a.peer.setTargetPeer(0);
    a.peer.putPacket(new Uint8Array([0xb3]));
    a.peer.setTargetPeer(1);
    a.peer.putPacket(new Uint8Array([0xb4]));
    await s.server.waitPacket((p) => p.data[0] === 0xb4, "b4");
    assert.equal(s.server.packets.find((p) => p.data[0] === 0xb3)?.from, a.id);
    s.server.peer.setTargetPeer(0);
    s.server.peer.putPacket(new Uint8Array([0xb5]));
    await b.waitPacket((p) => p.data[0] === 0xb5, "b5");
    assert.equal(b.packets.filter((p) => p.data[0] === 0xb3).length, 0, "not relayed");
  } finally {
    await stopAll(s.all);
  }
});

Deno.test("enet peer: refused and full servers fail the client at once, with the reason", async () => {
  const refusing = await LivePeer.server(0, {}, (p) => p.refuseNewConnections = true);
  const full = await session(1, { maxClients: 1 });
  const late: LivePeer[] = [];
  try {
    const t0 = performance.now();
    late.push(await LivePeer.client(refusing.peer.localPort, {}, undefined, "refused"));
    late.push(await LivePeer.client(full.server.peer.localPort, {}, undefined, "full"));
    const [r, f] = await Promise.all(late.map((l) => l.waitEvent("connection_failed")));
    const took = ms(performance.now() - t0);
    assert.equal(r.reason, DisconnectReason.REFUSED);
    assert.match(r.message!, /refuses new connections/);
    assert.equal(f.reason, DisconnectReason.SERVER_FULL);
    assert.match(f.message!, /full/);
    assert.ok(took < 1000, `both failed within ${took} ms`);
    for (const l of late) {
      assert.equal(l.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
      assert.equal(l.count("connection_succeeded"), 0);
    }
    assert.equal(refusing.count("peer_connected"), 0);
    assert.equal(full.server.count("peer_connected"), 1);
    // refusing can be lifted: the next attempt of the same peer object succeeds
    refusing.peer.refuseNewConnections = false;
    const again = late[0];
    await again.peer.createClient("127.0.0.1", refusing.peer.localPort);
    await again.waitEvent("connection_succeeded");
  } finally {
    await stopAll([refusing, ...late, ...full.all]);
  }
});

Deno.test("enet peer: a duplicate or invalid client id is refused (pure hosts)", () => {
  const net = new PureNet(1);
  const server = pureServer();
  const addr = (n: number) => ({ hostname: `10.0.0.${n}`, port: 5000 + n });
  net.add(server, addr(1));
  const a = pureClient({ clientId: 777, seed: 3 });
  const b = pureClient({ clientId: 777, seed: 4 });
  net.add(a, addr(2));
  net.add(b, addr(3));
  a.connect(addr(1), 0);
  let t = 0;
  for (; t < 100 && a.status !== ConnectionStatus.CONNECTED; t++) net.step(t);
  assert.equal(a.status, ConnectionStatus.CONNECTED);
  b.connect(addr(1), t);
  const events = [];
  for (const end = t + 100; t < end && events.length === 0; t++) {
    net.step(t);
    events.push(...takeEvents(b).filter((e) => e.type === "connection_failed"));
  }
  assert.equal(events.length, 1);
  assert.deepEqual(events[0], {
    type: "connection_failed",
    reason: DisconnectReason.PROTOCOL_ERROR,
    message: "the server refused our id (invalid or already in use)",
  });
  // ids 0 and 1 are no client's: a raw CONNECT carrying one gets a DISCONNECT at once
  for (const id of [0, 1]) {
    const connect = spoofedConnect(id);
    new DataView(connect.buffer).setUint32(connect.length - 4, id); // CONNECT's data field
    const seen: Uint8Array[] = [];
    const probe = addr(10 + id);
    server.handleDatagram(connect, probe, t);
    for (let tx = server.pollTransmit(t); tx; tx = server.pollTransmit(t)) {
      if (tx.to.hostname === probe.hostname) seen.push(tx.bytes.slice());
    }
    assert.equal(seen.length, 1, `one answer to id ${id}`);
    const d = seen[0];
    // header (2 bytes, no sent time) then DISCONNECT (command 4) with data PROTOCOL_ERROR
    assert.equal(d[2] & 0x0f, 4);
    assert.equal(new DataView(d.buffer).getUint32(6), DisconnectReason.PROTOCOL_ERROR);
  }
  assert.deepEqual(takeEvents(server).map((e) => e.type), ["peer_connected"]);
});

Deno.test("enet peer: disconnectPeer (later and now), a client's own close, the server's close()", async () => {
  const s = await session(4);
  try {
    const [a, b, c, d] = s.clients;
    const [aId, bId, dId] = [a.id, b.id, d.id];
    // graceful: data queued before it is delivered first, and the peer goes as soon as that
    // is acknowledged (not at the end of the linger time)
    const t0 = performance.now();
    s.server.peer.setTargetPeer(aId);
    s.server.peer.putPacket(new Uint8Array([0xbb]));
    s.server.peer.disconnectPeer(aId);
    const aGone = await a.waitEvent("server_disconnected");
    assert.equal(aGone.reason, DisconnectReason.CLOSED);
    assert.ok(a.packets.some((p) => p.data[0] === 0xbb), "queued data came first");
    for (const x of [b, c, d]) await x.waitEvent("peer_disconnected", aId);
    await s.server.waitEvent("peer_disconnected", aId);
    const took = ms(performance.now() - t0);
    assert.ok(took < 1000, `a graceful disconnect took ${took} ms`);
    s.server.peer.disconnectPeer(bId, true);
    // now: the server reports it at once, in the next poll
    await s.server.waitEvent("peer_disconnected", bId);
    await b.waitEvent("server_disconnected");
    for (const x of [c, d]) await x.waitEvent("peer_disconnected", bId);
    await d.stop();
    await s.server.waitEvent("peer_disconnected", dId);
    await c.waitEvent("peer_disconnected", dId);
    assert.equal(d.count("server_disconnected"), 0, "no event for one's own close");
    await s.server.stop();
    const cGone = await c.waitEvent("server_disconnected");
    assert.equal(cGone.reason, DisconnectReason.CLOSED);
    expectError(() => a.peer.putPacket(new Uint8Array(1)), "NOT_ACTIVE");
  } finally {
    await stopAll(s.all);
  }
});

Deno.test("enet peer: a peer gone silent is timed out by ENet's rules on both ends", async () => {
  const server = await LivePeer.server(0);
  const proxy = startProxy(server.peer.localPort);
  const client = await LivePeer.client(proxy.port);
  try {
    await awaitMesh(server, [], [client]);
    const id = client.id;
    // ENet's rule with a short floor and ceiling: dropped once the oldest unacknowledged
    // reliable command is older than maxMs, or its RTO hit limit x RTO and minMs passed
    server.peer.setPeerTimeout(id, 32, 500, 1500);
    client.peer.setPeerTimeout(1, 32, 500, 1500);
    proxy.mangle = () => undefined; // the link dies: nothing passes either way
    const t0 = performance.now();
    for (const p of [server, client]) {
      p.peer.transferMode = TransferMode.RELIABLE;
      p.peer.setTargetPeer(p === server ? id : 1);
      p.peer.putPacket(new Uint8Array([1])); // something reliable in flight
    }
    const [gone, lost] = await Promise.all([
      server.waitEvent("peer_disconnected", id, 0, 5000),
      client.waitEvent("server_disconnected", undefined, 0, 5000),
    ]);
    const took = [ms(gone.at - t0), ms(lost.at - t0)];
    assert.equal(gone.reason, DisconnectReason.TIMEOUT);
    assert.equal(lost.reason, DisconnectReason.TIMEOUT);
    assert.ok(took.every((t) => t >= 450 && t <= 2500), `timed out after ${took} ms`);
  } finally {
    await stopAll([client, server]);
    await proxy.close();
  }
});

Deno.test("enet peer: 1 MiB reliable both ways, unreliable fragments, Godot's channel rules", async () => {
  const s = await session(1, { channelCount: 5 }, { channelCount: 5 });
  try {
    const [a] = s.clients;
    const big = patternBytes(1 << 20, 3);
    a.peer.transferMode = TransferMode.RELIABLE;
    a.peer.setTargetPeer(1);
    a.peer.putPacket(big);
    const got = await s.server.waitPacket((p) => p.data.length === big.length, "1 MiB", 0, 10_000);
    assert.ok(sameBytes(got.data, big));
    assert.deepEqual([got.channel, got.mode], [1, TransferMode.RELIABLE]);
    s.server.peer.setTargetPeer(a.id);
    s.server.peer.putPacket(big);
    assert.ok(
      sameBytes((await a.waitPacket((p) => p.data.length === big.length, "1 MiB back")).data, big),
    );

    // an unreliable packet above one fragment goes as unreliable fragments (sequenced)
    const mid = patternBytes(10_000, 4);
    a.peer.transferMode = TransferMode.UNRELIABLE;
    a.peer.putPacket(mid);
    const m = await s.server.waitPacket((p) => p.data.length === mid.length, "10 kB unreliable");
    assert.ok(sameBytes(m.data, mid));
    assert.deepEqual([m.channel, m.mode], [2, TransferMode.UNRELIABLE_ORDERED]);

    // channels: -1 = the mode's own (1 reliable, 2 unreliable), else the ENet channel as given
    assert.equal(a.peer.channelCount, 5);
    assert.equal(a.peer.transferChannel, -1);
    const cases: [TransferMode, number, number][] = [
      [TransferMode.RELIABLE, -1, 1],
      [TransferMode.UNRELIABLE_ORDERED, -1, 2],
      [TransferMode.UNRELIABLE, -1, 2],
      [TransferMode.UNRELIABLE, 1, 1],
      [TransferMode.RELIABLE, 2, 2],
      [TransferMode.RELIABLE, 4, 4],
    ];
    const since = s.server.packets.length;
    for (const [i, [mode, channel]] of cases.entries()) {
      a.peer.transferMode = mode;
      a.peer.transferChannel = channel;
      a.peer.putPacket(new Uint8Array([0xc0, i]));
    }
    await s.server.until(
      () => s.server.packets.slice(since).filter((p) => p.data[0] === 0xc0).length === cases.length,
      "channel cases",
    );
    const seen = s.server.packets.slice(since).filter((p) => p.data[0] === 0xc0);
    for (const p of seen) {
      const [mode, channel, enet] = cases[p.data[1]];
      assert.deepEqual([p.channel, p.mode], [enet, mode], `mode ${mode} channel ${channel}`);
    }
    s.server.drain = false;
    assert.equal(s.server.peer.getPacketChannel(), 0, "0 when no packet is available");
  } finally {
    await stopAll(s.all);
  }
});

Deno.test("enet peer: every compression mode, data both ways", async () => {
  const modes = [
    CompressionMode.NONE,
    CompressionMode.RANGE_CODER,
    CompressionMode.FASTLZ,
    CompressionMode.ZLIB,
    CompressionMode.ZSTD,
  ];
  await Promise.all(modes.map(async (mode) => {
    const s = await session(2, { compressionMode: mode }, { compressionMode: mode });
    try {
      const [a, b] = s.clients;
      assert.equal(a.peer.compressionMode, mode);
      const packets = [patternBytes(3000, mode), crypto.getRandomValues(new Uint8Array(1500))];
      a.peer.setTargetPeer(b.id);
      for (const p of packets) a.peer.putPacket(p);
      s.server.peer.setTargetPeer(0);
      s.server.peer.putPacket(patternBytes(200, 9));
      for (const p of packets) {
        const got = await b.waitPacket((x) => sameBytes(x.data, p), `mode ${mode}: relayed`);
        assert.equal(got.from, a.id);
      }
      for (const c of [a, b]) {
        await c.waitPacket((x) => x.from === 1 && x.data.length === 200, `mode ${mode}: broadcast`);
      }
    } finally {
      await stopAll(s.all);
    }
  }));
  // both ends must agree: a mismatch never connects (ours gives up after connectTimeoutMs)
  const server = await LivePeer.server(0, { compressionMode: CompressionMode.ZLIB });
  const client = await LivePeer.client(server.peer.localPort, {
    compressionMode: CompressionMode.NONE,
    connectTimeoutMs: 300,
  });
  try {
    const failed = await client.waitEvent("connection_failed");
    assert.equal(failed.reason, DisconnectReason.CONNECT_TIMEOUT);
    assert.equal(server.count("peer_connected"), 0);
  } finally {
    await stopAll([client, server]);
  }
});

Deno.test("enet peer: IPv6 between our own peers (::1)", async () => {
  const s = await session(2, {}, {}, undefined, "::1");
  try {
    const [a] = s.clients;
    assert.equal(s.server.peer.getPeerAddress(a.id), "::1");
    assert.equal(a.peer.getPeerAddress(1), "::1");
    const all = s.all.map(denoParty);
    await assertTargetMatrix(all, all, [-1], "a1", DENO_SERVER_RELAYS_MINUS_ONE);
  } finally {
    await stopAll(s.all);
  }
});

Deno.test("enet peer: misuse errors", async () => {
  const p = new ENetMultiplayerPeer();
  assert.equal(p.channelCount, 3);
  expectError(() => p.channelCount = 2, "INVALID_ARGUMENT", /Godot's three included/);
  expectError(() => p.channelCount = 256, "INVALID_ARGUMENT");
  expectError(() => p.transferChannel = 0, "INVALID_CHANNEL", /config channel/);
  expectError(() => p.transferChannel = 3, "INVALID_CHANNEL");
  p.transferChannel = 2;
  p.transferChannel = -1;
  expectError(() => p.compressionMode = 9 as CompressionMode, "INVALID_ARGUMENT");
  await assert.rejects(() => p.createClient("", 7000), MultiplayerError);
  await assert.rejects(() => p.createClient("127.0.0.1", 0), MultiplayerError);
  expectError(() => p.putPacket(new Uint8Array(1)), "NOT_ACTIVE");
  const s = await session(1, { channelCount: 3 }, { channelCount: 5 });
  try {
    const [a] = s.clients;
    // the server opened 3 channels: the client's session has the fewer
    assert.equal(a.peer.channelCount, 3);
    a.peer.transferChannel = 2;
    expectError(() => a.peer.transferChannel = 4, "INVALID_CHANNEL");
    expectError(() => s.server.peer.compressionMode = CompressionMode.ZLIB, "ALREADY_ACTIVE");
    expectError(
      () => s.server.peer.setTargetPeer(1) ?? s.server.peer.putPacket(new Uint8Array(1)),
      "INVALID_TARGET",
    );
    expectError(
      () => s.server.peer.setTargetPeer(123) ?? s.server.peer.putPacket(new Uint8Array(1)),
      "UNKNOWN_PEER",
    );
    await assert.rejects(() => a.peer.createClient("127.0.0.1", 1), /already active/);
  } finally {
    await stopAll(s.all);
  }
});

Deno.test("enet peer: status and id move in poll(), with their events", async () => {
  const server = await LivePeer.server(0);
  const client = new ENetMultiplayerPeer();
  try {
    const seen: string[] = [];
    client.addEventListener("connection_succeeded", (e) => {
      seen.push(
        `succeeded ${client.getConnectionStatus()} ${client.getUniqueId() === e.detail.id}`,
      );
    });
    client.addEventListener("peer_connected", (e) => seen.push(`peer ${e.detail.id}`));
    client.addEventListener("server_disconnected", () => {
      seen.push(`gone ${client.getConnectionStatus()} ${client.getUniqueId()}`);
    });
    await client.createClient("127.0.0.1", server.peer.localPort);
    assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTING);
    assert.equal(client.getUniqueId(), 0);
    for (let i = 0; i < 200 && client.getConnectionStatus() === ConnectionStatus.CONNECTING; i++) {
      await client.poll(10);
    }
    assert.deepEqual(seen, ["peer 1", "succeeded 2 true"]);
    const id = client.getUniqueId();
    assert.ok(id > 1);
    await server.waitEvent("peer_connected", id);
    server.peer.disconnectPeer(id);
    // nothing changes until a poll dispatches the event
    for (let i = 0; i < 200 && seen.length < 3; i++) await client.poll(10);
    assert.deepEqual(seen.slice(2), ["gone 0 0"], "status and id are reset when it runs");
    assert.equal(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  } finally {
    await client.close();
    await server.stop();
  }
});

Deno.test("enet peer: handshakes that never complete do not make the server full (pure host)", () => {
  const net = new PureNet(5);
  const server = pureServer({ maxClients: 2 });
  const at = { hostname: "10.0.0.1", port: 7000 };
  net.add(server, at);
  // more spoofed CONNECTs than places, never followed up
  for (let n = 0; n < 10; n++) {
    server.handleDatagram(spoofedConnect(n), { hostname: `10.9.0.${n}`, port: 1000 }, n);
  }
  const clients = [pureClient({ seed: 5 }), pureClient({ seed: 6 })];
  clients.forEach((c, i) => {
    net.add(c, { hostname: `10.0.1.${i}`, port: 5000 });
    c.connect(at, 20);
  });
  for (let t = 20; t < 400; t++) net.step(t);
  assert.deepEqual(clients.map((c) => c.status), [2, 2], "both real clients connected");
  // a third is refused as full: connected clients alone count
  const third = pureClient({ seed: 7 });
  net.add(third, { hostname: "10.0.1.9", port: 5000 });
  third.connect(at, 400);
  let failed;
  for (let t = 400; t < 500 && !failed; t++) {
    net.step(t);
    failed = takeEvents(third).find((e) => e.type === "connection_failed");
  }
  assert.equal(failed?.type === "connection_failed" && failed.reason, DisconnectReason.SERVER_FULL);
});

Deno.test("enet peer: a spoofed CONNECT flood cannot lock a real client out (pure host, 200 ms RTT)", () => {
  for (const rtt of [2, 50, 200]) {
    const net = new PureNet(rtt / 2);
    const server = pureServer();
    const at = { hostname: "192.168.0.1", port: 7000 };
    const client = pureClient();
    net.add(server, at);
    net.add(client, { hostname: "192.168.0.2", port: 5000 });
    let joined = -1, n = 0;
    for (let t = 0; t < 3000 && joined < 0; t++) {
      // 5000 CONNECTs a second, each from a new fabricated source: over the connect budget
      for (let k = 0; k < 5; k++, n++) {
        const from = { hostname: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: 1024 };
        net.inject(server, from, spoofedConnect(n), t);
      }
      if (t === 100) client.connect(at, t);
      net.step(t);
      if (takeEvents(server).some((e) => e.type === "peer_connected")) joined = t;
    }
    assert.ok(joined > 0, `rtt ${rtt}: the real client never got in (${n} spoofed CONNECTs)`);
    assert.ok(joined - 100 <= 2 * rtt + 10, `rtt ${rtt}: joined after ${joined - 100} ms`);
    assert.equal(client.status, ConnectionStatus.CONNECTED);
  }
});

Deno.test("enet peer: once connected, each end asks the other for a gentle unreliable throttle", () => {
  const server = pureServer(), client = pureClient();
  const s = { hostname: "10.0.0.1", port: 7000 }, c = { hostname: "10.0.0.2", port: 5000 };
  const seen: { dir: string; fields: number[] }[] = [];
  client.connect(s, 0);
  for (let t = 0; t < 50; t++) {
    for (
      const [from, to, at, dir] of [[client, server, c, "c2s"], [server, client, s, "s2c"]] as const
    ) {
      for (let tx = from.pollTransmit(t); tx; tx = from.pollTransmit(t)) {
        for (const cmd of decodeDatagram(tx.bytes)?.commands ?? []) {
          if (cmd.command !== 11) continue; // THROTTLE_CONFIGURE
          const f = [cmd.throttleInterval, cmd.throttleAcceleration, cmd.throttleDeceleration];
          seen.push({ dir, fields: f });
        }
        to.handleDatagram(tx.bytes.slice(), at, t);
      }
    }
  }
  assert.equal(client.status, ConnectionStatus.CONNECTED);
  assert.deepEqual(seen, [
    { dir: "c2s", fields: [5000, 32, 1] },
    { dir: "s2c", fields: [5000, 32, 1] },
  ]);
});
