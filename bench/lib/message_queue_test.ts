import assert from "node:assert/strict";
import { MessageQueue } from "./message_queue.ts";

Deno.test("message queue: FIFO across growth, bounded by bytes, checks its arguments", () => {
  const q = new MessageQueue(100, 10);
  for (let i = 0; i < 10; i++) assert.equal(q.put(new Uint8Array(10).fill(i)), true);
  assert.equal(q.put(new Uint8Array(1)), false, "the byte bound holds");
  assert.equal(q.bytes, 100);
  for (let i = 0; i < 5; i++) assert.equal(q.take()![0], i);
  for (let i = 10; i < 15; i++) assert.equal(q.put(new Uint8Array(10).fill(i)), true);
  for (let i = 5; i < 15; i++) assert.equal(q.take()![0], i);
  assert.equal(q.take(), undefined);
  assert.equal(q.bytes, 0);
  const big = new MessageQueue(1 << 20, 8);
  for (let i = 0; i < 100; i++) big.put(new Uint8Array([i]));
  for (let i = 0; i < 100; i++) assert.equal(big.take()![0], i, "order kept while growing");
  assert.throws(() => q.put(new Uint8Array(11)), RangeError);
  assert.throws(() => q.put([1] as unknown as Uint8Array), TypeError);
});
