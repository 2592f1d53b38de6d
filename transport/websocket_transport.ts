/**
 * WebSocket carrier, client side, plus what the server side shares with it.
 *
 * Built on the standard `WebSocket` only (no `Deno.*`), so it runs unchanged in a browser.
 * Every binary message is one datagram; the carrier is reliable and ordered, so the peer skips
 * acks and retransmission over it and every transfer mode is delivered reliably and in order.
 *
 * @module
 */
import { MultiplayerError } from "../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport, PeerAddress } from "./transport.ts";

/** Carrier tag of WebSocket addresses (`PeerAddress.transport`). */
export const WS_TRANSPORT_TAG = "ws";

/**
 * Close codes this module uses (4000-4999 is the application range of RFC 6455).
 *
 * @example
 * ```ts
 * import { WsCloseCode } from "./websocket_transport.ts";
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
  /** A message exceeded `maxDatagramSize`. */
  TOO_BIG: 1009,
  /** The remote could not keep up: its send buffer passed `maxBufferedBytes`. */
  BACKPRESSURE: 4010,
} as const;

/** Default limits of the WebSocket carriers. */
export const WS_DEFAULTS = {
  /** Largest message accepted or sent (64 KiB; the protocol's datagrams are far smaller). */
  maxDatagramSize: 64 * 1024,
  /** Per-socket send buffer bound; above it the remote is dropped (16 MiB = 2x largest packet). */
  maxBufferedBytes: 16 * 1024 * 1024,
} as const;

/** Called when the remote end of a connection-based carrier went away. */
export type PeerClosedHandler = (address: PeerAddress, code: number, reason: string) => void;

/** Options of {@link WebSocketClientTransport.connect}. */
export interface WebSocketConnectOptions {
  /** Aborts the connection attempt (and closes the carrier once connected). */
  readonly signal?: AbortSignal;
  /** Largest message accepted; bigger ones close the socket. Default 64 KiB. */
  readonly maxDatagramSize?: number;
  /** Send buffer bound in bytes; past it the socket is closed. Default 16 MiB. */
  readonly maxBufferedBytes?: number;
}

/**
 * Sends `bytes` on `socket` unless that would push its buffer past `limit`, in which case the
 * socket is closed with {@link WsCloseCode.BACKPRESSURE}. Shared by both carriers.
 */
export function sendBounded(socket: WebSocket, bytes: Uint8Array, limit: number): boolean {
  if (socket.readyState !== WebSocket.OPEN) return false;
  if (socket.bufferedAmount + bytes.byteLength > limit) {
    // Over a reliable stream nothing can be shed without breaking ordering: drop the remote.
    socket.close(WsCloseCode.BACKPRESSURE, `send buffer limit of ${limit} bytes exceeded`);
    return false;
  }
  socket.send(bytes as Uint8Array<ArrayBuffer>);
  return true;
}

/**
 * Checks one inbound message: binary and within `maxSize`. Returns the bytes, or undefined after
 * closing the socket with the matching code (text frames and oversize messages are violations).
 */
export function acceptMessage(
  socket: WebSocket,
  data: unknown,
  maxSize: number,
): Uint8Array | undefined {
  if (!(data instanceof ArrayBuffer)) {
    socket.close(WsCloseCode.UNSUPPORTED_DATA, "binary messages only");
    return undefined;
  }
  if (data.byteLength > maxSize) {
    socket.close(WsCloseCode.TOO_BIG, `message of ${data.byteLength} bytes > ${maxSize}`);
    return undefined;
  }
  return new Uint8Array(data);
}

/** Checks a size option: a positive integer. */
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
 * reported as coming from {@link WebSocketClientTransport.serverAddress}; `send` ignores `to`
 * beyond checking it is that address' carrier.
 *
 * @example
 * ```ts ignore
 * import { WebSocketClientTransport } from "./websocket_transport.ts";
 * const carrier = await WebSocketClientTransport.connect("ws://127.0.0.1:8080/");
 * carrier.listen((bytes) => console.log("got", bytes.length));
 * carrier.send(new Uint8Array([1, 2, 3]), carrier.serverAddress);
 * await carrier.close();
 * ```
 */
export class WebSocketClientTransport implements DatagramTransport {
  /** Largest message, in bytes, sent or accepted. */
  readonly maxDatagramSize: number;
  /** Always true: WebSocket delivers once and in order. */
  readonly reliable = true;
  /** This end (browsers do not expose the local port: port 0). */
  readonly localAddress: PeerAddress = {
    hostname: "localhost",
    port: 0,
    transport: WS_TRANSPORT_TAG,
  };
  /** The server, as datagrams from it are tagged. */
  readonly serverAddress: PeerAddress;
  #socket: WebSocket;
  #maxBuffered: number;
  #handler?: DatagramHandler;
  #closedHandler?: PeerClosedHandler;
  #closed: Promise<void>;
  #signal?: AbortSignal;
  #onAbort = () => void this.close();

  private constructor(socket: WebSocket, url: URL, options: WebSocketConnectOptions) {
    this.#socket = socket;
    this.maxDatagramSize = options.maxDatagramSize ?? WS_DEFAULTS.maxDatagramSize;
    this.#maxBuffered = options.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes;
    const port = url.port ? Number(url.port) : url.protocol === "wss:" ? 443 : 80;
    this.serverAddress = { hostname: url.hostname, port, transport: WS_TRANSPORT_TAG };
    this.#closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#signal?.removeEventListener("abort", this.#onAbort);
        this.#closedHandler?.(this.serverAddress, event.code, event.reason);
        this.#handler = undefined;
        resolve();
      }, { once: true });
    });
    socket.addEventListener("message", (event) => {
      const bytes = acceptMessage(socket, event.data, this.maxDatagramSize);
      if (bytes) this.#handler?.(bytes, this.serverAddress);
    });
    this.#signal = options.signal;
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /**
   * Opens a WebSocket to `url` (`ws:` or `wss:`; `http(s):` is mapped) and resolves once it is
   * open. Rejects with a {@link MultiplayerError} (`CLOSED`) if it closes first or `signal` aborts.
   */
  static connect(
    url: string | URL,
    options: WebSocketConnectOptions = {},
  ): Promise<WebSocketClientTransport> {
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
    if (options.maxDatagramSize !== undefined) {
      checkSize("maxDatagramSize", options.maxDatagramSize);
    }
    if (options.maxBufferedBytes !== undefined) {
      checkSize("maxBufferedBytes", options.maxBufferedBytes);
    }
    options.signal?.throwIfAborted();
    const socket = new WebSocket(target);
    socket.binaryType = "arraybuffer";
    const carrier = new WebSocketClientTransport(socket, target, options);
    return new Promise((resolve, reject) => {
      const onOpen = () => {
        socket.removeEventListener("close", onClose);
        resolve(carrier);
      };
      const onClose = (event: CloseEvent) => {
        socket.removeEventListener("open", onOpen);
        const why = options.signal?.aborted ? "aborted" : `closed (code ${event.code})`;
        reject(new MultiplayerError("CLOSED", `WebSocket to ${target} ${why} before opening`));
      };
      socket.addEventListener("open", onOpen, { once: true });
      socket.addEventListener("close", onClose, { once: true });
    });
  }

  /** Starts delivering received datagrams to `handler`. */
  listen(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  /** Reports the server going away (socket closed by either side or by the network). */
  onPeerClosed(handler: PeerClosedHandler): void {
    this.#closedHandler = handler;
  }

  /** Sends one datagram to the server; false when closed or over the buffer limit. */
  send(bytes: Uint8Array, _to: PeerAddress): boolean {
    if (bytes.byteLength > this.maxDatagramSize) return false;
    return sendBounded(this.#socket, bytes, this.#maxBuffered);
  }

  /** Bytes queued in the socket and not yet written. */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** Closes the socket (code 1000) and resolves once it is fully closed. */
  close(): Promise<void> {
    const state = this.#socket.readyState;
    if (state === WebSocket.CONNECTING || state === WebSocket.OPEN) {
      this.#socket.close(WsCloseCode.NORMAL, "closed by application");
    }
    return this.#closed;
  }
}
