/** Outgoing command records and the pending-acknowledgement ring. @module */
import { CommandFields } from "./codec.ts";

/**
 * One command waiting to be sent, or sent and waiting for its acknowledgement.
 *
 * @example
 * ```ts
 * import { OutgoingCommand } from "./_outgoing.ts";
 * const ping = new OutgoingCommand();
 * ping.command = 5; ping.flags = 0x80; ping.channelId = 0xff;
 * console.log(ping.sendAttempts); // 0
 * ```
 */
export class OutgoingCommand extends CommandFields {
  /** The whole packet this command carries a slice of (undefined for control commands). */
  packet: Uint8Array | undefined = undefined;
  /** Bytes of `packet` this command carries, from `fragmentOffset`. */
  fragmentLength = 0;
  sendAttempts = 0;
  sentTime = 0;
  /** Retransmission timeout in ms (0 until first sent). */
  rto = 0;
  /** Give-up threshold of `rto` (timeoutLimit x first RTO). */
  rtoLimit = 0;
  /** When it was queued (for shedding stale unreliable data). */
  queuedAt = 0;
  /** Acknowledged while waiting in a queue for retransmission: skip it. */
  acked = false;
  /** In the sent list (transmitted, not acknowledged, not timed out). */
  inFlight = false;
  /** Bytes charged to the peer's outgoing queue for this command. */
  charge = 0;
  /** Queue order among the peer's channel commands (reliable and unreliable interleave by it). */
  order = 0;
}

/**
 * Key of a reliable command among those in flight.
 *
 * @example
 * ```ts
 * import { sentKey } from "./_outgoing.ts";
 * console.log(sentKey(0xff, 1)); // 16711681
 * ```
 */
export function sentKey(channelId: number, reliableSeq: number): number {
  return channelId * 0x10000 + reliableSeq;
}

/** Acknowledgements a fresh queue has room for; it doubles up to its capacity when needed. */
const ACK_RING_START = 16;

/**
 * Bounded FIFO of acknowledgements to send: (channel, command number, seq, sentTime, data bytes)
 * packed in a typed array, so queuing an ack allocates nothing once the ring has grown to the
 * peer's need. It starts small: a peer still in its handshake (perhaps one of a spoofed flood's)
 * costs little. It also knows when its oldest waiting acknowledgement was queued and how many data
 * bytes the waiting ones acknowledge (what a delayed acknowledgement weighs).
 *
 * @example
 * ```ts
 * import { AckQueue } from "./_outgoing.ts";
 * const acks = new AckQueue(4);
 * acks.push(1, 6, 7, 0xe43a, 40, 12);
 * console.log(acks.length, acks.peekSeq(), acks.bytes, acks.since); // 1 7 40 12
 * ```
 */
export class AckQueue {
  #ring: Uint32Array;
  #slots: number; // acknowledgements the ring holds now (<= capacity)
  #head = 0;
  #size = 0;
  #bytes = 0;
  #since = Infinity;
  #control = 0;
  readonly capacity: number;

  /** A queue holding at most `capacity` acknowledgements. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#slots = Math.min(capacity, ACK_RING_START);
    this.#ring = new Uint32Array(this.#slots * 2);
  }

  // Doubles the ring (bounded by the capacity), keeping the order.
  #grow(): void {
    const slots = Math.min(this.capacity, this.#slots * 2);
    const ring = new Uint32Array(slots * 2);
    for (let k = 0; k < this.#size; k++) {
      const from = ((this.#head + k) % this.#slots) * 2;
      ring[k * 2] = this.#ring[from];
      ring[k * 2 + 1] = this.#ring[from + 1];
    }
    this.#ring = ring;
    this.#slots = slots;
    this.#head = 0;
  }

  /** Number of queued acknowledgements. */
  get length(): number {
    return this.#size;
  }

  /** Data bytes the queued acknowledgements acknowledge. */
  get bytes(): number {
    return this.#bytes;
  }

  /** When the queue last went from empty to not empty (Infinity while empty). */
  get since(): number {
    return this.#since;
  }

  /** Queued acknowledgements of connection-level commands (channel 0xFF). */
  get control(): number {
    return this.#control;
  }

  /**
   * Queues one for a command carrying `dataBytes` (< 65536) of data, received at `now`; false
   * when full.
   */
  push(
    channelId: number,
    command: number,
    seq: number,
    sentTime: number,
    dataBytes: number,
    now: number,
  ): boolean {
    if (this.#size === this.capacity) return false;
    if (this.#size === this.#slots) this.#grow();
    if (this.#size === 0) this.#since = now;
    const i = ((this.#head + this.#size) % this.#slots) * 2;
    const bytes = dataBytes & 0xffff;
    this.#ring[i] = (channelId << 24) | (command << 16) | seq;
    this.#ring[i + 1] = (bytes << 16) | (sentTime & 0xffff);
    this.#bytes += bytes;
    if (channelId === 0xff) this.#control++;
    this.#size++;
    return true;
  }

  /** Channel of the front acknowledgement. */
  peekChannel(): number {
    return this.#ring[this.#head * 2] >>> 24;
  }

  /** Command number of the acknowledged command at the front. */
  peekCommand(): number {
    return (this.#ring[this.#head * 2] >>> 16) & 0xff;
  }

  /** Reliable sequence number at the front. */
  peekSeq(): number {
    return this.#ring[this.#head * 2] & 0xffff;
  }

  /** Echoed sent time at the front. */
  peekSentTime(): number {
    return this.#ring[this.#head * 2 + 1] & 0xffff;
  }

  /** Drops the front acknowledgement. */
  shift(): void {
    if (this.#size === 0) return;
    this.#bytes -= this.#ring[this.#head * 2 + 1] >>> 16;
    if (this.#ring[this.#head * 2] >>> 24 === 0xff) this.#control--;
    this.#head = (this.#head + 1) % this.#slots;
    if (--this.#size === 0) this.#since = Infinity;
  }

  /** Drops everything. */
  clear(): void {
    this.#head = 0;
    this.#size = 0;
    this.#bytes = 0;
    this.#since = Infinity;
    this.#control = 0;
  }
}
