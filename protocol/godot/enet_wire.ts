/**
 * Godot 3.2's NetworkedMultiplayerENet wire as a plug-in wire of the session host: an ENet host
 * for the carrier, Godot's admission (the client-chosen id travels in CONNECT's data), framing
 * (8-byte source/target header, channel 0 announcements) and the mapping of user channels to
 * ENet channels (user channel c is ENet channel c + 1, so ENet channels 1 and 2 are Godot's
 * reliable and unreliable defaults).
 *
 * Where Godot leaves room, better: a refused, full or duplicate-id connect is answered with an
 * ENet DISCONNECT in place of VERIFY_CONNECT, so the client fails at once (Godot's own server
 * completes the handshake and resets later, or stays silent); unreliable data is shed only under
 * real congestion, and each remote is asked (THROTTLE_CONFIGURE, which Godot's ENet obeys) to
 * throttle its own unreliable packets as gently; an unreliable packet above a fragment goes as
 * unreliable fragments; a spoofed CONNECT flood can neither fill the server nor outpace a real
 * client's handshake (only connected clients count towards `maxClients`; 1024 handshakes are
 * kept, oldest evicted first).
 *
 * @module
 */
import type { PeerAddress } from "../address.ts";
import { copyAddress } from "../address.ts";
import type { ConnectionApi } from "../connection/types.ts";
import { wireLink } from "./_wire_link.ts";
import type { PeerStats } from "../connection/stats.ts";
import { DEFAULTS, MAX_PEER_ID, TransferMode } from "../constants.ts";
import { DisconnectReason, MultiplayerError } from "../errors.ts";
import { EnetHost } from "../enet/host.ts";
import type { EnetPeer } from "../enet/peer.ts";
import type { EnetEvent } from "../enet/events.ts";
import type { EnetOptions } from "../enet/options.ts";
import { CopySlab } from "../enet/slab.ts";
import type { PeerEntry, PeerWire, WireEndpoint, WireFactory, WireSession } from "../host/wire.ts";
import type { Transmit } from "../host/types.ts";
import {
  encodeSysMsg,
  enetFlagsFor,
  framePacket,
  GODOT_CONFIG_CHANNEL,
  GODOT_HEADER_BYTES,
  GodotSysMsg,
  modeOfEnetFlags,
  readSource,
  readTarget,
} from "./enet_framing.ts";

/**
 * Handshakes a server keeps at once (ENet evicts the oldest beyond it). A spoofed CONNECT flood
 * passing the connect-rate limiter (about 1500/s at its defaults) then leaves a real client's
 * handshake about 0.7 s to complete: enough for any real round trip.
 */
const PENDING_HANDSHAKES = 1024;
/** ENet slots beyond clients and handshakes (peers still draining a disconnect). */
const SPARE_SLOTS = 16;

/**
 * Packet throttle asked of the remote (THROTTLE_CONFIGURE: interval ms, acceleration,
 * deceleration, in 32nds). Godot's ENet drops unreliable packets before the wire whenever one
 * RTT sample jumps (-2/32 each, back +2 per good sample): on a busy machine that loses a few
 * percent of a healthy stream. Asked for: -1/32 per bad sample, full again at the first good one.
 */
const GENTLE_THROTTLE = [5000, 32, 1] as const;

/**
 * How long acknowledgements may wait for others to share a datagram (ENet's `ackDelayMs`). A
 * session host hands its wire one datagram per turn and flushes after each: without a wait, every
 * received datagram costs a datagram back (a send is the dearest call a server makes); libenet
 * acknowledges once per service call. Any reply, a full datagram's worth or a quarter of the
 * remote's window sends them earlier; the remote's RTT grows by the wait at most.
 */
const ACK_DELAY_MS = 1;

/** Bits of an ENet header's first word that hold the receiver's peer index. */
const PEER_INDEX_MASK = 0xfff;

/** How often a refused reliable packet is offered again while nothing else wakes the wire. */
const HELD_RETRY_MS = 10;

/** ENet's UNRELIABLE_FRAGMENT and NO_ALLOCATE packet flags. */
const UNRELIABLE_FRAGMENT = 8, NO_ALLOCATE = 4;
/** ENet datagram header + fragment command: what a fragment leaves of the MTU. */
const FRAGMENT_OVERHEAD = 4 + 24;

/**
 * Data of the DISCONNECT that answers a refused connect, read by our clients (Godot's report
 * `connection_failed` whatever it is): the {@link DisconnectReason} of the refusal.
 */
const REFUSAL: Readonly<Record<number, string>> = {
  [DisconnectReason.REFUSED]: "the server refuses new connections",
  [DisconnectReason.SERVER_FULL]: "the server is full",
  [DisconnectReason.PROTOCOL_ERROR]: "the server refused our id (invalid or already in use)",
};

/**
 * Options of {@link godotEnetWire}.
 *
 * @example
 * ```ts
 * import type { GodotEnetWireOptions } from "./enet_wire.ts";
 * const o: GodotEnetWireOptions = { channelCount: 3, enet: { mtu: 1400 } };
 * ```
 */
export interface GodotEnetWireOptions {
  /** ENet channels, the config channel included (Godot's `channel_count`, at least 3). */
  readonly channelCount: number;
  /** Settings of the ENet host (compressor, bandwidth, MTU, bounds). */
  readonly enet?: EnetOptions;
  /** Clients: the id sent in CONNECT (default: random in [2, 2^31 - 1]). */
  readonly clientId?: number;
  /**
   * Unreliable packets larger than one fragment go as ENet unreliable fragments (default true;
   * libenet 1.3, and so Godot 3.2, takes them). False sends them as reliable fragments, as
   * Godot's own peer does.
   */
  readonly unreliableFragments?: boolean;
  /** Servers: a cheap veto before any state exists for a CONNECT (a connect-rate limiter). */
  readonly allowConnect?: (address: PeerAddress, now: number) => boolean;
  /** Clients: give up connecting after this long (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * Ask every remote for a gentle unreliable-packet throttle once connected (default true;
   * see the module docs). False leaves Godot's own (ENet's defaults).
   */
  readonly gentleThrottle?: boolean;
}

/**
 * A factory of the Godot ENet wire for a host's `wires` option.
 *
 * @example
 * ```ts
 * import { Host } from "../host/host.ts";
 * import { godotEnetWire } from "./enet_wire.ts";
 * const server = new Host({
 *   role: "server",
 *   channelCount: 2, // ENet channels 1 and 2
 *   createConnection: () => { throw new Error("native clients are not expected"); },
 *   wires: { udp: godotEnetWire({ channelCount: 3 }) },
 * });
 * console.log(server.pollTimeout()); // undefined: nothing to do yet
 * ```
 */
export function godotEnetWire(options: GodotEnetWireOptions): WireFactory {
  if (!Number.isInteger(options.channelCount) || options.channelCount < 3) {
    throw new MultiplayerError(
      "INVALID_ARGUMENT",
      `a Godot ENet peer needs at least 3 channels, got ${options.channelCount}`,
    );
  }
  return (session) => new GodotEnetWire(session, options);
}

/** The Godot ENet wire endpoint of one host (see the module docs). */
class GodotEnetWire implements WireEndpoint {
  readonly #session: WireSession;
  readonly #enet: EnetHost;
  readonly #channelCount: number;
  readonly #fragmentPayload: number;
  readonly #unreliableFragments: boolean;
  readonly #entries = new Map<EnetPeer, PeerEntry>();
  // the entry of the peer whose packet came last (a datagram's packets share a peer)
  #lastPeer?: EnetPeer;
  #lastEntry?: PeerEntry;
  // Ids of accepted handshakes, to ENet slot: the id travels in the peer's CONNECT data. ENet
  // drops a handshake that times out or is evicted without an event: such entries are found
  // stale by looking at the slot (see #inHandshake) and swept now and then. No reference to a
  // dropped peer is kept.
  readonly #handshakeIds = new Map<number, number>();
  readonly #pendingLimit: number;
  readonly #isServer: boolean;
  readonly #gentleThrottle: boolean;
  #held?: EnetEvent; // a reliable packet the session's inbound queue refused
  #heldRetryAt = Infinity; // when to offer it again if nothing else happens first
  #clientId = 0;
  #server?: EnetPeer; // clients: the connection to the server
  readonly #connectTimeoutMs: number;
  #connectDeadline = Infinity; // clients: while connecting
  // framed packets up to 1 KiB share 16 KiB chunks (kept until ENet is done with them)
  readonly #slab = new CopySlab(16 * 1024, 1024);
  readonly #alloc = (length: number) => this.#slab.alloc(length);

  constructor(session: WireSession, o: GodotEnetWireOptions) {
    this.#session = session;
    this.#channelCount = o.channelCount;
    this.#unreliableFragments = o.unreliableFragments ?? true;
    const server = session.isServer;
    this.#isServer = server;
    this.#gentleThrottle = o.gentleThrottle ?? true;
    const pending = o.enet?.maxPendingPeers ?? PENDING_HANDSHAKES;
    this.#pendingLimit = pending;
    const limit = Math.min(4095, session.maxClients + pending + SPARE_SLOTS);
    this.#enet = new EnetHost({
      peerLimit: server ? limit : 1,
      maxPendingPeers: server ? Math.min(pending, limit) : 1,
      channelLimit: o.channelCount,
      maxPacketSize: session.maxPacketSize + GODOT_HEADER_BYTES,
      random: session.random,
      fullRejectData: DisconnectReason.SERVER_FULL,
      allowConnect: o.allowConnect,
      ackDelayMs: ACK_DELAY_MS,
      // packets reach the application as views already (the Godot header is cut off)
      sharedBuffers: true,
      ...o.enet,
    });
    this.#connectTimeoutMs = o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    if (!(this.#connectTimeoutMs >= 50 && this.#connectTimeoutMs <= 3_600_000)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `connectTimeoutMs must be in [50, 3600000], got ${this.#connectTimeoutMs}`,
      );
    }
    const mtu = this.#enet.options.mtu;
    this.#fragmentPayload = mtu - FRAGMENT_OVERHEAD - GODOT_HEADER_BYTES;
    if (!server) {
      const id = o.clientId ?? 0;
      if (id !== 0 && !(Number.isInteger(id) && id >= 2 && id <= MAX_PEER_ID)) {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `clientId must be in [2, 2^31 - 1], got ${id}`,
        );
      }
      this.#clientId = id;
    }
  }

  connect(server: PeerAddress, now: number): void {
    if (this.#clientId === 0) this.#clientId = this.#session.newPeerId();
    this.#server = this.#enet.connect(copyAddress(server), this.#channelCount, this.#clientId, now);
    this.#connectDeadline = now + this.#connectTimeoutMs;
  }

  handleDatagram(bytes: Uint8Array, from: PeerAddress, now: number, owned = false): void {
    this.#enet.handleDatagram(bytes, from, now, owned);
    this.#drain(now);
    // acknowledgements may have emptied the queue of a peer being disconnected gracefully:
    // the session then lets it go at once (not at the end of its linger time)
    if (bytes.length >= 2) {
      const peer = this.#enet.peer(((bytes[0] << 8) | bytes[1]) & PEER_INDEX_MASK);
      const entry = peer && this.#entries.get(peer);
      if (entry !== undefined && entry.closingAt > 0) this.#session.markDirty(entry);
    }
  }

  handleTimeout(now: number): void {
    if (now >= this.#connectDeadline && this.#server) {
      this.#connectDeadline = Infinity;
      const { hostname, port } = this.#server.address;
      this.#server.reset(); // no event: the attempt is over here
      this.#server = undefined;
      this.#session.failed(
        DisconnectReason.CONNECT_TIMEOUT,
        `no answer from ${hostname}:${port} within ${this.#connectTimeoutMs} ms`,
      );
    }
    this.#enet.handleTimeout(now);
    this.#drain(now);
  }

  pollTransmit(now: number): Transmit | undefined {
    const tx = this.#enet.pollTransmit(now);
    if (tx) return tx;
    // events born while transmitting (a timeout found there) are applied, then sent for
    return this.#drain(now) ? this.#enet.pollTransmit(now) : undefined;
  }

  pollTimeout(): number {
    return Math.min(this.#enet.pollTimeout(), this.#connectDeadline, this.#heldRetryAt);
  }

  close(now: number): void {
    for (const peer of this.#enet.peers) {
      if (peer.state !== "disconnected") peer.disconnectNow(DisconnectReason.CLOSED, now);
    }
  }

  // Applies the ENet host's events to the session; true when any was applied. A reliable
  // packet the session refused (its inbound queue is full) is kept and offered again first.
  #drain(now: number): boolean {
    let any = false;
    const held = this.#held;
    if (held !== undefined) {
      if (this.#apply(held, now) === false) {
        this.#heldRetryAt = now + HELD_RETRY_MS;
        return false;
      }
      this.#held = undefined;
      this.#heldRetryAt = Infinity;
      any = true;
    }
    for (let e = this.#enet.pollEvent(); e; e = this.#enet.pollEvent()) {
      any = true;
      if (this.#apply(e, now) === false) {
        this.#held = e;
        this.#heldRetryAt = now + HELD_RETRY_MS;
        break;
      }
    }
    return any;
  }

  // false: a reliable packet the session could not take (see #drain)
  #apply(e: EnetEvent, now: number): boolean | void {
    const s = this.#session;
    switch (e.type) {
      case "connectRequest": {
        const r = e.request, id = r.data;
        // only connected clients count: handshakes in progress may be a spoofed flood's, and
        // must not make the server look full (a race is settled when one completes)
        const refusal = !s.isServer
          ? DisconnectReason.PROTOCOL_ERROR
          : s.refuseNewConnections
          ? DisconnectReason.REFUSED
          : s.peerCount >= s.maxClients
          ? DisconnectReason.SERVER_FULL
          : !(id >= 2 && id <= MAX_PEER_ID) || s.entryById(id) || this.#inHandshake(id)
          ? DisconnectReason.PROTOCOL_ERROR
          : 0;
        if (refusal !== 0) {
          this.#enet.reject(r, refusal, now);
          return;
        }
        if (this.#enet.accept(r, now)) {
          if (this.#handshakeIds.size >= 2 * this.#pendingLimit) this.#sweepHandshakes();
          this.#handshakeIds.set(id, r.peer.incomingPeerId);
        }
        return;
      }
      case "connect": {
        const peer = e.peer;
        if (!s.isServer) {
          this.#connectDeadline = Infinity;
          if (this.#gentleThrottle) peer.throttleConfigure(...GENTLE_THROTTLE, now);
          s.connected(this.#clientId, peer.channelCount - 1, true);
          this.#lastPeer = undefined;
          this.#entries.set(
            peer,
            s.admit(1, copyAddress(peer.address), link(peer), this.#wireOf(peer), now),
          );
          return;
        }
        const id = peer.connectData;
        this.#forgetHandshake(peer);
        // lost a race meanwhile (another handshake took the last place or the id)
        const late = s.refuseNewConnections
          ? DisconnectReason.REFUSED
          : s.peerCount >= s.maxClients
          ? DisconnectReason.SERVER_FULL
          : s.entryById(id)
          ? DisconnectReason.PROTOCOL_ERROR
          : 0;
        if (late !== 0) {
          peer.disconnectNow(late, now);
          return;
        }
        if (this.#gentleThrottle) peer.throttleConfigure(...GENTLE_THROTTLE, now);
        this.#lastPeer = undefined;
        this.#entries.set(
          peer,
          s.admit(id, copyAddress(peer.address), link(peer), this.#wireOf(peer), now),
        );
        return;
      }
      case "receive": {
        const entry = this.#entryOf(e.peer);
        if (!entry) return;
        const data = e.data;
        if (e.channel === GODOT_CONFIG_CHANNEL) {
          // only a server announces; a server ignores them
          if (!s.isServer && data.length >= 8) {
            const type = readSource(data), id = readTarget(data);
            if (type === GodotSysMsg.ADD_PEER || type === GodotSysMsg.REMOVE_PEER) {
              s.receiveControl(type === GodotSysMsg.ADD_PEER, id);
            }
          }
          return;
        }
        if (data.length < GODOT_HEADER_BYTES) return;
        const from = readSource(data), target = readTarget(data);
        const payload = data.subarray(GODOT_HEADER_BYTES);
        const mode = modeOfEnetFlags(e.flags);
        // ENet acknowledged it already: a reliable packet the session cannot take now waits
        // here (and the events after it), and ENet's own bound then holds the senders back
        if (!s.receiveData(entry, e.channel - 1, mode, from, target, payload)) {
          return mode !== TransferMode.RELIABLE;
        }
        return;
      }
      case "disconnect": {
        const peer = e.peer, entry = this.#entries.get(peer);
        this.#forgetHandshake(peer);
        if (entry) {
          this.#entries.delete(peer);
          this.#lastPeer = undefined;
          s.removePeer(entry, e.reason, false, now);
        } else if (!s.isServer && peer === this.#server) {
          this.#connectDeadline = Infinity;
          const refusal = REFUSAL[e.data];
          if (refusal && e.reason === DisconnectReason.CLOSED) {
            s.failed(e.data as DisconnectReason, refusal);
          } else if (e.reason === DisconnectReason.CONNECT_TIMEOUT) {
            const { hostname, port } = peer.address;
            s.failed(e.reason, `no answer from ${hostname}:${port} (ENet connect timed out)`);
          } else s.failed(e.reason, "the server closed the connection attempt");
        }
        return;
      }
    }
  }

  #entryOf(peer: EnetPeer): PeerEntry | undefined {
    if (peer === this.#lastPeer) return this.#lastEntry;
    const entry = this.#entries.get(peer);
    this.#lastPeer = peer;
    this.#lastEntry = entry;
    return entry;
  }

  #forgetHandshake(peer: EnetPeer): void {
    if (!this.#isServer) return;
    const id = peer.connectData;
    if (this.#handshakeIds.get(id) === peer.incomingPeerId) this.#handshakeIds.delete(id);
  }

  // Whether a handshake in progress holds `id` (a stale entry is forgotten on the way).
  #inHandshake(id: number): boolean {
    const slot = this.#handshakeIds.get(id);
    if (slot === undefined) return false;
    if (this.#holds(slot, id)) return true;
    this.#handshakeIds.delete(id);
    return false;
  }

  #holds(slot: number, id: number): boolean {
    const peer = this.#enet.peer(slot);
    return peer !== undefined && peer.connectData === id && !this.#entries.has(peer) &&
      peer.state !== "disconnected";
  }

  // Forgets the handshakes ENet dropped silently. Runs when the map holds twice as many ids as
  // ENet can hold handshakes, so at least half are stale: amortized O(1) per handshake.
  #sweepHandshakes(): void {
    for (const [id, slot] of this.#handshakeIds) {
      if (!this.#holds(slot, id)) this.#handshakeIds.delete(id);
    }
  }

  #wireOf(peer: EnetPeer): PeerWire {
    return new EnetPeerWire(
      peer,
      this.#session,
      this.#fragmentPayload,
      this.#unreliableFragments,
      this.#alloc,
    );
  }
}

/** How the session reaches one ENet peer: Godot-framed packets on ENet channels. */
class EnetPeerWire implements PeerWire {
  readonly kind = "enet";
  readonly valueFormat = "godot";
  readonly maxPayload: number;
  /** Unreliable packets the ENet layer shed (congestion, queue bound). */
  shed = 0;
  readonly #peer: EnetPeer;
  readonly #fragmentPayload: number;
  readonly #unreliableFragments: boolean;
  readonly #alloc: (length: number) => Uint8Array;

  constructor(
    peer: EnetPeer,
    s: WireSession,
    fragmentPayload: number,
    fragments: boolean,
    alloc: (length: number) => Uint8Array,
  ) {
    this.#peer = peer;
    this.maxPayload = s.maxPacketSize;
    this.#fragmentPayload = fragmentPayload;
    this.#unreliableFragments = fragments;
    this.#alloc = alloc;
  }

  /** User channels the remote opened (its ENet channels but Godot's config channel). */
  get userChannels(): number {
    return this.#peer.channelCount - 1;
  }

  sendData(
    channel: number,
    mode: TransferMode,
    payload: Uint8Array,
    from: number,
    target: number,
    now: number,
  ): void {
    const ch = channel + 1;
    if (this.#peer.state !== "connected") return; // leaving: nothing more goes to it
    if (ch >= this.#peer.channelCount) return; // the remote opened fewer channels: not for it
    let flags = enetFlagsFor(mode);
    if (flags !== 1 && this.#unreliableFragments && payload.length > this.#fragmentPayload) {
      flags |= UNRELIABLE_FRAGMENT;
    }
    const packet = framePacket(from, target, payload, this.#alloc);
    if (!this.#peer.send(ch, packet, flags | NO_ALLOCATE, now)) this.shed++;
  }

  sendControl(added: boolean, id: number, now: number): void {
    if (this.#peer.state !== "connected") return;
    const type = added ? GodotSysMsg.ADD_PEER : GodotSysMsg.REMOVE_PEER;
    this.#peer.send(GODOT_CONFIG_CHANNEL, encodeSysMsg(type, id), 1 | NO_ALLOCATE, now);
  }

  sayGoodbye(reason: DisconnectReason, graceful: boolean, now: number): void {
    if (this.#peer.state === "disconnected") return;
    if (graceful) this.#peer.disconnect(reason, now);
    else this.#peer.disconnectNow(reason, now);
  }
}

/** The session's view of an ENet peer: the ENet host schedules its traffic and timers. */
function link(peer: EnetPeer): ConnectionApi {
  return wireLink({
    get queuedBytes() {
      return peer.queuedBytes;
    },
    get rttMs() {
      return peer.roundTripTime;
    },
    peerStats: (now) => enetPeerStats(peer, now),
    setPeerTimeout: (limit, minMs, maxMs) => peer.setTimeoutLimits(limit, minMs ?? 0, maxMs ?? 0),
  }, "ENet peers");
}

function enetPeerStats(peer: EnetPeer, now: number): PeerStats {
  const s = peer.stats(now);
  const lost = s.retransmits;
  return {
    rttMs: s.roundTripTime,
    rttVarianceMs: s.roundTripTimeVariance,
    minRttMs: s.roundTripTime,
    lossRate: s.packetLoss / 65536,
    packetsSent: s.datagramsSent,
    packetsReceived: s.datagramsReceived,
    packetsLost: lost,
    bytesSent: s.bytesSent,
    bytesReceived: s.bytesReceived,
    retransmits: s.retransmits,
    retransmitTimeouts: 0,
    unreliableDropped: s.unreliableShed,
    queuedBytes: s.queuedBytes,
    bytesInFlight: s.bytesInFlight,
    congestionWindow: s.windowSize,
    pacingRateBytesPerSec: Infinity,
    sendRateBytesPerSec: 0,
    receiveRateBytesPerSec: 0,
    timeoutMs: 0,
  };
}
