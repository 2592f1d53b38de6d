import assert from "node:assert/strict";
import { interleave, type SegmentChild, SegmentGate } from "./segments.ts";

Deno.test("segment gate: queued and awaited commands in order, undefined once closed", async () => {
  const gate = new SegmentGate();
  gate.push({ cmd: "go", rounds: 3, ms: 0, lead: 1 });
  gate.push({ cmd: "stop" }); // not a segment
  const waiting = gate.next();
  assert.deepEqual(await waiting, { rounds: 3, ms: 0, lead: 1, measure: true });
  const later = gate.next();
  gate.push({ cmd: "go", rounds: 0, ms: 50, lead: 0, measure: false });
  assert.deepEqual(await later, { rounds: 0, ms: 50, lead: 0, measure: false });
  const pending = gate.next();
  gate.close();
  assert.equal(await pending, undefined);
  gate.push({ cmd: "go", rounds: 1 });
  assert.equal(await gate.next(), undefined, "nothing is queued after close");
});

/** A child that records the commands it got and answers each with `rounds - lead` samples. */
function fakeChild(name: string, log: string[], ms: number): SegmentChild {
  let last: Record<string, unknown> = {};
  return {
    send(command) {
      last = command;
      log.push(`${name}:${command.measure ? "measure" : "warm"}`);
      return Promise.resolve();
    },
    next(ev) {
      assert.equal(ev, "segment");
      const n = last.measure ? Number(last.rounds) - Number(last.lead) : 0;
      return Promise.resolve({ samples: Array(n).fill(ms), mismatches: name === "b" ? 1 : 0 });
    },
  };
}

Deno.test("interleave: warms each child up, then alternates who goes first, and pools samples", async () => {
  const log: string[] = [];
  const [a, b] = await interleave(
    [fakeChild("a", log, 0.05), fakeChild("b", log, 0.08)],
    { warmupMs: 10, rounds: 100, segments: 4, lead: 5 },
    1_000,
  );
  assert.deepEqual(log, [
    "a:warm",
    "b:warm",
    "a:measure",
    "b:measure",
    "b:measure",
    "a:measure",
    "a:measure",
    "b:measure",
    "b:measure",
    "a:measure",
  ]);
  assert.equal(a.samples.length, 100, "25 measured per segment: the lead is not counted");
  assert.ok(a.samples.every((x) => x === 0.05));
  assert.equal(b.samples.length, 100);
  assert.equal(a.mismatches, 0);
  assert.equal(b.mismatches, 4 + 1, "mismatches of every segment, warm-up included");
});
