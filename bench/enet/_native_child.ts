/**
 * The C side of the ENet-wire benchmark: builds `enet_bench.c` against the system libenet once per
 * run (into a temp dir removed at exit) and runs it as a child that speaks the same JSON lines as
 * the Deno children (events on stdout, commands on stdin).
 *
 * @module
 */

/**
 * One JSON object printed by the C child on its own stdout line.
 *
 * @example
 * ```ts
 * import type { NativeEvent } from "./_native_child.ts";
 * let value: NativeEvent | undefined;
 * ```
 */
export type NativeEvent = { readonly ev: string; readonly [key: string]: unknown };

const SOURCE = new URL("./enet_bench.c", import.meta.url);
let built: Promise<string | Error> | undefined;

async function commandWorks(cmd: string, args: string[]): Promise<boolean> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return r.success;
  } catch {
    return false;
  }
}

function build(): Promise<string | Error> {
  built ??= (async () => {
    if (!await commandWorks("gcc", ["--version"])) return new Error("gcc not found");
    try {
      await Deno.stat("/usr/include/enet/enet.h");
    } catch {
      return new Error("libenet headers not found (Debian: libenet-dev)");
    }
    const dir = await Deno.makeTempDir({ prefix: "enet_bench_" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    const out = `${dir}/enet_bench`;
    const r = await new Deno.Command("gcc", {
      args: ["-O2", "-Wall", "-o", out, SOURCE.pathname, "-lenet"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      const why = new TextDecoder().decode(r.stderr).split("\n").find((l) => /error/.test(l));
      return new Error(`enet_bench.c does not build against libenet: ${why ?? "gcc failed"}`);
    }
    return out;
  })();
  return built;
}

/**
 * Why the C side cannot run here (no gcc, no libenet, a failed build), or undefined when it can.
 * Builds the program on first use.
 *
 * @example
 * ```ts
 * import { nativeUnavailable } from "./_native_child.ts";
 * console.log((await nativeUnavailable()) ?? "libenet benchmarks can run");
 * ```
 */
export async function nativeUnavailable(): Promise<string | undefined> {
  const r = await build();
  return r instanceof Error ? r.message : undefined;
}

/**
 * A running `enet_bench`. Same shape as the Deno children of `bench/lib/proc.ts`.
 *
 * @example
 * ```ts
 * import { spawnNative } from "./_native_child.ts";
 * const server = await spawnNative(["server", "sink", "32", "100", "100", "5000"], "libenet");
 * const ready = await server.next("ready", 5_000);
 * console.log(ready.port);
 * await server.close();
 * ```
 */
export class NativeChild {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #queue: NativeEvent[] = [];
  readonly #label: string;
  readonly #done: Promise<void>;
  #wake: (() => void) | undefined;
  #ended = false;
  #stderrTail = "";

  /** Starts `binary` with `args`. */
  constructor(binary: string, args: readonly string[], label: string) {
    this.#label = label;
    this.#process = new Deno.Command(binary, {
      args: [...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#process.stdin.getWriter();
    this.#done = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
  }

  /** Process id (to sample `/proc/<pid>/stat`). */
  get pid(): number {
    return this.#process.pid;
  }

  async #readStdout(): Promise<void> {
    let pending = "";
    for await (const chunk of this.#process.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line.startsWith("{")) {
          try {
            this.#queue.push(JSON.parse(line) as NativeEvent);
          } catch {
            // not an event
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
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4000);
    }
  }

  /** Sends one JSON command line (ignored once the child exited). */
  async send(command: Record<string, unknown>): Promise<void> {
    if (this.#ended) return;
    try {
      await this.#writer.write(new TextEncoder().encode(JSON.stringify(command) + "\n"));
    } catch {
      // exited meanwhile; `next` reports it
    }
  }

  /** Waits for the next event named `ev`; an `error` event, an exit or the timeout rejects. */
  async next(ev: string, timeoutMs: number): Promise<NativeEvent> {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      while (this.#queue.length > 0) {
        const event = this.#queue.shift()!;
        if (event.ev === ev) return event;
        if (event.ev === "error") throw new Error(`${this.#label}: ${String(event.message)}`);
      }
      if (this.#ended) {
        const status = await this.#process.status;
        await this.#done;
        throw new Error(
          `${this.#label} exited (code ${status.code}) before "${ev}"; stderr:\n${this.#stderrTail}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.#label}: no "${ev}" within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  /** Asks the child to exit (and closes its stdin), then kills it if it has not within `graceMs`. */
  async close(graceMs = 3_000): Promise<void> {
    await this.send({ cmd: "exit" });
    try {
      await this.#writer.close();
    } catch {
      // already closed
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
  }

  /** Kills the child at once (SIGKILL); safe to call twice. */
  kill(): void {
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * Builds the program if needed and starts it with `args`; throws when it cannot be built.
 *
 * @example
 * ```ts
 * import { spawnNative } from "./_native_child.ts";
 * const child = await spawnNative(["server", "echo", "32", "0", "0", "5000"], "libenet echo");
 * await child.close();
 * ```
 */
export async function spawnNative(args: readonly string[], label: string): Promise<NativeChild> {
  const binary = await build();
  if (binary instanceof Error) throw binary;
  return new NativeChild(binary, args, label);
}
