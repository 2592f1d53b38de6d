/**
 * Receiving half of reliable ordered delivery for one wire channel: a reorder buffer that grows
 * on demand (bounded by the window and the reassembly budget) and in-order fragment reassembly.
 *
 * @module
 */
import { fragmentShapeOk, type ReassemblyBudget } from "./fragmenter.ts";
import { takePayload } from "./_payload_slab.ts";
import { extendSeq } from "../wire/sequence.ts";

/**
 * Receive window in messages; the sender never has more unacked messages in flight. Well under
 * the 32768 half-space of the 16-bit wire sequence; receive buffers grow to it only on demand.
 */
export const RELIABLE_WINDOW = 8192;
const MIN_REORDER_SLOTS = 64;
/** Out-of-order bytes a receiver keeps on its own; beyond that they draw on the budget. */
export const REORDER_ALLOWANCE_BYTES = 64 * 1024;
const PEER = 1, CHARGED = 2, ALLOWED = 4; // per buffered slot: flags in meta[i * 4]

const EMPTY_SLOTS: (Uint8Array | undefined)[] = [];
const EMPTY_META = new Int32Array(0);

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
  /** Not stored (no memory left to hold it, or beyond the window): do not acknowledge it. */
  REFUSED: 1,
} as const;

/**
 * Receiver half: delivers in order, exactly once, reassembling fragments.
 *
 * @example
 * ```ts
 * import { ReassemblyBudget } from "./fragmenter.ts";
 * import { ReliableReceiver } from "./_reliable_receiver.ts";
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
  #meta = EMPTY_META; // per slot: flags, peer, index, count
  #allowance = 0; // buffered bytes kept within REORDER_ALLOWANCE_BYTES
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
    return this.buffered > 0 && this.#slot[this.expected & (this.#slot.length - 1)] !== undefined;
  }
  /** Reorder slots allocated (grows on demand up to {@link RELIABLE_WINDOW}). */
  get capacity(): number {
    return this.#slot.length;
  }
  /**
   * Handles message `seq16` (fragment `index`/`count`, count 0 = whole message) with payload
   * `src[start..end)` (copied if kept). Out-of-order copies beyond
   * {@link REORDER_ALLOWANCE_BYTES} are charged to the reassembly budget (refused when it is
   * exhausted: the sender retransmits them).
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
    const d = seq - this.expected;
    if (d < this.#slot.length && this.#slot[seq & (this.#slot.length - 1)] !== undefined) {
      return ReceiveResult.ACCEPTED; // duplicate of a buffered one
    }
    let flags = hasPeer ? PEER : 0;
    const len = end - start;
    const inOrder = d === 0 && !this.blocked;
    if (inOrder) {
      const r = this.#consume(hasPeer, peer, index, count, src, start, end);
      if (r !== 1) {
        this.expected++;
        this.drain();
        return ReceiveResult.ACCEPTED;
      }
    }
    // a message the application cannot take yet is held (and its packet acked) while memory
    // allows, so a full inbound queue does not stall the link; on a reliable carrier it is held
    // regardless (nothing would be retransmitted)
    if (inOrder && this.#storeRefused) {
      // kept uncharged, as before
    } else if (this.#allowance + len <= REORDER_ALLOWANCE_BYTES) {
      flags |= ALLOWED;
      this.#allowance += len;
    } else if (this.#budget.take(len)) flags |= CHARGED;
    else return ReceiveResult.REFUSED;
    if (d >= this.#slot.length) this.#growSlots(d);
    const i = seq & (this.#slot.length - 1);
    this.#slot[i] = takePayload(src, start, end);
    const m = this.#meta;
    m[i * 4] = flags;
    m[i * 4 + 1] = peer;
    m[i * 4 + 2] = index;
    m[i * 4 + 3] = count;
    this.buffered++;
    return ReceiveResult.ACCEPTED;
  }
  /** Delivers buffered in-order messages until a gap or a refusal. */
  drain(): void {
    while (this.buffered > 0) {
      const i = this.expected & (this.#slot.length - 1);
      const p = this.#slot[i];
      if (p === undefined) return;
      const m = this.#meta, flags = m[i * 4];
      const r = this.#consume(
        (flags & PEER) !== 0,
        m[i * 4 + 1],
        m[i * 4 + 2],
        m[i * 4 + 3],
        p,
        0,
        p.length,
      );
      if (r === 1) return;
      this.#release(flags, p.length);
      this.#slot[i] = undefined;
      this.buffered--;
      this.expected++;
    }
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
      return this.#sink.deliverReliable(this.#ch, hasPeer, peer, takePayload(src, start, end))
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
  #release(flags: number, len: number): void {
    if ((flags & CHARGED) !== 0) this.#budget.give(len);
    else if ((flags & ALLOWED) !== 0) this.#allowance -= len;
  }
  // doubles the ring (re-indexed by sequence) until distance `d` from `expected` fits
  #growSlots(d: number): void {
    const old = this.#slot, oldMeta = this.#meta, om = old.length - 1;
    let cap = Math.max(MIN_REORDER_SLOTS, old.length);
    while (cap <= d) cap *= 2;
    const slot: (Uint8Array | undefined)[] = new Array(cap).fill(undefined);
    const meta = new Int32Array(cap * 4), m = cap - 1;
    for (let s = this.expected; s < this.expected + old.length; s++) {
      const p = old[s & om];
      if (p === undefined) continue;
      const a = s & om, b = s & m;
      slot[b] = p;
      for (let f = 0; f < 4; f++) meta[b * 4 + f] = oldMeta[a * 4 + f];
    }
    this.#slot = slot;
    this.#meta = meta;
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
