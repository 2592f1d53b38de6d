/**
 * Receiver side of packet-level acks: replay/duplicate detection over a window of packet
 * sequence numbers, the ack + 64-bit ack field to piggyback, and the delayed-ack schedule.
 *
 * "Seen" (replay protection) and "acked" are tracked separately: a datagram whose reliable
 * message the host refused is seen (never processed twice) but not acked (the sender
 * retransmits that message in a new datagram).
 *
 * @module
 */

/** Packets remembered for replay detection; older ones are dropped as too old. */
export const ACK_WINDOW = 1024;
const MASK = ACK_WINDOW - 1;
/** Largest forward jump of the packet sequence accepted (keeps 16-bit extension unambiguous). */
export const MAX_SEQ_JUMP = 16384;

/** Tuning of {@link AckTracker}. */
export interface AckTrackerOptions {
  /** Ack at once when this many ack-eliciting packets are unacknowledged. */
  readonly ackEveryPackets: number;
  /** Otherwise ack within this delay (ms). */
  readonly maxAckDelayMs: number;
}

/**
 * Tracks received packet sequence numbers.
 *
 * @example
 * ```ts
 * import { AckTracker } from "./ack_tracker.ts";
 * const t = new AckTracker({ ackEveryPackets: 16, maxAckDelayMs: 4 });
 * t.record(1, true, true, 0);
 * t.record(3, true, true, 0);
 * t.fillBits();
 * console.log(t.isNew(3), t.ack, t.ackBitsLo); // false 3 2
 * ```
 */
export class AckTracker {
  /** Largest packet sequence seen (0 = none; real sequences start at 1). */
  largestSeen = 0;
  /** Largest packet sequence acked (0 = none). */
  ack = 0;
  /** Receive time of `ack`, for the ack delay field. */
  ackTime = 0;
  /** Bits for `ack-1 .. ack-32` (filled by {@link AckTracker.fillBits}). */
  ackBitsLo = 0;
  /** Bits for `ack-33 .. ack-64`. */
  ackBitsHi = 0;
  /** Ack-eliciting packets received since the last ack was sent. */
  unacked = 0;
  /** Time by which an ack must go out (valid when `unacked > 0`). */
  ackDeadline: number = Infinity;
  /** An ack should go out at once (threshold reached or reordering seen). */
  ackNow = false;
  readonly #seen = new Uint8Array(ACK_WINDOW);
  readonly #acked = new Uint8Array(ACK_WINDOW);
  readonly #o: AckTrackerOptions;
  /** Creates a tracker. */
  constructor(options: AckTrackerOptions) {
    this.#o = options;
  }
  /** False for duplicates, packets older than the window, and implausible jumps. */
  isNew(seq: number): boolean {
    if (seq <= 0) return false;
    if (seq > this.largestSeen) return seq - this.largestSeen <= MAX_SEQ_JUMP;
    if (seq <= this.largestSeen - ACK_WINDOW) return false;
    return this.#seen[seq & MASK] === 0;
  }
  /** Records a packet that passed {@link AckTracker.isNew} and was processed. */
  record(seq: number, ackable: boolean, ackEliciting: boolean, now: number): void {
    if (seq > this.largestSeen) {
      // forget the slots the window slides over
      const from = Math.max(this.largestSeen + 1, seq - ACK_WINDOW + 1);
      for (let s = from; s <= seq; s++) {
        this.#seen[s & MASK] = 0;
        this.#acked[s & MASK] = 0;
      }
      if (seq !== this.largestSeen + 1 && this.largestSeen !== 0 && ackEliciting) {
        this.ackNow = true; // gap: tell the sender quickly so it can fast-retransmit
      }
      this.largestSeen = seq;
    } else if (ackEliciting) {
      this.ackNow = true; // reordered/late packet fills a gap
    }
    this.#seen[seq & MASK] = 1;
    if (!ackable) return;
    this.#acked[seq & MASK] = 1;
    if (seq > this.ack) {
      this.ack = seq;
      this.ackTime = now;
    }
    if (ackEliciting) {
      if (this.unacked === 0) this.ackDeadline = now + this.#o.maxAckDelayMs;
      if (++this.unacked >= this.#o.ackEveryPackets) this.ackNow = true;
    }
  }
  /** True when an ack-only datagram should be sent at `now`. */
  ackDue(now: number): boolean {
    return this.unacked > 0 && (this.ackNow || now >= this.ackDeadline);
  }
  /** Computes `ackBitsLo`/`ackBitsHi` for the current `ack`. */
  fillBits(): void {
    let lo = 0, hi = 0;
    const a = this.ack, acked = this.#acked, floor = this.largestSeen - ACK_WINDOW;
    for (let i = 0; i < 32; i++) {
      const s = a - 1 - i;
      if (s > floor && s > 0 && acked[s & MASK] === 1) lo |= 1 << i;
    }
    for (let i = 0; i < 32; i++) {
      const s = a - 33 - i;
      if (s > floor && s > 0 && acked[s & MASK] === 1) hi |= 1 << i;
    }
    this.ackBitsLo = lo >>> 0;
    this.ackBitsHi = hi >>> 0;
  }
  /** Call when a datagram carrying the current acks was sent. */
  onAckSent(): void {
    this.unacked = 0;
    this.ackNow = false;
    this.ackDeadline = Infinity;
  }
}
