/**
 * The mutable state of one ENet peer and the small operations every part of the state machine
 * shares (queuing commands, events, resets). The logic lives in `_transmit.ts`, `_receive.ts`
 * and `_lifecycle.ts`; `peer.ts` is the public face.
 *
 * @module
 */
import { DisconnectReason } from "../errors.ts";
import type { EnetAddress } from "./address.ts";
import { COMMAND_SIZES, EnetFlag, EnetLimit } from "./constants.ts";
import type { ResolvedEnetOptions } from "./options.ts";
import { Deque } from "./_deque.ts";
import {
  ENTRY_OVERHEAD,
  type InboundContext,
  IncomingChannel,
  UnsequencedWindow,
} from "./_incoming.ts";
import type { HostLimits, PeerLink } from "./_link.ts";
import { AckQueue, OutgoingCommand, sentKey } from "./_outgoing.ts";
import type { LinkTiming } from "./_rtt.ts";

/**
 * Where a peer is in its life.
 *
 * - `connecting`: our CONNECT is out, waiting for VERIFY_CONNECT.
 * - `admission`: a remote's CONNECT waits for the owner's accept / reject.
 * - `acknowledging_connect`: our VERIFY_CONNECT is out, waiting for its acknowledgement.
 * - `connected`, `disconnect_later` (connected, disconnecting once the queue drained),
 *   `disconnecting` (our DISCONNECT waits for its acknowledgement),
 *   `acknowledging_disconnect` (the remote's DISCONNECT gets its acknowledgement),
 * - `zombie`: gone, its disconnect event not taken yet; `disconnected`: free.
 *
 * @example
 * ```ts
 * import type { EnetPeerState } from "./_core.ts";
 * const live = (s: EnetPeerState) => s === "connected" || s === "disconnect_later";
 * ```
 */
export type EnetPeerState =
  | "disconnected"
  | "connecting"
  | "admission"
  | "acknowledging_connect"
  | "connected"
  | "disconnect_later"
  | "disconnecting"
  | "acknowledging_disconnect"
  | "zombie";

/**
 * Send-side state of one channel.
 *
 * @example
 * ```ts
 * import { OutgoingChannel } from "./_core.ts";
 * console.log(new OutgoingChannel().reliableWindows.length); // 16
 * ```
 */
export class OutgoingChannel {
  reliableSeq = 0;
  unreliableSeq = 0;
  /** Bit i: reliable window i has commands in flight. */
  usedReliableWindows = 0;
  /** Commands in flight per reliable window. */
  reliableWindows: Uint16Array = new Uint16Array(16);
}

/**
 * Counters reported by `stats`.
 *
 * @example
 * ```ts
 * import { PeerCounters } from "./_core.ts";
 * console.log(new PeerCounters().retransmits); // 0
 * ```
 */
export class PeerCounters {
  datagramsSent = 0;
  datagramsReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;
  commandsSent = 0;
  retransmits = 0;
  packetsSent = 0;
  packetsReceived = 0;
  unreliableShed = 0;
  commandsDropped = 0;
}

/**
 * Everything one peer knows. Fields are public for the state machine's own modules only.
 *
 * @example
 * ```ts
 * import { PeerCore } from "./_core.ts";
 * import { HostLimits, PeerLink } from "./_link.ts";
 * import { resolveOptions } from "./options.ts";
 * const core = new PeerCore(resolveOptions({}), { hostname: "127.0.0.1", port: 1 },
 *   new PeerLink(0, 0xff, 0xff), new HostLimits(0, 0, 255, 1 << 20));
 * console.log(core.state); // "disconnected"
 * ```
 */
/**
 * An event of one peer, with `P` the public peer class (a parameter, so this file needs nothing
 * of it); `events.ts` documents each shape.
 */
export type CoreEvent<P> =
  | { readonly type: "connect"; readonly peer: P; readonly data: number }
  | {
    readonly type: "disconnect";
    readonly peer: P;
    readonly reason: DisconnectReason;
    readonly data: number;
    readonly wasConnected: boolean;
  }
  | {
    readonly type: "receive";
    readonly peer: P;
    readonly channel: number;
    readonly data: Uint8Array;
    readonly flags: number;
  };

export class PeerCore<P = unknown> {
  readonly o: ResolvedEnetOptions;
  readonly address: EnetAddress;
  readonly link: PeerLink;
  readonly limits: HostLimits;
  readonly timing: LinkTiming;
  /** The public object (set right after construction). */
  peer!: P;
  state: EnetPeerState = "disconnected";
  outgoingPeerId: number = EnetLimit.MAXIMUM_PEER_ID;
  connectId = 0;
  /** CONNECT user data (what we sent as a client, what we got as a server). */
  connectData = 0;
  /** Data of the disconnect in progress. */
  eventData = 0;
  channelCount = 0;
  out: OutgoingChannel[] = [];
  in: IncomingChannel[] = [];
  mtu: number;
  windowSize: number = EnetLimit.MAXIMUM_WINDOW_SIZE;
  /** The window the remote sends to us with, as far as we know (what delayed acks weigh against). */
  receiveWindow: number = EnetLimit.MAXIMUM_WINDOW_SIZE;
  lastReceiveTime = -Infinity;
  lastSendTime = -Infinity;
  nextTimeout = Infinity;
  earliestTimeout: number | undefined = undefined;
  pingInterval: number;
  timeoutLimit: number;
  timeoutMinimum: number;
  timeoutMaximum: number;
  /** Reliable data bytes in flight. */
  inTransit = 0;
  controlSeq = 0;
  outgoingUnsequencedGroup = 0;
  readonly unsequenced: UnsequencedWindow = new UnsequencedWindow();
  readonly acks: AckQueue;
  readonly control: Deque<OutgoingCommand> = new Deque();
  readonly reliable: Deque<OutgoingCommand> = new Deque();
  readonly unreliable: Deque<OutgoingCommand> = new Deque();
  readonly sent: Deque<OutgoingCommand> = new Deque();
  readonly sentMap: Map<number, OutgoingCommand> = new Map();
  liveSent = 0;
  /** Data commands queued or in flight: header + payload bytes. */
  queuedBytes = 0;
  readonly events: Deque<CoreEvent<P>> = new Deque();
  inboundBytes = 0;
  heldBytes = 0;
  reassemblyBytes = 0;
  /** A last datagram to send after the peer was reset (unsequenced DISCONNECT). */
  finalDatagram: Uint8Array | undefined = undefined;
  /** Admission / handshake expiry. */
  deadline = Infinity;
  /** The VERIFY_CONNECT of a server-side handshake (re-sent on a repeated CONNECT). */
  verify: OutgoingCommand | undefined = undefined;
  /** Remote's requested values, kept from its CONNECT until admission is decided. */
  requestedChannels = 0;
  requestedMtu = 0;
  requestedWindow = 0;
  proposedIncomingSession = 0xff;
  proposedOutgoingSession = 0xff;
  /** Last time a reliable command was declared lost. */
  lossAt = -Infinity;
  /** The last transmit pass held reliable data back because the window was full. */
  windowBlocked = false;
  lastNow = -Infinity;
  /** While a datagram given away by its carrier is handled: kept packets are views of it. */
  borrowsDatagram = false;
  packetsSentInterval = 0;
  packetsLostInterval = 0;
  packetLoss = 0;
  packetLossVariance = 0;
  packetLossEpoch: number | undefined = undefined;
  readonly counters: PeerCounters = new PeerCounters();
  released = false;
  readonly ctx: InboundContext;
  #order = 0;

  /** A fresh, disconnected peer state. */
  constructor(o: ResolvedEnetOptions, address: EnetAddress, link: PeerLink, limits: HostLimits) {
    this.o = o;
    this.address = address;
    this.link = link;
    this.limits = limits;
    this.timing = link.timing;
    this.mtu = o.mtu;
    this.pingInterval = o.pingInterval;
    this.timeoutLimit = o.timeoutLimit;
    this.timeoutMinimum = o.timeoutMinimum;
    this.timeoutMaximum = o.timeoutMaximum;
    this.acks = new AckQueue(o.maxPendingAcks);
    this.ctx = inboundContext(this);
  }

  /** True while data may flow (ENet's CONNECTED and DISCONNECT_LATER). */
  get isLive(): boolean {
    return this.state === "connected" || this.state === "disconnect_later";
  }

  /** Largest payload of one fragment. */
  get fragmentSize(): number {
    return this.mtu - 4 - 24 - (this.o.checksum ? 4 : 0);
  }

  /** Sets up `count` channels with fresh sequence state. */
  initChannels(count: number): void {
    this.channelCount = count;
    this.out = [];
    this.in = [];
    for (let i = 0; i < count; i++) {
      this.out.push(new OutgoingChannel());
      this.in.push(new IncomingChannel(i));
    }
  }

  /** Assigns sequence numbers to a new command and queues it (ENet's setup_outgoing_command). */
  queue(cmd: OutgoingCommand, now: number): void {
    const size = COMMAND_SIZES[cmd.command] + cmd.fragmentLength;
    this.link.outgoingDataTotal += size;
    cmd.queuedAt = now;
    if (cmd.channelId === EnetLimit.CONTROL_CHANNEL) {
      this.controlSeq = (this.controlSeq + 1) & 0xffff;
      cmd.reliableSeq = this.controlSeq;
      cmd.unreliableSeq = 0;
      this.control.push(cmd);
      return;
    }
    const channel = this.out[cmd.channelId];
    cmd.order = this.#order++;
    cmd.charge = size;
    this.queuedBytes += size;
    if (cmd.flags & EnetFlag.COMMAND_ACKNOWLEDGE) {
      channel.reliableSeq = (channel.reliableSeq + 1) & 0xffff;
      channel.unreliableSeq = 0;
      cmd.reliableSeq = channel.reliableSeq;
      cmd.unreliableSeq = 0;
      this.reliable.push(cmd);
    } else if (cmd.flags & EnetFlag.COMMAND_UNSEQUENCED) {
      this.outgoingUnsequencedGroup = (this.outgoingUnsequencedGroup + 1) & 0xffff;
      cmd.reliableSeq = 0;
      cmd.unreliableSeq = 0;
      cmd.unsequencedGroup = this.outgoingUnsequencedGroup;
      this.unreliable.push(cmd);
    } else {
      if (cmd.fragmentOffset === 0) channel.unreliableSeq = (channel.unreliableSeq + 1) & 0xffff;
      cmd.reliableSeq = channel.reliableSeq;
      cmd.unreliableSeq = channel.unreliableSeq;
      this.unreliable.push(cmd);
    }
  }

  /** A control command (channel 0xFF) with the acknowledge flag, zeroed. */
  controlCommand(command: number): OutgoingCommand {
    const cmd = new OutgoingCommand();
    cmd.command = command;
    cmd.flags = EnetFlag.COMMAND_ACKNOWLEDGE;
    cmd.channelId = EnetLimit.CONTROL_CHANNEL;
    return cmd;
  }

  /**
   * Forgets an acknowledged reliable command; returns its command number (0 = none known).
   */
  removeSent(seq: number, channelId: number): number {
    const key = sentKey(channelId, seq);
    const cmd = this.sentMap.get(key);
    if (cmd === undefined) return 0;
    this.sentMap.delete(key);
    if (channelId < this.channelCount) {
      const channel = this.out[channelId];
      const window = Math.floor(seq / 4096);
      if (channel.reliableWindows[window] > 0) {
        channel.reliableWindows[window]--;
        if (channel.reliableWindows[window] === 0) channel.usedReliableWindows &= ~(1 << window);
      }
    }
    cmd.acked = true;
    if (cmd.inFlight) {
      cmd.inFlight = false;
      this.liveSent--;
      if (cmd.packet !== undefined) this.inTransit -= cmd.fragmentLength;
    }
    this.queuedBytes -= cmd.charge;
    cmd.charge = 0;
    while (this.sent.length > 0 && this.sent.peek()!.acked) this.sent.shift();
    if (this.sent.length > 2 * this.liveSent + 64) this.sent.filter((c) => !c.acked);
    const front = this.sent.peek();
    if (front !== undefined) this.nextTimeout = front.sentTime + front.rto;
    else if (this.liveSent === 0) this.nextTimeout = Infinity;
    return cmd.command;
  }

  /** True when nothing is queued for sending and nothing waits for an acknowledgement. */
  get drained(): boolean {
    return this.control.length === 0 && this.reliable.length === 0 &&
      this.unreliable.length === 0 && this.liveSent === 0;
  }

  /** Queues an event for the owner. */
  pushEvent(event: CoreEvent<P>): void {
    this.events.push(event);
    if (this.events.length === 1) this.link.onEvent();
  }

  /**
   * Drops every queued command, acknowledgement and held packet (ENet's reset of the queues).
   * Received packets already waiting for the owner are kept unless `dropReady`.
   */
  resetQueues(dropReady: boolean): void {
    this.acks.clear();
    this.control.clear();
    this.reliable.clear();
    this.unreliable.clear();
    this.sent.clear();
    this.sentMap.clear();
    this.liveSent = 0;
    this.inTransit = 0;
    this.queuedBytes = 0;
    this.nextTimeout = Infinity;
    this.verify = undefined;
    for (const channel of this.in) channel.reset(this.ctx);
    this.channelCount = 0;
    this.out = [];
    this.in = [];
    if (dropReady) {
      this.events.filter((e) => e.type !== "receive");
      this.inboundBytes = 0;
    }
  }

  /** The peer died: its disconnect event goes out and it stops sending and receiving. */
  toZombie(reason: DisconnectReason, data: number, wasConnected: boolean): void {
    const wasLive = this.isLive || this.state === "disconnecting" ||
      this.state === "acknowledging_disconnect";
    this.resetQueues(false);
    this.state = "zombie";
    this.pushEvent({ type: "disconnect", peer: this.peer, reason, data, wasConnected });
    if (wasLive) this.link.onConnectionChange();
  }

  /** Back to `disconnected` without an event (ENet's peer reset). */
  resetSilently(): void {
    const wasLive = this.isLive || this.state === "disconnecting" ||
      this.state === "acknowledging_disconnect";
    this.resetQueues(true);
    this.events.clear();
    this.inboundBytes = 0;
    this.state = "disconnected";
    if (wasLive) this.link.onConnectionChange();
    this.releaseIfIdle();
  }

  /** Tells the host the slot is free once nothing is left to report. */
  releaseIfIdle(): void {
    if (this.released || this.state !== "disconnected" || this.events.length > 0) return;
    this.released = true;
    this.link.onRelease();
  }

  /** The owner took the next event. */
  takeEvent(): CoreEvent<P> | undefined {
    const event = this.events.shift();
    if (event === undefined) return undefined;
    if (event.type === "receive") this.inboundBytes -= event.data.length + ENTRY_OVERHEAD;
    else if (event.type === "disconnect") {
      this.state = "disconnected";
      this.events.clear();
      this.inboundBytes = 0;
      this.releaseIfIdle();
    }
    return event;
  }

  /** Reports the handshake finished. */
  becomeConnected(data: number): void {
    this.state = "connected";
    this.deadline = Infinity;
    this.pushEvent({ type: "connect", peer: this.peer, data });
    this.link.onConnectionChange();
  }

  /** Reason a timeout reports in the current state. */
  get timeoutReason(): DisconnectReason {
    return this.state === "connecting"
      ? DisconnectReason.CONNECT_TIMEOUT
      : DisconnectReason.TIMEOUT;
  }
}

/** How a peer's channels deliver packets and charge its byte budgets. */
function inboundContext(core: PeerCore): InboundContext {
  return {
    now: 0,
    get maxPacketSize() {
      return core.o.maxPacketSize;
    },
    copy(bytes, start, end) {
      if (core.borrowsDatagram) return bytes.subarray(start, end);
      return core.o.sharedBuffers
        ? core.limits.slab.copy(bytes, start, end)
        : bytes.slice(start, end);
    },
    deliver(channel, data, flags, force) {
      if (!force && core.inboundBytes >= core.o.maxInboundBytes) return false;
      core.inboundBytes += data.length + ENTRY_OVERHEAD;
      core.counters.packetsReceived++;
      core.pushEvent({ type: "receive", peer: core.peer, channel, data, flags });
      return true;
    },
    tryHold(bytes, force) {
      if (!force && core.heldBytes + bytes > core.o.maxHeldBytes) return false;
      core.heldBytes += bytes;
      return true;
    },
    release(bytes) {
      core.heldBytes -= bytes;
    },
    tryReserve(bytes, inOrder) {
      if (bytes > core.limits.reassemblyLeft) return false;
      if (!inOrder && core.reassemblyBytes + bytes > core.o.maxReassemblyBytes) return false;
      core.reassemblyBytes += bytes;
      core.limits.reassemblyLeft -= bytes;
      return true;
    },
    unreserve(bytes) {
      core.reassemblyBytes -= bytes;
      core.limits.reassemblyLeft += bytes;
    },
    dropped() {
      core.counters.commandsDropped++;
    },
  };
}
