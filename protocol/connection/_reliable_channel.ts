/**
 * Reliable ordered delivery for one wire channel: the sender's message store (retransmit queue
 * first, then new messages, never beyond the receiver's window). The receiver lives in
 * `_reliable_receiver.ts` (re-exported here).
 *
 * @module
 */
import { RELIABLE_WINDOW } from "./_reliable_receiver.ts";

export {
  ReceiveResult,
  RELIABLE_WINDOW,
  type ReliableDelivery,
  ReliableReceiver,
  REORDER_ALLOWANCE_BYTES,
} from "./_reliable_receiver.ts";

// shared zero-length arrays: replaced (never written) on first growth
const NO_U8 = new Uint8Array(0), NO_U16 = new Uint16Array(0);
const NO_I32 = new Int32Array(0), NO_F64 = new Float64Array(0);
const FREE = 0, QUEUED = 1, IN_FLIGHT = 2, LOST = 3;

/**
 * Sender half: messages numbered by consecutive reliable sequence numbers.
 *
 * @example
 * ```ts
 * import { ReliableSender } from "./_reliable_channel.ts";
 * const s = new ReliableSender();
 * s.enqueue(new Uint8Array(10), 0, 10, false, 0, 0, 1);
 * const seq = s.peek();
 * s.markSent(seq);
 * s.onAcked(seq);
 * console.log(seq, s.queuedBytes); // 0 0
 * ```
 */
export class ReliableSender {
  /** Bytes of messages not yet acknowledged. */
  queuedBytes = 0;
  /** Oldest unacknowledged sequence. */
  base = 0;
  /** Next sequence to assign. */
  next = 0;
  /** First sequence never sent. */
  nextUnsent = 0;
  // allocated on first use (cap 0 until then): unused channels cost almost nothing
  #cap = 0;
  #payload: (Uint8Array | undefined)[] = [];
  #state = NO_U8;
  #hasPeer = NO_U8;
  #peer = NO_I32;
  #index = NO_U16;
  #count = NO_U16;
  #start = NO_I32;
  #end = NO_I32;
  #sentOnce = NO_U8;
  // FIFO of lost sequences to retransmit (may hold stale entries, skipped on peek)
  #retx = NO_F64;
  #retxHead = 0;
  #retxTail = 0;

  /**
   * Appends `payload[start..end)` (kept by reference, no copy), fragment `index` of `count`
   * (count 0 = not a fragment).
   */
  enqueue(
    payload: Uint8Array,
    start: number,
    end: number,
    hasPeer: boolean,
    peer: number,
    index: number,
    count: number,
  ): void {
    if (this.next - this.base >= this.#cap) this.#grow();
    const i = this.next & (this.#cap - 1);
    this.#payload[i] = payload;
    this.#start[i] = start;
    this.#end[i] = end;
    this.#state[i] = QUEUED;
    this.#hasPeer[i] = hasPeer ? 1 : 0;
    this.#peer[i] = peer;
    this.#index[i] = index;
    this.#count[i] = count;
    this.#sentOnce[i] = 0;
    this.next++;
    this.queuedBytes += end - start;
  }
  /** Next sequence to send (retransmissions first), or -1 (nothing, or window full). */
  peek(): number {
    const rm = this.#retx.length - 1;
    while (this.#retxHead < this.#retxTail) {
      const seq = this.#retx[this.#retxHead & rm];
      if (seq >= this.base && this.#state[seq & (this.#cap - 1)] === LOST) return seq;
      this.#retxHead++;
    }
    if (this.nextUnsent < this.next && this.nextUnsent < this.base + RELIABLE_WINDOW) {
      return this.nextUnsent;
    }
    return -1;
  }
  /** Buffer holding the payload of `seq` (from {@link ReliableSender.start} to `end`). */
  payload(seq: number): Uint8Array {
    return this.#payload[seq & (this.#cap - 1)]!;
  }
  /** Payload start of `seq` in its buffer. */
  start(seq: number): number {
    return this.#start[seq & (this.#cap - 1)];
  }
  /** Payload end of `seq` in its buffer. */
  end(seq: number): number {
    return this.#end[seq & (this.#cap - 1)];
  }
  /** Whether `seq` carries a peer field. */
  hasPeer(seq: number): boolean {
    return this.#hasPeer[seq & (this.#cap - 1)] === 1;
  }
  /** Peer field of `seq`. */
  peer(seq: number): number {
    return this.#peer[seq & (this.#cap - 1)];
  }
  /** Fragment index of `seq`. */
  fragIndex(seq: number): number {
    return this.#index[seq & (this.#cap - 1)];
  }
  /** Fragment count of `seq` (0 = not a fragment). */
  fragCount(seq: number): number {
    return this.#count[seq & (this.#cap - 1)];
  }
  /** Marks the sequence returned by peek() as sent; returns true if it was a retransmission. */
  markSent(seq: number): boolean {
    const i = seq & (this.#cap - 1);
    const again = this.#sentOnce[i] === 1;
    this.#state[i] = IN_FLIGHT;
    this.#sentOnce[i] = 1;
    if (seq === this.nextUnsent) this.nextUnsent++;
    else this.#retxHead++;
    return again;
  }
  /** The message's packet was acknowledged (idempotent). */
  onAcked(seq: number): void {
    if (seq < this.base || seq >= this.nextUnsent) return;
    const i = seq & (this.#cap - 1);
    if (this.#state[i] === FREE) return;
    this.#state[i] = FREE;
    this.queuedBytes -= this.#end[i] - this.#start[i];
    this.#payload[i] = undefined;
    while (this.base < this.nextUnsent && this.#state[this.base & (this.#cap - 1)] === FREE) {
      this.base++;
    }
  }
  /** The message's packet was lost: queue it for retransmission (if still unacked). */
  onLost(seq: number): void {
    if (seq < this.base || seq >= this.nextUnsent) return;
    const i = seq & (this.#cap - 1);
    if (this.#state[i] !== IN_FLIGHT) return;
    this.#state[i] = LOST;
    if (this.#retxTail - this.#retxHead >= this.#retx.length) this.#growRetx();
    this.#retx[this.#retxTail & (this.#retx.length - 1)] = seq;
    this.#retxTail++;
  }
  #grow(): void {
    const cap = Math.max(16, this.#cap * 2), om = this.#cap - 1, m = cap - 1;
    const payload: (Uint8Array | undefined)[] = new Array(cap).fill(undefined);
    const state = new Uint8Array(cap), hp = new Uint8Array(cap), peer = new Int32Array(cap);
    const idx = new Uint16Array(cap), cnt = new Uint16Array(cap), once = new Uint8Array(cap);
    const st = new Int32Array(cap), en = new Int32Array(cap);
    for (let s = this.base; s < this.next; s++) {
      st[s & m] = this.#start[s & om];
      en[s & m] = this.#end[s & om];
      payload[s & m] = this.#payload[s & om];
      state[s & m] = this.#state[s & om];
      hp[s & m] = this.#hasPeer[s & om];
      peer[s & m] = this.#peer[s & om];
      idx[s & m] = this.#index[s & om];
      cnt[s & m] = this.#count[s & om];
      once[s & m] = this.#sentOnce[s & om];
    }
    this.#cap = cap;
    this.#payload = payload;
    this.#state = state;
    this.#hasPeer = hp;
    this.#peer = peer;
    this.#index = idx;
    this.#count = cnt;
    this.#sentOnce = once;
    this.#start = st;
    this.#end = en;
  }
  #growRetx(): void {
    const old = this.#retx, om = old.length - 1;
    const r = new Float64Array(Math.max(16, old.length * 2)), m = r.length - 1;
    for (let k = this.#retxHead; k < this.#retxTail; k++) r[k & m] = old[k & om];
    this.#retx = r;
  }
}
