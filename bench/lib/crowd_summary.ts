/**
 * Folds one crowd measurement (the server's report and every client process's report) into the
 * numbers the table shows, and decides whether the load generator was the limit.
 *
 * @module
 */
import { Histogram } from "./stats.ts";
import { loadGeneratorBound } from "./load.ts";

/** Inputs and snapshots per client per second (20 Hz ticks). */
export const CROWD_HZ = 20;

/** A latency histogram as the children send it (see {@link Histogram.toSparse}). */
type SparseHistogram = { width: number; bins: number; counts: [number, number][] };

/**
 * What the crowd server reported for one measurement window.
 *
 * @example
 * ```ts
 * import type { ServerReport } from "./crowd_summary.ts";
 * let value: ServerReport | undefined;
 * ```
 */
export interface ServerReport {
  /** CPU in cores over the window. */
  readonly cpu: number;
  /** Window length. */
  readonly seconds: number;
  /** Clients connected at the end. */
  readonly peers: number;
  /** Inputs received in the window. */
  readonly inputs: number;
  /** Snapshots put in the window, times the peers each went to. */
  readonly snapshotsSent: number;
  /** How late it opened the window. */
  readonly lateMs?: number;
  /** Median and longest time a broadcast kept the server's JS thread busy (ms). */
  readonly tickTurnP50Ms?: number;
  /** Longest broadcast turn (ms). */
  readonly tickTurnMaxMs?: number;
  /** 99th percentile and longest time between two socket reads of the server (ms). */
  readonly readGapP99Ms?: number;
  /** Longest time between two reads (ms). */
  readonly readGapMaxMs?: number;
  /** Inputs older than one already received from the same client (ever). */
  readonly orderErrors: number;
  /** Input latency in ticks. */
  readonly up: SparseHistogram;
  /** Memory after a forced GC at the end of the window. */
  readonly rss: number;
  /** Live JS heap after the forced GC. */
  readonly heapUsed: number;
  /** Memory outside the JS heap (array buffers). */
  readonly external: number;
  /** Committed JS heap. */
  readonly heapTotal: number;
}

/**
 * What one client process reported for the same window.
 *
 * @example
 * ```ts
 * import type { ClientReport } from "./crowd_summary.ts";
 * let value: ClientReport | undefined;
 * ```
 */
export interface ClientReport {
  /** CPU in cores over the window. */
  readonly cpu: number;
  /** Window length. */
  readonly seconds: number;
  /** Clients this process hosts (connected ones). */
  readonly clients: number;
  /** Inputs put. */
  readonly puts: number;
  /** Inputs refused by `putPacket`. */
  readonly putErrors: number;
  /** Snapshots received. */
  readonly snapshots: number;
  /** Snapshot latency in ticks. */
  readonly down: SparseHistogram;
  /** How late it opened the window (what it sent before that was not counted). */
  readonly lateMs?: number;
  /** Its clients whose connection ended during the run (e.g. timed out). */
  readonly disconnected?: number;
  /** Datagrams its clients sent per second (all kinds: inputs, acks, keep-alives). */
  readonly datagramsUpPerSecond?: number;
  /** Datagrams its clients received per second. */
  readonly datagramsDownPerSecond?: number;
  /** Unreliable messages its clients' peers dropped per second (e.g. behind a newer one). */
  readonly droppedPerSecond?: number;
}

/**
 * One crowd step's numbers (rates per second, CPU in cores, latency in ticks).
 *
 * @example
 * ```ts
 * import type { CrowdStep } from "./crowd_summary.ts";
 * let value: CrowdStep | undefined;
 * ```
 */
export interface CrowdStep {
  /** Rates each client should produce and receive, summed: `clients x 20`. */
  readonly nominal: number;
  /** Inputs the client processes put per second. */
  readonly inputsOffered: number;
  /** Inputs the server received per second. */
  readonly inputsPerSecond: number;
  /** Snapshots the server put per second (times recipients). */
  readonly snapshotsSent: number;
  /** Snapshots the clients received per second. */
  readonly snapshotsPerSecond: number;
  /** Input latency p50 and p99. */
  readonly upP50Ticks: number;
  /** Input latency p99. */
  readonly upP99Ticks: number;
  /** Snapshot latency p50 (all client processes merged). */
  readonly downP50Ticks: number;
  /** Snapshot latency p99. */
  readonly downP99Ticks: number;
  /** The worse p99 of the two directions. */
  readonly p99Ticks: number;
  /** Server CPU. */
  readonly serverCpu: number;
  /** Sum of the client processes' CPU. */
  readonly clientCpu: number;
  /** The busiest client process. */
  readonly clientCpuMax: number;
  /** Client processes. */
  readonly clientProcesses: number;
  /** 1 when the load generator was the limit (see `loadGeneratorBound`), else 0. */
  readonly loadGeneratorBound: number;
  /** Inputs refused by `putPacket`, over all clients. */
  readonly putErrors: number;
  /** Median time one broadcast kept the server's JS thread busy (ms). */
  readonly tickTurnP50Ms: number;
  /** Longest broadcast turn (ms). */
  readonly tickTurnMaxMs: number;
  /** 99th percentile of the time between two socket reads of the server (ms). */
  readonly readGapP99Ms: number;
  /** Longest time between two reads (ms). */
  readonly readGapMaxMs: number;
  /** The latest any process opened the window (0: all on time, counts are exact). */
  readonly windowLateMs: number;
  /** Clients whose connection ended during the run, over all processes. */
  readonly disconnected: number;
  /** Datagrams the clients sent per second (transport level, all kinds). */
  readonly clientDatagramsUp: number;
  /** Datagrams the clients received per second. */
  readonly clientDatagramsDown: number;
  /** Unreliable messages the client peers dropped per second. */
  readonly clientUnreliableDropped: number;
}

/**
 * Combines the reports of one window; `why` explains a load-generator-bound verdict.
 *
 * @example
 * ```ts
 * import { summarizeCrowd } from "./crowd_summary.ts";
 * const h = { width: 0.02, bins: 100, counts: [[10, 100]] as [number, number][] };
 * const { step, why } = summarizeCrowd(
 *   {
 *     cpu: 0.3, seconds: 1, peers: 5, inputs: 100, snapshotsSent: 100, orderErrors: 0, up: h,
 *     rss: 0, heapUsed: 0, external: 0, heapTotal: 0,
 *   },
 *   [{ cpu: 0.2, seconds: 1, clients: 5, puts: 100, putErrors: 0, snapshots: 100, down: h }],
 *   5,
 *   2,
 * );
 * console.log(step.p99Ticks, why); // 0.22 undefined
 * ```
 */
export function summarizeCrowd(
  server: ServerReport,
  clients: readonly ClientReport[],
  expectedClients: number,
  cores: number,
): { step: CrowdStep; why: string | undefined } {
  const nominal = expectedClients * CROWD_HZ;
  const up = Histogram.fromSparse(server.up);
  const down = new Histogram(server.up.width, server.up.bins);
  for (const c of clients) down.merge(Histogram.fromSparse(c.down));
  const sum = (f: (c: ClientReport) => number) => clients.reduce((a, c) => a + f(c), 0);
  const inputsOffered = sum((c) => c.puts / c.seconds);
  const clientCpus = clients.map((c) => c.cpu);
  const why = loadGeneratorBound({
    cores,
    serverCpu: server.cpu,
    clientCpus,
    offered: inputsOffered,
    nominal,
  });
  const upP99Ticks = up.quantile(0.99), downP99Ticks = down.quantile(0.99);
  return {
    step: {
      nominal,
      inputsOffered,
      inputsPerSecond: server.inputs / server.seconds,
      snapshotsSent: server.snapshotsSent / server.seconds,
      snapshotsPerSecond: sum((c) => c.snapshots / c.seconds),
      upP50Ticks: up.quantile(0.5),
      upP99Ticks,
      downP50Ticks: down.quantile(0.5),
      downP99Ticks,
      // NaN when a direction delivered nothing: the row then misses rather than passes
      p99Ticks: Math.max(upP99Ticks, downP99Ticks),
      serverCpu: server.cpu,
      clientCpu: sum((c) => c.cpu),
      clientCpuMax: Math.max(0, ...clientCpus),
      clientProcesses: clients.length,
      loadGeneratorBound: why ? 1 : 0,
      putErrors: sum((c) => c.putErrors),
      disconnected: sum((c) => c.disconnected ?? 0),
      tickTurnP50Ms: server.tickTurnP50Ms ?? NaN,
      tickTurnMaxMs: server.tickTurnMaxMs ?? NaN,
      readGapP99Ms: server.readGapP99Ms ?? NaN,
      readGapMaxMs: server.readGapMaxMs ?? NaN,
      windowLateMs: Math.max(server.lateMs ?? 0, ...clients.map((c) => c.lateMs ?? 0)),
      clientDatagramsUp: sum((c) => c.datagramsUpPerSecond ?? NaN),
      clientDatagramsDown: sum((c) => c.datagramsDownPerSecond ?? NaN),
      clientUnreliableDropped: sum((c) => c.droppedPerSecond ?? NaN),
    },
    why,
  };
}
