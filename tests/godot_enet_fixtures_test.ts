/**
 * Datagrams of real Godot 3.2 NetworkedMultiplayerENet sessions (tests/fixtures/godot_enet/,
 * made by tests/fixtures/make_godot_enet_fixtures.ts) decoded with this module's ENet codec and
 * Godot framing: the handshake's fields, every transfer mode's command and channel, fragments,
 * the config channel's announcements, ping, bandwidth limit, disconnect, and the compressed body
 * of each compression mode. The Godot client's side is then replayed into a pure server host on
 * the Godot wire, which must admit the client and deliver its packets as Godot's server did.
 * Needs --allow-read.
 */
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { decodeDatagram, type DecodedCommandCopy } from "../protocol/enet/codec.ts";
import {
  encodeSysMsg,
  GodotSysMsg,
  modeOfEnetFlags,
  readSource,
  readTarget,
} from "../protocol/godot/enet_framing.ts";
import { type CompressionMode, createCompressor } from "../protocol/compression/mod.ts";
import { TransferMode } from "../protocol/constants.ts";
import { pureServer, takeEvents } from "./godot_enet/_pure.ts";
import { patternBytes } from "./godot/payloads.ts";
import type { Host } from "../protocol/host/host.ts";

interface Fixture {
  godot: string;
  mode: number;
  clientId: number;
  otherId?: number;
  datagrams: { name: string; dir: "c2s" | "s2c"; b64: string }[];
}

const DIR = new URL("./fixtures/godot_enet/", import.meta.url);

async function load(name: string): Promise<{ f: Fixture; get: (n: string) => Uint8Array }> {
  const f = JSON.parse(await Deno.readTextFile(new URL(name, DIR))) as Fixture;
  const get = (n: string) => {
    const d = f.datagrams.find((x) => x.name === n);
    if (!d) throw new Error(`${name}: no datagram ${n}`);
    return Uint8Array.from(atob(d.b64), (c) => c.charCodeAt(0));
  };
  return { f, get };
}

/** The commands of a datagram (decompressed first with `mode`'s codec when flagged). */
function commandsOf(bytes: Uint8Array, mode = 0): DecodedCommandCopy[] {
  let plain = bytes;
  if ((bytes[0] & 0x40) !== 0) {
    const header = (bytes[0] & 0x80) !== 0 ? 4 : 2;
    const body = new Uint8Array(4096);
    const n = createCompressor(mode as CompressionMode, zlib)!.decompress(
      bytes.subarray(header),
      body,
    );
    assert.ok(n > 0, `mode ${mode}: the body decompresses`);
    plain = new Uint8Array(header + n);
    plain.set(bytes.subarray(0, header));
    plain[0] &= ~0x40;
    plain.set(body.subarray(0, n), header);
  }
  const d = decodeDatagram(plain);
  assert.ok(d && d.complete, "a complete ENet datagram");
  return d.commands;
}

function only(bytes: Uint8Array, command: number, mode = 0): DecodedCommandCopy {
  const cs = commandsOf(bytes, mode).filter((c) => c.command === command);
  assert.equal(cs.length, 1, `one command ${command}`);
  return cs[0];
}

/** Godot's data packet: `[source u32 LE, target i32 LE, payload]`. */
function framed(c: DecodedCommandCopy): [number, number, Uint8Array] {
  return [readSource(c.payload), readTarget(c.payload), c.payload.subarray(8)];
}

Deno.test("godot enet fixtures: a real Godot session decodes as Godot's wire", async () => {
  const { f, get } = await load("plain.json");
  const id = f.clientId;
  assert.ok(id > 1 && id < 2 ** 31 && f.otherId! > 1);

  const connectHeader = decodeDatagram(get("connect"))!.header;
  assert.equal(connectHeader.peerId, 0xfff, "no peer index yet");
  assert.equal(connectHeader.hasSentTime, true);
  const connect = only(get("connect"), 2);
  assert.deepEqual(
    [connect.flags, connect.channelId, connect.reliableSeq, connect.mtu, connect.channelCount],
    [0x80, 0xff, 1, 1400, 3],
  );
  assert.deepEqual(
    [connect.throttleInterval, connect.throttleAcceleration, connect.throttleDeceleration],
    [5000, 2, 2],
  );
  assert.deepEqual([connect.incomingBandwidth, connect.outgoingBandwidth], [0, 0]);
  assert.equal(connect.data, id, "the client's Godot id travels in CONNECT's data");

  const verify = only(get("verify_connect"), 3);
  assert.equal(verify.connectId, connect.connectId, "connect id echoed");
  assert.deepEqual([verify.channelCount, verify.mtu, verify.outgoingPeerId], [3, 1400, 0]);
  const ack = only(get("connect_ack"), 1);
  assert.equal(ack.receivedReliableSeq, 1, "the client acknowledges VERIFY_CONNECT");
  assert.equal(decodeDatagram(get("connect_ack"))!.header.peerId, verify.outgoingPeerId);

  // every transfer mode: command, flags, channel, Godot header, and the mode it maps to
  const modes: [string, number, number, number, TransferMode][] = [
    ["c1c1", 6, 0x80, 1, TransferMode.RELIABLE],
    ["c2c2", 7, 0x00, 2, TransferMode.UNRELIABLE_ORDERED],
    ["c3c3", 9, 0x40, 2, TransferMode.UNRELIABLE],
    ["d1d1", 6, 0x80, 1, TransferMode.RELIABLE],
    ["d2d2", 7, 0x00, 2, TransferMode.UNRELIABLE_ORDERED],
    ["d3d3", 9, 0x40, 2, TransferMode.UNRELIABLE],
  ];
  for (const [hex, command, flags, channel, mode] of modes) {
    const c = only(get(`data_${hex}`), command);
    assert.deepEqual([c.flags, c.channelId], [flags, channel], hex);
    const ackFlag = (flags & 0x80) !== 0 ? 1 : 0, unseq = (flags & 0x40) !== 0 ? 2 : 0;
    assert.equal(modeOfEnetFlags(ackFlag | unseq), mode, hex);
    const [source, target, payload] = framed(c);
    const fromClient = hex.startsWith("c");
    assert.deepEqual([source, target], fromClient ? [id, 1] : [1, id], `${hex} header`);
    assert.deepEqual([...payload], [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2), 16)]);
  }

  // a 1500 B reliable packet: two fragments sharing the first's sequence number
  const parts = [only(get("fragment_0"), 8), only(get("fragment_1"), 8)];
  assert.deepEqual(parts.map((p) => [p.fragmentNumber, p.fragmentCount]), [[0, 2], [1, 2]]);
  assert.equal(parts[0].startSeq, parts[0].reliableSeq);
  assert.equal(parts[1].startSeq, parts[0].reliableSeq);
  assert.deepEqual(parts.map((p) => p.fragmentOffset), [0, 1372], "1372 B per fragment");
  const whole = new Uint8Array(parts[0].totalLength);
  for (const p of parts) whole.set(p.payload, p.fragmentOffset);
  assert.equal(whole.length, 1508);
  assert.deepEqual([readSource(whole), readTarget(whole)], [id, 1]);
  assert.deepEqual(whole.subarray(8), patternBytes(1500, 5));

  // the config channel: the server announces the second client, then its leaving
  const add = only(get("add_peer"), 6), remove = only(get("remove_peer"), 6);
  assert.deepEqual([add.channelId, remove.channelId], [0, 0]);
  assert.deepEqual(add.payload, encodeSysMsg(GodotSysMsg.ADD_PEER, f.otherId!));
  assert.deepEqual(remove.payload, encodeSysMsg(GodotSysMsg.REMOVE_PEER, f.otherId!));

  const ping = commandsOf(get("ping"));
  assert.ok(ping.every((c) => c.command === 5 && c.flags === 0x80 && c.channelId === 0xff));
  const bandwidth = only(get("bandwidth_limit"), 10);
  assert.deepEqual([bandwidth.incomingBandwidth, bandwidth.outgoingBandwidth], [0, 0]);
  const bye = only(get("disconnect"), 4);
  assert.equal(bye.flags, 0x40, "close_connection disconnects at once (unsequenced, no ack)");
});

/** Feeds the client's datagrams into `server`, the clock just after the echoed sent time. */
function replay(server: Host, datagrams: Uint8Array[], clock: number) {
  const from = { hostname: "192.0.2.7", port: 40000 };
  const packets: { from: number; channel: number; mode: TransferMode; data: Uint8Array }[] = [];
  const events = [];
  for (const [i, d] of datagrams.entries()) {
    const now = clock + i;
    server.handleDatagram(d, from, now);
    for (let tx = server.pollTransmit(now); tx; tx = server.pollTransmit(now)) {
      assert.equal(tx.to.port, from.port);
    }
    events.push(...takeEvents(server));
    for (let p = server.pollPacket(); p; p = server.pollPacket()) {
      packets.push({ from: p.from, channel: p.channel, mode: p.mode, data: p.data.slice() });
    }
  }
  return { events, packets };
}

/** A clock value (ms) at which ENet accepts the acknowledgement's echoed 16-bit sent time. */
function clockAfter(ack: DecodedCommandCopy): number {
  return 0x10000 * 3 + ack.receivedSentTime + 5;
}

Deno.test("godot enet fixtures: a pure host on the Godot wire admits the replayed Godot client", async () => {
  const { f, get } = await load("plain.json");
  const names = [
    "connect",
    "connect_ack",
    "data_c1c1",
    "data_c2c2",
    "data_c3c3",
    "fragment_0",
    "fragment_1",
    "ping",
    "bandwidth_limit",
    "disconnect",
  ];
  const { events, packets } = replay(
    pureServer(),
    names.map(get),
    clockAfter(only(get("connect_ack"), 1)),
  );
  assert.deepEqual(events, [
    { type: "peer_connected", id: f.clientId },
    { type: "peer_disconnected", id: f.clientId, reason: 1 },
  ]);
  const shown = packets.map((p) => [p.from, p.channel, p.mode, p.data.length]);
  assert.deepEqual(shown, [
    [f.clientId, 0, TransferMode.RELIABLE, 2],
    [f.clientId, 1, TransferMode.UNRELIABLE_ORDERED, 2],
    [f.clientId, 1, TransferMode.UNRELIABLE, 2],
    [f.clientId, 0, TransferMode.RELIABLE, 1500],
  ]);
  assert.deepEqual(packets[3].data, patternBytes(1500, 5));
});

for (const mode of [1, 2, 3, 4]) {
  Deno.test(`godot enet fixtures: compression mode ${mode} decodes and replays`, async () => {
    const { f, get } = await load(`compressed_${mode}.json`);
    assert.equal(f.mode, mode);
    const connect = only(get("connect"), 2, mode);
    assert.equal(connect.data, f.clientId);
    only(get("verify_connect"), 3, mode);
    const up = framed(only(get("data_up"), 6, mode));
    assert.deepEqual([up[0], up[1]], [f.clientId, 1]);
    assert.deepEqual(up[2], patternBytes(600, 1));
    const down = framed(only(get("data_down"), 6, mode));
    assert.deepEqual([down[0], down[1]], [1, f.clientId]);
    assert.deepEqual(down[2], patternBytes(600, 2));
    // flagged compressed, and smaller than header + SEND_RELIABLE + 608 B plain
    for (const name of ["data_up", "data_down"]) {
      const d = get(name);
      assert.ok((d[0] & 0x40) !== 0 && d.length < 4 + 6 + 608, `${name}: ${d.length} B`);
    }

    const server = pureServer({ compressor: createCompressor(mode as CompressionMode, zlib) });
    const ackDatagram = get("connect_ack");
    const { events, packets } = replay(
      server,
      [get("connect"), ackDatagram, get("data_up")],
      clockAfter(only(ackDatagram, 1, mode)),
    );
    assert.deepEqual(events, [{ type: "peer_connected", id: f.clientId }]);
    assert.equal(packets.length, 1);
    assert.deepEqual(packets[0].data, patternBytes(600, 1));
  });
}
