/**
 * The multiplayer endpoint, sans-I/O: peer table, ids, handshake, relay, events and the bounded
 * inbound queue. Bytes and `now` in; datagrams, events, packets and the next deadline out.
 *
 * @module
 */
import { ConnectionStatus, type TransferMode } from "../constants.ts";
import type { ConnectionApi } from "../connection/types.ts";
import type { AcceptCrypto } from "../wire/control.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import { peekSessionId } from "../wire/frame.ts";
import { type AcceptVerification, ClientHandshake } from "./client_handshake.ts";
import { sameAddress } from "../address.ts";
import {
  type HandshakeCounters,
  type HandshakeRequest,
  ServerHandshake,
} from "./server_handshake.ts";
import type { HostOptions } from "./options.ts";
import type { HostEvent, InboundPacket, Transmit } from "./types.ts";
import { HostCore } from "./_core.ts";
import type { PeerEntry } from "./_peer_table.ts";
import type { PeerStats } from "../connection/stats.ts";
import type { WireEndpoint } from "./wire.ts";
import { formatOf } from "./_routing.ts";
import type { PeerAddress } from "../address.ts";

export type { PeerEntry } from "./_peer_table.ts";

const EMPTY = new Uint8Array(0);

/** Longest a graceful `disconnectPeer` waits for queued data to be acknowledged. */
const LINGER_MS = 2000;

/**
 * A multiplayer endpoint (server or client). Drive it with a transport and a clock
 * (`transport/driver.ts`) or by hand in tests.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * console.log(server.uniqueId, server.status); // 1 2
 * ```
 */
export class Host extends HostCore {
  readonly #tx: { to: PeerAddress; bytes: Uint8Array } = {
    to: { hostname: "", port: 0 },
    bytes: new Uint8Array(0),
  };
  readonly #txEntry: { entry?: PeerEntry } = {};
  readonly #server?: ServerHandshake;
  readonly #client?: ClientHandshake;
  readonly #wires = new Map<string, WireEndpoint>(); // plug-in wires by carrier tag
  #wireList: WireEndpoint[] = [];
  #clientWire?: WireEndpoint; // clients connecting over a plug-in wire
  /**
   * Connection-based carriers: true while the link to an address is backed up. Set by the
   * driver from its carrier; such peers keep their data queued until
   * {@link Host.handleCarrierWritable}.
   */
  carrierBlocked?: (address: PeerAddress) => boolean;
  #connectingTo?: PeerAddress; // clients: the server given to connect()

  /** Creates a server (listening at once) or an idle client (call {@link Host.connect}). */
  constructor(options: HostOptions) {
    super(options);
    if (this.options.role === "server") this.#server = new ServerHandshake(this, this.options);
    else this.#client = new ClientHandshake(this, this.options);
    for (const [tag, factory] of Object.entries(this.options.wires)) {
      this.#wires.set(tag, factory(this));
    }
    this.#wireList = [...this.#wires.values()];
  }

  /** Connected remotes: clients on a server, `[1]` plus announced peers on a client. */
  peerIds(): number[] {
    return this.router.peerIds();
  }
  /** Address of a directly connected peer. */
  peerAddress(id: number): PeerAddress | undefined {
    return this.#visible(id)?.address;
  }
  /**
   * Statistics of a directly connected peer (clients: the server, id 1) at `now`. Throws
   * MultiplayerError UNKNOWN_PEER for other ids.
   */
  peerStats(id: number, now: number): PeerStats {
    const conn = this.#visible(id)?.conn;
    const stats = conn?.peerStats?.(now);
    if (!stats) {
      throw new MultiplayerError("UNKNOWN_PEER", `no directly connected peer with id ${id}`);
    }
    return stats;
  }
  /**
   * Per-peer timeout of a directly connected peer (see `protocol/connection/_peer_timeout.ts`). Throws
   * MultiplayerError UNKNOWN_PEER or INVALID_ARGUMENT.
   */
  setPeerTimeout(id: number, limitMs: number, minMs?: number, maxMs?: number): void {
    const entry = this.#visible(id);
    if (!entry?.conn.setPeerTimeout) {
      throw new MultiplayerError("UNKNOWN_PEER", `no directly connected peer with id ${id}`);
    }
    entry.conn.setPeerTimeout(limitMs, minMs, maxMs);
    this.peers.markStale(entry);
  }
  /** Connection of a directly connected peer (stats: rttMs, queuedBytes). */
  peerConnection(id: number): ConnectionApi | undefined {
    return this.#visible(id)?.conn;
  }
  /** Packets waiting in the inbound queue. */
  get inboundCount(): number {
    return this.inbound.length;
  }
  /** Events waiting for {@link Host.pollEvent}. */
  get eventCount(): number {
    return this.events.length;
  }
  /** Bytes waiting in the inbound queue. */
  get inboundBytes(): number {
    return this.inbound.bytes;
  }
  /** Bytes held in reassembly buffers across all connections. */
  get reassemblyBytes(): number {
    return this.reassembly.used;
  }
  /**
   * Packets a relay or broadcast did not send to some receiver because that receiver's wire
   * cannot carry them: too large for it, or on a channel it did not open.
   */
  get relayDrops(): number {
    return this.router.tooLarge + this.router.noChannel;
  }
  /** Servers: what the handshake dropped or refused (undefined on clients). */
  get handshakeCounters(): Readonly<HandshakeCounters> | undefined {
    return this.#server?.counters;
  }
  /** Servers: handshakes in progress (consumed cookies remembered + parked requests). */
  get pendingHandshakes(): number {
    return this.#server?.pendingCount ?? 0;
  }
  /** Servers: sources tracked by the connect rate limiter (bounded). */
  get rateLimitedSources(): number {
    return this.#server?.trackedSources ?? 0;
  }

  // ------------------------------------------------------- async handshake (transport layer)

  /**
   * Servers with `asyncHandshake`: the next CONNECT with a valid cookie waiting for a decision
   * (authentication hook, key exchange). Answer it with {@link Host.acceptHandshake} or
   * {@link Host.rejectHandshake} within `cookieTtlMs`.
   */
  pollHandshake(): HandshakeRequest | undefined {
    return this.#server?.pollRequest();
  }
  /**
   * Accepts a parked request: assigns the id, sends ACCEPT (`crypto` for encrypted sessions),
   * emits `peer_connected`. Returns the id, or undefined when the request expired, the server
   * closed or filled up meanwhile (then the client was rejected).
   */
  acceptHandshake(
    ticket: number,
    crypto: AcceptCrypto | undefined,
    now: number,
  ): number | undefined {
    this.now = now;
    return this.#server?.accept(ticket, crypto, now);
  }
  /** Rejects a parked request; the client gets `connection_failed` with `reason` + `message`. */
  rejectHandshake(ticket: number, reason: DisconnectReason, message: string, now: number): void {
    this.#server?.reject(ticket, reason, message, now);
  }
  /** Clients with `encryption`: the ACCEPT to verify before connecting (returned once). */
  pollVerification(): AcceptVerification | undefined {
    return this.#client?.pollVerification();
  }
  /** Clients: result of verifying the ACCEPT; false fails the attempt with CRYPTO_ERROR. */
  completeVerification(ok: boolean, message: string, now: number): void {
    this.now = now;
    this.#client?.completeVerification(ok, message, now);
  }

  /**
   * Servers with encryption: a datagram of `session` authenticated (opened with its keys), so
   * the client derived the same keys. Its first one announces the peer (`peer_connected`, relay
   * PEER_ADDED); a session never confirmed is dropped silently after `connectTimeoutMs`.
   */
  confirmSession(session: number, now: number): void {
    const entry = this.peers.bySession.get(session);
    if (entry && entry.unconfirmedUntil > 0) {
      this.now = now;
      this.confirmPeer(entry, now);
    }
  }

  /**
   * Servers: true while `session` is an unconfirmed encrypted session. Its client holds no
   * working keys, so its DISCONNECT (e.g. after a failed key confirmation) can only come in clear.
   */
  awaitingConfirmation(session: number): boolean {
    return (this.peers.bySession.get(session)?.unconfirmedUntil ?? 0) > 0;
  }

  /** Clients: starts connecting to `server`. Throws ALREADY_ACTIVE when already used. */
  connect(server: PeerAddress, now: number): void {
    if (!this.#client) throw new MultiplayerError("INVALID_ARGUMENT", "connect() is for clients");
    if (this.state !== ConnectionStatus.DISCONNECTED || this.#client.used) {
      throw new MultiplayerError("ALREADY_ACTIVE", "this client host already connected once");
    }
    this.state = ConnectionStatus.CONNECTING;
    this.#connectingTo = server;
    const wire = this.#wires.get(server.transport ?? "udp");
    if (wire?.connect) {
      this.#clientWire = wire;
      this.#client.stop();
      wire.connect(server, now);
    } else this.#client.start(server, now);
  }

  // ------------------------------------------------------------------------------- input

  /**
   * Handles one untrusted datagram. Never throws. `owned`: the carrier gives `bytes` away (it
   * never writes them again), so received payloads may be views of them instead of copies.
   */
  handleDatagram(bytes: Uint8Array, from: PeerAddress, now: number, owned = false): void {
    if (this.state === ConnectionStatus.DISCONNECTED) return;
    this.now = now;
    if (this.#wireList.length > 0) {
      const wire = this.#wires.get(from.transport ?? "udp");
      if (wire) {
        try {
          wire.handleDatagram(bytes, from, now, owned);
        } catch {
          // a wire's decoding is defensive already; this guards the untrusted-input contract
        }
        return;
      }
    }
    const session = peekSessionId(bytes);
    if (session >= 0) {
      const entry = this.peers.bySession.get(session);
      if (!entry || !sameAddress(entry.address, from)) return;
      // the client's first datagram of its session proves it took the ACCEPT (encrypted
      // sessions were confirmed by the layer, whose key check comes first)
      if (entry.unconfirmedUntil > 0 && !entry.keyed) this.confirmPeer(entry, now);
      try {
        entry.conn.handleDatagram(bytes, now, owned);
      } catch {
        return; // a misbehaving connection must not break the receive path
      } finally {
        this.peers.markDirty(entry); // even a throw may have changed its state
      }
      if (entry.closingAt > 0) this.checkClosing(entry, now);
      return;
    }
    try {
      if (this.#server) this.#server.handle(bytes, from, now);
      else this.#client!.handle(bytes, from, now);
    } catch {
      // decoding is defensive already; this guards the untrusted-input contract
    }
  }

  /** Runs every timer that is due. Only connections whose deadline passed are visited. */
  handleTimeout(now: number): void {
    this.now = now;
    this.#client?.handleTimeout(now);
    for (const wire of this.#wireList) if (wire.pollTimeout() <= now) wire.handleTimeout(now);
    const peers = this.peers;
    for (const entry of peers.takeDue(now)) {
      if (entry.closingAt > 0) this.checkClosing(entry, now);
      if (entry.unconfirmedUntil > 0 && now >= entry.unconfirmedUntil) {
        this.removePeer(entry, DisconnectReason.CRYPTO_ERROR, false, now); // silent: never announced
        continue;
      }
      if (!peers.has(entry) || entry.conn.pollTimeout() > now) continue;
      entry.conn.handleTimeout(now);
      peers.markDirty(entry);
      // told: if only its datagrams were lost (a half-open session), it learns at once
      if (entry.conn.timedOut) this.removePeer(entry, DisconnectReason.TIMEOUT, true, now);
    }
  }

  /**
   * The carrier reports the link to `address` is gone (e.g. its WebSocket closed): drops that peer
   * at once (clients: fail the attempt to connect to it), emitting the event exactly once. Unknown
   * or already dropped addresses are ignored. `detail` is the `connection_failed` message.
   */
  handleCarrierClosed(
    address: PeerAddress,
    reason: DisconnectReason,
    now: number,
    detail?: string,
  ): void {
    if (this.state === ConnectionStatus.DISCONNECTED) return;
    this.now = now;
    const wire = this.#wires.get(address.transport ?? "udp");
    if (wire?.handleCarrierClosed?.(address, reason, now, detail)) return;
    if (this.#client && this.state === ConnectionStatus.CONNECTING) {
      if (!this.#connectingTo || !sameAddress(this.#connectingTo, address)) return;
      this.#client.stop();
      this.failed(reason, detail ?? `the link to ${address.hostname}:${address.port} closed`);
      return;
    }
    for (const entry of this.peers.byId.values()) {
      if (sameAddress(entry.address, address)) {
        this.removePeer(entry, reason, false, now);
        return;
      }
    }
  }

  /** Next datagram to send, or undefined. The result is reused: consume it before calling again. */
  pollTransmit(now: number): Transmit | undefined {
    const raw = this.raw.shift();
    if (raw) return raw;
    this.now = now;
    if (this.flow.hasPending) this.flow.flush(this.inbound.bytes);
    const bytes = this.peers.nextTransmit(now, this.#txEntry, this.carrierBlocked);
    if (bytes) {
      this.#tx.to = this.#txEntry.entry!.address;
      this.#tx.bytes = bytes;
      return this.#tx;
    }
    for (const wire of this.#wireList) {
      const tx = wire.pollTransmit(now);
      if (tx) return tx;
    }
    return undefined;
  }

  /** Absolute time of the next timer, or undefined when nothing is pending. */
  pollTimeout(): number | undefined {
    let t = Math.min(this.#client?.pollTimeout() ?? Infinity, this.peers.nextDeadline());
    for (const wire of this.#wireList) t = Math.min(t, wire.pollTimeout());
    return t === Infinity ? undefined : t;
  }

  /**
   * Connection-based carriers: a remote opened a link (a WebSocket upgraded) on a carrier whose
   * wire admits peers at that moment (Godot's WebSocket wire: the server speaks first).
   */
  handleCarrierOpened(address: PeerAddress, now: number): void {
    if (this.state === ConnectionStatus.DISCONNECTED) return;
    this.now = now;
    this.#wires.get(address.transport ?? "udp")?.handleCarrierOpened?.(address, now);
  }

  /** The carrier's link to `address` drained: what its peer has queued may go now. */
  handleCarrierWritable(address: PeerAddress): void {
    for (const entry of this.peers.byId.values()) {
      if (sameAddress(entry.address, address)) {
        this.peers.markDirty(entry);
        return;
      }
    }
  }

  /** Next event, in order. */
  pollEvent(): HostEvent | undefined {
    return this.events.shift();
  }

  /** Next packet for the application. */
  pollPacket(): InboundPacket | undefined {
    const p = this.inbound.shift();
    if (p) this.flow.touch(this.inbound.lastOwner!);
    return p;
  }

  /** The packet {@link Host.pollPacket} returns next, left in place. */
  peekPacket(): InboundPacket | undefined {
    return this.inbound.peek();
  }

  /** Bytes of the next packet, taken without a packet object (the peer API's fast path). */
  pollPacketData(): Uint8Array | undefined {
    const data = this.inbound.shiftData();
    if (data) this.flow.touch(this.inbound.lastOwner!);
    return data;
  }
  /** Sender id of the next packet (0 when none). */
  get nextPacketFrom(): number {
    return this.inbound.nextFrom;
  }
  /** User channel of the next packet (0 when none). */
  get nextPacketChannel(): number {
    return this.inbound.nextChannel;
  }
  /** Transfer mode of the next packet (undefined when none). */
  get nextPacketMode(): TransferMode | undefined {
    return this.inbound.nextMode;
  }

  // ------------------------------------------------------------------------------ commands

  /**
   * Sends `data` to `target` (0 all, 1 server, id, -id all but id) on user channel
   * `channel`. Throws MultiplayerError NOT_CONNECTED, INVALID_CHANNEL, INVALID_TARGET,
   * UNKNOWN_PEER, PACKET_TOO_LARGE or QUEUE_FULL. `data` must not be changed afterwards.
   */
  send(target: number, data: Uint8Array, mode: TransferMode, channel: number, now: number): void {
    this.router.send(target, data, mode, channel, now);
  }

  /**
   * Like {@link Host.send}, but each receiver gets `encodeFor(format)`, `format` being how its
   * wire encodes values (`"native"` msgpack, `"godot"` Variant): `putVar` to peers of several
   * wires. `encodeFor` should cache its result per format.
   */
  sendEncoded(
    target: number,
    encodeFor: (format: string) => Uint8Array,
    mode: TransferMode,
    channel: number,
    now: number,
  ): void {
    this.router.send(target, EMPTY, mode, channel, now, encodeFor);
  }

  /** Value encoding of the next packet's sender's wire (`"native"` when none is waiting). */
  get nextPacketFormat(): string {
    const owner = this.inbound.nextOwner;
    return owner ? formatOf(owner) : "native";
  }

  /**
   * Servers: drops client `id`. `now` = at once; otherwise after its queued data is acknowledged
   * (at most 2 s). `graceful` = tell the client (DISCONNECT). Emits peer_disconnected.
   */
  disconnectPeer(id: number, now: number, immediately = false, graceful = true): void {
    if (this.options.role !== "server") {
      throw new MultiplayerError("INVALID_ARGUMENT", "disconnectPeer() is for servers");
    }
    const entry = this.#visible(id);
    if (!entry) throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${id}`);
    if (immediately || !graceful) {
      this.removePeer(entry, DisconnectReason.CLOSED, graceful, now);
    } else if (entry.closingAt === 0) {
      entry.closingAt = now + Math.min(LINGER_MS, this.timeoutMs);
      this.peers.markStale(entry);
      this.checkClosing(entry, now);
    }
  }

  /** Closes the endpoint; every remote is told (DISCONNECT). No events are emitted. */
  close(now: number): void {
    for (const entry of this.peers.byId.values()) {
      entry.wire.sayGoodbye(DisconnectReason.CLOSED, false, now);
      entry.budget.release();
    }
    for (const wire of this.#wireList) wire.close(now);
    this.flow.clear();
    this.peers.clear();
    this.router.forgetKnown();
    this.#client?.stop();
    this.#server?.clear();
    this.state = ConnectionStatus.DISCONNECTED;
  }

  // unconfirmed peers (encrypted, keys not proven yet) are invisible to the application
  #visible(id: number): PeerEntry | undefined {
    const entry = this.peers.byId.get(id);
    return entry && entry.unconfirmedUntil === 0 ? entry : undefined;
  }
}
