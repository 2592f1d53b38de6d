/**
 * Reliable ordered delivery for one wire channel: the sender's message store (retransmit queue
 * first, then new messages, never beyond the receiver's window) and the receiver's bounded
 * reorder buffer with in-order fragment reassembly.
 *
 * @module
 */
import { fragmentShapeOk, type ReassemblyBudget } from "./fragmenter.ts";
import { copyPayload } from "./payload_slab.ts";
import { extendSeq } from "./sequence.ts";

/** Receive window in messages; the sender never has more unacked messages in flight. */
export const RELIABLE_WINDOW = 1024;
const RMASK = RELIABLE_WINDOW - 1;

const EMPTY_SLOTS: (Uint8Array | undefined)[] = [];
const EMPTY_META = new Int32Array(0);
// shared zero-length arrays: replaced (never written) on first growth
const NO_U8 = new Uint8Array(0), NO_U16 = new Uint16Array(0);
const NO_I32 = new Int32Array(0), NO_F64 = new Float64Array(0);
const FREE = 0, QUEUED = 1, IN_FLIGHT = 2, LOST = 3;

/**
 * Sender half: messages numbered by consecutive reliable sequence numbers.
 *
 * @example
 * ```ts
 * import { ReliableSender } from "./reliable_channel.ts";
 * const s = new ReliableSender();
 * s.enqueue(new Uint8Array(10), false, 0, 0, 1);
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
  #sentOnce = NO_U8;
  // FIFO of lost sequences to retransmit (may hold stale entries, skipped on peek)
  #retx = NO_F64;
  #retxHead = 0;
  #retxTail = 0;

  /** Appends a message (or fragment `index` of `count`; count 0 = not a fragment). */
  enqueue(payload: Uint8Array, hasPeer: boolean, peer: number, index: number, count: number): void {
    if (this.next - this.base >= this.#cap) this.#grow();
    const i = this.next & (this.#cap - 1);
    this.#payload[i] = payload;
    this.#state[i] = QUEUED;
    this.#hasPeer[i] = hasPeer ? 1 : 0;
    this.#peer[i] = peer;
    this.#index[i] = index;
    this.#count[i] = count;
    this.#sentOnce[i] = 0;
    this.next++;
    this.queuedBytes += payload.length;
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
  /** True when there is something {@link ReliableSender.peek} would return. */
  get hasSendable(): boolean {
    return this.peek() >= 0;
  }
  /** Payload of `seq`. */
  payload(seq: number): Uint8Array {
    return this.#payload[seq & (this.#cap - 1)]!;
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
    this.queuedBytes -= this.#payload[i]!.length;
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
    for (let s = this.base; s < this.next; s++) {
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
  }
  #growRetx(): void {
    const old = this.#retx, om = old.length - 1;
    const r = new Float64Array(Math.max(16, old.length * 2)), m = r.length - 1;
    for (let k = this.#retxHead; k < this.#retxTail; k++) r[k & m] = old[k & om];
    this.#retx = r;
  }
}

/** Delivers a complete reliable message; false = refused (inbound queue full). */
export interface ReliableDelivery {
  /** Called with a fresh payload owned by the receiver. */
  deliverReliable(
    wireChannel: number,
    hasPeer: boolean,
    peer: number,
    payload: Uint8Array,
  ): boolean;
}

/** Outcome of {@link ReliableReceiver.receive}. */
export const ReceiveResult = {
  /** Delivered, buffered or a duplicate: the packet may be acknowledged. */
  ACCEPTED: 0,
  /** Not stored (refused by the sink or beyond the window): do not acknowledge the packet. */
  REFUSED: 1,
} as const;

/**
 * Receiver half: delivers in order, exactly once, reassembling fragments.
 *
 * @example
 * ```ts
 * import { ReassemblyBudget } from "./fragmenter.ts";
 * import { ReliableReceiver } from "./reliable_channel.ts";
 * const got: number[] = [];
 * const sink = { deliverReliable: (_c: number, _h: boolean, _p: number, d: Uint8Array) => got.push(d[0]) > 0 };
 * const r = new ReliableReceiver(1, sink, new ReassemblyBudget(1 << 20), 1 << 20, false);
 * const b = new Uint8Array([5, 6]);
 * r.receive(1, 0, 0, false, 0, b, 1, 2);
 * r.receive(0, 0, 0, false, 0, b, 0, 1);
 * console.log(got); // [ 5, 6 ]
 * ```
 */
export class ReliableReceiver {
  /** Next sequence to deliver. */
  expected = 0;
  /** Messages buffered out of order. */
  buffered = 0;
  /** Messages skipped as protocol violations (bad fragment sequences). */
  invalid = 0;
  readonly #ch: number;
  readonly #sink: ReliableDelivery;
  readonly #budget: ReassemblyBudget;
  readonly #maxMessageSize: number;
  readonly #storeRefused: boolean;
  // reorder buffer, allocated on first out-of-order message (most channels never need it)
  #slot: (Uint8Array | undefined)[] = EMPTY_SLOTS;
  #meta = EMPTY_META; // per slot: hasPeer, peer, index, count
  #asm: Uint8Array | undefined;
  #asmLen = 0;
  #asmNext = 0;
  #asmCount = 0;
  #asmFragLen = 0;
  #asmHasPeer = false;
  #asmPeer = 0;

  /**
   * `storeRefused`: keep refused messages and retry later instead of refusing the packet (for
   * reliable carriers, where nothing is retransmitted).
   */
  constructor(
    wireChannel: number,
    sink: ReliableDelivery,
    budget: ReassemblyBudget,
    maxMessageSize: number,
    storeRefused: boolean,
  ) {
    this.#ch = wireChannel;
    this.#sink = sink;
    this.#budget = budget;
    this.#maxMessageSize = maxMessageSize;
    this.#storeRefused = storeRefused;
  }
  /** True when a buffered message is ready but was refused earlier. */
  get blocked(): boolean {
    return this.buffered > 0 && this.#slot[this.expected & RMASK] !== undefined;
  }
  /**
   * Handles message `seq16` (fragment `index`/`count`, count 0 = whole message) with payload
   * `src[start..end)` (copied if kept).
   */
  receive(
    seq16: number,
    index: number,
    count: number,
    hasPeer: boolean,
    peer: number,
    src: Uint8Array,
    start: number,
    end: number,
  ): number {
    const seq = extendSeq(seq16, this.expected);
    if (seq < this.expected) return ReceiveResult.ACCEPTED; // duplicate of a delivered one
    if (seq >= this.expected + RELIABLE_WINDOW) return ReceiveResult.REFUSED;
    const i = seq & RMASK;
    if (this.buffered > 0 && this.#slot[i] !== undefined) return ReceiveResult.ACCEPTED; // dup
    if (seq === this.expected && !this.blocked) {
      const r = this.#consume(hasPeer, peer, index, count, src, start, end);
      if (r === 1 && !this.#storeRefused) return ReceiveResult.REFUSED;
      if (r !== 1) {
        this.expected++;
        this.drain();
        return ReceiveResult.ACCEPTED;
      }
    }
    if (this.#slot === EMPTY_SLOTS) {
      this.#slot = new Array(RELIABLE_WINDOW).fill(undefined);
      this.#meta = new Int32Array(RELIABLE_WINDOW * 4);
    }
    this.#slot[i] = copyPayload(src, start, end);
    const m = this.#meta;
    m[i * 4] = hasPeer ? 1 : 0;
    m[i * 4 + 1] = peer;
    m[i * 4 + 2] = index;
    m[i * 4 + 3] = count;
    this.buffered++;
    return ReceiveResult.ACCEPTED;
  }
  /** Delivers buffered in-order messages until a gap or a refusal. */
  drain(): void {
    while (this.buffered > 0) {
      const i = this.expected & RMASK;
      const p = this.#slot[i];
      if (p === undefined) return;
      const m = this.#meta;
      const r = this.#consume(
        m[i * 4] === 1,
        m[i * 4 + 1],
        m[i * 4 + 2],
        m[i * 4 + 3],
        p,
        0,
        p.length,
      );
      if (r === 1) return;
      this.#slot[i] = undefined;
      this.buffered--;
      this.expected++;
    }
  }
  /** Releases the reassembly buffer (connection closed). */
  dispose(): void {
    this.#resetAsm();
  }
  // 0 = consumed, 1 = refused (nothing changed), 2 = skipped as invalid
  #consume(
    hasPeer: boolean,
    peer: number,
    index: number,
    count: number,
    src: Uint8Array,
    start: number,
    end: number,
  ): number {
    const len = end - start;
    if (count === 0) {
      if (this.#asm !== undefined) {
        this.invalid++;
        this.#resetAsm();
      }
      return this.#sink.deliverReliable(this.#ch, hasPeer, peer, copyPayload(src, start, end))
        ? 0
        : 1;
    }
    if (index === 0) {
      if (this.#asm !== undefined) {
        this.invalid++;
        this.#resetAsm();
      }
      if (!fragmentShapeOk(count, len, this.#maxMessageSize)) return this.#skip();
      const size = Math.min(count * len, this.#maxMessageSize);
      if (!this.#budget.take(size)) return 1; // back-pressure: retried when memory frees up
      this.#asm = new Uint8Array(size);
      this.#asmLen = 0;
      this.#asmNext = 0;
      this.#asmCount = count;
      this.#asmFragLen = len;
      this.#asmHasPeer = hasPeer;
      this.#asmPeer = peer;
    } else if (this.#asm === undefined || index !== this.#asmNext || count !== this.#asmCount) {
      return this.#skip();
    }
    const last = index === count - 1;
    const asm = this.#asm!;
    if (
      last ? len > this.#asmFragLen || this.#asmLen + len > asm.length : len !== this.#asmFragLen
    ) {
      return this.#skip();
    }
    asm.set(src.subarray(start, end), this.#asmLen);
    if (!last) {
      this.#asmLen += len;
      this.#asmNext++;
      return 0;
    }
    const out = asm.subarray(0, this.#asmLen + len);
    if (!this.#sink.deliverReliable(this.#ch, this.#asmHasPeer, this.#asmPeer, out)) {
      if (count === 1) this.#resetAsm();
      return 1;
    }
    this.#resetAsm();
    return 0;
  }
  #skip(): number {
    this.invalid++;
    this.#resetAsm();
    return 2;
  }
  #resetAsm(): void {
    if (this.#asm !== undefined) this.#budget.give(this.#asm.length);
    this.#asm = undefined;
    this.#asmNext = 0;
    this.#asmLen = 0;
  }
}
