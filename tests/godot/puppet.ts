/**
 * Drives a real Godot 3.2 multiplayer peer (the "puppet", puppet.gd) from Deno tests: starts
 * godot3-server headless in a temp project, talks to it over a control TCP connection on
 * 127.0.0.1, and records every event it reports.
 *
 * @module
 */
import { godotBinary, pickPort } from "./environment.ts";
import { jsonLine, LineSplitter } from "./_lines.ts";
import { delay, OutputTail, writeAll } from "./_process.ts";
import { GodotError } from "./protocol.ts";
import type {
  AckEvent,
  EventOf,
  PuppetCommand,
  PuppetConfig,
  PuppetEvent,
  ReadyEvent,
} from "./protocol.ts";

/**
 * A partial event: matches events with these exact field values.
 *
 * @example
 * ```ts
 * import type { EventPattern } from "./puppet.ts";
 * const pattern: EventPattern<"packet"> = { ev: "packet", from: 1, channel: 2 };
 * console.log(pattern.ev);
 * ```
 */
export type EventPattern<K extends PuppetEvent["ev"]> =
  & { ev: K }
  & Partial<Omit<EventOf<K>, "ev">>;

/**
 * Options of {@link GodotPuppet.waitFor} and {@link GodotPuppet.waitForCount}.
 *
 * @example
 * ```ts
 * import type { WaitOptions } from "./puppet.ts";
 * const options: WaitOptions = { timeoutMs: 2000, what: "the fence", since: 10 };
 * console.log(options.timeoutMs);
 * ```
 */
export interface WaitOptions {
  /** Give up after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
  /** Only consider events at or after this index (see {@link GodotPuppet.mark}); default 0. */
  since?: number;
}

/**
 * Options of {@link GodotPuppet.start}.
 *
 * @example
 * ```ts
 * import type { StartOptions } from "./puppet.ts";
 * const options: StartOptions = { startTimeoutMs: 5000, label: "godot-client" };
 * console.log(options.label);
 * ```
 */
export interface StartOptions {
  /** Bound on process start + control connection + ready event (default 10 000 ms). */
  startTimeoutMs?: number;
  /** Name used in failure messages (default role/wire/api). */
  label?: string;
}

type Matcher = ((e: PuppetEvent) => boolean) | EventPattern<PuppetEvent["ev"]>;

interface Waiter {
  check: () => boolean;
  fail: (why: string) => void;
}

const DEFAULT_WAIT_MS = 5000;
const DEFAULT_START_MS = 10_000;
const QUIT_GRACE_MS = 2000;
const PORT_RETRIES = 3;
const RECENT_EVENTS = 25;
const STDERR_TAIL = 3000;
const EVENT_CHARS = 400;

const PROJECT_NAME = "puppet";
const PROJECT_GODOT = `[application]\nconfig/name="${PROJECT_NAME}"\n`;
const SCRIPT_FILES = ["puppet.gd", "puppet_rpc.gd"] as const;

function toMatcher(match: Matcher): (e: PuppetEvent) => boolean {
  if (typeof match === "function") return match;
  const entries = Object.entries(match);
  return (e) =>
    entries.every(([key, value]) => (e as unknown as Record<string, unknown>)[key] === value);
}

function describeMatcher(match: Matcher): string {
  return typeof match === "function" ? "a matching event" : JSON.stringify(match);
}

async function readScripts(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of SCRIPT_FILES) {
    out[name] = await Deno.readTextFile(new URL(`./${name}`, import.meta.url));
  }
  return out;
}

/**
 * A running Godot puppet. Start one with {@link GodotPuppet.start}, drive it with
 * {@link GodotPuppet.send}, observe it with {@link GodotPuppet.waitFor}, always
 * {@link GodotPuppet.close} it (in a `finally`).
 *
 * @example
 * ```ts
 * import { GodotPuppet } from "./puppet.ts";
 * import { godotSkipReason } from "./environment.ts";
 * if (godotSkipReason() === undefined) {
 *   const server = await GodotPuppet.start({ role: "server", wire: "enet" });
 *   const client = await GodotPuppet.start({ role: "client", wire: "enet", port: server.port });
 *   try {
 *     await client.waitFor({ ev: "connection_succeeded" });
 *     await client.sendOk({ cmd: "send", hex: "cafe", target: 1 });
 *     const packet = await server.waitFor({ ev: "packet", hex: "cafe" });
 *     console.log(packet.from === client.id);
 *   } finally {
 *     await Promise.all([client.close(), server.close()]);
 *   }
 * }
 * ```
 */
export class GodotPuppet {
  /** The configuration the puppet runs with (port and bind address resolved). */
  readonly config: Readonly<PuppetConfig>;
  /** Name in failure messages. */
  readonly label: string;

  #ready: ReadyEvent | undefined;
  #events: PuppetEvent[] = [];
  #waiters = new Set<Waiter>();
  #seq = 0;
  #writing: Promise<void> = Promise.resolve();
  #gone: string | undefined;
  #closing: Promise<void> | undefined;
  readonly #dir: string;
  readonly #child: Deno.ChildProcess;
  readonly #stdout: OutputTail;
  readonly #stderr: OutputTail;
  #conn: Deno.TcpConn | undefined;
  #reading: Promise<void> = Promise.resolve();
  #exit: Deno.CommandStatus | undefined;
  readonly #exited: Promise<Deno.CommandStatus>;

  private constructor(config: PuppetConfig, label: string, dir: string, child: Deno.ChildProcess) {
    this.config = config;
    this.label = label;
    this.#dir = dir;
    this.#child = child;
    this.#stdout = new OutputTail(child.stdout);
    this.#stderr = new OutputTail(child.stderr);
    this.#exited = child.status.then(async (status) => {
      this.#exit = status;
      // Lines Godot wrote before exiting still count: drain the control connection first.
      await this.#reading;
      this.#markGone(
        `Godot exited (code ${status.code}${status.signal ? `, ${status.signal}` : ""})`,
      );
      return status;
    });
  }

  /**
   * Starts a puppet and resolves once it reported `ready` (rejects if Godot could not create the
   * peer, with its stderr). Servers without a `port` get a free one (retried if Godot cannot bind
   * it); servers bind 127.0.0.1 unless `bind_ip` says otherwise.
   *
   * @example
   * ```ts
   * import { GodotPuppet } from "./puppet.ts";
   * import { godotSkipReason } from "./environment.ts";
   * if (godotSkipReason() === undefined) {
   *   const server = await GodotPuppet.start({ role: "server", wire: "websocket", api: "mp" });
   *   console.log(server.id, server.port > 0); // 1 true
   *   await server.close();
   * }
   * ```
   */
  static async start(config: PuppetConfig, options: StartOptions = {}): Promise<GodotPuppet> {
    const pick = config.role === "server" && config.port === undefined;
    for (let attempt = 1;; attempt++) {
      const resolved: PuppetConfig = {
        ...config,
        port: pick ? pickPort() : config.port,
        bind_ip: config.bind_ip ?? (config.role === "server" ? "127.0.0.1" : undefined),
      };
      const puppet = await GodotPuppet.#launch(resolved, options);
      const err = puppet.ready.err;
      if (err === GodotError.OK) return puppet;
      await puppet.close();
      if (!(pick && err === GodotError.ERR_CANT_CREATE && attempt < PORT_RETRIES)) {
        throw new Error(
          `${puppet.label}: Godot could not create its peer (error ${err})${puppet.#context()}`,
        );
      }
    }
  }

  static async #launch(config: PuppetConfig, options: StartOptions): Promise<GodotPuppet> {
    const label = options.label ?? `${config.role}/${config.wire}/${config.api ?? "raw"}`;
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_MS;
    const started = performance.now();
    const scripts = await readScripts();
    const dir = await Deno.makeTempDir({ prefix: "godot-puppet-" });
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
    let puppet: GodotPuppet | undefined;
    try {
      await Deno.writeTextFile(`${dir}/project.godot`, PROJECT_GODOT);
      for (const [name, text] of Object.entries(scripts)) {
        await Deno.writeTextFile(`${dir}/${name}`, text);
      }
      // Godot writes its log under the user data dir; keep that inside the temp dir.
      await Deno.mkdir(`${dir}/data/godot/app_userdata/${PROJECT_NAME}`, { recursive: true });
      const control = { ...config, control_host: "127.0.0.1", control_port: listener.addr.port };
      await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(control));
      const child = new Deno.Command(godotBinary(), {
        args: [
          "--no-window",
          "--path",
          dir,
          "-s",
          "puppet.gd",
          "--",
          `--config=${dir}/config.json`,
        ],
        env: { LANG: "en_US.UTF-8", XDG_DATA_HOME: `${dir}/data` },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      puppet = new GodotPuppet(config, label, dir, child);
      await puppet.#accept(listener, timeoutMs);
      const left = Math.max(1, timeoutMs - (performance.now() - started));
      puppet.#ready = await puppet.waitFor({ ev: "ready" }, { timeoutMs: left, what: "ready" });
      return puppet;
    } catch (e) {
      if (puppet) await puppet.close();
      else await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    } finally {
      try {
        listener.close();
      } catch {
        // Closed already after a failed accept.
      }
    }
  }

  async #accept(listener: Deno.Listener, timeoutMs: number): Promise<void> {
    const timer = delay(timeoutMs);
    const accepting = listener.accept().then((c) => c as Deno.TcpConn, () => undefined);
    try {
      const winner = await Promise.race([
        accepting,
        this.#exited.then(() => "exit"),
        timer.promise,
      ]);
      if (typeof winner === "string" || winner === undefined) {
        // A late connection must not leak.
        listener.close();
        (await accepting)?.close();
        throw new Error(
          `${this.label}: Godot did not connect to the control port ` +
            `(${winner === "exit" ? "it exited" : `within ${timeoutMs} ms`})${this.#context()}`,
        );
      }
      this.#conn = winner;
      this.#reading = this.#readLoop(winner);
    } finally {
      timer.cancel();
    }
  }

  /** The puppet's `ready` event. */
  get ready(): ReadyEvent {
    if (!this.#ready) throw new Error(`${this.label}: not ready yet`);
    return this.#ready;
  }

  /** The configured (or picked) port. */
  get port(): number {
    return this.config.port ?? 0;
  }

  /**
   * Own unique id: 1 for servers; for clients the id from the latest `connection_succeeded`, else
   * from `ready` (WebSocket clients learn theirs only on connecting).
   */
  get id(): number {
    for (let i = this.#events.length - 1; i >= 0; i--) {
      const e = this.#events[i];
      if (e.ev === "connection_succeeded") return e.id;
    }
    return this.#ready?.id ?? 0;
  }

  /** Every event received so far, oldest first. */
  get events(): readonly PuppetEvent[] {
    return this.#events;
  }

  /** Index the next event will get: pass it as `since` to wait only for newer events. */
  mark(): number {
    return this.#events.length;
  }

  /** Godot's stderr so far (tail). */
  get stderr(): string {
    return this.#stderr.text;
  }

  /** Godot's stdout so far (tail). */
  get stdout(): string {
    return this.#stdout.text;
  }

  /** Exit status once Godot has exited. */
  get exitStatus(): Deno.CommandStatus | undefined {
    return this.#exit;
  }

  /** Resolves when the Godot process has exited. */
  get exited(): Promise<Deno.CommandStatus> {
    return this.#exited;
  }

  /**
   * Sends a command and resolves with its ack (whatever its `err`). Rejects if no ack arrives in
   * `timeoutMs` or the puppet goes away.
   */
  async send(command: PuppetCommand, timeoutMs = DEFAULT_WAIT_MS): Promise<AckEvent> {
    if (this.#gone) throw new Error(`${this.label}: cannot send ${command.cmd}: ${this.#gone}`);
    const seq = ++this.#seq;
    const since = this.mark();
    const line = new TextEncoder().encode(jsonLine({ ...command, seq }));
    const conn = this.#conn!;
    this.#writing = this.#writing.then(() => writeAll(conn, line)).catch(() => {});
    return await this.waitFor({ ev: "ack", seq }, {
      timeoutMs,
      since,
      what: `ack of ${command.cmd}`,
    });
  }

  /** Like {@link GodotPuppet.send}, but rejects unless the ack says OK. */
  async sendOk(command: PuppetCommand, timeoutMs = DEFAULT_WAIT_MS): Promise<AckEvent> {
    const ack = await this.send(command, timeoutMs);
    if (!ack.ok) {
      throw new Error(
        `${this.label}: ${JSON.stringify(command).slice(0, 300)} failed: error ${ack.err}` +
          `${ack.message ? ` (${ack.message})` : ""}${this.#context()}`,
      );
    }
    return ack;
  }

  /** Resolves with the first event (at or after `since`) matching a pattern. */
  waitFor<K extends PuppetEvent["ev"]>(
    match: EventPattern<K>,
    options?: WaitOptions,
  ): Promise<EventOf<K>>;
  /** Resolves with the first event (at or after `since`) the type guard accepts. */
  waitFor<E extends PuppetEvent>(
    match: (e: PuppetEvent) => e is E,
    options?: WaitOptions,
  ): Promise<E>;
  /** Resolves with the first event (at or after `since`) the predicate accepts. */
  waitFor(match: (e: PuppetEvent) => boolean, options?: WaitOptions): Promise<PuppetEvent>;
  waitFor(match: Matcher, options: WaitOptions = {}): Promise<PuppetEvent> {
    const accepts = toMatcher(match);
    let next = options.since ?? 0;
    let found: PuppetEvent | undefined;
    return this.#until(
      () => {
        for (; next < this.#events.length && !found; next++) {
          if (accepts(this.#events[next])) found = this.#events[next];
        }
        return found !== undefined;
      },
      options,
      () => describeMatcher(match),
    ).then(() => found!);
  }

  /** Resolves with the matching events once at least `n` (at or after `since`) have arrived. */
  waitForCount<K extends PuppetEvent["ev"]>(
    match: EventPattern<K>,
    n: number,
    options?: WaitOptions,
  ): Promise<EventOf<K>[]>;
  /** Resolves with the matching events once the predicate accepted at least `n`. */
  waitForCount(
    match: (e: PuppetEvent) => boolean,
    n: number,
    options?: WaitOptions,
  ): Promise<PuppetEvent[]>;
  waitForCount(match: Matcher, n: number, options: WaitOptions = {}): Promise<PuppetEvent[]> {
    const accepts = toMatcher(match);
    let next = options.since ?? 0;
    const found: PuppetEvent[] = [];
    return this.#until(
      () => {
        for (; next < this.#events.length; next++) {
          if (accepts(this.#events[next])) found.push(this.#events[next]);
        }
        return found.length >= n;
      },
      options,
      () => `${n} x ${describeMatcher(match)} (have ${found.length})`,
    ).then(() => found);
  }

  /** How many events (at or after `since`) match a pattern. */
  count<K extends PuppetEvent["ev"]>(match: EventPattern<K>, since?: number): number;
  /** How many events (at or after `since`) the predicate accepts. */
  count(match: (e: PuppetEvent) => boolean, since?: number): number;
  count(match: Matcher, since = 0): number {
    const accepts = toMatcher(match);
    let n = 0;
    for (let i = since; i < this.#events.length; i++) if (accepts(this.#events[i])) n++;
    return n;
  }

  /** The events (at or after `since`) that match. */
  filter<K extends PuppetEvent["ev"]>(match: EventPattern<K>, since?: number): EventOf<K>[];
  /** The events (at or after `since`) the predicate accepts. */
  filter(match: (e: PuppetEvent) => boolean, since?: number): PuppetEvent[];
  filter(match: Matcher, since = 0): PuppetEvent[] {
    const accepts = toMatcher(match);
    return this.#events.slice(since).filter(accepts);
  }

  #until(check: () => boolean, options: WaitOptions, what: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const name = () => options.what ?? what();
    if (this.#gone) return Promise.reject(this.#failure(name(), this.#gone));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (!check()) return false;
          clearTimeout(timer);
          resolve();
          return true;
        },
        fail: (why) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          reject(this.#failure(name(), why));
        },
      };
      const timer = setTimeout(() => waiter.fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #failure(what: string, why: string): Error {
    return new Error(`${this.label}: waiting for ${what}: ${why}${this.#context()}`);
  }

  #context(): string {
    const recent = this.#events.slice(-RECENT_EVENTS).map((e) => {
      const line = JSON.stringify(e);
      return "  " + (line.length > EVENT_CHARS ? `${line.slice(0, EVENT_CHARS)}...` : line);
    });
    const stderr = this.#stderr.text.slice(-STDERR_TAIL);
    return `\n-- last ${recent.length} events:\n${recent.join("\n")}` +
      `\n-- Godot stderr (tail):\n${stderr}`;
  }

  async #readLoop(conn: Deno.TcpConn): Promise<void> {
    const lines = new LineSplitter();
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (n === null) break;
        for (const line of lines.push(buffer.subarray(0, n))) this.#onLine(line);
      }
      this.#markGone("the puppet closed the control connection");
    } catch (e) {
      this.#markGone(`control connection failed: ${e instanceof Error ? e.message : e}`);
    }
  }

  #onLine(line: string): void {
    if (line.trim() === "") return;
    let event: PuppetEvent;
    try {
      event = { ...JSON.parse(line), at: performance.now() };
    } catch {
      event = { ev: "error", message: `unparsable line: ${line.slice(0, 200)}`, t: 0, at: 0 };
    }
    this.#events.push(event);
    for (const waiter of [...this.#waiters]) if (waiter.check()) this.#waiters.delete(waiter);
  }

  #markGone(why: string): void {
    if (this.#gone) return;
    this.#gone = why;
    // Events already received still count: give waiters one last look before failing them.
    for (const waiter of [...this.#waiters]) {
      if (waiter.check()) this.#waiters.delete(waiter);
      else waiter.fail(why);
    }
  }

  /**
   * Drops the control connection without a quit command, as a crashed harness would; the puppet
   * must then exit on its own (see its README).
   */
  disconnectControl(): void {
    try {
      this.#conn?.close();
    } catch {
      // Already closed.
    }
  }

  /** Kills Godot at once (SIGKILL), as a crash would; resolves when it has exited. */
  async kill(): Promise<void> {
    if (!this.#exit) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await this.#exited;
  }

  /**
   * Asks the puppet to quit, waits a bounded time, then kills it; removes its temp dir. Safe to
   * call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (!this.#exit && this.#conn && !this.#gone) {
      const line = new TextEncoder().encode(jsonLine({ cmd: "quit", seq: ++this.#seq }));
      const conn = this.#conn;
      this.#writing = this.#writing.then(() => writeAll(conn, line)).catch(() => {});
    }
    const grace = delay(QUIT_GRACE_MS);
    await Promise.race([this.#exited, grace.promise]);
    grace.cancel();
    await this.kill();
    await this.#writing;
    this.disconnectControl();
    await this.#reading;
    await Promise.all([this.#stdout.done, this.#stderr.done]);
    this.#markGone("closed");
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }
}
