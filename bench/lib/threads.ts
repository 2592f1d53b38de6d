/**
 * CPU of one process split by thread kind, read from `/proc/<pid>/task/<tid>/stat` (through
 * `ls` and `cat`, as `load.ts` reads `/proc`): the JS main thread, `Worker` threads (our UDP
 * receive thread is one), V8's helper threads (GC, compiler) and the runtime's other threads. It
 * tells where a server's core share goes without a profiler.
 *
 * @module
 */
import { parseStatLine } from "./load.ts";

/**
 * CPU seconds of one process by thread kind.
 *
 * @example
 * ```ts
 * import type { ThreadCpu } from "./threads.ts";
 * const idle: ThreadCpu = { main: 0, workers: 0, helpers: 0, other: 0 };
 * ```
 */
export interface ThreadCpu {
  /** The thread whose id is the process id: the JS event loop. */
  readonly main: number;
  /** `Worker` threads (named `worker-<n>` by Deno), e.g. a UDP receive thread. */
  readonly workers: number;
  /** V8's helper threads (`V8 DefaultWorke...`: concurrent GC and compilation). */
  readonly helpers: number;
  /** Every other thread (the runtime's I/O and blocking pools). */
  readonly other: number;
}

/**
 * Sums the user + system CPU of the thread stat lines in `text` (`tid (name) state ...`, one per
 * line, as `cat` of several task stat files prints them) by thread kind; `pid` is the process id,
 * which names its main thread.
 *
 * @example
 * ```ts
 * import { parseThreadCpu } from "./threads.ts";
 * const stat = (tid: number, name: string, ticks: number) =>
 *   `${tid} (${name}) S 1 1 1 0 -1 0 0 0 0 0 ${ticks} 0 0 0 20 0 1 0 1 1 1`;
 * const text = [stat(7, "deno", 150), stat(8, "worker-1", 50), stat(9, "V8 DefaultWorke", 10)];
 * console.log(parseThreadCpu(text.join("\n"), 7)); // { main: 1.5, workers: 0.5, helpers: 0.1, other: 0 }
 * ```
 */
export function parseThreadCpu(text: string, pid: number): ThreadCpu {
  let main = 0, workers = 0, helpers = 0, other = 0;
  for (const line of text.split("\n")) {
    const stat = parseStatLine(line);
    if (!stat) continue;
    if (stat.id === pid) main += stat.seconds;
    else if (stat.name.startsWith("worker")) workers += stat.seconds;
    else if (stat.name.startsWith("V8")) helpers += stat.seconds;
    else other += stat.seconds;
  }
  return { main, workers, helpers, other };
}

/**
 * Reads the thread CPU of process `pid` now; undefined when `/proc` cannot be read (another OS,
 * no `--allow-run`, or the process exited).
 *
 * @example
 * ```ts ignore
 * import { readThreadCpu } from "./threads.ts";
 * console.log((await readThreadCpu(Deno.pid))?.main);
 * ```
 */
export async function readThreadCpu(pid: number): Promise<ThreadCpu | undefined> {
  try {
    const dir = `/proc/${pid}/task`;
    const ls = await new Deno.Command("ls", { args: [dir], stderr: "null" }).output();
    if (!ls.success) return undefined;
    const tids = new TextDecoder().decode(ls.stdout).split(/\s+/).filter((t) => /^\d+$/.test(t));
    if (tids.length === 0) return undefined;
    // a thread that ended meanwhile is skipped (cat goes on)
    const files = tids.map((t) => `${dir}/${t}/stat`);
    const out = await new Deno.Command("cat", { args: files, stderr: "null" }).output();
    return parseThreadCpu(new TextDecoder().decode(out.stdout), pid);
  } catch {
    return undefined;
  }
}

/**
 * Cores each thread kind used between two readings `seconds` apart (1 = one core fully busy).
 *
 * @example
 * ```ts
 * import { threadShare } from "./threads.ts";
 * const a = { main: 1, workers: 0, helpers: 0, other: 0 };
 * const b = { main: 2, workers: 0.5, helpers: 0, other: 0 };
 * console.log(threadShare(a, b, 2).main); // 0.5
 * ```
 */
export function threadShare(before: ThreadCpu, after: ThreadCpu, seconds: number): ThreadCpu {
  return {
    main: (after.main - before.main) / seconds,
    workers: (after.workers - before.workers) / seconds,
    helpers: (after.helpers - before.helpers) / seconds,
    other: (after.other - before.other) / seconds,
  };
}
