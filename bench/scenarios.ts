/**
 * One function per benchmark scenario: each spawns a server and a client process, waits for the
 * measurement, checks correctness and returns numbers. Used by `run.ts`.
 *
 * @module
 */
import { type Child, spawnChild } from "./lib/proc.ts";
import { wallNow } from "./lib/child_io.ts";
import { median, quantile } from "./lib/stats.ts";
import { interleave } from "./lib/segments.ts";
import { withRawPing } from "./raw_floor.ts";
import { delay } from "./lib/pace.ts";
import {
  loadGeneratorBound,
  machineShare,
  processCores,
  procSnapshot,
  readMachineCpu,
} from "./lib/load.ts";
import { readThreadCpu, threadShare } from "./lib/threads.ts";
import { type ClientReport, type ServerReport, summarizeCrowd } from "./lib/crowd_summary.ts";
import type { PeerChildConfig } from "./peer_child.ts";
import type { Measurement } from "./lib/registry.ts";

const PEER = new URL("./peer_child.ts", import.meta.url);
const CROWD = new URL("./crowd_child.ts", import.meta.url);
const REFERENCE = new URL("./reference_stream_child.ts", import.meta.url);

/**
 * Timing knobs shared by every scenario.
 *
 * @example
 * ```ts
 * import type { ScenarioOptions } from "./scenarios.ts";
 * let value: ScenarioOptions | undefined;
 * ```
 */
export interface ScenarioOptions {
  /** Ignore this long after the first message (ping-pong: warm up at least this long). */
  readonly warmupMs: number;
  /** Measure over this long. */
  readonly durationMs: number;
  /** Ping-pong round trips. */
  readonly rounds: number;
  /** Clients in the crowd scenario. */
  readonly crowdClients: number;
  /** Crowd measurement window. */
  readonly crowdMs: number;
  /** 1 MiB transfers per loss measurement. */
  readonly transfers: number;
  /** Extra `deno run` flags for peer children (profiling). */
  readonly denoFlags?: readonly string[];
}

export type { Measurement } from "./lib/registry.ts";

async function pair<T>(
  server: PeerChildConfig,
  client: PeerChildConfig,
  options: ScenarioOptions,
  body: (server: Child, client: Child) => Promise<T>,
): Promise<T> {
  const flags = { denoFlags: options.denoFlags };
  const s = spawnChild(PEER, server, { label: `server ${server.role}`, ...flags });
  try {
    const { port, serverKey } = await s.next("ready", 20_000);
    const pinned = typeof serverKey === "string" ? { serverKey } : {};
    const c = spawnChild(PEER, { ...client, port: Number(port), ...pinned }, {
      label: `client ${client.role}`,
      ...flags,
    });
    try {
      await c.next("ready", 20_000);
      return await body(s, c);
    } finally {
      await c.close();
    }
  } finally {
    await s.close();
  }
}

/**
 * One-way messages of `size` bytes in `mode`: delivered msg/s and bytes/s, plus the check that
 * every reliable message arrived once and in order (unreliable: never twice). `encryption` sets
 * `encryption: true` on both peers (the client pins the server's identity key).
 *
 * @example
 * ```ts
 * import { oneWay } from "./scenarios.ts";
 * const m = await oneWay(32, "reliable", {
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * });
 * console.log(m.values.rate, m.error);
 * ```
 */
export function oneWay(
  size: number,
  mode: "reliable" | "unreliable",
  options: ScenarioOptions,
  encryption = false,
): Promise<Measurement> {
  const deadlineMs = options.warmupMs + options.durationMs + 40_000;
  const common = { size, mode, deadlineMs, ...(encryption ? { encryption } : {}) };
  return pair(
    { role: "sink", warmupMs: options.warmupMs, durationMs: options.durationMs, ...common },
    { role: "source", warmupMs: options.warmupMs, ...common },
    options,
    async (server, client) => {
      const measured = await server.next(
        "measured",
        options.warmupMs + options.durationMs + 15_000,
      );
      await client.send({ cmd: "stop" });
      const done = await client.next("done", 10_000);
      await server.send({ cmd: "expect", count: done.sent });
      const final = await server.next("final", 20_000);
      const error = Number(final.errors) > 0 ? String(final.firstError) : undefined;
      if (Deno.args.includes("--verbose")) console.log("  per 100 ms:", String(final.per100ms));
      return {
        values: {
          rate: Number(measured.rate),
          bytesRate: Number(measured.bytesRate),
          sent: Number(done.sent),
          received: Number(final.received),
          queueFull: Number(done.queueFull),
          retransmits: Number(done.retransmits),
          rttMs: Number(done.rttMs),
          minRttMs: Number(done.minRttMs),
          congestionWindow: Number(done.congestionWindow),
          pacingRate: Number(done.pacingRate),
          sourceCpuUs: Number(done.cpuUsPerMessage),
          sinkCpuUs: Number(measured.cpuUsPerMessage),
        },
        error,
      };
    },
  );
}

/**
 * Shape of a {@link referenceStream} run.
 *
 * @example
 * ```ts
 * import type { ReferenceTuning } from "./scenarios.ts";
 * const bulk: ReferenceTuning = { size: 1000, perDatagram: 1, encrypt: true };
 * ```
 */
export interface ReferenceTuning {
  /** Message size in bytes (default 32). */
  readonly size?: number;
  /** Messages per datagram (default 35). */
  readonly perDatagram?: number;
  /** Seal every datagram and ack with the library's ChaCha20-Poly1305 (default false). */
  readonly encrypt?: boolean;
  /** The sender skips the first transmission of every n-th datagram (tests the resend path). */
  readonly dropEvery?: number;
  /** Behind a per-message API of the peer's shape at both ends (plain only; default false). */
  readonly api?: boolean;
}

/**
 * The reference ceiling: a minimal pure-TypeScript reliable in-order stream of 32 B messages (35
 * per datagram, an ack every 8 datagrams, a 64-datagram window, selective resend on timeout) in
 * two processes, or of the messages `tuning` shapes. Delivered msg/s, plus the check that every
 * message arrived exactly once and in order.
 *
 * @example
 * ```ts
 * import { referenceStream } from "./scenarios.ts";
 * const m = await referenceStream({
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * });
 * console.log(m.values.rate, m.error);
 * ```
 */
export async function referenceStream(
  options: ScenarioOptions,
  tuning: ReferenceTuning = {},
): Promise<Measurement> {
  const deadlineMs = options.warmupMs + options.durationMs + 40_000;
  // both ends share the stream's shape; only the sender drops
  const shape = {
    size: tuning.size,
    perDatagram: tuning.perDatagram,
    encrypt: tuning.encrypt,
    api: tuning.api,
  };
  const receiver = spawnChild(REFERENCE, {
    role: "receiver",
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    deadlineMs,
    ...shape,
  }, { label: "reference receiver", denoFlags: options.denoFlags });
  try {
    const { port } = await receiver.next("ready", 20_000);
    const sender = spawnChild(REFERENCE, {
      role: "sender",
      port,
      deadlineMs,
      warmupMs: options.warmupMs,
      ...tuning,
    }, {
      label: "reference sender",
      denoFlags: options.denoFlags,
    });
    try {
      const measured = await receiver.next("measured", deadlineMs);
      await sender.send({ cmd: "stop" });
      const done = await sender.next("done", 15_000);
      await receiver.send({ cmd: "expect", count: done.sent });
      const final = await receiver.next("final", 15_000);
      const errors: string[] = [];
      if (Number(final.errors) > 0) errors.push(String(final.firstError));
      if (Number(done.acked) !== Number(done.datagrams)) {
        errors.push(`${Number(done.datagrams) - Number(done.acked)} datagrams never acknowledged`);
      }
      return {
        values: {
          rate: Number(measured.rate),
          datagramRate: Number(measured.datagramRate),
          sent: Number(done.sent),
          received: Number(final.received),
          retransmits: Number(done.retransmits),
          timeouts: Number(done.timeouts),
          reordered: Number(final.reordered),
          duplicates: Number(final.duplicates),
          senderCpuUs: Number(done.cpuUsPerMessage),
          receiverCpuUs: Number(measured.cpuUsPerMessage),
        },
        error: errors.length > 0 ? errors.join("; ") : undefined,
      };
    } finally {
      await sender.close();
    }
  } finally {
    await receiver.close();
  }
}

/** Segments per ping-pong run, and the round trips left out at each segment's start. */
const PING_SEGMENTS = 8, PING_LEAD = 20;

/**
 * Reliable ping-pong of 32 B messages against its raw-UDP floor, interleaved: both pairs stay up
 * and run their round trips in alternating segments (`lib/segments.ts`), so the ratio compares
 * the same moments of the machine. Values: RTT `p50` / `p99` (ours) and `rawP50` / `rawP99`, ms.
 *
 * @example
 * ```ts
 * import { pingPong } from "./scenarios.ts";
 * const m = await pingPong({
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * });
 * console.log(m.values.p50 / m.values.rawP50);
 * ```
 */
export function pingPong(options: ScenarioOptions): Promise<Measurement> {
  const deadlineMs = 2 * options.warmupMs + options.rounds * 40 + 30_000;
  const plan = {
    warmupMs: options.warmupMs,
    rounds: options.rounds,
    segments: PING_SEGMENTS,
    lead: PING_LEAD,
  };
  return withRawPing(32, deadlineMs, options.denoFlags, (rawPing) =>
    pair(
      { role: "echo", deadlineMs },
      { role: "ping", size: 32, deadlineMs },
      options,
      async (_server, client) => {
        const [floor, ours] = await interleave([rawPing, client], plan, deadlineMs);
        const errors: string[] = [];
        if (ours.mismatches > 0) errors.push(`${ours.mismatches} echoes did not match`);
        if (floor.mismatches > 0) errors.push(`raw ping: ${floor.mismatches} mismatches`);
        return {
          values: {
            p50: quantile(ours.samples, 0.5),
            p99: quantile(ours.samples, 0.99),
            rawP50: quantile(floor.samples, 0.5),
            rawP99: quantile(floor.samples, 0.99),
          },
          error: errors.length > 0 ? errors.join("; ") : undefined,
        };
      },
    ));
}

/**
 * Median one-way time (ms) of 1 MiB reliable transfers through the simulator.
 *
 * @example
 * ```ts
 * import { lossyTransfer } from "./scenarios.ts";
 * const m = await lossyTransfer(0.05, {
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * });
 * console.log(m.values.ms);
 * ```
 */
export function lossyTransfer(loss: number, options: ScenarioOptions): Promise<Measurement> {
  const deadlineMs = options.transfers * 30_000 + 20_000;
  const size = 1 << 20;
  // 20 ms each way = 40 ms RTT; both ends lose `loss` of their outgoing datagrams.
  const sim = (seed: number) => ({ simulation: { loss, latencyMs: 20, seed } });
  return pair(
    { role: "receiver", size, deadlineMs, ...sim(1) },
    { role: "transfer", size, rounds: options.transfers, deadlineMs, ...sim(2) },
    options,
    async (_server, client) => {
      const result = await client.next("transfers", deadlineMs);
      const times = result.times as number[];
      const corrupt = Number(result.corrupt);
      return {
        values: { ms: median(times) },
        error: corrupt > 0 ? `${corrupt} transfers arrived corrupt or out of order` : undefined,
      };
    },
  );
}

/** Arrivals of inputs and snapshots sent in a crowd window count until this long after it. */
const CROWD_GRACE_MS = 2_000;
/** How long the crowd stays quiet before the server takes its memory at rest. */
const CROWD_QUIET_MS = 1_000;

/**
 * CPU over the wall-clock window `[from, to)` read from `/proc` by the orchestrator (so it is
 * known even for a process whose event loop is too starved to report): each process's cores by
 * pid, the machine's busy and stolen cores, and the datagrams the kernel dropped at the server's
 * socket per second (its receive buffer was full); the server's (`pids[0]`) split by thread kind.
 */
async function sampleWindow(from: number, to: number, pids: readonly number[], serverPort: number) {
  await delay(Math.max(0, from - wallNow()));
  const [a, threadsA] = await Promise.all([procSnapshot(pids, serverPort), readThreadCpu(pids[0])]);
  await delay(Math.max(0, to - wallNow()));
  const [b, threadsB] = await Promise.all([procSnapshot(pids, serverPort), readThreadCpu(pids[0])]);
  const seconds = (b.at - a.at) / 1000;
  return {
    cores: processCores(a, b),
    machine: a.machine && b.machine ? machineShare(a.machine, b.machine, seconds) : undefined,
    serverSocketDrops: (b.drops - a.drops) / seconds,
    serverThreads: threadsA && threadsB ? threadShare(threadsA, threadsB, seconds) : undefined,
  };
}

/** Resolves to the child's event, or undefined when it does not come within `ms`. */
function nextOrUndefined(child: Child, ev: string, ms: number) {
  return child.next(ev, ms).catch(() => undefined);
}

/**
 * How a crowd run grows and where its clients live.
 *
 * @example
 * ```ts
 * import type { CrowdPlan } from "./scenarios.ts";
 * const plan: CrowdPlan = { steps: [1000, 2000], perProcess: 250 };
 * ```
 */
export interface CrowdPlan {
  /** Total clients at each step: one server grows through them (memory is the slope). */
  readonly steps: readonly number[];
  /** Client peers per load-generator process. */
  readonly perProcess: number;
  /** `encryption: true` everywhere, clients pinning the server's fresh identity key. */
  readonly encryption?: boolean;
  /** Wait this long after a step's clients connected before measuring (default 1 s). */
  readonly settleMs?: number;
}

/**
 * The crowd: one server, clients spread over processes of `plan.perProcess` peers, each client
 * sending 64 B inputs at 20 Hz while the server broadcasts 128 B snapshots at 20 Hz. At each
 * step the new clients connect (all at once, `connectMs` is until the last one is in), then
 * every process measures the same window: CPU of each process and of the machine, inputs and
 * snapshots offered and delivered, latency histograms, and the server's memory after a forced
 * GC. Values are keyed `<clients>.<name>`; with two steps `heapSlope` / `rssSlope` are bytes per
 * peer between them. An input that goes backwards is an error; a client that never connects is
 * the note `<clients>.error` (its step's rows FAIL), or `<clients>.connectFailed` when the step
 * was load-generator bound.
 *
 * @example
 * ```ts
 * import { crowd } from "./scenarios.ts";
 * const m = await crowd({
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * }, { steps: [10], perProcess: 10 });
 * console.log(m.values["10.serverCpu"]);
 * ```
 */
export async function crowd(options: ScenarioOptions, plan: CrowdPlan): Promise<Measurement> {
  const settleMs = plan.settleMs ?? 1_000;
  const last = plan.steps[plan.steps.length - 1] ?? 0;
  const deadlineMs = plan.steps.length * (options.crowdMs + settleMs + 60_000) + 60_000;
  const verbose = Deno.args.includes("--verbose");
  const cores = (await readMachineCpu())?.cores || navigator.hardwareConcurrency || 1;
  const values: Record<string, number> = {};
  const notes: Record<string, string> = {};
  const errors: string[] = [];
  const encryption = plan.encryption ? { encryption: true } : {};
  // light clients (the protocol's client host without the peer API) so the load generator needs
  // less of the machine; `--full-clients` runs UdpMultiplayerPeers
  const light = Deno.args.includes("--full-clients") ? {} : { light: true };
  const server = spawnChild(CROWD, {
    role: "crowd-server",
    clients: last,
    deadlineMs,
    ...encryption,
  }, {
    label: "crowd server",
    // gc() for the memory points: a V8 flag, not a permission
    denoFlags: ["--v8-flags=--expose-gc", ...(options.denoFlags ?? [])],
  });
  const processes: Child[] = [];
  try {
    const ready = await server.next("ready", 20_000);
    const port = Number(ready.port);
    const pinned = typeof ready.serverKey === "string" ? { serverKey: ready.serverKey } : {};
    let memoryBefore = { peers: 0, heapUsed: Number(ready.heapUsed), rss: Number(ready.rss) };
    let previous = 0;
    for (const total of plan.steps) {
      // spawn this step's processes and let them load before the connect clock starts
      const fresh: Child[] = [];
      for (let base = previous; base < total; base += plan.perProcess) {
        const clients = Math.min(plan.perProcess, total - base);
        const child = spawnChild(CROWD, {
          role: "crowd-clients",
          clients,
          indexBase: base,
          port,
          deadlineMs,
          ...encryption,
          ...light,
          ...pinned,
        }, { label: `crowd clients ${base}+${clients}`, denoFlags: options.denoFlags });
        fresh.push(child);
        processes.push(child);
      }
      await Promise.all(fresh.map((c) => c.next("ready", 30_000)));
      // each process's CPU over the connect: the connected clients' traffic runs meanwhile, so
      // the load generator can be the limit of the connect time too
      const connectPids = [server, ...processes].map((c) => c.pid);
      const beforeConnect = await procSnapshot(connectPids, port);
      const connectStart = performance.now();
      await Promise.all(fresh.map((c) => c.send({ cmd: "connect" })));
      const connected = await Promise.all(fresh.map((c) => c.next("connected", deadlineMs)));
      const connectMs = performance.now() - connectStart;
      const afterConnect = await procSnapshot(connectPids, port);
      const byPid = processCores(beforeConnect, afterConnect);
      const connectCores = connectPids.map((pid) => byPid.get(pid) ?? NaN);
      const connectBound = loadGeneratorBound({
        cores,
        serverCpu: connectCores[0],
        clientCpus: connectCores.slice(1).filter(Number.isFinite),
        offered: 1,
        nominal: 1, // no rate to fall behind on: the CPU rules decide
      });
      const failed = connected.reduce((a, c) => a + Number(c.failed), 0);
      // why attempts failed (retries included), e.g. "TIMEOUT: 12, no answer in 6 s: 3"
      const reasons = new Map<string, number>();
      for (const c of connected) {
        for (const [k, v] of Object.entries(c.failures as Record<string, number>)) {
          reasons.set(k, (reasons.get(k) ?? 0) + v);
        }
      }
      const failedAttempts = [...reasons].map(([k, v]) => `${k}: ${v}`).join(", ");
      const messages = Object.assign(
        {},
        ...connected.map((c) => c.failureMessages as Record<string, string>).reverse(),
      ) as Record<string, string>;
      if (verbose) {
        console.log(
          `  crowd: ${total - previous} more connected in ${connectMs.toFixed(0)} ms` +
            (failedAttempts ? `; failed attempts: ${failedAttempts}` : ""),
        );
      }
      await delay(settleMs); // the connect burst's retransmissions and acks die down

      // one wall-clock window for all processes, far enough ahead for each to get it in time
      const from = wallNow() + 1_000, to = from + options.crowdMs;
      const measure = { cmd: "measure", from, to, graceMs: CROWD_GRACE_MS };
      await Promise.all([server, ...processes].map((c) => c.send(measure)));
      const sampled = sampleWindow(from, to, [server, ...processes].map((c) => c.pid), port);
      const reportWithin = options.crowdMs + CROWD_GRACE_MS + 30_000;
      const s = await server.next("crowd", reportWithin) as unknown as ServerReport;
      // a client process too starved to report is itself the verdict, not a crash of the run
      const reports = await Promise.all(
        processes.map((c) => nextOrUndefined(c, "crowd-clients", 15_000)),
      );
      const window = await sampled;
      // memory at rest: the clients pause their inputs, the server its broadcast, and once the
      // queues have drained it takes its heap after a forced GC (the sessions, not the traffic
      // in flight; under a saturated step the in-flight part is what varies run to run)
      const paused = processes.map((c) => nextOrUndefined(c, "paused", 15_000));
      await Promise.all(processes.map((c) => c.send({ cmd: "pause" })));
      await Promise.all(paused);
      await server.send({ cmd: "quiesce", ms: CROWD_QUIET_MS });
      const rest = await server.next("memory", CROWD_QUIET_MS + 30_000);
      const resumed = processes.map((c) => nextOrUndefined(c, "resumed", 15_000));
      await Promise.all(processes.map((c) => c.send({ cmd: "resume" })));
      await Promise.all(resumed);
      const silent = reports.filter((r) => r === undefined).length;
      const procCpu = (c: Child) => window.cores.get(c.pid);
      const clientReports = processes.map((c, k): ClientReport =>
        reports[k]
          ? { ...reports[k] as unknown as ClientReport, cpu: procCpu(c) ?? Number(reports[k]!.cpu) }
          : {
            cpu: procCpu(c) ?? NaN,
            seconds: options.crowdMs / 1000,
            clients: NaN,
            puts: NaN,
            putErrors: 0,
            snapshots: NaN,
            down: { width: s.up.width, bins: s.up.bins, counts: [] },
          }
      );
      const serverReport = { ...s, cpu: procCpu(server) ?? s.cpu };
      const summary = summarizeCrowd(serverReport, clientReports, total, cores);
      const step = summary.step;
      const why = silent > 0
        ? [`${silent} client process(es) did not report (event loop starved)`, summary.why]
          .filter(Boolean).join("; ")
        : summary.why;
      if (s.orderErrors > 0) errors.push(`${s.orderErrors} inputs went backwards`);
      const key = (name: string) => `${total}.${name}`;
      // a client that never connects fails its step's rows, unless the load generator was the
      // limit: then its own starved process may have missed the handshake deadlines
      values[key("connectFailed")] = failed;
      if (failedAttempts) {
        notes[key("failedAttempts")] = failedAttempts;
        notes[key("failureMessages")] = JSON.stringify(messages);
      }
      if (failed > 0) {
        const what = `${failed} of ${
          total - previous
        } clients failed to connect (${failedAttempts})`;
        if (why) notes[key("connectFailed")] = what;
        else notes[key("error")] = what;
      }
      for (const [name, v] of Object.entries(step)) values[key(name)] = v;
      values[key("loadGeneratorBound")] = why ? 1 : 0;
      values[key("silentProcesses")] = silent;
      values[key("clients")] = s.peers;
      values[key("connectMs")] = connectMs;
      values[key("connectServerCpu")] = connectCores[0];
      values[key("connectClientsCpu")] = connectCores.slice(1).filter(Number.isFinite)
        .reduce((a, b) => a + b, 0);
      if (connectBound) notes[key("connectBound")] = connectBound;
      values[key("heapUsed")] = Number(rest.heapUsed);
      values[key("rss")] = Number(rest.rss);
      values[key("external")] = Number(rest.external);
      values[key("heapTotal")] = Number(rest.heapTotal);
      values[key("heapUnderLoad")] = s.heapUsed;
      values[key("rssUnderLoad")] = s.rss;
      // growth per peer against the previous point (the empty server for the first step)
      const peersAtRest = Number(rest.peers);
      const added = peersAtRest - memoryBefore.peers;
      values[key("heapPerPeer")] = (Number(rest.heapUsed) - memoryBefore.heapUsed) / added;
      values[key("rssPerPeer")] = (Number(rest.rss) - memoryBefore.rss) / added;
      values[key("serverSelfCpu")] = s.cpu; // the server's own process.cpuUsage() view
      // where the server's share went: its JS thread, its receive thread, V8's helpers
      values[key("serverMainCpu")] = window.serverThreads?.main ?? NaN;
      values[key("serverWorkerCpu")] = window.serverThreads?.workers ?? NaN;
      values[key("serverHelperCpu")] = window.serverThreads?.helpers ?? NaN;
      values[key("serverOtherCpu")] = window.serverThreads?.other ?? NaN;
      values[key("serverSocketDrops")] = window.serverSocketDrops;
      if (window.machine) {
        values[key("machineBusy")] = window.machine.busyCores;
        values[key("machineSteal")] = window.machine.stealCores;
      }
      if (why) notes[key("loadGeneratorBound")] = why;
      if (verbose) {
        const f = (v: number) => v.toFixed(2);
        console.log(
          `  crowd ${total}: server ${f(step.serverCpu)} core, clients ${f(step.clientCpu)} ` +
            `(max ${f(step.clientCpuMax)}) in ${step.clientProcesses} processes; inputs ` +
            `${step.inputsOffered.toFixed(0)} offered / ${step.inputsPerSecond.toFixed(0)} ` +
            `delivered; snapshots ${step.snapshotsSent.toFixed(0)} sent / ` +
            `${step.snapshotsPerSecond.toFixed(0)} delivered; server socket drops ${
              (values[key("serverSocketDrops")] ?? NaN).toFixed(0)
            }/s; p99 ${f(step.upP99Ticks)} up, ` +
            `${f(step.downP99Ticks)} down${why ? `; load-generator bound: ${why}` : ""}`,
        );
      }
      memoryBefore = {
        peers: peersAtRest,
        heapUsed: Number(rest.heapUsed),
        rss: Number(rest.rss),
      };
      previous = total;
    }
    if (plan.steps.length >= 2) {
      // per-peer memory as the slope between the last two points: fixed costs cancel out
      const [a, b] = plan.steps.slice(-2);
      values.heapSlope = values[`${b}.heapPerPeer`];
      values.rssSlope = values[`${b}.rssPerPeer`];
      values.slopeFrom = a;
    }
    return { values, notes, error: errors.length > 0 ? errors.join("; ") : undefined };
  } finally {
    await Promise.all(processes.map((c) => c.close(10_000)));
    await server.close();
  }
}
