/**
 * Targets and relaying: validates and fans out the application's sends, routes a client's
 * packets on the server (deliver, relay to one, to all, to all but one), and keeps a client's view
 * of the other clients (PEER_ADDED / PEER_REMOVED system messages).
 *
 * @module
 */
import { ConnectionStatus, MAX_PEER_ID, TransferMode } from "../constants.ts";
import { ControlType, decodeControl } from "../wire/control.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import type { HostEvent } from "./types.ts";
import type { PeerEntry, PeerTable } from "./_peer_table.ts";

/**
 * What the router needs of its host.
 *
 * @example
 * ```ts
 * import type { RoutingHost } from "./_routing.ts";
 * const isServer = (h: RoutingHost) => h.isServer;
 * ```
 */
export interface RoutingHost {
  /** Server (true) or client. */
  readonly isServer: boolean;
  /** Connection status (sends need CONNECTED). */
  readonly status: ConnectionStatus;
  /** This endpoint's id. */
  readonly uniqueId: number;
  /** User channels. */
  readonly channelCount: number;
  /** Whether client-to-client packets are relayed. */
  readonly serverRelay: boolean;
  /** Largest packet accepted. */
  readonly maxPacketSize: number;
  /** The peer table. */
  readonly peers: PeerTable;
  /** Queues a packet for the application; false = refused (inbound limits). */
  deliver(
    owner: PeerEntry,
    from: number,
    channel: number,
    mode: TransferMode,
    data: Uint8Array,
  ): boolean;
  /** Drops a peer (emits its event once). */
  removePeer(entry: PeerEntry, reason: DisconnectReason, tell: boolean, now: number): void;
  /** Queues an event. */
  emit(event: HostEvent): void;
}

// a server never has more clients than this (the `maxClients` ceiling): bounds `#known`
const MAX_KNOWN_PEERS = 65_535;

/**
 * Routing for one host.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * try {
 *   server.send(1, new Uint8Array(1), 0, 0, 0);
 * } catch (e) {
 *   console.log((e as Error).message); // the server cannot send to itself (id 1)
 * }
 * ```
 */
export class HostRouter {
  readonly #host: RoutingHost;
  readonly #known = new Set<number>(); // clients: other clients announced by the server

  /** Routing for `host`. */
  constructor(host: RoutingHost) {
    this.#host = host;
  }

  /** Connected remotes: clients on a server, `[1]` plus announced peers on a client. */
  peerIds(): number[] {
    const peers = this.#host.peers.byId;
    if (this.#host.isServer) {
      const ids: number[] = [];
      for (const e of peers.values()) if (e.unconfirmedUntil === 0) ids.push(e.id);
      return ids;
    }
    return peers.size ? [1, ...this.#known] : [];
  }

  /** Clients: forgets the announced peers (the server link is gone). */
  forgetKnown(): void {
    this.#known.clear();
  }

  /**
   * Validates and queues an application send (see `Host.send`). With `encodeFor`, each
   * receiver gets `encodeFor(its wire's valueFormat)` instead of `data` (values put to peers of
   * different wires).
   */
  send(
    target: number,
    data: Uint8Array,
    mode: TransferMode,
    channel: number,
    now: number,
    encodeFor?: (format: string) => Uint8Array,
  ): void {
    const h = this.#host;
    if (h.status !== ConnectionStatus.CONNECTED) {
      throw new MultiplayerError("NOT_CONNECTED", "cannot send: not connected");
    }
    if (!Number.isInteger(channel) || channel < 0 || channel >= h.channelCount) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `channel ${channel} is out of range [0, ${h.channelCount - 1}]`,
      );
    }
    if (mode !== 0 && mode !== 1 && mode !== 2) {
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown transfer mode ${mode}`);
    }
    if (!Number.isInteger(target) || Math.abs(target) > MAX_PEER_ID) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target} is not a valid peer id`);
    }
    if (!encodeFor) this.#checkMax(data);
    const peers = h.peers;
    if (!h.isServer) {
      this.#checkClientTarget(target);
      const server = peers.byId.get(1)!;
      const bytes = encodeFor ? this.#checkMax(encodeFor(formatOf(server))) : data;
      this.#checkSize(server, bytes);
      server.wire.sendData(channel, mode, bytes, h.uniqueId, target, now);
      peers.markDirty(server);
      return;
    }
    if (target === 1) {
      throw new MultiplayerError("INVALID_TARGET", "the server cannot send to itself (id 1)");
    }
    if (target > 1) {
      const entry = peers.byId.get(target);
      if (!entry || entry.closingAt > 0 || entry.unconfirmedUntil > 0) {
        throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${target}`);
      }
      const bytes = encodeFor ? this.#checkMax(encodeFor(formatOf(entry))) : data;
      this.#checkSize(entry, bytes);
      if (channel >= (entry.wire.userChannels ?? Infinity)) {
        throw new MultiplayerError(
          "INVALID_CHANNEL",
          `peer ${target} opened only ${entry.wire.userChannels} channel(s); channel ${channel} ` +
            "does not reach it",
        );
      }
      entry.wire.sendData(channel, mode, bytes, 1, target, now);
      peers.markDirty(entry);
      return;
    }
    for (const entry of peers.byId.values()) {
      if (entry.id === -target || entry.closingAt > 0 || entry.unconfirmedUntil > 0) continue;
      const bytes = encodeFor ? this.#checkMax(encodeFor(formatOf(entry))) : data;
      // a broadcast skips peers whose wire cannot carry it (counted), as a relay does
      if (bytes.length > entry.wire.maxPayload) {
        this.tooLarge++;
        continue;
      }
      if (channel >= (entry.wire.userChannels ?? Infinity)) {
        this.noChannel++;
        continue;
      }
      entry.wire.sendData(channel, mode, bytes, 1, target, now);
      peers.markDirty(entry);
    }
  }

  /**
   * Server: a client's packet for `target` on user `channel`; the sender id is always the
   * connection's own.
   */
  route(
    from: PeerEntry,
    target: number,
    channel: number,
    mode: TransferMode,
    payload: Uint8Array,
    now: number,
  ): boolean {
    if (!Number.isInteger(target) || Math.abs(target) > MAX_PEER_ID) return true;
    const h = this.#host;
    const toSelf = target === 1 || target === 0 || (target < 0 && target !== -1);
    if (toSelf && !h.deliver(from, from.id, channel, mode, payload)) return false;
    // -1 is "every client but the server": relayed to all the others, kept by no one here
    if (!h.serverRelay || target === 1) return true;
    if (target > 1) {
      const to = h.peers.byId.get(target);
      if (to && to !== from && to.closingAt === 0 && to.unconfirmedUntil === 0) {
        this.sendOn(to, channel, mode, payload, from.id, target, now);
      }
      return true;
    }
    for (const to of h.peers.byId.values()) {
      if (to === from || to.id === -target || to.closingAt > 0 || to.unconfirmedUntil > 0) continue;
      this.sendOn(to, channel, mode, payload, from.id, target, now);
    }
    return true;
  }

  /** Server with relay: tells the new peer about the others and the others about it. */
  announceJoin(entry: PeerEntry, now: number): void {
    if (!this.#host.serverRelay) return;
    for (const other of this.#host.peers.byId.values()) {
      if (other === entry || other.closingAt > 0 || other.unconfirmedUntil > 0) continue;
      this.#control(entry, true, other.id, now);
      this.#control(other, true, entry.id, now);
    }
  }

  /** Server with relay: tells the others that `id` left. */
  announceLeave(id: number, now: number): void {
    if (!this.#host.serverRelay) return;
    for (const other of this.#host.peers.byId.values()) {
      if (other.closingAt === 0 && other.unconfirmedUntil === 0) {
        this.#control(other, false, id, now);
      }
    }
  }

  /** Client: a native PEER_ADDED / PEER_REMOVED system message from the server. */
  onControl(payload: Uint8Array): void {
    const msg = decodeControl(payload);
    if (msg) this.onAnnouncement(msg.type === ControlType.PEER_ADDED, msg.id);
  }

  /** Client: the server announced that `id` joined (`added`) or left, on any wire. */
  onAnnouncement(added: boolean, id: number): void {
    const h = this.#host;
    if (!Number.isInteger(id) || id < 2 || id > MAX_PEER_ID || id === h.uniqueId) return;
    if (added) {
      if (this.#known.has(id) || this.#known.size >= MAX_KNOWN_PEERS) return;
      this.#known.add(id);
      h.emit({ type: "peer_connected", id });
    } else if (this.#known.delete(id)) {
      h.emit({ type: "peer_disconnected", id, reason: DisconnectReason.CLOSED });
    }
  }

  /**
   * Queues a relayed packet on `to`'s wire. A packet its wire cannot carry is dropped for it
   * (counted); a full queue sheds an unreliable one, while for a reliable one the peer cannot
   * keep up and is dropped rather than allowed to grow.
   */
  sendOn(
    to: PeerEntry,
    channel: number,
    mode: TransferMode,
    payload: Uint8Array,
    from: number,
    target: number,
    now: number,
  ): void {
    if (!this.#host.peers.has(to)) return;
    if (payload.length > to.wire.maxPayload) {
      this.tooLarge++;
      return;
    }
    if (channel >= (to.wire.userChannels ?? Infinity)) {
      this.noChannel++;
      return;
    }
    try {
      to.wire.sendData(channel, mode, payload, from, target, now);
      this.#host.peers.markDirty(to);
    } catch {
      if (mode === TransferMode.RELIABLE) {
        this.#host.removePeer(to, DisconnectReason.BACKPRESSURE, true, now);
      }
    }
  }

  /** Packets not sent to a peer because its wire cannot carry that size (relays, broadcasts). */
  tooLarge = 0;
  /** Packets not sent to a peer because it did not open their channel (relays, broadcasts). */
  noChannel = 0;

  #control(entry: PeerEntry, added: boolean, id: number, now: number): void {
    if (!this.#host.peers.has(entry)) return;
    try {
      entry.wire.sendControl(added, id, now);
      this.#host.peers.markDirty(entry);
    } catch {
      this.#host.removePeer(entry, DisconnectReason.BACKPRESSURE, true, now);
    }
  }

  #checkMax(data: Uint8Array): Uint8Array {
    const max = this.#host.maxPacketSize;
    if (data.length > max) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `packet of ${data.length} bytes exceeds encodeBufferMaxSize ${max}`,
      );
    }
    return data;
  }

  #checkSize(entry: PeerEntry, data: Uint8Array): void {
    if (data.length > entry.wire.maxPayload) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `packet of ${data.length} bytes exceeds what peer ${entry.id}'s ${entry.wire.kind} ` +
          `wire carries (${entry.wire.maxPayload} bytes)`,
      );
    }
  }

  #checkClientTarget(target: number): void {
    if (target === 1) return;
    const h = this.#host;
    if (!h.serverRelay) {
      // without relay a broadcast (0, the default) or "all but N" reaches the server only, as
      // the server delivers it; what can reach no one is refused
      if (target === 0 || target < -1) return;
      throw new MultiplayerError(
        "INVALID_TARGET",
        `target ${target}: the server does not relay (serverRelay off); clients reach only the ` +
          "server (1, or a broadcast, which the server alone receives)",
      );
    }
    if (target === h.uniqueId) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target} is this peer itself`);
    }
    if (target > 1 && !this.#known.has(target)) {
      throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${target}`);
    }
  }
}

/** The value encoding a peer's wire takes (`"native"` unless its wire says otherwise). */
export function formatOf(entry: PeerEntry): string {
  return entry.wire.valueFormat ?? "native";
}
