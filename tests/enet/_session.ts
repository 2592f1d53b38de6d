/**
 * Test-only glue: an {@link UdpPump} plus a running enet_tool, registered as a Deno test that is
 * ignored (with a warning) when gcc or libenet is missing.
 *
 * @module
 */
import type { EnetEvent, EnetReceiveEvent } from "../../protocol/enet/events.ts";
import type { EnetOptions } from "../../protocol/enet/options.ts";
import { buildTool, EnetTool, libenetMissing } from "./_libenet.ts";
import { UdpPump } from "./_pump.ts";

const missing = await libenetMissing();
const warned = new Set<string>();

/**
 * Registers an interop test; ignored with a warning when libenet cannot be used.
 *
 * @example
 * ```ts
 * import { interopTest } from "./_session.ts";
 * const register = (): void => interopTest("x_test.ts", "an interop test", async () => {});
 * ```
 */
export function interopTest(file: string, name: string, fn: () => Promise<void>): void {
  if (missing !== undefined) {
    if (!warned.has(file)) console.warn(`${file}: skipped: ${missing}`);
    warned.add(file);
    Deno.test({ name, ignore: true, fn });
    return;
  }
  Deno.test({ name, fn });
}

/**
 * Our host on UDP and one libenet tool process, wired so tool output wakes the pump.
 *
 * @example
 * ```ts
 * import { Session } from "./_session.ts";
 * const s = await Session.server({}, ["--echo"]);
 * await s.close();
 * ```
 */
export class Session {
  readonly pump: UdpPump;
  readonly tool: EnetTool;

  private constructor(pump: UdpPump, tool: EnetTool) {
    this.pump = pump;
    this.tool = tool;
    tool.onLine = () => pump.wake();
  }

  /** Starts a libenet server and our host. */
  static async server(options: EnetOptions, toolArgs: string[] = []): Promise<Session> {
    const pump = new UdpPump(options);
    const tool = new EnetTool(await buildTool(), ["server", "0", ...toolArgs]);
    const s = new Session(pump, tool);
    await s.waitLine("READY", 1, 5000);
    return s;
  }

  /** Starts our host (as server) and a libenet client connecting to it. */
  static async client(
    options: EnetOptions,
    channels: number,
    data: number,
    toolArgs: string[] = [],
  ): Promise<Session> {
    const pump = new UdpPump(options);
    const tool = new EnetTool(await buildTool(), [
      "client",
      "127.0.0.1",
      String(pump.port),
      String(channels),
      String(data),
      ...toolArgs,
    ]);
    return new Session(pump, tool);
  }

  /** One more libenet client aimed at our host (the caller stops it). */
  async extraClient(channels: number, data: number): Promise<EnetTool> {
    const tool = new EnetTool(await buildTool(), [
      "client",
      "127.0.0.1",
      String(this.pump.port),
      String(channels),
      String(data),
    ]);
    tool.onLine = () => this.pump.wake();
    return tool;
  }

  /** Port the libenet tool listens on. */
  get toolPort(): number {
    return this.tool.of("READY")[0].fields[0];
  }

  /** Pumps until the tool printed `count` lines of `kind`; throws after `timeoutMs`. */
  async waitLine(kind: string, count: number, timeoutMs: number): Promise<void> {
    const ok = await this.pump.runUntil(() => this.tool.of(kind).length >= count, timeoutMs);
    if (!ok) {
      throw new Error(
        `timed out waiting for ${count} ${kind} lines; got:\n${
          this.tool.lines.map((l) => l.raw).join("\n")
        }`,
      );
    }
  }

  /** Pumps until `done()`; throws with `what` after `timeoutMs`. */
  async waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    if (!await this.pump.runUntil(done, timeoutMs)) {
      throw new Error(
        `timed out waiting for ${what}; tool said:\n${
          this.tool.lines.map((l) => l.raw).join("\n")
        }`,
      );
    }
  }

  /** Our receive events so far. */
  received(): EnetReceiveEvent[] {
    return this.pump.events.filter((e): e is EnetReceiveEvent => e.type === "receive");
  }

  /** Our events of one type. */
  ofType(type: EnetEvent["type"]): EnetEvent[] {
    return this.pump.events.filter((e) => e.type === type);
  }

  /** Stops the tool and closes the socket. */
  async close(): Promise<void> {
    await this.tool.stop();
    await this.pump.close();
  }
}
