/**
 * Reliable ordered delivery for one wire channel: the sender's message store (retransmit queue
 * first, then new messages, never beyond the receiver's window). The receiver lives in
 * `_reliable_receiver.ts` (re-exported here).
 *
 * @module
 */
import { binHeaderSize, type MsgpackWriter } from "../wire/msgpack.ts";
import { RELIABLE_WINDOW } from "./_reliable_receiver.ts";

export {
  ReceiveResult,
  RELIABLE_WINDOW,
  type ReliableDelivery,
  ReliableReceiver,
  REORDER_ALLOWANCE_BYTES,
} from "./_reliable_receiver.ts";

// shared zero-length arrays: replaced (never written) on first growth
const NO_F64 = new Float64Array(0);
const INITIAL_SLOTS = 4;
const FREE = 0, QUEUED = 1, IN_FLIGHT = 2, LOST = 3, STATE = 3, HAS_PEER = 4, SENT_ONCE = 8;
const FIELDS = 6, FLAGS = 0, PEER = 1, START = 2, END = 3, INDEX = 4, COUNT = 5;

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
  // per message, FIELDS numbers: state | hasPeer << 2 | sent once << 3, peer, start, end,
  // fragment index, fragment count. One plain array instead of eight typed ones: each typed
  // array costs ~200 B of objects besides its slots.
  #meta: number[] = [];
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
    const i = this.next & (this.#cap - 1), k = i * FIELDS, m = this.#meta;
    this.#payload[i] = payload;
    m[k + FLAGS] = QUEUED | (hasPeer ? HAS_PEER : 0);
    m[k + PEER] = peer;
    m[k + START] = start;
    m[k + END] = end;
    m[k + INDEX] = index;
    m[k + COUNT] = count;
    this.next++;
    this.queuedBytes += end - start;
  }
  /** Next sequence to send (retransmissions first), or -1 (nothing, or window full). */
  peek(): number {
    const rm = this.#retx.length - 1;
    while (this.#retxHead < this.#retxTail) {
      const seq = this.#retx[this.#retxHead & rm];
      if (seq >= this.base && (this.#meta[(seq & (this.#cap - 1)) * FIELDS] & STATE) === LOST) {
        return seq;
      }
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
    return this.#meta[(seq & (this.#cap - 1)) * FIELDS + START];
  }
  /** Payload end of `seq` in its buffer. */
  end(seq: number): number {
    return this.#meta[(seq & (this.#cap - 1)) * FIELDS + END];
  }
  /** Whether `seq` carries a peer field. */
  hasPeer(seq: number): boolean {
    return (this.#meta[(seq & (this.#cap - 1)) * FIELDS] & HAS_PEER) !== 0;
  }
  /** Peer field of `seq`. */
  peer(seq: number): number {
    return this.#meta[(seq & (this.#cap - 1)) * FIELDS + PEER];
  }
  /** Fragment index of `seq`. */
  fragIndex(seq: number): number {
    return this.#meta[(seq & (this.#cap - 1)) * FIELDS + INDEX];
  }
  /** Fragment count of `seq` (0 = not a fragment). */
  fragCount(seq: number): number {
    return this.#meta[(seq & (this.#cap - 1)) * FIELDS + COUNT];
  }
  /**
   * True when `seq` (returned by peek(), never sent) is followed by another queued whole message
   * with the same peer field that may be sent now: the two can share a run.
   */
  runFollows(seq: number): boolean {
    const next = seq + 1;
    if (seq !== this.nextUnsent || next >= this.next || next >= this.base + RELIABLE_WINDOW) {
      return false;
    }
    const mask = this.#cap - 1, m = this.#meta;
    const i = (seq & mask) * FIELDS, j = (next & mask) * FIELDS;
    return m[j + COUNT] === 0 && (m[j + FLAGS] & HAS_PEER) === (m[i + FLAGS] & HAS_PEER) &&
      m[j + PEER] === m[i + PEER];
  }
  /**
   * Writes never-sent whole messages from {@link ReliableSender.nextUnsent} on as run payloads
   * into `w` while each fits below `end`, each with the peer field of the run (`hasPeer`,
   * `peer`), within the receiver's window; marks them sent and returns how many. One loop over
   * the slots instead of a peek, a size and a mark per message.
   */
  writeRun(w: MsgpackWriter, end: number, hasPeer: boolean, peer: number): number {
    const mask = this.#cap - 1, m = this.#meta, payloads = this.#payload;
    const stop = Math.min(this.next, this.base + RELIABLE_WINDOW);
    const flagsOf = QUEUED | (hasPeer ? HAS_PEER : 0);
    const first = this.nextUnsent;
    let seq = first;
    while (seq < stop) {
      const k = (seq & mask) * FIELDS;
      // a fragment, another peer field, or a slot not merely queued ends the run
      if (m[k + FLAGS] !== flagsOf || m[k + COUNT] !== 0 || m[k + PEER] !== peer) break;
      const a = m[k + START], b = m[k + END], n = b - a;
      if (w.pos + binHeaderSize(n) + n > end) break;
      w.bin(payloads[seq & mask]!, a, b);
      m[k + FLAGS] = (flagsOf & ~STATE) | IN_FLIGHT | SENT_ONCE;
      seq++;
    }
    this.nextUnsent = seq;
    return seq - first;
  }
  /** True when `seq` carries the peer field `peer` (or none, with `hasPeer` false). */
  samePeer(seq: number, hasPeer: boolean, peer: number): boolean {
    const k = (seq & (this.#cap - 1)) * FIELDS;
    return ((this.#meta[k + FLAGS] & HAS_PEER) !== 0) === hasPeer && this.#meta[k + PEER] === peer;
  }
  /** Marks the sequence returned by peek() as sent; returns true if it was a retransmission. */
  markSent(seq: number): boolean {
    const k = (seq & (this.#cap - 1)) * FIELDS, flags = this.#meta[k + FLAGS];
    this.#meta[k + FLAGS] = (flags & ~STATE) | IN_FLIGHT | SENT_ONCE;
    if (seq === this.nextUnsent) this.nextUnsent++;
    else this.#retxHead++;
    return (flags & SENT_ONCE) !== 0;
  }
  /** The message's packet was acknowledged (idempotent). */
  onAcked(seq: number): void {
    if (seq < this.base || seq >= this.nextUnsent) return;
    this.#free(seq);
    this.#advanceBase();
  }
  /** Messages `first .. first + count - 1` were acknowledged (idempotent). */
  onAckedRange(first: number, count: number): void {
    const from = Math.max(first, this.base), to = Math.min(first + count, this.nextUnsent);
    for (let seq = from; seq < to; seq++) this.#free(seq);
    this.#advanceBase();
  }
  /** The message's packet was lost: queue it for retransmission (if still unacked). */
  onLost(seq: number): void {
    if (seq < this.base || seq >= this.nextUnsent) return;
    const k = (seq & (this.#cap - 1)) * FIELDS, flags = this.#meta[k + FLAGS];
    if ((flags & STATE) !== IN_FLIGHT) return;
    this.#meta[k + FLAGS] = (flags & ~STATE) | LOST;
    if (this.#retxTail - this.#retxHead >= this.#retx.length) this.#growRetx();
    this.#retx[this.#retxTail & (this.#retx.length - 1)] = seq;
    this.#retxTail++;
  }
  #free(seq: number): void {
    const i = seq & (this.#cap - 1), k = i * FIELDS, m = this.#meta;
    if ((m[k + FLAGS] & STATE) === FREE) return;
    m[k + FLAGS] &= ~STATE;
    this.queuedBytes -= m[k + END] - m[k + START];
    this.#payload[i] = undefined;
  }
  #advanceBase(): void {
    const mask = this.#cap - 1, m = this.#meta;
    while (this.base < this.nextUnsent && (m[(this.base & mask) * FIELDS] & STATE) === FREE) {
      this.base++;
    }
  }
  #grow(): void {
    const cap = Math.max(INITIAL_SLOTS, this.#cap * 2), om = this.#cap - 1, m = cap - 1;
    const payload: (Uint8Array | undefined)[] = new Array(cap).fill(undefined);
    const meta = new Array<number>(cap * FIELDS).fill(0);
    for (let s = this.base; s < this.next; s++) {
      payload[s & m] = this.#payload[s & om];
      const from = (s & om) * FIELDS, to = (s & m) * FIELDS;
      for (let f = 0; f < FIELDS; f++) meta[to + f] = this.#meta[from + f];
    }
    this.#cap = cap;
    this.#payload = payload;
    this.#meta = meta;
  }
  #growRetx(): void {
    const old = this.#retx, om = old.length - 1;
    const r = new Float64Array(Math.max(16, old.length * 2)), m = r.length - 1;
    for (let k = this.#retxHead; k < this.#retxTail; k++) r[k & m] = old[k & om];
    this.#retx = r;
  }
}
