/**
 * The host's side of flow feedback and bandwidth caps: tells each sender how much more its
 * messages may fill our inbound queue and our download cap (FLOW), applies what remotes tell
 * us, and splits the host's `outBandwidth` / `inBandwidth` evenly across connected peers.
 *
 * @module
 */
import type { ConnectionApi } from "../connection/types.ts";
import {
  decodeFlow,
  encodeFlow,
  FlowAdvertiser,
  MAX_FLOW_VALUE,
  MIN_PEER_IN_BANDWIDTH,
} from "./_flow_control.ts";

/** What {@link HostFlow} needs of a peer entry (the host's `PeerEntry`). */
export interface FlowPeer {
  /** The peer's connection. */
  readonly conn: ConnectionApi;
  /** Packets from this peer waiting for the application. */
  readonly inboundPackets: number;
  /** Bytes from this peer waiting for the application. */
  readonly inboundBytes: number;
  /**
   * Written by {@link HostFlow} only: the peer's advertiser while it gets flow feedback (kept on
   * the peer, so marking it touched reads the entry its datagram reached already, no lookup).
   */
  flowAdvertiser?: FlowAdvertiser;
  /** Written by {@link HostFlow} only: pending in its list of peers to re-check. */
  flowPending?: boolean;
}

/** Limits that define the receive window. */
export interface FlowLimits {
  /** Host-wide cap on bytes waiting for the application. */
  readonly maxInboundBytes: number;
  /** Per-peer cap on bytes waiting. */
  readonly maxInboundBytesPerPeer: number;
  /** Per-peer cap on packets waiting. */
  readonly maxInboundPacketsPerPeer: number;
  /** Datagram budget (converts the packet cap into bytes). */
  readonly datagramSize: number;
  /** Host download cap in bytes/s (0 = none), split across peers. */
  readonly inBandwidth: number;
  /** Host upload cap in bytes/s (0 = none), split across peers. */
  readonly outBandwidth: number;
}

/**
 * Per-host flow bookkeeping. Work happens only for peers whose queue share changed
 * ({@link HostFlow.touch}) and when peers come or go, never per packet beyond a flag.
 *
 * @example
 * ```ts
 * import { HostFlow } from "./_flow.ts";
 * const sent: Uint8Array[] = [];
 * const flow = new HostFlow({
 *   maxInboundBytes: 1 << 20, maxInboundBytesPerPeer: 1 << 20, maxInboundPacketsPerPeer: 1024,
 *   datagramSize: 1200, inBandwidth: 100_000, outBandwidth: 0,
 * }, (_peer, bytes) => sent.push(bytes));
 * const peer = { conn: {} as never, inboundPackets: 0, inboundBytes: 0 };
 * flow.add(peer, false, [peer], 0);
 * console.log(sent.length); // 1: the download cap was advertised
 * ```
 */
export class HostFlow<P extends FlowPeer> {
  readonly #limits: FlowLimits;
  readonly #send: (peer: P, bytes: Uint8Array) => void;
  readonly #peers = new Set<P>(); // peers getting feedback (their state is on them)
  readonly #pending: P[] = [];
  readonly #windowLimit: number;
  // the peer touched last is pending already (runs of packets from one peer skip the lookup)
  #lastTouched?: P;

  /** `send` queues a reliable system message to a peer (the host handles back-pressure). */
  constructor(limits: FlowLimits, send: (peer: P, bytes: Uint8Array) => void) {
    this.#limits = limits;
    this.#send = send;
    this.#windowLimit = Math.min(
      limits.maxInboundBytes,
      limits.maxInboundBytesPerPeer,
      limits.maxInboundPacketsPerPeer * limits.datagramSize,
    );
  }

  /** A peer joined; `reliableCarrier` peers get no feedback (their carrier has its own). */
  add(peer: P, reliableCarrier: boolean, all: Iterable<P>, now: number): void {
    if (reliableCarrier) return;
    peer.flowAdvertiser = new FlowAdvertiser();
    peer.flowPending = false;
    this.#peers.add(peer);
    this.#rebalance(all, now);
  }

  /** A peer left. */
  remove(peer: P, all: Iterable<P>, now: number): void {
    if (peer === this.#lastTouched) this.#lastTouched = undefined;
    if (!this.#peers.delete(peer)) return;
    peer.flowAdvertiser = undefined; // a pending entry is skipped by the next flush
    this.#rebalance(all, now);
  }

  /** Forgets every peer (host closed). */
  clear(): void {
    this.#lastTouched = undefined;
    for (const peer of this.#peers) {
      peer.flowAdvertiser = undefined;
      peer.flowPending = false;
    }
    this.#peers.clear();
    this.#pending.length = 0;
  }

  /** The peer's share of the inbound queue changed: re-check it at the next {@link flush}. */
  touch(peer: P): void {
    if (peer === this.#lastTouched) return;
    if (peer.flowAdvertiser === undefined || peer.flowPending) return;
    peer.flowPending = true;
    this.#pending.push(peer);
    this.#lastTouched = peer;
  }

  /** True when a peer's share changed since the last {@link flush} (it may have FLOW to send). */
  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /** Sends the FLOW updates that became due; `hostInboundBytes` is the whole queue's bytes. */
  flush(hostInboundBytes: number): void {
    const l = this.#limits, inShare = this.#inShare();
    this.#lastTouched = undefined;
    while (this.#pending.length > 0) {
      const peer = this.#pending.pop()!, advertiser = peer.flowAdvertiser;
      peer.flowPending = false;
      if (advertiser === undefined) continue;
      const free = Math.min(
        l.maxInboundBytes - hostInboundBytes,
        l.maxInboundBytesPerPeer - peer.inboundBytes,
        (l.maxInboundPacketsPerPeer - peer.inboundPackets) * l.datagramSize,
      );
      this.#advertise(peer, advertiser, free, inShare);
    }
  }

  /**
   * Handles a system payload from `peer`: true when it was FLOW (applied, or ignored when
   * malformed values slipped through), false when it is another system message.
   */
  receive(peer: P, payload: Uint8Array, now: number): boolean {
    const m = decodeFlow(payload);
    if (m === undefined) return false;
    const bw = m.inBandwidth > 0 ? Math.max(MIN_PEER_IN_BANDWIDTH, m.inBandwidth) : 0;
    peer.conn.setPeerFlow?.(m.window, bw, now);
    return true;
  }

  #inShare(): number {
    const n = Math.max(1, this.#peers.size);
    return this.#limits.inBandwidth > 0 ? Math.ceil(this.#limits.inBandwidth / n) : 0;
  }

  #advertise(peer: P, advertiser: FlowAdvertiser, free: number, inShare: number): void {
    const m = advertiser.update(free, this.#windowLimit, inShare);
    if (m !== undefined) {
      this.#send(
        peer,
        encodeFlow({ window: m.window, inBandwidth: Math.min(MAX_FLOW_VALUE, m.inBandwidth) }),
      );
    }
  }

  #rebalance(all: Iterable<P>, now: number): void {
    const l = this.#limits;
    if (l.inBandwidth === 0 && l.outBandwidth === 0) return;
    const n = Math.max(1, this.#peers.size);
    const out = l.outBandwidth > 0 ? Math.ceil(l.outBandwidth / n) : 0, inShare = this.#inShare();
    for (const peer of all) {
      const advertiser = peer.flowAdvertiser;
      if (advertiser === undefined || !this.#peers.has(peer)) continue;
      if (out > 0) peer.conn.setOutBandwidth?.(out, now);
      // the window part stays as last advertised; only a changed cap makes this send
      if (inShare > 0) this.#advertise(peer, advertiser, advertiser.window, inShare);
    }
  }
}
