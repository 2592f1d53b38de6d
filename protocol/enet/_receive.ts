/**
 * The receive side of a peer: checking a datagram's header, then handling its commands one by
 * one as ENet does (a command that fails stops the datagram; every handled command that asks for
 * it is acknowledged with the datagram's sent time).
 *
 * @module
 */
import { DisconnectReason } from "../errors.ts";
import { decodeCommand, DecodedCommand, DecodedHeader } from "./codec.ts";
import { EnetCommand, EnetFlag, EnetLimit } from "./constants.ts";
import type { PeerCore } from "./_core.ts";
import { openDatagram, readHeader } from "./_datagram.ts";
import { clampMtu, clampWindow, sendWindow } from "./_handshake.ts";
import { ackForbidden, ERROR, isDataCommand, OK } from "./_incoming.ts";
import { disconnect, resendVerify } from "./_lifecycle.ts";
import { echoedRoundTrip } from "./_rtt.ts";

const header = new DecodedHeader();
const cmd = new DecodedCommand();

/**
 * Handles one datagram addressed to `core` (the caller checked that it came from the peer's
 * address). Returns false when it was dropped as a whole (bad header, wrong session, failed
 * decompression or checksum, or a peer that takes no datagrams).
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { receive } from "./_receive.ts";
 * const feed = (core: PeerCore, bytes: Uint8Array, now: number) => receive(core, bytes, now);
 * ```
 */
export function receive(core: PeerCore, bytes: Uint8Array, now: number, owned = false): boolean {
  const state = core.state;
  if (state === "disconnected" || state === "zombie" || state === "admission") return false;
  if (!readHeader(bytes, header, core.o.checksum)) return false;
  if (header.peerId !== core.link.incomingPeerId) return false;
  if (
    core.outgoingPeerId < EnetLimit.MAXIMUM_PEER_ID &&
    header.sessionId !== core.link.incomingSessionId
  ) return false;
  const view = openDatagram(bytes, header, core.connectId, core.o);
  if (view === undefined) return false;
  core.link.incomingDataTotal += view.length;
  core.counters.datagramsReceived++;
  core.counters.bytesReceived += bytes.length;
  core.ctx.now = now;
  // packets kept from a datagram the carrier gave away are views of it (a decompressed one lives
  // in scratch memory and is copied)
  core.borrowsDatagram = owned && view === bytes;
  try {
    readCommands(core, view, now);
  } finally {
    core.borrowsDatagram = false;
  }
  // The remote talks to us (right index, session and address) but has not acknowledged our
  // VERIFY_CONNECT: that acknowledgement was lost, and only a new VERIFY_CONNECT brings another.
  if (core.state === "acknowledging_connect") resendVerify(core);
  return true;
}

function readCommands(core: PeerCore, view: Uint8Array, now: number): void {
  let offset = header.size;
  while (offset < view.length) {
    const next = decodeCommand(view, offset, view.length, cmd);
    if (next < 0) {
      core.counters.commandsDropped++;
      break;
    }
    offset = next;
    if (handle(core, view, now) === ERROR) {
      core.counters.commandsDropped++;
      break;
    }
    if ((cmd.flags & EnetFlag.COMMAND_ACKNOWLEDGE) !== 0) {
      if (!header.hasSentTime) break;
      if (!queueAck(core, header.sentTime, now)) break;
    }
  }
}

function handle(core: PeerCore, view: Uint8Array, now: number): number {
  switch (cmd.command) {
    case EnetCommand.ACKNOWLEDGE:
      return handleAck(core, now);
    case EnetCommand.CONNECT:
      return ERROR;
    case EnetCommand.VERIFY_CONNECT:
      return handleVerify(core);
    case EnetCommand.DISCONNECT:
      return handleDisconnect(core);
    case EnetCommand.PING:
      return core.isLive ? OK : ERROR;
    case EnetCommand.BANDWIDTH_LIMIT:
      if (!core.isLive) return ERROR;
      core.link.remoteIncomingBandwidth = cmd.incomingBandwidth;
      core.link.remoteOutgoingBandwidth = cmd.outgoingBandwidth;
      core.windowSize = sendWindow(core.limits.outgoingBandwidth, cmd.incomingBandwidth);
      return OK;
    case EnetCommand.THROTTLE_CONFIGURE:
      if (!core.isLive) return ERROR;
      core.timing.throttleInterval = cmd.throttleInterval;
      core.timing.throttleAcceleration = cmd.throttleAcceleration;
      core.timing.throttleDeceleration = cmd.throttleDeceleration;
      return OK;
    default:
      return handleData(core, view);
  }
}

function handleData(core: PeerCore, view: Uint8Array): number {
  if (!core.isLive || cmd.channelId >= core.channelCount) return ERROR;
  if (cmd.dataLength > core.o.maxPacketSize) return ERROR;
  // a peer draining its queue before disconnecting ignores (but acknowledges) new data
  if (core.state === "disconnect_later") return OK;
  const channel = core.in[cmd.channelId];
  switch (cmd.command) {
    case EnetCommand.SEND_RELIABLE:
      return channel.reliable(cmd, view, core.ctx);
    case EnetCommand.SEND_UNRELIABLE:
      return channel.unreliable(cmd, view, core.ctx);
    case EnetCommand.SEND_FRAGMENT:
      return channel.reliableFragment(cmd, view, core.ctx);
    case EnetCommand.SEND_UNRELIABLE_FRAGMENT:
      return channel.unreliableFragment(cmd, view, core.ctx);
    case EnetCommand.SEND_UNSEQUENCED: {
      const group = cmd.unsequencedGroup;
      if (!core.unsequenced.check(group)) return OK;
      const data = core.ctx.copy(view, cmd.dataOffset, cmd.dataOffset + cmd.dataLength);
      if (core.ctx.deliver(cmd.channelId, data, 2, false)) core.unsequenced.mark(group);
      else core.counters.commandsDropped++;
      return OK;
    }
  }
  return ERROR;
}

function handleAck(core: PeerCore, now: number): number {
  const rtt = echoedRoundTrip(now, cmd.receivedSentTime);
  if (rtt === undefined) return OK;
  core.timing.sample(rtt, now);
  core.lastReceiveTime = now;
  core.earliestTimeout = undefined;
  const acked = core.removeSent(cmd.receivedReliableSeq, cmd.channelId);
  switch (core.state) {
    case "acknowledging_connect":
      if (acked !== EnetCommand.VERIFY_CONNECT) return ERROR;
      core.verify = undefined;
      core.becomeConnected(core.connectData);
      break;
    case "disconnecting":
      if (acked !== EnetCommand.DISCONNECT) return ERROR;
      core.toZombie(DisconnectReason.CLOSED, 0, true);
      break;
    case "disconnect_later":
      if (core.drained) disconnect(core, core.eventData, now);
      break;
  }
  return OK;
}

function handleVerify(core: PeerCore): number {
  if (core.state !== "connecting") return OK;
  const t = core.timing;
  if (
    cmd.channelCount < EnetLimit.MINIMUM_CHANNEL_COUNT ||
    cmd.channelCount > EnetLimit.MAXIMUM_CHANNEL_COUNT ||
    cmd.throttleInterval !== t.throttleInterval ||
    cmd.throttleAcceleration !== t.throttleAcceleration ||
    cmd.throttleDeceleration !== t.throttleDeceleration || cmd.connectId !== core.connectId ||
    cmd.outgoingPeerId >= EnetLimit.MAXIMUM_PEER_ID || cmd.incomingSessionId > 3 ||
    cmd.outgoingSessionId > 3
  ) {
    core.toZombie(DisconnectReason.PROTOCOL_ERROR, 0, false);
    return ERROR;
  }
  core.removeSent(1, EnetLimit.CONTROL_CHANNEL);
  if (cmd.channelCount < core.channelCount) {
    core.channelCount = cmd.channelCount;
    core.out.length = cmd.channelCount;
    core.in.length = cmd.channelCount;
  }
  core.outgoingPeerId = cmd.outgoingPeerId;
  core.link.incomingSessionId = cmd.incomingSessionId;
  core.link.outgoingSessionId = cmd.outgoingSessionId;
  core.mtu = Math.min(core.mtu, clampMtu(cmd.mtu));
  core.windowSize = Math.min(core.windowSize, clampWindow(cmd.windowSize));
  core.receiveWindow = core.windowSize;
  core.link.remoteIncomingBandwidth = cmd.incomingBandwidth;
  core.link.remoteOutgoingBandwidth = cmd.outgoingBandwidth;
  core.becomeConnected(0);
  return OK;
}

function handleDisconnect(core: PeerCore): number {
  const state = core.state;
  if (state === "acknowledging_disconnect") return OK;
  const data = cmd.data;
  if (state === "connecting" || state === "disconnecting") {
    core.toZombie(DisconnectReason.CLOSED, data, state === "disconnecting");
  } else if (state === "acknowledging_connect") {
    core.resetSilently();
  } else if ((cmd.flags & EnetFlag.COMMAND_ACKNOWLEDGE) !== 0) {
    core.resetQueues(false);
    core.state = "acknowledging_disconnect";
    core.eventData = data;
  } else {
    core.toZombie(DisconnectReason.CLOSED, data, true);
  }
  return OK;
}

/** Queues the acknowledgement ENet sends for the command in this state; false = stop. */
function queueAck(core: PeerCore, sentTime: number, now: number): boolean {
  switch (core.state) {
    case "disconnecting":
    case "acknowledging_connect":
    case "disconnected":
    case "zombie":
    case "admission":
      return true;
    case "acknowledging_disconnect":
      if (cmd.command !== EnetCommand.DISCONNECT) return true;
      break;
  }
  if (
    cmd.channelId < core.channelCount &&
    ackForbidden(cmd.reliableSeq, core.in[cmd.channelId].reliableSeq)
  ) return true;
  const bytes = isDataCommand(cmd.command) ? cmd.dataLength : 0;
  if (!core.acks.push(cmd.channelId, cmd.command, cmd.reliableSeq, sentTime, bytes, now)) {
    return false;
  }
  core.link.outgoingDataTotal += 8;
  return true;
}
