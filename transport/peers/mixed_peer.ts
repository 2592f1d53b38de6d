/**
 * One server for every kind of player: native UDP clients, Godot desktop games
 * (NetworkedMultiplayerENet), browsers on the native WebSocket wire and Godot HTML5 games
 * (WebSocketMultiplayerPeer), all in one session with one id space.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import { Host } from "../../protocol/host/host.ts";
import type { WireFactory } from "../../protocol/host/wire.ts";
import {
  type CompressionMode,
  compressionNeeds,
  createCompressor,
} from "../../protocol/compression/mod.ts";
import { RateLimiter, type RateLimiterOptions } from "../../protocol/security/rate_limiter.ts";
import { addressKey } from "../../protocol/address.ts";
import { godotEnetWire } from "../../protocol/godot/enet_wire.ts";
import { GODOT_VARIANTS } from "../../protocol/godot/variant_codec.ts";
import type { GodotWebSocketCounters } from "../../protocol/godot/ws_wire.ts";
import { CompositeTransport } from "../composite_transport.ts";
import type { DatagramTransport } from "../carrier.ts";
import { MSGPACK_VALUES, MultiplayerPeerBase } from "./multiplayer_peer.ts";
import { startPeer } from "./lifecycle.ts";
import { checkPort } from "./_ports.ts";
import { type ServerLimitOptions, serverSecurity } from "../secure/options.ts";
import type { ServerSecurityOptions } from "../secure/options.ts";
import { sharedTimers } from "../time/timer_queue.ts";
import {
  PEER_MAX_RECEIVE_SIZE,
  type ReceiveThreadOption,
  UdpTransport,
} from "../udp/udp_transport.ts";
import type { WebSocketServerTransport } from "../websocket/server_transport.ts";
import type { WebSocketListenerStats } from "../websocket/listener.ts";
import {
  checkWire,
  WebSocketServerPlan,
  type WebSocketServingOptions,
  type WebSocketWire,
} from "./_websocket_server.ts";

/** Largest ENet datagram accepted (Godot's MTU is 1400; ENet's ceiling 4096). */
const ENET_MAX_DATAGRAM = 4096;
/** Godot's ENet peers use at least three ENet channels (config, reliable, unreliable). */
const GODOT_ENET_CHANNELS = 3;

/**
 * Godot ENet clients of a {@link MixedMultiplayerPeer}: the UDP port they connect to, and the
 * settings both ends must agree on.
 *
 * @example
 * ```ts
 * import type { MixedEnetOptions } from "./mixed_peer.ts";
 * const enet: MixedEnetOptions = { port: 7001, compressionMode: 0 };
 * ```
 */
export interface MixedEnetOptions {
  /** UDP port (0 = ephemeral, see `enetPort`). */
  readonly port: number;
  /** Datagram compression, Godot's numbers (default NONE); Godot clients must use the same. */
  readonly compressionMode?: CompressionMode;
  /** ENet bandwidth caps in bytes/s (0 = none). */
  readonly inBandwidth?: number;
  /** See `inBandwidth`. */
  readonly outBandwidth?: number;
  /** ENet connect attempts per source (default 4/s, burst 8; 1000/s overall). */
  readonly connectRateLimit?: RateLimiterOptions;
}

/**
 * WebSocket clients of a {@link MixedMultiplayerPeer}: a listener of its own on `port`, or
 * `"embedded"` (upgrades handed over by your `Deno.serve` handler through
 * {@link MixedMultiplayerPeer.handleUpgrade}); every option of the WebSocket server applies.
 *
 * @example
 * ```ts
 * import type { MixedWebSocketOptions } from "./mixed_peer.ts";
 * const ws: MixedWebSocketOptions = { port: 8080, paths: { "/": "native", "/godot": "godot" } };
 * ```
 */
export interface MixedWebSocketOptions
  extends Omit<WebSocketServingOptions, "bindAddress" | "wire"> {
  /** TCP port (0 = ephemeral, see `websocketPort`), or `"embedded"`. */
  readonly port: number | "embedded";
}

/**
 * Options of {@link MixedMultiplayerPeer.createServer}: which carriers to open, and the limits
 * and hook every native client passes (`authenticate` sees native UDP and WebSocket clients;
 * Godot's wires have no handshake to carry a payload). `receiveThread` applies to each UDP socket,
 * the native one and the ENet one.
 *
 * @example
 * ```ts
 * import type { MixedServerOptions } from "./mixed_peer.ts";
 * const options: MixedServerOptions = {
 *   bindAddress: "0.0.0.0",
 *   maxClients: 64,
 *   udpPort: 7000,
 *   enet: { port: 7001 },
 *   websocket: { port: 8080, paths: { "/": "native", "/godot": "godot" } },
 * };
 * ```
 */
export interface MixedServerOptions
  extends ServerLimitOptions, Pick<ServerSecurityOptions, "authenticate">, ReceiveThreadOption {
  /** Most clients at once, over every carrier together (default 32). */
  maxClients?: number;
  /** Address every listener binds (default `"0.0.0.0"`). */
  bindAddress?: string;
  /** Native UDP clients (`UdpMultiplayerPeer`) on this port. */
  udpPort?: number;
  /** Godot desktop games (`NetworkedMultiplayerENet`). */
  enet?: MixedEnetOptions;
  /** Browsers and Deno bots (native wire) and Godot HTML5 games (Godot's wire), by path. */
  websocket?: MixedWebSocketOptions;
}

/**
 * A server-only NetworkedMultiplayerPeer whose one session spans every carrier this module
 * speaks: native UDP clients, Godot ENet clients, native WebSocket clients (browsers, Deno
 * bots) and Godot WebSocket clients. Ids are unique across all of them (a Godot ENet client's
 * own id is honoured, and refused at connect if another peer has it); every target form works
 * from every client to every other, relayed with the true sender id.
 *
 * **Channels and modes** follow each receiver's wire: a native client gets the channel and mode
 * sent; a Godot ENet client gets user channel c on ENet channel c + 1 (Godot's reliable and
 * unreliable defaults are ENet channels 1 and 2); a Godot WebSocket client gets everything
 * reliably and in order. A packet a receiver's carrier cannot carry (over a Godot WebSocket's
 * 65 526 bytes) is dropped for that receiver and counted (`relayDrops`), never for the others.
 *
 * **Values:** `putVar` encodes once per wire among the receivers (msgpack for native peers,
 * Godot's Variant for Godot peers) and `getVar` decodes with the sender's. Relayed packets are
 * forwarded as they are: clients of different wires exchanging values should agree on an
 * encoding (native peers can read Variants with `decodeVariant`).
 *
 * @example
 * ```ts
 * import { MixedMultiplayerPeer } from "./mixed_peer.ts";
 * const server = new MixedMultiplayerPeer();
 * await server.createServer({
 *   bindAddress: "127.0.0.1",
 *   udpPort: 0,
 *   enet: { port: 0 },
 *   websocket: { port: 0, paths: { "/": "native", "/godot": "godot" } },
 * });
 * console.log(server.udpPort > 0, server.enetPort > 0, server.websocketPort > 0); // true true true
 * await server.close();
 * ```
 */
export class MixedMultiplayerPeer extends MultiplayerPeerBase {
  #udpPort = 0;
  #enetPort = 0;
  #wsPort = 0;
  #ws?: WebSocketServerTransport;
  #plan?: WebSocketServerPlan;
  #stopSweep?: () => void;
  #host?: Host;

  /** The native UDP port (0 when none or inactive). */
  get udpPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#udpPort;
  }
  /** The Godot ENet port (0 when none or inactive). */
  get enetPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#enetPort;
  }
  /** The WebSocket listener's port (0 when embedded, none or inactive). */
  get websocketPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#wsPort;
  }

  /**
   * Packets a relay or broadcast did not send to some receiver whose wire cannot carry them
   * (too large for it, or on a channel it did not open).
   */
  get relayDrops(): number {
    return this.#host?.relayDrops ?? 0;
  }

  /** The WebSocket listener's counters (undefined when embedded, without one, or inactive). */
  get listenerStats(): WebSocketListenerStats | undefined {
    return this.getConnectionStatus() === 0 ? undefined : this.#ws?.listenerStats;
  }

  /** What Godot's WebSocket wire dropped, by cause (undefined when it does not run). */
  get godotCounters(): Readonly<GodotWebSocketCounters> | undefined {
    return this.#plan?.counters;
  }

  /**
   * Opens every carrier `options` names (at least one) and starts the session. Resolves once
   * every socket is bound; a failure closes what was opened.
   */
  async createServer(options: MixedServerOptions): Promise<void> {
    if ((options as { encryption?: unknown }).encryption) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        "a mixed server does not take encryption (Godot's wires have none): run an encrypted " +
          "UdpMultiplayerPeer for encrypted clients, and serve WebSocket clients over wss://",
      );
    }
    if (options.udpPort !== undefined) checkPort(options.udpPort, "udpPort");
    if (options.enet) checkPort(options.enet.port, "enet.port");
    const ws = options.websocket;
    if (ws && ws.port !== "embedded") checkPort(ws.port, "websocket.port");
    if (options.udpPort === undefined && !options.enet && !ws) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        "createServer() needs at least one of udpPort, enet, websocket",
      );
    }
    const mode = options.enet?.compressionMode ?? 0;
    if (compressionNeeds(mode) === "invalid") {
      throw new MultiplayerError("INVALID_ARGUMENT", `enet.compressionMode ${mode} is unknown`);
    }
    const bindAddress = options.bindAddress ?? "0.0.0.0";
    const plan = ws
      ? new WebSocketServerPlan({ ...ws, bindAddress, paths: ws.paths ?? { "/": "native" } })
      : undefined;
    const security = serverSecurity({ ...options, encryption: false });
    const limiter = new RateLimiter(options.enet?.connectRateLimit);
    await startPeer(this, async (base) => {
      const opened: DatagramTransport[] = [];
      try {
        const carriers: Record<string, DatagramTransport> = {};
        const wires: Record<string, WireFactory> = {};
        if (options.udpPort !== undefined) {
          const udp = await UdpTransport.bind({
            hostname: bindAddress,
            port: options.udpPort,
            maxReceiveSize: PEER_MAX_RECEIVE_SIZE,
            receiveThread: options.receiveThread,
          });
          opened.push(udp);
          carriers.udp = udp;
        }
        if (options.enet) {
          const e = options.enet;
          const zlib = compressionNeeds(mode) === "zlib" ? await import("node:zlib") : undefined;
          const enet = await UdpTransport.bind({
            hostname: bindAddress,
            port: e.port,
            maxReceiveSize: ENET_MAX_DATAGRAM,
            receiveThread: options.receiveThread,
          });
          opened.push(enet);
          carriers.enet = enet;
          wires.enet = godotEnetWire({
            // every user channel has its ENet channel; Godot's three at least
            channelCount: Math.max(GODOT_ENET_CHANNELS, base.channelCount! + 1),
            enet: {
              compressor: createCompressor(mode, zlib),
              incomingBandwidth: e.inBandwidth ?? 0,
              outgoingBandwidth: e.outBandwidth ?? 0,
            },
            allowConnect: (address, now) => limiter.allow(addressKey(address), now),
          });
        }
        let socket: WebSocketServerTransport | undefined;
        if (plan && ws) {
          socket = await plan.open(ws.port === "embedded" ? undefined : ws.port);
          opened.push(socket);
          Object.assign(carriers, plan.tags(socket));
          Object.assign(wires, plan.wires());
        }
        const carrier = new CompositeTransport(carriers);
        const host = new Host({
          ...base,
          ...security.host,
          role: "server",
          maxClients: options.maxClients,
          // each native connection's mode follows its carrier (UDP keeps acks and retransmits)
          reliableCarrierFor: (address) => carrier.reliableFor(address),
          wires,
        });
        const started = () => {
          this.#host = host;
          this.#udpPort = (carriers.udp as UdpTransport | undefined)?.localAddress.port ?? 0;
          this.#enetPort = (carriers.enet as UdpTransport | undefined)?.localAddress.port ?? 0;
          if (socket && plan) {
            this.#ws = socket;
            this.#plan = plan;
            this.#wsPort = ws?.port === "embedded" ? 0 : socket.localAddress.port;
            this.#stopSweep = plan.startSweep(host, socket);
          }
        };
        return { host, transport: carrier, clock: sharedTimers, layer: security.layer, started };
      } catch (e) {
        await Promise.allSettled(opened.map((t) => t.close()));
        throw e;
      }
    });
    this.valueCodecs = { native: MSGPACK_VALUES, godot: GODOT_VARIANTS };
  }

  /**
   * Embedded WebSocket (`websocket: { port: "embedded" }`): upgrades `request` from your
   * `Deno.serve` handler to a client of this session; `wire` overrides the wire of its path.
   * Throws NOT_ACTIVE without a running WebSocket side.
   */
  handleUpgrade(
    request: Request,
    info?: Deno.ServeHandlerInfo,
    options: { wire?: WebSocketWire } = {},
  ): Response {
    if (!this.#ws || !this.#plan || this.getConnectionStatus() === 0) {
      throw new MultiplayerError(
        "NOT_ACTIVE",
        "handleUpgrade() needs createServer() with a websocket option first",
      );
    }
    const route = options.wire === undefined
      ? undefined
      : this.#plan.routeOf(checkWire(options.wire, "wire"));
    return this.#ws.handleUpgrade(request, info, route);
  }

  /** Says goodbye to every peer on every carrier, then closes every socket. */
  override async close(): Promise<void> {
    this.#stopSweep?.();
    this.#stopSweep = undefined;
    this.#ws = undefined;
    this.#plan = undefined;
    this.#host = undefined;
    await super.close();
  }
}
