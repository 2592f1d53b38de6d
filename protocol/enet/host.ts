/**
 * An ENet host as a pure state machine: it owns the peer index table, routes datagrams to peers,
 * admits CONNECTs (the owner decides), runs the bandwidth throttle and multiplexes the peers'
 * datagrams and events.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { type EnetAddress, sameAddress, sameHost } from "./address.ts";
import { decodeCommand, DecodedCommand, DecodedHeader, encodeCommand } from "./codec.ts";
import { EnetCommand, EnetDefault, EnetFlag, EnetLimit, EnetPacketFlag } from "./constants.ts";
import type { EnetConnectRequest, EnetEvent } from "./events.ts";
import { type EnetOptions, type ResolvedEnetOptions, resolveOptions } from "./options.ts";
import { EnetPeer } from "./peer.ts";
import { bandwidthThrottle } from "./_bandwidth.ts";
import { PeerCore } from "./_core.ts";
import { HEADER_ROOM, openDatagram, readHeader, sealDatagram, txBuffer } from "./_datagram.ts";
import { Deque } from "./_deque.ts";
import { nextSessionIds } from "./_handshake.ts";
import { HostLimits, PeerLink } from "./_link.ts";
import {
  acceptAdmission,
  beginAdmission,
  beginConnect,
  rejectAdmission,
  resendVerify,
} from "./_lifecycle.ts";
import { OutgoingCommand } from "./_outgoing.ts";

const header = new DecodedHeader();
const cmd = new DecodedCommand();

/**
 * A datagram to send.
 *
 * @example
 * ```ts
 * import type { EnetTransmit } from "./host.ts";
 * const size = (t: EnetTransmit) => t.bytes.length;
 * ```
 */
export interface EnetTransmit {
  /** Where to send it. */
  readonly to: EnetAddress;
  /** The datagram. */
  readonly bytes: Uint8Array;
}

/**
 * Many ENet peers behind one socket (server, client, or both).
 *
 * Contract (times in ms on one monotonic clock, any origin):
 * - `handleDatagram(bytes, from, now)` for every datagram the socket receives;
 * - then, and after `send`/`connect`/`accept`/disconnects, `pollTransmit(now)` until undefined;
 * - `handleTimeout(now)` once `pollTimeout()` has passed;
 * - `pollEvent()` until undefined: connect requests (answer with `accept` / `reject`), and the
 *   peers' connect / receive / disconnect events.
 * Peers can also be driven one by one (their own `pollTransmit` / `pollTimeout` /
 * `handleTimeout` / `pollEvent`); routing incoming datagrams and CONNECTs stays with the host.
 *
 * @example
 * ```ts
 * import { EnetHost } from "./host.ts";
 * const server = new EnetHost({ autoAccept: true, random: { next: () => 0.5, nextU32: () => 7, fill: (b) => b } });
 * const client = new EnetHost({ random: { next: () => 0.5, nextU32: () => 9, fill: (b) => b } });
 * const serverAddr = { hostname: "127.0.0.1", port: 1 }, clientAddr = { hostname: "127.0.0.1", port: 2 };
 * client.connect(serverAddr, 3, 1234, 0);
 * for (let now = 0; now < 50; now += 10) {
 *   for (let t = client.pollTransmit(now); t; t = client.pollTransmit(now)) server.handleDatagram(t.bytes, clientAddr, now);
 *   for (let t = server.pollTransmit(now); t; t = server.pollTransmit(now)) client.handleDatagram(t.bytes, serverAddr, now);
 * }
 * console.log(client.pollEvent()?.type, server.pollEvent()?.type); // connect connect
 * ```
 */
export class EnetHost {
  readonly #o: ResolvedEnetOptions;
  readonly #limits: HostLimits;
  readonly #slots: (PeerCore<EnetPeer> | undefined)[];
  // the occupied slots, dense (swap-remove on release): every per-flush walk visits peers, not
  // the whole table (a server keeps a large reserve of slots for handshakes)
  readonly #occupied: PeerCore<EnetPeer>[] = [];
  readonly #positionOf: Int32Array;
  readonly #slotIncomingSession: Uint8Array;
  readonly #slotOutgoingSession: Uint8Array;
  readonly #draining: PeerCore<EnetPeer>[] = [];
  readonly #outbox = new Deque<EnetTransmit>();
  readonly #events = new Deque<EnetEvent>();
  readonly #dispatch = new Deque<PeerCore<EnetPeer>>();
  #pending: PeerCore<EnetPeer>[] = [];
  #cursor = 0;
  #bandwidthEpoch: number | undefined = undefined;
  #recalculate = false;
  #lastNow = -Infinity;

  /** A host with the given options (see {@link EnetOptions}). */
  constructor(options: EnetOptions = {}) {
    this.#o = resolveOptions(options);
    const o = this.#o;
    this.#limits = new HostLimits(
      o.incomingBandwidth,
      o.outgoingBandwidth,
      o.channelLimit,
      o.maxTotalReassemblyBytes,
    );
    this.#slots = new Array(o.peerLimit).fill(undefined);
    this.#positionOf = new Int32Array(o.peerLimit).fill(-1);
    this.#slotIncomingSession = new Uint8Array(o.peerLimit).fill(0xff);
    this.#slotOutgoingSession = new Uint8Array(o.peerLimit).fill(0xff);
  }

  /** The resolved options. */
  get options(): Readonly<ResolvedEnetOptions> {
    return this.#o;
  }

  /** Every peer holding a slot (any state but free). */
  get peers(): EnetPeer[] {
    const out: EnetPeer[] = [];
    for (const core of this.#slots) if (core !== undefined) out.push(core.peer);
    return out;
  }

  /** Peers whose data can flow (connected or draining before a disconnect). */
  get connectedPeers(): number {
    let n = 0;
    for (const core of this.#occupied) if (core.isLive) n++;
    return n;
  }

  /** The peer in slot `index`, if any. */
  peer(index: number): EnetPeer | undefined {
    return this.#slots[index]?.peer;
  }

  /**
   * Starts a connection to `address` with `channelCount` channels (1..255) and CONNECT user data
   * `data` (u32). The CONNECT goes out with the next `pollTransmit`. Throws QUEUE_FULL when no
   * slot is free.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * const host = new EnetHost({ peerLimit: 1 });
   * const peer = host.connect({ hostname: "127.0.0.1", port: 22577 }, 3, 99, 0);
   * console.log(peer.state, host.pollTransmit(0)?.bytes.length); // connecting 52
   * ```
   */
  connect(address: EnetAddress, channelCount: number, data: number, now: number): EnetPeer {
    if (!Number.isInteger(channelCount)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "channelCount must be an integer");
    }
    const index = this.#freeSlot();
    if (index < 0) {
      throw new MultiplayerError(
        "QUEUE_FULL",
        `no free peer slot (peerLimit ${this.#o.peerLimit})`,
      );
    }
    const t = this.#tick(now);
    const core = this.#newPeer(index, address);
    beginConnect(core, channelCount, data, t);
    return core.peer;
  }

  /**
   * Accepts a connect request (VERIFY_CONNECT goes out with the next `pollTransmit`; the connect
   * event follows when the remote acknowledges it). False when the request is gone.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * import type { EnetConnectRequest } from "./events.ts";
   * const admit = (host: EnetHost, r: EnetConnectRequest, now: number) => host.accept(r, now);
   * ```
   */
  accept(request: EnetConnectRequest | EnetPeer, now: number): boolean {
    const core = this.#coreOf(request);
    if (core === undefined || core.state !== "admission") return false;
    acceptAdmission(core, this.#tick(now));
    return true;
  }

  /**
   * Refuses a connect request with an unsequenced DISCONNECT(`data`): a libenet client reports a
   * failed connect (disconnect before connect) at once. False when the request is gone.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * import type { EnetConnectRequest } from "./events.ts";
   * const refuse = (host: EnetHost, r: EnetConnectRequest, now: number) => host.reject(r, 1, now);
   * ```
   */
  reject(request: EnetConnectRequest | EnetPeer, data: number, now: number): boolean {
    const core = this.#coreOf(request);
    if (core === undefined || core.state !== "admission") return false;
    this.#tick(now);
    rejectAdmission(core, data);
    return true;
  }

  /**
   * Handles one datagram received from `from`. Never throws; malformed input changes nothing.
   * `owned`: the caller gives `bytes` away (never writes them again), so the packets a peer
   * keeps from it are views of it instead of copies.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * const host = new EnetHost();
   * host.handleDatagram(new Uint8Array([0xff]), { hostname: "127.0.0.1", port: 9 }, 0);
   * console.log(host.pollEvent()); // undefined
   * ```
   */
  handleDatagram(bytes: Uint8Array, from: EnetAddress, now: number, owned = false): void {
    const t = this.#tick(now);
    if (bytes.length < 2) return;
    const peerId = ((bytes[0] << 8) | bytes[1]) & EnetFlag.HEADER_PEER_MASK;
    if (peerId === EnetLimit.MAXIMUM_PEER_ID) {
      this.#handleConnect(bytes, from, t);
      return;
    }
    const core = this.#slots[peerId];
    if (core === undefined || !sameAddress(core.address, from)) return;
    core.peer.handleDatagram(bytes, t, owned);
  }

  /**
   * The next datagram to send, or undefined. Call until undefined.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * console.log(new EnetHost().pollTransmit(0)); // undefined
   * ```
   */
  pollTransmit(now: number): EnetTransmit | undefined {
    const t = this.#tick(now);
    this.#bandwidthTick(t);
    const queued = this.#outbox.shift();
    if (queued !== undefined) return queued;
    while (this.#draining.length > 0) {
      const core = this.#draining[this.#draining.length - 1];
      const bytes = core.peer.pollTransmit(t);
      if (core.finalDatagram === undefined) this.#draining.pop();
      if (bytes !== undefined) return { to: core.address, bytes };
    }
    // round robin over the occupied slots: each call starts after the peer that sent last. A
    // peer may free its slot while transmitting (a timeout verdict): the last one moves into its
    // place and is visited next
    const occupied = this.#occupied;
    let at = this.#cursor;
    for (let left = occupied.length; left > 0 && occupied.length > 0; left--) {
      if (at >= occupied.length) at = 0;
      const core = occupied[at];
      const bytes = core.peer.pollTransmit(t);
      if (bytes !== undefined) {
        this.#cursor = at + 1;
        return { to: core.address, bytes };
      }
      if (occupied[at] === core) at++;
    }
    return undefined;
  }

  /**
   * Absolute time of the next timer (Infinity: none).
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * console.log(new EnetHost().pollTimeout()); // Infinity
   * ```
   */
  pollTimeout(): number {
    if (this.#outbox.length > 0 || this.#draining.length > 0) return this.#lastNow;
    let t = Infinity;
    let live = false;
    for (const core of this.#occupied) {
      t = Math.min(t, core.peer.pollTimeout());
      live ||= core.isLive;
    }
    if (live && this.#bandwidthEpoch !== undefined) {
      t = Math.min(t, this.#bandwidthEpoch + EnetDefault.BANDWIDTH_THROTTLE_INTERVAL);
    }
    return t;
  }

  /**
   * Runs every peer's due timers and the bandwidth throttle. Follow with `pollTransmit`.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * new EnetHost().handleTimeout(1000);
   * ```
   */
  handleTimeout(now: number): void {
    const t = this.#tick(now);
    // a timer may free its peer's slot (swap-remove): walk a copy only when something is due
    let due: PeerCore<EnetPeer>[] | undefined;
    for (const core of this.#occupied) {
      if (core.peer.pollTimeout() <= t) (due ??= []).push(core);
    }
    if (due !== undefined) {
      for (const core of due) if (core.peer.pollTimeout() <= t) core.peer.handleTimeout(t);
    }
    this.#bandwidthTick(t);
  }

  /**
   * The next event: connect requests first, then the peers' events in arrival order of peers.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * console.log(new EnetHost().pollEvent()); // undefined
   * ```
   */
  pollEvent(): EnetEvent | undefined {
    const own = this.#events.shift();
    if (own !== undefined) {
      if (own.type === "connectRequest" && own.request.peer.state !== "admission") {
        return this.pollEvent();
      }
      return own;
    }
    while (this.#dispatch.length > 0) {
      const core = this.#dispatch.shift()!;
      core.link.queuedForDispatch = false;
      const event = core.takeEvent();
      if (core.events.length > 0) core.link.onEvent();
      if (event !== undefined) return event;
    }
    return undefined;
  }

  /**
   * Queues `data` to every connected peer (one shared copy). Returns how many took it; peers
   * whose queue is full are skipped.
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * console.log(new EnetHost().broadcast(0, new Uint8Array(4), 1, 0)); // 0
   * ```
   */
  broadcast(channel: number, data: Uint8Array, flags: number, now: number): number {
    const shared = (flags & EnetPacketFlag.NO_ALLOCATE) !== 0 ? data : data.slice();
    let n = 0;
    for (const core of this.#occupied) {
      if (core.state !== "connected" || channel >= core.channelCount) continue;
      try {
        if (core.peer.send(channel, shared, flags | EnetPacketFlag.NO_ALLOCATE, now)) n++;
      } catch (e) {
        if (!(e instanceof MultiplayerError) || e.code !== "QUEUE_FULL") throw e;
      }
    }
    return n;
  }

  /**
   * Changes the host's bandwidth limits (bytes/s, 0 = unlimited); peers hear of it at the next
   * throttle tick (BANDWIDTH_LIMIT).
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * new EnetHost().bandwidthLimit(0, 64 * 1024);
   * ```
   */
  bandwidthLimit(incoming: number, outgoing: number): void {
    for (const v of [incoming, outgoing]) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new MultiplayerError("INVALID_ARGUMENT", "bandwidth must be a u32 (bytes/s)");
      }
    }
    this.#limits.incomingBandwidth = incoming;
    this.#limits.outgoingBandwidth = outgoing;
    this.#recalculate = true;
  }

  /**
   * Limits the channels of future incoming connections (1..255).
   *
   * @example
   * ```ts
   * import { EnetHost } from "./host.ts";
   * new EnetHost().channelLimit(3);
   * ```
   */
  channelLimit(limit: number): void {
    this.#limits.channelLimit = Math.min(
      Math.max(Math.floor(limit) || EnetLimit.MAXIMUM_CHANNEL_COUNT, 1),
      EnetLimit.MAXIMUM_CHANNEL_COUNT,
    );
  }

  #tick(now: number): number {
    const t = Math.max(this.#lastNow, Math.floor(now));
    this.#lastNow = t;
    if (this.#bandwidthEpoch === undefined) this.#bandwidthEpoch = t;
    return t;
  }

  #bandwidthTick(now: number): void {
    const epoch = this.#bandwidthEpoch ?? now;
    const elapsed = now - epoch;
    if (elapsed < EnetDefault.BANDWIDTH_THROTTLE_INTERVAL) return;
    this.#bandwidthEpoch = now;
    const links: PeerLink[] = [];
    for (const core of this.#occupied) if (core.isLive) links.push(core.link);
    if (bandwidthThrottle(this.#limits, links, elapsed, now, this.#recalculate)) {
      this.#recalculate = false;
    }
  }

  #coreOf(request: EnetConnectRequest | EnetPeer): PeerCore<EnetPeer> | undefined {
    const peer = request instanceof EnetPeer ? request : request.peer;
    const index = peer.incomingPeerId;
    const core = this.#slots[index];
    return core !== undefined && core.peer === peer ? core : undefined;
  }

  #freeSlot(): number {
    return this.#slots.indexOf(undefined);
  }

  #newPeer(index: number, address: EnetAddress): PeerCore<EnetPeer> {
    const link = new PeerLink(
      index,
      this.#slotIncomingSession[index],
      this.#slotOutgoingSession[index],
    );
    const core = new PeerCore<EnetPeer>(this.#o, address, link, this.#limits);
    new EnetPeer(core);
    core.lastNow = this.#lastNow;
    link.onEvent = () => {
      if (link.queuedForDispatch) return;
      link.queuedForDispatch = true;
      this.#dispatch.push(core);
    };
    link.onConnectionChange = () => {
      this.#recalculate = true;
    };
    link.onRelease = () => this.#release(core);
    this.#slots[index] = core;
    this.#positionOf[index] = this.#occupied.length;
    this.#occupied.push(core);
    return core;
  }

  #release(core: PeerCore<EnetPeer>): void {
    const index = core.link.incomingPeerId;
    if (this.#slots[index] !== core) return;
    this.#slots[index] = undefined;
    const at = this.#positionOf[index];
    const last = this.#occupied.pop()!;
    if (last !== core) {
      this.#occupied[at] = last;
      this.#positionOf[last.link.incomingPeerId] = at;
    }
    this.#positionOf[index] = -1;
    this.#slotIncomingSession[index] = core.link.incomingSessionId;
    this.#slotOutgoingSession[index] = core.link.outgoingSessionId;
    if (core.finalDatagram !== undefined) this.#draining.push(core);
  }

  /** Datagrams without a peer index: only a CONNECT (first command) is looked at. */
  #handleConnect(bytes: Uint8Array, from: EnetAddress, now: number): void {
    if (!readHeader(bytes, header, this.#o.checksum)) return;
    const view = openDatagram(bytes, header, 0, this.#o);
    if (view === undefined) return;
    if (decodeCommand(view, header.size, view.length, cmd) < 0) return;
    if (cmd.command !== EnetCommand.CONNECT) return;
    if (
      cmd.channelCount < EnetLimit.MINIMUM_CHANNEL_COUNT ||
      cmd.channelCount > EnetLimit.MAXIMUM_CHANNEL_COUNT ||
      cmd.outgoingPeerId >= EnetLimit.MAXIMUM_PEER_ID
    ) return;
    let fromSameHost = 0;
    for (const core of this.#occupied) {
      if (core.state === "connecting" || !sameHost(core.address, from)) continue;
      if (core.address.port === from.port && core.connectId === cmd.connectId) {
        // a repeated CONNECT of a known attempt: answer again, never a second peer
        resendVerify(core);
        return;
      }
      fromSameHost++;
    }
    if (fromSameHost >= this.#o.maxPeersPerHost) return;
    if (this.#o.allowConnect !== undefined && !this.#o.allowConnect(from, now)) return;
    this.#pending = this.#pending.filter((c) =>
      this.#slots[c.link.incomingPeerId] === c &&
      (c.state === "admission" || c.state === "acknowledging_connect")
    );
    while (this.#pending.length >= this.#o.maxPendingPeers) this.#evictOldestPending();
    let index = this.#freeSlot();
    if (index < 0 && this.#pending.length > 0) {
      this.#evictOldestPending();
      index = this.#freeSlot();
    }
    if (index < 0) {
      if (this.#o.rejectWhenFull) this.#outbox.push({ to: from, bytes: this.#fullReject(cmd) });
      return;
    }
    const core = this.#newPeer(index, from);
    beginAdmission(core, cmd, now);
    this.#pending.push(core);
    if (this.#o.autoAccept) {
      acceptAdmission(core, now);
      return;
    }
    const request: EnetConnectRequest = {
      address: from,
      data: cmd.data,
      channelCount: cmd.channelCount,
      connectId: cmd.connectId,
      mtu: cmd.mtu,
      incomingBandwidth: cmd.incomingBandwidth,
      outgoingBandwidth: cmd.outgoingBandwidth,
      peer: core.peer,
    };
    this.#events.push({ type: "connectRequest", request });
  }

  #evictOldestPending(): void {
    const oldest = this.#pending.shift();
    if (oldest !== undefined) oldest.resetSilently();
  }

  /** DISCONNECT for a CONNECT that found no free slot. */
  #fullReject(connect: DecodedCommand): Uint8Array {
    const out = new OutgoingCommand();
    out.command = EnetCommand.DISCONNECT;
    out.flags = EnetFlag.COMMAND_UNSEQUENCED;
    out.channelId = EnetLimit.CONTROL_CHANNEL;
    out.reliableSeq = 1;
    out.data = this.#o.fullRejectData;
    const end = encodeCommand(txBuffer, HEADER_ROOM, out, undefined, 0);
    const [session] = nextSessionIds(
      connect.incomingSessionId,
      connect.outgoingSessionId,
      0xff,
      0xff,
    );
    return sealDatagram(
      end,
      connect.outgoingPeerId,
      session,
      undefined,
      connect.connectId,
      this.#o,
    );
  }
}
