import assert from "node:assert/strict";
import { REPLAY_WINDOW, REPLAY_WINDOW_WORDS, ReplayWindow } from "./replay_window.ts";
import { MultiplayerError } from "../errors.ts";

Deno.test("replay window: any order within the window, each number once", () => {
  const w = new ReplayWindow();
  for (const pn of [0, 5, 3, 4, 1, 2, 9, 7]) assert.equal(w.mark(pn), true, `first ${pn}`);
  for (const pn of [0, 1, 2, 3, 4, 5, 7, 9]) assert.equal(w.check(pn), false, `again ${pn}`);
  assert.equal(w.mark(5), false);
  assert.equal(w.check(6), true);
  assert.equal(w.check(8), true);
  assert.equal(w.highest, 9);
});

Deno.test("replay window: too old, invalid and far jumps", () => {
  const w = new ReplayWindow();
  for (const bad of [-1, 1.5, Number.NaN, Infinity, 2 ** 53]) assert.equal(w.mark(bad), false);
  assert.equal(w.highest, -1);
  assert.ok(w.mark(10_000));
  assert.equal(w.check(10_000 - REPLAY_WINDOW), false, "one past the window edge");
  assert.ok(w.mark(10_000 - REPLAY_WINDOW + 1), "the oldest still inside");
  // sliding forward clears the bits that now stand for new numbers
  assert.ok(w.mark(10_000 + REPLAY_WINDOW - 1));
  assert.equal(w.check(10_000), false, "still remembered");
  assert.ok(w.mark(10_001), "never seen, inside");
  // a jump past the whole window forgets everything behind it
  assert.ok(w.mark(10 * REPLAY_WINDOW + 5));
  assert.equal(w.check(10 * REPLAY_WINDOW + 4), true);
  assert.equal(w.check(10 * REPLAY_WINDOW + 5), false);
  assert.equal(w.check(10_001), false, "far behind now");
});

Deno.test("replay window: a long random shuffle accepts every number exactly once", () => {
  const w = new ReplayWindow();
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  const n = 20_000;
  // each number arrives up to 256 places late: reordering a real network could produce
  const order = Array.from({ length: n }, (_, i) => [i + rand() * 256, i])
    .sort((a, b) => a[0] - b[0]).map(([, pn]) => pn);
  assert.notDeepEqual(order.slice(0, 100), Array.from({ length: 100 }, (_, i) => i));
  let accepted = 0;
  for (const pn of order) {
    if (w.mark(pn)) accepted++;
    if (rand() < 0.2) assert.equal(w.mark(pn), false, "duplicate right after");
  }
  assert.equal(accepted, n);
});

Deno.test("replay window: in storage its owner provides, which must be the right size", () => {
  const words = new Uint32Array(REPLAY_WINDOW_WORDS + 2).subarray(1, 1 + REPLAY_WINDOW_WORDS);
  const w = new ReplayWindow(words);
  assert.ok(w.mark(33));
  assert.equal(words[1], 2, "bit 33 is word 1, bit 1");
  assert.equal(w.mark(33), false);
  assert.throws(
    () => new ReplayWindow(new Uint32Array(REPLAY_WINDOW_WORDS - 1)),
    (e: unknown) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
  );
});
