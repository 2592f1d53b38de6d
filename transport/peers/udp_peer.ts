/** The multiplayer peer over UDP (`Deno.listenDatagram`). @module */
import { MultiplayerError } from "../../protocol/errors.ts";
import { Host } from "../../protocol/host/host.ts";
import { MultiplayerPeerBase } from "./multiplayer_peer.ts";
import { startPeer } from "./lifecycle.ts";
import { connectionFactory, type ConnectionTuning } from "./connection_tuning.ts";
import { checkPort, checkRemotePort } from "./_ports.ts";
import { SimulatedTransport, type SimulationOptions } from "../sim/simulated_transport.ts";
import { systemClock } from "../time/clock.ts";
import type { DatagramTransport } from "../carrier.ts";
import { sharedTimers } from "../time/timer_queue.ts";
import {
  clientSecurity,
  type ClientSecurityOptions,
  type ServerLimitOptions,
  serverSecurity,
  type ServerSecurityOptions,
} from "../secure/options.ts";
import {
  PEER_MAX_RECEIVE_SIZE,
  type ReceiveThreadOption,
  UdpTransport,
} from "../udp/udp_transport.ts";

/**
 * Options of {@link UdpMultiplayerPeer.createServer}.
 *
 * @example
 * ```ts
 * import type { UdpServerOptions } from "./udp_peer.ts";
 * const options: UdpServerOptions = { maxClients: 8, bindAddress: "127.0.0.1" };
 * ```
 */
export interface UdpServerOptions
  extends ServerLimitOptions, ServerSecurityOptions, ConnectionTuning, ReceiveThreadOption {
  /** Most clients at once (default 32); more get `connection_failed` (SERVER_FULL). */
  maxClients?: number;
  /** Address to bind (default `"0.0.0.0"`). */
  bindAddress?: string;
  /** Pass this peer's outgoing datagrams through the seeded network simulator. */
  simulation?: SimulationOptions;
  /** Download cap in bytes/s split across clients and advertised to them (default 0 = none). */
  inBandwidth?: number;
  /** Upload cap in bytes/s split across clients (default 0 = none). */
  outBandwidth?: number;
}

/**
 * Options of {@link UdpMultiplayerPeer.createClient}.
 *
 * @example
 * ```ts
 * import type { UdpClientOptions } from "./udp_peer.ts";
 * const options: UdpClientOptions = { connectTimeoutMs: 2000 };
 * ```
 */
export interface UdpClientOptions extends ClientSecurityOptions, ConnectionTuning {
  /** Local port (default 0: ephemeral). */
  clientPort?: number;
  /** Give up connecting after this long (default 5000 ms) with `connection_failed`. */
  connectTimeoutMs?: number;
  /** Local address to bind (default: loopback for loopback servers, else `"0.0.0.0"`). */
  bindAddress?: string;
  /** Pass this peer's outgoing datagrams through the seeded network simulator. */
  simulation?: SimulationOptions;
  /** Download cap in bytes/s, advertised to the server (default 0 = none). */
  inBandwidth?: number;
  /** Upload cap in bytes/s (default 0 = none). */
  outBandwidth?: number;
}

function isLoopback(address: string): boolean {
  return address === "localhost" || address === "::1" || address.startsWith("127.");
}

/**
 * A NetworkedMultiplayerPeer over UDP with its own reliability layer.
 *
 * @example
 * ```ts
 * import { UdpMultiplayerPeer } from "./udp_peer.ts";
 * const server = new UdpMultiplayerPeer();
 * await server.createServer(0, { bindAddress: "127.0.0.1" });
 * const client = new UdpMultiplayerPeer();
 * await client.createClient("127.0.0.1", server.localPort);
 * client.addEventListener("connection_succeeded", (e) => console.log("my id", e.detail.id));
 * while (client.getConnectionStatus() === 1) await client.poll(100);
 * await client.close();
 * await server.close();
 * ```
 */
export class UdpMultiplayerPeer extends MultiplayerPeerBase {
  #localPort = 0;

  /** The bound UDP port (useful after binding port 0); 0 when inactive. */
  get localPort(): number {
    return this.getConnectionStatus() === 0 ? 0 : this.#localPort;
  }

  /** Starts a server on `port` (0 = ephemeral). Resolves once the socket is bound. */
  async createServer(port: number, options: UdpServerOptions = {}): Promise<void> {
    checkPort(port, "port");
    const createConnection = connectionFactory(options);
    await startPeer(this, async (base) => {
      const security = serverSecurity(options);
      const host = new Host({
        ...base,
        createConnection,
        ...security.host,
        role: "server",
        maxClients: options.maxClients,
        inBandwidth: options.inBandwidth,
        outBandwidth: options.outBandwidth,
      });
      const hostname = options.bindAddress ?? "0.0.0.0";
      const transport = await this.#bind(hostname, port, options.simulation, options.receiveThread);
      return { host, transport, clock: sharedTimers, layer: security.layer };
    });
  }

  /**
   * Connects to a server at `address`:`port`. Resolves once the socket is bound; then
   * `connection_succeeded` or `connection_failed` is dispatched by `poll()`.
   */
  async createClient(address: string, port: number, options: UdpClientOptions = {}): Promise<void> {
    checkRemotePort(port, "port");
    checkPort(options.clientPort ?? 0, "clientPort");
    if (typeof address !== "string" || address.length === 0) {
      throw new MultiplayerError("INVALID_ARGUMENT", "createClient() needs a server address");
    }
    const createConnection = connectionFactory(options);
    await startPeer(this, async (base) => {
      const security = await clientSecurity(options);
      const host = new Host({
        ...base,
        createConnection,
        ...security.host,
        role: "client",
        connectTimeoutMs: options.connectTimeoutMs,
        inBandwidth: options.inBandwidth,
        outBandwidth: options.outBandwidth,
      });
      const bindAddress = options.bindAddress ??
        (isLoopback(address) ? (address === "::1" ? "::1" : "127.0.0.1") : "0.0.0.0");
      const transport = await this.#bind(bindAddress, options.clientPort ?? 0, options.simulation);
      const hostname = address === "localhost" ? "127.0.0.1" : address;
      const connectTo = { hostname, port, transport: "udp" };
      return { host, transport, clock: sharedTimers, layer: security.layer, connectTo };
    });
  }

  async #bind(
    hostname: string,
    port: number,
    simulation: SimulationOptions | undefined,
    receiveThread = false,
  ): Promise<DatagramTransport> {
    const udp = await UdpTransport.bind({
      hostname,
      port,
      maxReceiveSize: PEER_MAX_RECEIVE_SIZE,
      receiveThread,
    });
    this.#localPort = udp.localAddress.port;
    return simulation ? new SimulatedTransport(udp, simulation, systemClock) : udp;
  }
}
