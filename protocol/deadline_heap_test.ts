import assert from "node:assert/strict";
import { DeadlineHeap } from "./deadline_heap.ts";
import { SeededRandom } from "./random.ts";
import { type PeerEntry, PeerTable } from "./host/_peer_table.ts";

type Item = { deadline: number; heapIndex: number; id: number };

Deno.test("deadline heap: random inserts, moves and removals keep the minimum on top", () => {
  const random = new SeededRandom(7);
  const heap = new DeadlineHeap<Item>();
  const items: Item[] = Array.from({ length: 200 }, (_, id) => ({
    deadline: Infinity,
    heapIndex: -1,
    id,
  }));
  for (let step = 0; step < 5000; step++) {
    const item = items[random.nextU32() % items.length];
    const r = random.nextU32() % 10;
    if (r === 0) heap.remove(item);
    else if (r === 1) heap.set(item, Infinity); // no deadline: leaves the heap
    else heap.set(item, random.nextU32() % 1000);
    const live = items.filter((i) => i.heapIndex >= 0);
    assert.equal(heap.size, live.length);
    const min = Math.min(...live.map((i) => i.deadline));
    assert.equal(heap.peek()?.deadline ?? Infinity, min);
  }
  heap.clear();
  assert.equal(heap.size, 0);
  assert.ok(items.every((i) => i.heapIndex === -1));
});

// A connection stub that counts how often the table asks it for its deadline.
function entry(id: number, deadline: number) {
  const conn = { deadline, asked: 0, queuedBytes: 1 };
  const api = {
    pollTimeout: () => (conn.asked++, conn.deadline),
    get queuedBytes() {
      return conn.queuedBytes;
    },
    pollTransmit: () => undefined,
  };
  const e = { id, sessionId: id, conn: api, closingAt: 0 } as unknown as PeerEntry;
  return { e, conn };
}

Deno.test("peer table: only touched connections recompute their deadline", () => {
  const table = new PeerTable();
  const peers = Array.from({ length: 100 }, (_, i) => entry(i + 2, 1000 + i));
  for (const p of peers) table.add(p.e);
  assert.equal(table.nextDeadline(), 1000);
  for (const p of peers) p.conn.asked = 0;
  // nothing touched: the query asks no connection
  assert.equal(table.nextDeadline(), 1000);
  assert.ok(peers.every((p) => p.conn.asked === 0));
  // one touched connection moves earlier; only it is asked
  peers[50].conn.deadline = 10;
  table.markDirty(peers[50].e);
  assert.equal(table.nextDeadline(), 10);
  assert.equal(peers.reduce((n, p) => n + p.conn.asked, 0), 1);
  // due entries come out once; deleted ones never
  table.delete(peers[0].e);
  const due = table.takeDue(1001).map((e) => e.id);
  assert.deepEqual(due.sort((a, b) => a - b), [peers[1].e.id, peers[50].e.id]);
  // they return to the heap with their new deadlines (as after handleTimeout)
  peers[1].conn.deadline = peers[50].conn.deadline = 3000;
  assert.deepEqual([...table.takeDue(1001)], []);
  assert.equal(table.nextDeadline(), 1002);
  // a closing peer whose queue drained is due at once
  peers[10].e.closingAt = 5000;
  peers[10].conn.queuedBytes = 0;
  table.markStale(peers[10].e);
  assert.deepEqual(table.takeDue(0).map((e) => e.id), [peers[10].e.id]);
});
