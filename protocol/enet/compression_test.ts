import assert from "node:assert/strict";
import { MultiplayerError } from "../errors.ts";
import { decodeDatagram } from "./codec.ts";
import type { DatagramCompressor } from "./compressor.ts";
import { EnetFlag, EnetPacketFlag } from "./constants.ts";
import { EnetHost } from "./host.ts";
import { resolveOptions } from "./options.ts";
import { EnetPeer } from "./peer.ts";
import { SimNet } from "./_sim.ts";

/** Run-length coding: pairs of (count, byte). Tiny, but shrinks zero-filled packets a lot. */
const rle: DatagramCompressor = {
  compress(src, dst) {
    let o = 0;
    for (let i = 0; i < src.length;) {
      let n = 1;
      while (i + n < src.length && src[i + n] === src[i] && n < 255) n++;
      if (o + 2 > dst.length) return 0;
      dst[o++] = n;
      dst[o++] = src[i];
      i += n;
    }
    return o;
  },
  decompress(src, dst) {
    if (src.length % 2 !== 0) return -1;
    let o = 0;
    for (let i = 0; i < src.length; i += 2) {
      if (src[i] === 0 || o + src[i] > dst.length) return -1;
      dst.fill(src[i + 1], o, o + src[i]);
      o += src[i];
    }
    return o;
  },
};

const S = { hostname: "10.0.0.1", port: 1 };
const C = { hostname: "10.0.0.2", port: 2 };

Deno.test("compression: bodies are compressed only when smaller, flagged, and restored", () => {
  for (const checksum of [false, true]) {
    const net = new SimNet(1);
    const server = net.add(S, { autoAccept: true, compressor: rle, checksum });
    const client = net.add(C, { compressor: rle, checksum });
    let compressed = 0, plain = 0;
    net.tap = (_f, _t, bytes) => {
      const word = (bytes[0] << 8) | bytes[1];
      if (word & EnetFlag.HEADER_COMPRESSED) compressed++;
      else plain++;
    };
    const peer = client.host.connect(S, 2, 5, 0);
    assert.ok(net.run(1000, () => peer.connected && server.of("connect").length === 1));
    peer.send(1, new Uint8Array(1300), EnetPacketFlag.RELIABLE, net.now);
    peer.send(1, new Uint8Array(9000), EnetPacketFlag.RELIABLE, net.now);
    const random = Uint8Array.from({ length: 500 }, (_, i) => (i * 97 + 13) & 255);
    peer.send(0, random, 0, net.now);
    assert.ok(net.run(net.now + 1000, () => server.of("receive").length === 3));
    assert.deepEqual(server.of("receive").map((e) => e.data.length), [1300, 9000, 500]);
    assert.deepEqual(server.of("receive")[2].data, random);
    assert.ok(
      compressed > 0 && plain > 0,
      `${compressed} compressed, ${plain} plain (checksum ${checksum})`,
    );
  }
});

Deno.test("compression: a compressed datagram without a compressor, or a bad one, is dropped", () => {
  const net = new SimNet(2);
  const server = net.add(S, { autoAccept: true });
  const client = net.add(C, { compressor: rle });
  const peer = client.host.connect(S, 1, 0, 0); // CONNECT does not shrink under RLE: sent plain
  assert.ok(net.run(1000, () => peer.connected));
  peer.send(0, new Uint8Array(1000), EnetPacketFlag.RELIABLE, net.now); // this one shrinks
  net.run(net.now + 2000);
  assert.equal(server.of("receive").length, 0, "the server cannot read compressed datagrams");
  const broken: DatagramCompressor = {
    compress: rle.compress,
    decompress: () => {
      throw new Error("boom");
    },
  };
  const net2 = new SimNet(3);
  const s2 = net2.add(S, { autoAccept: true, compressor: broken });
  const c2 = net2.add(C, { compressor: rle });
  const p2 = c2.host.connect(S, 1, 0, 0);
  assert.ok(net2.run(1000, () => p2.connected));
  p2.send(0, new Uint8Array(1000), EnetPacketFlag.RELIABLE, net2.now);
  net2.run(net2.now + 2000);
  assert.equal(s2.of("receive").length, 0, "a throwing decompressor only drops the datagram");
});

Deno.test("checksum: a corrupted datagram is dropped when checksums are on", () => {
  const net = new SimNet(4);
  const server = net.add(S, { autoAccept: true, checksum: true });
  const client = net.add(C, { checksum: true });
  const peer = client.host.connect(S, 1, 0, 0);
  assert.ok(net.run(1000, () => peer.connected && server.of("connect").length === 1));
  net.filter = (from, _to, bytes) => {
    if (from === C && bytes.length > 20) bytes[bytes.length - 1] ^= 0xff;
    return false;
  };
  peer.send(0, new Uint8Array(100).fill(3), EnetPacketFlag.RELIABLE, net.now);
  net.run(net.now + 300);
  assert.equal(server.of("receive").length, 0);
  net.filter = () => false;
  assert.ok(
    net.run(net.now + 3000, () => server.of("receive").length === 1),
    "the retransmission gets through",
  );
});

Deno.test("standalone peer: EnetPeer.connect talks to a host without one of its own", () => {
  const server = new EnetHost({ autoAccept: true });
  const peer = EnetPeer.connect(S, 2, 31, 0);
  let now = 0;
  for (; now < 200 && !(peer.connected && server.connectedPeers === 1); now += 5) {
    for (let d = peer.pollTransmit(now); d; d = peer.pollTransmit(now)) {
      server.handleDatagram(d, C, now);
    }
    for (let t = server.pollTransmit(now); t; t = server.pollTransmit(now)) {
      peer.handleDatagram(t.bytes, now);
    }
    peer.handleTimeout(now);
    server.handleTimeout(now);
  }
  assert.equal(peer.pollEvent()?.type, "connect");
  const connect = server.pollEvent();
  assert.equal(connect?.type, "connect");
  assert.equal(connect?.type === "connect" && connect.data, 31);
  assert.equal(decodeDatagram(new Uint8Array([0, 0, 0x85, 0xff, 0, 9]))?.commands.length, 1);
});

Deno.test("options: bad values are refused with INVALID_ARGUMENT", () => {
  for (
    const bad of [{ peerLimit: 0 }, { peerLimit: 4096 }, { mtu: 100 }, { channelLimit: 256 }, {
      shedding: "x" as "enet",
    }]
  ) {
    assert.throws(
      () => resolveOptions(bad),
      (e: unknown) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
    );
  }
  assert.throws(() => new EnetHost({ peerLimit: 1 }).connect(S, 1.5, 0, 0), MultiplayerError);
  const host = new EnetHost({ peerLimit: 1 });
  host.connect(S, 1, 0, 0);
  assert.throws(
    () => host.connect(S, 1, 0, 0),
    (e: unknown) => e instanceof MultiplayerError && e.code === "QUEUE_FULL",
  );
});
