/**
 * The multiplayer peer on Godot 3's own ENet wire (NetworkedMultiplayerENet): real Godot 3.2
 * clients join its servers and its clients join Godot servers.
 *
 * @module
 */
import { TransferMode } from "../../protocol/constants.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import { Host } from "../../protocol/host/host.ts";
import {
  CompressionMode,
  compressionNeeds,
  createCompressor,
  type DatagramCompressor,
} from "../../protocol/compression/mod.ts";
import { RateLimiter } from "../../protocol/security/rate_limiter.ts";
import { addressKey } from "../../protocol/address.ts";
import { godotEnetWire } from "../../protocol/godot/enet_wire.ts";
import { GODOT_MIN_CHANNELS } from "../../protocol/godot/enet_framing.ts";
import { GODOT_VARIANTS } from "../../protocol/godot/variant_codec.ts";
import type { RateLimiterOptions } from "../../protocol/security/rate_limiter.ts";
import { MultiplayerPeerBase, type ValueCodec } from "./multiplayer_peer.ts";
import { startPeer } from "./lifecycle.ts";
import { checkPort, checkRemotePort } from "./_ports.ts";
import { sharedTimers } from "../time/timer_queue.ts";
import { type ReceiveThreadOption, UdpTransport } from "../udp/udp_transport.ts";

export { CompressionMode };

/** Most ENet channels (the config channel included). */
const MAX_CHANNELS = 255;
/** Largest datagram ENet sends or takes (its maximum MTU). */
const ENET_MAX_DATAGRAM = 4096;

/**
 * Options of {@link ENetMultiplayerPeer.createServer}, with Godot's names.
 *
 * @example
 * ```ts
 * import type { ENetServerOptions } from "./enet_peer.ts";
 * const o: ENetServerOptions = { maxClients: 8, bindAddress: "127.0.0.1", compressionMode: 2 };
 * ```
 */
export interface ENetServerOptions extends ReceiveThreadOption {
  /** Most clients at once (default 32); a further one fails to connect at once. */
  maxClients?: number;
  /** Address to bind (default `"0.0.0.0"`; `"::"` or an IPv6 literal for IPv6). */
  bindAddress?: string;
  /** Download cap in bytes/s announced to clients (ENet's incoming bandwidth; 0 = none). */
  inBandwidth?: number;
  /** Upload cap in bytes/s (ENet's outgoing bandwidth; 0 = none). */
  outBandwidth?: number;
  /** ENet channels including the three Godot uses (default: the `channelCount` property). */
  channelCount?: number;
  /** Datagram compression; clients must use the same (default: the property). */
  compressionMode?: CompressionMode;
  /**
   * Connect attempts per source address and overall (defaults 4/s burst 8 per source, 1000/s
   * overall, with a reserve for quiet sources): a spoofed CONNECT flood cannot lock real clients
   * out. ENet itself has no such guard.
   */
  connectRateLimit?: RateLimiterOptions;
}

/**
 * Options of {@link ENetMultiplayerPeer.createClient}, with Godot's names.
 *
 * @example
 * ```ts
 * import type { ENetClientOptions } from "./enet_peer.ts";
 * const o: ENetClientOptions = { connectTimeoutMs: 3000, channelCount: 4 };
 * ```
 */
export interface ENetClientOptions {
  /** Local UDP port (default 0 = any). */
  clientPort?: number;
  /** Local address to bind (default: loopback for a loopback server, else any). */
  bindAddress?: string;
  /** Download cap in bytes/s announced to the server (0 = none). */
  inBandwidth?: number;
  /** Upload cap in bytes/s (0 = none). */
  outBandwidth?: number;
  /** ENet channels including the three Godot uses (default: the `channelCount` property). */
  channelCount?: number;
  /** Datagram compression; must equal the server's (default: the property). */
  compressionMode?: CompressionMode;
  /**
   * Give up after this long with `connection_failed` (default 5000 ms; ENet's own rules would
   * wait 31.5 s for a server that never answers).
   */
  connectTimeoutMs?: number;
}

function isLoopback(address: string): boolean {
  return address === "localhost" || address === "::1" || address.startsWith("127.");
}

/**
 * A NetworkedMultiplayerPeer on Godot 3's ENet wire: exactly what Godot 3.2's
 * `NetworkedMultiplayerENet` sends and expects, so Godot 3 games (desktop, mobile, dedicated
 * servers) and this peer join each other's sessions. Godot 4 renamed the class and changed the
 * wire: this peer speaks Godot 3's. IPv4 and IPv6 (official Godot builds do both; Debian's
 * build is IPv4 only). DTLS is not offered.
 *
 * Names carry Godot 3.2's meanings here, where they differ from the other peers:
 * - `channelCount` counts ENet channels including Godot's three (config, reliable, unreliable):
 *   default 3, at least 3. `getPacketChannel()` returns the ENet channel.
 * - `transferChannel`: -1 (default) sends on the mode's own channel (1 reliable, 2 otherwise);
 *   0 is refused (the config channel); another value is the ENet channel.
 * - `setPeerTimeout(id, limit, minMs, maxMs)` is ENet's `enet_peer_timeout`: `limit` multiplies
 *   the retransmission timeout (default 32), `minMs` / `maxMs` bound it (defaults 5000 / 30000);
 *   0 keeps a default.
 * - Ids: clients choose their own id (random, sent in the handshake) as Godot's do; a server
 *   refuses an invalid or duplicate id at once.
 * - `putVar` / `getVar` use Godot's Variant encoding (what GDScript's `put_var` / `get_var` use).
 *
 * Where Godot is weak, better: a refused, full or duplicate-id connect fails at once on the
 * client (Godot's own server accepts and resets later, or stays silent for 31.5 s); packets put in
 * one turn share datagrams (Godot sends one per `put_packet`); unreliable data is shed only under
 * real congestion (Godot's throttle drops it on a healthy link); with `serverRelay` off a
 * client's broadcast reaches the server (Godot drops it).
 *
 * @example
 * ```ts
 * import { ENetMultiplayerPeer } from "./enet_peer.ts";
 * const server = new ENetMultiplayerPeer();
 * await server.createServer(0, { bindAddress: "127.0.0.1" });
 * const client = new ENetMultiplayerPeer();
 * await client.createClient("127.0.0.1", server.localPort);
 * while (client.getConnectionStatus() === 1) await Promise.all([client.poll(50), server.poll(0)]);
 * client.setTargetPeer(1);
 * client.putVar({ hello: "server" }); // a Godot Variant, as GDScript's put_var sends it
 * await client.close();
 * await server.close();
 * ```
 */
export class ENetMultiplayerPeer extends MultiplayerPeerBase {
  #localPort = 0;
  #transferChannel = -1;
  #compression: CompressionMode = CompressionMode.NONE;

  /** Godot's Variant encoding for `putVar` / `getVar`. */
  protected override valueCodec: ValueCodec = GODOT_VARIANTS;

  /** A peer with Godot's defaults: 3 ENet channels, no compression. */
  constructor() {
    super();
    super.channelCount = GODOT_MIN_CHANNELS - 1;
  }

  /** The bound UDP port (useful after binding port 0); 0 when inactive. */
  get localPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#localPort;
  }

  /** ENet channels, Godot's three included (default 3, at least 3); set before creating. */
  override get channelCount(): number {
    return super.channelCount + 1;
  }
  override set channelCount(n: number) {
    if (!Number.isInteger(n) || n < GODOT_MIN_CHANNELS || n > MAX_CHANNELS) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `channelCount counts ENet channels, Godot's three included: an integer in ` +
          `[${GODOT_MIN_CHANNELS}, ${MAX_CHANNELS}], got ${n}`,
      );
    }
    super.channelCount = n - 1;
  }

  /**
   * ENet channel of `putPacket`: -1 (default) = the transfer mode's own (1 reliable, 2
   * unreliable), else 1 .. channelCount - 1 (0, the config channel, is refused).
   */
  override get transferChannel(): number {
    return this.#transferChannel;
  }
  override set transferChannel(ch: number) {
    if (ch !== -1 && !(Number.isInteger(ch) && ch >= 1 && ch < this.channelCount)) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `transferChannel must be -1 (the mode's channel) or an ENet channel in [1, ` +
          `${this.channelCount - 1}] (0 is Godot's config channel), got ${ch}`,
      );
    }
    this.#transferChannel = ch;
  }

  /** Datagram compression (Godot's numbers); both ends must agree. Set before creating. */
  get compressionMode(): CompressionMode {
    return this.#compression;
  }
  set compressionMode(mode: CompressionMode) {
    if (this.getConnectionStatus() !== 0) {
      throw new MultiplayerError("ALREADY_ACTIVE", "cannot change compressionMode while active");
    }
    if (compressionNeeds(mode) === "invalid") {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `compressionMode must be a CompressionMode (0..4), got ${mode}`,
      );
    }
    this.#compression = mode;
  }

  /** ENet channel of the next available packet (0 when none). */
  override getPacketChannel(): number {
    return this.getAvailablePacketCount() > 0 ? super.getPacketChannel() + 1 : 0;
  }

  /** The user channel of a packet of `mode`: Godot's channel rules (see the class docs). */
  protected override packetChannel(mode: TransferMode): number {
    const ch = this.#transferChannel;
    if (ch > 0) return ch - 1;
    return mode === TransferMode.RELIABLE ? 0 : 1;
  }

  /** Starts a server on UDP `port` (0 = ephemeral). Resolves once the socket is bound. */
  async createServer(port: number, options: ENetServerOptions = {}): Promise<void> {
    checkPort(port, "port");
    if (options.channelCount !== undefined) this.channelCount = options.channelCount;
    if (options.compressionMode !== undefined) this.compressionMode = options.compressionMode;
    const channelCount = this.channelCount;
    const limiter = new RateLimiter(options.connectRateLimit);
    await startPeer(this, async (base) => {
      const compressor = await this.#compressor();
      const host = new Host({
        ...base,
        role: "server",
        maxClients: options.maxClients,
        wires: {
          udp: godotEnetWire({
            channelCount,
            enet: {
              compressor,
              incomingBandwidth: options.inBandwidth ?? 0,
              outgoingBandwidth: options.outBandwidth ?? 0,
            },
            allowConnect: (address, now) => limiter.allow(addressKey(address), now),
          }),
        },
      });
      const transport = await this.#bind(
        options.bindAddress ?? "0.0.0.0",
        port,
        options.receiveThread,
      );
      return { host, transport, clock: sharedTimers };
    });
  }

  /**
   * Connects to a Godot 3 (or this module's) ENet server at `address`:`port`. Resolves once the
   * socket is bound; then `connection_succeeded` or `connection_failed` is dispatched by `poll()`.
   */
  async createClient(
    address: string,
    port: number,
    options: ENetClientOptions = {},
  ): Promise<void> {
    checkRemotePort(port, "port");
    checkPort(options.clientPort ?? 0, "clientPort");
    if (typeof address !== "string" || address.length === 0) {
      throw new MultiplayerError("INVALID_ARGUMENT", "createClient() needs a server address");
    }
    if (options.channelCount !== undefined) this.channelCount = options.channelCount;
    if (options.compressionMode !== undefined) this.compressionMode = options.compressionMode;
    const channelCount = this.channelCount;
    await startPeer(this, async (base) => {
      const compressor = await this.#compressor();
      const host = new Host({
        ...base,
        role: "client",
        connectTimeoutMs: options.connectTimeoutMs,
        wires: {
          udp: godotEnetWire({
            channelCount,
            connectTimeoutMs: options.connectTimeoutMs,
            enet: {
              compressor,
              incomingBandwidth: options.inBandwidth ?? 0,
              outgoingBandwidth: options.outBandwidth ?? 0,
            },
          }),
        },
      });
      const bindAddress = options.bindAddress ??
        (isLoopback(address) ? (address === "::1" ? "::1" : "127.0.0.1") : "0.0.0.0");
      const transport = await this.#bind(bindAddress, options.clientPort ?? 0);
      const hostname = address === "localhost" ? "127.0.0.1" : address;
      return { host, transport, clock: sharedTimers, connectTo: { hostname, port } };
    });
  }

  // zlib and zstd run on node:zlib, loaded only when one of them is used (a browser bundle of
  // the module never needs it)
  async #compressor(): Promise<DatagramCompressor | undefined> {
    const mode = this.#compression;
    const zlib = compressionNeeds(mode) === "zlib" ? await import("node:zlib") : undefined;
    return createCompressor(mode, zlib);
  }

  async #bind(hostname: string, port: number, receiveThread = false): Promise<UdpTransport> {
    const udp = await UdpTransport.bind({
      hostname,
      port,
      maxReceiveSize: ENET_MAX_DATAGRAM,
      receiveThread,
    });
    this.#localPort = udp.localAddress.port;
    return udp;
  }
}
