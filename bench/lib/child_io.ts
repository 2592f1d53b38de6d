/**
 * The child side of the benchmark plumbing: config from argv, events as JSON lines on stdout,
 * commands as JSON lines on stdin. A child exits when its parent goes away (stdin closes) or
 * when its hard deadline passes, so no benchmark process outlives the run.
 *
 * @module
 */

/**
 * A command sent by the orchestrator.
 *
 * @example
 * ```ts
 * import type { Command } from "./child_io.ts";
 * let value: Command | undefined;
 * ```
 */
export type Command = { readonly cmd: string; readonly [key: string]: unknown };

const encoder = new TextEncoder();

/**
 * Prints one event line for the orchestrator.
 *
 * @example
 * ```ts
 * import { emit } from "./child_io.ts";
 * emit("ready", { port: 7000 });
 * ```
 */
export function emit(ev: string, data: Record<string, unknown> = {}): void {
  const bytes = encoder.encode(JSON.stringify({ ev, ...data }) + "\n");
  // a write to a pipe may take only part of a long line (a pipe holds 64 KiB): write the rest
  for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
}

/**
 * Reads the JSON config passed as the first argument.
 *
 * @example
 * ```ts
 * import { readConfig } from "./child_io.ts";
 * const config = readConfig<{ role: string }>();
 * console.log(config.role);
 * ```
 */
export function readConfig<T>(): T {
  return JSON.parse(Deno.args[0] ?? "{}") as T;
}

/**
 * Kills this process after `ms` whatever happens (bounded duration).
 *
 * @example
 * ```ts
 * import { hardDeadline } from "./child_io.ts";
 * const timer = hardDeadline(60_000, "echo");
 * clearTimeout(timer);
 * ```
 */
export function hardDeadline(ms: number, label: string): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => {
    emit("error", { message: `${label}: hard deadline of ${ms} ms passed` });
    Deno.exit(3);
  }, ms);
  Deno.unrefTimer(timer);
  return timer;
}

/**
 * Delivers stdin commands to `onCommand`; exits the process when stdin closes or on `exit`.
 * Runs in the background; returns at once.
 *
 * @example
 * ```ts
 * import { listenCommands } from "./child_io.ts";
 * listenCommands((c) => console.log(c.cmd), () => Promise.resolve());
 * ```
 */
export function listenCommands(
  onCommand: (command: Command) => void,
  cleanup: () => Promise<void>,
): void {
  (async () => {
    let pending = "";
    for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const command = JSON.parse(line) as Command;
        if (command.cmd === "exit") {
          await cleanup();
          Deno.exit(0);
        }
        onCommand(command);
        nl = pending.indexOf("\n");
      }
    }
    await cleanup();
    Deno.exit(0);
  })().catch((e) => {
    emit("error", { message: `command loop: ${e instanceof Error ? e.message : String(e)}` });
    Deno.exit(4);
  });
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on the
 * same machine (used for one-way delivery times between server and client processes).
 *
 * @example
 * ```ts
 * import { wallNow } from "./child_io.ts";
 * const t = wallNow();
 * ```
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
