/**
 * A hardened RFC 6455 WebSocket server on `Deno.listen`, with `wss://` through a loopback
 * `Deno.listenTls` relay (see `_listener_tls_relay.ts` for why). Every TCP socket passes
 * admission control (connect rate, per-host and global caps) before a byte is read; the request
 * head must arrive whole within a deadline; message sizes are checked on the declared frame
 * length; every socket's send queue is bounded. See `protocol/websocket/README.md` for the
 * limits and what each defends against.
 *
 * @module
 */
import type { PeerAddress } from "../../protocol/address.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import {
  addressLimitKey,
  Admission,
  type AdmissionRefusal,
  errorResponse,
  upgradeResponse,
  WebSocketCloseCode,
} from "../../protocol/websocket/mod.ts";
import { ListenerConnection, type WebSocketConnection } from "./_listener_connection.ts";
import { closeQuietly, type ListenerSocket, writeThenClose } from "./_listener_io.ts";
import {
  type AcceptDecision,
  type ResolvedOptions,
  resolveOptions,
  type UpgradeRequestInfo,
  type WebSocketListenerOptions,
} from "./_listener_options.ts";
import { type Counters, newCounters, type WebSocketListenerStats } from "./_listener_stats.ts";
import { RelayedSocket, TlsRelay } from "./_listener_tls_relay.ts";
import { readUpgradeRequest } from "./_listener_upgrade.ts";

export type { WebSocketConnection } from "./_listener_connection.ts";
export type { PeerAddress } from "../../protocol/address.ts";
export type {
  AcceptDecision,
  ConnectRate,
  UpgradeRequestInfo,
  WebSocketListenerOptions,
} from "./_listener_options.ts";
export type { ClosureCounts, RefusalCounts, WebSocketListenerStats } from "./_listener_stats.ts";

// a read buffer per socket; the head parser and the frame decoder both work on it in place
const READ_BUFFER_BYTES = 16 * 1024;
// how long a refused socket may take to swallow its error response
const REFUSAL_WRITE_MS = 1000;
// refusals whose response is still being written; past this, refused sockets are just closed
const MAX_REFUSALS_IN_FLIGHT = 64;
// pause after a failed accept() (e.g. out of file descriptors) so the loop does not spin
const ACCEPT_RETRY_MS = 50;

const REFUSAL_REASON: Readonly<Record<AdmissionRefusal, string>> = {
  rate: "too many connection attempts from your address, slow down",
  full: "server full",
  perAddress: "too many connections from your address",
  pendingPerAddress: "too many unfinished handshakes from your address",
};

/**
 * WebSocket server. `listen` binds and starts accepting; each accepted upgrade becomes a
 * {@link WebSocketConnection} handed to `onConnection`. Nothing escapes as an uncaught error:
 * socket errors end that socket with a close reason, and throwing application callbacks are
 * caught and counted in `stats.callbackErrors`.
 *
 * @example
 * ```ts
 * import { WebSocketListener } from "./listener.ts";
 * const listener = await WebSocketListener.listen({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   accept: (request) =>
 *     request.path === "/echo"
 *       ? { accept: true }
 *       : { accept: false, status: 404, reason: "unknown path" },
 *   onConnection: (connection) => {
 *     connection.claim();
 *     connection.onMessage = (data, text) => connection.send(data, text);
 *   },
 * });
 * const socket = new WebSocket(`ws://127.0.0.1:${listener.localAddress.port}/echo`);
 * const echoed = Promise.withResolvers<string>();
 * socket.onopen = () => socket.send("ping?");
 * socket.onmessage = (event) => echoed.resolve(event.data);
 * console.log(await echoed.promise); // ping?
 * const closed = Promise.withResolvers<void>();
 * socket.onclose = () => closed.resolve();
 * socket.close();
 * await closed.promise;
 * await listener.close();
 * ```
 */
export class WebSocketListener {
  readonly #listener: Deno.TcpListener;
  /** Terminates TLS for wss listeners (the public port itself is always plain TCP). */
  readonly #relay: TlsRelay | undefined;
  readonly #options: ResolvedOptions;
  readonly #accept: WebSocketListenerOptions["accept"];
  readonly #onConnection: (connection: WebSocketConnection) => void;
  readonly #onCallbackError: ((error: unknown) => void) | undefined;
  readonly #admission: Admission;
  readonly #counters: Counters = newCounters();
  readonly #localAddress: PeerAddress;
  readonly #tasks = new Set<Promise<void>>();
  /** Sockets still in their handshake, with what drops each (closes it, ends its wait). */
  readonly #pending = new Map<Deno.TcpConn, () => void>();
  readonly #connections = new Set<ListenerConnection>();
  #refusalsInFlight = 0;
  #closing: Promise<void> | undefined;
  #wakeAcceptLoop: (() => void) | undefined;
  readonly #acceptLoop: Promise<void>;

  private constructor(
    listener: Deno.TcpListener,
    relay: TlsRelay | undefined,
    options: WebSocketListenerOptions,
    resolved: ResolvedOptions,
  ) {
    this.#listener = listener;
    this.#relay = relay;
    this.#options = resolved;
    this.#accept = options.accept;
    this.#onConnection = options.onConnection;
    this.#onCallbackError = options.onCallbackError;
    const o = this.#options;
    this.#admission = new Admission({
      maxSockets: o.maxSockets,
      maxSocketsPerAddress: o.maxSocketsPerAddress,
      maxPendingUpgradesPerAddress: o.maxPendingUpgradesPerAddress,
      connectsPerSecond: o.connectRate.perSecond,
      connectBurst: o.connectRate.burst,
      globalConnectsPerSecond: o.globalConnectRate.perSecond,
      globalConnectBurst: o.globalConnectRate.burst,
    });
    const addr = listener.addr as Deno.NetAddr;
    this.#localAddress = { hostname: addr.hostname, port: addr.port, transport: this.#scheme };
    this.#acceptLoop = this.#runAcceptLoop();
  }

  /**
   * Binds and starts accepting. Throws MultiplayerError INVALID_ARGUMENT for bad options;
   * binding errors (port in use, bad certificate) reject as Deno reports them.
   */
  static listen(options: WebSocketListenerOptions): Promise<WebSocketListener> {
    try {
      const resolved = resolveOptions(options);
      const listener = Deno.listen({
        hostname: resolved.hostname,
        port: resolved.port,
        transport: "tcp",
      });
      let relay: TlsRelay | undefined;
      if (options.tls !== undefined) {
        try {
          relay = TlsRelay.open(options.tls.cert, options.tls.key);
        } catch (error) {
          listener.close();
          throw error;
        }
      }
      return Promise.resolve(new WebSocketListener(listener, relay, options, resolved));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The bound address (the real port when 0 was asked for); `transport` is ws or wss. */
  get localAddress(): PeerAddress {
    return this.#localAddress;
  }

  /** A snapshot of the counters. */
  get stats(): WebSocketListenerStats {
    const c = this.#counters;
    return {
      socketsOpen: this.#admission.sockets,
      pendingUpgrades: this.#admission.pending,
      connectionsOpen: c.connectionsOpen,
      upgradesAccepted: c.upgradesAccepted,
      refused: { ...c.refused },
      closed: { ...c.closed },
      callbackErrors: c.callbackErrors,
      internalErrors: c.internalErrors,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
    };
  }

  /** Sockets the host of `hostname` (same IPv4 address or IPv6 /64) holds now. */
  socketsFrom(hostname: string): number {
    return this.#admission.socketsOf(addressLimitKey(hostname));
  }

  /**
   * Stops accepting, drops handshakes under way, closes every connection with 1001 (going
   * away) and resolves once every socket is released. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  get #scheme(): "ws" | "wss" {
    return this.#relay !== undefined ? "wss" : "ws";
  }

  async #shutdown(): Promise<void> {
    closeQuietly(this.#listener);
    this.#wakeAcceptLoop?.();
    await this.#acceptLoop;
    for (const drop of this.#pending.values()) drop();
    for (const connection of this.#connections) {
      connection.close(WebSocketCloseCode.GOING_AWAY, "server shutting down");
    }
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
    await this.#relay?.close();
  }

  async #runAcceptLoop(): Promise<void> {
    while (this.#closing === undefined) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        if (this.#closing !== undefined) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ACCEPT_RETRY_MS);
          this.#wakeAcceptLoop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeAcceptLoop = undefined;
        continue;
      }
      if (this.#closing !== undefined) {
        closeQuietly(conn);
        return;
      }
      this.#admit(conn);
    }
  }

  /** Admission before reading anything: refuse at once, or start the handshake phase. */
  #admit(conn: Deno.TcpConn): void {
    const remote = conn.remoteAddr as Deno.NetAddr;
    const key = addressLimitKey(remote.hostname);
    const refusal = this.#admission.admit(key, performance.now());
    if (refusal !== undefined) {
      this.#counters.refused[refusal]++;
      // over TLS a rate-limited socket is not worth a handshake: just close it
      if (refusal === "rate" && this.#relay !== undefined) return closeQuietly(conn);
      return this.#refuse(conn, 503, REFUSAL_REASON[refusal]);
    }
    try {
      // frames are coalesced by the write loop already; Nagle would only add latency
      conn.setNoDelay(true);
    } catch {
      // the socket may already be gone; its first read will tell
    }
    this.#track(this.#serve(conn, key, remote));
  }

  /** Answers a socket refused at admission, within a bounded time, and closes it. */
  #refuse(conn: Deno.TcpConn, status: number, reason: string): void {
    if (this.#refusalsInFlight >= MAX_REFUSALS_IN_FLIGHT) return closeQuietly(conn);
    this.#refusalsInFlight++;
    const refusal = async () => {
      const socket = this.#relay === undefined ? conn : await this.#relay.attach(conn);
      if (socket === undefined) return closeQuietly(conn);
      await writeThenClose(socket, errorResponse(status, reason), REFUSAL_WRITE_MS, (count) => {
        this.#counters.bytesOut += count;
      });
      if (socket instanceof RelayedSocket) await socket.done;
    };
    this.#track(refusal().finally(() => this.#refusalsInFlight--));
  }

  #track(task: Promise<void>): void {
    const settled = task.then(
      () => {},
      () => {
        this.#counters.internalErrors++; // a bug of ours; the socket is closed regardless
      },
    ).finally(() => this.#tasks.delete(settled));
    this.#tasks.add(settled);
  }

  /** One admitted socket, from its first byte to its release. */
  async #serve(outer: Deno.TcpConn, key: string, remote: Deno.NetAddr): Promise<void> {
    const o = this.#options;
    const relay = this.#relay;
    // the client's byte stream: the TCP socket itself, or its TLS session once attached
    let socket: ListenerSocket = outer;
    let pending = true;
    let expired = false;
    let timeoutResponse: Promise<void> | undefined;
    // ends a wait for the application's decision when the deadline passes or we shut down
    const dropped = Promise.withResolvers<undefined>();
    this.#pending.set(outer, () => {
      closeQuietly(socket);
      closeQuietly(outer);
      dropped.resolve(undefined);
    });
    const deadline = setTimeout(() => {
      expired = true;
      dropped.resolve(undefined);
      this.#counters.refused.headerTimeout++;
      const writable = relay === undefined ||
        (socket instanceof RelayedSocket && socket.handshaken);
      if (!writable) return closeQuietly(socket); // a TLS client that never finished its hello
      timeoutResponse = writeThenClose(
        socket,
        errorResponse(408, "request head not received in time"),
        REFUSAL_WRITE_MS,
      );
    }, o.headerTimeoutMs);
    const stopped = () => expired || this.#closing !== undefined;
    try {
      if (relay !== undefined) {
        const session = await relay.attach(outer);
        if (session === undefined) return;
        socket = session;
        if (stopped()) return;
      }
      const buffer = new Uint8Array(READ_BUFFER_BYTES);
      const outcome = await readUpgradeRequest(
        socket,
        buffer,
        o.maxHeadBytes,
        this.#counters,
        stopped,
      );
      if (outcome.kind === "gone" || stopped()) return;
      if (outcome.kind === "refused") {
        this.#counters.refused.badRequest++;
        const { status, reason, headers } = outcome.refusal;
        return await this.#answer(socket, deadline, errorResponse(status, reason, headers));
      }
      const request = outcome.request;
      const decision = await Promise.race([
        this.#decide({
          path: request.path,
          query: request.query,
          headers: request.headers,
          protocols: request.protocols,
          origin: request.origin,
          remote: { hostname: remote.hostname, port: remote.port },
        }),
        dropped.promise,
      ]);
      if (decision === undefined || stopped()) return;
      if (!decision.accept) {
        this.#counters.refused.rejected++;
        return await this.#answer(socket, deadline, decisionResponse(decision));
      }
      if (decision.protocol !== undefined && !request.protocols.includes(decision.protocol)) {
        this.#callbackFailed(
          new MultiplayerError(
            "INVALID_ARGUMENT",
            `accept chose subprotocol "${decision.protocol}", which the client did not offer`,
          ),
        );
        return await this.#answer(socket, deadline, errorResponse(500, "internal error"));
      }
      clearTimeout(deadline);
      this.#pending.delete(outer);
      this.#admission.upgraded(key);
      pending = false;
      const connection = new ListenerConnection({
        conn: socket,
        remote: { hostname: remote.hostname, port: remote.port, transport: this.#scheme },
        path: request.path,
        query: request.query,
        headers: request.headers,
        origin: request.origin,
        protocol: decision.protocol ?? "",
        limits: o,
        counters: this.#counters,
        buffer,
        callbackFailed: (error) => this.#callbackFailed(error),
      });
      this.#connections.add(connection);
      this.#counters.upgradesAccepted++;
      connection.start(upgradeResponse(request.key, decision.protocol));
      try {
        this.#onConnection(connection);
      } catch (error) {
        this.#callbackFailed(error);
      }
      // a listener closed meanwhile (by onConnection, say) missed this connection
      if (this.#closing !== undefined) {
        connection.close(WebSocketCloseCode.GOING_AWAY, "server shutting down");
      }
      await connection.run(outcome.leftover);
      this.#connections.delete(connection);
    } finally {
      clearTimeout(deadline);
      this.#pending.delete(outer);
      await timeoutResponse;
      closeQuietly(socket);
      if (socket instanceof RelayedSocket) await socket.done;
      closeQuietly(outer);
      this.#admission.release(key, pending);
    }
  }

  /** Sends an error response to a socket still in its handshake, within the deadline. */
  async #answer(
    socket: ListenerSocket,
    deadline: ReturnType<typeof setTimeout>,
    response: Uint8Array,
  ): Promise<void> {
    clearTimeout(deadline);
    await writeThenClose(socket, response, REFUSAL_WRITE_MS, (count) => {
      this.#counters.bytesOut += count;
    });
  }

  async #decide(request: UpgradeRequestInfo): Promise<AcceptDecision> {
    if (this.#accept === undefined) return { accept: true };
    try {
      const decision = await this.#accept(request);
      if (decision?.accept === true || decision?.accept === false) return decision;
      throw new MultiplayerError("INVALID_ARGUMENT", "accept must return { accept: boolean, ... }");
    } catch (error) {
      this.#callbackFailed(error);
      return { accept: false, status: 500, reason: "internal error" };
    }
  }

  #callbackFailed(error: unknown): void {
    this.#counters.callbackErrors++;
    try {
      this.#onCallbackError?.(error);
    } catch {
      // the error reporter itself failed: already counted
    }
  }
}

/** The response of a refusing decision; a bad status from the application becomes 500. */
function decisionResponse(decision: { status: number; reason: string }): Uint8Array {
  const status = Number.isInteger(decision.status) && decision.status >= 400 &&
      decision.status <= 599
    ? decision.status
    : 500;
  return errorResponse(status, String(decision.reason ?? ""));
}
