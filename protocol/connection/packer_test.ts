import assert from "node:assert/strict";
import { beginData, finishData, FrameCursor, MessageKind as K } from "../wire/frame.ts";
import { MsgpackWriter } from "../wire/msgpack.ts";
import { packReliable, PackResult, packUnreliable } from "./_packer.ts";
import { RELIABLE_WINDOW, ReliableSender } from "./_reliable_channel.ts";
import { SentPackets } from "./_sent_packets.ts";
import { UnreliableQueue } from "./_sequenced_channel.ts";

interface Decoded {
  kind: number;
  channel: number;
  seq: number;
  hasPeer: boolean;
  peer: number;
  index: number;
  count: number;
  first: number; // payload byte 0
  length: number;
}

/** Packs one datagram with `pack` and decodes every message in it. */
function packAndDecode(size: number, pack: (w: MsgpackWriter, r: PackResult) => void): Decoded[] {
  const w = new MsgpackWriter(size), r = new PackResult();
  beginData(w, 1, 1, 0, 0, 0, 0);
  pack(w, r);
  finishData(w, r.count);
  const c = new FrameCursor(), buf = w.buf.subarray(0, w.pos), out: Decoded[] = [];
  assert.ok(c.begin(buf, 0, buf.length), "the datagram parses");
  for (let kind = c.next(); kind !== -2; kind = c.next()) {
    assert.notEqual(kind, -1, "every message parses");
    out.push({
      kind,
      channel: c.channel,
      seq: c.msgSeq,
      hasPeer: c.hasPeer,
      peer: c.peer,
      index: c.index,
      count: c.count,
      first: buf[c.payloadStart],
      length: c.payloadEnd - c.payloadStart,
    });
  }
  return out;
}

const payload = (tag: number, n: number) => new Uint8Array(n).fill(tag);

/** A sent-packet tracker whose acked message references land in `refs` as `first+count`. */
function tracker(): { sent: SentPackets; refs: string[] } {
  const refs: string[] = [];
  const sent = new SentPackets({
    onMessageRefs: (_ch, first, count, acked) => {
      if (acked) refs.push(`${first}+${count}`);
    },
    onPacketAcked: () => {},
    onPacketLost: () => {},
    onSpuriousLoss: () => {},
  });
  return { sent, refs };
}

Deno.test("reliable runs: new messages after a retransmission, split by peer field and fragment", () => {
  const s = new ReliableSender(), { sent, refs } = tracker();
  // 0..3 plain, 4..5 with peer 7, 6 a fragment, 7..8 plain
  for (let i = 0; i < 4; i++) s.enqueue(payload(i, 10), 0, 10, false, 0, 0, 0);
  for (let i = 4; i < 6; i++) s.enqueue(payload(i, 10), 0, 10, true, 7, 0, 0);
  s.enqueue(payload(6, 10), 0, 10, false, 0, 0, 2);
  for (let i = 7; i < 9; i++) s.enqueue(payload(i, 10), 0, 10, false, 0, 0, 0);
  // send 0 alone, lose it: the next datagram starts with its retransmission
  packAndDecode(40, (w, r) => packReliable(w, [undefined, s], 1, sent, r));
  sent.onSent(1, 0, 40, false);
  const firstSent = s.nextUnsent;
  assert.ok(firstSent >= 1);
  for (let q = 0; q < firstSent; q++) s.onLost(q);
  const got = packAndDecode(1200, (w, r) => {
    packReliable(w, [undefined, s], 1, sent, r);
    assert.equal(r.retransmitted, firstSent);
    assert.equal(r.reliable, 9);
  });
  assert.deepEqual(got.map((m) => m.seq), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(got.map((m) => m.first), [0, 1, 2, 3, 4, 5, 6, 7, 8], "payloads in order");
  assert.deepEqual(got.map((m) => m.hasPeer ? m.peer : -1), [-1, -1, -1, -1, 7, 7, -1, -1, -1]);
  assert.deepEqual(got.map((m) => m.kind === K.RELIABLE_FRAGMENT), [
    false,
    false,
    false,
    false,
    false,
    false,
    true,
    false,
    false,
  ]);
  assert.equal(s.peek(), -1, "everything sent");
  // the datagram's references name each message once: acking it frees them all
  sent.onSent(2, 0, 100, false);
  sent.onAck(2, 0, 0, 1);
  assert.equal(refs.reduce((n, r) => n + Number(r.split("+")[1]), 0), 9);
  for (const r of refs) s.onAckedRange(Number(r.split("+")[0]), Number(r.split("+")[1]));
  assert.equal(s.queuedBytes, 0);
  assert.equal(s.base, 9);
});

Deno.test("reliable runs stop where the datagram is full and at the receiver's window", () => {
  const s = new ReliableSender(), { sent } = tracker();
  for (let i = 0; i < RELIABLE_WINDOW + 50; i++) {
    s.enqueue(payload(i & 0xff, 32), 0, 32, false, 0, 0, 0);
  }
  let total = 0, datagrams = 0;
  while (s.peek() >= 0) {
    const got = packAndDecode(1200, (w, r) => packReliable(w, [undefined, s], 1, sent, r));
    assert.ok(got.length > 1 && got.length <= 34, `${got.length} messages of 32 B fit`);
    for (let k = 0; k < got.length; k++) assert.equal(got[k].seq, (total + k) & 0xffff);
    total += got.length;
    datagrams++;
  }
  assert.equal(total, RELIABLE_WINDOW, "nothing beyond the window before an ack");
  s.onAckedRange(0, 10);
  const more = packAndDecode(1200, (w, r) => packReliable(w, [undefined, s], 1, sent, r));
  assert.equal(more.length, 10, "an ack opens the window by what it freed");
  assert.equal(more[0].seq, RELIABLE_WINDOW & 0xffff);
  assert.ok(datagrams > 1);
});

Deno.test("reliable runs over a reliable carrier free what they wrote", () => {
  const s = new ReliableSender();
  for (let i = 0; i < 20; i++) s.enqueue(payload(i, 16), 0, 16, false, 0, 0, 0);
  const got = packAndDecode(1200, (w, r) => packReliable(w, [undefined, s], 1, undefined, r));
  assert.equal(got.length, 20);
  assert.equal(s.queuedBytes, 0);
  assert.equal(s.base, 20, "all freed: the window moved on");
});

Deno.test("unreliable runs: split by channel, peer field and a sequence gap, and by space", () => {
  const q = new UnreliableQueue();
  const push = (kind: number, ch: number, seq: number, peer: number | undefined, tag: number) =>
    q.push(kind, ch, seq, 0, 0, peer !== undefined, peer ?? 0, payload(tag, 20), 0, 20);
  push(K.UNRELIABLE_ORDERED, 1, 5, undefined, 0);
  push(K.UNRELIABLE_ORDERED, 1, 6, undefined, 1);
  push(K.UNRELIABLE_ORDERED, 1, 8, undefined, 2); // a gap: a new run
  push(K.UNRELIABLE_ORDERED, 1, 9, undefined, 3);
  push(K.UNRELIABLE_ORDERED, 2, 0, undefined, 4); // another channel
  push(K.UNRELIABLE, 1, 0, 3, 5); // plain unreliable with a peer field
  push(K.UNRELIABLE, 1, 0, 3, 6);
  push(K.UNRELIABLE, 1, 0, 4, 7); // another peer
  const got = packAndDecode(1200, (w, r) => packUnreliable(w, q, r));
  assert.deepEqual(got.map((m) => m.first), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(got.map((m) => m.channel), [1, 1, 1, 1, 2, 1, 1, 1]);
  assert.deepEqual(got.slice(0, 4).map((m) => m.seq), [5, 6, 8, 9]);
  assert.deepEqual(got.slice(5).map((m) => m.peer), [3, 3, 4]);
  assert.equal(q.length, 0);
  assert.equal(q.bytes, 0);
  // a full datagram leaves the rest queued, in order
  for (let i = 0; i < 100; i++) push(K.UNRELIABLE, 1, 0, undefined, i);
  const first = packAndDecode(600, (w, r) => packUnreliable(w, q, r));
  assert.ok(first.length > 1 && first.length < 100);
  assert.equal(q.length, 100 - first.length);
  assert.equal(q.bytes, 20 * q.length);
  const second = packAndDecode(1200, (w, r) => packUnreliable(w, q, r));
  assert.equal(second[0].first, first.length, "the next datagram goes on where the last stopped");
});
