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
/** Late packets (older than the 64 the ack field names) remembered for an ack of their own. */
const MAX_LATE = 16;

/** Tuning of {@link AckTracker}. */
export interface AckTrackerOptions {
  /** Ack at once when this many ack-eliciting packets are unacknowledged. */
  readonly ackEveryPackets: number;
  /** Otherwise ack within this delay (ms) packets carrying reliable data. */
  readonly maxAckDelayMs: number;
  /**
   * Ack delay (ms) for packets carrying only unreliable messages (default: `maxAckDelayMs`):
   * nothing waits for these acks but congestion control, so they ride on later traffic.
   */
  readonly lazyAckDelayMs?: number;
}

/**
 * Tracks received packet sequence numbers.
 *
 * @example
 * ```ts
 * import { AckTracker } from "./_ack_tracker.ts";
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
  // one bit per packet of the window (128 bytes, not 1 KiB)
  readonly #seen = new Int32Array(ACK_WINDOW >>> 5);
  // packets acked too late for the ack field (more than 64 below `ack`): each gets an ack-only
  // datagram naming it, or its sender would resend it needlessly (deep reordering)
  #late?: Float64Array; // allocated on the first late packet (deep reordering is rare)
  #lateCount = 0;
  #lo = 0; // acked bits for ack-1 .. ack-32
  #hi = 0; // ack-33 .. ack-64
  readonly #every: number;
  readonly #delay: number;
  readonly #lazyDelay: number;
  /** Creates a tracker. */
  constructor(options: AckTrackerOptions) {
    this.#every = options.ackEveryPackets;
    this.#delay = options.maxAckDelayMs;
    this.#lazyDelay = options.lazyAckDelayMs ?? options.maxAckDelayMs;
  }
  /** False for duplicates, packets older than the window, and implausible jumps. */
  isNew(seq: number): boolean {
    if (seq <= 0) return false;
    if (seq > this.largestSeen) return seq - this.largestSeen <= MAX_SEQ_JUMP;
    if (seq <= this.largestSeen - ACK_WINDOW) return false;
    return !bit(this.#seen, seq);
  }
  /**
   * Records a packet that passed {@link AckTracker.isNew} and was processed. `urgent` (default
   * true): it carried reliable data, so gaps and the short delay apply; otherwise the ack may
   * wait `lazyAckDelayMs` for a datagram going out anyway.
   */
  record(seq: number, ackable: boolean, ackEliciting: boolean, now: number, urgent = true): void {
    if (seq > this.largestSeen) {
      // forget the slots the window slides over
      const from = Math.max(this.largestSeen + 1, seq - ACK_WINDOW + 1);
      for (let s = from; s <= seq; s++) {
        clear(this.#seen, s);
      }
      if (seq !== this.largestSeen + 1 && this.largestSeen !== 0 && ackEliciting && urgent) {
        this.ackNow = true; // gap: tell the sender quickly so it can fast-retransmit
      }
      this.largestSeen = seq;
    } else if (ackEliciting && urgent) {
      this.ackNow = true; // reordered/late packet fills a gap
    }
    set(this.#seen, seq);
    if (!ackable) return;
    this.#markAcked(seq);
    if (seq > this.ack) {
      this.ack = seq;
      this.ackTime = now;
    }
    if (ackEliciting) {
      const due = now + (urgent ? this.#delay : this.#lazyDelay);
      if (this.unacked === 0 || due < this.ackDeadline) this.ackDeadline = due;
      if (++this.unacked >= this.#every) this.ackNow = true;
    }
  }
  /** True when an ack-only datagram should be sent at `now`. */
  ackDue(now: number): boolean {
    return this.unacked > 0 && (this.ackNow || now >= this.ackDeadline);
  }
  /** Computes `ackBitsLo`/`ackBitsHi` for the current `ack`. */
  fillBits(): void {
    this.ackBitsLo = this.#lo >>> 0;
    this.ackBitsHi = this.#hi >>> 0;
  }
  /** Call when a datagram carrying the current acks was sent. */
  onAckSent(): void {
    this.unacked = 0;
    this.ackNow = false;
    this.ackDeadline = Infinity;
  }
  /** Late packets waiting for an ack of their own (see {@link AckTracker.takeLate}). */
  get lateCount(): number {
    return this.#lateCount;
  }
  /** The oldest late packet to acknowledge on its own (call only when `lateCount > 0`). */
  takeLate(): number {
    const late = this.#late!, seq = late[0];
    this.#lateCount--;
    late.copyWithin(0, 1, this.#lateCount + 1);
    return seq;
  }
  // the 64 bits below `ack` are kept as a shift register (bit i: ack-1-i), so building an ack
  // costs nothing per datagram instead of 64 bitmap lookups
  #markAcked(seq: number): void {
    const a = this.ack;
    if (seq > a) {
      const d = seq - a;
      let lo = this.#lo, hi = this.#hi;
      if (a === 0 || d >= 64) lo = hi = 0;
      else if (d >= 32) {
        hi = d === 32 ? lo : lo << (d - 32);
        lo = 0;
      } else {
        hi = (hi << d) | (lo >>> (32 - d));
        lo <<= d;
      }
      this.#lo = lo;
      this.#hi = hi;
      if (a !== 0) this.#markBelow(d - 1); // the previous ack
    } else if (seq < a) {
      const i = a - 1 - seq;
      if (i < 64) this.#markBelow(i);
      else if (this.#lateCount < MAX_LATE) {
        (this.#late ??= new Float64Array(MAX_LATE))[this.#lateCount++] = seq;
      }
    }
  }
  #markBelow(i: number): void {
    if (i < 32) this.#lo |= 1 << i;
    else if (i < 64) this.#hi |= 1 << (i - 32);
  }
}

function bit(a: Int32Array, seq: number): boolean {
  const i = seq & MASK;
  return (a[i >>> 5] & (1 << (i & 31))) !== 0;
}
function set(a: Int32Array, seq: number): void {
  const i = seq & MASK;
  a[i >>> 5] |= 1 << (i & 31);
}
function clear(a: Int32Array, seq: number): void {
  const i = seq & MASK;
  a[i >>> 5] &= ~(1 << (i & 31));
}
