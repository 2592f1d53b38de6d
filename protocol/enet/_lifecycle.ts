/**
 * Connection life of a peer: starting a connect, admitting or refusing a remote's CONNECT, the
 * three ways to disconnect, and the connection-level commands an owner may send.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";
import { type DecodedCommand, encodeCommand } from "./codec.ts";
import { EnetCommand, EnetFlag, EnetLimit } from "./constants.ts";
import type { PeerCore } from "./_core.ts";
import { HEADER_ROOM, sealDatagram, txBuffer } from "./_datagram.ts";
import {
  clampMtu,
  grantedWindow,
  nextSessionIds,
  sendWindow,
  windowForBandwidth,
} from "./_handshake.ts";
import { OutgoingCommand } from "./_outgoing.ts";

/**
 * Client side: queues our CONNECT (control seq 1). The connect id comes from the host's random.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { beginConnect } from "./_lifecycle.ts";
 * const start = (core: PeerCore, now: number) => beginConnect(core, 3, 1234, now);
 * ```
 */
export function beginConnect(
  core: PeerCore,
  channelCount: number,
  data: number,
  now: number,
): void {
  const count = Math.min(
    Math.max(Math.floor(channelCount), EnetLimit.MINIMUM_CHANNEL_COUNT),
    EnetLimit.MAXIMUM_CHANNEL_COUNT,
  );
  core.initChannels(count);
  core.state = "connecting";
  core.connectId = core.o.random.nextU32() >>> 0;
  core.connectData = data >>> 0;
  core.windowSize = windowForBandwidth(core.limits.outgoingBandwidth);
  const cmd = core.controlCommand(EnetCommand.CONNECT);
  cmd.outgoingPeerId = core.link.incomingPeerId;
  cmd.incomingSessionId = core.link.incomingSessionId;
  cmd.outgoingSessionId = core.link.outgoingSessionId;
  cmd.mtu = core.mtu;
  cmd.windowSize = core.windowSize;
  cmd.channelCount = count;
  cmd.incomingBandwidth = core.limits.incomingBandwidth;
  cmd.outgoingBandwidth = core.limits.outgoingBandwidth;
  cmd.throttleInterval = core.timing.throttleInterval;
  cmd.throttleAcceleration = core.timing.throttleAcceleration;
  cmd.throttleDeceleration = core.timing.throttleDeceleration;
  cmd.connectId = core.connectId;
  cmd.data = core.connectData;
  core.queue(cmd, now);
}

/**
 * Server side: records a remote's CONNECT while the owner decides.
 *
 * @example
 * ```ts
 * import type { DecodedCommand } from "./codec.ts";
 * import type { PeerCore } from "./_core.ts";
 * import { beginAdmission } from "./_lifecycle.ts";
 * const hold = (core: PeerCore, cmd: DecodedCommand, now: number) => beginAdmission(core, cmd, now);
 * ```
 */
export function beginAdmission(core: PeerCore, cmd: DecodedCommand, now: number): void {
  core.state = "admission";
  core.deadline = now + core.o.admissionTimeoutMs;
  core.connectId = cmd.connectId;
  core.connectData = cmd.data;
  core.outgoingPeerId = cmd.outgoingPeerId;
  core.link.remoteIncomingBandwidth = cmd.incomingBandwidth;
  core.link.remoteOutgoingBandwidth = cmd.outgoingBandwidth;
  core.timing.throttleInterval = cmd.throttleInterval;
  core.timing.throttleAcceleration = cmd.throttleAcceleration;
  core.timing.throttleDeceleration = cmd.throttleDeceleration;
  core.requestedChannels = cmd.channelCount;
  core.requestedMtu = cmd.mtu;
  core.requestedWindow = cmd.windowSize;
  core.proposedIncomingSession = cmd.incomingSessionId;
  core.proposedOutgoingSession = cmd.outgoingSessionId;
}

/**
 * Server side: accepts an admitted CONNECT; VERIFY_CONNECT goes out with the next transmit. It is
 * sent again only when the remote repeats its CONNECT (never on a timer), so a spoofed CONNECT
 * earns exactly one reply.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { acceptAdmission } from "./_lifecycle.ts";
 * const accept = (core: PeerCore, now: number) => acceptAdmission(core, now);
 * ```
 */
export function acceptAdmission(core: PeerCore, now: number): void {
  if (core.state !== "admission") return;
  const channels = Math.min(core.requestedChannels, core.limits.channelLimit);
  core.initChannels(channels);
  const [outgoing, incoming] = nextSessionIds(
    core.proposedIncomingSession,
    core.proposedOutgoingSession,
    core.link.incomingSessionId,
    core.link.outgoingSessionId,
  );
  core.link.outgoingSessionId = outgoing;
  core.link.incomingSessionId = incoming;
  core.mtu = clampMtu(core.requestedMtu);
  core.windowSize = sendWindow(core.limits.outgoingBandwidth, core.link.remoteIncomingBandwidth);
  const cmd = core.controlCommand(EnetCommand.VERIFY_CONNECT);
  cmd.outgoingPeerId = core.link.incomingPeerId;
  cmd.incomingSessionId = outgoing;
  cmd.outgoingSessionId = incoming;
  cmd.mtu = core.mtu;
  cmd.windowSize = grantedWindow(core.limits.incomingBandwidth, core.requestedWindow);
  core.receiveWindow = cmd.windowSize;
  cmd.channelCount = channels;
  cmd.incomingBandwidth = core.limits.incomingBandwidth;
  cmd.outgoingBandwidth = core.limits.outgoingBandwidth;
  cmd.throttleInterval = core.timing.throttleInterval;
  cmd.throttleAcceleration = core.timing.throttleAcceleration;
  cmd.throttleDeceleration = core.timing.throttleDeceleration;
  cmd.connectId = core.connectId;
  // never retransmitted by timer: an infinite timeout keeps it out of the retransmission check
  cmd.rto = Infinity;
  cmd.rtoLimit = Infinity;
  core.verify = cmd;
  core.queue(cmd, now);
  core.state = "acknowledging_connect";
  core.deadline = now + core.o.pendingTimeoutMs;
}

/**
 * Server side: the remote repeated its CONNECT while we wait for the VERIFY_CONNECT's
 * acknowledgement, so our answer was probably lost: queue it once more.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { resendVerify } from "./_lifecycle.ts";
 * const again = (core: PeerCore) => resendVerify(core);
 * ```
 */
export function resendVerify(core: PeerCore): void {
  const cmd = core.verify;
  if (core.state !== "acknowledging_connect" || cmd === undefined || !cmd.inFlight) return;
  cmd.inFlight = false;
  core.liveSent--;
  core.sent.filter((c) => c !== cmd);
  core.control.unshift(cmd);
}

/**
 * Server side: refuses an admitted CONNECT with an unsequenced DISCONNECT(`data`) addressed to
 * the remote's peer index. A libenet client takes it as the end of its connect attempt at once.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { rejectAdmission } from "./_lifecycle.ts";
 * const no = (core: PeerCore) => rejectAdmission(core, 0);
 * ```
 */
export function rejectAdmission(core: PeerCore, data: number): void {
  if (core.state !== "admission") return;
  const [outgoing] = nextSessionIds(
    core.proposedIncomingSession,
    core.proposedOutgoingSession,
    core.link.incomingSessionId,
    core.link.outgoingSessionId,
  );
  core.finalDatagram = disconnectDatagram(core, data, outgoing);
  core.resetSilently();
}

/**
 * A lone unsequenced DISCONNECT datagram for `core`'s remote.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { disconnectDatagram } from "./_lifecycle.ts";
 * const bye = (core: PeerCore) => disconnectDatagram(core, 0, core.link.outgoingSessionId);
 * ```
 */
export function disconnectDatagram(core: PeerCore, data: number, sessionId: number): Uint8Array {
  const cmd = new OutgoingCommand();
  cmd.command = EnetCommand.DISCONNECT;
  cmd.flags = EnetFlag.COMMAND_UNSEQUENCED;
  cmd.channelId = EnetLimit.CONTROL_CHANNEL;
  core.controlSeq = (core.controlSeq + 1) & 0xffff;
  cmd.reliableSeq = core.controlSeq;
  cmd.data = data >>> 0;
  const end = encodeCommand(txBuffer, HEADER_ROOM, cmd, undefined, 0);
  const live = core.outgoingPeerId < EnetLimit.MAXIMUM_PEER_ID;
  return sealDatagram(
    end,
    core.outgoingPeerId,
    live ? sessionId : 0,
    undefined,
    live ? core.connectId : 0,
    core.o,
  );
}

/**
 * ENet's `enet_peer_disconnect`: a connected peer sends a reliable DISCONNECT and reports the
 * disconnect once it is acknowledged (or timed out); any other peer sends an unsequenced one and
 * is reset at once. Queued data (both ways) is dropped.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { disconnect } from "./_lifecycle.ts";
 * const close = (core: PeerCore, now: number) => disconnect(core, 0, now);
 * ```
 */
export function disconnect(core: PeerCore, data: number, now: number): void {
  const state = core.state;
  if (
    state === "disconnecting" || state === "disconnected" ||
    state === "acknowledging_disconnect" || state === "zombie"
  ) return;
  if (state === "admission") {
    rejectAdmission(core, data);
    return;
  }
  const wasLive = core.isLive;
  core.resetQueues(true);
  if (wasLive) {
    const cmd = core.controlCommand(EnetCommand.DISCONNECT);
    cmd.data = data >>> 0;
    core.queue(cmd, now);
    core.eventData = data >>> 0;
    core.state = "disconnecting";
    core.link.onConnectionChange();
    return;
  }
  core.finalDatagram = disconnectDatagram(core, data, core.link.outgoingSessionId);
  core.resetSilently();
}

/**
 * ENet's `enet_peer_disconnect_later`: disconnect once every queued packet was sent and
 * acknowledged (incoming data is then ignored).
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { disconnectLater } from "./_lifecycle.ts";
 * const drain = (core: PeerCore, now: number) => disconnectLater(core, 0, now);
 * ```
 */
export function disconnectLater(core: PeerCore, data: number, now: number): void {
  if (core.isLive && !core.drained) {
    core.state = "disconnect_later";
    core.eventData = data >>> 0;
    return;
  }
  disconnect(core, data, now);
}

/**
 * ENet's `enet_peer_disconnect_now`: one unsequenced DISCONNECT, then the peer is reset without
 * a disconnect event.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { disconnectNow } from "./_lifecycle.ts";
 * const drop = (core: PeerCore) => disconnectNow(core, 0);
 * ```
 */
export function disconnectNow(core: PeerCore, data: number): void {
  const state = core.state;
  if (state === "disconnected") return;
  if (state === "admission") {
    rejectAdmission(core, data);
    return;
  }
  if (state !== "zombie" && state !== "disconnecting") {
    core.resetQueues(true);
    core.finalDatagram = disconnectDatagram(core, data, core.link.outgoingSessionId);
  }
  core.resetSilently();
}

/**
 * Queues a BANDWIDTH_LIMIT (our downstream / upstream in bytes/s) on a connected peer.
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { queueBandwidthLimit } from "./_lifecycle.ts";
 * const limit = (core: PeerCore, now: number) => queueBandwidthLimit(core, 0, 0, now);
 * ```
 */
export function queueBandwidthLimit(
  core: PeerCore,
  incoming: number,
  outgoing: number,
  now: number,
): void {
  if (!core.isLive) return;
  const cmd = core.controlCommand(EnetCommand.BANDWIDTH_LIMIT);
  cmd.incomingBandwidth = incoming >>> 0;
  cmd.outgoingBandwidth = outgoing >>> 0;
  core.queue(cmd, now);
}

/**
 * Sets the packet throttle parameters and tells the remote (THROTTLE_CONFIGURE).
 *
 * @example
 * ```ts
 * import type { PeerCore } from "./_core.ts";
 * import { throttleConfigure } from "./_lifecycle.ts";
 * const tune = (core: PeerCore, now: number) => throttleConfigure(core, 5000, 2, 2, now);
 * ```
 */
export function throttleConfigure(
  core: PeerCore,
  interval: number,
  acceleration: number,
  deceleration: number,
  now: number,
): void {
  for (
    const [name, v] of [["interval", interval], ["acceleration", acceleration], [
      "deceleration",
      deceleration,
    ]] as const
  ) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new MultiplayerError("INVALID_ARGUMENT", `throttle ${name} must be a u32`);
    }
  }
  core.timing.throttleInterval = interval;
  core.timing.throttleAcceleration = acceleration;
  core.timing.throttleDeceleration = deceleration;
  if (!core.isLive) return;
  const cmd = core.controlCommand(EnetCommand.THROTTLE_CONFIGURE);
  cmd.throttleInterval = interval;
  cmd.throttleAcceleration = acceleration;
  cmd.throttleDeceleration = deceleration;
  core.queue(cmd, now);
}
