import assert from "node:assert/strict";
import { ReassemblyBudget, UnreliableReassembler } from "./fragmenter.ts";
import {
  ReceiveResult,
  RELIABLE_WINDOW,
  ReliableReceiver,
  ReliableSender,
} from "./_reliable_channel.ts";
import { REORDER_ALLOWANCE_BYTES } from "./_reliable_receiver.ts";
import { SequencedChannel } from "./_sequenced_channel.ts";

Deno.test("reliable sender: window, retransmit queue first, acks free bytes", () => {
  const s = new ReliableSender();
  for (let i = 0; i < RELIABLE_WINDOW + 10; i++) s.enqueue(new Uint8Array(2), 0, 2, false, 0, 0, 0);
  let sent = 0;
  for (let q = s.peek(); q >= 0; q = s.peek()) {
    s.markSent(q);
    sent++;
  }
  assert.equal(sent, RELIABLE_WINDOW, "never more unacked than the receiver window");
  s.onLost(5);
  s.onLost(3);
  s.onAcked(3); // acked late after being declared lost: not resent
  assert.equal(s.peek(), 5);
  assert.equal(s.markSent(5), true);
  s.onAcked(0);
  assert.equal(s.peek(), RELIABLE_WINDOW, "window slid by one");
  assert.equal(s.queuedBytes, (RELIABLE_WINDOW + 10 - 2) * 2);
});

Deno.test("reliable receiver: reorder buffer, duplicates, window, refusal, fragments", () => {
  const got: string[] = [];
  let open = true;
  const sink = {
    deliverReliable: (_c: number, hp: boolean, p: number, d: Uint8Array) =>
      open ? got.push(`${[...d]}${hp ? "@" + p : ""}`) > 0 : false,
  };
  const budget = new ReassemblyBudget(1000);
  const r = new ReliableReceiver(1, sink, budget, 100, false);
  const b = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(r.receive(2, 0, 0, false, 0, b, 2, 3), ReceiveResult.ACCEPTED);
  assert.equal(r.receive(RELIABLE_WINDOW, 0, 0, false, 0, b, 0, 1), ReceiveResult.REFUSED);
  r.receive(1, 0, 0, true, -4, b, 1, 2);
  assert.deepEqual(got, []);
  r.receive(0, 0, 0, false, 0, b, 0, 1);
  assert.deepEqual(got, ["0", "1@-4", "2"]);
  assert.equal(r.receive(1, 0, 0, false, 0, b, 1, 2), ReceiveResult.ACCEPTED, "duplicate");
  // fragments 3..5 form one message; arrive out of order
  r.receive(5, 2, 3, false, 0, b, 8, 9);
  r.receive(4, 1, 3, false, 0, b, 4, 8);
  open = false;
  assert.equal(r.receive(3, 0, 3, true, 9, b, 0, 4), ReceiveResult.ACCEPTED, "buffered parts");
  assert.ok(r.blocked);
  open = true;
  r.drain();
  assert.deepEqual(got.slice(3), ["0,1,2,3,4,5,6,7,8@9"]);
  assert.equal(budget.used, 0);
  open = false;
  // the application cannot take it: held (its packet may be acked) until it can
  assert.equal(r.receive(6, 0, 0, false, 0, b, 0, 1), ReceiveResult.ACCEPTED, "held");
  assert.ok(r.blocked);
  open = true;
  r.drain();
  assert.deepEqual(got.slice(4), ["0"]);
  assert.equal(r.expected, 7);
  // a fragment shape beyond maxMessageSize is skipped, not allocated
  r.receive(7, 0, 60000, false, 0, b, 0, 10);
  assert.equal(r.invalid, 1);
  assert.equal(budget.used, 0);
});

Deno.test("sequenced channel drops late and duplicate sequences across wrap", () => {
  const c = new SequencedChannel();
  assert.ok(c.accept(65530));
  assert.ok(c.accept(3), "wrapped forward");
  assert.equal(c.accept(65535), false);
  assert.equal(c.accept(3), false);
  assert.equal(c.late, 2);
  for (let i = 0; i < 70000; i++) c.takeSendSeq();
  assert.equal(c.nextSend, 70000 & 0xffff);
});

Deno.test("unreliable reassembler: all or nothing, last-first, budget, eviction, expiry", () => {
  const budget = new ReassemblyBudget(100);
  const r = new UnreliableReassembler(budget, 1000, 50);
  const b = new Uint8Array(30).map((_, i) => i);
  assert.equal(r.add(1, false, 1, 2, 3, false, 0, b, 20, 25, 0), undefined, "last first");
  assert.equal(r.add(1, false, 1, 0, 3, false, 0, b, 0, 10, 0), undefined);
  const m = r.add(1, false, 1, 1, 3, true, 8, b, 10, 20, 0);
  assert.deepEqual(m, b.slice(0, 25));
  assert.equal(budget.used, 0);
  // declared count*len beyond maxMessageSize: dropped before allocating
  assert.equal(r.add(1, false, 2, 0, 500, false, 0, b, 0, 10, 0), undefined);
  assert.equal(budget.used, 0);
  // over budget
  assert.equal(r.add(1, false, 3, 0, 11, false, 0, b, 0, 10, 0), undefined);
  assert.equal(budget.used, 0);
  r.add(2, true, 4, 0, 2, false, 0, b, 0, 10, 0);
  assert.equal(r.pending, 1);
  assert.equal(r.nextExpiry, 50);
  r.expire(50);
  assert.equal(r.pending, 0);
  assert.equal(budget.used, 0);
  // wrong sizes are rejected
  r.add(2, false, 5, 0, 3, false, 0, b, 0, 10, 0);
  assert.equal(r.add(2, false, 5, 1, 3, false, 0, b, 0, 9, 0), undefined);
  assert.equal(r.pending, 0);
  assert.ok(r.dropped >= 4);
});

Deno.test("reliable receiver: a refused message is held while memory allows, refused after", () => {
  let open = false;
  const got: number[] = [];
  const sink = {
    deliverReliable: (_c: number, _h: boolean, _p: number, d: Uint8Array) =>
      open ? got.push(d.length) > 0 : false,
  };
  const budget = new ReassemblyBudget(1000);
  const r = new ReliableReceiver(1, sink, budget, 1 << 20, false);
  const big = new Uint8Array(REORDER_ALLOWANCE_BYTES); // the allowance, then the budget
  assert.equal(r.receive(0, 0, 0, false, 0, big, 0, big.length), ReceiveResult.ACCEPTED);
  assert.equal(r.receive(1, 0, 0, false, 0, big, 0, 600), ReceiveResult.ACCEPTED, "budget");
  assert.equal(budget.used, 600);
  assert.equal(r.receive(2, 0, 0, false, 0, big, 0, 600), ReceiveResult.REFUSED, "memory full");
  open = true;
  r.drain();
  assert.deepEqual(got, [REORDER_ALLOWANCE_BYTES, 600]);
  assert.equal(budget.used, 0, "released on delivery");
  assert.equal(r.receive(2, 0, 0, false, 0, big, 0, 600), ReceiveResult.ACCEPTED);
});
