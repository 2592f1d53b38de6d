/**
 * One function per benchmark scenario: each spawns a server and a client process, waits for the
 * measurement, checks correctness and returns numbers. Used by `run.ts`.
 *
 * @module
 */
import { type Child, spawnChild } from "./lib/proc.ts";
import { median } from "./lib/stats.ts";
import type { PeerChildConfig } from "./peer_child.ts";

const PEER = new URL("./peer_child.ts", import.meta.url);
const CROWD = new URL("./crowd_child.ts", import.meta.url);

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
  /** Ignore this long after the first message. */
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

/**
 * What one scenario run measured; `error` set means a correctness failure.
 *
 * @example
 * ```ts
 * import type { Measurement } from "./scenarios.ts";
 * let value: Measurement | undefined;
 * ```
 */
export interface Measurement {
  /** Named values (rates, times, ratios). */
  readonly values: Record<string, number>;
  /** First correctness problem, if any. */
  readonly error?: string;
}

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
    { role: "source", ...common },
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
        },
        error,
      };
    },
  );
}

/**
 * Reliable ping-pong of 32 B messages: RTT p50/p99 in ms.
 *
 * @example
 * ```ts
 * import { pingPong } from "./scenarios.ts";
 * const m = await pingPong({
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * });
 * console.log(m.values.p50);
 * ```
 */
export function pingPong(options: ScenarioOptions): Promise<Measurement> {
  const deadlineMs = options.rounds * 20 + 30_000;
  return pair(
    { role: "echo", deadlineMs },
    { role: "ping", size: 32, rounds: options.rounds, deadlineMs },
    options,
    async (_server, client) => {
      const rtt = await client.next("rtt", deadlineMs);
      const mismatches = Number(rtt.mismatches);
      return {
        values: { p50: Number(rtt.p50), p99: Number(rtt.p99) },
        error: mismatches > 0 ? `${mismatches} echoes did not match their request` : undefined,
      };
    },
  );
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

/**
 * 1000 clients in their own process at 20 Hz with 64 B inputs, server broadcasting 20 Hz
 * snapshots: server CPU (fraction of a core), RSS growth per peer, delivery p99 in ticks.
 *
 * @example
 * ```ts
 * import { crowd } from "./scenarios.ts";
 * const m = await crowd({
 *   warmupMs: 200, durationMs: 500, rounds: 100, crowdClients: 10, crowdMs: 500, transfers: 1,
 * });
 * console.log(m.values.cpu);
 * ```
 */
export async function crowd(options: ScenarioOptions): Promise<Measurement> {
  const n = options.crowdClients;
  const deadlineMs = options.crowdMs + n * 60 + 60_000;
  const server = spawnChild(CROWD, { role: "crowd-server", clients: n, deadlineMs }, {
    label: "crowd server",
    denoFlags: ["--v8-flags=--expose-gc", ...(options.denoFlags ?? [])],
  });
  try {
    const { port } = await server.next("ready", 20_000);
    const clients = spawnChild(CROWD, { role: "crowd-clients", clients: n, port, deadlineMs }, {
      label: "crowd clients",
      denoFlags: options.denoFlags,
    });
    try {
      const connected = await clients.next("connected", deadlineMs);
      const count = Number(connected.count);
      // Let the tick loops settle before measuring.
      await clients.send({ cmd: "measure" });
      await server.send({ cmd: "measure", durationMs: options.crowdMs, peers: count });
      if (Deno.args.includes("--verbose")) {
        console.log(`  crowd: ${count} connected in ${Number(connected.connectMs).toFixed(0)} ms`);
      }
      const s = await server.next("crowd", options.crowdMs + 30_000);
      await clients.send({ cmd: "report" });
      const c = await clients.next("crowd-clients", 30_000);
      const errors: string[] = [];
      if (count < n) errors.push(`${n - count} of ${n} clients failed to connect`);
      if (Number(s.orderErrors) > 0) errors.push(`${s.orderErrors} inputs went backwards`);
      return {
        values: {
          clients: count,
          cpu: Number(s.cpu),
          rssPerPeer: Number(s.rssPerPeer),
          heapPerPeer: Number(s.heapPerPeer),
          externalPerPeer: Number(s.externalPerPeer),
          heapTotalPerPeer: Number(s.heapTotalPerPeer),
          clientCpu: Number(c.cpu),
          connectMs: Number(connected.connectMs),
          putErrors: Number(c.putErrors),
          clientDatagramsUp: Number(c.datagramsUpPerSecond),
          clientDatagramsDown: Number(c.datagramsDownPerSecond),
          clientUnreliableDropped: Number(c.droppedPerSecond),
          clientPutsPerSecond: Number(c.putsPerSecond),
          upP99Ticks: Number(s.upP99Ticks),
          downP99Ticks: Number(c.downP99Ticks),
          p99Ticks: Math.max(Number(s.upP99Ticks), Number(c.downP99Ticks)),
          inputsPerSecond: Number(s.inputs) / (options.crowdMs / 1000),
          snapshotsPerSecond: Number(c.snapshots) / (options.crowdMs / 1000),
        },
        error: errors.length > 0 ? errors.join("; ") : undefined,
      };
    } finally {
      await clients.close(10_000);
    }
  } finally {
    await server.close();
  }
}
