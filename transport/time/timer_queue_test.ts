import assert from "node:assert/strict";
import { sharedTimers, TimerQueue, type TimerSlot } from "./timer_queue.ts";
import { systemClock } from "./clock.ts";
import { manualClock } from "./_manual_clock.ts";
import { nextMacrotask } from "./_macrotask.ts";

Deno.test("timer queue: many slots share one base timer; later moves do not re-arm it", () => {
  const m = manualClock();
  const q = new TimerQueue(m.clock);
  const fired: number[] = [];
  const slots: TimerSlot[] = Array.from({ length: 100 }, (_, i) => ({
    deadline: Infinity,
    heapIndex: -1,
    callback: () => fired.push(i),
  }));
  slots.forEach((s, i) => q.schedule(s, 100 + i));
  assert.equal(m.created(), 1);
  for (let i = 0; i < 50; i++) q.schedule(slots[i], 1000 + i); // moved later: in place
  assert.equal(m.created(), 1);
  assert.equal(m.pending(), 1);
  m.advance(120); // the stale base timer (100) fires early: nothing is due, it re-arms at 150
  assert.deepEqual(fired, []);
  m.advance(160); // due: deadlines 150..160, in deadline order
  assert.deepEqual(fired, Array.from({ length: 11 }, (_, i) => 50 + i));
  assert.equal(q.size, 89);
  assert.equal(m.pending(), 1);
  for (const s of slots) q.cancel(s);
  assert.equal(q.size, 0);
  assert.equal(m.pending(), 0); // an empty queue holds no base timer
});

Deno.test("timer queue: Clock interface, a callback rescheduling itself runs once per fire", () => {
  const m = manualClock();
  const q = new TimerQueue(m.clock);
  let runs = 0;
  const slot: TimerSlot = {
    deadline: Infinity,
    heapIndex: -1,
    callback: () => {
      runs++;
      q.schedule(slot, m.clock.now()); // due again at once: next fire, not this one
    },
  };
  q.schedule(slot, 10);
  m.advance(10);
  assert.equal(runs, 1);
  q.cancel(slot);
  let plain = 0;
  const h = q.setTimer(() => plain++, 5);
  q.clearTimer(h);
  q.setTimer(() => plain += 10, 5);
  m.advance(20);
  assert.equal(plain, 10);
  assert.equal(q.size, 0);
  assert.equal(m.pending(), 0);
});

Deno.test("system timers beyond 2^31-1 ms wait instead of firing at once", async () => {
  let fired = 0;
  const far = systemClock.setTimer(() => fired++, 2 ** 40);
  const queued = sharedTimers.setTimer(() => fired++, 2 ** 40);
  try {
    // an overflowing delay would fire within a millisecond, and again every millisecond
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fired, 0);
  } finally {
    systemClock.clearTimer(far);
    sharedTimers.clearTimer(queued);
  }
});

Deno.test("next turn: the system clock's runs once, a cancelled one never; a queue delegates", async () => {
  const ran: string[] = [];
  systemClock.nextTurn!(() => ran.push("a"));
  const cancelled = systemClock.nextTurn!(() => ran.push("cancelled"));
  assert(typeof cancelled === "number" && cancelled < 0, "turn handles never look like timers");
  systemClock.clearTimer(cancelled);
  const queued = sharedTimers.nextTurn(() => ran.push("queued"));
  sharedTimers.clearTimer(sharedTimers.nextTurn(() => ran.push("queue-cancelled")));
  assert.deepEqual(ran, [], "not within the current turn");
  for (let i = 0; i < 100 && ran.length < 2; i++) await nextMacrotask();
  for (let i = 0; i < 3; i++) await nextMacrotask(); // cancelled ones would have run by now
  assert.deepEqual(ran.sort(), ["a", "queued"]);
  assert(typeof queued === "number" && queued < 0, "the shared queue hands it to the system clock");
});

Deno.test("next turn: over a clock without one, a queue uses a zero-delay timer of its own", () => {
  const m = manualClock();
  const q = new TimerQueue(m.clock);
  let runs = 0;
  const h = q.nextTurn(() => runs++);
  assert(typeof h === "number" && h > 0);
  q.clearTimer(q.nextTurn(() => runs += 10));
  assert.equal(runs, 0);
  m.advance(0);
  assert.equal(runs, 1);
  assert.equal(q.size, 0);
});

Deno.test("nextMacrotask: timers that are due run in between, no port is left open", async () => {
  let timerRan = false;
  setTimeout(() => timerRan = true, 0);
  for (let i = 0; i < 1000 && !timerRan; i++) await nextMacrotask();
  assert(timerRan, "a due timer ran between turns");
});
