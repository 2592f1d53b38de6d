/**
 * The contracts that let one host speak several wires in one session: the native protocol, and
 * plug-in wires (Godot's ENet and WebSocket multiplayer framings) that a peer class installs per
 * carrier tag. A wire endpoint handles the datagrams of its carrier, admits peers into the
 * session and frames what the session sends to them; the session keeps one id space, the
 * routing, the events and the inbound queue for all of them.
 *
 * @module
 */
import type { PeerAddress } from "../address.ts";
import type { ConnectionApi } from "../connection/types.ts";
import type { ConnectionStatus, TransferMode } from "../constants.ts";
import type { DisconnectReason } from "../errors.ts";
import type { Random } from "../random.ts";
import type { PeerEntry } from "./_peer_table.ts";
import type { PeerWire } from "./peer_wire.ts";
import type { Transmit } from "./types.ts";

export type { PeerEntry, PeerWire };

/**
 * What a wire endpoint may see and do of its session (the host).
 *
 * @example
 * ```ts
 * import type { WireSession } from "./wire.ts";
 * const full = (s: WireSession) => s.peerCount >= s.maxClients;
 * ```
 */
export interface WireSession {
  /** True on servers. */
  readonly isServer: boolean;
  /** Connection status of the session. */
  readonly status: ConnectionStatus;
  /** This endpoint's id (1 on servers). */
  readonly uniqueId: number;
  /** User channels. */
  readonly channelCount: number;
  /** Whether client-to-client packets are relayed. */
  readonly serverRelay: boolean;
  /** Servers: new clients are refused. */
  readonly refuseNewConnections: boolean;
  /** Servers: most clients at once. */
  readonly maxClients: number;
  /** Live peers. */
  readonly peerCount: number;
  /** Silence after which a peer is dropped (ms). */
  readonly timeoutMs: number;
  /** Largest packet the application may send or receive. */
  readonly maxPacketSize: number;
  /** Randomness of the session (ids). */
  readonly random: Random;
  /** The live peer with this id, on any wire. */
  entryById(id: number): PeerEntry | undefined;
  /** A random id in [2, 2^31 - 1] that no live peer has and `reserved` does not hold. */
  newPeerId(reserved?: (id: number) => boolean): number;
  /**
   * Adds a peer of this wire to the session and announces it (servers: `peer_connected`, and
   * peer announcements with relay on). `conn` is scheduled by the session like a native one.
   */
  admit(
    id: number,
    address: PeerAddress,
    conn: ConnectionApi,
    wire: PeerWire,
    now: number,
  ): PeerEntry;
  /** Drops a peer (emits its event once); `tell` sends its wire's goodbye. */
  removePeer(entry: PeerEntry, reason: DisconnectReason, tell: boolean, now: number): void;
  /**
   * A packet from a peer of this wire: `from` as claimed on the wire (a server drops a packet
   * whose claimed sender is not the peer itself), `target` as addressed. Servers deliver and
   * relay it; clients deliver it. False: the inbound queue refused it.
   */
  receiveData(
    entry: PeerEntry,
    channel: number,
    mode: TransferMode,
    from: number,
    target: number,
    payload: Uint8Array,
  ): boolean;
  /** Clients: the server announced that peer `id` joined (`added`) or left. */
  receiveControl(added: boolean, id: number): void;
  /** Clients: connected with `id`; `channelCount` user channels, `serverRelay` as the server says. */
  connected(id: number, channelCount: number, serverRelay: boolean): void;
  /** Clients: the attempt failed. */
  failed(reason: DisconnectReason, message: string): void;
  /** The peer's connection has something to send or its deadline moved. */
  markDirty(entry: PeerEntry): void;
}

/**
 * One wire's endpoint inside a host: the datagrams of the carrier it is installed for, its own
 * handshake, and whatever it transmits outside the per-peer schedule.
 *
 * @example
 * ```ts
 * import type { WireEndpoint } from "./wire.ts";
 * const idle: WireEndpoint = {
 *   handleDatagram() {},
 *   handleTimeout() {},
 *   pollTransmit: () => undefined,
 *   pollTimeout: () => Infinity,
 *   close() {},
 * };
 * ```
 */
export interface WireEndpoint {
  /**
   * One untrusted datagram from `from` (never throws). `owned`: the carrier gives `bytes` away
   * (it never writes them again), so packets kept from it may be views instead of copies.
   */
  handleDatagram(bytes: Uint8Array, from: PeerAddress, now: number, owned?: boolean): void;
  /** Runs the endpoint's own timers. */
  handleTimeout(now: number): void;
  /** Next datagram it sends itself (handshakes, its own peers' traffic), or undefined. */
  pollTransmit(now: number): Transmit | undefined;
  /** Its next deadline (Infinity: none). */
  pollTimeout(): number;
  /** Clients: starts connecting to `server`. */
  connect?(server: PeerAddress, now: number): void;
  /** Connection-based carriers: a remote opened a link (a WebSocket upgraded). */
  handleCarrierOpened?(address: PeerAddress, now: number): void;
  /**
   * Connection-based carriers: the link to `address` closed (`detail`: what the carrier knows
   * of why); true when it was this wire's.
   */
  handleCarrierClosed?(
    address: PeerAddress,
    reason: DisconnectReason,
    now: number,
    detail?: string,
  ): boolean;
  /** The session closes: tell every peer of this wire (no events). */
  close(now: number): void;
}

/**
 * Builds a wire endpoint for a host (given the host as its session).
 *
 * @example
 * ```ts
 * import type { WireFactory } from "./wire.ts";
 * const factory: WireFactory = () => ({
 *   handleDatagram() {},
 *   handleTimeout() {},
 *   pollTransmit: () => undefined,
 *   pollTimeout: () => Infinity,
 *   close() {},
 * });
 * ```
 */
export type WireFactory = (session: WireSession) => WireEndpoint;
