import assert from "node:assert/strict";
import { Host } from "../host/host.ts";
import type { Transmit } from "../host/types.ts";
import type { PeerAddress } from "../address.ts";
import { DisconnectReason } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { TransferMode } from "../constants.ts";
import { godotWebSocketWire, newGodotWebSocketCounters } from "./ws_wire.ts";
import {
  encodeGodotWsSystem,
  frameGodotWs,
  GODOT_WS_MAX_PAYLOAD,
  godotWsFrom,
  godotWsTo,
  GodotWsType,
  readGodotWsSystemId,
} from "./ws_framing.ts";

const noNative = () => {
  throw new Error("no native clients here");
};

function server(options: Parameters<typeof godotWebSocketWire>[0] = {}, maxClients = 32) {
  const counters = newGodotWebSocketCounters();
  const host = new Host({
    role: "server",
    maxClients,
    random: new SeededRandom(7),
    createConnection: noNative,
    wires: { gws: godotWebSocketWire(options, counters) },
  });
  return { host, counters };
}

const socket = (port: number): PeerAddress => ({ hostname: "10.0.0.1", port, transport: "gws" });

interface Out {
  readonly port: number;
  readonly type: number;
  readonly from: number;
  readonly to: number;
  readonly id?: number;
  readonly size: number;
  readonly close?: { code: number; reason: string };
}

function drain(host: Host, now: number): Out[] {
  const out: Out[] = [];
  for (let tx: Transmit | undefined; (tx = host.pollTransmit(now));) {
    const b = tx.bytes;
    out.push(
      tx.close ? { port: tx.to.port, type: -1, from: 0, to: 0, size: 0, close: tx.close } : {
        port: tx.to.port,
        type: b[0],
        from: godotWsFrom(b),
        to: godotWsTo(b),
        id: b[0] === 0 ? undefined : readGodotWsSystemId(b),
        size: b.length,
      },
    );
  }
  return out;
}

function events(host: Host): string[] {
  const out: string[] = [];
  for (let e = host.pollEvent(); e; e = host.pollEvent()) {
    out.push("id" in e ? `${e.type}:${e.id}` : e.type);
  }
  return out;
}

Deno.test("godot ws wire: a new socket gets its id, then the server, then the others, in Godot's order", () => {
  const { host } = server();
  host.handleCarrierOpened(socket(1), 0);
  const [first] = events(host);
  const a = Number(first.split(":")[1]);
  assert.ok(a >= 2);
  assert.deepEqual(drain(host, 0).map((o) => [o.port, o.type, o.id]), [
    [1, GodotWsType.ID, a],
    [1, GodotWsType.ADD, 1],
  ]);
  host.handleCarrierOpened(socket(2), 0);
  const b = Number(events(host)[0].split(":")[1]);
  assert.notEqual(a, b);
  const sent = drain(host, 0).map((o) => [o.port, o.type, o.id]);
  assert.deepEqual(sent.filter((o) => o[0] === 2), [
    [2, GodotWsType.ID, b],
    [2, GodotWsType.ADD, 1],
    [2, GodotWsType.ADD, a],
  ]);
  assert.deepEqual(sent.filter((o) => o[0] === 1), [[1, GodotWsType.ADD, b]]);
  // system messages come from 1 to 0
  host.handleCarrierClosed(socket(1), DisconnectReason.CLOSED, 0);
  assert.deepEqual(events(host), [`peer_disconnected:${a}`]);
  assert.deepEqual(drain(host, 0).map((o) => [o.port, o.type, o.from, o.to, o.id]), [
    [2, GodotWsType.DEL, 1, 0, a],
  ]);
});

Deno.test("godot ws wire: refused and full servers close the socket with the reason's code", () => {
  const { host } = server({}, 1);
  host.handleCarrierOpened(socket(1), 0);
  drain(host, 0);
  host.handleCarrierOpened(socket(2), 0);
  assert.deepEqual(drain(host, 0).map((o) => [o.port, o.close?.code]), [[2, 4004]]);
  host.refuseNewConnections = true;
  host.handleCarrierOpened(socket(3), 0);
  const [refused] = drain(host, 0);
  assert.equal(refused.close?.code, 4003);
  assert.match(refused.close!.reason, /refuses new connections/);
  assert.deepEqual(events(host).length, 1); // only the first one joined
});

Deno.test("godot ws wire: data is routed with the true sender; forged, short and wrong-type messages are dropped and counted", () => {
  const { host, counters } = server();
  host.handleCarrierOpened(socket(1), 0);
  host.handleCarrierOpened(socket(2), 0);
  const [a, b] = events(host).map((e) => Number(e.split(":")[1]));
  drain(host, 0);
  host.handleDatagram(frameGodotWs(0, a, b, new Uint8Array([7])), socket(1), 0);
  assert.deepEqual(drain(host, 0).map((o) => [o.port, o.from, o.to, o.size]), [[2, a, b, 10]]);
  host.handleDatagram(frameGodotWs(0, b, 1, new Uint8Array([8])), socket(1), 0); // claims b
  host.handleDatagram(new Uint8Array([0, 1]), socket(1), 0);
  host.handleDatagram(encodeGodotWsSystem(GodotWsType.ADD, 5), socket(1), 0);
  host.handleDatagram(frameGodotWs(0, a, 1, new Uint8Array([9])), socket(99), 0); // unknown
  assert.deepEqual(drain(host, 0), []);
  assert.equal(host.inboundCount, 0);
  assert.deepEqual(
    [counters.forgedSender, counters.shortMessages, counters.badType, counters.unknownSocket],
    [1, 1, 1, 1],
  );
  host.handleDatagram(frameGodotWs(0, a, 0, new Uint8Array([1, 2])), socket(1), 0);
  const p = host.pollPacket()!;
  assert.deepEqual([p.from, p.channel, p.mode, [...p.data]], [a, 0, TransferMode.RELIABLE, [1, 2]]);
  assert.deepEqual(drain(host, 0).map((o) => [o.port, o.from, o.to]), [[2, a, 0]]);
});

Deno.test("godot ws wire: sends are paced to what a Godot client buffers; late unreliable packets are shed", () => {
  const pacing = { bytes: 10_000, packets: 100, intervalMs: 50 };
  const { host, counters } = server({ pacing });
  host.handleCarrierOpened(socket(1), 0);
  const a = Number(events(host)[0].split(":")[1]);
  drain(host, 0);
  const payload = new Uint8Array(991); // 1000 B with the header
  for (let i = 0; i < 30; i++) host.send(a, payload, TransferMode.RELIABLE, 0, 0);
  assert.equal(drain(host, 0).length, 10 - 1); // the two system messages used part of the bucket
  assert.equal(host.pollTimeout(), 1); // 26 B short: refilled at 200 B/ms
  host.handleTimeout(1);
  assert.equal(drain(host, 1).length, 1);
  host.handleTimeout(50);
  assert.equal(drain(host, 50).length, 9);
  // unreliable packets that would only wait behind the backlog are dropped, not queued
  for (let i = 0; i < 20; i++) host.send(a, payload, TransferMode.UNRELIABLE, 0, 50);
  assert.ok(counters.shed > 0, `${counters.shed}`);
  assert.equal(host.peerStats(a, 50).unreliableDropped, counters.shed);
  let delivered = 0;
  for (let t = 55; t <= 400; t += 5) {
    host.handleTimeout(t);
    delivered += drain(host, t).length;
  }
  assert.equal(delivered, 30 - 19 + 20 - counters.shed);
});

Deno.test("godot ws wire: a reliable packet over the pacing queue bound throws QUEUE_FULL; too large throws PACKET_TOO_LARGE", () => {
  const { host, counters } = server({ maxQueuedBytes: 65_536 });
  host.handleCarrierOpened(socket(1), 0);
  const a = Number(events(host)[0].split(":")[1]);
  const big = new Uint8Array(30_000);
  host.send(a, big, TransferMode.RELIABLE, 0, 0);
  host.send(a, big, TransferMode.RELIABLE, 0, 0);
  assert.throws(
    () => host.send(a, big, TransferMode.RELIABLE, 0, 0),
    (e: Error & { code?: string }) => e.code === "QUEUE_FULL",
  );
  assert.equal(counters.queueFull, 1);
  assert.throws(
    () => host.send(a, new Uint8Array(GODOT_WS_MAX_PAYLOAD + 1), TransferMode.RELIABLE, 0, 0),
    (e: Error & { code?: string }) => e.code === "PACKET_TOO_LARGE" && /65526/.test(e.message),
  );
});

Deno.test("godot ws wire: a graceful drop closes after what was queued; a server close closes every socket", () => {
  const pacing = { bytes: 2000, packets: 100, intervalMs: 10 };
  const { host } = server({ pacing });
  host.handleCarrierOpened(socket(1), 0);
  host.handleCarrierOpened(socket(2), 0);
  const [a] = events(host).map((e) => Number(e.split(":")[1]));
  drain(host, 0);
  for (let i = 0; i < 5; i++) host.send(a, new Uint8Array(991), TransferMode.RELIABLE, 0, 0);
  host.disconnectPeer(a, 0); // graceful: once what is queued went out
  let sent: Out[] = [];
  for (let t = 0; t <= 100; t += 5) {
    host.handleTimeout(t);
    sent = sent.concat(drain(host, t).filter((o) => o.port === 1));
  }
  assert.deepEqual(sent.map((o) => o.close?.code ?? o.size), [1000, 1000, 1000, 1000, 1000, 1000]);
  host.close(200);
  const closing = drain(host, 200);
  assert.deepEqual(closing.map((o) => [o.port, o.close?.code]), [[2, 1000]]);
});

function client() {
  const host = new Host({
    role: "client",
    random: new SeededRandom(3),
    createConnection: noNative,
    wires: { gws: godotWebSocketWire({ connectTimeoutMs: 1000 }) },
  });
  const address: PeerAddress = { hostname: "game.example", port: 443, transport: "gws" };
  host.connect(address, 0);
  return { host, address };
}

Deno.test("godot ws wire: a client is connected once the server sent its id and itself", () => {
  const { host, address } = client();
  host.handleDatagram(encodeGodotWsSystem(GodotWsType.ID, 1234), address, 1);
  assert.deepEqual(events(host), []);
  host.handleDatagram(encodeGodotWsSystem(GodotWsType.ADD, 1), address, 2);
  host.handleDatagram(encodeGodotWsSystem(GodotWsType.ADD, 77), address, 3);
  assert.deepEqual(events(host), ["peer_connected:1", "connection_succeeded", "peer_connected:77"]);
  assert.equal(host.uniqueId, 1234);
  host.send(77, new Uint8Array([5]), TransferMode.UNRELIABLE, 0, 4);
  assert.deepEqual(drain(host, 4).map((o) => [o.type, o.from, o.to, o.size]), [[0, 1234, 77, 10]]);
  host.handleDatagram(frameGodotWs(0, 77, 1234, new Uint8Array([6])), address, 5);
  assert.equal(host.pollPacket()?.from, 77);
  host.handleDatagram(encodeGodotWsSystem(GodotWsType.DEL, 77), address, 6);
  assert.deepEqual(events(host), ["peer_disconnected:77"]);
  host.handleCarrierClosed(address, DisconnectReason.CLOSED, 7);
  assert.deepEqual(events(host), ["server_disconnected"]);
});

Deno.test("godot ws wire: a client fails on a server that announces itself before our id, or says nothing", () => {
  const early = client();
  early.host.handleDatagram(encodeGodotWsSystem(GodotWsType.ADD, 1), early.address, 1);
  const failed = early.host.pollEvent();
  assert.equal(failed?.type, "connection_failed");
  assert.equal(drain(early.host, 1)[0].close?.code, 4008);
  const silent = client();
  assert.equal(silent.host.pollTimeout(), 1000);
  silent.host.handleTimeout(1000);
  const e = silent.host.pollEvent();
  assert.ok(e?.type === "connection_failed" && /no Godot id within 1000 ms/.test(e.message));
  const gone = client();
  gone.host.handleCarrierClosed(gone.address, DisconnectReason.CLOSED, 1, "HTTP 404 at /x");
  const g = gone.host.pollEvent();
  assert.ok(g?.type === "connection_failed" && g.message === "HTTP 404 at /x");
});
