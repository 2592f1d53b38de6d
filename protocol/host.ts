/**
 * The multiplayer endpoint, sans-I/O: peer table, ids, handshake, relay, events and the bounded
 * inbound queue. Bytes and `now` in; datagrams, events, packets and the next deadline out.
 *
 * @module
 */
import { ConnectionStatus, MAX_PEER_ID, TransferMode } from "./constants.ts";
import type { ConnectionApi } from "./connection_types.ts";
import { type AcceptCrypto, SYSTEM_CHANNEL } from "./control.ts";
import { DisconnectReason, MultiplayerError } from "./errors.ts";
import { peekSessionId } from "./frame.ts";
import { encodeDisconnect } from "./handshake.ts";
import { ReassemblyBudget } from "./fragmenter.ts";
import { type AcceptVerification, ClientHandshake, sameAddress } from "./host_handshake.ts";
import {
  type HandshakeCounters,
  type HandshakeRequest,
  ServerHandshake,
} from "./server_handshake.ts";
import { type HostOptions, type ResolvedHostOptions, resolveHostOptions } from "./host_options.ts";
import type { HostEvent, InboundPacket, Transmit } from "./host_types.ts";
import { BoundedQueue } from "./queue.ts";
import { HostFlow } from "./host_flow.ts";
import { InboundQueue } from "./host_inbound.ts";
import { type PeerEntry, PeerTable } from "./host_peers.ts";
import { HostRouter, type RoutingHost } from "./host_routing.ts";
import type { PeerStats } from "./peer_stats.ts";
import type { PeerAddress } from "../transport/transport.ts";

export type { PeerEntry } from "./host_peers.ts";

/** How many copies of DISCONNECT are sent (it is not retransmitted). */
const DISCONNECT_COPIES = 3;
/** Longest a graceful `disconnectPeer` waits for queued data to be acknowledged. */
const LINGER_MS = 2000;

/**
 * A multiplayer endpoint (server or client). Drive it with a transport and a clock
 * (`transport/peer_driver.ts`) or by hand in tests.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * const server = new Host({ role: "server", createConnection: () => { throw new Error(); } });
 * console.log(server.uniqueId, server.status); // 1 2
 * ```
 */
export class Host implements RoutingHost {
  /** Resolved options. */
  readonly options: ResolvedHostOptions;
  /** Servers: answer new clients with REJECT (REFUSED). */
  refuseNewConnections = false;
  /** @internal The peer table (lookups, transmit work list, deadlines). */
  readonly peers: PeerTable = new PeerTable();
  #status: ConnectionStatus;
  #uniqueId: number;
  #channelCount: number;
  #serverRelay: boolean;
  readonly #router: HostRouter;
  readonly #raw: BoundedQueue<Transmit>;
  readonly #events = new BoundedQueue<HostEvent>(65_536);
  readonly #inbound: InboundQueue;
  readonly #reassembly: ReassemblyBudget;
  readonly #flow: HostFlow<PeerEntry>; // receive-window feedback + bandwidth split
  readonly #flowCaps: boolean; // bandwidth caps: joins and leaves re-split every connection
  #now = 0; // time of the input being handled (message sinks have no `now`)
  readonly #tx: { to: PeerAddress; bytes: Uint8Array } = {
    to: { hostname: "", port: 0 },
    bytes: new Uint8Array(0),
  };
  readonly #txEntry: { entry?: PeerEntry } = {};
  readonly #server?: ServerHandshake;
  readonly #client?: ClientHandshake;
  #connectingTo?: PeerAddress; // clients: the server given to connect()

  /** Creates a server (listening at once) or an idle client (call {@link Host.connect}). */
  constructor(options: HostOptions) {
    this.options = resolveHostOptions(options);
    this.#channelCount = this.options.channelCount;
    this.#serverRelay = this.options.serverRelay;
    this.#router = new HostRouter(this);
    this.#raw = new BoundedQueue(1024);
    this.#inbound = new InboundQueue(this.options);
    this.#reassembly = new ReassemblyBudget(this.options.maxTotalReassemblyBytes);
    this.#flow = new HostFlow(this.options, (entry, bytes) => this.#system(entry, bytes));
    this.#flowCaps = this.options.inBandwidth > 0 || this.options.outBandwidth > 0;
    if (this.options.role === "server") {
      this.#status = ConnectionStatus.CONNECTED;
      this.#uniqueId = 1;
      this.#server = new ServerHandshake(this, this.options);
    } else {
      this.#status = ConnectionStatus.DISCONNECTED;
      this.#uniqueId = 0;
      this.#client = new ClientHandshake(this, this.options);
    }
  }

  /** This endpoint's id: 1 on servers; assigned by the server on clients (0 before). */
  get uniqueId(): number {
    return this.#uniqueId;
  }
  /** DISCONNECTED, CONNECTING or CONNECTED. */
  get status(): ConnectionStatus {
    return this.#status;
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
  /** Largest packet {@link Host.send} accepts (`encodeBufferMaxSize`). */
  get maxPacketSize(): number {
    return this.options.encodeBufferMaxSize;
  }
  /** Connected remotes: clients on a server, `[1]` plus announced peers on a client. */
  peerIds(): number[] {
    return this.#router.peerIds();
  }
  /** Address of a directly connected peer. */
  peerAddress(id: number): PeerAddress | undefined {
    return this.peers.byId.get(id)?.address;
  }
  /**
   * Statistics of a directly connected peer (clients: the server, id 1) at `now`. Throws
   * MultiplayerError UNKNOWN_PEER for other ids.
   */
  peerStats(id: number, now: number): PeerStats {
    const conn = this.peers.byId.get(id)?.conn;
    const stats = conn?.peerStats?.(now);
    if (!stats) {
      throw new MultiplayerError("UNKNOWN_PEER", `no directly connected peer with id ${id}`);
    }
    return stats;
  }
  /**
   * Per-peer timeout of a directly connected peer (see `protocol/peer_timeout.ts`). Throws
   * MultiplayerError UNKNOWN_PEER or INVALID_ARGUMENT.
   */
  setPeerTimeout(id: number, limitMs: number, minMs?: number, maxMs?: number): void {
    const entry = this.peers.byId.get(id);
    if (!entry?.conn.setPeerTimeout) {
      throw new MultiplayerError("UNKNOWN_PEER", `no directly connected peer with id ${id}`);
    }
    entry.conn.setPeerTimeout(limitMs, minMs, maxMs);
    this.peers.markStale(entry);
  }
  /** Connection of a directly connected peer (stats: rttMs, queuedBytes). */
  peerConnection(id: number): ConnectionApi | undefined {
    return this.peers.byId.get(id)?.conn;
  }
  /** Packets waiting in the inbound queue. */
  get inboundCount(): number {
    return this.#inbound.length;
  }
  /** Events waiting for {@link Host.pollEvent}. */
  get eventCount(): number {
    return this.#events.length;
  }
  /** Bytes waiting in the inbound queue. */
  get inboundBytes(): number {
    return this.#inbound.bytes;
  }
  /** Bytes held in reassembly buffers across all connections. */
  get reassemblyBytes(): number {
    return this.#reassembly.used;
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
    this.#now = now;
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
    this.#now = now;
    this.#client?.completeVerification(ok, message, now);
  }

  /** Clients: starts connecting to `server`. Throws ALREADY_ACTIVE when already used. */
  connect(server: PeerAddress, now: number): void {
    if (!this.#client) throw new MultiplayerError("INVALID_ARGUMENT", "connect() is for clients");
    if (this.#status !== ConnectionStatus.DISCONNECTED || this.#client.used) {
      throw new MultiplayerError("ALREADY_ACTIVE", "this client host already connected once");
    }
    this.#status = ConnectionStatus.CONNECTING;
    this.#connectingTo = server;
    this.#client.start(server, now);
  }

  // ------------------------------------------------------------------------------- input

  /** Handles one untrusted datagram. Never throws. */
  handleDatagram(bytes: Uint8Array, from: PeerAddress, now: number): void {
    if (this.#status === ConnectionStatus.DISCONNECTED) return;
    this.#now = now;
    const session = peekSessionId(bytes);
    if (session >= 0) {
      const entry = this.peers.bySession.get(session);
      if (!entry || !sameAddress(entry.address, from)) return;
      try {
        entry.conn.handleDatagram(bytes, now);
      } catch {
        return; // a misbehaving connection must not break the receive path
      } finally {
        this.peers.markDirty(entry); // even a throw may have changed its state
      }
      if (entry.closingAt > 0) this.#checkClosing(entry, now);
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
    this.#now = now;
    this.#client?.handleTimeout(now);
    const peers = this.peers;
    for (const entry of peers.takeDue(now)) {
      if (entry.closingAt > 0) this.#checkClosing(entry, now);
      if (!peers.has(entry) || entry.conn.pollTimeout() > now) continue;
      entry.conn.handleTimeout(now);
      peers.markDirty(entry);
      if (entry.conn.timedOut) this.removePeer(entry, DisconnectReason.TIMEOUT, false, now);
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
    if (this.#status === ConnectionStatus.DISCONNECTED) return;
    this.#now = now;
    if (this.#client && this.#status === ConnectionStatus.CONNECTING) {
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
    const raw = this.#raw.shift();
    if (raw) return raw;
    this.#now = now;
    this.#flow.flush(this.#inbound.bytes);
    const bytes = this.peers.nextTransmit(now, this.#txEntry);
    if (!bytes) return undefined;
    this.#tx.to = this.#txEntry.entry!.address;
    this.#tx.bytes = bytes;
    return this.#tx;
  }

  /** Absolute time of the next timer, or undefined when nothing is pending. */
  pollTimeout(): number | undefined {
    const t = Math.min(this.#client?.pollTimeout() ?? Infinity, this.peers.nextDeadline());
    return t === Infinity ? undefined : t;
  }

  /** Next event, in order. */
  pollEvent(): HostEvent | undefined {
    return this.#events.shift();
  }

  /** Next packet for the application. */
  pollPacket(): InboundPacket | undefined {
    const p = this.#inbound.shift();
    if (p) this.#flow.touch(this.#inbound.lastOwner!);
    return p;
  }

  /** The packet {@link Host.pollPacket} returns next, left in place. */
  peekPacket(): InboundPacket | undefined {
    return this.#inbound.peek();
  }

  // ------------------------------------------------------------------------------ commands

  /**
   * Sends `data` to `target` (0 all, 1 server, id, -id all but id) on user channel
   * `channel`. Throws MultiplayerError NOT_CONNECTED, INVALID_CHANNEL, INVALID_TARGET,
   * UNKNOWN_PEER, PACKET_TOO_LARGE or QUEUE_FULL. `data` must not be changed afterwards.
   */
  send(target: number, data: Uint8Array, mode: TransferMode, channel: number, now: number): void {
    this.#router.send(target, data, mode, channel, now);
  }

  /**
   * Servers: drops client `id`. `now` = at once; otherwise after its queued data is acknowledged
   * (at most 2 s). `graceful` = tell the client (DISCONNECT). Emits peer_disconnected.
   */
  disconnectPeer(id: number, now: number, immediately = false, graceful = true): void {
    if (this.options.role !== "server") {
      throw new MultiplayerError("INVALID_ARGUMENT", "disconnectPeer() is for servers");
    }
    const entry = this.peers.byId.get(id);
    if (!entry) throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${id}`);
    if (immediately || !graceful) {
      this.removePeer(entry, DisconnectReason.CLOSED, graceful, now);
    } else if (entry.closingAt === 0) {
      entry.closingAt = now + Math.min(LINGER_MS, this.options.timeoutMs);
      this.peers.markStale(entry);
      this.#checkClosing(entry, now);
    }
  }

  /** Closes the endpoint; every remote is told (DISCONNECT). No events are emitted. */
  close(_now: number): void {
    for (const entry of this.peers.byId.values()) {
      this.#sendDisconnect(entry, DisconnectReason.CLOSED);
      entry.budget.release();
    }
    this.#flow.clear();
    this.peers.clear();
    this.#router.forgetKnown();
    this.#client?.stop();
    this.#server?.clear();
    this.#status = ConnectionStatus.DISCONNECTED;
  }

  // -------------------------------------------------------- internal (used by handshakes)

  /** @internal Queues a raw datagram (handshake); dropped when the queue is full. */
  queueRaw(to: PeerAddress, bytes: Uint8Array): void {
    this.#raw.push({ to, bytes });
  }

  /** @internal Queues an event. */
  emit(event: HostEvent): void {
    this.#events.push(event);
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

  /** @internal Creates and registers a connection; announces it (server) or connects (client). */
  addPeer(id: number, address: PeerAddress, sessionId: number, now: number): PeerEntry {
    const budget = new ReassemblyBudget(this.options.maxReassemblyBytes, this.#reassembly);
    const reliableCarrier = this.options.reliableCarrierFor(address);
    const conn = this.options.createConnection({
      sessionId,
      wireChannelCount: this.#channelCount + 1,
      datagramSize: this.options.datagramSize,
      maxMessageSize: this.options.encodeBufferMaxSize,
      timeoutMs: this.options.timeoutMs,
      keepaliveMs: this.options.keepaliveMs,
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
      budget,
      inboundPackets: 0,
      inboundBytes: 0,
    };
    conn.onMessage = (wire, mode, peer, payload) =>
      this.#onMessage(entry, wire, mode, peer, payload);
    this.peers.add(entry);
    this.#flow.add(entry, reliableCarrier, this.peers.byId.values(), now);
    if (this.#flowCaps) this.peers.markAllStale(); // every connection's share changed
    if (this.options.role === "server") {
      this.emit({ type: "peer_connected", id });
      this.#router.announceJoin(entry, now);
    }
    return entry;
  }

  /** @internal Clients: the server accepted us. */
  accepted(id: number, channelCount: number, serverRelay: boolean): void {
    this.#uniqueId = id;
    this.#channelCount = channelCount;
    this.#serverRelay = serverRelay;
    this.#status = ConnectionStatus.CONNECTED;
    this.emit({ type: "peer_connected", id: 1 });
    this.emit({ type: "connection_succeeded" });
  }

  /** @internal Clients: the attempt failed. */
  failed(reason: DisconnectReason, message: string): void {
    this.#status = ConnectionStatus.DISCONNECTED;
    this.emit({ type: "connection_failed", reason, message });
  }

  /** @internal Removes a peer, emits its event exactly once, announces it, optionally tells it. */
  removePeer(entry: PeerEntry, reason: DisconnectReason, tell: boolean, now: number): void {
    if (!this.peers.has(entry)) return;
    if (tell) this.#sendDisconnect(entry, reason);
    this.peers.delete(entry);
    entry.budget.release();
    this.#flow.remove(entry, this.peers.byId.values(), now);
    if (this.#flowCaps) this.peers.markAllStale();
    if (this.options.role === "client") {
      this.#router.forgetKnown();
      this.#status = ConnectionStatus.DISCONNECTED;
      this.emit({ type: "server_disconnected", reason });
      return;
    }
    this.emit({ type: "peer_disconnected", id: entry.id, reason });
    this.#router.announceLeave(entry.id, now);
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
    if (!this.#inbound.push(owner, from, channel, mode, data)) return false;
    this.#flow.touch(owner);
    return true;
  }

  // ------------------------------------------------------------------------------ private

  #sendDisconnect(entry: PeerEntry, reason: DisconnectReason): void {
    for (let i = 0; i < DISCONNECT_COPIES; i++) {
      this.queueRaw(entry.address, encodeDisconnect(entry.sessionId, reason));
    }
  }

  #checkClosing(entry: PeerEntry, now: number): void {
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
    if (!this.peers.has(entry)) return true; // removed meanwhile: swallow
    if (wire === SYSTEM_CHANNEL) {
      if (this.#flow.receive(entry, payload, this.#now)) return true;
      if (this.options.role === "client") this.#router.onControl(payload);
      return true;
    }
    if (wire > this.#channelCount) return true;
    if (this.options.role === "client") {
      const from = peer ?? 1;
      if (!Number.isInteger(from) || from < 1 || from > MAX_PEER_ID) return true;
      return this.deliver(entry, from, wire - 1, mode, payload);
    }
    return this.#router.route(entry, peer ?? 1, wire, mode, payload, this.#now);
  }

  // A reliable system message (FLOW) to one peer; a full send queue means it cannot keep up.
  #system(entry: PeerEntry, bytes: Uint8Array): void {
    this.#router.sendOn(entry, SYSTEM_CHANNEL, TransferMode.RELIABLE, bytes, undefined, this.#now);
  }
}
