/**
 * `deno task bench`: every registered scenario, servers and clients in separate processes on
 * loopback, each repeated (median), compared with the raw-UDP floor and the pure-TypeScript
 * reference stream measured in the same run.
 *
 * Flags (see bench/README.md): `--quick`, `--out <path>`, `--only <prefix>`, `--reps <n>`,
 * `--profile <dir>`, `--strict`, `--verbose`, `--clients <n>`, `--per-process <n>`, `--full-clients`,
 * `--list`.
 *
 * Adding a scenario: one entry in `scenarios` below (`name`, `needs`, `run`, `rows`); rows are
 * built from the medians with `results.vsFloor(...)` / `results.row({...})`.
 *
 * @module
 */
import { killAllChildren } from "./lib/proc.ts";
import { INFO_TARGET, renderTable, type Row, verdict } from "./lib/report.ts";
import { type Measurement, Results, type Scenario } from "./lib/registry.ts";
import { rawOneWay } from "./raw_floor.ts";
import {
  crowd,
  type CrowdPlan,
  lossyTransfer,
  oneWay,
  pingPong,
  referenceStream,
  type ScenarioOptions,
} from "./scenarios.ts";
import { enetScenarios } from "./enet/enet_scenarios.ts";
import { tickCost } from "./tick_cost.ts";

// ------------------------------------------------------------------------------------ CLI

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
/** The crowd grows from `--clients` to twice that in one server; memory is the slope. */
const crowdSizes = [options.crowdClients, 2 * options.crowdClients] as const;
const crowdPlan: CrowdPlan = {
  steps: crowdSizes,
  perProcess: Number(flag("--per-process") ?? (quick ? 100 : 250)),
  settleMs: quick ? 300 : 1_000,
};
const encryptedPlan: CrowdPlan = { ...crowdPlan, steps: [crowdSizes[0]], encryption: true };

// ------------------------------------------------------------------------------ scenarios

const MB = 1e6;
const KiB = 1024;
const floorOptions = { ...options, denoFlags: [] };
const REFERENCE = "reference stream 32 B";
// the same stream behind a per-message API (put / get with a view per message)
const REFERENCE_API = "reference stream 32 B, per-message API";
// the same minimal stream with one 1000 B message per datagram, plain and sealed
const REFERENCE_1000 = "reference stream 1000 B";
const REFERENCE_1000_SEALED = "reference stream 1000 B encrypted";
const raw = (m: Promise<Record<string, number> | object>) =>
  m.then((v) => ({ values: { ...v } as Record<string, number> }));
const fixed = (digits: number) => (v: number) => Number.isFinite(v) ? v.toFixed(digits) : "-";

/** ours / the reference stream `reference` of the same run (the "vs ceiling" column). */
function vsCeiling(r: Results, rate: number, reference = REFERENCE): number | undefined {
  return r.has(reference) ? rate / r.med(reference, "rate") : undefined;
}
/**
 * The footnote of a one-way scenario: each side's CPU per message over the measured window,
 * next to the reference stream's (a cost the machine's noise moves far less than a rate).
 */
function cpuFootnote(r: Results, name: string, reference: string): string[] {
  const send = r.med(name, "sourceCpuUs"), receive = r.med(name, "sinkCpuUs");
  if (!Number.isFinite(send) && !Number.isFinite(receive)) return [];
  const ref = r.has(reference) ? `; reference stream ${referenceCpu(r, reference)}` : "";
  return [`${name}: CPU per message ${cpuUs(send)} sending / ${cpuUs(receive)} receiving${ref}`];
}
const cpuUs = (v: number) => Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)} us` : "-";
/** A reference stream's CPU per message, `sending / receiving`. */
function referenceCpu(r: Results, reference: string): string {
  return `${cpuUs(r.med(reference, "senderCpuUs"))} / ${cpuUs(r.med(reference, "receiverCpuUs"))}`;
}

/** The in-process tick cost child (bench/tick_cost.ts), plain or with every session encrypted. */
function inProcessTickCost(encrypted: boolean): Promise<Measurement> {
  return tickCost({
    clients: options.crowdClients,
    ticks: quick ? 10 : 40,
    encrypted,
    denoFlags: options.denoFlags,
  });
}

/** The live heap per session of a tick cost scenario: its n-2n slope, target 8 KiB. */
function inProcessHeapRow(r: Results, scenario: string, name: string): Row | undefined {
  const heap = r.med(name, "heapSlope") / KiB;
  return r.row({
    scenario,
    name,
    ours: [heap, "KiB"],
    floor: "slope n-2n",
    ratio: heap,
    target: "<= 8 KiB",
    pass: () => heap <= 8,
  });
}

/** A 32 B row: ratio to the raw 32 B floor and to the reference stream. */
function row32(r: Results, scenario: string, name: string, target: number): Row | undefined {
  const rate = r.med(name, "rate"), floor = r.med("raw 32 B", "rate");
  return r.row({
    scenario,
    name,
    ours: [rate, "msg/s"],
    floor: [floor, "dg/s"],
    ratio: rate / floor,
    ceiling: vsCeiling(r, rate),
    target: `>= ${target}x`,
    pass: (x) => x >= target,
  });
}

/**
 * The rows of one crowd step. Rate-dependent rows (deliveries, latency, server CPU) are marked
 * load-generator bound when most repetitions were; the connect row when the clients' CPU during
 * the connect (their handshakes plus the traffic of those already in) was the limit; memory rows
 * only when their slope ends at such a step.
 */
function crowdStepRows(
  r: Results,
  name: string,
  label: string,
  n: number,
  targets: { cpu?: number; info?: boolean },
): (Row | undefined)[] {
  const v = (key: string) => r.med(name, `${n}.${key}`);
  const bound = r.majorityNote(name, `${n}.loadGeneratorBound`);
  const error = r.anyNote(name, `${n}.error`);
  const info = targets.info === true;
  const delivered = (what: string, key: string) =>
    r.row({
      scenario: `${label}: ${what} delivered`,
      name,
      ours: [v(key), "msg/s"],
      floor: [v("nominal"), "msg/s"],
      ratio: v(key) / v("nominal"),
      target: info ? INFO_TARGET : ">= 0.99x",
      pass: (x) => info || x >= 0.99,
      bound,
      boundOnlyWorsens: !info,
      error,
    });
  return [
    info ? undefined : r.row({
      scenario: `${label}: connect`,
      name,
      ours: [v("connectMs") / 1000, "s"],
      ratio: v("connectMs") / 1000,
      target: "all within 5 s",
      pass: (x) => x <= 5,
      bound: r.majorityNote(name, `${n}.connectBound`),
      boundOnlyWorsens: true,
      error,
    }),
    delivered("inputs", "inputsPerSecond"),
    delivered("snapshots", "snapshotsPerSecond"),
    r.row({
      scenario: `${label}: p99 delivery`,
      name,
      ours: [v("p99Ticks"), "ticks"],
      floor: `up ${fixed(2)(v("upP99Ticks"))} down ${fixed(2)(v("downP99Ticks"))}`,
      ratio: v("p99Ticks"),
      target: info ? INFO_TARGET : "<= 2 ticks",
      pass: (x) => info || x <= 2,
      bound,
      boundOnlyWorsens: !info,
      error,
    }),
    r.row({
      scenario: `${label}: server CPU`,
      name,
      ours: [v("serverCpu"), "core"],
      floor: `clients ${fixed(2)(v("clientCpu"))} core`,
      ratio: v("serverCpu"),
      target: targets.cpu !== undefined ? `<= ${targets.cpu} core` : INFO_TARGET,
      pass: (x) => targets.cpu === undefined || x <= targets.cpu,
      bound,
      error,
    }),
  ];
}

/** Live heap and RSS per peer: `slope` keys, or growth of step `n` over the empty server. */
function crowdMemoryRows(
  r: Results,
  name: string,
  label: string,
  keys: { heap: string; rss: string; basis: string; upperStep?: number; info?: boolean },
): (Row | undefined)[] {
  const info = keys.info === true;
  const heap = r.med(name, keys.heap) / KiB, rss = r.med(name, keys.rss) / KiB;
  // a slope whose upper point is a saturated step counts the sessions of clients that timed out
  // or never finished connecting, which the server still holds: not a per-peer figure
  const bound = keys.upperStep === undefined
    ? undefined
    : r.majorityNote(name, `${keys.upperStep}.loadGeneratorBound`);
  return [
    r.row({
      scenario: `${label}: live heap/peer`,
      name,
      ours: [heap, "KiB"],
      floor: keys.basis,
      ratio: heap,
      target: info ? INFO_TARGET : "<= 8 KiB",
      pass: (x) => info || x <= 8,
      bound,
    }),
    r.row({
      scenario: `${label}: RSS growth/peer`,
      name,
      ours: [rss, "KiB"],
      floor: keys.basis,
      ratio: rss,
      target: info ? INFO_TARGET : "<= 32 KiB",
      pass: (x) => info || x <= 32,
      bound,
    }),
  ];
}

/** Each side's CPU per crowd step, and the load-generator verdicts, under the table. */
function crowdFootnotes(
  r: Results,
  name: string,
  label: (n: number) => string,
  sizes: readonly number[],
): string[] {
  return sizes.flatMap((n) => {
    const v = (key: string) => r.med(name, `${n}.${key}`);
    const c = fixed(2);
    const bound = r.majorityNote(name, `${n}.loadGeneratorBound`);
    // CPU nobody in this scenario used: other programs, which disturb the measurement
    const others = v("machineBusy") - v("serverCpu") - v("clientCpu");
    const lines = [
      `${label(n)}: server ${c(v("serverCpu"))} core; clients ${c(v("clientCpu"))} core in ` +
      `${v("clientProcesses")} processes (busiest ${c(v("clientCpuMax"))}); machine ` +
      `${c(v("machineBusy"))} of ${navigator.hardwareConcurrency} cores busy, steal ` +
      `${c(v("machineSteal"))}; inputs offered ${
        fixed(1)(100 * v("inputsOffered") / v("nominal"))
      }%` +
      ` of nominal; server socket dropped ${fixed(0)(v("serverSocketDrops"))}/s (reads ` +
      `${fixed(1)(v("readGapP99Ms"))} ms apart at p99, broadcast turn ${
        fixed(1)(v("tickTurnP50Ms"))
      } ms); ` +
      `${fixed(0)(v("disconnected"))} clients timed out`,
    ];
    if (Number.isFinite(v("serverMainCpu"))) {
      lines.push(
        `  server threads: JS ${c(v("serverMainCpu"))}, receive thread ${
          c(v("serverWorkerCpu"))
        }, V8 helpers ${c(v("serverHelperCpu"))}, runtime ${c(v("serverOtherCpu"))} core`,
      );
    }
    if (bound) lines.push(`  -> load-generator bound: ${bound}`);
    if (Number.isFinite(v("connectServerCpu"))) {
      const connectBound = r.majorityNote(name, `${n}.connectBound`);
      lines.push(
        `  connect (${fixed(2)(v("connectMs") / 1000)} s): server ${
          c(v("connectServerCpu"))
        } core, clients ${c(v("connectClientsCpu"))} core` +
          (connectBound ? ` -> load-generator bound: ${connectBound}` : ""),
      );
    }
    const unjudged = r.anyNote(name, `${n}.connectFailed`);
    if (unjudged) lines.push(`  -> ${unjudged} (load-generator bound: not judged)`);
    if (v("windowLateMs") > 0) {
      lines.push(
        `  -> a process got the window ${
          c(v("windowLateMs"))
        } ms late: counts at its edge are approximate`,
      );
    }
    if (others > 0.3) {
      lines.push(`  -> disturbed: other programs used ${c(others)} core during the window`);
    }
    return lines;
  });
}

/** Where the largest crowd saturates: the load generator, the server, or neither. */
function saturationRow(r: Results, name: string, n: number): Row | undefined {
  const v = (key: string) => r.med(name, `${n}.${key}`);
  const bound = r.majorityNote(name, `${n}.loadGeneratorBound`);
  const cpu = v("serverCpu");
  const delivered = Math.min(v("inputsPerSecond"), v("snapshotsPerSecond")) / v("nominal");
  const where = bound
    ? "load generator"
    : cpu >= 0.9
    ? `server (${cpu.toFixed(2)} core)`
    : delivered < 0.99
    ? `delivery (${(100 * delivered).toFixed(1)}%)`
    : "not saturated";
  return r.row({
    scenario: `crowd ${n}: saturates at`,
    name,
    ours: where,
    floor: "peers/core ->",
    ratio: n / cpu,
    target: INFO_TARGET,
    pass: () => true,
    bound,
  });
}

const crowdLabel = (n: number) => `crowd ${n}`;
const scenarios: Scenario[] = [
  { name: "raw 32 B", run: () => raw(rawOneWay(32, floorOptions)) },
  { name: "raw 1200 B", run: () => raw(rawOneWay(1200, floorOptions)) },
  {
    // the ceiling: a minimal pure-TS reliable stream, what this runtime does with nothing extra
    name: REFERENCE,
    needs: ["raw 32 B"],
    run: () => referenceStream(options),
    rows: (r) => [row32(r, REFERENCE, REFERENCE, 0)].map((x) => x && { ...x, target: "(ceiling)" }),
  },
  {
    // the same stream behind a per-message API of the peer's shape: what one call and one view
    // per message cost at the least, apart from the stream itself
    name: REFERENCE_API,
    needs: ["raw 32 B", REFERENCE],
    run: () => referenceStream(options, { api: true }),
    rows: (r) =>
      [row32(r, REFERENCE_API, REFERENCE_API, 0)].map((x) =>
        x && { ...x, target: INFO_TARGET, pass: true }
      ),
    footnotes: (r) =>
      r.has(REFERENCE_API)
        ? [
          `${REFERENCE_API}: CPU per message ${
            referenceCpu(r, REFERENCE_API)
          } (sending / receiving)`,
        ]
        : [],
  },
  {
    name: REFERENCE_1000,
    needs: ["raw 1200 B"],
    run: () => referenceStream(options, { size: 1000, perDatagram: 1 }),
    rows: (r) => [
      r.vsFloor(
        REFERENCE_1000,
        REFERENCE_1000,
        [r.med(REFERENCE_1000, "rate"), "msg/s"],
        [r.med("raw 1200 B", "rate"), "dg/s"],
        "(ceiling)",
        () => true,
        1,
      ),
    ],
  },
  {
    // the ceiling of the encrypted row: the same stream sealing every datagram and ack with
    // the library's ChaCha20-Poly1305, against the plain one of the same run
    name: REFERENCE_1000_SEALED,
    needs: [REFERENCE_1000],
    run: () => referenceStream(options, { size: 1000, perDatagram: 1, encrypt: true }),
    rows: (r) => [
      r.vsFloor(
        "reference stream 1000 B, encrypted",
        REFERENCE_1000_SEALED,
        [r.med(REFERENCE_1000_SEALED, "rate"), "msg/s"],
        [r.med(REFERENCE_1000, "rate"), "msg/s"],
        "(ceiling)",
        () => true,
        1,
      ),
    ],
  },
  {
    name: "reliable 32 B",
    needs: ["raw 32 B", REFERENCE, REFERENCE_API],
    run: () => oneWay(32, "reliable", options),
    rows: (r) => [row32(r, "reliable 32 B one way", "reliable 32 B", 20)],
    footnotes: (r) => cpuFootnote(r, "reliable 32 B", REFERENCE),
  },
  {
    // its floor runs interleaved with it (scenarios.ts `pingPong`): same moments, same machine
    name: "reliable ping-pong",
    run: () => pingPong(options),
    rows: (r) => [
      r.vsFloor(
        "reliable ping-pong p50",
        "reliable ping-pong",
        [r.med("reliable ping-pong", "p50"), "ms"],
        [r.med("reliable ping-pong", "rawP50"), "ms"],
        "<= 1.15x",
        (x) => x <= 1.15,
      ),
      r.vsFloor(
        "reliable ping-pong p99",
        "reliable ping-pong",
        [r.med("reliable ping-pong", "p99"), "ms"],
        [r.med("reliable ping-pong", "rawP99"), "ms"],
        "<= 2x",
        (x) => x <= 2,
      ),
    ],
  },
  {
    name: "reliable 1000 B",
    needs: ["raw 1200 B", REFERENCE_1000],
    run: () => oneWay(1000, "reliable", options),
    rows: (r) => [
      r.vsFloor(
        "reliable 1000 B one way",
        "reliable 1000 B",
        [r.med("reliable 1000 B", "rate"), "msg/s"],
        [r.med("raw 1200 B", "rate"), "dg/s"],
        ">= 0.9x",
        (x) => x >= 0.9,
        vsCeiling(r, r.med("reliable 1000 B", "rate"), REFERENCE_1000),
      ),
    ],
    footnotes: (r) => cpuFootnote(r, "reliable 1000 B", REFERENCE_1000),
  },
  {
    // the cost of `encryption: true`, compared with the plain 1000 B run of the same rep
    name: "reliable 1000 B encrypted",
    needs: ["raw 1200 B", "reliable 1000 B", REFERENCE_1000_SEALED],
    run: () => oneWay(1000, "reliable", options, true),
    rows: (r) => [
      r.vsFloor(
        "reliable 1000 B one way, encrypted",
        "reliable 1000 B encrypted",
        [r.med("reliable 1000 B encrypted", "rate"), "msg/s"],
        [r.med("reliable 1000 B", "rate"), "msg/s"],
        ">= 0.6x plain",
        (x) => x >= 0.6,
        vsCeiling(r, r.med("reliable 1000 B encrypted", "rate"), REFERENCE_1000_SEALED),
      ),
    ],
    footnotes: (r) => cpuFootnote(r, "reliable 1000 B encrypted", REFERENCE_1000_SEALED),
  },
  {
    name: "reliable 1 MiB",
    needs: ["raw 1200 B", REFERENCE_1000],
    run: () => oneWay(1 << 20, "reliable", options),
    rows: (r) => {
      const bytes = r.med("reliable 1 MiB", "bytesRate");
      // against the goodput of the 1000 B reference stream (it carries 1000 B per datagram)
      const reference = r.has(REFERENCE_1000) ? r.med(REFERENCE_1000, "rate") * 1000 : NaN;
      return [
        r.vsFloor(
          "1 MiB reliable goodput",
          "reliable 1 MiB",
          [bytes / MB, "MB/s"],
          [r.med("raw 1200 B", "bytesRate") / MB, "MB/s"],
          ">= 0.85x",
          (x) => x >= 0.85,
          Number.isFinite(reference) ? bytes / reference : undefined,
        ),
      ];
    },
  },
  {
    name: "unreliable 32 B",
    needs: ["raw 32 B", REFERENCE, REFERENCE_API],
    run: () => oneWay(32, "unreliable", options),
    rows: (r) => [row32(r, "unreliable 32 B delivered", "unreliable 32 B", 25)],
    footnotes: (r) => cpuFootnote(r, "unreliable 32 B", REFERENCE),
  },
  {
    // one server grows from n to 2n clients: the n rows, the 2n rows, memory as the slope
    name: "crowd",
    run: () => crowd(options, crowdPlan),
    rows: (r) => {
      const [n, n2] = crowdSizes;
      return [
        ...crowdStepRows(r, "crowd", crowdLabel(n), n, { cpu: 0.5 }),
        ...crowdMemoryRows(r, "crowd", crowdLabel(n), {
          heap: "heapSlope",
          rss: "rssSlope",
          basis: `slope ${n}-${n2}`,
          upperStep: n2,
        }),
        ...crowdStepRows(r, "crowd", crowdLabel(n2), n2, { info: true }),
        saturationRow(r, "crowd", n2),
      ];
    },
    footnotes: (r) => crowdFootnotes(r, "crowd", crowdLabel, crowdSizes),
  },
  {
    name: "crowd encrypted",
    run: () => crowd(options, encryptedPlan),
    rows: (r) => {
      const n = crowdSizes[0], label = `crowd ${n} encrypted`;
      return [
        ...crowdStepRows(r, "crowd encrypted", label, n, { cpu: 0.8 }),
        ...crowdMemoryRows(r, "crowd encrypted", label, {
          heap: `${n}.heapPerPeer`,
          rss: `${n}.rssPerPeer`,
          // one step, so no slope: fixed costs (compiled code, crypto) are included; the
          // per-session figure is the in-process encrypted row
          basis: "vs empty server",
          info: true,
        }),
      ];
    },
    footnotes: (r) =>
      crowdFootnotes(r, "crowd encrypted", (n) => `crowd ${n} encrypted`, [crowdSizes[0]]),
  },
  { name: "1 MiB loss-free 40 ms", run: () => lossyTransfer(0, options) },
  {
    name: "1 MiB 5% loss 40 ms",
    needs: ["1 MiB loss-free 40 ms"],
    run: () => lossyTransfer(0.05, options),
    rows: (r) => [
      r.vsFloor(
        "1 MiB, 5% loss 40 ms RTT",
        "1 MiB 5% loss 40 ms",
        [r.med("1 MiB 5% loss 40 ms", "ms"), "ms"],
        [r.med("1 MiB loss-free 40 ms", "ms"), "ms"],
        "<= 2x",
        (x) => x <= 2,
      ),
    ],
  },
  {
    // the server's own work per client tick (no sockets; bench/tick_cost.ts), next to what one
    // 64 B receive plus one 128 B send cost on this machine in the same child
    name: "tick cost",
    run: () => inProcessTickCost(false),
    rows: (r) => {
      const us = r.med("tick cost", "us"), floor = r.med("tick cost", "floorUs");
      return [
        r.row({
          scenario: "per client tick, in-process",
          name: "tick cost",
          ours: [us, "us"],
          floor: [floor, "us"],
          ratio: us / floor,
          target: "<= 7 us",
          pass: () => us <= 7,
        }),
        // the server's state per session without sockets or a load generator: the slope
        // between n and 2n sessions on the virtual network (bench/tick_cost.ts)
        inProcessHeapRow(r, "live heap/peer, in-process", "tick cost"),
      ];
    },
  },
  {
    // the same with every session encrypted: what the crowd's encrypted rows cost the server
    // without a load generator, next to the plain figure of the same run
    name: "tick cost, encrypted",
    run: () => inProcessTickCost(true),
    rows: (r) => {
      const us = r.med("tick cost, encrypted", "us"), plain = r.med("tick cost", "us");
      return [
        r.row({
          scenario: "per client tick, in-process, encrypted",
          name: "tick cost, encrypted",
          ours: [us, "us"],
          // the plain figure of the same run, when it ran
          floor: Number.isFinite(plain) ? [plain, "us"] : "-",
          ratio: Number.isFinite(plain) ? us / plain : us,
          target: INFO_TARGET,
          pass: () => true,
        }),
        inProcessHeapRow(r, "live heap/peer, in-process, encrypted", "tick cost, encrypted"),
      ];
    },
  },
  // Godot 3's ENet wire against libenet C (bench/enet/; skipped without gcc and libenet-dev)
  ...enetScenarios(options),
];

// ------------------------------------------------------------------------------------ run

if (Deno.args.includes("--list")) {
  for (const s of scenarios) {
    console.log(s.name + (s.needs ? `  (needs ${s.needs.join(", ")})` : ""));
  }
  Deno.exit(0);
}
const wanted = new Set<string>();
for (const s of scenarios) {
  if (only && !s.name.startsWith(only)) continue;
  wanted.add(s.name);
  s.needs?.forEach((n) => wanted.add(n));
}
const selected = scenarios.filter((s) => wanted.has(s.name));
const results = new Results(selected.map((s) => s.name));
const runnable: Scenario[] = [];
for (const s of selected) {
  const reason = await s.unavailable?.();
  if (reason) {
    results.skip(s.name, reason);
    console.log(`${s.name}: skipped (${reason})`);
  } else runnable.push(s);
}

const onSignal = () => {
  killAllChildren();
  Deno.exit(130);
};
Deno.addSignalListener("SIGINT", onSignal);
const started = performance.now();
const total = runnable.length * reps;
let step = 0;
console.log(
  `bench: ${runnable.length} measurements x ${reps} repetitions${quick ? " (quick)" : ""}`,
);
try {
  for (let rep = 1; rep <= reps; rep++) {
    for (const s of runnable) {
      step++;
      const prefix = `[${step}/${total}] ${s.name} (run ${rep}/${reps})`;
      try {
        const m: Measurement = await s.run();
        results.add(s.name, m);
        const shown = Object.entries(m.values).slice(0, 4)
          .map(([k, v]) => `${k}=${Number.isFinite(v) ? +v.toPrecision(3) : v}`).join(" ");
        console.log(`${prefix}: ${shown}${m.error ? `  INCORRECT: ${m.error}` : ""}`);
      } catch (e) {
        const message = oneLine(e instanceof Error ? e.message : String(e));
        results.addFailure(s.name, message);
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

// ---------------------------------------------------------------------------------- table

const rows = selected.flatMap((s) => s.rows?.(results) ?? []).filter((r): r is Row =>
  r !== undefined
);
const footnotes = selected.flatMap((s) => s.footnotes?.(results) ?? []);
const seconds = (performance.now() - started) / 1000;
console.log(`\n${renderTable(rows)}\n`);
for (const line of footnotes) console.log(line);
console.log(
  `\n(${seconds.toFixed(1)} s, medians of ${reps} run(s); floor = raw Deno UDP, same run; ` +
    `vs ceiling = ours / the reference stream of the same size (and encryption), same run)`,
);
const incorrect = rows.some((r) => r.error !== undefined);
// --strict: a miss or a load-generator-bound row fails too (neither showed the target was met)
const missed = rows.some((r) => {
  const v = verdict(r);
  return !r.error && !r.skipped && v !== "pass" && v !== "info";
});
if (out) {
  const report = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    quick,
    reps,
    options,
    crowdPlan,
    rows: rows.map((r) => ({ ...r, result: verdict(r) })),
    footnotes,
    results,
    seconds,
  };
  await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${out}`);
}
if (incorrect) console.log("FAILED: a scenario delivered wrong results (see table)");
Deno.exit(incorrect || (strict && missed) ? 1 : 0);
