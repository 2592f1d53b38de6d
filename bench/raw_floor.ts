/**
 * The raw-UDP floor, measured in the same run as our scenarios: two Deno processes on 127.0.0.1,
 * one message per datagram, reused receive buffer. One-way rates are what the receiver got per
 * second under credit-based flow control (a sender blasting into a full socket buffer would count
 * losses as throughput). Run alone: `deno run --allow-run --allow-read bench/raw_floor.ts`.
 *
 * @module
 */
import { type Child, spawnChild } from "./lib/proc.ts";
import { interleave } from "./lib/segments.ts";
import { quantile } from "./lib/stats.ts";

const SCRIPT = new URL("./raw_child.ts", import.meta.url);

/**
 * Timing knobs of one floor measurement.
 *
 * @example
 * ```ts
 * import type { FloorOptions } from "./raw_floor.ts";
 * let value: FloorOptions | undefined;
 * ```
 */
export interface FloorOptions {
  /** Ignore this long after the first datagram (ping-pong: warm up at least this long). */
  readonly warmupMs: number;
  /** Measure over this long. */
  readonly durationMs: number;
  /** Ping-pong round trips. */
  readonly rounds: number;
  /** Extra `deno run` flags for the children. */
  readonly denoFlags?: readonly string[];
}

/**
 * Delivered one-way rate of raw datagrams.
 *
 * @example
 * ```ts
 * import type { OneWayResult } from "./raw_floor.ts";
 * let value: OneWayResult | undefined;
 * ```
 */
export interface OneWayResult {
  /** Datagrams per second received. */
  readonly rate: number;
  /** Bytes per second received. */
  readonly bytesRate: number;
  /** Datagrams the sender sent but the receiver never saw (over the whole run). */
  readonly lost: number;
}

/**
 * Round-trip times in milliseconds.
 *
 * @example
 * ```ts
 * import type { RttResult } from "./raw_floor.ts";
 * let value: RttResult | undefined;
 * ```
 */
export interface RttResult {
  /** Median RTT. */
  readonly p50: number;
  /** 99th percentile RTT. */
  readonly p99: number;
}

/**
 * Measures the delivered one-way datagram rate for `size`-byte datagrams.
 *
 * @example
 * ```ts
 * import { rawOneWay } from "./raw_floor.ts";
 * const r = await rawOneWay(32, { warmupMs: 200, durationMs: 1000, rounds: 500 });
 * console.log(r.rate);
 * ```
 */
export async function rawOneWay(size: number, options: FloorOptions): Promise<OneWayResult> {
  const timeout = options.warmupMs + options.durationMs + 20_000;
  // The window stays below what the default receive buffer (~208 KiB) holds for this size.
  const window = size <= 256 ? 128 : 64;
  const sink = spawnChild(SCRIPT, {
    role: "sink",
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    creditEvery: window / 4,
    deadlineMs: timeout,
  }, { label: "raw sink", denoFlags: options.denoFlags });
  try {
    const { port } = await sink.next("ready", 15_000);
    const source = spawnChild(SCRIPT, {
      role: "source",
      port,
      size,
      window,
      deadlineMs: timeout,
    }, { label: "raw source", denoFlags: options.denoFlags });
    try {
      await source.next("ready", 15_000);
      const measured = await sink.next("measured", timeout);
      await source.send({ cmd: "stop" });
      await source.next("done", 5_000);
      return {
        rate: Number(measured.rate),
        bytesRate: Number(measured.bytesRate),
        lost: Number(measured.lost),
      };
    } finally {
      await source.close();
    }
  } finally {
    await sink.close();
  }
}

/**
 * Runs `body` with a raw echo and a raw ping child up (the ping answers `go` segments, see
 * `lib/segments.ts`), then closes both.
 *
 * @example
 * ```ts ignore
 * import { withRawPing } from "./raw_floor.ts";
 * await withRawPing(32, 30_000, [], async (ping) => await ping.send({ cmd: "stop" }));
 * ```
 */
export async function withRawPing<T>(
  size: number,
  deadlineMs: number,
  denoFlags: readonly string[] | undefined,
  body: (ping: Child) => Promise<T>,
): Promise<T> {
  const flags = { denoFlags };
  const echo = spawnChild(SCRIPT, { role: "echo", deadlineMs }, { label: "raw echo", ...flags });
  try {
    const { port } = await echo.next("ready", 15_000);
    const ping = spawnChild(SCRIPT, { role: "ping", port, size, deadlineMs }, {
      label: "raw ping",
      ...flags,
    });
    try {
      await ping.next("ready", 15_000);
      return await body(ping);
    } finally {
      await ping.close();
    }
  } finally {
    await echo.close();
  }
}

/**
 * Measures raw ping-pong RTT of `size`-byte datagrams, one in flight.
 *
 * @example
 * ```ts
 * import { rawPingPong } from "./raw_floor.ts";
 * const r = await rawPingPong(32, { warmupMs: 200, durationMs: 1000, rounds: 500 });
 * console.log(r.p50, r.p99);
 * ```
 */
export function rawPingPong(size: number, options: FloorOptions): Promise<RttResult> {
  const timeout = options.warmupMs + options.rounds * 10 + 20_000;
  return withRawPing(size, timeout, options.denoFlags, async (ping) => {
    const plan = { warmupMs: options.warmupMs, rounds: options.rounds, segments: 1, lead: 0 };
    const [rtt] = await interleave([ping], plan, timeout);
    if (rtt.mismatches !== 0) throw new Error(`raw ping: ${rtt.mismatches} mismatches`);
    return { p50: quantile(rtt.samples, 0.5), p99: quantile(rtt.samples, 0.99) };
  });
}

if (import.meta.main) {
  const options = { warmupMs: 500, durationMs: 2_000, rounds: 2_000 };
  console.log("32 B one way:", await rawOneWay(32, options));
  console.log("1200 B one way:", await rawOneWay(1200, options));
  console.log("32 B ping-pong:", await rawPingPong(32, options));
}
