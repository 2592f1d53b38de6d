import assert from "node:assert/strict";
import { ACK_WINDOW, AckTracker } from "./_ack_tracker.ts";
import { SentPackets } from "./_sent_packets.ts";
import { SeededRandom } from "../random.ts";

Deno.test("ack tracker: duplicates, too-old, jumps, 64-bit ack field", () => {
  const t = new AckTracker({ ackEveryPackets: 4, maxAckDelayMs: 2 });
  assert.equal(t.isNew(0), false);
  for (const s of [1, 2, 3, 5, 40, 66]) {
    assert.ok(t.isNew(s));
    t.record(s, true, true, s);
  }
  assert.equal(t.isNew(5), false);
  t.fillBits();
  assert.equal(t.ack, 66);
  // 66-1-i received for i in {25 (40)}; hi word: 66-33-i for i in {28 (5), 30 (3), 31 (2)}
  assert.equal(t.ackBitsLo, 1 << 25);
  assert.equal(t.ackBitsHi, ((1 << 28) | (1 << 30) | (1 << 31)) >>> 0);
  assert.ok(t.ackNow, "gap triggers an immediate ack");
  t.onAckSent();
  assert.equal(t.ackDue(1000), false);
  t.record(67, true, false, 67);
  assert.equal(t.ackDue(1000), false, "ack-only packets do not elicit acks");
  t.record(68, true, true, 68);
  assert.equal(t.ackDue(68), false);
  assert.equal(t.ackDue(70), true, "max ack delay");
  t.onAckSent();
  for (let s = 69; s < 73; s++) t.record(s, true, true, 71);
  assert.ok(t.ackDue(71), "every N packets");
  t.record(72 + ACK_WINDOW, true, true, 80);
  assert.equal(t.isNew(72), false, "older than the window");
  assert.equal(t.isNew(72 + ACK_WINDOW + 20000), false, "implausible jump");
  // a refused packet is seen (no replay) but not acked
  t.record(73 + ACK_WINDOW, false, true, 81);
  assert.equal(t.isNew(73 + ACK_WINDOW), false);
  assert.equal(t.ack, 72 + ACK_WINDOW);
});

Deno.test("sent packets: ack frees refs, RTT sample, fast retransmit, RTO loss", () => {
  const events: string[] = [];
  const sp = new SentPackets({
    onMessageRefs: (ch, seq, n, acked) =>
      events.push(`${acked ? "ack" : "lost"} ${ch}:${seq}${n > 1 ? `+${n}` : ""}`),
    onPacketAcked: () => {},
    onPacketLost: () => {},
    onSpuriousLoss: () => {},
  });
  for (let s = 1; s <= 6; s++) {
    sp.addRef(1, s * 10);
    sp.onSent(s, s, 100, s === 6);
  }
  assert.equal(sp.bytesInFlight, 600);
  sp.onAck(5, 0b1, 0, 20); // acks 5 and 4 => 1 and 2 lost (acked packet >= 3 newer), 3 not yet
  assert.equal(sp.latestRttSample, 15);
  assert.deepEqual(events, ["ack 1:50", "ack 1:40", "lost 1:10", "lost 1:20"]);
  assert.equal(sp.lostPackets, 2);
  assert.equal(sp.oldestSentTime, 3);
  assert.equal(sp.loseOlderThan(2.5), 0, "RTO: nothing sent that early");
  assert.equal(sp.loseOlderThan(3), 1, "RTO: packet 3 lost");
  sp.onAck(6, 0, 0, 30);
  assert.equal(sp.latestRttSample, -1, "no sample from retransmitted data");
  assert.equal(sp.inFlight, 0);
  assert.equal(sp.oldestSentTime, Infinity);
  sp.onAck(5, 0, 0, 40);
  assert.equal(events.length, 6, "late/duplicate acks change nothing");
});

Deno.test("sent packets: consecutive messages of a channel share one reference per packet", () => {
  const events: string[] = [];
  const sp = new SentPackets({
    onMessageRefs: (ch, seq, n, acked) =>
      events.push(`${acked ? "ack" : "lost"} ${ch}:${seq}+${n}`),
    onPacketAcked: () => {},
    onPacketLost: () => {},
    onSpuriousLoss: () => {},
  });
  for (let q = 0; q < 30; q++) sp.addRef(1, 100 + q); // one run
  sp.addRef(2, 7);
  sp.addRef(1, 131); // not consecutive: a new range
  sp.onSent(1, 0, 1200, false);
  sp.addRef(1, 132); // the next packet starts its own range
  sp.onSent(2, 0, 1200, false);
  for (let s = 3; s <= 6; s++) sp.onSent(s, s, 100, false);
  sp.onAck(6, 0b111, 0, 10); // 6, 5, 4, 3 acked: 1 and 2 lost (3 newer acked)
  assert.deepEqual(events, ["lost 1:100+30", "lost 2:7+1", "lost 1:131+1", "lost 1:132+1"]);
});

Deno.test("sent packets: ring bound and ref ring growth", () => {
  const sp = new SentPackets({
    onMessageRefs: () => {},
    onPacketAcked: () => {},
    onPacketLost: () => {},
    onSpuriousLoss: () => {},
  });
  let s = 1;
  while (sp.canSend(s)) {
    for (let r = 0; r < 5; r++) sp.addRef(0, s * 5 + r);
    sp.onSent(s, 0, 10, false);
    s++;
  }
  assert.equal(s - 1, 1024);
  sp.onAck(1024, 0xffffffff, 0xffffffff, 1);
  assert.ok(sp.canSend(s));
});

Deno.test("ack tracker: the 64 ack bits match the set of acked packets (random order, gaps)", () => {
  const rnd = new SeededRandom(5);
  const t = new AckTracker({ ackEveryPackets: 16, maxAckDelayMs: 2 });
  const acked = new Set<number>();
  let top = 0;
  for (let i = 0; i < 5000; i++) {
    // mostly forward, sometimes big jumps (>= 64) and late packets
    const r = rnd.next();
    const seq = r < 0.05
      ? top + 32 + Math.floor(rnd.next() * 70)
      : r < 0.3
      ? top - Math.floor(rnd.next() * 80)
      : top + 1 + Math.floor(rnd.next() * 3);
    if (!t.isNew(seq)) continue;
    const ackable = rnd.next() < 0.9;
    t.record(seq, ackable, true, i);
    if (seq > top) top = seq;
    if (ackable) acked.add(seq);
    t.fillBits();
    let lo = 0, hi = 0;
    for (let b = 0; b < 64; b++) {
      if (!acked.has(t.ack - 1 - b)) continue;
      if (b < 32) lo |= 1 << b;
      else hi |= 1 << (b - 32);
    }
    assert.equal(t.ackBitsLo, lo >>> 0, `lo after ${i}`);
    assert.equal(t.ackBitsHi, hi >>> 0, `hi after ${i}`);
  }
});

Deno.test("sent packets: a late ack of a lost packet is a spurious loss; the threshold adapts", () => {
  const events: string[] = [];
  const sp = new SentPackets({
    onMessageRefs: (ch, seq, _n, acked) => events.push(`ref ${ch}:${seq}:${acked}`),
    onPacketAcked: () => {},
    onPacketLost: () => events.push("lost"),
    onSpuriousLoss: (bytes, sent, distance) => events.push(`spurious ${bytes} ${sent} ${distance}`),
  });
  sp.addRef(1, 7);
  sp.onSent(1, 0, 100, false);
  for (let s = 2; s <= 10; s++) sp.onSent(s, s, 100, false);
  sp.onAck(10, 0xff, 0, 20); // 2..10 acked: 1 is lost by the packet threshold (3)
  assert.deepEqual(events, ["ref 1:7:false", "lost"]);
  assert.equal(sp.lostPackets, 1);
  events.length = 0;
  sp.onAck(10, 0x1ff, 0, 30); // now 1 is acked too: it was reordered
  assert.deepEqual(events, ["ref 1:7:true", "spurious 100 0 9"]); // acks had run 9 ahead
  assert.equal(sp.lostPackets, 0);
  assert.equal(sp.spuriousLosses, 1);
  // with a raised threshold, the same depth is not loss
  sp.reorderThreshold = 11;
  for (let s = 11; s <= 20; s++) sp.onSent(s, s, 100, false);
  events.length = 0;
  sp.onAck(20, 0x1ff, 0, 40); // 11 missing, 12..20 acked (9 newer)
  assert.deepEqual(events, [], "not declared lost below the threshold");
});

Deno.test("ack tracker: packets too late for the ack field get an ack of their own", () => {
  const t = new AckTracker({ ackEveryPackets: 16, maxAckDelayMs: 2 });
  for (let s = 2; s <= 100; s++) t.record(s, true, true, s);
  assert.equal(t.lateCount, 0);
  t.record(1, true, true, 101); // 99 below the largest: beyond the 64-bit field
  assert.equal(t.lateCount, 1);
  assert.equal(t.takeLate(), 1);
  assert.equal(t.lateCount, 0);
  t.record(101, true, true, 102);
  t.record(70, true, true, 103); // late too, but within the 64-bit field
  assert.equal(t.lateCount, 0);
});
