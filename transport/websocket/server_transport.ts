/**
 * WebSocket carrier, server side: every accepted socket is one remote with a synthetic address.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import {
  acceptMessage,
  checkSize,
  deliverMessage,
  type PeerClosedHandler,
  sendBounded,
  WS_DEFAULTS,
  WS_TRANSPORT_TAG,
  WsCloseCode,
} from "./client_transport.ts";

/**
 * Options of {@link WebSocketServerTransport}.
 *
 * @example
 * ```ts
 * import type { WebSocketServerOptions } from "./server_transport.ts";
 * const o: WebSocketServerOptions = { maxBufferedBytes: 1 << 20, maxSockets: 256 };
 * ```
 */
export interface WebSocketServerOptions {
  /** Largest message accepted or sent; bigger inbound ones close that socket. Default 64 KiB. */
  readonly maxDatagramSize?: number;
  /**
   * Per-client send buffer bound in bytes (the socket's `bufferedAmount`). A client whose buffer
   * would pass it is dropped with close code 4010: over a reliable ordered stream there is nothing
   * that can be shed safely. Default 16 MiB (twice the largest packet).
   */
  readonly maxBufferedBytes?: number;
  /** Most sockets open at once; further upgrades get HTTP 503. Default 1024. */
  readonly maxSockets?: number;
}

/**
 * Options of {@link WebSocketServerTransport.listen}.
 *
 * @example
 * ```ts
 * import type { WebSocketListenOptions } from "./server_transport.ts";
 * const o: WebSocketListenOptions = { port: 0, hostname: "127.0.0.1" };
 * ```
 */
export interface WebSocketListenOptions extends WebSocketServerOptions {
  /** TCP port; 0 picks an ephemeral one (see `localAddress.port`). */
  readonly port: number;
  /** Interface to bind. Default `"0.0.0.0"`. */
  readonly hostname?: string;
}

interface Remote {
  readonly socket: WebSocket;
  readonly address: PeerAddress;
  readonly closed: Promise<void>;
  readonly since: number;
}

/**
 * Server end of the WebSocket carrier. Either owns a `Deno.serve` listener ({@link listen}) or
 * is embedded in the application's own handler through {@link handleUpgrade}. Each accepted
 * socket is addressed as `{ hostname: <remote IP>, port: <unique counter>, transport: "ws" }`.
 *
 * @example
 * ```ts ignore
 * import { WebSocketServerTransport } from "./server_transport.ts";
 * const carrier = new WebSocketServerTransport();
 * const server = Deno.serve({ port: 8080 }, (request, info) =>
 *   new URL(request.url).pathname === "/ws"
 *     ? carrier.handleUpgrade(request, info)
 *     : new Response("hello"));
 * carrier.listen((bytes, from) => carrier.send(bytes, from)); // echo
 * // later: await carrier.close(); await server.shutdown();
 * ```
 */
export class WebSocketServerTransport implements DatagramTransport {
  /** Largest message, in bytes, sent or accepted. */
  readonly maxDatagramSize: number;
  /** Received messages whose handler threw (the socket keeps going). */
  handlerErrors = 0;
  /** Always true: WebSocket delivers once and in order. */
  readonly reliable = true;
  #localAddress: PeerAddress = { hostname: "0.0.0.0", port: 0, transport: WS_TRANSPORT_TAG };
  #maxBuffered: number;
  #maxSockets: number;
  #remotes = new Map<number, Remote>();
  #nextPort = 1;
  #handler?: DatagramHandler;
  #closedHandler?: PeerClosedHandler;
  #server?: Deno.HttpServer<Deno.NetAddr>;
  #closing = false;

  /** Creates a carrier to embed with {@link handleUpgrade}; see {@link listen} to own a port. */
  constructor(options: WebSocketServerOptions = {}) {
    this.maxDatagramSize = checkSize(
      "maxDatagramSize",
      options.maxDatagramSize ?? WS_DEFAULTS.maxDatagramSize,
    );
    this.#maxBuffered = checkSize(
      "maxBufferedBytes",
      options.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes,
    );
    this.#maxSockets = checkSize("maxSockets", options.maxSockets ?? 1024);
  }

  /**
   * Starts a `Deno.serve` listener that upgrades every request on any path and resolves once it
   * is bound; `localAddress.port` is the real port (useful with port 0).
   */
  static async listen(options: WebSocketListenOptions): Promise<WebSocketServerTransport> {
    const port = options.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new MultiplayerError("INVALID_ARGUMENT", `port must be in [0, 65535], got ${port}`);
    }
    const carrier = new WebSocketServerTransport(options);
    const bound = Promise.withResolvers<void>();
    carrier.#server = Deno.serve({
      port,
      hostname: options.hostname ?? "0.0.0.0",
      onListen: () => bound.resolve(),
      onError: () => new Response("internal error", { status: 500 }),
    }, (request, info) => carrier.handleUpgrade(request, info));
    await bound.promise;
    const addr = carrier.#server.addr;
    carrier.#localAddress = {
      hostname: addr.hostname,
      port: addr.port,
      transport: WS_TRANSPORT_TAG,
    };
    return carrier;
  }

  /** The bound address (port 0 until {@link listen} binds; embedded carriers keep 0). */
  get localAddress(): PeerAddress {
    return this.#localAddress;
  }

  /** Number of open sockets. */
  get socketCount(): number {
    return this.#remotes.size;
  }

  /**
   * Upgrades `request` to a WebSocket owned by this carrier and returns the 101 response. Pass
   * the handler's `info` to record the client's IP. Non-upgrade requests get HTTP 426, a closed
   * or full carrier HTTP 503, so this can sit behind any route of an existing server.
   */
  handleUpgrade(request: Request, info?: Deno.ServeHandlerInfo): Response {
    if (this.#closing) return new Response("server closed", { status: 503 });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("WebSocket upgrade expected", {
        status: 426,
        headers: { upgrade: "websocket" },
      });
    }
    if (this.#remotes.size >= this.#maxSockets) {
      return new Response("too many connections", { status: 503 });
    }
    // remoteAddr must be read before the upgrade consumes the request.
    const remote = info?.remoteAddr as Deno.NetAddr | undefined;
    const { socket, response } = Deno.upgradeWebSocket(request);
    this.#adopt(socket, remote?.hostname ?? "unknown");
    return response;
  }

  #adopt(socket: WebSocket, hostname: string): void {
    socket.binaryType = "arraybuffer";
    const id = this.#nextPort++;
    const address: PeerAddress = { hostname, port: id, transport: WS_TRANSPORT_TAG };
    const closed = new Promise<void>((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#remotes.delete(id);
        if (!this.#closing) this.#closedHandler?.(address, event.code, event.reason);
        resolve();
      }, { once: true });
    });
    socket.addEventListener("message", (event) => {
      const bytes = acceptMessage(socket, event.data, this.maxDatagramSize);
      if (bytes && !deliverMessage(this.#handler, bytes, address)) this.handlerErrors++;
    });
    this.#remotes.set(id, { socket, address, closed, since: performance.now() });
  }

  /** Starts delivering received datagrams to `handler`. */
  listen(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  /** Reports a client socket that closed (by the client, the network, or backpressure). */
  onPeerClosed(handler: PeerClosedHandler): void {
    this.#closedHandler = handler;
  }

  /** Sends one datagram to the client at `to`; false if unknown, closed or over the limit. */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    if (bytes.byteLength > this.maxDatagramSize) return false;
    const remote = this.#remotes.get(to.port);
    if (!remote || remote.address.hostname !== to.hostname) return false;
    return sendBounded(remote.socket, bytes, this.#maxBuffered);
  }

  /** Closes the socket of one client (e.g. after the protocol dropped it). */
  disconnect(to: PeerAddress, code: number = WsCloseCode.NORMAL, reason = ""): void {
    const remote = this.#remotes.get(to.port);
    if (!remote || remote.address.hostname !== to.hostname) return;
    const socket = remote.socket;
    if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
    else if (socket.readyState === WebSocket.CONNECTING) {
      socket.addEventListener("open", () => socket.close(code, reason), { once: true });
    }
  }

  /**
   * Closes every socket open for longer than `graceMs` whose address `isInUse` rejects (e.g.
   * the protocol dropped that client, or it never finished its handshake). Returns how many.
   */
  closeUnused(isInUse: (address: PeerAddress) => boolean, graceMs: number, reason: string): number {
    const limit = performance.now() - graceMs;
    let closed = 0;
    for (const remote of this.#remotes.values()) {
      if (remote.since > limit || remote.socket.readyState !== WebSocket.OPEN) continue;
      if (isInUse(remote.address)) continue;
      remote.socket.close(WsCloseCode.NORMAL, reason);
      closed++;
    }
    return closed;
  }

  /** Bytes queued for one client and not yet written (0 if unknown). */
  bufferedAmount(to: PeerAddress): number {
    return this.#remotes.get(to.port)?.socket.bufferedAmount ?? 0;
  }

  /** Closes every socket (code 1001), then the listener if this carrier owns one. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#handler = undefined;
    const pending: Promise<void>[] = [];
    for (const remote of this.#remotes.values()) {
      const socket = remote.socket;
      if (socket.readyState === WebSocket.OPEN) {
        socket.close(WsCloseCode.GOING_AWAY, "server closing");
      } else if (socket.readyState === WebSocket.CONNECTING) {
        // still in the upgrade handshake: it cannot be closed before it opens
        socket.addEventListener("open", () => socket.close(WsCloseCode.GOING_AWAY), { once: true });
      }
      pending.push(remote.closed);
    }
    const server = this.#server;
    this.#server = undefined;
    await server?.shutdown();
    await Promise.all(pending);
  }
}
