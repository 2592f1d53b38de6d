/**
 * `deno task bench`: every scenario of issue 5, server and client in separate processes on
 * loopback, each repeated (median), compared with the raw-UDP floor measured in the same run.
 *
 * Flags: `--quick` (one short repetition, < 1 min; only a correctness failure fails the
 * process), `--out <path>` (JSON results), `--only <text>` (scenarios whose name contains it),
 * `--reps <n>`, `--profile <dir>` (`--cpu-prof` on the peer children), `--strict` (a missed target
 * also fails the process).
 *
 * @module
 */
import { killAllChildren } from "./lib/proc.ts";
import { median } from "./lib/stats.ts";
import { fmt, renderTable, type Row } from "./lib/report.ts";
import { rawOneWay, rawPingPong } from "./raw_floor.ts";
import { crowd, lossyTransfer, type Measurement, oneWay, pingPong } from "./scenarios.ts";
import type { ScenarioOptions } from "./scenarios.ts";

function flag(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}
const quick = Deno.args.includes("--quick");
const strict = Deno.args.includes("--strict");
const out = flag("--out");
const only = flag("--only");
const profileDir = flag("--profile");
const reps = Number(flag("--reps") ?? (quick ? 1 : 3));
const denoFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
const options: ScenarioOptions = {
  ...(quick
    ? { warmupMs: 300, durationMs: 700, rounds: 400, crowdClients: 200, crowdMs: 2_000 }
    : { warmupMs: 1_500, durationMs: 2_000, rounds: 2_000, crowdClients: 1000, crowdMs: 5_000 }),
  ...(flag("--clients") ? { crowdClients: Number(flag("--clients")) } : {}),
  transfers: quick ? 2 : 3,
  denoFlags,
};

type Task = { name: string; needs?: string[]; run: () => Promise<Measurement> };
const floorOptions = { ...options, denoFlags: [] };
const tasks: Task[] = [
  { name: "raw 32 B", run: async () => ({ values: { ...await rawOneWay(32, floorOptions) } }) },
  { name: "raw 1200 B", run: async () => ({ values: { ...await rawOneWay(1200, floorOptions) } }) },
  {
    name: "raw ping-pong",
    run: async () => ({ values: { ...await rawPingPong(32, floorOptions) } }),
  },
  { name: "reliable 32 B", needs: ["raw 32 B"], run: () => oneWay(32, "reliable", options) },
  { name: "reliable ping-pong", needs: ["raw ping-pong"], run: () => pingPong(options) },
  { name: "reliable 1000 B", needs: ["raw 1200 B"], run: () => oneWay(1000, "reliable", options) },
  {
    // issue 4: the cost of `encryption: true`, compared with the plain 1000 B run of the same rep
    name: "reliable 1000 B encrypted",
    needs: ["raw 1200 B", "reliable 1000 B"],
    run: () => oneWay(1000, "reliable", options, true),
  },
  {
    name: "reliable 1 MiB",
    needs: ["raw 1200 B"],
    run: () => oneWay(1 << 20, "reliable", options),
  },
  { name: "unreliable 32 B", needs: ["raw 32 B"], run: () => oneWay(32, "unreliable", options) },
  { name: "crowd", run: () => crowd(options) },
  { name: "1 MiB loss-free 40 ms", run: () => lossyTransfer(0, options) },
  {
    name: "1 MiB 5% loss 40 ms",
    needs: ["1 MiB loss-free 40 ms"],
    run: () => lossyTransfer(0.05, options),
  },
];
const wanted = new Set<string>();
for (const t of tasks) {
  if (only && !t.name.startsWith(only)) continue;
  wanted.add(t.name);
  t.needs?.forEach((n) => wanted.add(n));
}
const selected = tasks.filter((t) => wanted.has(t.name));
const results = new Map<string, { samples: Record<string, number>[]; errors: string[] }>();
for (const t of selected) results.set(t.name, { samples: [], errors: [] });

const onSignal = () => {
  killAllChildren();
  Deno.exit(130);
};
Deno.addSignalListener("SIGINT", onSignal);
const started = performance.now();
const total = selected.length * reps;
let step = 0;
console.log(
  `bench: ${selected.length} measurements x ${reps} repetitions${quick ? " (quick)" : ""}`,
);
try {
  for (let rep = 1; rep <= reps; rep++) {
    for (const t of selected) {
      step++;
      const prefix = `[${step}/${total}] ${t.name} (run ${rep}/${reps})`;
      const r = results.get(t.name)!;
      try {
        const m = await t.run();
        r.samples.push(m.values);
        if (m.error) r.errors.push(m.error);
        const shown = Object.entries(m.values).slice(0, 4)
          .map(([k, v]) => `${k}=${fmt(v, "")}`).join(" ");
        console.log(`${prefix}: ${shown}${m.error ? `  INCORRECT: ${m.error}` : ""}`);
      } catch (e) {
        const message = oneLine(e instanceof Error ? e.message : String(e));
        r.errors.push(`run failed: ${message}`);
        console.log(`${prefix}: ERROR ${message}`);
      }
    }
  }
} finally {
  killAllChildren();
  Deno.removeSignalListener("SIGINT", onSignal);
}

/** First line plus the first stderr error line, without colors (keeps the table readable). */
function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex
  const lines = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => l.trim()).filter(
    Boolean,
  );
  const cause = lines.slice(1).find((l) => /error/i.test(l));
  return cause ? `${lines[0]} ${cause}` : lines[0] ?? "";
}

function med(name: string, key: string): number {
  return median((results.get(name)?.samples ?? []).map((s) => s[key]).filter(Number.isFinite));
}
function row(
  scenario: string,
  name: string,
  ours: [number, string],
  floor: [number, string] | undefined,
  ratio: number,
  target: string,
  pass: (r: number) => boolean,
): Row | undefined {
  const r = results.get(name);
  if (!r) return undefined;
  return {
    scenario,
    ours: fmt(...ours),
    floor: floor ? fmt(...floor) : "-",
    ratio,
    target,
    pass: Number.isFinite(ratio) && pass(ratio),
    error: r.errors[0],
    samples: r.samples,
  };
}
/** A row measured against the floor: the ratio is ours / floor. */
function vsFloor(
  scenario: string,
  name: string,
  ours: [number, string],
  floor: [number, string],
  target: string,
  pass: (r: number) => boolean,
): Row | undefined {
  return row(scenario, name, ours, floor, ours[0] / floor[0], target, pass);
}
/** A crowd row: `value` itself is checked (no floor); `shown` is how the table prints it. */
function crowdRow(
  label: string,
  shown: [number, string],
  value: number,
  target: string,
  pass: (r: number) => boolean,
): Row | undefined {
  return row(
    `crowd ${options.crowdClients}: ${label}`,
    "crowd",
    shown,
    undefined,
    value,
    target,
    pass,
  );
}
const MB = 1e6;
const f32: [number, string] = [med("raw 32 B", "rate"), "dg/s"];
const f1200: [number, string] = [med("raw 1200 B", "rate"), "dg/s"];
const f1200b: [number, string] = [med("raw 1200 B", "bytesRate") / MB, "MB/s"];
const fRtt: [number, string] = [med("raw ping-pong", "p50"), "ms"];
const lossFree: [number, string] = [med("1 MiB loss-free 40 ms", "ms"), "ms"];
const cpu = med("crowd", "cpu");
const rssKiB = med("crowd", "rssPerPeer") / 1024;
const p99Ticks = med("crowd", "p99Ticks");
const rows = [
  vsFloor(
    "reliable 32 B one way",
    "reliable 32 B",
    [med("reliable 32 B", "rate"), "msg/s"],
    f32,
    ">= 15x",
    (r) => r >= 15,
  ),
  vsFloor(
    "reliable ping-pong p50",
    "reliable ping-pong",
    [med("reliable ping-pong", "p50"), "ms"],
    fRtt,
    "<= 1.15x",
    (r) => r <= 1.15,
  ),
  vsFloor(
    "reliable ping-pong p99",
    "reliable ping-pong",
    [med("reliable ping-pong", "p99"), "ms"],
    [med("raw ping-pong", "p99"), "ms"],
    "(info)",
    () => true,
  ),
  vsFloor(
    "reliable 1000 B one way",
    "reliable 1000 B",
    [med("reliable 1000 B", "rate"), "msg/s"],
    f1200,
    ">= 1.0x",
    (r) => r >= 1,
  ),
  vsFloor(
    "reliable 1000 B one way, encrypted",
    "reliable 1000 B encrypted",
    [med("reliable 1000 B encrypted", "rate"), "msg/s"],
    [med("reliable 1000 B", "rate"), "msg/s"],
    "(info)",
    () => true,
  ),
  vsFloor(
    "1 MiB reliable goodput",
    "reliable 1 MiB",
    [med("reliable 1 MiB", "bytesRate") / MB, "MB/s"],
    f1200b,
    ">= 0.7x",
    (r) => r >= 0.7,
  ),
  vsFloor(
    "unreliable 32 B delivered",
    "unreliable 32 B",
    [med("unreliable 32 B", "rate"), "msg/s"],
    f32,
    ">= 15x",
    (r) => r >= 15,
  ),
  crowdRow("server CPU", [cpu * 100, "% core"], cpu, "<= 0.5 core", (r) => r <= 0.5),
  crowdRow("RSS growth/peer", [rssKiB, "KiB"], rssKiB, "<= 16 KiB", (r) => r <= 16),
  crowdRow("p99 delivery", [p99Ticks, "ticks"], p99Ticks, "<= 2 ticks", (r) => r <= 2),
  vsFloor(
    "1 MiB, 5% loss 40 ms RTT",
    "1 MiB 5% loss 40 ms",
    [med("1 MiB 5% loss 40 ms", "ms"), "ms"],
    lossFree,
    "<= 2x",
    (r) => r <= 2,
  ),
].filter((r): r is Row => r !== undefined);

const seconds = (performance.now() - started) / 1000;
console.log(
  `\n${renderTable(rows)}\n\n(${
    seconds.toFixed(1)
  } s, medians of ${reps} run(s); floor = raw Deno UDP, same run)`,
);
const incorrect = rows.some((r) => r.error !== undefined);
const missed = rows.some((r) => !r.pass);
if (out) {
  const floors = Object.fromEntries(
    [...results].filter(([k]) => k.startsWith("raw")).map(([k, v]) => [k, v.samples]),
  );
  const report = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    quick,
    reps,
    options,
    floors,
    rows,
    seconds,
  };
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${out}`);
}
if (incorrect) console.log("FAILED: a scenario delivered wrong results (see table)");
Deno.exit(incorrect || (strict && missed) ? 1 : 0);
