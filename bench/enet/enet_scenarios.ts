/**
 * ENet-wire scenarios: the same libenet C client (`enet_bench.c`, speaking Godot 3.2's layer)
 * against the libenet C server and against our `ENetMultiplayerPeer` server, plus the ping-pong
 * floor (a plain Deno UDP socket answering that C client with the least ENet there is). Used by
 * `../run.ts` through {@link enetScenarios}.
 *
 * @module
 */
import { spawnChild } from "../lib/proc.ts";
import { quantile } from "../lib/stats.ts";
import { machineShare, readMachineCpu } from "../lib/load.ts";
import type { Measurement, Results, Scenario } from "../lib/registry.ts";
import { INFO_TARGET } from "../lib/report.ts";
import type { ScenarioOptions } from "../scenarios.ts";
import type { EnetChildConfig } from "./enet_child.ts";
import { type NativeEvent, nativeUnavailable, spawnNative } from "./_native_child.ts";

const CHILD = new URL("./enet_child.ts", import.meta.url);

/**
 * Which server answers the C client: `"libenet"` (C), `"ours"` (`ENetMultiplayerPeer`), or for
 * ping-pong also `"floor"` (a plain Deno UDP socket answering with the least ENet there is: one
 * datagram in, one datagram out; the floor) and `"udp"` (plain UDP round trips from the C
 * client's `rawping` mode to a plain Deno echo, for reference).
 *
 * @example
 * ```ts
 * import type { EnetServerKind } from "./enet_scenarios.ts";
 * const kind: EnetServerKind = "ours";
 * ```
 */
export type EnetServerKind = "libenet" | "ours" | "floor" | "udp";

/**
 * Packet data (Godot header included) the C client keeps queued or unacknowledged. Enough to
 * keep ENet's 64 KiB window full between two service calls; more only makes libenet walk a longer
 * queue on every call (see `enet_bench.c`).
 */
const CLIENT_HIGH_WATER = 128 * 1024;

/** Ping-pong round trips per run, as a multiple of the native scenario's `rounds`. */
const PING_ROUNDS_FACTOR = 5;

/**
 * Why the ENet-wire scenarios cannot run here (no gcc, no libenet, the C program does not
 * build), or undefined when they can. Builds the C program on first use.
 *
 * @example
 * ```ts
 * import { enetUnavailable } from "./enet_scenarios.ts";
 * console.log((await enetUnavailable()) ?? "ENet-wire scenarios can run");
 * ```
 */
export function enetUnavailable(): Promise<string | undefined> {
  return nativeUnavailable();
}

/** The part of a child both kinds share. */
interface AnyChild {
  readonly pid: number;
  next(ev: string, timeoutMs: number): Promise<NativeEvent>;
  send(command: Record<string, unknown>): Promise<void>;
  close(graceMs?: number): Promise<void>;
}

function godotId(): number {
  // a Godot client id: 31 bits, never 0 or 1
  return 2 + (crypto.getRandomValues(new Uint32Array(1))[0] % 0x7ffffffd);
}

/**
 * A `/proc` file's text, read through `cat`: Deno lets only `--allow-all` read `/proc` itself,
 * and the orchestrator has `--allow-run`. Undefined when it cannot be read (not Linux).
 */
async function readProc(path: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("cat", { args: [path], stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

let ticksPerSecond: Promise<number> | undefined;
/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 when unknown). */
function clockTicks(): Promise<number> {
  ticksPerSecond ??= (async () => {
    try {
      const r = await new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" }).output();
      const n = Number(new TextDecoder().decode(r.stdout).trim());
      return Number.isFinite(n) && n > 0 ? n : 100;
    } catch {
      return 100;
    }
  })();
  return ticksPerSecond;
}

/** CPU seconds (user + system, all threads) a process used so far; NaN when unreadable. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return NaN;
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / await clockTicks();
}

/**
 * Datagrams the kernel dropped at the UDP socket bound to `port` (loopback or any address)
 * because its receive buffer was full: the `drops` column of `/proc/net/udp`, per socket, so
 * other programs on the machine do not count. NaN when unknown.
 */
async function socketDrops(port: number): Promise<number> {
  const table = await readProc("/proc/net/udp");
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of table?.split("\n") ?? []) {
    const f = line.trim().split(/\s+/);
    if (f[1] === `0100007F${suffix}` || f[1] === `00000000${suffix}`) {
      return Number(f[f.length - 1]);
    }
  }
  return NaN;
}

function startServer(
  kind: EnetServerKind,
  role: EnetChildConfig["role"],
  config: Omit<EnetChildConfig, "role">,
  options: ScenarioOptions,
): Promise<AnyChild> {
  if (kind === "libenet") {
    const mode = role === "sink" ? "sink" : "echo";
    const args = [
      "server",
      mode,
      config.size ?? 32,
      config.warmupMs ?? 0,
      config.durationMs ?? 0,
      config.deadlineMs ?? 60_000,
    ];
    return spawnNative(args.map(String), `libenet ${mode} server`);
  }
  // floors run without the profiling flags, as the native scenarios' floors do
  const denoFlags = kind === "ours" ? options.denoFlags : [];
  return Promise.resolve(
    spawnChild(CHILD, { role, ...config }, { label: `enet ${role}`, denoFlags }),
  );
}

/**
 * One-way reliable messages of `size` payload bytes from the C client to `server` (libenet or
 * ours): msg/s delivered, server CPU per message, and the check that every message arrived
 * exactly once and in order (a failure sets `error`).
 *
 * @example
 * ```ts
 * import { enetOneWay, enetUnavailable } from "./enet_scenarios.ts";
 * if ((await enetUnavailable()) === undefined) {
 *   const m = await enetOneWay(32, "libenet", {
 *     warmupMs: 200, durationMs: 300, rounds: 100, crowdClients: 1, crowdMs: 1, transfers: 1,
 *   });
 *   console.log(m.values.rate, m.values.cpuPerMsgUs, m.error);
 * }
 * ```
 */
export async function enetOneWay(
  size: number,
  server: "libenet" | "ours",
  options: ScenarioOptions,
): Promise<Measurement> {
  const deadlineMs = options.warmupMs + options.durationMs + 40_000;
  const s = await startServer(server, "sink", {
    size,
    warmupMs: options.warmupMs,
    durationMs: options.durationMs,
    deadlineMs,
  }, options);
  try {
    const { port } = await s.next("ready", 20_000);
    const args = ["client", port, godotId(), size, CLIENT_HIGH_WATER, deadlineMs];
    const c = await spawnNative(args.map(String), "libenet client");
    try {
      const { port: clientPort } = await c.next("connected", 10_000);
      await s.next("window", options.warmupMs + 15_000);
      const [clientCpu0, machine0] = await Promise.all([cpuSeconds(c.pid), readMachineCpu()]);
      const t0 = performance.now();
      const measured = await s.next("measured", options.durationMs + 15_000);
      const [clientCpu1, machine1] = await Promise.all([cpuSeconds(c.pid), readMachineCpu()]);
      const seconds = (performance.now() - t0) / 1000;
      const machineCores = machine0 && machine1
        ? machineShare(machine0, machine1, seconds).busyCores
        : NaN;
      await c.send({ cmd: "stop" });
      const done = await c.next("done", 15_000);
      await s.send({ cmd: "expect", count: done.sent });
      const final = await s.next("final", 20_000);
      const serverDrops = await socketDrops(Number(port));
      const clientDrops = await socketDrops(Number(clientPort));
      const errors: string[] = [];
      if (Number(final.errors) > 0) errors.push(String(final.firstError));
      if (Number(done.acked) !== Number(done.sent)) {
        errors.push(`client: ${done.acked} of ${done.sent} messages acknowledged`);
      }
      return {
        values: {
          rate: Number(measured.rate),
          bytesRate: Number(measured.bytesRate),
          cpuPerMsgUs: Number(measured.cpuPerMsgUs),
          serverCores: Number(measured.cpuCores),
          clientCores: (clientCpu1 - clientCpu0) / seconds,
          machineCores,
          sent: Number(done.sent),
          received: Number(final.received),
          retransmits: Number(done.retransmits),
          serverDrops,
          clientDrops,
          clientRttMs: Number(done.rttMs),
          clientThrottle: Number(done.throttle),
        },
        error: errors.length > 0 ? errors.join("; ") : undefined,
      };
    } finally {
      await c.close();
    }
  } finally {
    await s.close();
  }
}

/**
 * Ping-pong of 32 B reliable Godot messages, one in flight, from the C client to `server`: RTT
 * p50 / p99 in ms. `"floor"` answers with the least ENet there is (the C client runs the same
 * ENet code as against a real server); `"udp"` is plain UDP both ways (the C client's `rawping`
 * mode against a plain Deno echo, datagrams as long as the ENet ones).
 *
 * @example
 * ```ts
 * import { enetPingPong, enetUnavailable } from "./enet_scenarios.ts";
 * if ((await enetUnavailable()) === undefined) {
 *   const m = await enetPingPong("floor", {
 *     warmupMs: 200, durationMs: 300, rounds: 100, crowdClients: 1, crowdMs: 1, transfers: 1,
 *   });
 *   console.log(m.values.p50);
 * }
 * ```
 */
export async function enetPingPong(
  server: EnetServerKind,
  options: ScenarioOptions,
): Promise<Measurement> {
  const size = 32;
  // sub-0.1 ms round trips: five times the native scenario's rounds cost well under a second
  const rounds = options.rounds * PING_ROUNDS_FACTOR;
  const deadlineMs = options.warmupMs + rounds * 20 + 30_000;
  const role = server === "floor" ? "floor-echo" : server === "udp" ? "udp-echo" : "echo";
  const s = await startServer(server, role, { size, deadlineMs }, options);
  try {
    const { port } = await s.next("ready", 20_000);
    const args = server === "udp"
      ? ["rawping", port, size, rounds, options.warmupMs, deadlineMs]
      : ["pingpong", port, godotId(), size, rounds, options.warmupMs, deadlineMs];
    const c = await spawnNative(args.map(String), `libenet ${args[0]}`);
    try {
      const rtt = await c.next("rtt", deadlineMs);
      const samples = rtt.samples as number[];
      const mismatches = Number(rtt.mismatches);
      return {
        values: { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) },
        error: mismatches > 0 ? `${mismatches} echoes did not match their request` : undefined,
      };
    } finally {
      await c.close();
    }
  } finally {
    await s.close();
  }
}

/** No datagram dropped at our server's socket in any repetition (NaN, unknown, counts as none). */
function noDrops(results: Results, name: string): boolean {
  return (results.toJSON()[name]?.samples ?? []).every((s) => !(s.serverDrops > 0));
}

/** Under the table: each side's CPU, drops and retransmits, which show what bounds a miss. */
function oneWayFootnote(r: Results, size: number): string[] {
  const ours = `enet ours ${size} B`, theirs = `enet libenet ${size} B`;
  const side = (n: string) => {
    const v = (key: string) => r.med(n, key);
    const others = v("machineCores") - v("serverCores") - v("clientCores");
    return `server ${v("serverCores").toFixed(2)} core (socket drops ${v("serverDrops")}), ` +
      `client ${v("clientCores").toFixed(2)} core (${v("retransmits")} retransmits), other ` +
      `processes ${Math.max(0, others).toFixed(2)} of ${navigator.hardwareConcurrency} cores`;
  };
  if (!(r.med(ours, "rate") >= 0) || !(r.med(theirs, "rate") >= 0)) return [];
  return [`ENet ${size} B, ours: ${side(ours)}`, `ENet ${size} B, libenet: ${side(theirs)}`];
}

/**
 * The ENet-wire scenarios for `run.ts`'s registry: one-way 32 B and 1000 B reliable messages to
 * the libenet C server and to ours (ours must take >= 1.0x libenet's rate with no datagram
 * dropped at its socket; CPU per message shown), and ping-pong to ours against the floor, a plain
 * Deno UDP socket answering with the least ENet there is (p50 <= 1.15x). Each is skipped, with
 * the reason, where gcc or libenet-dev is missing.
 *
 * @example
 * ```ts
 * import { enetScenarios } from "./enet_scenarios.ts";
 * const list = enetScenarios({
 *   warmupMs: 300, durationMs: 700, rounds: 400, crowdClients: 1, crowdMs: 1, transfers: 1,
 * });
 * console.log(list.map((s) => s.name));
 * ```
 */
export function enetScenarios(options: ScenarioOptions): Scenario[] {
  const unavailable = enetUnavailable;
  const rate = (r: Results, n: string): [number, string] => [r.med(n, "rate"), "msg/s"];
  const cpu = (r: Results, n: string): [number, string] => [r.med(n, "cpuPerMsgUs"), "us/msg"];
  const us = (r: Results, n: string, q: string): [number, string] => [r.med(n, q) * 1000, "us"];
  const oneWay = (size: number): Scenario[] => {
    const ours = `enet ours ${size} B`, theirs = `enet libenet ${size} B`;
    return [
      { name: theirs, unavailable, run: () => enetOneWay(size, "libenet", options) },
      {
        name: ours,
        needs: [theirs],
        unavailable,
        run: () => enetOneWay(size, "ours", options),
        footnotes: (r) => oneWayFootnote(r, size),
        rows: (r) => [
          r.vsFloor(
            `ENet ${size} B reliable, our server vs libenet's`,
            ours,
            rate(r, ours),
            rate(r, theirs),
            ">= 1.0x, 0 drops",
            (x) => x >= 1 && noDrops(r, ours),
          ),
          // named after libenet's run: its wrong results and skips show here
          r.vsFloor(
            `ENet ${size} B server CPU per message`,
            theirs,
            cpu(r, ours),
            cpu(r, theirs),
            INFO_TARGET,
            () => true,
          ),
        ],
      },
    ];
  };
  const floor = "enet floor ping-pong", udp = "enet udp ping-pong";
  const ours = "enet ours ping-pong", theirs = "enet libenet ping-pong";
  const vsFloor = (r: Results, label: string, name: string, q: string, target: string) =>
    r.vsFloor(
      label,
      name,
      us(r, name, q),
      us(r, floor, q),
      target,
      (x) => target === INFO_TARGET || x <= 1.15,
    );
  return [
    ...oneWay(32),
    ...oneWay(1000),
    { name: floor, unavailable, run: () => enetPingPong("floor", options) },
    {
      name: ours,
      needs: [floor],
      unavailable,
      run: () => enetPingPong("ours", options),
      footnotes: () => [
        "ENet rows: one libenet C client speaking Godot's layer; the floor column is libenet's C " +
        "server (one way) or, for ping-pong, a plain Deno UDP socket answering that client with " +
        "the least ENet there is (bench/enet/README.md)",
      ],
      rows: (r) => [
        vsFloor(r, "ENet ping-pong p50, our server vs floor", ours, "p50", "<= 1.15x"),
        vsFloor(r, "ENet ping-pong p99, our server vs floor", ours, "p99", INFO_TARGET),
      ],
    },
    {
      name: theirs,
      needs: [floor],
      unavailable,
      run: () => enetPingPong("libenet", options),
      rows: (
        r,
      ) => [vsFloor(r, "ENet ping-pong p50, libenet server vs floor", theirs, "p50", INFO_TARGET)],
    },
    {
      // plain UDP from the same C program: what the ENet client itself adds to every round trip
      name: udp,
      needs: [floor],
      unavailable,
      run: () => enetPingPong("udp", options),
      rows: (r) => [
        // named after the floor's run: its wrong results and skips show here
        r.vsFloor(
          "ENet ping-pong p50, plain UDP vs floor",
          floor,
          us(r, udp, "p50"),
          us(r, floor, "p50"),
          INFO_TARGET,
          () => true,
        ),
      ],
    },
  ];
}
