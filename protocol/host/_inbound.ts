/**
 * The host's bounded inbound queue: packets waiting for the application, with per-peer and
 * host-wide packet and byte limits (a refused reliable message is not acknowledged, so its
 * sender retries later).
 *
 * @module
 */
import type { TransferMode } from "../constants.ts";
import type { InboundPacket } from "./types.ts";
import type { PeerEntry } from "./_peer_table.ts";

/** Slots allocated up front (the queue grows by doubling to `maxInboundPackets`). */
const INITIAL_SLOTS = 16;

/**
 * Limits of an {@link InboundQueue}.
 *
 * @example
 * ```ts
 * import type { InboundLimits } from "./_inbound.ts";
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
 * import { InboundQueue } from "./_inbound.ts";
 * import type { PeerEntry } from "./_peer_table.ts";
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
  // a ring of parallel columns (no object per packet), grown by doubling up to the limit
  #data: (Uint8Array | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  #owners: (PeerEntry | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  #from = new Int32Array(INITIAL_SLOTS);
  #channelMode = new Uint16Array(INITIAL_SLOTS); // channel << 2 | mode
  #head = 0;
  #length = 0;
  #bytes = 0;
  /** Owner of the packet the last {@link InboundQueue.shift} returned. */
  lastOwner: PeerEntry | undefined;

  /** An empty queue with `limits`. */
  constructor(limits: InboundLimits) {
    this.#limits = limits;
  }

  /** Packets waiting. */
  get length(): number {
    return this.#length;
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
    if (this.#length >= o.maxInboundPackets) return false;
    if (this.#length > 0 && this.#bytes + n > o.maxInboundBytes) return false;
    if (owner.inboundPackets >= o.maxInboundPacketsPerPeer) return false;
    if (owner.inboundPackets > 0 && owner.inboundBytes + n > o.maxInboundBytesPerPeer) {
      return false;
    }
    if (this.#length === this.#data.length) this.#grow();
    const cap = this.#data.length;
    let i = this.#head + this.#length;
    if (i >= cap) i -= cap;
    this.#data[i] = data;
    this.#owners[i] = owner;
    this.#from[i] = from;
    this.#channelMode[i] = (channel << 2) | mode;
    this.#length++;
    owner.inboundPackets++;
    owner.inboundBytes += n;
    this.#bytes += n;
    return true;
  }

  /** Takes the next packet's bytes (its sender is then in {@link InboundQueue.lastOwner}). */
  shiftData(): Uint8Array | undefined {
    if (this.#length === 0) return undefined;
    const i = this.#head;
    const data = this.#data[i]!, owner = this.#owners[i]!;
    this.#data[i] = undefined;
    this.#owners[i] = undefined;
    this.#head = i + 1 === this.#data.length ? 0 : i + 1;
    this.#length--;
    owner.inboundPackets--;
    owner.inboundBytes -= data.length;
    this.#bytes -= data.length;
    this.lastOwner = owner;
    return data;
  }

  /** Takes the next packet as an object (tests, tools; the peer API uses `shiftData`). */
  shift(): InboundPacket | undefined {
    const p = this.peek();
    if (p) this.shiftData();
    return p;
  }

  /** The packet {@link InboundQueue.shift} returns next, left in place. */
  peek(): InboundPacket | undefined {
    if (this.#length === 0) return undefined;
    const i = this.#head;
    return {
      from: this.#from[i],
      channel: this.#channelMode[i] >> 2,
      mode: (this.#channelMode[i] & 3) as TransferMode,
      data: this.#data[i]!,
    };
  }

  /** The peer whose packet comes next (undefined when empty). */
  get nextOwner(): PeerEntry | undefined {
    return this.#length === 0 ? undefined : this.#owners[this.#head];
  }
  /** Sender id of the next packet (0 when empty). */
  get nextFrom(): number {
    return this.#length === 0 ? 0 : this.#from[this.#head];
  }
  /** User channel of the next packet (0 when empty). */
  get nextChannel(): number {
    return this.#length === 0 ? 0 : this.#channelMode[this.#head] >> 2;
  }
  /** Transfer mode of the next packet (undefined when empty). */
  get nextMode(): TransferMode | undefined {
    return this.#length === 0 ? undefined : (this.#channelMode[this.#head] & 3) as TransferMode;
  }

  #grow(): void {
    const n = this.#data.length;
    const size = Math.min(n * 2, Math.max(n + 1, this.#limits.maxInboundPackets));
    const data: (Uint8Array | undefined)[] = new Array(size).fill(undefined);
    const owners: (PeerEntry | undefined)[] = new Array(size).fill(undefined);
    const from = new Int32Array(size), channelMode = new Uint16Array(size);
    for (let k = 0; k < this.#length; k++) {
      const i = (this.#head + k) % n;
      data[k] = this.#data[i];
      owners[k] = this.#owners[i];
      from[k] = this.#from[i];
      channelMode[k] = this.#channelMode[i];
    }
    this.#data = data;
    this.#owners = owners;
    this.#from = from;
    this.#channelMode = channelMode;
    this.#head = 0;
  }
}
