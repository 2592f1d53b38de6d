/**
 * Test helpers for the WebSocket listener: a raw client that speaks the handshake and frames
 * itself (to misbehave on purpose), a Deno `WebSocket` wrapper with awaitable events,
 * deadlines for awaits, and test certificates.
 *
 * @module
 */
import {
  encodeFrame,
  FrameDecoder,
  type Opcode,
  WebSocketCloseCode,
} from "../../protocol/websocket/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Rejects with `what` if `promise` has not settled within `ms` (a failure bound, never a
 * synchronisation: the test awaits the event itself).
 *
 * @example
 * ```ts
 * import { within } from "./_listener_test_util.ts";
 * console.log(await within(Promise.resolve(7), 1000, "seven")); // 7
 * ```
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** A frame the raw client received. */
export type ClientEvent =
  | { readonly kind: "message"; readonly data: Uint8Array; readonly text: boolean }
  | { readonly kind: "ping" | "pong"; readonly data: Uint8Array }
  | { readonly kind: "close"; readonly code: number; readonly reason: string }
  | { readonly kind: "end" };

/** An HTTP response head the raw client read. */
export interface ResponseHead {
  /** Status code, e.g. 101 or 503. */
  readonly status: number;
  /** Header fields, names lower-cased. */
  readonly headers: Map<string, string>;
  /** The body, when the server closed right after it (error responses). */
  readonly body: string;
}

/**
 * A hand-driven client over TCP or TLS: sends whatever bytes a test wants and decodes the
 * server's frames.
 *
 * @example
 * ```ts
 * import { RawClient } from "./_listener_test_util.ts";
 * async function hello(port: number) {
 *   const client = await RawClient.connect(port);
 *   await client.upgrade("/");
 *   await client.sendFrame(0x1, new TextEncoder().encode("hi"));
 *   console.log(await client.nextEvent());
 *   client.close();
 * }
 * ```
 */
export class RawClient {
  /** The socket. */
  readonly conn: Deno.Conn;
  readonly #buffer = new Uint8Array(64 * 1024);
  #pending = new Uint8Array(0);
  #ended = false;
  readonly #events: ClientEvent[] = [];
  readonly #decoder: FrameDecoder;

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.#decoder = new FrameDecoder({
      message: (data, text) => this.#events.push({ kind: "message", data: data.slice(), text }),
      ping: (data) => this.#events.push({ kind: "ping", data: data.slice() }),
      pong: (data) => this.#events.push({ kind: "pong", data: data.slice() }),
      close: (code, reason) => this.#events.push({ kind: "close", code, reason }),
    }, { requireMask: false, maxMessageBytes: 64 << 20 });
  }

  /** Connects over TCP (or TLS with `caCerts`). */
  static async connect(
    port: number,
    hostname = "127.0.0.1",
    caCerts?: string[],
  ): Promise<RawClient> {
    const conn = caCerts === undefined
      ? await Deno.connect({ hostname, port })
      : await Deno.connectTls({ hostname, port, caCerts });
    return new RawClient(conn);
  }

  /** Sends raw bytes (ignoring a reset by the server). */
  async write(bytes: Uint8Array | string): Promise<boolean> {
    const data = typeof bytes === "string" ? enc.encode(bytes) : bytes;
    try {
      let at = 0;
      while (at < data.length) at += await this.conn.write(data.subarray(at));
      return true;
    } catch {
      return false;
    }
  }

  /** The request head of a valid upgrade to `path`, with extra header lines. */
  static upgradeRequest(path = "/", extra: string[] = []): string {
    return [
      `GET ${path} HTTP/1.1`,
      "Host: localhost",
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...extra,
      "",
      "",
    ].join("\r\n");
  }

  /** Sends a valid upgrade request and reads the response head. */
  async upgrade(path = "/", extra: string[] = []): Promise<ResponseHead> {
    await this.write(RawClient.upgradeRequest(path, extra));
    return await this.readResponse();
  }

  /** Reads an HTTP response head (and, for non-101, the body up to the server's close). */
  async readResponse(): Promise<ResponseHead> {
    let text = "";
    for (;;) {
      const end = findHeadEnd(this.#pending);
      if (end >= 0) {
        text = dec.decode(this.#pending.subarray(0, end));
        this.#pending = this.#pending.slice(end + 4);
        break;
      }
      if (!(await this.#fill())) {
        return { status: 0, headers: new Map(), body: dec.decode(this.#pending) };
      }
    }
    const [statusLine, ...lines] = text.split("\r\n");
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const status = Number(statusLine.split(" ")[1]);
    if (status === 101) {
      const leftover = this.#pending;
      this.#pending = new Uint8Array(0);
      this.#decode(leftover);
      return { status, headers, body: "" };
    }
    while (await this.#fill()) { /* read the body until the server closes */ }
    return { status, headers, body: dec.decode(this.#pending) };
  }

  /** Sends one frame, masked with a fixed key unless `unmasked`. */
  sendFrame(
    opcode: Opcode,
    payload: Uint8Array,
    options: { fin?: boolean; unmasked?: boolean } = {},
  ): Promise<boolean> {
    const mask = options.unmasked ? undefined : new Uint8Array([0x12, 0x34, 0x56, 0x78]);
    return this.write(encodeFrame(opcode, payload, { mask, fin: options.fin ?? true }));
  }

  /** Sends a close frame with `code` and `reason`. */
  sendClose(code: number = WebSocketCloseCode.NORMAL, reason = ""): Promise<boolean> {
    const r = enc.encode(reason);
    const payload = new Uint8Array(2 + r.length);
    payload[0] = code >> 8;
    payload[1] = code & 0xff;
    payload.set(r, 2);
    return this.sendFrame(0x8, payload);
  }

  /** The next decoded frame, or `end` once the server closed the socket. */
  async nextEvent(): Promise<ClientEvent> {
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) return event;
      if (this.#ended) return { kind: "end" };
      const before = this.#pending.length;
      if (!(await this.#fill())) continue;
      const fresh = this.#pending.slice(before);
      this.#pending = new Uint8Array(0);
      this.#decode(fresh);
    }
  }

  /** Reads events until `end`, returning them all (bounded by the server closing). */
  async drainUntilEnd(): Promise<ClientEvent[]> {
    const all: ClientEvent[] = [];
    for (let e = await this.nextEvent(); e.kind !== "end"; e = await this.nextEvent()) all.push(e);
    return all;
  }

  /** Closes the socket (idempotent). */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  #decode(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#decoder.push(bytes);
  }

  /** Reads once into `#pending`; false at EOF or on error. */
  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    let count: number | null;
    try {
      count = await this.conn.read(this.#buffer);
    } catch {
      count = null;
    }
    if (count === null) {
      this.#ended = true;
      return false;
    }
    const joined = new Uint8Array(this.#pending.length + count);
    joined.set(this.#pending);
    joined.set(this.#buffer.subarray(0, count), this.#pending.length);
    this.#pending = joined;
    return true;
  }
}

function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** What a {@link TestWebSocket} saw. */
export interface CloseInfo {
  /** Close code. */
  readonly code: number;
  /** Close reason. */
  readonly reason: string;
  /** Whether the close handshake completed. */
  readonly wasClean: boolean;
}

/**
 * Deno's built-in `WebSocket` with awaitable open, messages and close.
 *
 * @example
 * ```ts
 * import { TestWebSocket } from "./_listener_test_util.ts";
 * async function hello(url: string) {
 *   const ws = await TestWebSocket.open(url);
 *   ws.socket.send("hi");
 *   console.log(await ws.nextMessage());
 *   ws.socket.close();
 *   console.log(await ws.closed);
 * }
 * ```
 */
export class TestWebSocket {
  /** The socket. */
  readonly socket: WebSocket;
  /** Resolves when the socket closed. */
  readonly closed: Promise<CloseInfo>;
  readonly #messages: Array<string | Uint8Array> = [];
  #waiter: (() => void) | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      this.#messages.push(
        typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBuffer),
      );
      this.#waiter?.();
    };
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
        this.#waiter?.();
      });
    });
  }

  /** Opens `url`; rejects if the handshake fails (with the close info awaited first). */
  static async open(
    url: string,
    options: { protocols?: string[]; client?: Deno.HttpClient } = {},
  ): Promise<TestWebSocket> {
    const socket = new WebSocket(url, { protocols: options.protocols, client: options.client });
    const wrapped = new TestWebSocket(socket);
    const opened = await new Promise<boolean>((resolve) => {
      socket.addEventListener("open", () => resolve(true));
      socket.addEventListener("close", () => resolve(false));
    });
    if (!opened) {
      const info = await wrapped.closed;
      throw new Error(`WebSocket to ${url} failed: ${info.code} ${info.reason}`);
    }
    return wrapped;
  }

  /** The next message, or undefined once closed. */
  async nextMessage(): Promise<string | Uint8Array | undefined> {
    for (;;) {
      const message = this.#messages.shift();
      if (message !== undefined) return message;
      if (this.socket.readyState === WebSocket.CLOSED) return undefined;
      await new Promise<void>((resolve) => this.#waiter = resolve);
      this.#waiter = undefined;
    }
  }
}

/** A CA certificate and a server certificate/key it signed, all PEM. */
export interface TestCertificates {
  /** CA certificate, for the client's trust store. */
  readonly ca: string;
  /** Server certificate (localhost, 127.0.0.1, ::1). */
  readonly cert: string;
  /** Server private key. */
  readonly key: string;
  /** Where they came from: `"openssl"` (generated now) or `"testdata"` (committed pair). */
  readonly source: "openssl" | "testdata";
}

/**
 * Test certificates: generated (once per run) with the `openssl` CLI into a temp dir when it is
 * installed, else the committed pair under `testdata/`.
 *
 * @example
 * ```ts
 * import { testCertificates } from "./_listener_test_util.ts";
 * async function wssOptions() {
 *   const { cert, key } = await testCertificates();
 *   return { port: 0, tls: { cert, key } };
 * }
 * ```
 */
export function testCertificates(): Promise<TestCertificates> {
  certificates ??= loadCertificates();
  return certificates;
}

// generated once per test run
let certificates: Promise<TestCertificates> | undefined;

async function loadCertificates(): Promise<TestCertificates> {
  const generated = await generateWithOpenssl().catch(() => undefined);
  if (generated !== undefined) return generated;
  const dir = new URL("./testdata/", import.meta.url);
  return {
    ca: await Deno.readTextFile(new URL("ca.pem", dir)),
    cert: await Deno.readTextFile(new URL("server.pem", dir)),
    key: await Deno.readTextFile(new URL("server.key", dir)),
    source: "testdata",
  };
}

async function generateWithOpenssl(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "ws-listener-certs-" });
  try {
    const run = async (args: string[]) => {
      const result = await new Deno.Command("openssl", {
        args,
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      })
        .output();
      if (!result.success) throw new Error(dec.decode(result.stderr));
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await run([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=listener test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
    ]);
    await run([
      "req",
      ...ec,
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=localhost",
    ]);
    await Deno.writeTextFile(
      `${dir}/ext.cnf`,
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n" +
        "extendedKeyUsage=serverAuth\n",
    );
    await run([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    return {
      ca: await Deno.readTextFile(`${dir}/ca.pem`),
      cert: await Deno.readTextFile(`${dir}/server.pem`),
      key: await Deno.readTextFile(`${dir}/server.key`),
      source: "openssl",
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
