/**
 * The multiplayer endpoint, sans-I/O: peer table, ids, handshake, relay, events and the bounded
 * inbound queue. Bytes and `now` in; datagrams, events, packets and the next deadline out.
 *
 * @module
 */
import { ConnectionStatus, MAX_PEER_ID, TransferMode } from "./constants.ts";
import type { ConnectionApi } from "./connection_types.ts";
import {
  type AcceptCrypto,
  ControlType,
  decodeControl,
  encodeControl,
  SYSTEM_CHANNEL,
} from "./control.ts";
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
import type { PeerStats } from "./peer_stats.ts";
import type { PeerAddress } from "../transport/transport.ts";

/** How many copies of DISCONNECT are sent (it is not retransmitted). */
const DISCONNECT_COPIES = 3;
/** Longest a graceful `disconnectPeer` waits for queued data to be acknowledged. */
const LINGER_MS = 2000;

/** One remote the host talks to (the server, on a client). Internal to the protocol layer. */
export interface PeerEntry {
  readonly id: number;
  readonly address: PeerAddress;
  readonly sessionId: number;
  readonly conn: ConnectionApi;
  /** Pending in the transmit work list. */
  dirty: boolean;
  /** Graceful disconnect in progress: drop at this time (or once drained). */
  closingAt: number;
  /** This peer's reassembly allowance (chained to the host-wide total). */
  readonly budget: ReassemblyBudget;
  /** Packets and bytes from this peer waiting in the inbound queue. */
  inboundPackets: number;
  inboundBytes: number;
}

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
export class Host {
  /** Resolved options. */
  readonly options: ResolvedHostOptions;
  /** Servers: answer new clients with REJECT (REFUSED). */
  refuseNewConnections = false;
  #status: ConnectionStatus;
  #uniqueId: number;
  #channelCount: number;
  #serverRelay: boolean;
  readonly #peers = new Map<number, PeerEntry>();
  readonly #bySession = new Map<number, PeerEntry>();
  readonly #known = new Set<number>(); // clients: other clients announced by the server
  readonly #dirty: PeerEntry[] = [];
  readonly #raw: BoundedQueue<Transmit>;
  readonly #events = new BoundedQueue<HostEvent>(65_536);
  readonly #inbound: BoundedQueue<InboundPacket>;
  readonly #inboundOwner: BoundedQueue<PeerEntry>; // parallel to #inbound: who sent it
  #inboundBytes = 0;
  readonly #reassembly: ReassemblyBudget;
  readonly #flow: HostFlow<PeerEntry>; // receive-window feedback + bandwidth split
  #now = 0; // time of the input being handled (message sinks have no `now`)
  readonly #tx: { to: PeerAddress; bytes: Uint8Array } = {
    to: { hostname: "", port: 0 },
    bytes: new Uint8Array(0),
  };
  readonly #server?: ServerHandshake;
  readonly #client?: ClientHandshake;
  #connectingTo?: PeerAddress; // clients: the server given to connect()

  /** Creates a server (listening at once) or an idle client (call {@link Host.connect}). */
  constructor(options: HostOptions) {
    this.options = resolveHostOptions(options);
    this.#channelCount = this.options.channelCount;
    this.#serverRelay = this.options.serverRelay;
    this.#raw = new BoundedQueue(1024);
    this.#inbound = new BoundedQueue(this.options.maxInboundPackets);
    this.#inboundOwner = new BoundedQueue(this.options.maxInboundPackets);
    this.#reassembly = new ReassemblyBudget(this.options.maxTotalReassemblyBytes);
    this.#flow = new HostFlow(this.options, (entry, bytes) => this.#system(entry, bytes));
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
  /** Connected remotes: clients on a server, `[1]` plus announced peers on a client. */
  peerIds(): number[] {
    if (this.options.role === "server") return [...this.#peers.keys()];
    return this.#peers.size ? [1, ...this.#known] : [];
  }
  /** Address of a directly connected peer. */
  peerAddress(id: number): PeerAddress | undefined {
    return this.#peers.get(id)?.address;
  }
  /**
   * Statistics of a directly connected peer (clients: the server, id 1) at `now`. Throws
   * MultiplayerError UNKNOWN_PEER for other ids.
   */
  peerStats(id: number, now: number): PeerStats {
    const conn = this.#peers.get(id)?.conn;
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
    const conn = this.#peers.get(id)?.conn;
    if (!conn?.setPeerTimeout) {
      throw new MultiplayerError("UNKNOWN_PEER", `no directly connected peer with id ${id}`);
    }
    conn.setPeerTimeout(limitMs, minMs, maxMs);
  }
  /** Connection of a directly connected peer (stats: rttMs, queuedBytes). */
  peerConnection(id: number): ConnectionApi | undefined {
    return this.#peers.get(id)?.conn;
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
    return this.#inboundBytes;
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
      const entry = this.#bySession.get(session);
      if (!entry || !sameAddress(entry.address, from)) return;
      try {
        entry.conn.handleDatagram(bytes, now);
      } catch {
        return; // a misbehaving connection must not break the receive path
      }
      this.#markDirty(entry);
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

  /** Runs every timer that is due. */
  handleTimeout(now: number): void {
    this.#now = now;
    this.#client?.handleTimeout(now);
    for (const entry of [...this.#peers.values()]) {
      if (entry.closingAt > 0) this.#checkClosing(entry, now);
      if (!this.#peers.has(entry.id) || entry.conn.pollTimeout() > now) continue;
      entry.conn.handleTimeout(now);
      this.#markDirty(entry);
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
    for (const entry of this.#peers.values()) {
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
    this.#flow.flush(this.#inboundBytes);
    while (this.#dirty.length > 0) {
      const entry = this.#dirty[this.#dirty.length - 1];
      const bytes = this.#peers.get(entry.id) === entry ? entry.conn.pollTransmit(now) : undefined;
      if (bytes) {
        this.#tx.to = entry.address;
        this.#tx.bytes = bytes;
        return this.#tx;
      }
      entry.dirty = false;
      this.#dirty.pop();
    }
    return undefined;
  }

  /** Absolute time of the next timer, or undefined when nothing is pending. */
  pollTimeout(): number | undefined {
    let t = this.#client?.pollTimeout() ?? Infinity;
    for (const entry of this.#peers.values()) {
      t = Math.min(t, entry.conn.pollTimeout());
      if (entry.closingAt > 0) t = Math.min(t, entry.closingAt);
    }
    return t === Infinity ? undefined : t;
  }

  /** Next event, in order. */
  pollEvent(): HostEvent | undefined {
    return this.#events.shift();
  }

  /** Next packet for the application. */
  pollPacket(): InboundPacket | undefined {
    const p = this.#inbound.shift();
    if (!p) return undefined;
    const owner = this.#inboundOwner.shift()!;
    owner.inboundPackets--;
    owner.inboundBytes -= p.data.length;
    this.#inboundBytes -= p.data.length;
    this.#flow.touch(owner);
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
    if (this.#status !== ConnectionStatus.CONNECTED) {
      throw new MultiplayerError("NOT_CONNECTED", "cannot send: not connected");
    }
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.#channelCount) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `channel ${channel} is out of range [0, ${this.#channelCount - 1}]`,
      );
    }
    if (mode !== 0 && mode !== 1 && mode !== 2) {
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown transfer mode ${mode}`);
    }
    if (!Number.isInteger(target) || Math.abs(target) > MAX_PEER_ID) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target} is not a valid peer id`);
    }
    if (data.length > this.options.encodeBufferMaxSize) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `packet of ${data.length} bytes exceeds encodeBufferMaxSize ${this.options.encodeBufferMaxSize}`,
      );
    }
    const wire = channel + 1;
    if (this.options.role === "client") {
      this.#checkClientTarget(target);
      const server = this.#peers.get(1)!;
      server.conn.send(wire, mode, data, target === 1 ? undefined : target, now);
      this.#markDirty(server);
      return;
    }
    if (target === 1 || target === -1) {
      throw new MultiplayerError("INVALID_TARGET", "the server cannot send to itself (id 1)");
    }
    if (target > 1) {
      const entry = this.#peers.get(target);
      if (!entry || entry.closingAt > 0) {
        throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${target}`);
      }
      entry.conn.send(wire, mode, data, undefined, now);
      this.#markDirty(entry);
      return;
    }
    for (const entry of this.#peers.values()) {
      if (entry.id === -target || entry.closingAt > 0) continue;
      entry.conn.send(wire, mode, data, undefined, now);
      this.#markDirty(entry);
    }
  }

  #checkClientTarget(target: number): void {
    if (target === 1) return;
    if (!this.#serverRelay) {
      throw new MultiplayerError(
        "INVALID_TARGET",
        `target ${target}: the server does not relay (serverRelay off), clients can only send to 1`,
      );
    }
    if (target === this.#uniqueId) {
      throw new MultiplayerError("INVALID_TARGET", `target ${target} is this peer itself`);
    }
    if (target > 1 && !this.#known.has(target)) {
      throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${target}`);
    }
  }

  /**
   * Servers: drops client `id`. `now` = at once; otherwise after its queued data is acknowledged
   * (at most 2 s). `graceful` = tell the client (DISCONNECT). Emits peer_disconnected.
   */
  disconnectPeer(id: number, now: number, immediately = false, graceful = true): void {
    if (this.options.role !== "server") {
      throw new MultiplayerError("INVALID_ARGUMENT", "disconnectPeer() is for servers");
    }
    const entry = this.#peers.get(id);
    if (!entry) throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${id}`);
    if (immediately || !graceful) {
      this.removePeer(entry, DisconnectReason.CLOSED, graceful, now);
    } else if (entry.closingAt === 0) {
      entry.closingAt = now + Math.min(LINGER_MS, this.options.timeoutMs);
      this.#checkClosing(entry, now);
    }
  }

  /** Closes the endpoint; every remote is told (DISCONNECT). No events are emitted. */
  close(_now: number): void {
    for (const entry of this.#peers.values()) {
      this.#sendDisconnect(entry, DisconnectReason.CLOSED);
      entry.budget.release();
    }
    this.#flow.clear();
    this.#peers.clear();
    this.#bySession.clear();
    this.#known.clear();
    this.#dirty.length = 0;
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
    return this.#peers.get(id);
  }
  /** @internal */
  entryBySession(session: number): PeerEntry | undefined {
    return this.#bySession.get(session);
  }
  /** @internal Number of live clients. */
  get peerCount(): number {
    return this.#peers.size;
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
      closingAt: 0,
      budget,
      inboundPackets: 0,
      inboundBytes: 0,
    };
    conn.onMessage = (wire, mode, peer, payload) =>
      this.#onMessage(entry, wire, mode, peer, payload);
    this.#peers.set(id, entry);
    this.#bySession.set(sessionId, entry);
    this.#flow.add(entry, reliableCarrier, this.#peers.values(), now);
    if (this.options.role === "server") {
      this.emit({ type: "peer_connected", id });
      if (this.#serverRelay) {
        for (const other of this.#peers.values()) {
          if (other === entry || other.closingAt > 0) continue;
          this.#control(entry, ControlType.PEER_ADDED, other.id, now);
          this.#control(other, ControlType.PEER_ADDED, id, now);
        }
      }
    }
    this.#markDirty(entry);
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
    if (this.#peers.get(entry.id) !== entry) return;
    if (tell) this.#sendDisconnect(entry, reason);
    this.#peers.delete(entry.id);
    this.#bySession.delete(entry.sessionId);
    entry.budget.release();
    this.#flow.remove(entry, this.#peers.values(), now);
    if (this.options.role === "client") {
      this.#known.clear();
      this.#status = ConnectionStatus.DISCONNECTED;
      this.emit({ type: "server_disconnected", reason });
      return;
    }
    this.emit({ type: "peer_disconnected", id: entry.id, reason });
    if (!this.#serverRelay) return;
    for (const other of this.#peers.values()) {
      if (other.closingAt === 0) this.#control(other, ControlType.PEER_REMOVED, entry.id, now);
    }
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

  #markDirty(entry: PeerEntry): void {
    if (entry.dirty) return;
    entry.dirty = true;
    this.#dirty.push(entry);
  }

  #control(entry: PeerEntry, type: 1 | 2, id: number, now: number): void {
    try {
      entry.conn.send(
        SYSTEM_CHANNEL,
        TransferMode.RELIABLE,
        encodeControl({ type, id }),
        undefined,
        now,
      );
      this.#markDirty(entry);
    } catch {
      // its send queue is full: it cannot keep up
      this.removePeer(entry, DisconnectReason.BACKPRESSURE, true, now);
    }
  }

  #onMessage(
    entry: PeerEntry,
    wire: number,
    mode: TransferMode,
    peer: number | undefined,
    payload: Uint8Array,
  ): boolean {
    if (this.#peers.get(entry.id) !== entry) return true; // removed meanwhile: swallow
    if (wire === SYSTEM_CHANNEL) {
      if (this.#flow.receive(entry, payload, this.#now)) return true;
      if (this.options.role === "client") this.#onControl(payload);
      return true;
    }
    if (wire > this.#channelCount) return true;
    if (this.options.role === "client") {
      const from = peer ?? 1;
      if (!Number.isInteger(from) || from < 1 || from > MAX_PEER_ID) return true;
      return this.#deliver(entry, from, wire - 1, mode, payload);
    }
    return this.#route(entry, peer ?? 1, wire, mode, payload, this.#now);
  }

  #onControl(payload: Uint8Array): void {
    const msg = decodeControl(payload);
    if (!msg || msg.id === 1 || msg.id === this.#uniqueId) return;
    if (msg.type === ControlType.PEER_ADDED) {
      if (this.#known.has(msg.id)) return;
      this.#known.add(msg.id);
      this.emit({ type: "peer_connected", id: msg.id });
    } else if (this.#known.delete(msg.id)) {
      this.emit({ type: "peer_disconnected", id: msg.id, reason: DisconnectReason.CLOSED });
    }
  }

  // Server: a client's packet for `target`; the sender id is always the connection's own.
  #route(
    from: PeerEntry,
    target: number,
    wire: number,
    mode: TransferMode,
    payload: Uint8Array,
    now: number,
  ): boolean {
    if (!Number.isInteger(target) || Math.abs(target) > MAX_PEER_ID) return true;
    const toSelf = target === 1 || target === 0 || (target < 0 && target !== -1);
    if (toSelf && !this.#deliver(from, from.id, wire - 1, mode, payload)) return false;
    if (!this.#serverRelay || target === 1 || target === -1) return true;
    if (target > 1) {
      const to = this.#peers.get(target);
      if (to && to !== from && to.closingAt === 0) {
        this.#relay(to, from.id, wire, mode, payload, now);
      }
      return true;
    }
    for (const to of this.#peers.values()) {
      if (to === from || to.id === -target || to.closingAt > 0) continue;
      this.#relay(to, from.id, wire, mode, payload, now);
    }
    return true;
  }

  #relay(
    to: PeerEntry,
    source: number,
    wire: number,
    mode: TransferMode,
    payload: Uint8Array,
    now: number,
  ): void {
    try {
      to.conn.send(wire, mode, payload, source, now);
      this.#markDirty(to);
    } catch {
      // unreliable: shed; reliable: the target cannot keep up, drop it rather than grow
      if (mode === TransferMode.RELIABLE) {
        this.removePeer(to, DisconnectReason.BACKPRESSURE, true, now);
      }
    }
  }

  // Refusing makes the connection withhold the ack of a reliable message (the sender retries
  // later) and drop an unreliable one. A queue that is empty always takes one packet, so the
  // largest allowed packet always fits.
  #deliver(
    owner: PeerEntry,
    from: number,
    channel: number,
    mode: TransferMode,
    data: Uint8Array,
  ): boolean {
    const o = this.options, n = data.length;
    if (this.#inbound.length > 0 && this.#inboundBytes + n > o.maxInboundBytes) return false;
    if (owner.inboundPackets >= o.maxInboundPacketsPerPeer) return false;
    if (owner.inboundPackets > 0 && owner.inboundBytes + n > o.maxInboundBytesPerPeer) return false;
    if (!this.#inbound.push({ from, channel, mode, data })) return false;
    this.#inboundOwner.push(owner);
    owner.inboundPackets++;
    owner.inboundBytes += n;
    this.#inboundBytes += n;
    this.#flow.touch(owner);
    return true;
  }

  // A reliable system message (FLOW) to one peer; a full send queue means it cannot keep up.
  #system(entry: PeerEntry, bytes: Uint8Array): void {
    if (this.#peers.get(entry.id) !== entry) return;
    try {
      entry.conn.send(SYSTEM_CHANNEL, TransferMode.RELIABLE, bytes, undefined, this.#now);
      this.#markDirty(entry);
    } catch {
      this.removePeer(entry, DisconnectReason.BACKPRESSURE, true, this.#now);
    }
  }
}
