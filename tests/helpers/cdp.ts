/**
 * A minimal Chrome DevTools Protocol client over Deno's built-in WebSocket, and a launcher for
 * headless Chromium. Test-only; needs --allow-run --allow-read --allow-write --allow-env.
 *
 * @module
 */

/** Where Debian (and most distros) put Chromium. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/**
 * Returns the path of a Chromium binary, or undefined. `CHROMIUM_PATH` overrides the search.
 *
 * @example
 * ```ts ignore
 * import { findChromium } from "./cdp.ts";
 * console.log(findChromium() ?? "no chromium");
 * ```
 */
export function findChromium(): string | undefined {
  let override: string | undefined;
  try {
    override = Deno.env.get("CHROMIUM_PATH");
  } catch {
    // no --allow-env: fall back to the fixed paths
  }
  for (const path of override ? [override] : CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // missing or not readable: try the next one
    }
  }
  return undefined;
}

/**
 * Rejects with a message naming `what` if `promise` is not settled within `ms`.
 *
 * @example
 * ```ts
 * import { withTimeout } from "./cdp.ts";
 * console.log(await withTimeout(Promise.resolve(1), 100, "one")); // 1
 * ```
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

type Json = Record<string, unknown>;
interface Pending {
  resolve: (value: Json) => void;
  reject: (error: Error) => void;
}

/**
 * One DevTools WebSocket; commands are matched to replies by id, events go to listeners.
 *
 * @example
 * ```ts ignore
 * import { CdpClient } from "./cdp.ts";
 * const cdp = await CdpClient.connect("ws://127.0.0.1:9222/devtools/browser/...");
 * console.log(await cdp.send("Browser.getVersion"));
 * await cdp.close();
 * ```
 */
export class CdpClient {
  #socket: WebSocket;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Set<(method: string, params: Json, sessionId?: string) => void>();
  #closed: Promise<void>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.#closed = new Promise((resolve) => {
      socket.addEventListener("close", () => {
        for (const p of this.#pending.values()) p.reject(new Error("DevTools socket closed"));
        this.#pending.clear();
        resolve();
      }, { once: true });
    });
    socket.addEventListener("message", (event) => {
      const msg = JSON.parse(String(event.data)) as Json;
      if (typeof msg.id === "number") {
        const pending = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        const error = msg.error as { message?: string } | undefined;
        if (error) pending?.reject(new Error(`CDP error: ${error.message}`));
        else pending?.resolve((msg.result ?? {}) as Json);
      } else if (typeof msg.method === "string") {
        for (const l of this.#listeners) {
          l(msg.method, (msg.params ?? {}) as Json, msg.sessionId as string);
        }
      }
    });
  }

  /** Opens the DevTools socket at `url`. */
  static async connect(url: string): Promise<CdpClient> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`cannot open DevTools socket ${url}`));
    });
    socket.onerror = null;
    return new CdpClient(socket);
  }

  /** Sends a command (to a target session if `sessionId`) and resolves with its result. */
  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.#nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<Json>();
    this.#pending.set(id, { resolve, reject });
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    return promise;
  }

  /** Calls `listener` for every event; returns a function that removes it. */
  onEvent(listener: (method: string, params: Json, sessionId?: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the params of the next event `method` (of `sessionId`, when given). */
  waitForEvent(method: string, sessionId?: string): Promise<Json> {
    return new Promise((resolve) => {
      const off = this.onEvent((m, params, sid) => {
        if (m !== method || (sessionId !== undefined && sid !== sessionId)) return;
        off();
        resolve(params);
      });
    });
  }

  /** Closes the socket and resolves once it is closed. */
  close(): Promise<void> {
    if (this.#socket.readyState <= WebSocket.OPEN) this.#socket.close();
    return this.#closed;
  }
}

/**
 * A page (tab) attached through a flat CDP session.
 *
 * @example
 * ```ts ignore
 * import { Chromium, findChromium } from "./cdp.ts";
 * const browser = await Chromium.launch(findChromium()!);
 * const page = await browser.newPage();
 * console.log(await page.evaluate("1 + 1")); // 2
 * await browser.close();
 * ```
 */
export class CdpPage {
  /** Console lines and uncaught exceptions of the page, for diagnostics (bounded). */
  readonly log: string[] = [];
  #cdp: CdpClient;
  #sessionId: string;

  /** Wraps an attached session; see {@link Chromium.newPage}. */
  constructor(cdp: CdpClient, sessionId: string) {
    this.#cdp = cdp;
    this.#sessionId = sessionId;
    cdp.onEvent((method, params, sid) => {
      if (sid !== sessionId || this.log.length >= 500) return;
      if (method === "Runtime.consoleAPICalled") {
        const args = params.args as { value?: unknown; description?: string }[];
        this.log.push(args.map((a) => a.value ?? a.description).join(" "));
      } else if (method === "Runtime.exceptionThrown") {
        const details = params.exceptionDetails as { exception?: { description?: string } };
        this.log.push(`exception: ${details.exception?.description}`);
      }
    });
  }

  /** Navigates and resolves after the load event. */
  async navigate(url: string): Promise<void> {
    const loaded = this.#cdp.waitForEvent("Page.loadEventFired", this.#sessionId);
    const result = await this.#cdp.send("Page.navigate", { url }, this.#sessionId);
    if (result.errorText) throw new Error(`navigation to ${url} failed: ${result.errorText}`);
    await loaded;
  }

  /** Evaluates `expression` in the page, awaiting a returned promise; returns its JSON value. */
  async evaluate<T = unknown>(expression: string): Promise<T> {
    const result = await this.#cdp.send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }, this.#sessionId);
    const thrown = result.exceptionDetails as { exception?: { description?: string } } | undefined;
    if (thrown) throw new Error(`page threw: ${thrown.exception?.description}`);
    return (result.result as { value: T }).value;
  }
}

/**
 * A headless Chromium process with a fresh profile directory, driven over CDP.
 *
 * @example
 * ```ts ignore
 * import { Chromium, findChromium } from "./cdp.ts";
 * const browser = await Chromium.launch(findChromium()!);
 * const page = await browser.newPage();
 * await page.navigate("data:text/html,<p>hi</p>");
 * console.log(await page.evaluate("document.body.textContent"));
 * await browser.close();
 * ```
 */
export class Chromium {
  #child: Deno.ChildProcess;
  #profile: string;
  #cdp: CdpClient;
  #stderr: ReadableStreamDefaultReader<string>;
  #drain: Promise<void>;

  private constructor(
    child: Deno.ChildProcess,
    profile: string,
    cdp: CdpClient,
    stderr: ReadableStreamDefaultReader<string>,
    drain: Promise<void>,
  ) {
    this.#child = child;
    this.#profile = profile;
    this.#cdp = cdp;
    this.#stderr = stderr;
    this.#drain = drain;
  }

  /** Starts Chromium and connects to its DevTools endpoint (read from stderr). */
  static async launch(path: string, timeoutMs = 30_000): Promise<Chromium> {
    const profile = await Deno.makeTempDir({ prefix: "netplay-chromium-" });
    const child = new Deno.Command(path, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const found = Promise.withResolvers<string>();
    // Keep draining stderr so Chromium never blocks on a full pipe.
    const drain = (async () => {
      let text = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: "", done: true }));
        if (done) break;
        if (text.length < 64 * 1024) text += value;
        const match = text.match(/DevTools listening on (ws:\/\/\S+)/);
        if (match) found.resolve(match[1]);
      }
      found.reject(new Error(`Chromium exited before DevTools came up:\n${text.slice(-2000)}`));
    })();
    try {
      const url = await withTimeout(found.promise, timeoutMs, "Chromium DevTools URL");
      const cdp = await CdpClient.connect(url);
      return new Chromium(child, profile, cdp, reader, drain);
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel().catch(() => {});
      await drain;
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** Opens a new tab and attaches to it. */
  async newPage(): Promise<CdpPage> {
    const { targetId } = await this.#cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.#cdp.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new CdpPage(this.#cdp, sessionId as string);
    await this.#cdp.send("Page.enable", {}, sessionId as string);
    await this.#cdp.send("Runtime.enable", {}, sessionId as string);
    return page;
  }

  /** Asks Chromium to exit (kills it if it does not), then removes the profile directory. */
  async close(): Promise<void> {
    await withTimeout(this.#cdp.send("Browser.close"), 5_000, "Browser.close").catch(() => {});
    await this.#cdp.close();
    const exited = await withTimeout(this.#child.status, 5_000, "Chromium exit").catch(() => null);
    if (!exited) {
      this.#child.kill("SIGKILL");
      await this.#child.status;
    }
    // Helper processes may still hold the pipe: stop reading instead of waiting for EOF.
    await this.#stderr.cancel().catch(() => {});
    await this.#drain;
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

/** Bundles the example client into `dir` with this Deno's own `deno bundle`. */
export async function bundleClient(dir: string): Promise<string> {
  const out = `${dir}/client.js`;
  const entry = new URL("../../examples/browser/client.ts", import.meta.url).pathname;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "-o", out, entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    // On first use `deno bundle` fetches esbuild from the npm registry (cached afterwards).
    throw new Error(
      "`deno bundle` of examples/browser/client.ts failed (its first run downloads esbuild " +
        "from the npm registry: is it reachable, or DENO_DIR cached?):\n" +
        new TextDecoder().decode(result.stderr),
    );
  }
  return out;
}
