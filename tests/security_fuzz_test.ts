/**
 * Fuzz: >= 200 000 hostile datagrams. Most are driven into a protocol server in-process (fast,
 * deterministic, and from a connected victim's own address so they reach the deep decoders);
 * the rest are thrown at a LIVE UDP server on 127.0.0.1 while its clients stream reliably.
 * Seeds and crafted datagrams come from tests/fuzz_corpus/corpus.json; a failure names its
 * seed and index so it replays.
 */
import assert from "node:assert/strict";
import { Connection } from "../protocol/connection/connection.ts";
import type { ConnectionConfig } from "../protocol/connection/types.ts";
import { TransferMode } from "../protocol/constants.ts";
import { SYSTEM_CHANNEL } from "../protocol/wire/control.ts";
import { FakeNet, type Node } from "../protocol/host/_test_util.ts";
import { UdpMultiplayerPeer } from "../mod.ts";
import { fromHex, FuzzGen } from "./helpers/fuzz_gen.ts";
import { closeAll, pumpUntil, record } from "./helpers/udp_session.ts";

import corpus from "./fuzz_corpus/corpus.json" with { type: "json" };

const crafted = corpus.crafted.map(fromHex);
const IN_PROCESS_PER_SEED = 40_000;
const LIVE_PER_SEED = 25_000;
const R = TransferMode.RELIABLE;
const enc = new TextEncoder();
const PROTO = new Uint8Array([
  0x82,
  0xa9,
  ...enc.encode("__proto__"),
  0x81,
  0xa8,
  ...enc.encode("polluted"),
  0xc3,
  0xa1,
  0x61,
  0x01,
]);
const real = (c: ConnectionConfig) => new Connection(c);
const LIMITS = { maxInboundPackets: 512, maxTotalReassemblyBytes: 4 << 20 };
const samples: Uint8Array[] = []; // genuine datagrams captured in-process, reused live

function assertClean(): void {
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "prototype polluted");
}

Deno.test("fuzz (in-process): hostile datagrams at a server with streaming clients", () => {
  let total = 0;
  const heapBefore = Deno.memoryUsage().heapUsed;
  for (const seed of corpus.seeds) {
    const net = new FakeNet();
    const opts = { createConnection: real } as object;
    const s = net.add({ role: "server", ...LIMITS, ...opts }, 1000);
    const [a, b, v] = [2001, 2002, 2003].map((port) => {
      const c = net.add({ role: "client", ...opts }, port);
      c.host.connect(s.address, net.now);
      net.pump();
      return c;
    });
    // capture the victim's genuine traffic to the server as mutation material
    net.filter = (from, _to, bytes) => {
      if (from === v && samples.length < 2000) samples.push(bytes.slice());
      return true;
    };
    const gen = new FuzzGen(seed, samples);
    const sentA: number[] = [], sentB: number[] = [];
    const stream = () => {
      for (let i = 0; i < 3; i++) {
        sentA.push(sentA.length);
        a.host.send(b.host.uniqueId, new Uint8Array([7, ...u32(sentA.length - 1)]), R, 0, net.now);
        sentB.push(sentB.length);
        b.host.send(1, new Uint8Array([8, ...u32(sentB.length - 1)]), R, 1, net.now);
      }
      if (v.host.status === 2) {
        v.host.send(0, PROTO, R, 0, net.now); // relayed to a and b: they only count them
        v.host.peerConnection(1)?.send(SYSTEM_CHANNEL, R, PROTO, undefined, net.now);
        s.host.peerConnection(v.host.uniqueId)?.send(SYSTEM_CHANNEL, R, PROTO, undefined, net.now);
      }
    };
    const throwAt = (bytes: Uint8Array, i: number) => {
      const to: Node = i % 7 === 0 ? a : s;
      const from = to === a ? s.address : (i % 3 === 0 ? fake(i) : v.address);
      try {
        to.host.handleDatagram(bytes, from, net.now);
      } catch (e) {
        throw new Error(`seed ${seed} #${i}: handleDatagram threw ${e}`);
      }
    };
    crafted.forEach((bytes, i) => throwAt(bytes, i * 3 + 1));
    for (let i = 0; i < IN_PROCESS_PER_SEED; i++) {
      throwAt(gen.next(), i);
      if (i % 500 === 0) {
        stream();
        net.advance(5, 5);
        net.log.length = 0; // the test network's own datagram log is not server memory
        assert.ok(s.host.inboundCount <= LIMITS.maxInboundPackets);
        assert.ok(s.host.reassemblyBytes <= LIMITS.maxTotalReassemblyBytes);
        assert.ok(s.host.peerCount <= 3, `seed ${seed} #${i}: peers appeared`);
      }
    }
    total += IN_PROCESS_PER_SEED + crafted.length;
    net.advance(3000, 20);
    const fromA = b.packets.filter((p) => p.from === a.host.uniqueId).map((p) => readU32(p.data));
    const fromB = s.packets.filter((p) => p.from === b.host.uniqueId).map((p) => readU32(p.data));
    assert.deepEqual(fromA, sentA, `seed ${seed}: a -> b stream`);
    assert.deepEqual(fromB, sentB, `seed ${seed}: b -> server stream`);
    assert.equal(a.host.status, 2);
    assert.equal(b.host.status, 2);
    assertClean();
  }
  const growth = Deno.memoryUsage().heapUsed - heapBefore;
  console.log(`in-process: ${total} datagrams, heap growth ${(growth / 1e6).toFixed(1)} MB`);
  assert.ok(total >= 160_000);
  assert.ok(growth < 96e6, `heap grew ${growth} bytes`);
});

Deno.test("fuzz (live): hostile datagrams at a UDP server while clients stream", async () => {
  const server = record(new UdpMultiplayerPeer());
  await server.peer.createServer(0, { bindAddress: "127.0.0.1", ...LIMITS });
  const a = record(new UdpMultiplayerPeer()), b = record(new UdpMultiplayerPeer());
  const all = [server, a, b];
  const attacker = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const targets = [server, a, b].map((r) => ({
    transport: "udp" as const,
    hostname: "127.0.0.1",
    port: r.peer.localPort,
  }));
  try {
    await a.peer.createClient("127.0.0.1", server.peer.localPort);
    await b.peer.createClient("127.0.0.1", server.peer.localPort);
    await pumpUntil(
      all,
      () =>
        a.peer.getConnectionStatus() === 2 &&
        b.peer.getConnectionStatus() === 2 &&
        a.events.some((e) => e.type === "peer_connected" && e.id === b.peer.getUniqueId()),
      5000,
      "connect",
    );
    targets[1].port = a.peer.localPort;
    targets[2].port = b.peer.localPort;
    const heapBefore = Deno.memoryUsage().heapUsed;
    const n = 400;
    let got = 0, sent = 0;
    for (const seed of corpus.liveSeeds) {
      const gen = new FuzzGen(seed, samples);
      for (let i = 0; i < LIVE_PER_SEED; i += 250) {
        const batch = [];
        for (let j = 0; j < 250; j++) {
          const bytes = i + j < crafted.length ? crafted[i + j] : gen.next();
          batch.push(attacker.send(bytes, targets[(i + j) % 5 === 0 ? 1 : 0]).catch(() => 0));
        }
        await Promise.all(batch);
        sent += 250;
        if (sent % 1000 === 0 && got < n) {
          a.peer.setTargetPeer(b.peer.getUniqueId());
          for (let k = 0; k < 5; k++) a.peer.putVar(got + k);
          got += 5;
        }
        await Promise.all(all.map((r) => r.peer.poll(0)));
      }
    }
    let next = 0;
    await pumpUntil(
      all,
      () => {
        while (b.peer.getAvailablePacketCount() > 0) {
          assert.equal(b.peer.getPacketPeer(), a.peer.getUniqueId());
          assert.equal(b.peer.getVar(), next++);
        }
        return next === got;
      },
      20_000,
      "stream after the fuzz",
    );
    const growth = Deno.memoryUsage().heapUsed - heapBefore;
    console.log(
      `live: ${sent} datagrams, stream of ${got} intact, heap +${(growth / 1e6).toFixed(1)} MB`,
    );
    assert.ok(sent >= 50_000);
    assert.ok(got >= 100);
    assert.equal(server.events.filter((e) => e.type === "peer_connected").length, 2);
    assert.equal(server.events.filter((e) => e.type === "peer_disconnected").length, 0);
    assert.ok(growth < 96e6, `heap grew ${growth} bytes`);
    assertClean();
  } finally {
    await closeAll(all);
    attacker.close();
  }
});

function fake(i: number) {
  return { hostname: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 50000) };
}
function u32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}
function readU32(d: Uint8Array): number {
  return ((d[1] << 24) >>> 0) + (d[2] << 16) + (d[3] << 8) + d[4];
}
