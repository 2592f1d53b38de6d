/**
 * The host's state and the peer lifecycle shared with the handshakes and the router: the peer
 * table, events, raw (handshake) datagrams, the inbound queue, flow feedback, adding and removing
 * peers, and dispatching each peer's inbound messages. {@link Host} adds the public API.
 *
 * @module
 */
import { ConnectionStatus, MAX_PEER_ID, TransferMode } from "../constants.ts";
import { SYSTEM_CHANNEL } from "../wire/control.ts";
import { DisconnectReason } from "../errors.ts";
import { encodeDisconnect } from "../wire/handshake.ts";
import { ReassemblyBudget } from "../connection/fragmenter.ts";
import { type HostOptions, type ResolvedHostOptions, resolveHostOptions } from "./options.ts";
import type { HostEvent, Transmit } from "./types.ts";
import { BoundedQueue } from "./_queue.ts";
import { HostFlow } from "./_flow.ts";
import { InboundQueue } from "./_inbound.ts";
import { type PeerEntry, PeerTable } from "./_peer_table.ts";
import { HostRouter, type RoutingHost } from "./_routing.ts";
import type { PeerAddress } from "../address.ts";

/** How many copies of DISCONNECT are sent (it is not retransmitted). */
const DISCONNECT_COPIES = 3;

/**
 * Base of {@link Host}: state and peer lifecycle. Not used on its own.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * import { HostCore } from "./_core.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * console.log(server instanceof HostCore, server.peerCount); // true 0
 * ```
 */
export abstract class HostCore implements RoutingHost {
  /** Resolved options. */
  readonly options: ResolvedHostOptions;
  /** Servers: answer new clients with REJECT (REFUSED). */
  refuseNewConnections = false;
  /** @internal The peer table (lookups, transmit work list, deadlines). */
  readonly peers: PeerTable = new PeerTable();
  /** Connection status. */
  protected state: ConnectionStatus;
  /** This endpoint's id. */
  protected id: number;
  #channelCount: number;
  #serverRelay: boolean;
  #timeoutMs: number; // clients: the shorter of their own and the server's
  /** Targets, relaying, the client's view of other clients. */
  protected readonly router: HostRouter;
  /** Handshake datagrams (and DISCONNECTs) waiting to be sent. */
  protected readonly raw: BoundedQueue<Transmit> = new BoundedQueue(1024);
  /** Events waiting for the application. */
  protected readonly events: BoundedQueue<HostEvent> = new BoundedQueue(65_536);
  /** Packets waiting for the application. */
  protected readonly inbound: InboundQueue;
  /** Host-wide reassembly allowance. */
  protected readonly reassembly: ReassemblyBudget;
  /** Receive-window feedback + bandwidth split. */
  protected readonly flow: HostFlow<PeerEntry>;
  readonly #flowCaps: boolean; // bandwidth caps: joins and leaves re-split every connection
  /** Time of the input being handled (message sinks have no `now`). */
  protected now = 0;

  /** Resolves `options` and sets up the shared state. */
  constructor(options: HostOptions) {
    this.options = resolveHostOptions(options);
    this.#channelCount = this.options.channelCount;
    this.#serverRelay = this.options.serverRelay;
    this.#timeoutMs = this.options.timeoutMs;
    this.router = new HostRouter(this);
    this.inbound = new InboundQueue(this.options);
    this.reassembly = new ReassemblyBudget(this.options.maxTotalReassemblyBytes);
    this.flow = new HostFlow(this.options, (entry, bytes) => this.#system(entry, bytes));
    this.#flowCaps = this.options.inBandwidth > 0 || this.options.outBandwidth > 0;
    const server = this.options.role === "server";
    this.state = server ? ConnectionStatus.CONNECTED : ConnectionStatus.DISCONNECTED;
    this.id = server ? 1 : 0;
  }

  /** This endpoint's id: 1 on servers; assigned by the server on clients (0 before). */
  get uniqueId(): number {
    return this.id;
  }
  /** DISCONNECTED, CONNECTING or CONNECTED. */
  get status(): ConnectionStatus {
    return this.state;
  }
  /** User channels (a client adopts the server's count when accepted). */
  get channelCount(): number {
    return this.#channelCount;
  }
  /** Whether clients' packets to other clients are relayed (a client learns it on accept). */
  get serverRelay(): boolean {
    return this.#serverRelay;
  }
  /** True on servers. */
  get isServer(): boolean {
    return this.options.role === "server";
  }
  /** Silence after which a peer is dropped (clients: the shorter of theirs and the server's). */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }
  /** Largest packet `send` accepts (`encodeBufferMaxSize`). */
  get maxPacketSize(): number {
    return this.options.encodeBufferMaxSize;
  }

  // -------------------------------------------------------- internal (used by handshakes)

  /** @internal Queues a raw datagram (handshake); dropped when the queue is full. */
  queueRaw(to: PeerAddress, bytes: Uint8Array): void {
    this.raw.push({ to, bytes });
  }

  /** @internal Queues an event. */
  emit(event: HostEvent): void {
    this.events.push(event);
  }

  /** @internal Peer table lookups for the handshakes. */
  entryById(id: number): PeerEntry | undefined {
    return this.peers.byId.get(id);
  }
  /** @internal */
  entryBySession(session: number): PeerEntry | undefined {
    return this.peers.bySession.get(session);
  }
  /** @internal Number of live clients. */
  get peerCount(): number {
    return this.peers.size;
  }

  /**
   * @internal Creates and registers a connection; announces it (server) or connects (client).
   * `confirmed = false` (encrypted sessions) holds the announcement until {@link confirmPeer}.
   */
  addPeer(
    id: number,
    address: PeerAddress,
    sessionId: number,
    now: number,
    confirmed = true,
  ): PeerEntry {
    const budget = new ReassemblyBudget(this.options.maxReassemblyBytes, this.reassembly);
    const reliableCarrier = this.options.reliableCarrierFor(address);
    const conn = this.options.createConnection({
      sessionId,
      wireChannelCount: this.#channelCount + 1,
      datagramSize: this.options.datagramSize,
      maxMessageSize: this.options.encodeBufferMaxSize,
      timeoutMs: this.#timeoutMs,
      // keepalives well inside the shorter timeout of the two ends (the server's, for clients)
      keepaliveMs: Math.min(this.options.keepaliveMs, this.#timeoutMs / 4),
      reliableCarrier,
      maxSendQueueBytes: this.options.maxSendQueueBytes,
      maxReassemblyBytes: this.options.maxReassemblyBytes,
      reassemblyBudget: budget,
      now,
    });
    const entry: PeerEntry = {
      id,
      address,
      sessionId,
      conn,
      dirty: false,
      stale: false,
      deadline: Infinity,
      heapIndex: -1,
      closingAt: 0,
      unconfirmedUntil: confirmed ? 0 : now + this.options.connectTimeoutMs,
      budget,
      inboundPackets: 0,
      inboundBytes: 0,
    };
    conn.onMessage = (wire, mode, peer, payload) =>
      this.#onMessage(entry, wire, mode, peer, payload);
    this.peers.add(entry);
    this.flow.add(entry, reliableCarrier, this.peers.byId.values(), now);
    if (this.#flowCaps) this.peers.markAllStale(); // every connection's share changed
    if (this.options.role === "server" && confirmed) {
      this.emit({ type: "peer_connected", id });
      this.router.announceJoin(entry, now);
    }
    return entry;
  }

  /**
   * @internal Servers: an unconfirmed peer proved its keys; it is announced now (emits
   * `peer_connected`). No-op for confirmed or removed peers.
   */
  confirmPeer(entry: PeerEntry, now: number): void {
    if (entry.unconfirmedUntil === 0 || !this.peers.has(entry)) return;
    entry.unconfirmedUntil = 0;
    this.peers.markStale(entry);
    this.emit({ type: "peer_connected", id: entry.id });
    this.router.announceJoin(entry, now);
  }

  /**
   * @internal Clients: the server accepted us. `timeoutMs`: the server's, announced in ACCEPT;
   * both ends then time out (and keep alive) on the shorter of the two.
   */
  accepted(id: number, channelCount: number, serverRelay: boolean, timeoutMs?: number): void {
    if (timeoutMs !== undefined && timeoutMs >= 100) {
      this.#timeoutMs = Math.min(this.#timeoutMs, timeoutMs);
    }
    this.id = id;
    this.#channelCount = channelCount;
    this.#serverRelay = serverRelay;
    this.state = ConnectionStatus.CONNECTED;
    this.emit({ type: "peer_connected", id: 1 });
    this.emit({ type: "connection_succeeded" });
  }

  /** @internal Clients: the attempt failed. */
  failed(reason: DisconnectReason, message: string): void {
    this.state = ConnectionStatus.DISCONNECTED;
    this.emit({ type: "connection_failed", reason, message });
  }

  /** @internal Removes a peer, emits its event exactly once, announces it, optionally tells it. */
  removePeer(entry: PeerEntry, reason: DisconnectReason, tell: boolean, now: number): void {
    if (!this.peers.has(entry)) return;
    if (tell) this.sendDisconnect(entry, reason);
    this.peers.delete(entry);
    entry.budget.release();
    this.flow.remove(entry, this.peers.byId.values(), now);
    if (this.#flowCaps) this.peers.markAllStale();
    if (this.options.role === "client") {
      this.router.forgetKnown();
      this.state = ConnectionStatus.DISCONNECTED;
      this.emit({ type: "server_disconnected", reason });
      return;
    }
    if (entry.unconfirmedUntil > 0) return; // never announced: leaves silently
    this.emit({ type: "peer_disconnected", id: entry.id, reason });
    this.router.announceLeave(entry.id, now);
  }

  /**
   * @internal Queues a packet for the application; false when the inbound limits refuse it
   * (the connection then withholds the ack of a reliable message and drops an unreliable one).
   */
  deliver(
    owner: PeerEntry,
    from: number,
    channel: number,
    mode: TransferMode,
    data: Uint8Array,
  ): boolean {
    if (!this.inbound.push(owner, from, channel, mode, data)) return false;
    this.flow.touch(owner);
    return true;
  }

  // ------------------------------------------------------------------------------ private

  /** Queues DISCONNECT copies to `entry` (it is not retransmitted). */
  protected sendDisconnect(entry: PeerEntry, reason: DisconnectReason): void {
    for (let i = 0; i < DISCONNECT_COPIES; i++) {
      this.queueRaw(entry.address, encodeDisconnect(entry.sessionId, reason));
    }
  }

  /** A closing peer is dropped once drained or at its linger deadline. */
  protected checkClosing(entry: PeerEntry, now: number): void {
    if (entry.conn.queuedBytes === 0 || now >= entry.closingAt) {
      this.removePeer(entry, DisconnectReason.CLOSED, true, now);
    }
  }

  #onMessage(
    entry: PeerEntry,
    wire: number,
    mode: TransferMode,
    peer: number | undefined,
    payload: Uint8Array,
  ): boolean {
    // removed meanwhile, or unconfirmed (the layer confirms before a datagram opens): swallow
    if (!this.peers.has(entry) || entry.unconfirmedUntil > 0) return true;
    if (wire === SYSTEM_CHANNEL) {
      if (this.flow.receive(entry, payload, this.now)) return true;
      if (this.options.role === "client") this.router.onControl(payload);
      return true;
    }
    if (wire > this.#channelCount) return true;
    if (this.options.role === "client") {
      const from = peer ?? 1;
      if (!Number.isInteger(from) || from < 1 || from > MAX_PEER_ID) return true;
      return this.deliver(entry, from, wire - 1, mode, payload);
    }
    return this.router.route(entry, peer ?? 1, wire, mode, payload, this.now);
  }

  /** @internal A reliable system message to one peer (FLOW, HELLO). */
  sendSystem(entry: PeerEntry, bytes: Uint8Array): void {
    this.#system(entry, bytes);
  }

  // A reliable system message to one peer; a full send queue means it cannot keep up.
  #system(entry: PeerEntry, bytes: Uint8Array): void {
    this.router.sendOn(entry, SYSTEM_CHANNEL, TransferMode.RELIABLE, bytes, undefined, this.now);
  }
}
