/**
 * The multiplayer peer over any {@link DatagramTransport}: the spec's custom-peer slot. Bring a
 * carrier (an in-memory pair, a WebRTC data channel, the virtual network...) and this runs the
 * same protocol host, reliability layer and driver as the UDP peer over it.
 *
 * @module
 */
import { DEFAULTS } from "../../protocol/constants.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import { Host } from "../../protocol/host/host.ts";
import type { HostOptions } from "../../protocol/host/options.ts";
import { type Random, SeededRandom } from "../../protocol/random.ts";
import { MultiplayerPeerBase } from "./multiplayer_peer.ts";
import { startPeerNow } from "./lifecycle.ts";
import { connectionFactory, type ConnectionTuning } from "./connection_tuning.ts";
import type { Clock } from "../time/clock.ts";
import type { DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { sharedTimers } from "../time/timer_queue.ts";

/**
 * Options of {@link DatagramMultiplayerPeer.createServer}.
 *
 * @example
 * ```ts
 * import type { DatagramServerOptions } from "./datagram_peer.ts";
 * const options: DatagramServerOptions = { maxClients: 8 };
 * ```
 */
export interface DatagramServerOptions extends ConnectionTuning {
  /** Most clients at once (default 32); more get `connection_failed` (SERVER_FULL). */
  maxClients?: number;
  /** Time source and timers (default: the system clock; simulations pass a virtual one). */
  clock?: Clock;
  /**
   * Seeds ids, session ids and handshake secrets so a simulation replays exactly. Only for
   * tests: seeded ids and secrets are predictable. Default: WebCrypto randomness.
   */
  seed?: number;
  /** Download cap in bytes/s split across clients and advertised to them (default 0 = none). */
  inBandwidth?: number;
  /** Upload cap in bytes/s split across clients (default 0 = none). */
  outBandwidth?: number;
}

/**
 * Options of {@link DatagramMultiplayerPeer.createClient}.
 *
 * @example
 * ```ts
 * import type { DatagramClientOptions } from "./datagram_peer.ts";
 * const options: DatagramClientOptions = { connectTimeoutMs: 2000 };
 * ```
 */
export interface DatagramClientOptions extends ConnectionTuning {
  /** Give up connecting after this long (default 5000 ms) with `connection_failed`. */
  connectTimeoutMs?: number;
  /** Time source and timers (default: the system clock; simulations pass a virtual one). */
  clock?: Clock;
  /** Seeds the handshake nonce (tests only, see {@link DatagramServerOptions.seed}). */
  seed?: number;
  /** Download cap in bytes/s, advertised to the server (default 0 = none). */
  inBandwidth?: number;
  /** Upload cap in bytes/s (default 0 = none). */
  outBandwidth?: number;
}

function checkTransport(transport: DatagramTransport): void {
  if (
    transport === null || typeof transport !== "object" || typeof transport.send !== "function" ||
    typeof transport.listen !== "function" || typeof transport.close !== "function"
  ) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "expected a DatagramTransport (listen, send, close, maxDatagramSize, localAddress)",
    );
  }
  const size = transport.maxDatagramSize;
  if (!Number.isInteger(size) || size < 200) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `transport.maxDatagramSize must be an integer >= 200, got ${size}`,
    );
  }
}

function checkServer(server: PeerAddress | undefined): void {
  if (
    server === null || typeof server !== "object" || typeof server.hostname !== "string" ||
    !Number.isInteger(server.port)
  ) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      "createClient() needs the server's PeerAddress ({ hostname, port })",
    );
  }
}

// Larger carriers still get the MTU-safe budget: big datagrams fragment (or fail) below us.
function budgetOf(transport: DatagramTransport): number {
  return Math.min(transport.maxDatagramSize, DEFAULTS.datagramSize);
}

function randomFrom(seed: number | undefined): Random | undefined {
  if (seed === undefined) return undefined;
  if (!Number.isInteger(seed)) {
    throw new MultiplayerError("INVALID_ARGUMENT", `seed must be an integer, got ${seed}`);
  }
  return new SeededRandom(seed);
}

/**
 * A NetworkedMultiplayerPeer over a carrier you provide. The peer owns the transport once a
 * create call succeeds: `close()` closes it. Datagrams are at most
 * `min(transport.maxDatagramSize, 1200)` bytes; a carrier with `reliable: true` skips acks and retransmissions.
 *
 * @example
 * ```ts
 * import { DatagramMultiplayerPeer } from "./datagram_peer.ts";
 * import type { DatagramHandler, DatagramTransport, PeerAddress } from "../carrier.ts";
 * // An in-memory pair: what one end sends, the other receives (in a later microtask).
 * class MemoryEnd implements DatagramTransport {
 *   readonly maxDatagramSize = 1200;
 *   readonly reliable = false;
 *   other?: MemoryEnd;
 *   handler?: DatagramHandler;
 *   constructor(readonly localAddress: PeerAddress) {}
 *   listen(h: DatagramHandler): void { this.handler = h; }
 *   send(bytes: Uint8Array, _to: PeerAddress): boolean {
 *     const to = this.other, from = this.localAddress;
 *     queueMicrotask(() => to?.handler?.(bytes, from));
 *     return to !== undefined;
 *   }
 *   close(): Promise<void> { this.handler = undefined; return Promise.resolve(); }
 * }
 * const a = new MemoryEnd({ hostname: "a", port: 1 }), b = new MemoryEnd({ hostname: "b", port: 1 });
 * a.other = b;
 * b.other = a;
 * const server = new DatagramMultiplayerPeer();
 * server.createServer(a);
 * const client = new DatagramMultiplayerPeer();
 * client.createClient(b, a.localAddress);
 * while (client.getConnectionStatus() === 1) await client.poll(100);
 * console.log("my id", client.getUniqueId());
 * await client.close();
 * await server.close();
 * ```
 */
export class DatagramMultiplayerPeer extends MultiplayerPeerBase {
  #transport?: DatagramTransport;

  /** Address of the carrier this peer runs on (undefined when inactive). */
  get localAddress(): PeerAddress | undefined {
    return this.getConnectionStatus() === 0 ? undefined : this.#transport?.localAddress;
  }

  /**
   * Starts a server on `transport` at once (the carrier is ready). Throws MultiplayerError
   * ALREADY_ACTIVE when active, INVALID_ARGUMENT for a bad transport or options.
   */
  createServer(transport: DatagramTransport, options: DatagramServerOptions = {}): void {
    this.#start(transport, options, { role: "server", maxClients: options.maxClients });
  }

  /**
   * Connects over `transport` to the server at `server`; `connection_succeeded` or
   * `connection_failed` is dispatched by `poll()`. Throws like {@link createServer}.
   */
  createClient(
    transport: DatagramTransport,
    server: PeerAddress,
    options: DatagramClientOptions = {},
  ): void {
    const role = { role: "client", connectTimeoutMs: options.connectTimeoutMs } as const;
    this.#start(transport, options, role, server);
  }

  // Both roles: validate, build the host on this carrier, start it (and connect for clients).
  #start(
    transport: DatagramTransport,
    options: DatagramServerOptions | DatagramClientOptions,
    roleOptions: Pick<HostOptions, "role" | "maxClients" | "connectTimeoutMs">,
    server?: PeerAddress,
  ): void {
    checkTransport(transport);
    if (roleOptions.role === "client") checkServer(server);
    const random = randomFrom(options.seed);
    const createConnection = connectionFactory(options);
    startPeerNow(this, (base) => {
      const host = new Host({
        ...base,
        createConnection,
        ...roleOptions,
        inBandwidth: options.inBandwidth,
        outBandwidth: options.outBandwidth,
        datagramSize: budgetOf(transport),
        reliableCarrier: transport.reliable,
        random,
      });
      this.#transport = transport;
      return { host, transport, clock: options.clock ?? sharedTimers, connectTo: server };
    });
  }
}
