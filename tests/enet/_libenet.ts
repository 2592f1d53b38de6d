/**
 * Test-only helpers: find gcc + libenet, build `enet_tool.c` into a temp dir, run it and read its
 * event lines.
 *
 * @module
 */

/**
 * Why libenet interop cannot run here, or undefined when it can.
 *
 * @example
 * ```ts
 * import { libenetMissing } from "./_libenet.ts";
 * console.log((await libenetMissing()) ?? "libenet is usable");
 * ```
 */
export async function libenetMissing(): Promise<string | undefined> {
  try {
    const gcc = await new Deno.Command("gcc", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    if (!gcc.success) return "gcc does not run";
  } catch {
    return "gcc not found";
  }
  try {
    await Deno.stat("/usr/include/enet/enet.h");
  } catch {
    return "libenet headers (libenet-dev) not found";
  }
  try {
    await buildTool();
  } catch (e) {
    return `enet_tool.c does not build against libenet: ${(e as Error).message.slice(0, 200)}`;
  }
  return undefined;
}

let built: Promise<string> | undefined;

/**
 * Builds enet_tool once per test process; returns the binary's path.
 *
 * @example
 * ```ts
 * import { buildTool } from "./_libenet.ts";
 * const path: Promise<string> = buildTool();
 * ```
 */
export function buildTool(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "enet_tool_" });
    const out = `${dir}/enet_tool`;
    const src = new URL("./enet_tool.c", import.meta.url).pathname;
    const r = await new Deno.Command("gcc", { args: ["-O1", "-o", out, src, "-lenet"] }).output();
    if (!r.success) throw new Error(`gcc failed: ${new TextDecoder().decode(r.stderr)}`);
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    });
    return out;
  })();
  return built;
}

/**
 * One parsed stdout line of enet_tool.
 *
 * @example
 * ```ts
 * import type { ToolLine } from "./_libenet.ts";
 * const port = (l: ToolLine) => l.kind === "READY" ? l.fields[0] : undefined;
 * ```
 */
export interface ToolLine {
  kind: string;
  fields: number[];
  raw: string;
}

/**
 * A running enet_tool.
 *
 * @example
 * ```ts
 * import { buildTool, EnetTool } from "./_libenet.ts";
 * const tool = new EnetTool(await buildTool(), ["server", "0", "--echo"]);
 * await tool.stop();
 * ```
 */
export class EnetTool {
  readonly lines: ToolLine[] = [];
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reading: Promise<void>;
  onLine: () => void = () => {};

  constructor(path: string, args: string[]) {
    this.#child = new Deno.Command(path, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    })
      .spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reading = this.#read();
  }

  async #read(): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of this.#child.stdout) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        const raw = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        const [kind, ...parts] = raw.trim().split(/\s+/);
        this.lines.push({
          kind,
          fields: parts.map((p) =>
            /^[0-9a-f]{8}$/.test(p) && kind === "RECEIVE" ? parseInt(p, 16) : Number(p)
          ),
          raw,
        });
        this.onLine();
      }
    }
  }

  /** Lines of one kind. */
  of(kind: string): ToolLine[] {
    return this.lines.filter((l) => l.kind === kind);
  }

  /** Sends a command line. */
  async command(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(line + "\n"));
  }

  /** Kills the process at once (SIGKILL). */
  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already exited */ }
  }

  /** Asks it to quit and waits for it (kills it when it does not go). */
  async stop(): Promise<void> {
    try {
      await this.command("quit");
    } catch { /* stdin closed */ }
    try {
      await this.#writer.close();
    } catch { /* closed */ }
    const timer: ReturnType<typeof setTimeout> = setTimeout(() => this.kill(), 2000);
    await this.#child.status;
    clearTimeout(timer);
    await this.#reading;
  }
}

/**
 * FNV-1a 32 of `data` (the tool reports it for every packet).
 *
 * @example
 * ```ts
 * import { fnv1a } from "./_libenet.ts";
 * console.log(fnv1a(new Uint8Array(0)).toString(16)); // "811c9dc5"
 * ```
 */
export function fnv1a(data: Uint8Array): number {
  let h = 2166136261;
  for (const b of data) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h >>> 0;
}

/**
 * The tool's packet contents: byte i = (seed + 7 i) & 255.
 *
 * @example
 * ```ts
 * import { pattern } from "./_libenet.ts";
 * console.log(pattern(3, 1)); // Uint8Array(3) [1, 8, 15]
 * ```
 */
export function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seed + 7 * i) & 255;
  return out;
}
