import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { unpack } from "npm:msgpackr@1.11.5/unpack";
import {
  beginData,
  beginRun,
  endRun,
  finishData,
  FRAME_MAGIC,
  FrameCursor,
  MAX_DATA_HEADER_BYTES,
  MessageKind as K,
  messageSize,
  peekPacketType,
  peekSessionId,
  runHeaderSize,
  runItemSize,
  writeMessage,
} from "./frame.ts";
import { MsgpackWriter } from "./msgpack.ts";
import { SeededRandom } from "../random.ts";

function sample(): Uint8Array {
  const w = new MsgpackWriter(1200);
  beginData(w, 0xfedcba98, 65535, 12, 0xffffffff, 5, 40);
  const p = new Uint8Array([1, 2, 3]);
  writeMessage(w, K.UNRELIABLE, 1, 0, 0, 0, true, -7, p, 0, 3);
  writeMessage(w, K.UNRELIABLE_ORDERED, 2, 300, 0, 0, false, 0, p, 0, 2);
  writeMessage(w, K.RELIABLE, 0, 65535, 0, 0, true, 2 ** 31 - 1, p, 0, 1);
  writeMessage(w, K.RELIABLE_FRAGMENT, 255, 9, 3, 4, false, 0, p, 1, 3);
  writeMessage(w, K.UNRELIABLE_FRAGMENT, 3, 10, 0, 2, false, 0, p, 0, 3);
  writeMessage(w, K.UNRELIABLE_ORDERED_FRAGMENT, 3, 11, 1, 2, true, 5, p, 0, 0);
  writeMessage(w, K.PING, 0, 0, 0, 0, false, 0, p, 0, 0);
  finishData(w, 7);
  assert.ok(w.pos < 100);
  return w.buf.slice(0, w.pos);
}

Deno.test("frame round-trips through the cursor", () => {
  const d = sample();
  const c = new FrameCursor();
  assert.ok(c.begin(d, 0, d.length));
  assert.deepEqual(
    [c.session, c.seq, c.ack, c.ackBitsLo, c.ackBitsHi, c.ackDelay, c.messageCount],
    [0xfedcba98, 65535, 12, 0xffffffff, 5, 40, 7],
  );
  const seen: unknown[] = [];
  let k;
  while ((k = c.next()) >= 0) {
    seen.push([
      k,
      c.channel,
      c.msgSeq,
      c.index,
      c.count,
      c.hasPeer,
      c.peer,
      c.payloadEnd - c.payloadStart,
    ]);
  }
  assert.equal(k, -2);
  assert.deepEqual(seen.map((s) => (s as number[])[0]), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual((seen[0] as unknown[]).slice(5), [true, -7, 3]);
  assert.deepEqual((seen[1] as unknown[]).slice(1, 3), [2, 300]);
  assert.deepEqual((seen[3] as unknown[]).slice(1), [255, 9, 3, 4, false, 0, 2]);
  assert.deepEqual((seen[5] as unknown[]).slice(1), [3, 11, 1, 2, true, 5, 0]);
  assert.equal(peekPacketType(d), 0);
  assert.equal(peekSessionId(d), 0xfedcba98);
});

Deno.test("msgpackr decodes our frames to the same values (standard msgpack)", () => {
  const v = unpack(sample()) as unknown[];
  assert.deepEqual(v.slice(0, 8), [FRAME_MAGIC, 0, 0xfedcba98, 65535, 12, 0xffffffff, 5, 40]);
  assert.equal(FRAME_MAGIC, 0xd702);
  const m = v.slice(8) as unknown[][];
  assert.equal(m.length, 7);
  assert.deepEqual(m[0].slice(0, 2), [0 | 8 | (1 << 4), -7]);
  assert.deepEqual([...(m[0][2] as Uint8Array)], [1, 2, 3]);
  assert.deepEqual(m[2].slice(0, 3), [2 | 8, 65535, 2 ** 31 - 1]);
  assert.deepEqual(m[3].slice(0, 4), [3 | (255 << 4), 9, 3, 4]);
  assert.deepEqual([...(m[3][4] as Uint8Array)], [2, 3]);
  assert.deepEqual(m[6], [6]);
});

Deno.test("messageSize matches what writeMessage writes", () => {
  const w = new MsgpackWriter(70000);
  const p = new Uint8Array(66000);
  for (const kind of [0, 1, 2, 3, 4, 5, 6]) {
    for (const len of [0, 255, 256, 65536]) {
      for (const [hp, peer] of [[false, 0], [true, -(2 ** 31) + 1], [true, 3]] as const) {
        w.pos = 0;
        writeMessage(w, kind, 200, 65535, 65534, 65535, hp && kind !== 6, peer, p, 0, len);
        assert.equal(
          w.pos,
          messageSize(kind, 200, 65535, 65534, 65535, hp && kind !== 6, peer, len),
        );
      }
    }
  }
  const h = new MsgpackWriter(100);
  beginData(h, 0xffffffff, 65535, 65535, 0xffffffff, 0xffffffff, 0xffff);
  assert.ok(h.pos <= MAX_DATA_HEADER_BYTES);
});

Deno.test("garbage, truncations, mutations and huge lengths never throw and are rejected", () => {
  const d = sample();
  const c = new FrameCursor();
  const run = (b: Uint8Array): boolean => {
    if (!c.begin(b, 0, b.length)) return false;
    let k;
    while ((k = c.next()) >= 0) assert.ok(c.payloadEnd <= b.length && c.payloadStart >= 0);
    return k === -2;
  };
  assert.ok(run(d));
  for (let n = 0; n < d.length; n++) {
    assert.equal(run(d.subarray(0, n)), false, `truncated at ${n}`);
  }
  const trailing = new Uint8Array(d.length + 1);
  trailing.set(d);
  assert.equal(run(trailing), false, "trailing garbage");
  // declared message count larger than present
  const more = d.slice();
  more[2]++;
  assert.equal(run(more), false);
  // huge declared bin length
  const w = new MsgpackWriter(64);
  beginData(w, 1, 1, 0, 0, 0, 0);
  w.arrayHeader(2);
  w.int(0);
  w.buf.set([0xc6, 0x7f, 0xff, 0xff, 0xff], w.pos);
  w.pos += 5;
  finishData(w, 1);
  assert.equal(run(w.buf.subarray(0, w.pos)), false);
  const rnd = new SeededRandom(11);
  for (let i = 0; i < 50000; i++) {
    const m = d.slice();
    const flips = 1 + (rnd.nextU32() % 4);
    for (let f = 0; f < flips; f++) m[rnd.nextU32() % m.length] ^= 1 << (rnd.nextU32() % 8);
    run(m.subarray(0, rnd.next() < 0.2 ? rnd.nextU32() % m.length : m.length));
    run(rnd.fill(new Uint8Array(rnd.nextU32() % 40)));
  }
  assert.equal(peekPacketType(new Uint8Array([0x92, 0xcd, 0xd7])), -1);
  assert.equal(peekSessionId(new Uint8Array([])), -1);
});

/** A datagram of runs: reliable (sequence wrapping), unreliable ordered with a peer, unreliable. */
function runSample(): Uint8Array {
  const w = new MsgpackWriter(1200);
  beginData(w, 77, 5, 4, 0, 0, 0);
  let at = beginRun(w, K.RELIABLE, 1, 65534, false, 0);
  for (let i = 0; i < 4; i++) w.bin(new Uint8Array([10 + i]), 0, 1);
  endRun(w, at, K.RELIABLE, false, 4);
  writeMessage(w, K.PING, 0, 0, 0, 0, false, 0, w.buf, 0, 0);
  at = beginRun(w, K.UNRELIABLE_ORDERED, 2, 9, true, -5);
  for (let i = 0; i < 2; i++) w.bin(new Uint8Array(300).fill(i), 0, 300);
  endRun(w, at, K.UNRELIABLE_ORDERED, true, 2);
  at = beginRun(w, K.UNRELIABLE, 3, 0, false, 0);
  w.bin(new Uint8Array(0), 0, 0);
  endRun(w, at, K.UNRELIABLE, false, 1);
  finishData(w, 4);
  return w.buf.slice(0, w.pos);
}

Deno.test("runs come out of the cursor as messages of their base kind", () => {
  const d = runSample();
  const c = new FrameCursor();
  assert.ok(c.begin(d, 0, d.length));
  assert.equal(c.messageCount, 4, "a run is one element");
  const seen: unknown[] = [];
  let k;
  while ((k = c.next()) >= 0) {
    if (k === K.PING) seen.push([k, c.channel]);
    else if (k === K.UNRELIABLE) {
      seen.push([k, c.channel, c.hasPeer, c.payloadEnd - c.payloadStart]);
    } else seen.push([k, c.channel, c.msgSeq, c.hasPeer, c.peer, d[c.payloadStart]]);
  }
  assert.equal(k, -2);
  assert.deepEqual(seen, [
    [K.RELIABLE, 1, 65534, false, 0, 10],
    [K.RELIABLE, 1, 65535, false, 0, 11],
    [K.RELIABLE, 1, 0, false, 0, 12],
    [K.RELIABLE, 1, 1, false, 0, 13],
    [K.PING, 0],
    [K.UNRELIABLE_ORDERED, 2, 9, true, -5, 0],
    [K.UNRELIABLE_ORDERED, 2, 10, true, -5, 1],
    [K.UNRELIABLE, 3, false, 0],
  ]);
  assert.equal(c.parsed, 4);
  // second pass after rewind sees the same
  c.rewind();
  let again = 0;
  while (c.next() >= 0) again++;
  assert.equal(again, 8);
});

Deno.test("runHeaderSize and runItemSize match what beginRun and bin write", () => {
  const w = new MsgpackWriter(70000);
  for (const base of [K.UNRELIABLE, K.UNRELIABLE_ORDERED, K.RELIABLE]) {
    for (const [hp, peer] of [[false, 0], [true, -(2 ** 31) + 1], [true, 3]] as const) {
      for (const first of [0, 127, 128, 65535]) {
        w.pos = 0;
        const at = beginRun(w, base, 255, first, hp, peer);
        assert.equal(w.pos - at, runHeaderSize(base, 255, first, hp, peer));
        for (const len of [0, 255, 256, 65536]) {
          const before = w.pos;
          w.bin(new Uint8Array(len), 0, len);
          assert.equal(w.pos - before, runItemSize(len));
        }
        endRun(w, at, base, hp, 4);
      }
    }
  }
  // 32-byte messages: 34 per 1200-byte datagram instead of 30
  const header = 30, run = runHeaderSize(K.RELIABLE, 1, 300, false, 0);
  assert.ok(header + run + 34 * runItemSize(32) <= 1200);
});

Deno.test("msgpackr reads a run as one array: tag, base, first, peer, payloads", () => {
  const v = unpack(runSample()) as unknown[];
  const m = v.slice(8) as unknown[][];
  assert.equal(m.length, 4);
  assert.deepEqual(m[0].slice(0, 3), [7 | (1 << 4), K.RELIABLE, 65534]);
  assert.deepEqual((m[0].slice(3) as Uint8Array[]).map((b) => b[0]), [10, 11, 12, 13]);
  assert.deepEqual(m[2].slice(0, 4), [7 | 8 | (2 << 4), K.UNRELIABLE_ORDERED, 9, -5]);
  assert.deepEqual(m[3].length, 3, "unreliable runs carry no sequence");
});

Deno.test("malformed runs are rejected whole, never thrown", () => {
  const c = new FrameCursor();
  const run = (b: Uint8Array): boolean => {
    if (!c.begin(b, 0, b.length)) return false;
    let k;
    while ((k = c.next()) >= 0) assert.ok(c.payloadEnd <= b.length && c.payloadStart >= 0);
    return k === -2;
  };
  const make = (build: (w: MsgpackWriter) => void): Uint8Array => {
    const w = new MsgpackWriter(256);
    beginData(w, 1, 1, 0, 0, 0, 0);
    build(w);
    finishData(w, 1);
    return w.buf.slice(0, w.pos);
  };
  const tag = (ch: number, hp = false) => 7 | (hp ? 8 : 0) | (ch << 4);
  // a good one for reference
  assert.ok(run(make((w) => {
    w.arrayHeader(4);
    w.int(tag(1));
    w.int(K.RELIABLE);
    w.int(3);
    w.bin(new Uint8Array(2), 0, 2);
  })));
  for (
    const [what, build] of [
      ["no payload", (w: MsgpackWriter) => (w.arrayHeader(3), w.int(tag(1)), w.int(2), w.int(3))],
      [
        "fragment base",
        (
          w: MsgpackWriter,
        ) => (w.arrayHeader(4), w.int(tag(1)), w.int(3), w.int(3), w.bin(w.buf, 0, 1)),
      ],
      [
        "ping base",
        (w: MsgpackWriter) => (w.arrayHeader(3), w.int(tag(0)), w.int(6), w.bin(w.buf, 0, 1)),
      ],
      [
        "sequence out of range",
        (
          w: MsgpackWriter,
        ) => (w.arrayHeader(4), w.int(tag(1)), w.int(2), w.int(65536), w.bin(w.buf, 0, 1)),
      ],
      [
        "peer out of range",
        (
          w: MsgpackWriter,
        ) => (w.arrayHeader(5),
          w.int(tag(1, true)),
          w.int(2),
          w.int(1),
          w.int(2 ** 31),
          w.bin(w.buf, 0, 1)),
      ],
      [
        "not a bin",
        (w: MsgpackWriter) => (w.arrayHeader(4), w.int(tag(1)), w.int(2), w.int(1), w.int(5)),
      ],
      [
        "count beyond the bytes",
        (
          w: MsgpackWriter,
        ) => (w.arrayHeader(6), w.int(tag(1)), w.int(2), w.int(1), w.bin(w.buf, 0, 1)),
      ],
    ] as const
  ) assert.equal(run(make(build)), false, what);
  // mutations of a datagram full of runs
  const d = runSample();
  for (let n = 0; n < d.length; n++) assert.equal(run(d.subarray(0, n)), false, `cut at ${n}`);
  const rnd = new SeededRandom(12);
  for (let i = 0; i < 30000; i++) {
    const m = d.slice();
    const flips = 1 + (rnd.nextU32() % 4);
    for (let f = 0; f < flips; f++) m[rnd.nextU32() % m.length] ^= 1 << (rnd.nextU32() % 8);
    run(m);
  }
});
