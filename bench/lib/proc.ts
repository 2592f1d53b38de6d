/**
 * Child-process plumbing for the benchmark: spawn a Deno script with minimal permissions, read its
 * JSON-line events from stdout, write JSON-line commands to its stdin, and make sure it dies.
 *
 * @module
 */

/**
 * One JSON object printed by a child on its own stdout line.
 *
 * @example
 * ```ts
 * import type { ChildEvent } from "./proc.ts";
 * let value: ChildEvent | undefined;
 * ```
 */
export type ChildEvent = { readonly ev: string; readonly [key: string]: unknown };

/**
 * Options for {@link spawnChild}.
 *
 * @example
 * ```ts
 * import type { SpawnOptions } from "./proc.ts";
 * let value: SpawnOptions | undefined;
 * ```
 */
export interface SpawnOptions {
  /** Extra `deno run` flags (e.g. `--cpu-prof`); permissions stay `--allow-net --unstable-net`. */
  readonly denoFlags?: readonly string[];
  /** Label used in error messages. */
  readonly label: string;
}

const live = new Set<Child>();

/**
 * A running child script. Commands go in as JSON lines on stdin; events come out on stdout.
 *
 * @example
 * ```ts
 * import { spawnChild } from "./proc.ts";
 * const child = spawnChild(new URL("../raw_child.ts", import.meta.url), { role: "echo" }, {
 *   label: "echo",
 * });
 * const ready = await child.next("ready", 5_000);
 * console.log(ready.port);
 * await child.close();
 * ```
 */
export class Child {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #queue: ChildEvent[] = [];
  readonly #label: string;
  #wake: (() => void) | undefined;
  #ended = false;
  #stderrTail = "";
  readonly #done: Promise<void>;

  /** Spawns `program` with `args` (see {@link spawnChild} for a Deno script). */
  constructor(program: string, args: readonly string[], label: string) {
    this.#label = label;
    this.#process = new Deno.Command(program, {
      args: [...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#process.stdin.getWriter();
    live.add(this);
    this.#done = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
  }

  /** Process id (to sample `/proc/<pid>/stat`). */
  get pid(): number {
    return this.#process.pid;
  }

  async #readStdout(): Promise<void> {
    const lines = this.#process.stdout.pipeThrough(new TextDecoderStream());
    let pending = "";
    for await (const chunk of lines) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line.startsWith("{")) {
          try {
            this.#queue.push(JSON.parse(line) as ChildEvent);
          } catch {
            // A non-JSON line from a child is a log line, not an event.
          }
        }
        nl = pending.indexOf("\n");
      }
      this.#wake?.();
    }
    this.#ended = true;
    this.#wake?.();
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#process.stderr.pipeThrough(new TextDecoderStream())) {
      // Keep only the tail: it explains a crash without unbounded growth.
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4000);
    }
  }

  /** Sends one command line to the child (ignored if it already exited). */
  async send(command: Record<string, unknown>): Promise<void> {
    if (this.#ended) return;
    try {
      await this.#writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    } catch {
      // The child exited between the check and the write; `next` reports it.
    }
  }

  /**
   * Waits for the next event named `ev` (earlier events of other names are skipped, except
   * `error`, which rejects). Rejects after `timeoutMs` or when the child exits first.
   */
  async next(ev: string, timeoutMs: number): Promise<ChildEvent> {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      while (this.#queue.length > 0) {
        const event = this.#queue.shift()!;
        if (event.ev === ev) return event;
        if (event.ev === "error") {
          throw new Error(`${this.#label}: ${String(event.message)}`);
        }
      }
      if (this.#ended) {
        const status = await this.#process.status;
        await this.#done; // stderr may still be arriving: it explains the exit
        throw new Error(
          `${this.#label} exited (code ${status.code}) before "${ev}"; stderr:\n${this.#stderrTail}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(`${this.#label}: no "${ev}" within ${timeoutMs} ms\n${this.#stderrTail}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  /** Asks the child to exit, then kills it if it has not within `graceMs`. */
  async close(graceMs = 3_000): Promise<void> {
    await this.send({ cmd: "exit" });
    try {
      await this.#writer.close();
    } catch {
      // Already closed.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#process.status.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
    ]);
    clearTimeout(timer);
    if (!exited) this.kill();
    await this.#process.status;
    await this.#done;
    live.delete(this);
  }

  /** Kills the child at once (SIGKILL); safe to call twice. */
  kill(): void {
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * Spawns a child script; see {@link Child}.
 *
 * @example
 * ```ts
 * import { spawnChild } from "./proc.ts";
 * const c = spawnChild(new URL("../raw_child.ts", import.meta.url), { role: "echo" }, {
 *   label: "echo",
 * });
 * await c.close();
 * ```
 */
export function spawnChild(script: URL, config: unknown, options: SpawnOptions): Child {
  const args = [
    "run",
    "--allow-net",
    "--unstable-net",
    ...(options.denoFlags ?? []),
    script.href,
    JSON.stringify(config),
  ];
  return new Child(Deno.execPath(), args, options.label);
}

/**
 * Kills every child still alive (call from exit paths and signal handlers).
 *
 * @example
 * ```ts
 * import { killAllChildren } from "./proc.ts";
 * killAllChildren();
 * ```
 */
export function killAllChildren(): void {
  for (const child of live) child.kill();
}
