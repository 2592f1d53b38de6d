/**
 * WebSocket carrier, client side, plus what the server side shares with it.
 *
 * Built on the standard `WebSocket` only (no `Deno.*`), so it runs unchanged in a browser.
 * Every binary message is one datagram; the carrier is reliable and ordered, so the peer skips
 * acks and retransmission over it and every transfer mode is delivered reliably and in order.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport, PeerClosedHandler } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";

/**
 * Carrier tag of WebSocket addresses (`PeerAddress.transport`).
 *
 * @example
 * ```ts
 * import { WS_TRANSPORT_TAG } from "./client_transport.ts";
 * const browser = { hostname: "10.0.0.7", port: 3, transport: WS_TRANSPORT_TAG };
 * ```
 */
export const WS_TRANSPORT_TAG = "ws";

/**
 * Close codes this module uses (4000-4999 is the application range of RFC 6455).
 *
 * @example
 * ```ts
 * import { WsCloseCode } from "./client_transport.ts";
 * console.log(WsCloseCode.BACKPRESSURE); // 4010
 * ```
 */
export const WsCloseCode = {
  /** Orderly close by the application. */
  NORMAL: 1000,
  /** The server is shutting down. */
  GOING_AWAY: 1001,
  /** A text frame arrived; the protocol speaks binary only. */
  UNSUPPORTED_DATA: 1003,
  /** The socket broke a rule of the server (e.g. it never joined the session). */
  POLICY_VIOLATION: 1008,
  /** A message exceeded `maxDatagramSize`. */
  TOO_BIG: 1009,
  /**
   * A client closing because the server broke the protocol (a text or oversized message):
   * browsers' `WebSocket.close()` takes only 1000 and 3000-4999, so 4000 + PROTOCOL_ERROR.
   */
  CLIENT_PROTOCOL_ERROR: 4008,
  /** The remote could not keep up: its send buffer passed `maxBufferedBytes`. */
  BACKPRESSURE: 4010,
} as const;

/**
 * Default limits of the WebSocket carriers.
 *
 * @example
 * ```ts
 * import { WS_DEFAULTS } from "./client_transport.ts";
 * console.log(WS_DEFAULTS.maxBufferedBytes); // 16777216
 * ```
 */
export const WS_DEFAULTS = {
  /** Largest message accepted or sent (64 KiB; the protocol's datagrams are far smaller). */
  maxDatagramSize: 64 * 1024,
  /** Per-socket send buffer bound; above it the remote is dropped (16 MiB = 2x largest packet). */
  maxBufferedBytes: 16 * 1024 * 1024,
} as const;

export type { PeerClosedHandler } from "../carrier.ts";

/**
 * Options of {@link WebSocketClientTransport.connect}.
 *
 * @example
 * ```ts
 * import type { WebSocketConnectOptions } from "./client_transport.ts";
 * const o: WebSocketConnectOptions = { signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface WebSocketConnectOptions {
  /** Aborts the connection attempt (and closes the carrier once connected). */
  readonly signal?: AbortSignal;
  /** Largest message accepted; bigger ones close the socket. Default 64 KiB. */
  readonly maxDatagramSize?: number;
  /** Send buffer bound in bytes; past it the socket is closed. Default 16 MiB. */
  readonly maxBufferedBytes?: number;
  /** Above this many buffered bytes the socket counts as blocked (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** Carrier tag of the server's address (the wire the session speaks; default `"ws"`). */
  readonly tag?: string;
  /** Text messages are data (Godot servers may send them); otherwise one closes the socket. */
  readonly acceptText?: boolean;
  /** Subprotocols to offer (`Sec-WebSocket-Protocol`). */
  readonly protocols?: readonly string[];
}

/**
 * Hands one received message to `handler`, so that a throwing handler cannot break the
 * socket's message loop (as in the UDP receive loop); returns false when it threw.
 *
 * @example
 * ```ts
 * import { deliverMessage } from "./client_transport.ts";
 * const ok = deliverMessage(() => {
 *   throw new Error("bad handler");
 * }, new Uint8Array(1), { hostname: "ws", port: 1 });
 * console.log(ok); // false
 * ```
 */
export function deliverMessage(
  handler: DatagramHandler | undefined,
  bytes: Uint8Array,
  from: PeerAddress,
): boolean {
  try {
    handler?.(bytes, from);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a size option: a positive integer (else MultiplayerError INVALID_ARGUMENT).
 *
 * @example
 * ```ts
 * import { checkSize } from "./client_transport.ts";
 * console.log(checkSize("maxDatagramSize", 1200)); // 1200
 * ```
 */
export function checkSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `${name} must be a positive integer, got ${value}`,
    );
  }
  return value;
}

/**
 * Client end of the WebSocket carrier: one socket to one server. Datagrams from the server are
 * reported as coming from {@link WebSocketClientTransport.serverAddress}; `send` ignores `to`.
 * Datagrams sent while the socket is still opening wait in a queue bounded by
 * `maxBufferedBytes` and go out, in order, once it opens. A socket that failed to open, or that
 * the server broke the protocol on, is reported closed with a message that says what happened
 * (see {@link WebSocketClientTransport.failure}).
 *
 * @example
 * ```ts ignore
 * import { WebSocketClientTransport } from "./client_transport.ts";
 * const carrier = await WebSocketClientTransport.connect("ws://127.0.0.1:8080/");
 * carrier.listen((bytes) => console.log("got", bytes.length));
 * carrier.send(new Uint8Array([1, 2, 3]), carrier.serverAddress);
 * await carrier.close();
 * ```
 */
export class WebSocketClientTransport implements DatagramTransport {
  /** Largest message, in bytes, sent or accepted. */
  readonly maxDatagramSize: number;
  /** Received messages whose handler threw (the socket keeps going). */
  handlerErrors = 0;
  /** Always true: WebSocket delivers once and in order. */
  readonly reliable = true;
  /** This end (browsers do not expose the local port: port 0). */
  readonly localAddress: PeerAddress;
  /** The server, as datagrams from it are tagged. */
  readonly serverAddress: PeerAddress;
  /** Resolves true once the socket is open, false if it closed (or was aborted) before. */
  readonly opened: Promise<boolean>;
  #socket: WebSocket;
  #maxBuffered: number;
  #highWater: number;
  #acceptText: boolean;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #handler?: DatagramHandler;
  #closedHandler?: PeerClosedHandler;
  #writableHandler?: (address: PeerAddress) => void;
  #drainTimer?: ReturnType<typeof setInterval>;
  #closed: Promise<void>;
  #signal?: AbortSignal;
  #everOpened = false;
  #errorText = "";
  #failure?: string;
  #reported = false;
  #onAbort = () => void this.close();

  private constructor(socket: WebSocket, url: URL, options: WebSocketConnectOptions) {
    this.#socket = socket;
    this.maxDatagramSize = options.maxDatagramSize ?? WS_DEFAULTS.maxDatagramSize;
    this.#maxBuffered = options.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes;
    this.#highWater = Math.min(
      options.highWaterBytes ?? 1 << 20,
      Math.max(1, this.#maxBuffered >> 1),
    );
    this.#acceptText = options.acceptText ?? false;
    const tag = options.tag ?? WS_TRANSPORT_TAG;
    this.localAddress = { hostname: "localhost", port: 0, transport: tag };
    const port = url.port ? Number(url.port) : url.protocol === "wss:" ? 443 : 80;
    this.serverAddress = { hostname: url.hostname, port, transport: tag };
    this.opened = new Promise((resolve) => {
      socket.addEventListener("open", () => {
        this.#everOpened = true;
        const queued = this.#pending;
        this.#pending = [];
        this.#pendingBytes = 0;
        for (const bytes of queued) this.#sendNow(bytes);
        resolve(true);
      }, { once: true });
      socket.addEventListener("close", () => resolve(false), { once: true });
    });
    socket.addEventListener("error", (event) => {
      this.#errorText = (event as ErrorEvent).message ?? "";
    });
    this.#closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#signal?.removeEventListener("abort", this.#onAbort);
        this.#stopDrainCheck();
        this.#pending = [];
        if (!this.#everOpened && this.#failure === undefined) {
          this.#failure = openFailure(this.#errorText, url);
        }
        this.#report(event.code, this.#failure ?? event.reason);
        this.#handler = undefined;
        resolve();
      }, { once: true });
    });
    socket.addEventListener("message", (event) => this.#message(event.data));
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Starts opening a WebSocket to `url` (`ws:`/`wss:`; `http(s):` is mapped) and returns the
   * carrier at once; see {@link WebSocketClientTransport.opened}. Throws a
   * {@link MultiplayerError} (`INVALID_ARGUMENT`) for a bad URL or option.
   */
  static open(url: string | URL, options: WebSocketConnectOptions = {}): WebSocketClientTransport {
    const target = toWebSocketUrl(url);
    if (options.maxDatagramSize !== undefined) {
      checkSize("maxDatagramSize", options.maxDatagramSize);
    }
    if (options.maxBufferedBytes !== undefined) {
      checkSize("maxBufferedBytes", options.maxBufferedBytes);
    }
    if (options.highWaterBytes !== undefined) checkSize("highWaterBytes", options.highWaterBytes);
    for (const p of options.protocols ?? []) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p)) {
        throw new MultiplayerError("INVALID_ARGUMENT", `not a valid subprotocol name: ${p}`);
      }
    }
    if (options.signal?.aborted) {
      throw new MultiplayerError("CLOSED", "the connection attempt was aborted");
    }
    const protocols = options.protocols && options.protocols.length > 0
      ? [...options.protocols]
      : undefined;
    const socket = new WebSocket(target, protocols);
    socket.binaryType = "arraybuffer";
    return new WebSocketClientTransport(socket, target, options);
  }

  /**
   * Opens a WebSocket to `url` and resolves once it is open. Rejects with a
   * {@link MultiplayerError} (`CLOSED`) if it closes first or `signal` aborts.
   */
  static async connect(
    url: string | URL,
    options: WebSocketConnectOptions = {},
  ): Promise<WebSocketClientTransport> {
    const carrier = WebSocketClientTransport.open(url, options);
    if (await carrier.opened) return carrier;
    const why = options.signal?.aborted ? "aborted" : carrier.failure ?? "closed before opening";
    throw new MultiplayerError("CLOSED", `WebSocket to ${url}: ${why}`);
  }

  /**
   * Why the socket failed, readable: it never opened (HTTP status, nothing listening), or the
   * server broke the protocol on it. Undefined while open, or after an ordinary close.
   */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** The subprotocol the server chose (`""`: none). */
  get protocol(): string {
    return this.#socket.protocol;
  }

  /** Starts delivering received datagrams to `handler`. */
  listen(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  /** Reports the server going away (socket closed by either side or by the network). */
  onPeerClosed(handler: PeerClosedHandler): void {
    this.#closedHandler = handler;
  }

  /** Reports a blocked socket ({@link isBlocked}) that drained below half its high water. */
  onWritable(handler: (address: PeerAddress) => void): void {
    this.#writableHandler = handler;
  }

  /** Sends one datagram to the server; false when closed or over the buffer limit. */
  send(bytes: Uint8Array, _to: PeerAddress): boolean {
    if (bytes.byteLength > this.maxDatagramSize) return false;
    if (this.#socket.readyState !== WebSocket.CONNECTING) return this.#sendNow(bytes);
    if (this.#pendingBytes + bytes.byteLength > this.#maxBuffered) return false;
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.byteLength;
    return true;
  }

  /**
   * True while more than the high water mark waits unsent: a sender that can wait should,
   * until {@link onWritable} reports it.
   */
  isBlocked(_to?: PeerAddress): boolean {
    if (this.bufferedAmount <= this.#highWater) return false;
    if (this.#drainTimer === undefined) {
      const low = this.#highWater >> 1;
      this.#drainTimer = setInterval(() => {
        if (this.bufferedAmount > low && this.#socket.readyState <= WebSocket.OPEN) return;
        this.#stopDrainCheck();
        this.#writableHandler?.(this.serverAddress);
      }, DRAIN_CHECK_MS);
    }
    return true;
  }

  /** Bytes queued (before opening, or in the socket) and not yet written. */
  get bufferedAmount(): number {
    return this.#pendingBytes + this.#socket.bufferedAmount;
  }

  /** Closes the link to the server with `code` and `reason` (the session asked for it). */
  disconnect(_to: PeerAddress, code: number = WsCloseCode.NORMAL, reason = ""): void {
    const state = this.#socket.readyState;
    if (state === WebSocket.CONNECTING || state === WebSocket.OPEN) {
      this.#socket.close(clientCloseCode(code), reason.slice(0, 120));
    }
  }

  /** Closes the socket (code 1000) and resolves once it is fully closed. */
  close(): Promise<void> {
    const state = this.#socket.readyState;
    if (state === WebSocket.CONNECTING || state === WebSocket.OPEN) {
      this.#socket.close(WsCloseCode.NORMAL, "closed by application");
    }
    return this.#closed;
  }

  #sendNow(bytes: Uint8Array): boolean {
    const socket = this.#socket;
    if (socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount + bytes.byteLength > this.#maxBuffered) {
      // over a reliable stream nothing can be shed without breaking order: give up the link
      this.#violation(
        WsCloseCode.BACKPRESSURE,
        `send buffer limit of ${this.#maxBuffered} bytes exceeded`,
      );
      return false;
    }
    socket.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  #message(data: unknown): void {
    if (this.#reported) return;
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (typeof data === "string" && this.#acceptText) bytes = encoder.encode(data);
    else {
      this.#violation(
        WsCloseCode.CLIENT_PROTOCOL_ERROR,
        "the server sent a text message (not a multiplayer endpoint of this wire?)",
      );
      return;
    }
    if (bytes.byteLength > this.maxDatagramSize) {
      this.#violation(
        WsCloseCode.CLIENT_PROTOCOL_ERROR,
        `the server sent a message of ${bytes.byteLength} bytes (limit ${this.maxDatagramSize})`,
      );
      return;
    }
    if (!deliverMessage(this.#handler, bytes, this.serverAddress)) this.handlerErrors++;
  }

  // The server broke a rule (or we cannot keep up): close, and tell the session now rather
  // than after a close handshake the server may never finish.
  #violation(code: number, why: string): void {
    this.#failure = why;
    const state = this.#socket.readyState;
    if (state === WebSocket.CONNECTING || state === WebSocket.OPEN) {
      this.#socket.close(code, why.slice(0, 120));
    }
    this.#report(code, why);
  }

  #report(code: number, reason: string): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#closedHandler?.(this.serverAddress, code, reason);
  }

  #stopDrainCheck(): void {
    if (this.#drainTimer === undefined) return;
    clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
  }
}

/** How often a blocked client socket is checked for drain (WebSocket has no drain event). */
const DRAIN_CHECK_MS = 5;

const encoder = new TextEncoder();

// a client may close only with 1000 or 3000-4999
function clientCloseCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : WsCloseCode.NORMAL;
}

// What a socket that never opened tells, readably (Deno's error text names the HTTP status).
function openFailure(errorText: string, url: URL): string {
  const where = `${url.host}${url.pathname}`;
  const status = /status code:? (\d{3})/i.exec(errorText)?.[1];
  if (status === "503") {
    return `the server at ${where} refused the connection (HTTP 503: full or refusing)`;
  }
  if (status === "404") return `no multiplayer endpoint at ${where} (HTTP 404)`;
  if (status === "400") {
    return `the server at ${where} refused the upgrade (HTTP 400; no common subprotocol?)`;
  }
  if (status) return `${where} is not a WebSocket multiplayer endpoint (HTTP ${status})`;
  if (/connect|refused|resolve|dns/i.test(errorText)) {
    return `nothing accepts WebSocket connections at ${url.host} (no server, or a UDP-only port)`;
  }
  return errorText
    ? `the WebSocket to ${where} failed to open: ${errorText}`
    : `the WebSocket to ${where} failed to open`;
}

/**
 * Parses a server URL, mapping `http(s):` to `ws(s):`; throws INVALID_ARGUMENT otherwise.
 *
 * @example
 * ```ts
 * import { toWebSocketUrl } from "./client_transport.ts";
 * console.log(toWebSocketUrl("http://localhost:8080/ws").href); // ws://localhost:8080/ws
 * ```
 */
export function toWebSocketUrl(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new MultiplayerError("INVALID_ARGUMENT", `not a valid WebSocket URL: ${url}`);
  }
  if (target.protocol === "http:") target.protocol = "ws:";
  if (target.protocol === "https:") target.protocol = "wss:";
  if (target.protocol !== "ws:" && target.protocol !== "wss:") {
    throw new MultiplayerError("INVALID_ARGUMENT", `expected a ws: or wss: URL, got ${url}`);
  }
  if (target.port === "0") {
    throw new MultiplayerError("INVALID_ARGUMENT", `${url}: port 0 is no server's port`);
  }
  return target;
}
