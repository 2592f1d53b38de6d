/**
 * The send side of a peer: filling one datagram (acknowledgements, control commands, reliable
 * channel data within the windows, unreliable data with shedding, idle ping) and the
 * retransmission timer.
 *
 * @module
 */
import { DisconnectReason } from "../errors.ts";
import { encodeCommand } from "./codec.ts";
import { COMMAND_SIZES, EnetCommand, EnetDefault, EnetLimit } from "./constants.ts";
import type { PeerCore } from "./_core.ts";
import { HEADER_ROOM, sealDatagram, txBuffer } from "./_datagram.ts";
import type { Deque } from "./_deque.ts";
import { OutgoingCommand } from "./_outgoing.ts";
import { sentKey } from "./_outgoing.ts";
import { clock16 } from "./_rtt.ts";
import { disconnect } from "./_lifecycle.ts";

const ackScratch = new OutgoingCommand();
ackScratch.command = EnetCommand.ACKNOWLEDGE;

/** Fill state of the datagram being built. */
class Fill {
  offset = HEADER_ROOM;
  /** ENet's packet size: the full 4-byte header counts even when the time is absent. */
  size = 4;
  commands = 0;
  sentTime = false;
  full = false;
  canPing = true;

  reset(): void {
    this.offset = HEADER_ROOM;
    this.size = 4;
    this.commands = 0;
    this.sentTime = false;
    this.full = false;
    this.canPing = true;
  }

  fits(core: PeerCore, bytes: number): boolean {
    if (this.commands >= EnetLimit.MAXIMUM_PACKET_COMMANDS || core.mtu - this.size < bytes) {
      this.full = true;
      return false;
    }
    return true;
  }

  /**
   * Acknowledgements fill the MTU, past ENet's 32 commands: its receivers take any number of
   * commands per datagram (only its sender stops at 32), and 174 of them fit 1400 bytes.
   */
  fitsAck(core: PeerCore): boolean {
    if (core.mtu - this.size < COMMAND_SIZES[EnetCommand.ACKNOWLEDGE]) {
      this.full = true;
      return false;
    }
    return true;
  }

  write(cmd: OutgoingCommand): void {
    this.offset = encodeCommand(txBuffer, this.offset, cmd, cmd.packet, cmd.fragmentOffset);
    this.size += COMMAND_SIZES[cmd.command] + cmd.fragmentLength;
    this.commands++;
  }
}

const fill = new Fill();

/**
 * Runs ENet's retransmission check when it is due: every reliable command whose timeout expired
 * goes back to the front of its queue with a doubled timeout, unless the peer has been silent
 * long enough to be declared dead (then it becomes a zombie and true is returned).
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { checkTimeouts } from "./_transmit.ts";
 * const tick = (core: PeerCore, now: number) => checkTimeouts(core, now);
 * ```
 */
export function checkTimeouts(core: PeerCore, now: number): boolean {
  if (core.liveSent === 0 || now < core.nextTimeout) return false;
  const expired: OutgoingCommand[] = [];
  let dead = false;
  core.sent.filter((cmd) => {
    if (dead) return true;
    if (cmd.acked || !cmd.inFlight) return false;
    if (now - cmd.sentTime < cmd.rto) return true;
    if (core.earliestTimeout === undefined || cmd.sentTime < core.earliestTimeout) {
      core.earliestTimeout = cmd.sentTime;
    }
    const silent = now - core.earliestTimeout;
    if (
      silent >= core.timeoutMaximum || (cmd.rto >= cmd.rtoLimit && silent >= core.timeoutMinimum)
    ) {
      dead = true;
      return true;
    }
    if (cmd.packet !== undefined) core.inTransit -= cmd.fragmentLength;
    core.packetsLostInterval++;
    core.counters.retransmits++;
    core.lossAt = now;
    cmd.rto *= 2;
    cmd.inFlight = false;
    core.liveSent--;
    expired.push(cmd);
    return false;
  });
  if (dead) {
    declareDead(core);
    return true;
  }
  for (let i = expired.length - 1; i >= 0; i--) {
    const cmd = expired[i];
    (cmd.channelId === EnetLimit.CONTROL_CHANNEL ? core.control : core.reliable).unshift(cmd);
  }
  const front = core.sent.peek();
  core.nextTimeout = front !== undefined ? front.sentTime + front.rto : Infinity;
  return false;
}

/** ENet's verdict on a peer that stopped acknowledging. */
function declareDead(core: PeerCore): void {
  const state = core.state;
  if (state === "connecting") {
    core.toZombie(DisconnectReason.CONNECT_TIMEOUT, 0, false);
  } else if (state === "acknowledging_connect" || state === "admission") {
    core.resetSilently();
  } else {
    core.toZombie(DisconnectReason.TIMEOUT, 0, true);
  }
}

/**
 * Whether the waiting acknowledgements go out now. With `ackDelayMs`, a connected peer's wait
 * (when nothing else is sent) until a datagram's worth is queued, or they acknowledge a quarter
 * of the remote's window (it never stalls on us), or the first of them waited that long; those of
 * connection-level commands (VERIFY_CONNECT, PING, ...) never wait. The remote's RTT includes the
 * wait: its acknowledgements echo the time it sent the datagram.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { acksDue } from "./_transmit.ts";
 * const waiting = (core: PeerCore, now: number) => core.acks.length > 0 && !acksDue(core, now);
 * ```
 */
export function acksDue(core: PeerCore, now: number): boolean {
  const delay = core.o.ackDelayMs;
  if (delay === 0 || core.state !== "connected") return true;
  const acks = core.acks;
  return acks.control > 0 || now - acks.since >= delay ||
    acks.length * COMMAND_SIZES[EnetCommand.ACKNOWLEDGE] >= core.mtu - 4 ||
    acks.bytes * 4 >= core.receiveWindow || acks.length * 2 >= acks.capacity ||
    // anything else going out takes them along
    core.control.length > 0 || core.reliable.length > 0 || core.unreliable.length > 0 ||
    (core.liveSent === 0 && now - core.lastReceiveTime >= core.pingInterval);
}

/**
 * Builds the next datagram for `core`, or undefined when nothing is ready to go.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { transmit } from "./_transmit.ts";
 * const flush = (core: PeerCore, now: number, send: (d: Uint8Array) => void) => {
 *   for (let d = transmit(core, now); d; d = transmit(core, now)) send(d);
 * };
 * ```
 */
export function transmit(core: PeerCore, now: number): Uint8Array | undefined {
  if (core.finalDatagram !== undefined) {
    const last = core.finalDatagram;
    core.finalDatagram = undefined;
    core.counters.datagramsSent++;
    core.counters.bytesSent += last.length;
    core.releaseIfIdle();
    return last;
  }
  const state = core.state;
  if (state === "disconnected" || state === "zombie" || state === "admission") return undefined;
  if (checkTimeouts(core, now)) return undefined;
  fill.reset();
  let ackedDisconnect = false;
  const acks = core.acks.length > 0 && acksDue(core, now) ? core.acks.length : 0;
  for (let i = 0; i < acks; i++) {
    if (!fill.fitsAck(core)) break;
    ackScratch.channelId = core.acks.peekChannel();
    ackScratch.reliableSeq = core.acks.peekSeq();
    ackScratch.receivedReliableSeq = ackScratch.reliableSeq;
    ackScratch.receivedSentTime = core.acks.peekSentTime();
    if (core.acks.peekCommand() === EnetCommand.DISCONNECT) ackedDisconnect = true;
    core.acks.shift();
    fill.write(ackScratch);
  }
  if (!fill.full) sendControl(core, now);
  if (!fill.full) sendChannelData(core, now);
  if (
    fill.canPing && core.liveSent === 0 && core.state === "connected" &&
    now - core.lastReceiveTime >= core.pingInterval && !fill.full && core.mtu - fill.size >= 4 &&
    fill.commands < EnetLimit.MAXIMUM_PACKET_COMMANDS
  ) {
    core.queue(core.controlCommand(EnetCommand.PING), now);
    sendControl(core, now);
  }
  if (fill.commands === 0) return undefined;
  accountPacketLoss(core, now);
  const live = core.outgoingPeerId < EnetLimit.MAXIMUM_PEER_ID;
  const datagram = sealDatagram(
    fill.offset,
    core.outgoingPeerId,
    live ? core.link.outgoingSessionId : 0,
    fill.sentTime ? clock16(now) : undefined,
    live ? core.connectId : 0,
    core.o,
  );
  core.lastSendTime = now;
  core.counters.datagramsSent++;
  core.counters.bytesSent += datagram.length;
  if (ackedDisconnect && core.state === "acknowledging_disconnect") {
    core.toZombie(DisconnectReason.CLOSED, core.eventData, true);
  }
  if (core.state === "disconnect_later" && core.drained) disconnect(core, core.eventData, now);
  return datagram;
}

function markSent(core: PeerCore, cmd: OutgoingCommand, now: number): void {
  cmd.sendAttempts++;
  if (cmd.rto === 0) {
    cmd.rto = core.timing.rto;
    cmd.rtoLimit = core.timeoutLimit * cmd.rto;
  }
  if (core.liveSent === 0) core.nextTimeout = now + cmd.rto;
  cmd.sentTime = now;
  cmd.inFlight = true;
  core.liveSent++;
  core.sent.push(cmd);
  const key = sentKey(cmd.channelId, cmd.reliableSeq);
  if (!core.sentMap.has(key)) core.sentMap.set(key, cmd);
  if (cmd.packet !== undefined) core.inTransit += cmd.fragmentLength;
  fill.sentTime = true;
  if (cmd.packet !== undefined && cmd.sendAttempts === 1 && cmd.fragmentOffset === 0) {
    core.counters.packetsSent++;
  }
  core.packetsSentInterval++;
  core.counters.commandsSent++;
}

function sendControl(core: PeerCore, now: number): void {
  const queue = core.control;
  while (queue.length > 0) {
    const cmd = queue.peek()!;
    if (cmd.acked) {
      queue.shift();
      continue;
    }
    fill.canPing = false;
    if (!fill.fits(core, COMMAND_SIZES[cmd.command])) return;
    queue.shift();
    markSent(core, cmd, now);
    fill.write(cmd);
  }
}

/**
 * Channel data in queue order: reliable and unreliable commands interleave as they were queued
 * (a reliable command must not overtake an unreliable one queued before it on its channel, or
 * the receiver would drop the unreliable one as stale). Reliable data the windows hold back is
 * skipped; unreliable data behind it still goes.
 */
function sendChannelData(core: PeerCore, now: number): void {
  const reliable = core.reliable;
  const unreliable = core.unreliable;
  const windowLimit = Math.max(
    Math.floor((core.timing.packetThrottle * core.windowSize) / EnetDefault.PACKET_THROTTLE_SCALE),
    core.mtu,
  );
  core.windowBlocked = false;
  let reliableHeld = false;
  for (;;) {
    while (reliable.length > 0 && reliable.peek()!.acked) reliable.shift();
    const r = reliableHeld ? undefined : reliable.peek();
    const u = unreliable.peek();
    if (r === undefined && u === undefined) return;
    if (r !== undefined && (u === undefined || r.order < u.order)) {
      const verdict = reliableVerdict(core, r, windowLimit);
      if (verdict === HELD) {
        reliableHeld = true;
        continue;
      }
      fill.canPing = false;
      if (!fill.fits(core, COMMAND_SIZES[r.command] + r.fragmentLength)) return;
      reliable.shift();
      const channel = core.out[r.channelId];
      if (channel !== undefined && r.sendAttempts < 1) {
        const window = Math.floor(r.reliableSeq / EnetDefault.RELIABLE_WINDOW_SIZE);
        channel.usedReliableWindows |= 1 << window;
        channel.reliableWindows[window]++;
      }
      markSent(core, r, now);
      fill.write(r);
      continue;
    }
    if (!sendOneUnreliable(core, u!, now)) return;
  }
}

const HELD = 1;

/** Whether the reliable windows let `cmd` go now (0) or hold it back (HELD). */
function reliableVerdict(core: PeerCore, cmd: OutgoingCommand, windowLimit: number): number {
  const channel = core.out[cmd.channelId];
  const window = Math.floor(cmd.reliableSeq / EnetDefault.RELIABLE_WINDOW_SIZE);
  if (
    channel !== undefined && cmd.sendAttempts < 1 &&
    cmd.reliableSeq % EnetDefault.RELIABLE_WINDOW_SIZE === 0 &&
    (channel.reliableWindows[
          (window + EnetDefault.RELIABLE_WINDOWS - 1) %
          EnetDefault.RELIABLE_WINDOWS
        ] >= EnetDefault.RELIABLE_WINDOW_SIZE ||
      (channel.usedReliableWindows &
          ((FREE_MASK << window) | (FREE_MASK >> (EnetDefault.RELIABLE_WINDOWS - window)))) !== 0)
  ) {
    return HELD;
  }
  if (cmd.packet !== undefined && core.inTransit + cmd.fragmentLength > windowLimit) {
    // congestion, for the shedding policy, means the whole negotiated window is in flight (not
    // just the part ENet's RTT-driven throttle leaves open)
    core.windowBlocked = core.inTransit + cmd.fragmentLength > Math.max(core.windowSize, core.mtu);
    return HELD;
  }
  return 0;
}

/** The windows (from the one a new command starts) that must be free before it goes out. */
const FREE_MASK = (1 << (EnetDefault.FREE_RELIABLE_WINDOWS + 2)) - 1;

function shouldThrottle(core: PeerCore, now: number): boolean {
  switch (core.o.shedding) {
    case "enet":
      return true;
    case "never":
      return false;
    default:
      return core.timing.packetThrottleLimit < EnetDefault.PACKET_THROTTLE_SCALE ||
        (core.windowBlocked && now - core.lossAt < core.timing.throttleInterval);
  }
}

/** Drops the unreliable packet at the front of the queue (all its fragments). */
function shedFront(core: PeerCore, queue: Deque<OutgoingCommand>, enetBatch: boolean): void {
  const first = queue.shift()!;
  core.queuedBytes -= first.charge;
  core.counters.unreliableShed++;
  for (;;) {
    const next = queue.peek();
    if (next === undefined) return;
    const samePacket = next.packet === first.packet && next.fragmentOffset !== 0;
    const sameSeq = enetBatch && next.reliableSeq === first.reliableSeq &&
      next.unreliableSeq === first.unreliableSeq;
    if (!samePacket && !sameSeq) return;
    queue.shift();
    core.queuedBytes -= next.charge;
    if (!samePacket) core.counters.unreliableShed++;
  }
}

/** Sends (or sheds) the unreliable command at the front; false when the datagram is full. */
function sendOneUnreliable(core: PeerCore, cmd: OutgoingCommand, now: number): boolean {
  const queue = core.unreliable;
  if (cmd.fragmentOffset === 0 && now - cmd.queuedAt > core.o.unreliableMaxAgeMs) {
    shedFront(core, queue, false);
    return true;
  }
  if (!fill.fits(core, COMMAND_SIZES[cmd.command] + cmd.fragmentLength)) return false;
  if (cmd.fragmentOffset === 0 && shouldThrottle(core, now)) {
    const t = core.timing;
    t.packetThrottleCounter = (t.packetThrottleCounter + EnetDefault.PACKET_THROTTLE_COUNTER) %
      EnetDefault.PACKET_THROTTLE_SCALE;
    if (t.packetThrottleCounter > t.packetThrottle) {
      shedFront(core, queue, core.o.shedding === "enet");
      return true;
    }
  }
  queue.shift();
  core.queuedBytes -= cmd.charge;
  core.packetsSentInterval++;
  core.counters.commandsSent++;
  if (cmd.fragmentOffset === 0) core.counters.packetsSent++;
  fill.write(cmd);
  return true;
}

/** ENet's mean packet loss, recomputed every 10 s of sending. */
function accountPacketLoss(core: PeerCore, now: number): void {
  if (core.packetLossEpoch === undefined) {
    core.packetLossEpoch = now;
    return;
  }
  if (
    now - core.packetLossEpoch < EnetDefault.PACKET_LOSS_INTERVAL || core.packetsSentInterval <= 0
  ) {
    return;
  }
  const loss = Math.floor(
    (core.packetsLostInterval * EnetDefault.PACKET_LOSS_SCALE) / core.packetsSentInterval,
  );
  core.packetLossVariance = Math.floor(
    (core.packetLossVariance * 3 + Math.abs(loss - core.packetLoss)) / 4,
  );
  core.packetLoss = Math.floor((core.packetLoss * 7 + loss) / 8);
  core.packetLossEpoch = now;
  core.packetsSentInterval = 0;
  core.packetsLostInterval = 0;
}
