import assert from "node:assert/strict";
import { InboundQueue } from "./_inbound.ts";
import type { PeerEntry } from "./_peer_table.ts";

const limits = {
  maxInboundPackets: 40,
  maxInboundBytes: 1 << 20,
  maxInboundPacketsPerPeer: 30,
  maxInboundBytesPerPeer: 1 << 20,
};
const owner = () => ({ inboundPackets: 0, inboundBytes: 0 }) as PeerEntry;

Deno.test("inbound queue: grows past its first slots, FIFO with sender, channel and mode", () => {
  const q = new InboundQueue(limits);
  const a = owner(), b = owner();
  // wrap the ring before it grows: take a few first
  for (let i = 0; i < 5; i++) assert.ok(q.push(a, 2, 1, 2, new Uint8Array([i])));
  for (let i = 0; i < 5; i++) assert.equal(q.shiftData()?.[0], i);
  for (let i = 0; i < 40; i++) {
    const ok = q.push(i % 2 ? b : a, 2 + (i % 2), i % 3, (i % 3) as 0 | 1 | 2, new Uint8Array([i]));
    assert.equal(ok, i < 40 && (i % 2 ? b : a).inboundPackets <= 30);
  }
  assert.equal(q.push(a, 2, 0, 0, new Uint8Array(1)), false); // maxInboundPackets
  assert.equal(q.length, 40);
  assert.equal(a.inboundPackets + b.inboundPackets, 40);
  for (let i = 0; i < 40; i++) {
    assert.equal(q.nextFrom, 2 + (i % 2));
    assert.equal(q.nextChannel, i % 3);
    assert.equal(q.nextMode, i % 3);
    assert.deepEqual(q.peek()?.data, new Uint8Array([i]));
    assert.equal(q.shiftData()?.[0], i);
    assert.equal(q.lastOwner, i % 2 ? b : a);
  }
  assert.equal(q.shiftData(), undefined);
  assert.equal(q.nextMode, undefined);
  assert.equal(q.bytes, 0);
  assert.equal(a.inboundPackets + b.inboundPackets + a.inboundBytes + b.inboundBytes, 0);
});

Deno.test("inbound queue: per-peer packet limit refuses only that peer", () => {
  const q = new InboundQueue({ ...limits, maxInboundPacketsPerPeer: 2 });
  const a = owner(), b = owner();
  assert.ok(q.push(a, 2, 0, 0, new Uint8Array(1)));
  assert.ok(q.push(a, 2, 0, 0, new Uint8Array(1)));
  assert.equal(q.push(a, 2, 0, 0, new Uint8Array(1)), false);
  assert.ok(q.push(b, 3, 0, 0, new Uint8Array(1)));
  assert.equal(q.shift()?.from, 2);
  assert.ok(q.push(a, 2, 0, 0, new Uint8Array(1)));
});
