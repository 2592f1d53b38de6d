/**
 * Godot 3.2's WebSocketMultiplayerPeer wire as a plug-in wire of the session host. One WebSocket
 * is one peer; each message is one packet behind a 9-byte header (see `ws_framing.ts`).
 *
 * Server: when a socket opens, the peer gets an id unique among the live peers of the whole
 * session (Godot draws an unchecked hash), then its id (ID) and the server (ADD 1, which a Godot
 * client reports as `connection_succeeded`), then, with relay on, every other peer, while the
 * others learn of it. Messages must be data from the peer's own id; anything else is dropped and
 * counted. What goes to each Godot client is paced to what its receive buffer holds between two
 * polls, and unreliable packets that would only wait are shed (counted) rather than queued.
 *
 * Client: connected once the server sent our id and then announced itself (ADD 1); what we send
 * to a Godot server is paced the same way, since its per-peer buffers are as small.
 *
 * Godot ignores transfer modes and channels on this wire: packets arrive on channel 0, RELIABLE.
 *
 * @module
 */
import type { PeerAddress } from "../address.ts";
import type { ConnectionApi } from "../connection/types.ts";
import { wireLink } from "./_wire_link.ts";
import type { PeerStats } from "../connection/stats.ts";
import { DEFAULTS, TransferMode } from "../constants.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import type { PeerEntry, PeerWire, WireEndpoint, WireFactory, WireSession } from "../host/wire.ts";
import type { Transmit } from "../host/types.ts";
import {
  encodeGodotWsSystem,
  frameGodotWs,
  GODOT_WS_HEADER_BYTES,
  GODOT_WS_MAX_PAYLOAD,
  godotWsFrom,
  godotWsTo,
  GodotWsType,
  readGodotWsSystemId,
} from "./ws_framing.ts";
import { type GodotPacing, WsPacer } from "./_ws_pacer.ts";
import { describeDisconnect, sessionCloseCode } from "../websocket/session_close.ts";

export type { GodotPacing } from "./_ws_pacer.ts";

/**
 * Default pacing: half of Godot's default receive buffer (64 KiB, 1024 messages) per 33 ms,
 * the frame time of a game running at 30 frames per second (it polls once per frame).
 */
export const DEFAULT_GODOT_PACING: GodotPacing = { bytes: 32 * 1024, packets: 512, intervalMs: 33 };

/**
 * Options of {@link godotWebSocketWire}.
 *
 * @example
 * ```ts
 * import type { GodotWebSocketWireOptions } from "./ws_wire.ts";
 * const o: GodotWebSocketWireOptions = { pacing: { bytes: 16384, packets: 256, intervalMs: 16 } };
 * ```
 */
export interface GodotWebSocketWireOptions {
  /** How fast each Godot endpoint is fed (default {@link DEFAULT_GODOT_PACING}). */
  readonly pacing?: GodotPacing;
  /**
   * Per-peer bound of what waits for pacing, in bytes (default 4 MiB). Past it a reliable packet
   * throws QUEUE_FULL (a relay drops that receiver: it cannot keep up) and an unreliable one is
   * shed.
   */
  readonly maxQueuedBytes?: number;
  /** Clients: give up when the server has not sent our id and itself within this (default 5 s). */
  readonly connectTimeoutMs?: number;
}

/**
 * What a Godot WebSocket wire dropped, by cause (all counts since the host started).
 *
 * @example
 * ```ts
 * import type { GodotWebSocketCounters } from "./ws_wire.ts";
 * const bad = (c: GodotWebSocketCounters) => c.shortMessages + c.badType + c.forgedSender;
 * ```
 */
export interface GodotWebSocketCounters {
  /** Messages shorter than the 9-byte header. */
  shortMessages: number;
  /** Messages of a type the receiver must not get (a client sending announcements). */
  badType: number;
  /** Data whose claimed sender is not the peer that sent it. */
  forgedSender: number;
  /** Unreliable packets shed because the receiver's pacing queue was behind. */
  shed: number;
  /** Reliable packets refused because a receiver's pacing queue was at its bound. */
  queueFull: number;
  /** Messages from sockets that are not (or no longer) in the session. */
  unknownSocket: number;
}

/**
 * A factory of the Godot WebSocket wire for a host's `wires` option (install it for the carrier
 * tag that a WebSocket listener gives its Godot sockets). `counters` (optional) is filled in.
 *
 * @example
 * ```ts
 * import { Host } from "../host/host.ts";
 * import { godotWebSocketWire } from "./ws_wire.ts";
 * const server = new Host({
 *   role: "server",
 *   createConnection: () => { throw new Error("native clients are not expected"); },
 *   wires: { gws: godotWebSocketWire() },
 * });
 * server.handleCarrierOpened({ hostname: "127.0.0.1", port: 1, transport: "gws" }, 0);
 * console.log(server.pollEvent()?.type); // peer_connected
 * console.log(server.pollTransmit(0)?.bytes[0]); // 3: the new peer's id comes first
 * ```
 */
export function godotWebSocketWire(
  options: GodotWebSocketWireOptions = {},
  counters?: GodotWebSocketCounters,
): WireFactory {
  const pacing = options.pacing ?? DEFAULT_GODOT_PACING;
  for (const [name, value] of Object.entries(pacing)) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `pacing.${name} must be > 0, got ${value}`);
    }
  }
  const maxQueued = options.maxQueuedBytes ?? 4 * 1024 * 1024;
  if (!(Number.isInteger(maxQueued) && maxQueued >= 65536)) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `maxQueuedBytes must be an integer >= 65536, got ${maxQueued}`,
    );
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  if (!(connectTimeoutMs >= 50 && connectTimeoutMs <= 3_600_000)) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `connectTimeoutMs must be in [50, 3600000], got ${connectTimeoutMs}`,
    );
  }
  const c = counters ?? newGodotWebSocketCounters();
  return (session) => new GodotWsWire(session, pacing, maxQueued, connectTimeoutMs, c);
}

/**
 * Zeroed counters, to pass to {@link godotWebSocketWire} and read later.
 *
 * @example
 * ```ts
 * import { newGodotWebSocketCounters } from "./ws_wire.ts";
 * console.log(newGodotWebSocketCounters().shed); // 0
 * ```
 */
export function newGodotWebSocketCounters(): GodotWebSocketCounters {
  return { shortMessages: 0, badType: 0, forgedSender: 0, shed: 0, queueFull: 0, unknownSocket: 0 };
}

/** One queued message. */
interface Outgoing {
  readonly bytes: Uint8Array;
  readonly reliable: boolean;
}

/** One socket of this wire: its peer once admitted, its pacing and queue. */
class Socket {
  readonly address: PeerAddress;
  readonly pacer: WsPacer;
  readonly queue: Outgoing[] = [];
  head = 0;
  queuedBytes = 0;
  entry?: PeerEntry;
  /** Sent as the socket's last transmit, once the queue drained (or at once). */
  goodbye?: { code: number; reason: string };
  /** Waiting in the ready list (has something to send now). */
  ready = false;
  /** Earliest time pacing lets its next message go, while it waits for that. */
  wakeAt = Infinity;
  // statistics
  packetsSent = 0;
  bytesSent = 0;
  packetsReceived = 0;
  bytesReceived = 0;
  shed = 0;

  constructor(address: PeerAddress, pacing: GodotPacing) {
    this.address = address;
    this.pacer = new WsPacer(pacing);
  }

  get pending(): number {
    return this.queue.length - this.head;
  }
}

/** The Godot WebSocket wire endpoint of one host (see the module docs). */
class GodotWsWire implements WireEndpoint {
  readonly #session: WireSession;
  readonly #pacing: GodotPacing;
  readonly #maxQueued: number;
  readonly #connectTimeoutMs: number;
  readonly #counters: GodotWebSocketCounters;
  readonly #sockets = new Map<number, Socket>(); // by the carrier's per-socket port number
  readonly #ready: Socket[] = []; // sockets with a message that may go now
  readonly #waiting = new Set<Socket>(); // sockets held back by pacing
  readonly #tx: { to: PeerAddress; bytes: Uint8Array; close?: { code: number; reason: string } } = {
    to: { hostname: "", port: 0 },
    bytes: new Uint8Array(0),
  };
  // clients
  #server?: Socket;
  #myId = 0;
  #connectDeadline = Infinity;

  constructor(
    session: WireSession,
    pacing: GodotPacing,
    maxQueued: number,
    connectTimeoutMs: number,
    counters: GodotWebSocketCounters,
  ) {
    this.#session = session;
    this.#pacing = pacing;
    this.#maxQueued = maxQueued;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#counters = counters;
  }

  // ------------------------------------------------------------------------ lifecycle

  connect(server: PeerAddress, now: number): void {
    this.#server = new Socket({ ...server }, this.#pacing);
    this.#sockets.set(server.port, this.#server);
    this.#connectDeadline = now + this.#connectTimeoutMs;
  }

  handleCarrierOpened(address: PeerAddress, now: number): void {
    const s = this.#session;
    if (!s.isServer || this.#sockets.has(address.port)) return;
    const socket = new Socket({ ...address }, this.#pacing);
    this.#sockets.set(address.port, socket);
    const refusal = s.refuseNewConnections
      ? DisconnectReason.REFUSED
      : s.peerCount >= s.maxClients
      ? DisconnectReason.SERVER_FULL
      : 0;
    if (refusal !== 0) {
      this.#farewell(socket, refusal, false);
      return;
    }
    const id = s.newPeerId();
    // the id and the server first: admitting announces the others, which must come after
    this.#enqueue(socket, encodeGodotWsSystem(GodotWsType.ID, id), true, now);
    this.#enqueue(socket, encodeGodotWsSystem(GodotWsType.ADD, 1), true, now);
    socket.entry = s.admit(
      id,
      socket.address,
      link(socket),
      new GodotWsPeerWire(this, socket),
      now,
    );
  }

  handleCarrierClosed(
    address: PeerAddress,
    reason: DisconnectReason,
    now: number,
    detail?: string,
  ): boolean {
    const socket = this.#sockets.get(address.port);
    if (!socket || socket.address.hostname !== address.hostname) return false;
    this.#forget(socket);
    const s = this.#session, entry = socket.entry;
    if (entry) s.removePeer(entry, reason, false, now);
    else if (!s.isServer && socket === this.#server) {
      this.#server = undefined;
      this.#connectDeadline = Infinity;
      s.failed(
        reason,
        socket.packetsReceived === 0 && detail
          ? detail
          : `the server closed the WebSocket before it sent our id and itself (${
            detail ?? describeDisconnect(reason)
          })`,
      );
    }
    return true;
  }

  close(_now: number): void {
    for (const socket of this.#sockets.values()) {
      if (!socket.goodbye) this.#farewell(socket, DisconnectReason.CLOSED, false);
    }
  }

  // ------------------------------------------------------------------------------ input

  handleDatagram(bytes: Uint8Array, from: PeerAddress, now: number): void {
    const socket = this.#sockets.get(from.port);
    if (!socket || socket.address.hostname !== from.hostname || socket.goodbye) {
      this.#counters.unknownSocket++;
      return;
    }
    if (bytes.length < GODOT_WS_HEADER_BYTES) {
      this.#counters.shortMessages++;
      return;
    }
    socket.packetsReceived++;
    socket.bytesReceived += bytes.length;
    const type = bytes[0], sender = godotWsFrom(bytes), target = godotWsTo(bytes);
    const s = this.#session;
    if (s.isServer) {
      const entry = socket.entry;
      if (!entry) return;
      if (type !== GodotWsType.DATA) {
        this.#counters.badType++;
        return;
      }
      if (sender !== entry.id) {
        this.#counters.forgedSender++;
        return;
      }
      this.#deliver(entry, sender, target, bytes);
      return;
    }
    this.#clientReceive(socket, type, sender, target, bytes, now);
  }

  #clientReceive(
    socket: Socket,
    type: number,
    sender: number,
    target: number,
    bytes: Uint8Array,
    now: number,
  ): void {
    const s = this.#session;
    if (type === GodotWsType.DATA) {
      if (socket.entry) this.#deliver(socket.entry, sender, target, bytes);
      return;
    }
    if (sender !== 1 || bytes.length < GODOT_WS_HEADER_BYTES + 4) {
      this.#counters.badType++;
      return;
    }
    const id = readGodotWsSystemId(bytes)!;
    switch (type) {
      case GodotWsType.ID:
        if (!socket.entry && id >= 2) this.#myId = id;
        else this.#counters.badType++;
        return;
      case GodotWsType.ADD:
        if (id !== 1) {
          if (socket.entry) s.receiveControl(true, id);
          return;
        }
        if (socket.entry || this.#myId === 0) {
          // the server announced itself twice, or before telling us our id
          this.#counters.badType++;
          if (!socket.entry) this.#abandon(socket, "the server announced itself before our id");
          return;
        }
        this.#connectDeadline = Infinity;
        s.connected(this.#myId, s.channelCount, true);
        socket.entry = s.admit(
          1,
          socket.address,
          link(socket),
          new GodotWsPeerWire(this, socket),
          now,
        );
        return;
      case GodotWsType.DEL:
        if (socket.entry && id !== 1) s.receiveControl(false, id);
        return;
      default:
        this.#counters.badType++;
    }
  }

  #deliver(entry: PeerEntry, from: number, target: number, bytes: Uint8Array): void {
    // the carrier's bytes may alias its read buffer: the queue and relays keep a copy, header
    // included, so relaying to another Godot peer reuses it unchanged
    const copy = bytes.slice();
    const payload = copy.subarray(GODOT_WS_HEADER_BYTES);
    this.#session.receiveData(entry, 0, TransferMode.RELIABLE, from, target, payload);
  }

  handleTimeout(now: number): void {
    if (now >= this.#connectDeadline && this.#server && !this.#server.entry) {
      this.#connectDeadline = Infinity;
      const server = this.#server;
      this.#server = undefined;
      this.#farewell(server, DisconnectReason.CONNECT_TIMEOUT, false);
      this.#session.failed(
        DisconnectReason.CONNECT_TIMEOUT,
        `the WebSocket opened but the server sent no Godot id within ${this.#connectTimeoutMs} ms` +
          " (not a Godot multiplayer server?)",
      );
    }
    for (const socket of this.#waiting) {
      if (socket.wakeAt <= now) {
        this.#waiting.delete(socket);
        socket.wakeAt = Infinity;
        this.#markReady(socket);
      }
    }
  }

  // ----------------------------------------------------------------------------- output

  pollTransmit(now: number): Transmit | undefined {
    const ready = this.#ready;
    while (ready.length > 0) {
      const socket = ready[ready.length - 1];
      if (socket.pending === 0) {
        ready.pop();
        socket.ready = false;
        if (socket.goodbye && this.#sockets.get(socket.address.port) === socket) {
          return this.#sendGoodbye(socket);
        }
        continue;
      }
      const next = socket.queue[socket.head];
      if (!socket.pacer.take(next.bytes.length, now)) {
        ready.pop();
        socket.ready = false;
        socket.wakeAt = socket.pacer.readyAt(next.bytes.length, now);
        this.#waiting.add(socket);
        continue;
      }
      socket.queue[socket.head] = EMPTY;
      socket.head++;
      socket.queuedBytes -= next.bytes.length;
      if (socket.head === socket.queue.length) {
        socket.queue.length = 0;
        socket.head = 0;
        // a peer leaving gracefully waits for this
        if (socket.entry) this.#session.markDirty(socket.entry);
      } else if (socket.head >= 1024 && socket.head * 2 >= socket.queue.length) {
        socket.queue.splice(0, socket.head);
        socket.head = 0;
      }
      socket.packetsSent++;
      socket.bytesSent += next.bytes.length;
      const tx = this.#tx;
      tx.to = socket.address;
      tx.bytes = next.bytes;
      tx.close = undefined;
      return tx;
    }
    return undefined;
  }

  pollTimeout(): number {
    let t = this.#connectDeadline;
    for (const socket of this.#waiting) if (socket.wakeAt < t) t = socket.wakeAt;
    return t;
  }

  // -------------------------------------------------------------------- peer wire side

  /** Queues data for `socket`'s peer (see {@link PeerWire.sendData}). */
  sendData(socket: Socket, mode: TransferMode, payload: Uint8Array, from: number, to: number) {
    if (socket.goodbye) return;
    if (payload.length > GODOT_WS_MAX_PAYLOAD) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `packet of ${payload.length} bytes exceeds what a Godot WebSocket peer takes ` +
          `(${GODOT_WS_MAX_PAYLOAD} bytes)`,
      );
    }
    const reliable = mode === TransferMode.RELIABLE;
    const size = payload.length + GODOT_WS_HEADER_BYTES;
    if (!reliable && socket.pending > 0 && socket.queuedBytes + size > this.#pacing.bytes) {
      // it would only arrive late: shed it, as a congested datagram link would
      socket.shed++;
      this.#counters.shed++;
      return;
    }
    if (socket.queuedBytes + size > this.#maxQueued) {
      if (!reliable) {
        socket.shed++;
        this.#counters.shed++;
        return;
      }
      this.#counters.queueFull++;
      throw new MultiplayerError(
        "QUEUE_FULL",
        `the pacing queue of a Godot WebSocket peer is full (${this.#maxQueued} bytes)`,
      );
    }
    this.#enqueue(socket, frameGodotWs(GodotWsType.DATA, from, to, payload), reliable, 0);
  }

  /** Queues an announcement (see {@link PeerWire.sendControl}). */
  sendControl(socket: Socket, added: boolean, id: number) {
    if (socket.goodbye) return;
    const type = added ? GodotWsType.ADD : GodotWsType.DEL;
    this.#enqueue(socket, encodeGodotWsSystem(type, id), true, 0);
  }

  /** The session drops the peer (see {@link PeerWire.sayGoodbye}). */
  sayGoodbye(socket: Socket, reason: DisconnectReason, graceful: boolean) {
    socket.entry = undefined;
    if (!socket.goodbye) this.#farewell(socket, reason, graceful);
  }

  // ---------------------------------------------------------------------------- private

  #enqueue(socket: Socket, bytes: Uint8Array, reliable: boolean, _now: number): void {
    socket.queue.push({ bytes, reliable });
    socket.queuedBytes += bytes.length;
    if (socket.wakeAt === Infinity) this.#markReady(socket);
  }

  #markReady(socket: Socket): void {
    if (socket.ready) return;
    socket.ready = true;
    this.#ready.push(socket);
  }

  // Closes the socket with a code that says why: after what is queued (graceful) or now.
  #farewell(socket: Socket, reason: DisconnectReason, graceful: boolean): void {
    socket.goodbye = { code: sessionCloseCode(reason), reason: describeDisconnect(reason) };
    if (!graceful) {
      for (let i = socket.head; i < socket.queue.length; i++) socket.queue[i] = EMPTY;
      socket.queue.length = 0;
      socket.head = 0;
      socket.queuedBytes = 0;
      this.#waiting.delete(socket);
      socket.wakeAt = Infinity;
    }
    this.#markReady(socket);
  }

  #sendGoodbye(socket: Socket): Transmit {
    this.#forget(socket);
    const tx = this.#tx;
    tx.to = socket.address;
    tx.bytes = EMPTY.bytes;
    tx.close = socket.goodbye;
    return tx;
  }

  #forget(socket: Socket): void {
    if (this.#sockets.get(socket.address.port) === socket) {
      this.#sockets.delete(socket.address.port);
    }
    this.#waiting.delete(socket);
  }

  // clients: the server broke the protocol before we were connected
  #abandon(socket: Socket, why: string): void {
    this.#server = undefined;
    this.#connectDeadline = Infinity;
    this.#farewell(socket, DisconnectReason.PROTOCOL_ERROR, false);
    this.#session.failed(DisconnectReason.PROTOCOL_ERROR, why);
  }
}

const EMPTY: Outgoing = { bytes: new Uint8Array(0), reliable: false };

/** How the session reaches one Godot WebSocket peer. */
class GodotWsPeerWire implements PeerWire {
  readonly kind = "godot-ws";
  readonly maxPayload = GODOT_WS_MAX_PAYLOAD;
  readonly valueFormat = "godot";
  readonly #wire: GodotWsWire;
  readonly #socket: Socket;

  constructor(wire: GodotWsWire, socket: Socket) {
    this.#wire = wire;
    this.#socket = socket;
  }

  sendData(
    _channel: number,
    mode: TransferMode,
    payload: Uint8Array,
    from: number,
    target: number,
    _now: number,
  ): void {
    this.#wire.sendData(this.#socket, mode, payload, from, target);
  }

  sendControl(added: boolean, id: number, _now: number): void {
    this.#wire.sendControl(this.#socket, added, id);
  }

  sayGoodbye(reason: DisconnectReason, graceful: boolean, _now: number): void {
    this.#wire.sayGoodbye(this.#socket, reason, graceful);
  }
}

/** The session's view of a Godot WebSocket peer (TCP does the rest). */
function link(socket: Socket): ConnectionApi {
  return wireLink({
    get queuedBytes() {
      return socket.queuedBytes;
    },
    rttMs: 0,
    peerStats: (): PeerStats => ({
      rttMs: 0,
      rttVarianceMs: 0,
      minRttMs: 0,
      lossRate: 0,
      packetsSent: socket.packetsSent,
      packetsReceived: socket.packetsReceived,
      packetsLost: 0,
      bytesSent: socket.bytesSent,
      bytesReceived: socket.bytesReceived,
      retransmits: 0,
      retransmitTimeouts: 0,
      unreliableDropped: socket.shed,
      queuedBytes: socket.queuedBytes,
      bytesInFlight: 0,
      congestionWindow: 0,
      pacingRateBytesPerSec: 0,
      sendRateBytesPerSec: 0,
      receiveRateBytesPerSec: 0,
      timeoutMs: 0,
    }),
  }, "Godot WebSocket peers");
}
