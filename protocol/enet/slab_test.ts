import assert from "node:assert/strict";
import { decodeDatagram } from "./codec.ts";
import { EnetPacketFlag } from "./constants.ts";
import { CopySlab } from "./slab.ts";
import { SimNet } from "./_sim.ts";

Deno.test("slab: copies outlive their source, share chunks 8-byte aligned, never overlap", () => {
  const slab = new CopySlab(256, 64);
  const source = new Uint8Array(100).map((_, i) => i);
  const copies: [Uint8Array, number][] = [];
  for (let i = 0; i < 60; i++) {
    const start = i % 37, end = start + (i % 50);
    copies.push([slab.copy(source, start, end), start]);
  }
  source.fill(0xee);
  for (const [c, start] of copies) {
    assert.equal(c.byteOffset % 8, 0);
    assert.ok(c.every((v, k) => v === start + k), "content kept");
  }
  // a chunk filled up moves on to a new one; a copy never straddles two
  const buffers = new Set(copies.map(([c]) => c.buffer));
  assert.ok(buffers.size > 1);
  for (const [c] of copies) assert.ok(c.byteOffset + c.length <= 256);
});

Deno.test("slab: ranges above the shared limit get buffers of their own; alloc is zeroed", () => {
  const slab = new CopySlab(256, 64);
  const big = slab.copy(new Uint8Array(200).fill(3), 10, 110);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 100);
  const a = slab.alloc(10), b = slab.alloc(10);
  assert.ok(a.every((v) => v === 0) && b.every((v) => v === 0));
  a.fill(1);
  assert.ok(b.every((v) => v === 0), "separate regions");
  assert.equal(slab.alloc(100).buffer.byteLength, 100);
});

Deno.test("slab: with sharedBuffers, received packets and sent datagrams stay intact", () => {
  const net = new SimNet(3);
  const S = { hostname: "10.0.0.1", port: 1 }, C = { hostname: "10.0.0.2", port: 2 };
  const server = net.add(S, { autoAccept: true, sharedBuffers: true });
  const client = net.add(C, { sharedBuffers: true });
  const peer = client.host.connect(S, 2, 0, 0);
  assert.ok(net.run(5000, () => peer.connected && server.of("connect").length === 1));
  const remote = server.of("connect")[0].peer;
  const sent: [Uint8Array, Uint8Array][] = [];
  net.tap = (from, _to, bytes) => {
    if (from === S) sent.push([bytes, bytes.slice()]);
  };
  const packet = (i: number) => new Uint8Array(1 + (i * 7) % 1200).fill(i & 0xff);
  for (let i = 0; i < 300; i++) {
    peer.send(1, packet(i), EnetPacketFlag.RELIABLE, net.now);
    remote.send(1, packet(i), EnetPacketFlag.RELIABLE, net.now);
    if (i % 40 === 0) net.run(net.now + 1);
  }
  assert.ok(net.run(net.now + 2000, () => server.of("receive").length === 300));
  assert.ok(net.run(net.now + 2000, () => client.of("receive").length === 300));
  for (const node of [server, client]) {
    node.of("receive").forEach((e, i) => {
      assert.deepEqual(e.data, packet(i), `packet ${i}`);
    });
  }
  // every datagram the server handed out is as it was (none was overwritten by a later one)
  assert.ok(sent.length > 10);
  assert.ok(sent.some(([d]) => d.byteOffset > 0), "views of shared buffers");
  for (const [d, copy] of sent) {
    assert.deepEqual(d, copy);
    assert.ok(decodeDatagram(d)?.complete);
  }
});

Deno.test("slab: packets from datagrams given away are views of them; copies otherwise", () => {
  const run = (owned: boolean, compress: boolean) => {
    const net = new SimNet(4);
    net.ownedDelivery = owned;
    const S = { hostname: "10.0.0.1", port: 1 }, C = { hostname: "10.0.0.2", port: 2 };
    // run-length coding of the zero-filled packets below: every datagram is compressed
    const compressor = compress
      ? {
        compress: (src: Uint8Array, dst: Uint8Array) => {
          let o = 0;
          for (let i = 0; i < src.length;) {
            let n = 1;
            while (i + n < src.length && src[i + n] === src[i] && n < 255) n++;
            if (o + 2 > dst.length) return 0;
            dst[o++] = n, dst[o++] = src[i], i += n;
          }
          return o;
        },
        decompress: (src: Uint8Array, dst: Uint8Array) => {
          let o = 0;
          for (let i = 0; i + 1 < src.length; i += 2) {
            if (src[i] === 0 || o + src[i] > dst.length) return -1;
            dst.fill(src[i + 1], o, o += src[i]);
          }
          return o;
        },
      }
      : undefined;
    const server = net.add(S, { autoAccept: true, compressor });
    const client = net.add(C, { compressor });
    const peer = client.host.connect(S, 2, 0, 0);
    assert.ok(net.run(5000, () => peer.connected && server.of("connect").length === 1));
    const packet = (i: number) => new Uint8Array(20 + (i * 13) % 300).fill(i % 3);
    const flags = [EnetPacketFlag.RELIABLE, 0, EnetPacketFlag.UNSEQUENCED];
    for (let i = 0; i < 90; i++) peer.send(i % 2, packet(i), flags[i % 3], net.now);
    peer.send(1, new Uint8Array(5000).fill(1), EnetPacketFlag.RELIABLE, net.now); // fragments
    assert.ok(net.run(net.now + 2000, () => server.of("receive").length === 91));
    const received = server.of("receive");
    const big = received.find((e) => e.data.length === 5000);
    assert.deepEqual(big?.data, new Uint8Array(5000).fill(1), "reassembled");
    const small = received.filter((e) => e.data.length < 5000);
    const views = small.filter((e) => net.delivered.has(e.data.buffer)).length;
    return { views, small: small.length, received };
  };
  const owned = run(true, false);
  assert.equal(owned.views, owned.small, "every whole packet is a view of its datagram");
  const copied = run(false, false);
  assert.equal(copied.views, 0);
  const compressed = run(true, true);
  assert.equal(compressed.views, 0, "a decompressed datagram is scratch memory: copied");
  // the same packets arrive either way, and a view outlives later datagrams unchanged
  const bytes = (r: typeof owned) => r.received.map((e) => Array.from(e.data).join(",")).sort();
  assert.deepEqual(bytes(owned), bytes(copied));
  assert.deepEqual(bytes(compressed), bytes(copied));
});
