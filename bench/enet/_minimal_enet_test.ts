import assert from "node:assert/strict";
import { MinimalEnetEcho } from "./_minimal_enet.ts";

const CLIENT_ID = 1575266357;

/** A CONNECT from client index 5 (header without sent time), connect id 0xA1B2C3D4. */
function connectDatagram(): Uint8Array {
  const d = new Uint8Array(2 + 48);
  const v = new DataView(d.buffer);
  v.setUint16(0, 0x0fff);
  d[2] = 0x82, d[3] = 0xff, v.setUint16(4, 1);
  v.setUint16(6, 5);
  d[8] = 0xff, d[9] = 0xff;
  [1400, 65536, 3, 0, 0, 5000, 2, 2].forEach((x, i) => v.setUint32(10 + 4 * i, x));
  v.setUint32(42, 0xa1b2c3d4);
  v.setUint32(46, CLIENT_ID);
  return d;
}

/** A datagram with sent time 0x1234 carrying one reliable Godot message on channel 1. */
function reliableDatagram(seq: number, payload: number[]): Uint8Array {
  const length = 8 + payload.length;
  const d = new Uint8Array(4 + 6 + length);
  const v = new DataView(d.buffer);
  v.setUint16(0, 0x8000), v.setUint16(2, 0x1234);
  d[4] = 0x86, d[5] = 1, v.setUint16(6, seq), v.setUint16(8, length);
  v.setUint32(10, CLIENT_ID, true), v.setInt32(14, 1, true);
  d.set(payload, 18);
  return d;
}

function answer(echo: MinimalEnetEcho, input: Uint8Array, datagram: Uint8Array): number {
  input.set(datagram);
  return echo.answer(datagram.length, 0x5678);
}

Deno.test("minimal ENet echo: VERIFY_CONNECT echoes the client's parameters", () => {
  const input = new Uint8Array(4096), output = new Uint8Array(8192);
  const echo = new MinimalEnetEcho(input, output);
  const n = answer(echo, input, connectDatagram());
  assert.equal(n, 4 + 44);
  const v = new DataView(output.buffer);
  assert.equal(v.getUint16(0), 0x8000 | 5, "addressed to the client's index, sessions 0");
  assert.equal(output[4], 0x83);
  assert.equal(output[5], 0xff);
  assert.equal(v.getUint16(6), 1);
  assert.equal(v.getUint16(8), 0, "our index");
  assert.deepEqual([output[10], output[11]], [0, 0], "sessions");
  assert.equal(v.getUint32(12), 1400);
  assert.equal(v.getUint32(20), 3, "channel count");
  assert.deepEqual([v.getUint32(32), v.getUint32(36), v.getUint32(40)], [5000, 2, 2]);
  assert.equal(v.getUint32(44), 0xa1b2c3d4, "connect id");
});

Deno.test("minimal ENet echo: acknowledges and echoes a new reliable message once", () => {
  const input = new Uint8Array(4096), output = new Uint8Array(8192);
  const echo = new MinimalEnetEcho(input, output);
  answer(echo, input, connectDatagram());
  const payload = [9, 8, 7, 6, 5];
  const n = answer(echo, input, reliableDatagram(1, payload));
  const v = new DataView(output.buffer);
  assert.equal(n, 4 + 8 + 6 + 8 + payload.length);
  assert.equal(v.getUint16(2), 0x5678, "our sent time");
  assert.deepEqual([output[4], output[5], v.getUint16(6)], [0x01, 1, 1], "ACK header");
  assert.deepEqual([v.getUint16(8), v.getUint16(10)], [1, 0x1234], "acked seq, echoed time");
  assert.deepEqual([output[12], output[13], v.getUint16(14)], [0x86, 1, 1], "our reliable");
  assert.equal(v.getUint16(16), 8 + payload.length);
  assert.equal(v.getUint32(18, true), 1, "source: the server");
  assert.equal(v.getUint32(22, true), CLIENT_ID, "target: the client");
  assert.deepEqual([...output.subarray(26, 26 + payload.length)], payload);
  // a retransmission of the same message is acknowledged again, not echoed twice
  assert.equal(answer(echo, input, reliableDatagram(1, payload)), 4 + 8);
  // the next one takes our next sequence number
  answer(echo, input, reliableDatagram(2, payload));
  assert.equal(v.getUint16(14), 2);
});

Deno.test("minimal ENet echo: short, truncated and random datagrams never throw", () => {
  const input = new Uint8Array(4096), output = new Uint8Array(8192);
  const echo = new MinimalEnetEcho(input, output);
  assert.equal(answer(echo, input, reliableDatagram(1, [1])), 0, "nothing before CONNECT");
  answer(echo, input, connectDatagram());
  const full = reliableDatagram(1, [1, 2, 3]);
  for (let cut = 0; cut < full.length; cut++) {
    const n = answer(echo, input, full.subarray(0, cut));
    assert.ok(n === 0 || n === 4 + 8, `cut at ${cut}: no echo of a truncated message`);
  }
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const d = new Uint8Array(1 + (i % 300));
    for (let j = 0; j < d.length; j++) d[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const n = answer(echo, input, d);
    assert.ok(n >= 0 && n <= output.length);
  }
});
