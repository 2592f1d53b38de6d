/**
 * The multiplayer peer over WebSocket: the same protocol host and driver as the UDP peer, over a
 * reliable ordered carrier. A server can also accept UDP clients in the same session.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import { Host } from "../../protocol/host/host.ts";
import {
  type GodotPacing,
  type GodotWebSocketCounters,
  godotWebSocketWire,
  newGodotWebSocketCounters,
} from "../../protocol/godot/ws_wire.ts";
import { GODOT_WS_MAX_PAYLOAD } from "../../protocol/godot/ws_framing.ts";
import { GODOT_VARIANTS } from "../../protocol/godot/variant_codec.ts";
import { CompositeTransport } from "../composite_transport.ts";
import { MSGPACK_VALUES, MultiplayerPeerBase } from "./multiplayer_peer.ts";
import { startPeer } from "./lifecycle.ts";
import { checkPort } from "./_ports.ts";
import {
  clientSecurity,
  type ServerLimitOptions,
  serverSecurity,
  type ServerSecurityOptions,
} from "../secure/options.ts";
import { sharedTimers } from "../time/timer_queue.ts";
import { PEER_MAX_RECEIVE_SIZE, UdpTransport } from "../udp/udp_transport.ts";
import type { WebSocketServerTransport } from "../websocket/server_transport.ts";
import {
  checkWire,
  GODOT_WS_TAG,
  NATIVE_WS_TAG,
  WebSocketServerPlan,
  type WebSocketServingOptions,
  type WebSocketWire,
} from "./_websocket_server.ts";
import type { WebSocketListenerStats } from "../websocket/listener.ts";
import { toWebSocketUrl, WebSocketClientTransport } from "../websocket/client_transport.ts";

export type { WebSocketServingOptions, WebSocketWire } from "./_websocket_server.ts";

/**
 * Options of {@link WebSocketMultiplayerPeer.createServer}. Same names as the UDP server's where
 * they apply: `maxClients`, `authenticate` and every limit of `ServerLimitOptions` (they cover
 * UDP clients of a mixed server too). Not here, on purpose: `encryption`, `serverIdentity`,
 * `preSharedKey` (serve `wss:` through `tls` instead; passing `encryption: true` throws) and
 * `inBandwidth`/`outBandwidth` (a WebSocket rides TCP's own flow and congestion control; the
 * per-socket bound is `maxBufferedBytes`).
 *
 * @example
 * ```ts
 * import type { WebSocketServerPeerOptions } from "./websocket_peer.ts";
 * const options: WebSocketServerPeerOptions = {
 *   bindAddress: "127.0.0.1",
 *   paths: { "/": "native", "/godot": "godot" },
 *   maxSocketsPerAddress: 8,
 *   authenticate: ({ payload }) => payload.length > 0 || { reject: "token required" },
 * };
 * ```
 */
export interface WebSocketServerPeerOptions
  extends ServerLimitOptions, Pick<ServerSecurityOptions, "authenticate">, WebSocketServingOptions {
  /** Most clients at once, every wire and UDP together (default 32). */
  maxClients?: number;
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
  /** Bytes for the server's `authenticate` hook (at most 1024), as on UDP (native wire only). */
  authPayload?: Uint8Array;
  /** Send buffer bound; past it the socket is closed (default 16 MiB). */
  maxBufferedBytes?: number;
  /** The wire the server speaks (default `"native"`; `"godot"` for a Godot `WebSocketServer`). */
  wire?: WebSocketWire;
  /** Subprotocols to offer (`Sec-WebSocket-Protocol`). */
  protocols?: readonly string[];
  /** Godot servers: how fast to feed it (see the server option of the same name). */
  godotPacing?: GodotPacing;
}

// JS callers may pass UDP-only security options: say what to use instead of ignoring them
function refuseEncryption(o: object): void {
  if ((o as { encryption?: unknown }).encryption) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "WebSocket peers do not take encryption: serve and connect with wss:// (TLS) instead",
    );
  }
}

/**
 * A NetworkedMultiplayerPeer over WebSocket, with the UDP peer's ids, targets, relay, events,
 * `poll()` and `putVar`/`getVar` semantics (it runs the same protocol host), on this module's
 * own wire or on Godot 3's (`wire: "godot"`), so Godot HTML5 and desktop games using
 * `WebSocketClient` / `WebSocketServer` with the multiplayer API join or host.
 *
 * **Transfer modes:** WebSocket is a reliable ordered stream, so every mode (RELIABLE,
 * UNRELIABLE_ORDERED, UNRELIABLE) is delivered reliably and in order; no acks or retransmissions
 * are added on top of it. UDP clients of a mixed server keep their UDP semantics. Godot's wire
 * carries no channel or mode: its packets arrive on channel 0 as RELIABLE, and unreliable ones
 * toward a Godot client that is behind are shed (counted) rather than queued.
 *
 * **Backpressure:** what goes to a socket is paced by its buffer: above the high water mark
 * the session keeps a peer's data queued until the socket drains (so a burst that `putPacket`
 * accepted arrives), and a client that stops reading until its buffer passes
 * `maxBufferedBytes` is dropped at once (close code 4010, `DisconnectReason.BACKPRESSURE`).
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
  #stopSweep?: () => void;
  #plan?: WebSocketServerPlan;
  #clientCounters?: GodotWebSocketCounters;

  /** Servers: the WebSocket listener's port (0 when embedded or inactive). */
  get localPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#localPort;
  }

  /**
   * Servers: the listener's counters (sockets open, refusals by cause, closes by code);
   * undefined when embedded or inactive.
   */
  get listenerStats(): WebSocketListenerStats | undefined {
    return this.getConnectionStatus() === 0 ? undefined : this.#ws?.listenerStats;
  }

  /**
   * Godot's wire: what it dropped, by cause (short or forged messages, unreliable packets shed
   * for a Godot peer that is behind, ...); undefined when no Godot wire runs.
   */
  get godotCounters(): Readonly<GodotWebSocketCounters> | undefined {
    return this.#plan?.counters ?? this.#clientCounters;
  }

  /** Mixed servers: the UDP port (0 when not listening on UDP). */
  get udpPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#udpPort;
  }

  /**
   * Starts a server listening on `port` (0 = ephemeral, see `localPort`) on the project's own
   * hardened listener; every path is upgraded, or those of `paths`. Resolves once bound. With
   * `udpPort`, UDP clients join the same session; with `tls`, it serves `wss://`.
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
    if (options.tls) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        "tls is for createServer(); an embedded server uses the TLS of your own Deno.serve",
      );
    }
    await this.#startServer(undefined, options);
  }

  /**
   * Servers: upgrades `request` to a client of this session (pass the handler's `info` to
   * record the client's IP); `wire` overrides the wire of the request's path. Non-upgrade
   * requests get HTTP 426, a path without a wire 404. Throws NOT_ACTIVE when the peer is not a
   * running server.
   *
   * The socket is Deno's own `upgradeWebSocket`: it buffers a whole message before its size is
   * checked and has no per-address limits; behind untrusted traffic prefer a standalone server,
   * or bound request rates in your handler.
   */
  handleUpgrade(
    request: Request,
    info?: Deno.ServeHandlerInfo,
    options: { wire?: WebSocketWire } = {},
  ): Response {
    if (!this.#ws || this.getConnectionStatus() === 0) {
      throw new MultiplayerError(
        "NOT_ACTIVE",
        "handleUpgrade() needs createServer() or createEmbeddedServer() first",
      );
    }
    const route = options.wire === undefined
      ? undefined
      : this.#plan?.routeOf(checkWire(options.wire, "wire"));
    return this.#ws.handleUpgrade(request, info, route);
  }

  async #startServer(port: number | undefined, options: WebSocketServerPeerOptions): Promise<void> {
    if (options.udpPort !== undefined) checkPort(options.udpPort, "udpPort");
    refuseEncryption(options);
    const plan = new WebSocketServerPlan(options);
    const security = serverSecurity({ ...options, encryption: false });
    await startPeer(this, async (base) => {
      const ws = await plan.open(port);
      let udp: UdpTransport | undefined;
      try {
        if (options.udpPort !== undefined) {
          udp = await UdpTransport.bind({
            hostname: options.bindAddress ?? "0.0.0.0",
            port: options.udpPort,
            maxReceiveSize: PEER_MAX_RECEIVE_SIZE,
          });
        }
      } catch (e) {
        await ws.close();
        throw e;
      }
      const carrier = new CompositeTransport({ ...plan.tags(ws), ...(udp ? { udp } : {}) });
      const host = new Host({
        ...base,
        ...security.host,
        role: "server",
        maxClients: options.maxClients,
        reliableCarrier: true,
        // Mixed: each connection's mode follows its carrier (UDP clients keep acks/retransmits).
        reliableCarrierFor: udp ? (address) => carrier.reliableFor(address) : undefined,
        wires: plan.wires(),
      });
      const started = () => {
        this.#stopSweep = plan.startSweep(host, ws);
        this.#ws = ws;
        this.#plan = plan;
        this.#localPort = port === undefined ? 0 : ws.localAddress.port;
        this.#udpPort = udp?.localAddress.port ?? 0;
      };
      return { host, transport: carrier, clock: sharedTimers, layer: security.layer, started };
    });
    this.valueCodecs = plan.godot ? { native: MSGPACK_VALUES, godot: GODOT_VARIANTS } : undefined;
  }

  /**
   * Connects to the server at `url` (`ws:`, `wss:`, or `http(s):` mapped to them). Resolves once
   * the socket opened or failed; `connection_succeeded` or `connection_failed` is dispatched by
   * `poll()`. Throws INVALID_ARGUMENT for a bad URL.
   */
  async createClient(url: string | URL, options: WebSocketClientPeerOptions = {}): Promise<void> {
    const target = toWebSocketUrl(url);
    refuseEncryption(options);
    const wire = checkWire(options.wire, "wire");
    if (wire === "godot" && options.authPayload !== undefined) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        "authPayload: Godot's WebSocket wire has no handshake to carry it (use the URL or a subprotocol)",
      );
    }
    let carrier: WebSocketClientTransport | undefined;
    const counters = wire === "godot" ? newGodotWebSocketCounters() : undefined;
    await startPeer(this, async (base) => {
      const security = wire === "native"
        ? await clientSecurity({ authPayload: options.authPayload })
        : undefined;
      const tag = wire === "godot" ? GODOT_WS_TAG : NATIVE_WS_TAG;
      const host = new Host({
        ...base,
        ...security?.host,
        role: "client",
        reliableCarrier: true,
        connectTimeoutMs: options.connectTimeoutMs,
        wires: wire === "godot"
          ? {
            [GODOT_WS_TAG]: godotWebSocketWire({
              pacing: options.godotPacing,
              connectTimeoutMs: options.connectTimeoutMs,
            }, counters),
          }
          : undefined,
      });
      const ws = WebSocketClientTransport.open(target, {
        maxBufferedBytes: options.maxBufferedBytes,
        tag,
        acceptText: wire === "godot",
        protocols: options.protocols,
        maxDatagramSize: wire === "godot" ? GODOT_WS_MAX_PAYLOAD + 64 : undefined,
      });
      carrier = ws;
      return { host, transport: ws, clock: sharedTimers, connectTo: ws.serverAddress };
    });
    this.valueCodec = wire === "godot" ? GODOT_VARIANTS : MSGPACK_VALUES;
    this.valueCodecs = undefined;
    this.#plan = undefined;
    this.#clientCounters = counters;
    await carrier?.opened;
  }

  /** Says goodbye to every peer, then closes every socket and listener. */
  override async close(): Promise<void> {
    this.#stopSweep?.();
    this.#stopSweep = undefined;
    this.#ws = undefined;
    await super.close();
  }
}
