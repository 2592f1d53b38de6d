/** State a peer shares with the host that owns it. @module */
import { LinkTiming } from "./_rtt.ts";
import { CopySlab } from "./slab.ts";

/**
 * Host-wide limits a peer reads (the host may change them at run time).
 *
 * @example
 * ```ts
 * import { HostLimits } from "./_link.ts";
 * const limits = new HostLimits(0, 0, 255, 1 << 20);
 * console.log(limits.channelLimit); // 255
 * ```
 */
export class HostLimits {
  incomingBandwidth: number;
  outgoingBandwidth: number;
  channelLimit: number;
  /** Reassembly bytes left over the whole host. */
  reassemblyLeft: number;
  /** Where the host's peers copy the packets they keep (`sharedBuffers`): up to 1 KiB shared. */
  readonly slab: CopySlab = new CopySlab(4096, 1024);

  /** Limits with the given initial values. */
  constructor(incoming: number, outgoing: number, channelLimit: number, reassembly: number) {
    this.incomingBandwidth = incoming;
    this.outgoingBandwidth = outgoing;
    this.channelLimit = channelLimit;
    this.reassemblyLeft = reassembly;
  }
}

/**
 * What a host and one of its peers share: the bandwidth-throttle bookkeeping, the session ids of
 * the slot, notifications, and the host-only operations the peer installs.
 *
 * @example
 * ```ts
 * import { PeerLink } from "./_link.ts";
 * const link = new PeerLink(0, 0xff, 0xff);
 * console.log(link.incomingPeerId, link.timing.packetThrottle); // 0 32
 * ```
 */
export class PeerLink {
  readonly incomingPeerId: number;
  /** Session ids of the slot (kept across connections to avoid reusing the previous ones). */
  incomingSessionId: number;
  outgoingSessionId: number;
  readonly timing: LinkTiming = new LinkTiming();
  /** The remote's advertised bandwidths (bytes/s, 0 = unlimited). */
  remoteIncomingBandwidth = 0;
  remoteOutgoingBandwidth = 0;
  /** Bytes queued / received since the last bandwidth throttle tick. */
  outgoingDataTotal = 0;
  incomingDataTotal = 0;
  incomingBandwidthThrottleEpoch: number | undefined = undefined;
  outgoingBandwidthThrottleEpoch: number | undefined = undefined;
  /** The host has this peer in its event dispatch queue. */
  queuedForDispatch = false;
  /** The peer has a first event waiting. */
  onEvent: () => void = () => {};
  /** The peer is disconnected with no event left: its slot can be reused. */
  onRelease: () => void = () => {};
  /** The peer became connected or stopped being connected (bandwidth limits need a refresh). */
  onConnectionChange: () => void = () => {};
  /** Installed by the peer: queue a BANDWIDTH_LIMIT command. */
  queueBandwidthLimit: (incoming: number, outgoing: number) => void = () => {};

  /** Link of slot `incomingPeerId` whose last session ids were these. */
  constructor(incomingPeerId: number, incomingSessionId: number, outgoingSessionId: number) {
    this.incomingPeerId = incomingPeerId;
    this.incomingSessionId = incomingSessionId;
    this.outgoingSessionId = outgoingSessionId;
  }
}
