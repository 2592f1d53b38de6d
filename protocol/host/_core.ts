/**
 * The host's state and the peer lifecycle shared with the handshakes and the router: the peer
 * table, events, raw (handshake) datagrams, the inbound queue, flow feedback, adding and removing
 * peers, and dispatching each peer's inbound messages. {@link Host} adds the public API.
 *
 * @module
 */
import { ConnectionStatus, MAX_PEER_ID, type TransferMode } from "../constants.ts";
import type { ConnectionApi } from "../connection/types.ts";
import { SYSTEM_CHANNEL } from "../wire/control.ts";
import { DisconnectReason } from "../errors.ts";
import { encodeDisconnect } from "../wire/handshake.ts";
import { ReassemblyBudget } from "../connection/fragmenter.ts";
import type { Random } from "../random.ts";
import { NativeWire } from "./_native_wire.ts";
import type { PeerWire, WireSession } from "./wire.ts";
import { type HostOptions, type ResolvedHostOptions, resolveHostOptions } from "./options.ts";
import type { HostEvent, Transmit } from "./types.ts";
import { BoundedQueue } from "./_queue.ts";
import { HostFlow } from "./_flow.ts";
import { InboundQueue } from "./_inbound.ts";
import { type PeerEntry, PeerTable } from "./_peer_table.ts";
import { HostRouter, type RoutingHost } from "./_routing.ts";
import type { PeerAddress } from "../address.ts";

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
export abstract class HostCore implements RoutingHost, WireSession {
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
    this.flow = new HostFlow(this.options, (entry, bytes) => this.sendSystem(entry, bytes));
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
  /** Servers: most clients at once. */
  get maxClients(): number {
    return this.options.maxClients;
  }
  /** The session's randomness (ids, session ids). */
  get random(): Random {
    return this.options.random;
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
   * @internal Creates and registers a native connection; announces it (server) or connects
   * (client). `confirmed = false` (encrypted sessions) holds the announcement until
   * {@link confirmPeer}.
   */
  addPeer(
    id: number,
    address: PeerAddress,
    sessionId: number,
    now: number,
    confirmed = true,
    keyed = false,
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
    const wire = new NativeWire(
      conn,
      this.options.role === "server",
      this.options.encodeBufferMaxSize,
      (reason) => encodeDisconnect(sessionId, reason),
      (bytes) => this.queueRaw(address, bytes),
    );
    const entry = this.#register(id, address, sessionId, conn, wire, budget, confirmed, now, keyed);
    conn.onMessage = (ch, mode, peer, payload) => this.#onMessage(entry, ch, mode, peer, payload);
    this.flow.add(entry, reliableCarrier, this.peers.byId.values(), now);
    if (this.#flowCaps) this.peers.markAllStale(); // every connection's share changed
    if (this.options.role === "server" && confirmed) this.#announceJoin(entry, now);
    return entry;
  }

  /**
   * Adds a peer of a plug-in wire (ENet, Godot WebSocket) to the session; servers announce it.
   * See {@link WireSession.admit}.
   */
  admit(
    id: number,
    address: PeerAddress,
    conn: ConnectionApi,
    wire: PeerWire,
    now: number,
  ): PeerEntry {
    const budget = new ReassemblyBudget(this.options.maxReassemblyBytes, this.reassembly);
    const entry = this.#register(id, address, -1, conn, wire, budget, true, now);
    if (this.options.role === "server") this.#announceJoin(entry, now);
    return entry;
  }

  #register(
    id: number,
    address: PeerAddress,
    sessionId: number,
    conn: ConnectionApi,
    wire: PeerWire,
    budget: ReassemblyBudget,
    confirmed: boolean,
    now: number,
    keyed = false,
  ): PeerEntry {
    const entry: PeerEntry = {
      keyed,
      id,
      address,
      sessionId,
      conn,
      wire,
      native: wire instanceof NativeWire ? wire : undefined,
      dirty: false,
      stale: false,
      deadline: Infinity,
      heapIndex: -1,
      closingAt: 0,
      unconfirmedUntil: confirmed ? 0 : now + this.options.connectTimeoutMs,
      budget,
      inboundPackets: 0,
      inboundBytes: 0,
      flowAdvertiser: undefined,
      flowPending: false,
    };
    this.peers.add(entry);
    return entry;
  }

  #announceJoin(entry: PeerEntry, now: number): void {
    this.emit({ type: "peer_connected", id: entry.id });
    this.router.announceJoin(entry, now);
  }

  /** A random id in [2, 2^31 - 1] no live peer has (nor `reserved`); see {@link WireSession}. */
  newPeerId(reserved?: (id: number) => boolean): number {
    const random = this.options.random;
    for (;;) { // at most maxClients ids are taken out of 2^31: the first try almost always wins
      const id = 2 + (random.nextU32() % (MAX_PEER_ID - 1));
      if (!this.peers.byId.has(id) && !reserved?.(id)) return id;
    }
  }

  /** The peer's connection has something to send or its deadline moved. */
  markDirty(entry: PeerEntry): void {
    this.peers.markDirty(entry);
  }

  /**
   * @internal Servers: an unconfirmed peer proved its keys; it is announced now (emits
   * `peer_connected`). No-op for confirmed or removed peers.
   */
  confirmPeer(entry: PeerEntry, now: number): void {
    if (entry.unconfirmedUntil === 0 || !this.peers.has(entry)) return;
    entry.unconfirmedUntil = 0;
    this.peers.markStale(entry);
    this.#announceJoin(entry, now);
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

  /** Clients: connected over a plug-in wire (see {@link WireSession.connected}). */
  connected(id: number, channelCount: number, serverRelay: boolean): void {
    this.accepted(id, channelCount, serverRelay);
  }

  /** @internal Clients: the attempt failed. */
  failed(reason: DisconnectReason, message: string): void {
    this.state = ConnectionStatus.DISCONNECTED;
    this.emit({ type: "connection_failed", reason, message });
  }

  /** @internal Removes a peer, emits its event exactly once, announces it, optionally tells it. */
  removePeer(
    entry: PeerEntry,
    reason: DisconnectReason,
    tell: boolean,
    now: number,
    graceful = false,
  ): void {
    if (!this.peers.has(entry)) return;
    if (tell) entry.wire.sayGoodbye(reason, graceful, now);
    this.peers.delete(entry);
    entry.budget.release();
    if (entry.native) {
      this.flow.remove(entry, this.peers.byId.values(), now);
      if (this.#flowCaps) this.peers.markAllStale();
    }
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

  /** A closing peer is dropped once drained or at its linger deadline. */
  protected checkClosing(entry: PeerEntry, now: number): void {
    if (entry.conn.queuedBytes === 0 || now >= entry.closingAt) {
      this.removePeer(entry, DisconnectReason.CLOSED, true, now, true);
    }
  }

  // a native connection's message: system messages here, data to the shared receive path
  #onMessage(
    entry: PeerEntry,
    wire: number,
    mode: TransferMode,
    peer: number | undefined,
    payload: Uint8Array,
  ): boolean {
    // removed meanwhile, or unconfirmed (the layer confirms before a datagram opens): swallow
    if (entry.live !== true || entry.unconfirmedUntil > 0) return true;
    if (wire === SYSTEM_CHANNEL) {
      if (this.flow.receive(entry, payload, this.now)) return true;
      if (this.options.role === "client") this.router.onControl(payload);
      return true;
    }
    const server = this.options.role === "server";
    if (peer === undefined) {
      // the common case, without a relay field: to the server from a client, or from the server
      // on a client (what receiveData and route decide for these, without their general checks)
      const channel = wire - 1;
      if (!(channel < this.#channelCount)) return true;
      return this.deliver(entry, server ? entry.id : 1, channel, mode, payload);
    }
    // the relay field names the sender on clients and the target on servers; a native client
    // cannot claim a sender: the connection is the sender
    const from = server ? entry.id : peer ?? 1, target = server ? peer ?? 1 : this.id;
    return this.receiveData(entry, wire - 1, mode, from, target, payload);
  }

  /**
   * A packet from a peer, on any wire (see {@link WireSession.receiveData}): servers deliver and
   * relay, with the connection as the sender; clients deliver.
   */
  receiveData(
    entry: PeerEntry,
    channel: number,
    mode: TransferMode,
    from: number,
    target: number,
    payload: Uint8Array,
  ): boolean {
    if (!this.peers.has(entry) || entry.unconfirmedUntil > 0) return true;
    if (!(channel >= 0 && channel < this.#channelCount)) return true;
    if (this.options.role === "client") {
      if (!Number.isInteger(from) || from < 1 || from > MAX_PEER_ID) return true;
      return this.deliver(entry, from, channel, mode, payload);
    }
    if (from !== entry.id) return true; // a forged sender: dropped
    return this.router.route(entry, target, channel, mode, payload, this.now);
  }

  /** Clients: a peer announcement from a plug-in wire (see {@link WireSession.receiveControl}). */
  receiveControl(added: boolean, id: number): void {
    this.router.onAnnouncement(added, id);
  }

  /** @internal A reliable system message to one native peer (FLOW, HELLO). */
  sendSystem(entry: PeerEntry, bytes: Uint8Array): void {
    if (!this.peers.has(entry) || !entry.native) return;
    try {
      entry.native.sendSystem(bytes, this.now);
      this.peers.markDirty(entry);
    } catch {
      // a full send queue: it cannot keep up
      this.removePeer(entry, DisconnectReason.BACKPRESSURE, true, this.now);
    }
  }
}
