import assert from "node:assert/strict";
import { Histogram, median, quantile, Samples } from "./stats.ts";
import { fmt, renderTable } from "./report.ts";
import { topFrames } from "../profile_top.ts";

Deno.test("median and quantile by nearest rank", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(hundred, 0.5), 50);
  assert.equal(quantile(hundred, 0.99), 99);
  assert.equal(quantile([7], 0.99), 7);
});

Deno.test("Samples keeps at most its capacity", () => {
  const s = new Samples(2);
  s.add(1);
  s.add(2);
  s.add(3);
  assert.equal(s.count, 2);
  assert.deepEqual(Array.from(s.values()), [1, 2]);
});

Deno.test("table marks incorrect rows as FAIL, not as a miss", () => {
  assert.equal(fmt(1_234_567, "msg/s"), "1.23M msg/s");
  assert.equal(fmt(NaN, "ms"), "- ms");
  const table = renderTable([
    { scenario: "a", ours: "1", floor: "1", ratio: 1, target: ">= 1x", pass: true, samples: [] },
    {
      scenario: "b",
      ours: "1",
      floor: "1",
      ratio: 1,
      target: ">= 2x",
      pass: false,
      error: "lost message 7",
      samples: [],
    },
  ]);
  assert.match(table, /a .*\| pass/);
  assert.match(table, /b .*FAIL \(incorrect: lost message 7\)/);
});

Deno.test("topFrames attributes self and total time", () => {
  const frame = (functionName: string) => ({ functionName, url: "file:///x.ts", lineNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2] },
      { id: 2, callFrame: frame("outer"), children: [3] },
      { id: 3, callFrame: frame("inner") },
    ],
    samples: [3, 3, 2],
    timeDeltas: [0, 1000, 1000, 1000],
  };
  const frames = topFrames(profile);
  const inner = frames.find((f) => f.frame.startsWith("inner"))!;
  const outer = frames.find((f) => f.frame.startsWith("outer"))!;
  assert.equal(inner.selfMs, 2);
  assert.equal(outer.selfMs, 1);
  assert.equal(outer.totalMs, 3);
});

Deno.test("Histogram quantiles are bin upper edges; merge and sparse round trip", () => {
  const a = new Histogram(0.5, 10);
  for (let i = 0; i < 99; i++) a.add(0.1);
  a.add(100); // beyond the last bin: counted there
  assert.equal(a.count, 100);
  assert.equal(a.quantile(0.5), 0.5);
  assert.equal(a.quantile(0.99), 0.5);
  assert.equal(a.quantile(1), 5);
  const b = Histogram.fromSparse(a.toSparse());
  assert.deepEqual(b.toSparse(), a.toSparse());
  b.merge(a);
  assert.equal(b.count, 200);
  assert.throws(() => b.merge(new Histogram(1, 10)), RangeError);
  const junk = Histogram.fromSparse({
    width: 0.5,
    bins: 10,
    counts: [[-1, 5], [3.5, 1], [20, 1], [2, -4]],
  });
  assert.equal(junk.count, 0);
  assert.ok(Number.isNaN(junk.quantile(0.5)));
});
