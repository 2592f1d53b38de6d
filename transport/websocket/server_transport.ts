/**
 * WebSocket carrier, server side: every accepted socket is one remote with a synthetic address
 * `{ hostname: <remote IP>, port: <per-socket number>, transport: <route tag> }`. The route of
 * a request's path decides the tag, and so which wire of the session speaks on the socket (our
 * native protocol, or Godot's WebSocket multiplayer framing).
 *
 * Standalone servers run the project's own RFC 6455 listener (admission control per address,
 * header deadlines, frame sizes checked before buffering, `wss://` with a certificate and key).
 * Embedded servers take upgrades from the application's own `Deno.serve` handler through
 * Deno's `upgradeWebSocket`: there the platform's limits apply (see {@link
 * WebSocketServerTransport.handleUpgrade}).
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { WebSocketListener, type WebSocketListenerStats } from "./listener.ts";
import type { ConnectRate, UpgradeRequestInfo } from "./_listener_options.ts";
import type { WebSocketConnection } from "./_listener_connection.ts";
import { DenoSocketLink, ListenerLink, type ServerLink } from "./_server_links.ts";
import {
  checkSize,
  deliverMessage,
  type PeerClosedHandler,
  WS_DEFAULTS,
  WS_TRANSPORT_TAG,
  WsCloseCode,
} from "./client_transport.ts";

/**
 * How the sockets of one request path are handled.
 *
 * @example
 * ```ts
 * import type { WebSocketRoute } from "./server_transport.ts";
 * const godot: WebSocketRoute = { tag: "gws", acceptText: true, protocols: ["my-game"] };
 * ```
 */
export interface WebSocketRoute {
  /** Carrier tag of its sockets' addresses (the session picks the wire by it). */
  readonly tag: string;
  /** Text messages are data (as Godot takes them); otherwise one closes the socket (1003). */
  readonly acceptText?: boolean;
  /** Per-socket send buffer bound for this route (default: the carrier's). */
  readonly maxBufferedBytes?: number;
  /**
   * Subprotocols accepted: the first the client offers that is listed wins, and a client
   * offering none of them is refused (HTTP 400). Empty or absent: none is selected.
   */
  readonly protocols?: readonly string[];
}

/**
 * Options of {@link WebSocketServerTransport}.
 *
 * @example
 * ```ts
 * import type { WebSocketServerOptions } from "./server_transport.ts";
 * const o: WebSocketServerOptions = {
 *   maxBufferedBytes: 1 << 20,
 *   routes: (path) => path === "/godot" ? { tag: "gws", acceptText: true } : { tag: "ws" },
 * };
 * ```
 */
export interface WebSocketServerOptions {
  /** Largest message accepted or sent; bigger inbound ones close that socket. Default 64 KiB. */
  readonly maxDatagramSize?: number;
  /**
   * Per-socket send buffer bound in bytes. A remote whose buffer would pass it is dropped with
   * close code 4010 and reported closed at once: over a reliable ordered stream there is nothing
   * that can be shed safely. Default 16 MiB.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Above this many buffered bytes a socket counts as blocked ({@link
   * WebSocketServerTransport.isBlocked}): its sender should wait for `onWritable`. Default 1 MiB
   * (at most half of `maxBufferedBytes`).
   */
  readonly highWaterBytes?: number;
  /**
   * A socket that stays blocked this long (its reader consumes nothing while the session has
   * more for it) is dropped like one past `maxBufferedBytes` (close 4010). Default 10 000 ms.
   */
  readonly stallTimeoutMs?: number;
  /** Most sockets open at once; further upgrades are refused with HTTP 503. Default 1024. */
  readonly maxSockets?: number;
  /**
   * Ping every socket this often and drop one silent for an interval after (default 0: off).
   * Embedded sockets get Deno's own ping timeout of twice this.
   */
  readonly pingIntervalMs?: number;
  /** The route of each request path; undefined refuses it (404). Default: every path, `"ws"`. */
  readonly routes?: (path: string) => WebSocketRoute | undefined;
}

/**
 * Options of {@link WebSocketServerTransport.listen}: the carrier's, plus the listener's.
 *
 * @example
 * ```ts
 * import type { WebSocketListenOptions } from "./server_transport.ts";
 * const o: WebSocketListenOptions = { port: 0, hostname: "127.0.0.1", maxSocketsPerAddress: 8 };
 * ```
 */
export interface WebSocketListenOptions extends WebSocketServerOptions {
  /** TCP port; 0 picks a free one (see `localAddress.port`). */
  readonly port: number;
  /** Interface to bind; `"::"` is dual-stack on most systems. Default `"0.0.0.0"`. */
  readonly hostname?: string;
  /** PEM certificate chain and private key: serve `wss://`. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Most sockets per host: IPv4 address or IPv6 /64 (default 16). */
  readonly maxSocketsPerAddress?: number;
  /** Most sockets per host still in the opening handshake (default 4). */
  readonly maxPendingUpgradesPerAddress?: number;
  /** Connect rate per host (default 10/s, burst 20). */
  readonly connectRate?: ConnectRate;
  /** Connect rate over all hosts (default 1000/s, burst 2000). */
  readonly globalConnectRate?: ConnectRate;
  /** The request head (and TLS handshake) must arrive within this (default 5000 ms). */
  readonly headerTimeoutMs?: number;
}

/** Called for every socket that opened (the session may speak first on it). */
export type PeerOpenedHandler = (address: PeerAddress) => void;

/** Called when a socket that was blocked can take more. */
export type PeerWritableHandler = (address: PeerAddress) => void;

const DEFAULT_ROUTE: WebSocketRoute = { tag: WS_TRANSPORT_TAG };

interface Remote {
  readonly link: ServerLink;
  readonly route: WebSocketRoute;
  readonly maxBuffered: number;
  /** Its close was already reported (a backpressure drop reports at once). */
  reported: boolean;
  /** Waiting for a drain notification. */
  watching: boolean;
  /** Drops it if it stays blocked (armed while `watching`). */
  stallTimer?: ReturnType<typeof setTimeout>;
}

/**
 * Server end of the WebSocket carrier. Either owns a listener ({@link listen}) or is embedded in
 * the application's own handler through {@link handleUpgrade}.
 *
 * @example
 * ```ts
 * import { WebSocketServerTransport } from "./server_transport.ts";
 * const carrier = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
 * carrier.listen((bytes, from) => carrier.send(bytes, from)); // echo
 * const socket = new WebSocket(`ws://127.0.0.1:${carrier.localAddress.port}/`);
 * socket.binaryType = "arraybuffer";
 * const echoed = Promise.withResolvers<number>();
 * socket.onopen = () => socket.send(new Uint8Array([1, 2, 3]));
 * socket.onmessage = (e) => echoed.resolve((e.data as ArrayBuffer).byteLength);
 * console.log(await echoed.promise); // 3
 * const closed = Promise.withResolvers<void>();
 * socket.onclose = () => closed.resolve();
 * socket.close();
 * await closed.promise;
 * await carrier.close();
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
  readonly #maxBuffered: number;
  readonly #highWater: number;
  readonly #maxSockets: number;
  readonly #stallTimeoutMs: number;
  readonly #pingIntervalMs: number;
  readonly #routes: (path: string) => WebSocketRoute | undefined;
  readonly #remotes = new Map<number, Remote>();
  #nextPort = 1;
  #handler?: DatagramHandler;
  #closedHandler?: PeerClosedHandler;
  #openedHandler?: PeerOpenedHandler;
  #writableHandler?: PeerWritableHandler;
  #openedBacklog: PeerAddress[] = []; // sockets that opened before anyone listened
  #listener?: WebSocketListener;
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
    this.#highWater = Math.min(
      checkSize("highWaterBytes", options.highWaterBytes ?? 1 << 20),
      Math.max(1, this.#maxBuffered >> 1),
    );
    this.#maxSockets = checkSize("maxSockets", options.maxSockets ?? 1024);
    this.#stallTimeoutMs = checkSize("stallTimeoutMs", options.stallTimeoutMs ?? 10_000);
    const ping = options.pingIntervalMs ?? 0;
    this.#pingIntervalMs = ping === 0 ? 0 : checkSize("pingIntervalMs", ping);
    this.#routes = options.routes ?? (() => DEFAULT_ROUTE);
  }

  /**
   * Starts the project's own listener and resolves once it is bound; `localAddress.port` is
   * the real port (useful with port 0). Requests whose path has no route get HTTP 404.
   */
  static async listen(options: WebSocketListenOptions): Promise<WebSocketServerTransport> {
    const port = options.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new MultiplayerError("INVALID_ARGUMENT", `port must be in [0, 65535], got ${port}`);
    }
    const carrier = new WebSocketServerTransport(options);
    const listener = await WebSocketListener.listen({
      port,
      hostname: options.hostname ?? "0.0.0.0",
      tls: options.tls,
      maxSockets: carrier.#maxSockets,
      maxSocketsPerAddress: options.maxSocketsPerAddress,
      maxPendingUpgradesPerAddress: options.maxPendingUpgradesPerAddress,
      connectRate: options.connectRate,
      globalConnectRate: options.globalConnectRate,
      headerTimeoutMs: options.headerTimeoutMs,
      pingIntervalMs: carrier.#pingIntervalMs,
      maxMessageBytes: carrier.maxDatagramSize,
      maxBufferedBytes: carrier.#maxBuffered,
      idleTimeoutMs: 0, // the session decides which sockets are idle (see `closeUnused`)
      accept: (request) => carrier.#decide(request),
      onConnection: (connection) => carrier.#adoptConnection(connection),
    });
    carrier.#listener = listener;
    const addr = listener.localAddress;
    carrier.#localAddress = { hostname: addr.hostname, port: addr.port, transport: addr.transport };
    return carrier;
  }

  /** The bound address (`transport` ws or wss; port 0 for embedded carriers). */
  get localAddress(): PeerAddress {
    return this.#localAddress;
  }

  /** Number of open sockets. */
  get socketCount(): number {
    return this.#remotes.size;
  }

  /** The listener's counters (refusals by cause, closes by code); undefined when embedded. */
  get listenerStats(): WebSocketListenerStats | undefined {
    return this.#listener?.stats;
  }

  /**
   * Upgrades `request` to a socket of this carrier and returns the 101 response; `route`
   * overrides the route of the request's path. Pass the handler's `info` to record the client's
   * IP. Non-upgrade requests get HTTP 426, a closed or full carrier HTTP 503, a path without a
   * route 404, so this can sit behind any route of an existing server.
   *
   * The socket is Deno's own: it buffers a whole message before its size is checked, and has no
   * per-address admission control of its own. Put a standalone server ({@link listen}) in front
   * of untrusted traffic where that matters, or bound request rates in your own handler.
   */
  handleUpgrade(request: Request, info?: Deno.ServeHandlerInfo, route?: WebSocketRoute): Response {
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
    const chosen = route ?? this.#routes(new URL(request.url).pathname);
    if (!chosen) return new Response("no multiplayer endpoint at this path", { status: 404 });
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",").map((p) => p.trim()).filter((p) => p.length > 0);
    const protocol = pickProtocol(chosen, offered);
    if (protocol === null) {
      return new Response("none of the offered subprotocols is supported", { status: 400 });
    }
    // remoteAddr must be read before the upgrade consumes the request.
    const remote = info?.remoteAddr as Deno.NetAddr | undefined;
    const idleTimeout = this.#pingIntervalMs === 0 ? 0 : Math.ceil(this.#pingIntervalMs / 500);
    const { socket, response } = Deno.upgradeWebSocket(request, {
      ...(protocol ? { protocol } : {}),
      idleTimeout,
    });
    this.#adoptSocket(socket, remote?.hostname ?? "unknown", chosen);
    return response;
  }

  /** Starts delivering received datagrams to `handler`. */
  listen(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  /** Reports a socket that closed (by the remote, the network, or backpressure). */
  onPeerClosed(handler: PeerClosedHandler): void {
    this.#closedHandler = handler;
  }

  /** Reports every socket that opened (those opened before this call, at once). */
  onPeerOpened(handler: PeerOpenedHandler): void {
    this.#openedHandler = handler;
    const backlog = this.#openedBacklog;
    this.#openedBacklog = [];
    for (const address of backlog) if (this.#remotes.has(address.port)) handler(address);
  }

  /** Reports a blocked socket ({@link isBlocked}) that drained below half its high water. */
  onWritable(handler: PeerWritableHandler): void {
    this.#writableHandler = handler;
  }

  /**
   * Sends one message to the remote at `to`; false if unknown or closed. A message that would
   * pass the socket's buffer bound drops that remote (close 4010, reported closed at once).
   */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    if (bytes.byteLength > this.maxDatagramSize) return false;
    const remote = this.#remotes.get(to.port);
    if (!remote || remote.reported) return false;
    const link = remote.link;
    if (link.bufferedAmount + bytes.byteLength > remote.maxBuffered) {
      this.#overflow(remote);
      return false;
    }
    return link.send(bytes);
  }

  /**
   * True while the socket to `to` holds more than the high water mark unsent: a sender that
   * can wait should, until {@link onWritable} reports it (then the socket is watched).
   */
  isBlocked(to: PeerAddress): boolean {
    const remote = this.#remotes.get(to.port);
    if (!remote || remote.link.bufferedAmount <= this.#highWater) return false;
    if (!remote.watching) {
      remote.watching = true;
      // a reader that never drains is dropped, even when nothing else is sent to it meanwhile
      remote.stallTimer = setTimeout(() => {
        remote.stallTimer = undefined;
        if (remote.watching && !remote.reported) {
          this.#overflow(remote, `reader stalled for over ${this.#stallTimeoutMs} ms`);
        }
      }, this.#stallTimeoutMs);
      remote.link.watchDrain(this.#highWater >> 1, () => {
        remote.watching = false;
        clearTimeout(remote.stallTimer);
        remote.stallTimer = undefined;
        if (this.#remotes.get(to.port) === remote) this.#writableHandler?.(remote.link.address);
      });
    }
    return true;
  }

  /** Closes the socket of one remote with `code` and `reason` (e.g. the session dropped it). */
  disconnect(to: PeerAddress, code: number = WsCloseCode.NORMAL, reason = ""): void {
    this.#remotes.get(to.port)?.link.close(code, reason);
  }

  /**
   * Closes every socket open for longer than `graceMs` whose address `isInUse` rejects (e.g.
   * the session dropped that remote, or it never finished its handshake) with 1008 and
   * `reason`. Returns how many.
   */
  closeUnused(isInUse: (address: PeerAddress) => boolean, graceMs: number, reason: string): number {
    const limit = performance.now() - graceMs;
    let closed = 0;
    for (const remote of this.#remotes.values()) {
      const link = remote.link;
      if (link.since > limit || !link.open || isInUse(link.address)) continue;
      link.close(WsCloseCode.POLICY_VIOLATION, reason);
      closed++;
    }
    return closed;
  }

  /** Bytes queued for one remote and not yet written (0 if unknown). */
  bufferedAmount(to: PeerAddress): number {
    return this.#remotes.get(to.port)?.link.bufferedAmount ?? 0;
  }

  /** Closes every socket (code 1001), then the listener if this carrier owns one. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#handler = undefined;
    for (const remote of this.#remotes.values()) {
      clearTimeout(remote.stallTimer);
      remote.link.close(WsCloseCode.GOING_AWAY, "server closing");
    }
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
    await Promise.all([...this.#closedPromises]);
  }

  // ---------------------------------------------------------------------------- private

  readonly #closedPromises = new Set<Promise<void>>();

  #decide(request: UpgradeRequestInfo) {
    if (this.#closing) return { accept: false, status: 503, reason: "server closed" } as const;
    const route = this.#routes(request.path);
    if (!route) {
      return {
        accept: false,
        status: 404,
        reason: "no multiplayer endpoint at this path",
      } as const;
    }
    const protocol = pickProtocol(route, request.protocols);
    if (protocol === null) {
      return {
        accept: false,
        status: 400,
        reason: "none of the offered subprotocols is supported",
      } as const;
    }
    return { accept: true, protocol: protocol || undefined } as const;
  }

  #adoptConnection(connection: WebSocketConnection): void {
    const route = this.#routes(connection.path) ?? DEFAULT_ROUTE;
    const address = this.#newAddress(connection.remote.hostname, route);
    const remote = this.#register(new ListenerLink(connection, address), route);
    const closed = Promise.withResolvers<void>();
    this.#closedPromises.add(closed.promise);
    connection.onMessage = (data, text) => {
      if (text && !route.acceptText) {
        connection.close(WsCloseCode.UNSUPPORTED_DATA, "binary messages only");
        return;
      }
      if (!deliverMessage(this.#handler, data, address)) this.handlerErrors++;
    };
    connection.onClose = (code, reason) => {
      this.#closedPromises.delete(closed.promise);
      closed.resolve();
      this.#ended(remote, code, reason);
    };
    this.#opened(address);
  }

  #adoptSocket(socket: WebSocket, hostname: string, route: WebSocketRoute): void {
    socket.binaryType = "arraybuffer";
    const address = this.#newAddress(hostname, route);
    const remote = this.#register(new DenoSocketLink(socket, address), route);
    const closed = Promise.withResolvers<void>();
    this.#closedPromises.add(closed.promise);
    socket.addEventListener("close", (event) => {
      this.#closedPromises.delete(closed.promise);
      closed.resolve();
      this.#ended(remote, event.code, event.reason);
    }, { once: true });
    socket.addEventListener("message", (event) => {
      const data = event.data;
      let bytes: Uint8Array;
      if (typeof data === "string") {
        if (!route.acceptText) {
          socket.close(WsCloseCode.UNSUPPORTED_DATA, "binary messages only");
          return;
        }
        bytes = encoder.encode(data);
      } else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
      else return;
      if (bytes.length > this.maxDatagramSize) {
        socket.close(
          WsCloseCode.TOO_BIG,
          `message of ${bytes.length} bytes > ${this.maxDatagramSize}`,
        );
        return;
      }
      if (!deliverMessage(this.#handler, bytes, address)) this.handlerErrors++;
    });
    socket.addEventListener("open", () => this.#opened(address), { once: true });
  }

  #newAddress(hostname: string, route: WebSocketRoute): PeerAddress {
    return { hostname, port: this.#nextPort++, transport: route.tag };
  }

  #register(link: ServerLink, route: WebSocketRoute): Remote {
    const remote: Remote = {
      link,
      route,
      maxBuffered: Math.min(route.maxBufferedBytes ?? this.#maxBuffered, this.#maxBuffered),
      reported: false,
      watching: false,
    };
    this.#remotes.set(link.address.port, remote);
    return remote;
  }

  #opened(address: PeerAddress): void {
    if (this.#closing) return;
    if (this.#openedHandler) this.#openedHandler(address);
    else this.#openedBacklog.push(address);
  }

  #ended(remote: Remote, code: number, reason: string): void {
    clearTimeout(remote.stallTimer);
    remote.stallTimer = undefined;
    const port = remote.link.address.port;
    if (this.#remotes.get(port) === remote) this.#remotes.delete(port);
    if (remote.reported || this.#closing) return;
    remote.reported = true;
    this.#closedHandler?.(remote.link.address, code, reason);
  }

  // A reader that fell too far behind: dropped, and the session told now (not when the close
  // handshake ends, which a frozen reader may never answer).
  #overflow(
    remote: Remote,
    reason = `send buffer limit of ${remote.maxBuffered} bytes exceeded`,
  ): void {
    remote.link.close(WsCloseCode.BACKPRESSURE, reason);
    if (remote.reported) return;
    remote.reported = true;
    queueMicrotask(() => {
      if (!this.#closing) {
        this.#closedHandler?.(remote.link.address, WsCloseCode.BACKPRESSURE, reason);
      }
    });
  }
}

const encoder = new TextEncoder();

// The subprotocol to answer with: "" for none, null when the client must be refused.
function pickProtocol(route: WebSocketRoute, offered: readonly string[]): string | null {
  const supported = route.protocols ?? [];
  if (supported.length === 0) return "";
  for (const p of offered) if (supported.includes(p)) return p;
  return null;
}
