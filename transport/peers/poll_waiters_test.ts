import assert from "node:assert/strict";
import { PollWaiters } from "./_poll_waiters.ts";
import { manualClock } from "../time/_manual_clock.ts";

Deno.test("poll waiters: activity resolves at once; one timer serves many polls", async () => {
  const m = manualClock();
  const waiters = new PollWaiters(m.clock);
  for (let i = 0; i < 100; i++) {
    const p = waiters.wait(1000);
    waiters.wake();
    await p;
  }
  assert.equal(m.created(), 1); // not one timer per poll
  assert.equal(waiters.size, 0);
  waiters.close();
  assert.equal(m.pending(), 0);
});

Deno.test("poll waiters: timeouts resolve only the waits that are due", async () => {
  const m = manualClock();
  const waiters = new PollWaiters(m.clock);
  let early = false, late = false;
  const a = waiters.wait(100).then(() => early = true);
  const b = waiters.wait(500).then(() => late = true);
  m.advance(100);
  await a;
  assert.equal(early, true);
  assert.equal(late, false);
  assert.equal(waiters.size, 1);
  m.advance(500);
  await b;
  assert.equal(late, true);
  assert.equal(m.pending(), 0);
  waiters.close();
});

Deno.test("poll waiters: wake resolves with its value; a timeout with onExpire's value", async () => {
  const m = manualClock();
  let expiries = 0;
  const waiters = new PollWaiters(m.clock, () => {
    expiries++;
    waiters.wait(1000); // a listener polling again while the expiry runs is kept
    return 7;
  });
  const woken = waiters.wait(100);
  waiters.wake(3);
  assert.equal(await woken, 3);
  const a = waiters.wait(100), b = waiters.wait(100);
  m.advance(100);
  assert.deepEqual(await Promise.all([a, b]), [7, 7]);
  assert.equal(expiries, 1); // computed once per expiry, shared by the due waits
  assert.equal(waiters.size, 1);
  waiters.close();
  assert.equal(waiters.size, 0);
  assert.equal(m.pending(), 0);
});
