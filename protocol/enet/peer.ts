/**
 * One ENet connection as a pure state machine: bytes and `now` in; datagrams, events and the
 * next deadline out.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import type { EnetAddress } from "./address.ts";
import { COMMAND_SIZES, EnetCommand, EnetFlag, EnetLimit, EnetPacketFlag } from "./constants.ts";
import { type EnetOptions, resolveOptions } from "./options.ts";
import type { EnetPeerStats } from "./stats.ts";
import { type CoreEvent, type EnetPeerState, PeerCore } from "./_core.ts";
import { HostLimits, PeerLink } from "./_link.ts";
import {
  beginConnect,
  disconnect,
  disconnectLater,
  disconnectNow,
  queueBandwidthLimit,
  throttleConfigure,
} from "./_lifecycle.ts";
import { OutgoingCommand } from "./_outgoing.ts";
import { receive } from "./_receive.ts";
import { checkTimeouts, transmit } from "./_transmit.ts";

export type { EnetPeerState } from "./_core.ts";

/**
 * One remote. Made by {@link EnetHost} (`connect` or an accepted CONNECT) or, for a client that
 * needs no host, by {@link EnetPeer.connect}.
 *
 * Contract (all times are ms on one monotonic clock, any origin):
 * - feed every datagram from the peer's address to `handleDatagram` (a host does this for you);
 * - after `handleDatagram`, `send`, `handleTimeout` or a disconnect call, call `pollTransmit`
 *   until it returns undefined and send each datagram to `address`; several sends in one turn
 *   then share datagrams;
 * - call `handleTimeout` once `pollTimeout()` has passed;
 * - take events with `pollEvent` (connect, receive, disconnect). Events are pulled, never pushed,
 *   so the owner can call back into the peer safely and apply backpressure by not pulling:
 *   past `maxInboundBytes` waiting, new reliable data is refused (not acknowledged, so the
 *   remote sends it again later).
 *
 * @example
 * ```ts
 * import { EnetPeer } from "./peer.ts";
 * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 22577 }, 3, 42, 0);
 * const connect = peer.pollTransmit(0); // the CONNECT datagram, to send to peer.address
 * console.log(peer.state, connect?.length); // connecting 52
 * ```
 */
export class EnetPeer {
  #core: PeerCore<EnetPeer>;

  /** Wraps a peer state (used by {@link EnetHost}; see {@link EnetPeer.connect}). */
  constructor(core: PeerCore<EnetPeer>) {
    this.#core = core;
    core.peer = this;
    core.link.queueBandwidthLimit = (incoming, outgoing) =>
      queueBandwidthLimit(core, incoming, outgoing, core.lastNow);
  }

  /**
   * A client connection without a host: peer index 0, its own limits. Feed it the datagrams that
   * come from `address`.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "::1", port: 7000 }, 2, 0, 1000, { mtu: 1200 });
   * console.log(peer.channelCount); // 2
   * ```
   */
  static connect(
    address: EnetAddress,
    channelCount: number,
    data: number,
    now: number,
    options: EnetOptions = {},
  ): EnetPeer {
    const o = resolveOptions(options);
    const core = new PeerCore<EnetPeer>(
      o,
      address,
      new PeerLink(0, 0xff, 0xff),
      new HostLimits(
        o.incomingBandwidth,
        o.outgoingBandwidth,
        o.channelLimit,
        o.maxTotalReassemblyBytes,
      ),
    );
    const peer = new EnetPeer(core);
    core.lastNow = Math.floor(now);
    beginConnect(core, channelCount, data, core.lastNow);
    return peer;
  }

  /** Where this peer's datagrams go. */
  get address(): EnetAddress {
    return this.#core.address;
  }
  /** See {@link EnetPeerState}. */
  get state(): EnetPeerState {
    return this.#core.state;
  }
  /** True while data can be sent and received. */
  get connected(): boolean {
    return this.#core.state === "connected";
  }
  /** Our index for this peer (the remote puts it in its headers). */
  get incomingPeerId(): number {
    return this.#core.link.incomingPeerId;
  }
  /** The remote's index for us (0xFFF until known). */
  get outgoingPeerId(): number {
    return this.#core.outgoingPeerId;
  }
  /** The connection's opaque 32-bit id. */
  get connectId(): number {
    return this.#core.connectId;
  }
  /** CONNECT user data: what we sent (client) or received (server; Godot: the client's id). */
  get connectData(): number {
    return this.#core.connectData;
  }
  /** Negotiated channel count. */
  get channelCount(): number {
    return this.#core.channelCount;
  }
  /** Negotiated MTU. */
  get mtu(): number {
    return this.#core.mtu;
  }
  /** Smoothed round-trip time in ms. */
  get roundTripTime(): number {
    return this.#core.timing.rtt;
  }
  /** Bytes queued for sending or waiting for acknowledgement. */
  get queuedBytes(): number {
    return this.#core.queuedBytes;
  }
  /** Events waiting for {@link pollEvent}. */
  get pendingEvents(): number {
    return this.#core.events.length;
  }

  /**
   * Queues one packet on `channel`. `flags`: {@link EnetPacketFlag} bits (RELIABLE,
   * UNSEQUENCED, UNRELIABLE_FRAGMENT, NO_ALLOCATE = do not copy `data`). An unreliable packet
   * larger than one fragment goes as reliable fragments unless UNRELIABLE_FRAGMENT is set.
   * Returns false when unreliable data was shed (queue bound). Throws MultiplayerError
   * NOT_CONNECTED, INVALID_CHANNEL, PACKET_TOO_LARGE, or QUEUE_FULL (reliable data over
   * `maxQueuedBytes`).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * try {
   *   peer.send(0, new Uint8Array([1]), 1, 0);
   * } catch (e) {
   *   console.log((e as Error).message); // not connected yet
   * }
   * ```
   */
  send(channel: number, data: Uint8Array, flags: number, now: number): boolean {
    const core = this.#core;
    core.lastNow = Math.max(core.lastNow, Math.floor(now));
    if (core.state !== "connected") {
      throw new MultiplayerError("NOT_CONNECTED", `send() needs a connected peer (${core.state})`);
    }
    if (!Number.isInteger(channel) || channel < 0 || channel >= core.channelCount) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `channel ${channel} is not in 0..${core.channelCount - 1}`,
      );
    }
    if (data.length > core.o.maxPacketSize) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `${data.length} bytes exceed maxPacketSize (${core.o.maxPacketSize} bytes)`,
      );
    }
    const packet = (flags & EnetPacketFlag.NO_ALLOCATE) !== 0 ? data : data.slice();
    const fragmentSize = core.fragmentSize;
    const out = core.out[channel];
    if (packet.length > fragmentSize) {
      const count = Math.ceil(packet.length / fragmentSize);
      if (count > EnetLimit.MAXIMUM_FRAGMENT_COUNT) {
        throw new MultiplayerError("PACKET_TOO_LARGE", `${count} fragments exceed ENet's limit`);
      }
      const unreliable =
        (flags & (EnetPacketFlag.RELIABLE | EnetPacketFlag.UNRELIABLE_FRAGMENT)) ===
          EnetPacketFlag.UNRELIABLE_FRAGMENT && out.unreliableSeq < 0xffff;
      if (!this.#admit(count * 24 + packet.length, !unreliable)) return false;
      const command = unreliable ? EnetCommand.SEND_UNRELIABLE_FRAGMENT : EnetCommand.SEND_FRAGMENT;
      const startSeq = ((unreliable ? out.unreliableSeq : out.reliableSeq) + 1) & 0xffff;
      for (let n = 0, offset = 0; offset < packet.length; n++, offset += fragmentSize) {
        const cmd = new OutgoingCommand();
        cmd.command = command;
        cmd.flags = unreliable ? 0 : EnetFlag.COMMAND_ACKNOWLEDGE;
        cmd.channelId = channel;
        cmd.startSeq = startSeq;
        cmd.fragmentLength = Math.min(fragmentSize, packet.length - offset);
        cmd.dataLength = cmd.fragmentLength;
        cmd.fragmentCount = count;
        cmd.fragmentNumber = n;
        cmd.totalLength = packet.length;
        cmd.fragmentOffset = offset;
        cmd.packet = packet;
        core.queue(cmd, core.lastNow);
      }
      return true;
    }
    const cmd = new OutgoingCommand();
    cmd.channelId = channel;
    if (
      (flags & (EnetPacketFlag.RELIABLE | EnetPacketFlag.UNSEQUENCED)) ===
        EnetPacketFlag.UNSEQUENCED
    ) {
      cmd.command = EnetCommand.SEND_UNSEQUENCED;
      cmd.flags = EnetFlag.COMMAND_UNSEQUENCED;
    } else if ((flags & EnetPacketFlag.RELIABLE) !== 0 || out.unreliableSeq >= 0xffff) {
      cmd.command = EnetCommand.SEND_RELIABLE;
      cmd.flags = EnetFlag.COMMAND_ACKNOWLEDGE;
    } else {
      cmd.command = EnetCommand.SEND_UNRELIABLE;
    }
    cmd.packet = packet;
    cmd.fragmentLength = packet.length;
    cmd.dataLength = packet.length;
    if (
      !this.#admit(
        COMMAND_SIZES[cmd.command] + packet.length,
        cmd.command === EnetCommand.SEND_RELIABLE,
      )
    ) {
      return false;
    }
    core.queue(cmd, core.lastNow);
    return true;
  }

  /** Applies the outgoing queue bound: throws for reliable data, sheds unreliable data. */
  #admit(bytes: number, reliable: boolean): boolean {
    const core = this.#core;
    const max = core.o.maxQueuedBytes;
    if (core.queuedBytes + bytes <= max) return true;
    if (reliable) {
      throw new MultiplayerError(
        "QUEUE_FULL",
        `peer queue full: ${core.queuedBytes} + ${bytes} bytes exceed maxQueuedBytes (${max} bytes)`,
      );
    }
    // make room by dropping the oldest queued unreliable packets first
    const queue = core.unreliable;
    while (core.queuedBytes + bytes > max && queue.length > 0) {
      const first = queue.shift()!;
      core.queuedBytes -= first.charge;
      if (first.fragmentOffset === 0) core.counters.unreliableShed++;
      while (
        queue.length > 0 && queue.peek()!.packet === first.packet &&
        queue.peek()!.fragmentOffset !== 0
      ) {
        core.queuedBytes -= queue.shift()!.charge;
      }
    }
    if (core.queuedBytes + bytes <= max) return true;
    core.counters.unreliableShed++;
    return false;
  }

  /**
   * Handles one datagram from this peer's address. Returns false when it was dropped whole.
   * `owned`: the caller gives `bytes` away, so kept packets may be views of it (no copy).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * console.log(peer.handleDatagram(new Uint8Array([1, 2, 3]), 5)); // false
   * ```
   */
  handleDatagram(bytes: Uint8Array, now: number, owned = false): boolean {
    const core = this.#core;
    core.lastNow = Math.max(core.lastNow, Math.floor(now));
    return receive(core, bytes, core.lastNow, owned);
  }

  /**
   * The next datagram to send to {@link address}, or undefined. Call until undefined.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * let n = 0;
   * while (peer.pollTransmit(0)) n++;
   * console.log(n); // 1
   * ```
   */
  pollTransmit(now: number): Uint8Array | undefined {
    const core = this.#core;
    core.lastNow = Math.max(core.lastNow, Math.floor(now));
    return transmit(core, core.lastNow);
  }

  /**
   * Absolute time at which {@link handleTimeout} should run next (Infinity: no timer; a value
   * in the past: now).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.pollTransmit(0);
   * console.log(peer.pollTimeout()); // 500 (first retransmission of the CONNECT)
   * ```
   */
  pollTimeout(): number {
    const core = this.#core;
    if (core.finalDatagram !== undefined) return core.lastNow;
    const state = core.state;
    if (state === "disconnected" || state === "zombie") return Infinity;
    let t = core.deadline;
    // delayed acknowledgements (ackDelayMs): due at the latest this long after the first
    if (core.acks.length > 0 && state === "connected" && core.o.ackDelayMs > 0) {
      t = Math.min(t, core.acks.since + core.o.ackDelayMs);
    }
    if (core.liveSent > 0) t = Math.min(t, core.nextTimeout);
    else if (state === "connected") t = Math.min(t, core.lastReceiveTime + core.pingInterval);
    for (const channel of core.in) {
      const oldest = channel.oldestAssembly;
      if (oldest !== Infinity) t = Math.min(t, oldest + core.o.unreliableFragmentTimeoutMs);
    }
    return Math.max(t, core.lastNow);
  }

  /**
   * Runs what is due: retransmissions and the timeout verdict, handshake and admission expiry,
   * expiry of incomplete unreliable fragments. Follow with {@link pollTransmit}.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.pollTransmit(0);
   * peer.handleTimeout(500);
   * console.log(peer.pollTransmit(500)?.length); // 52 (CONNECT again)
   * ```
   */
  handleTimeout(now: number): void {
    const core = this.#core;
    core.lastNow = Math.max(core.lastNow, Math.floor(now));
    const t = core.lastNow;
    if (
      (core.state === "admission" || core.state === "acknowledging_connect") && t >= core.deadline
    ) {
      core.resetSilently();
      return;
    }
    if (checkTimeouts(core, t)) return;
    core.ctx.now = t;
    for (const channel of core.in) channel.expire(t - core.o.unreliableFragmentTimeoutMs, core.ctx);
  }

  /**
   * The next event (connect, receive, disconnect), or undefined. Taking the disconnect event
   * frees the peer.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * console.log(peer.pollEvent()); // undefined
   * ```
   */
  pollEvent(): CoreEvent<EnetPeer> | undefined {
    return this.#core.takeEvent();
  }

  /**
   * Graceful disconnect: a reliable DISCONNECT(`data`), then a disconnect event once the remote
   * acknowledged it (or after the usual timeout). Queued data is dropped. Not connected yet: an
   * unsequenced DISCONNECT and an immediate reset.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.disconnect(0, 0);
   * console.log(peer.state); // disconnected
   * ```
   */
  disconnect(data: number, now: number): void {
    const core = this.#core;
    core.lastNow = Math.max(core.lastNow, Math.floor(now));
    disconnect(core, data, core.lastNow);
  }

  /**
   * Disconnect after every queued packet was sent and acknowledged.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.disconnectLater(0, 0);
   * console.log(peer.state); // disconnected
   * ```
   */
  disconnectLater(data: number, now: number): void {
    const core = this.#core;
    core.lastNow = Math.max(core.lastNow, Math.floor(now));
    disconnectLater(core, data, core.lastNow);
  }

  /**
   * Immediate disconnect: one unsequenced DISCONNECT(`data`) (still returned by
   * {@link pollTransmit}), then the peer is reset. No disconnect event.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.disconnectNow(7, 0);
   * console.log(peer.pollTransmit(0)?.[2]); // 68 (DISCONNECT | UNSEQUENCED)
   * ```
   */
  disconnectNow(data: number, _now?: number): void {
    disconnectNow(this.#core, data);
  }

  /**
   * Forgets the peer without telling the remote (ENet's `enet_peer_reset`).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.reset();
   * console.log(peer.pollTransmit(0)); // undefined
   * ```
   */
  reset(): void {
    this.#core.resetSilently();
  }

  /**
   * ENet's `enet_peer_timeout`: give up when the oldest unacknowledged command is `maximumMs`
   * old, or when it is `minimumMs` old and its retransmission timeout reached `limit` x its
   * first one. 0 keeps the default (32 / 5000 / 30000).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * const peer = EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0);
   * peer.setTimeoutLimits(0, 2000, 4000);
   * ```
   */
  setTimeoutLimits(limit: number, minimumMs: number, maximumMs: number): void {
    for (const v of [limit, minimumMs, maximumMs]) {
      if (!Number.isInteger(v) || v < 0) {
        throw new MultiplayerError("INVALID_ARGUMENT", "timeouts must be non-negative integers");
      }
    }
    const core = this.#core;
    core.timeoutLimit = limit || 32;
    core.timeoutMinimum = minimumMs || 5000;
    core.timeoutMaximum = maximumMs || 30000;
  }

  /**
   * Sets the idle ping interval (0 = default 500 ms).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0).setPingInterval(1000);
   * ```
   */
  setPingInterval(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        "ping interval must be a non-negative integer",
      );
    }
    this.#core.pingInterval = ms || 500;
  }

  /**
   * Queues a PING now (normally pings go out by themselves when the link is idle).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0).ping(0); // ignored: not connected
   * ```
   */
  ping(now: number): void {
    const core = this.#core;
    if (core.state !== "connected") return;
    core.queue(core.controlCommand(EnetCommand.PING), Math.floor(now));
  }

  /**
   * Sends BANDWIDTH_LIMIT: our downstream and upstream limits in bytes/s (0 = unlimited).
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0).sendBandwidthLimit(0, 0, 0);
   * ```
   */
  sendBandwidthLimit(incoming: number, outgoing: number, now: number): void {
    queueBandwidthLimit(this.#core, incoming, outgoing, Math.floor(now));
  }

  /**
   * Sets the packet throttle parameters and sends THROTTLE_CONFIGURE.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0).throttleConfigure(5000, 2, 2, 0);
   * ```
   */
  throttleConfigure(
    interval: number,
    acceleration: number,
    deceleration: number,
    now: number,
  ): void {
    throttleConfigure(this.#core, interval, acceleration, deceleration, Math.floor(now));
  }

  /**
   * A snapshot of the link's statistics.
   *
   * @example
   * ```ts
   * import { EnetPeer } from "./peer.ts";
   * console.log(EnetPeer.connect({ hostname: "127.0.0.1", port: 1 }, 1, 0, 0).stats(0).roundTripTime);
   * // 500
   * ```
   */
  stats(_now?: number): EnetPeerStats {
    const core = this.#core;
    const c = core.counters;
    return {
      state: core.state,
      roundTripTime: core.timing.rtt,
      roundTripTimeVariance: core.timing.rttVariance,
      packetLoss: core.packetLoss,
      packetLossVariance: core.packetLossVariance,
      packetThrottle: core.timing.packetThrottle,
      packetThrottleLimit: core.timing.packetThrottleLimit,
      mtu: core.mtu,
      windowSize: core.windowSize,
      remoteIncomingBandwidth: core.link.remoteIncomingBandwidth,
      remoteOutgoingBandwidth: core.link.remoteOutgoingBandwidth,
      bytesInFlight: core.inTransit,
      queuedBytes: core.queuedBytes,
      inboundBytes: core.inboundBytes,
      heldBytes: core.heldBytes,
      reassemblyBytes: core.reassemblyBytes,
      datagramsSent: c.datagramsSent,
      datagramsReceived: c.datagramsReceived,
      bytesSent: c.bytesSent,
      bytesReceived: c.bytesReceived,
      commandsSent: c.commandsSent,
      retransmits: c.retransmits,
      packetsSent: c.packetsSent,
      packetsReceived: c.packetsReceived,
      unreliableShed: c.unreliableShed,
      commandsDropped: c.commandsDropped,
    };
  }
}
