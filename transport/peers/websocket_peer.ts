/**
 * The multiplayer peer over WebSocket: the same protocol host and driver as the UDP peer, over a
 * reliable ordered carrier. A server can also accept UDP clients in the same session.
 *
 * @module
 */
import { DEFAULTS } from "../../protocol/constants.ts";
import { DisconnectReason, MultiplayerError } from "../../protocol/errors.ts";
import { Host } from "../../protocol/host/host.ts";
import { CompositeTransport } from "../composite_transport.ts";
import { MultiplayerPeerBase } from "./multiplayer_peer.ts";
import { startPeer } from "./lifecycle.ts";
import { checkPort } from "./_ports.ts";
import {
  clientSecurity,
  type ServerLimitOptions,
  serverSecurity,
  type ServerSecurityOptions,
} from "../secure/options.ts";
import { addressKey } from "../../protocol/address.ts";
import { sharedTimers } from "../time/timer_queue.ts";
import type { PeerDriver } from "../driver.ts";
import { PEER_MAX_RECEIVE_SIZE, UdpTransport } from "../udp/udp_transport.ts";
import { WebSocketServerTransport } from "../websocket/server_transport.ts";
import {
  toWebSocketUrl,
  WebSocketClientTransport,
  WsCloseCode,
} from "../websocket/client_transport.ts";

/**
 * Options of {@link WebSocketMultiplayerPeer.createServer}. Same names as the UDP server's where
 * they apply: `maxClients`, `authenticate` and every limit of `ServerLimitOptions` (they cover
 * UDP clients of a mixed server too). Not here, on purpose: `encryption`, `serverIdentity`,
 * `preSharedKey` (serve `wss:` through TLS instead; passing `encryption: true` throws) and
 * `inBandwidth`/`outBandwidth` (a WebSocket rides TCP's own flow and congestion control; the
 * per-socket bound is `maxBufferedBytes`).
 *
 * @example
 * ```ts
 * import type { WebSocketServerPeerOptions } from "./websocket_peer.ts";
 * const options: WebSocketServerPeerOptions = {
 *   bindAddress: "127.0.0.1",
 *   udpPort: 0,
 *   maxPendingHandshakes: 64,
 *   authenticate: ({ payload }) => payload.length > 0 || { reject: "token required" },
 * };
 * ```
 */
export interface WebSocketServerPeerOptions
  extends ServerLimitOptions, Pick<ServerSecurityOptions, "authenticate"> {
  /** Most clients at once, WebSocket and UDP together (default 32). */
  maxClients?: number;
  /** Address to bind the listener(s) to (default `"0.0.0.0"`). */
  bindAddress?: string;
  /** Per-client send buffer bound; a client past it is dropped (default 16 MiB). */
  maxBufferedBytes?: number;
  /** Most WebSocket connections open at once, joined or not; more get HTTP 503 (default 1024). */
  maxSockets?: number;
  /** Also accept UDP clients on this port (0 = ephemeral, see `udpPort`): one id space. */
  udpPort?: number;
}

/**
 * Options of {@link WebSocketMultiplayerPeer.createClient}; names as the UDP client's where they
 * apply. For encryption connect to a `wss:` URL (`encryption`, `serverPublicKey`, `preSharedKey`
 * do not apply; `encryption: true` throws); bandwidth caps do not apply either (TCP paces).
 *
 * @example
 * ```ts
 * import type { WebSocketClientPeerOptions } from "./websocket_peer.ts";
 * const options: WebSocketClientPeerOptions = {
 *   connectTimeoutMs: 2000,
 *   authPayload: new TextEncoder().encode("my-token"),
 * };
 * ```
 */
export interface WebSocketClientPeerOptions {
  /** Give up connecting after this long (default 5000 ms) with `connection_failed`. */
  connectTimeoutMs?: number;
  /** Bytes for the server's `authenticate` hook (at most 1024), as on UDP. */
  authPayload?: Uint8Array;
  /** Send buffer bound; past it the socket is closed (default 16 MiB). */
  maxBufferedBytes?: number;
}

/** How often the server closes sockets that are not (or no longer) in the session. */
const SWEEP_INTERVAL_MS = 1000;

// JS callers may pass UDP-only security options: say what to use instead of ignoring them
function refuseEncryption(o: object): void {
  if ((o as { encryption?: unknown }).encryption) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "WebSocket peers do not take encryption: serve and connect with wss:// (TLS) instead",
    );
  }
}

function reasonOf(code: number): DisconnectReason {
  return code === WsCloseCode.BACKPRESSURE
    ? DisconnectReason.BACKPRESSURE
    : DisconnectReason.CLOSED;
}

/** Address keys of the host's connected peers (one pass, for the sweep). */
function sessionKeys(host: Host): Set<string> {
  const keys = new Set<string>();
  for (const id of host.peerIds()) {
    const address = host.peerAddress(id);
    if (address) keys.add(addressKey(address));
  }
  return keys;
}

/**
 * A NetworkedMultiplayerPeer over WebSocket, with the UDP peer's ids, targets, relay, events,
 * `poll()` and `putVar`/`getVar` semantics (it runs the same protocol host).
 *
 * **Transfer modes:** WebSocket is a reliable ordered stream, so every mode (RELIABLE,
 * UNRELIABLE_ORDERED, UNRELIABLE) is delivered reliably and in order; no acks or retransmissions
 * are added on top of it. UDP clients of a mixed server keep their UDP semantics.
 *
 * **Backpressure:** each socket's send buffer is bounded (`maxBufferedBytes`); a client that
 * cannot keep up is dropped (close code 4010, `DisconnectReason.BACKPRESSURE`) rather than
 * shedding packets, since nothing can be shed from an ordered stream without breaking order.
 *
 * The client side uses only the standard `WebSocket`, so it runs in browsers.
 *
 * @example
 * ```ts
 * import { WebSocketMultiplayerPeer } from "./websocket_peer.ts";
 * const server = new WebSocketMultiplayerPeer();
 * await server.createServer(0, { bindAddress: "127.0.0.1" });
 * const client = new WebSocketMultiplayerPeer();
 * await client.createClient(`ws://127.0.0.1:${server.localPort}/`);
 * while (client.getConnectionStatus() === 1) await client.poll(100);
 * console.log("my id", client.getUniqueId());
 * await client.close();
 * await server.close();
 * ```
 */
export class WebSocketMultiplayerPeer extends MultiplayerPeerBase {
  #ws?: WebSocketServerTransport;
  #localPort = 0;
  #udpPort = 0;
  #sweep?: ReturnType<typeof setInterval>;

  /** Servers: the WebSocket listener's port (0 when embedded or inactive). */
  get localPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#localPort;
  }

  /** Mixed servers: the UDP port (0 when not listening on UDP). */
  get udpPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#udpPort;
  }

  /**
   * Starts a server listening on `port` (0 = ephemeral, see `localPort`) with `Deno.serve`;
   * every request on any path is upgraded. Resolves once bound. With `udpPort`, UDP clients
   * join the same session.
   */
  async createServer(port: number, options: WebSocketServerPeerOptions = {}): Promise<void> {
    checkPort(port, "port");
    await this.#startServer(port, options);
  }

  /**
   * Starts a server without a listener of its own: route upgrade requests of your own
   * `Deno.serve` handler to {@link WebSocketMultiplayerPeer.handleUpgrade}.
   */
  async createEmbeddedServer(options: WebSocketServerPeerOptions = {}): Promise<void> {
    await this.#startServer(undefined, options);
  }

  /**
   * Servers: upgrades `request` to a client of this session (pass the handler's `info` to
   * record the client's IP). Non-upgrade requests get HTTP 426. Throws NOT_ACTIVE when the peer
   * is not a running server.
   */
  handleUpgrade(request: Request, info?: Deno.ServeHandlerInfo): Response {
    if (!this.#ws || this.getConnectionStatus() === 0) {
      throw new MultiplayerError(
        "NOT_ACTIVE",
        "handleUpgrade() needs createServer() or createEmbeddedServer() first",
      );
    }
    return this.#ws.handleUpgrade(request, info);
  }

  async #startServer(port: number | undefined, options: WebSocketServerPeerOptions): Promise<void> {
    if (options.udpPort !== undefined) checkPort(options.udpPort, "udpPort");
    refuseEncryption(options);
    const security = serverSecurity({ ...options, encryption: false });
    await startPeer(this, async (base) => {
      const hostname = options.bindAddress ?? "0.0.0.0";
      const wsOptions = {
        maxBufferedBytes: options.maxBufferedBytes,
        maxSockets: options.maxSockets,
      };
      const ws = port === undefined
        ? new WebSocketServerTransport(wsOptions)
        : await WebSocketServerTransport.listen({ ...wsOptions, port, hostname });
      let udp: UdpTransport | undefined;
      try {
        if (options.udpPort !== undefined) {
          udp = await UdpTransport.bind({
            hostname,
            port: options.udpPort,
            maxReceiveSize: PEER_MAX_RECEIVE_SIZE,
          });
        }
      } catch (e) {
        await ws.close();
        throw e;
      }
      const both = udp ? new CompositeTransport({ ws, udp }) : undefined;
      const host = new Host({
        ...base,
        ...security.host,
        role: "server",
        maxClients: options.maxClients,
        reliableCarrier: true,
        // Mixed: each connection's mode follows its carrier (UDP clients keep acks/retransmits).
        reliableCarrierFor: both ? (address) => both.reliableFor(address) : undefined,
      });
      const carrier = both ?? ws;
      const started = (driver: PeerDriver) => {
        carrier.onPeerClosed((address, code) => driver.carrierClosed(address, reasonOf(code)));
        // Sockets the session does not know (dropped by the protocol, or never joined) are closed.
        const grace = DEFAULTS.connectTimeoutMs + SWEEP_INTERVAL_MS;
        this.#sweep = setInterval(() => {
          const keys = sessionKeys(host);
          ws.closeUnused((a) => keys.has(addressKey(a)), grace, "not in the session");
        }, SWEEP_INTERVAL_MS);
        this.#ws = ws;
        this.#localPort = port === undefined ? 0 : ws.localAddress.port;
        this.#udpPort = udp?.localAddress.port ?? 0;
      };
      return { host, transport: carrier, clock: sharedTimers, layer: security.layer, started };
    });
  }

  /**
   * Connects to the server at `url` (`ws:`, `wss:`, or `http(s):` mapped to them). Resolves once
   * the socket opened or failed; `connection_succeeded` or `connection_failed` is dispatched by
   * `poll()`. Throws INVALID_ARGUMENT for a bad URL.
   */
  async createClient(url: string | URL, options: WebSocketClientPeerOptions = {}): Promise<void> {
    const target = toWebSocketUrl(url);
    refuseEncryption(options);
    let carrier: WebSocketClientTransport | undefined;
    await startPeer(this, async (base) => {
      const security = await clientSecurity({ authPayload: options.authPayload });
      const host = new Host({
        ...base,
        ...security.host,
        role: "client",
        reliableCarrier: true,
        connectTimeoutMs: options.connectTimeoutMs,
      });
      const ws = WebSocketClientTransport.open(target, {
        maxBufferedBytes: options.maxBufferedBytes,
      });
      carrier = ws;
      const started = (driver: PeerDriver) =>
        ws.onPeerClosed((address, code, reason) => {
          const why = `WebSocket closed (code ${code}${reason ? `: ${reason}` : ""})`;
          driver.carrierClosed(address, reasonOf(code), why);
        });
      return { host, transport: ws, clock: sharedTimers, connectTo: ws.serverAddress, started };
    });
    await carrier?.opened;
  }

  /** Says goodbye to every peer, then closes every socket and listener. */
  override async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#ws = undefined;
    await super.close();
  }
}
