import assert from "node:assert/strict";
import { loadGeneratorBound, machineShare, parseProcStat, processCores } from "./load.ts";
import { summarizeCrowd } from "./crowd_summary.ts";
import { FixedRate } from "./pace.ts";
import { Results } from "./registry.ts";
import { INFO_TARGET, verdict } from "./report.ts";

Deno.test("parseProcStat reads busy, steal and cores; rejects junk", () => {
  const a = parseProcStat("cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1 2\ncpu1 3 4\nintr 5\n")!;
  assert.equal(a.cores, 2);
  assert.equal(a.busy, 1.9); // user + system + steal, in seconds at 100 Hz
  assert.equal(a.steal, 0.4);
  const b = parseProcStat("cpu  200 0 50 900 10 0 0 40 0 0\ncpu0 1\ncpu1 1\n")!;
  assert.deepEqual(machineShare(a, b, 1), { busyCores: 1, stealCores: 0 });
  assert.equal(parseProcStat("intr 5\n"), undefined);
  assert.equal(parseProcStat("cpu  x y\n"), undefined);
});

Deno.test("load-generator rules: a saturated process, a saturated machine, a short offer", () => {
  const base = { cores: 2, serverCpu: 0.4, clientCpus: [0.3, 0.3], offered: 20e3, nominal: 20e3 };
  assert.equal(loadGeneratorBound(base), undefined);
  assert.match(loadGeneratorBound({ ...base, clientCpus: [0.95, 0.1] })!, /client process/);
  // 4 x 0.4 = 1.6 >= (2 - 0.4) x 0.9 = 1.44 although no process is saturated
  assert.match(loadGeneratorBound({ ...base, clientCpus: [0.4, 0.4, 0.4, 0.4] })!, /cores/);
  assert.match(loadGeneratorBound({ ...base, offered: 18e3 })!, /offered 90%/);
  // a busy server leaves less: the same clients are the limit next to it
  assert.equal(loadGeneratorBound({ ...base, clientCpus: [0.6, 0.6] }), undefined);
  assert.notEqual(
    loadGeneratorBound({ ...base, serverCpu: 0.8, clientCpus: [0.6, 0.6] }),
    undefined,
  );
});

Deno.test("summarizeCrowd merges client histograms and rates", () => {
  const h = (bins: [number, number][]) => ({ width: 0.02, bins: 1000, counts: bins });
  const { step, why } = summarizeCrowd(
    {
      cpu: 0.3,
      seconds: 2,
      peers: 10,
      inputs: 400,
      snapshotsSent: 400,
      orderErrors: 0,
      up: h([[5, 400]]),
      rss: 0,
      heapUsed: 0,
      external: 0,
      heapTotal: 0,
    },
    [
      {
        cpu: 0.2,
        seconds: 2,
        clients: 5,
        puts: 200,
        putErrors: 0,
        snapshots: 200,
        down: h([[1, 198], [99, 2]]),
      },
      {
        cpu: 0.2,
        seconds: 2,
        clients: 5,
        puts: 200,
        putErrors: 1,
        snapshots: 190,
        down: h([[1, 190]]),
      },
    ],
    10,
    2,
  );
  assert.equal(why, undefined);
  assert.equal(step.nominal, 200);
  assert.equal(step.inputsOffered, 200);
  assert.equal(step.inputsPerSecond, 200);
  assert.equal(step.snapshotsPerSecond, 195);
  assert.equal(step.upP99Ticks, 0.12);
  assert.equal(step.downP99Ticks, 0.04); // 2 slow ones of 390 stay above the 99th percentile
  assert.equal(step.p99Ticks, 0.12);
  assert.equal(step.clientCpu, 0.4);
  assert.equal(step.putErrors, 1);
});

Deno.test("FixedRate catches up late timers, boundedly", () => {
  const r = new FixedRate(5, 10, 0);
  assert.equal(r.due(4), 0);
  assert.equal(r.due(5), 1);
  assert.equal(r.due(19), 2); // 10 and 15
  assert.equal(r.due(200), 10); // 20..200 is 37 periods: 10 sent, 27 dropped
  assert.equal(r.skipped, 27);
  assert.equal(r.due(201), 0);
});

Deno.test("Results: medians, majority notes, rows carry errors, bounds and skips", () => {
  const r = new Results(["a", "b"]);
  r.add("a", { values: { x: 1 }, notes: { lg: "clients saturated" } });
  r.add("a", { values: { x: 3 }, notes: { lg: "clients saturated" } });
  r.add("a", { values: { x: 2 } });
  r.add("b", { values: { x: 1 }, error: "lost message 3" });
  assert.equal(r.med("a", "x"), 2);
  assert.equal(r.majorityNote("a", "lg"), "clients saturated");
  assert.equal(r.majorityNote("b", "lg"), undefined);
  const bound = r.row({
    scenario: "a",
    name: "a",
    ours: [2, "x"],
    ratio: 2,
    target: ">= 1",
    pass: (v) => v >= 1,
    bound: r.majorityNote("a", "lg"),
  })!;
  assert.equal(verdict(bound), "load-generator bound");
  // a figure a weaker load can only worsen: met despite the bound, it passes; missed, it is bound
  assert.equal(verdict({ ...bound, boundOnlyWorsens: true }), "pass");
  assert.equal(verdict({ ...bound, boundOnlyWorsens: true, pass: false }), "load-generator bound");
  // a row without a target is reported, not judged
  assert.equal(verdict({ ...bound, bound: undefined, target: INFO_TARGET }), "info");
  assert.match(verdict(r.vsFloor("b", "b", [1, "x"], [1, "x"], ">= 1x", () => true)!), /^FAIL/);
  assert.equal(
    r.row({ scenario: "c", name: "c", ours: "-", ratio: 1, target: "", pass: () => true }),
    undefined,
  );
  assert.equal(r.anyNote("a", "lg"), "clients saturated");
  const stepFailure = r.row({
    scenario: "a step",
    name: "a",
    ours: "-",
    ratio: 1,
    target: "",
    pass: () => true,
    error: "3 of 10 clients failed to connect",
  })!;
  assert.match(verdict(stepFailure), /FAIL \(incorrect: 3 of 10/);
  r.skip("b", "no gcc");
  r.add("a", { values: { x: 9 } });
  assert.equal(r.majorityNote("a", "lg"), "clients saturated"); // 2 of 4
});

Deno.test("processCores: CPU seconds over wall seconds per pid; pids missing from either are left out", () => {
  const a = { machine: undefined, processes: new Map([[1, 2], [2, 5]]), drops: 0, at: 1000 };
  const b = { machine: undefined, processes: new Map([[1, 3], [3, 9]]), drops: 0, at: 3000 };
  const cores = processCores(a, b);
  assert.deepEqual([...cores], [[1, 0.5]]);
});
