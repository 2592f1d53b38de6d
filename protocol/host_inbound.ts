/**
 * The host's bounded inbound queue: packets waiting for the application, with per-peer and
 * host-wide packet and byte limits (a refused reliable message is not acknowledged, so its
 * sender retries later).
 *
 * @module
 */
import type { TransferMode } from "./constants.ts";
import type { InboundPacket } from "./host_types.ts";
import type { PeerEntry } from "./host_peers.ts";
import { BoundedQueue } from "./queue.ts";

/**
 * Limits of an {@link InboundQueue}.
 *
 * @example
 * ```ts
 * import type { InboundLimits } from "./host_inbound.ts";
 * const limits: InboundLimits = {
 *   maxInboundPackets: 16, maxInboundBytes: 1024,
 *   maxInboundPacketsPerPeer: 8, maxInboundBytesPerPeer: 512,
 * };
 * ```
 */
export interface InboundLimits {
  /** Most packets waiting. */
  readonly maxInboundPackets: number;
  /** Most bytes waiting (an empty queue always takes one packet). */
  readonly maxInboundBytes: number;
  /** Most packets from one peer. */
  readonly maxInboundPacketsPerPeer: number;
  /** Most bytes from one peer (a peer with nothing queued always gets one packet in). */
  readonly maxInboundBytesPerPeer: number;
}

/**
 * Packets for the application in arrival order, each remembered with the peer that sent it so
 * the per-peer accounting (and that peer's flow feedback) follows.
 *
 * @example
 * ```ts
 * import { InboundQueue } from "./host_inbound.ts";
 * import type { PeerEntry } from "./host_peers.ts";
 * const q = new InboundQueue({
 *   maxInboundPackets: 16, maxInboundBytes: 1024,
 *   maxInboundPacketsPerPeer: 8, maxInboundBytesPerPeer: 512,
 * });
 * const owner = { inboundPackets: 0, inboundBytes: 0 } as PeerEntry;
 * console.log(q.push(owner, 5, 0, 2, new Uint8Array(3)), q.length, q.bytes); // true 1 3
 * console.log(q.shift()?.from, q.lastOwner === owner, owner.inboundPackets); // 5 true 0
 * ```
 */
export class InboundQueue {
  readonly #limits: InboundLimits;
  readonly #packets: BoundedQueue<InboundPacket>;
  readonly #owners: BoundedQueue<PeerEntry>; // parallel to #packets: who sent it
  #bytes = 0;
  /** Owner of the packet the last {@link InboundQueue.shift} returned. */
  lastOwner: PeerEntry | undefined;

  /** An empty queue with `limits`. */
  constructor(limits: InboundLimits) {
    this.#limits = limits;
    this.#packets = new BoundedQueue(limits.maxInboundPackets);
    this.#owners = new BoundedQueue(limits.maxInboundPackets);
  }

  /** Packets waiting. */
  get length(): number {
    return this.#packets.length;
  }
  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues a packet from `owner`; false when a limit refuses it. */
  push(
    owner: PeerEntry,
    from: number,
    channel: number,
    mode: TransferMode,
    data: Uint8Array,
  ): boolean {
    const o = this.#limits, n = data.length;
    if (this.#packets.length > 0 && this.#bytes + n > o.maxInboundBytes) return false;
    if (owner.inboundPackets >= o.maxInboundPacketsPerPeer) return false;
    if (owner.inboundPackets > 0 && owner.inboundBytes + n > o.maxInboundBytesPerPeer) {
      return false;
    }
    if (!this.#packets.push({ from, channel, mode, data })) return false;
    this.#owners.push(owner);
    owner.inboundPackets++;
    owner.inboundBytes += n;
    this.#bytes += n;
    return true;
  }

  /** Takes the next packet (its sender is then in {@link InboundQueue.lastOwner}). */
  shift(): InboundPacket | undefined {
    const p = this.#packets.shift();
    if (!p) return undefined;
    const owner = this.#owners.shift()!;
    owner.inboundPackets--;
    owner.inboundBytes -= p.data.length;
    this.#bytes -= p.data.length;
    this.lastOwner = owner;
    return p;
  }

  /** The packet {@link InboundQueue.shift} returns next, left in place. */
  peek(): InboundPacket | undefined {
    return this.#packets.peek();
  }
}
