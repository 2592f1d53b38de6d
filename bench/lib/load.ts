/**
 * CPU accounting for multi-process scenarios: the machine's CPU time from `/proc/stat`, and the
 * rule that tells a measurement of the server from a measurement of the load generator.
 *
 * @module
 */

/**
 * Cumulative CPU time of the whole machine, in seconds summed over cores.
 *
 * @example
 * ```ts
 * import type { MachineCpu } from "./load.ts";
 * const sample: MachineCpu = { cores: 2, busy: 10, steal: 1, total: 40 };
 * ```
 */
export interface MachineCpu {
  /** Cores (`cpuN` lines). */
  readonly cores: number;
  /** Time not idle and not waiting for I/O (includes steal). */
  readonly busy: number;
  /** Time the hypervisor gave to someone else. */
  readonly steal: number;
  /** All time. */
  readonly total: number;
}

/** Kernel clock ticks per second for `/proc/stat` (USER_HZ is 100 on Linux). */
const USER_HZ = 100;

/**
 * Parses `/proc/stat` text; undefined when it has no aggregate `cpu` line.
 *
 * @example
 * ```ts
 * import { parseProcStat } from "./load.ts";
 * const s = parseProcStat("cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1\ncpu1 1\n")!;
 * console.log(s.cores, s.busy, s.steal); // 2 1.9 0.4
 * ```
 */
export function parseProcStat(text: string): MachineCpu | undefined {
  const lines = text.split("\n");
  const aggregate = lines.find((l) => l.startsWith("cpu "));
  if (!aggregate) return undefined;
  const f = aggregate.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 8 || f.some((v) => !Number.isFinite(v))) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return {
    cores: lines.filter((l) => /^cpu\d+\s/.test(l)).length,
    busy: (total - idle - iowait) / USER_HZ,
    steal: steal / USER_HZ,
    total: total / USER_HZ,
  };
}

/**
 * Reads the machine's CPU counters (undefined where `/proc/stat` cannot be read).
 *
 * @example
 * ```ts
 * import { readMachineCpu } from "./load.ts";
 * const s = await readMachineCpu();
 * console.log(s?.cores);
 * ```
 */
export async function readMachineCpu(): Promise<MachineCpu | undefined> {
  const text = await readProcFile("/proc/stat");
  return text === undefined ? undefined : parseProcStat(text);
}

/**
 * Reads a `/proc` file: directly with `--allow-all`, else through `cat` (`--allow-run`);
 * undefined when neither works.
 *
 * @example
 * ```ts
 * import { readProcFile } from "./load.ts";
 * console.log((await readProcFile("/proc/loadavg"))?.split(" ")[0]);
 * ```
 */
export async function readProcFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    // NotCapable without --allow-all: fall through to `cat`
  }
  try {
    const out = await new Deno.Command("cat", { args: [path], stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Datagrams the kernel dropped at the IPv4 UDP socket bound to `port` because its receive buffer
 * was full (the `drops` column of `/proc/net/udp` text), NaN when no such socket is listed.
 *
 * @example
 * ```ts
 * import { udpSocketDrops } from "./load.ts";
 * const table = "  sl  local_address rem_address st ... drops\n" +
 *   "  1: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 1 2 0 17\n";
 * console.log(udpSocketDrops(table, 8080)); // 17
 * ```
 */
export function udpSocketDrops(table: string, port: number): number {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of table.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] === `0100007F${suffix}` || f[1] === `00000000${suffix}`) {
      return Number(f[f.length - 1]);
    }
  }
  return NaN;
}

/**
 * CPU seconds (user + system, all threads) of each process in a `/proc/<pid>/stat` text (one
 * line per process, as `cat` of several such files prints them), by pid.
 *
 * @example
 * ```ts
 * import { parseProcessCpu } from "./load.ts";
 * const line = "42 (deno) S 1 42 42 0 -1 0 0 0 0 0 150 50 0 0 20 0 4 0 1 1 1";
 * console.log(parseProcessCpu(line).get(42)); // 2
 * ```
 */
export function parseProcessCpu(text: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const line of text.split("\n")) {
    const stat = parseStatLine(line);
    if (stat) cpu.set(stat.id, stat.seconds);
  }
  return cpu;
}

/**
 * One `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`) line: the process or thread id, its
 * name and its CPU seconds (user + system); undefined for anything else.
 *
 * @example
 * ```ts
 * import { parseStatLine } from "./load.ts";
 * const line = "42 (V8 (x) y) S 1 42 42 0 -1 0 0 0 0 0 150 50 0 0 20 0 4 0 1 1 1";
 * console.log(parseStatLine(line)); // { id: 42, name: "V8 (x) y", seconds: 2 }
 * ```
 */
export function parseStatLine(
  line: string,
): { id: number; name: string; seconds: number } | undefined {
  const open = line.indexOf(" ("), close = line.lastIndexOf(")");
  const id = Number(line.slice(0, open));
  if (open < 0 || close < open || !Number.isInteger(id) || id <= 0) return undefined;
  // after "id (name) ", utime and stime are the 12th and 13th fields
  const f = line.slice(close + 2).split(" ");
  const ticks = Number(f[11]) + Number(f[12]);
  if (!Number.isFinite(ticks)) return undefined;
  return { id, name: line.slice(open + 2, close), seconds: ticks / USER_HZ };
}

/**
 * One reading of everything the CPU accounting needs, from a single `cat` (so all values are
 * taken at the same moment): the machine's counters, each process's CPU seconds, and the kernel
 * drops at one UDP port.
 *
 * @example
 * ```ts
 * import type { ProcSnapshot } from "./load.ts";
 * let value: ProcSnapshot | undefined;
 * ```
 */
export interface ProcSnapshot {
  /** The machine (undefined without `/proc/stat`). */
  readonly machine: MachineCpu | undefined;
  /** CPU seconds by pid (processes that were readable). */
  readonly processes: Map<number, number>;
  /** Drops at the watched UDP socket (NaN when not listed). */
  readonly drops: number;
  /** `performance.now()` when the reading returned. */
  readonly at: number;
}

/**
 * Reads `/proc/stat`, `/proc/<pid>/stat` of `pids` and `/proc/net/udp` for `udpPort` in one go.
 *
 * @example
 * ```ts
 * import { procSnapshot } from "./load.ts";
 * const s = await procSnapshot([Deno.pid], 0);
 * console.log(s.machine?.cores, s.processes.get(Deno.pid));
 * ```
 */
export async function procSnapshot(
  pids: readonly number[],
  udpPort: number,
): Promise<ProcSnapshot> {
  const files = ["/proc/stat", "/proc/net/udp", ...pids.map((p) => `/proc/${p}/stat`)];
  let text = "";
  try {
    // one process for all files; a pid that already exited is skipped (cat goes on)
    const out = await new Deno.Command("cat", { args: files, stderr: "null" }).output();
    text = new TextDecoder().decode(out.stdout);
  } catch {
    text = (await Promise.all(files.map(readProcFile))).join("\n");
  }
  return {
    machine: parseProcStat(text),
    processes: parseProcessCpu(text),
    drops: udpSocketDrops(text, udpPort),
    at: performance.now(),
  };
}

/**
 * Cores each process used between two snapshots (CPU seconds / wall seconds), by pid; processes
 * missing from either snapshot are left out.
 *
 * @example
 * ```ts
 * import { processCores } from "./load.ts";
 * const a = { machine: undefined, processes: new Map([[7, 1]]), drops: 0, at: 0 };
 * const b = { machine: undefined, processes: new Map([[7, 1.5]]), drops: 0, at: 1000 };
 * console.log(processCores(a, b).get(7)); // 0.5
 * ```
 */
export function processCores(before: ProcSnapshot, after: ProcSnapshot): Map<number, number> {
  const seconds = (after.at - before.at) / 1000;
  const cores = new Map<number, number>();
  for (const [pid, t] of after.processes) {
    const t0 = before.processes.get(pid);
    if (t0 !== undefined) cores.set(pid, (t - t0) / seconds);
  }
  return cores;
}

/**
 * Busy and stolen cores between two samples over `seconds` of wall time.
 *
 * @example
 * ```ts
 * import { machineShare } from "./load.ts";
 * const a = { cores: 2, busy: 0, steal: 0, total: 0 };
 * const b = { cores: 2, busy: 1.5, steal: 0.2, total: 2 };
 * console.log(machineShare(a, b, 1)); // { busyCores: 1.5, stealCores: 0.2 }
 * ```
 */
export function machineShare(
  before: MachineCpu,
  after: MachineCpu,
  seconds: number,
): { busyCores: number; stealCores: number } {
  return {
    busyCores: (after.busy - before.busy) / seconds,
    stealCores: (after.steal - before.steal) / seconds,
  };
}

/**
 * What one multi-process load measurement saw: CPU in cores (1 = one core fully busy) and the
 * offered rate (what the load generator actually produced) against the nominal one.
 *
 * @example
 * ```ts
 * import type { LoadSample } from "./load.ts";
 * const s: LoadSample = { cores: 2, serverCpu: 0.4, clientCpus: [0.3, 0.3], offered: 20e3, nominal: 20e3 };
 * ```
 */
export interface LoadSample {
  /** Cores of the machine. */
  readonly cores: number;
  /** The server process's CPU. */
  readonly serverCpu: number;
  /** Each load-generator process's CPU. */
  readonly clientCpus: readonly number[];
  /** Rate the generator produced (e.g. inputs put per second). */
  readonly offered: number;
  /** Rate it was asked to produce. */
  readonly nominal: number;
}

/** A load-generator process this busy is saturated (a Deno process runs JS on one thread). */
export const CLIENT_PROCESS_SATURATED = 0.9;
/** The generator is the limit once it uses this share of the CPU the server leaves. */
export const MACHINE_SATURATED = 0.9;
/** Offered load below this share of nominal means the generator fell behind. */
export const OFFERED_MINIMUM = 0.95;

/**
 * Why a measurement measured the load generator instead of the server, or undefined when the
 * server was the limit (or nothing was). Three rules, any one suffices:
 * - a client process used >= 0.9 core (its JS thread is saturated, it sends late and reads late);
 * - the client processes together used >= 90% of the cores the server left (`cores - server`);
 * - the clients offered < 95% of the nominal rate.
 *
 * @example
 * ```ts
 * import { loadGeneratorBound } from "./load.ts";
 * const why = loadGeneratorBound({
 *   cores: 2, serverCpu: 0.5, clientCpus: [0.7, 0.7], offered: 20e3, nominal: 20e3,
 * });
 * console.log(why); // "clients used 1.40 of the 1.50 cores the server left"
 * ```
 */
export function loadGeneratorBound(s: LoadSample): string | undefined {
  const reasons: string[] = [];
  const busiest = Math.max(0, ...s.clientCpus);
  if (busiest >= CLIENT_PROCESS_SATURATED) {
    reasons.push(`a client process used ${busiest.toFixed(2)} core`);
  }
  const clients = s.clientCpus.reduce((a, b) => a + b, 0);
  const left = Math.max(0, s.cores - s.serverCpu);
  if (clients >= left * MACHINE_SATURATED) {
    reasons.push(
      `clients used ${clients.toFixed(2)} of the ${left.toFixed(2)} cores the server left`,
    );
  }
  if (s.offered < s.nominal * OFFERED_MINIMUM) {
    reasons.push(
      `clients offered ${(100 * s.offered / s.nominal).toFixed(0)}% of the nominal rate`,
    );
  }
  return reasons.length > 0 ? reasons.join("; ") : undefined;
}
