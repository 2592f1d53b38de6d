/**
 * Sender side of packet-level acks: in-flight datagrams in a numeric ring, the reliable
 * messages each one carries, ack processing, RTT samples and loss detection (fast retransmit
 * and RTO).
 *
 * @module
 */

/** In-flight packets remembered at most (ack-eliciting sends wait when the ring is full). */
export const SENT_WINDOW = 1024;
const INITIAL_CAPACITY = 32; // grows by doubling up to SENT_WINDOW: idle peers stay small
/** A packet is lost once a packet this many sequence numbers newer was acked. */
export const FAST_RETRANSMIT_THRESHOLD = 3;

/** Receives the outcome of each reliable message reference of an acked or lost packet. */
export interface SentPacketListener {
  /** `acked` true: the message arrived; false: its packet was lost, requeue it. */
  onMessageRef(wireChannel: number, reliableSeq: number, acked: boolean): void;
  /** A packet of `bytes` was acked. */
  onPacketAcked(bytes: number): void;
  /** A packet of `bytes`, sent at `sentTime`, was declared lost. */
  onPacketLost(bytes: number, sentTime: number): void;
  /**
   * A packet declared lost was acknowledged after all (it was reordered): `bytes`, `sentTime`,
   * and how many sequence numbers newer acks had run ahead of it when it was declared lost.
   */
  onSpuriousLoss(bytes: number, sentTime: number, reorderDistance: number): void;
}

/**
 * In-flight datagrams.
 *
 * @example
 * ```ts
 * import { SentPackets } from "./_sent_packets.ts";
 * const refs: string[] = [];
 * const sp = new SentPackets({
 *   onMessageRef: (ch, seq, acked) => refs.push(`${ch}:${seq}:${acked}`),
 *   onPacketAcked: () => {},
 *   onPacketLost: () => {},
 *   onSpuriousLoss: () => {},
 * });
 * sp.addRef(1, 0);
 * sp.onSent(1, 0, 100, false);
 * sp.onAck(1, 0, 0, 10);
 * console.log(refs, sp.latestRttSample); // [ "1:0:true" ] 10
 * ```
 */
export class SentPackets {
  /** Bytes of ack-eliciting packets in flight. */
  bytesInFlight = 0;
  /** Number of packets in flight. */
  inFlight = 0;
  /** Largest packet sequence sent and tracked (0 = none). */
  largestSent = 0;
  /** Largest packet sequence acked (0 = none). */
  largestAcked = 0;
  /** RTT sample of the last {@link SentPackets.onAck} (-1 = none). */
  latestRttSample: number = -1;
  /** Packets declared lost so far (less those acknowledged after all). */
  lostPackets = 0;
  /** Losses that proved spurious: the packet was acknowledged after being declared lost. */
  spuriousLosses = 0;
  /**
   * A packet is lost once a packet this many sequence numbers newer was acked; raised by the
   * owner when reordering deeper than that is seen.
   */
  reorderThreshold: number = FAST_RETRANSMIT_THRESHOLD;
  /**
   * Longest run of consecutive packet sequences declared lost since the caller last reset it to
   * 0: random loss rarely loses 3 in a row, an overflowing queue or socket buffer does.
   */
  longestLossRun = 0;
  #lossRunEnd = -1; // last sequence of the current run of losses
  #lossRun = 0;
  #oldest = 1;
  #mask = INITIAL_CAPACITY - 1;
  // 0 free, 1 in flight, 2 declared lost (watched for a late ack while it is in the ring)
  #state = new Uint8Array(INITIAL_CAPACITY);
  #lossAhead = new Int32Array(INITIAL_CAPACITY); // state 2: largest acked when declared lost
  #watched = 0; // packets in state 2
  #watchLow = Infinity; // no packet below this is in state 2 (a lower bound: slots get reused)
  #retx = new Uint8Array(INITIAL_CAPACITY); // bit 0: retransmitted data (no RTT sample); bit 1: lazy
  #time = new Float64Array(INITIAL_CAPACITY);
  #size = new Int32Array(INITIAL_CAPACITY);
  #refStart = new Float64Array(INITIAL_CAPACITY);
  #refEnd = new Float64Array(INITIAL_CAPACITY);
  // FIFO ring of (wire channel, reliable seq) of messages in flight; grows by doubling
  #refCh = new Uint16Array(64);
  #refSeq = new Float64Array(64);
  #refHead = 0;
  #refTail = 0;
  #pendingRefStart = 0;
  readonly #l: SentPacketListener;
  /** Creates an empty tracker reporting to `listener`. */
  constructor(listener: SentPacketListener) {
    this.#l = listener;
  }
  /**
   * True when a packet with sequence `seq` can be tracked now. The ring spans the oldest packet
   * in flight to the newest: with nothing in flight it restarts at `seq`, so untracked ack-only
   * packets (which also take sequence numbers) never close it.
   */
  canSend(seq: number): boolean {
    return this.inFlight === 0 || seq - this.#oldest < SENT_WINDOW;
  }
  /** Adds a reliable message reference to the packet being built. */
  addRef(wireChannel: number, reliableSeq: number): void {
    if (this.#refTail - this.#refHead >= this.#refCh.length) this.#growRefs();
    const i = this.#refTail & (this.#refCh.length - 1);
    this.#refCh[i] = wireChannel;
    this.#refSeq[i] = reliableSeq;
    this.#refTail++;
  }
  /**
   * Records an ack-eliciting packet carrying the refs added since the previous call; `lazy`: the
   * peer may delay its ack (no reliable data in it).
   */
  onSent(seq: number, now: number, bytes: number, retransmission: boolean, lazy = false): void {
    if (this.inFlight === 0 && this.largestSent < seq) this.#oldest = seq;
    while (seq - this.#oldest > this.#mask) this.#grow();
    // sequences skipped (untracked ack-only packets) must not keep a stale slot's state
    const skipEnd = Math.min(seq, this.largestSent + 1 + this.#mask + 1);
    for (let u = this.largestSent + 1; u < skipEnd; u++) this.#forget(u & this.#mask);
    const i = seq & this.#mask;
    this.#forget(i);
    this.#state[i] = 1;
    this.#retx[i] = (retransmission ? 1 : 0) | (lazy ? 2 : 0);
    this.#time[i] = now;
    this.#size[i] = bytes;
    this.#refStart[i] = this.#pendingRefStart;
    this.#refEnd[i] = this.#refTail;
    this.#pendingRefStart = this.#refTail;
    this.largestSent = seq;
    this.inFlight++;
    this.bytesInFlight += bytes;
  }
  /**
   * Processes an ack (`ack` plus 64 bits for `ack-1..ack-64`; `ack` may name an untracked
   * ack-only packet). Calls the listener for every newly acked or newly lost packet.
   */
  onAck(ack: number, bitsLo: number, bitsHi: number, now: number): void {
    this.latestRttSample = -1;
    if (ack > this.largestAcked) this.largestAcked = ack;
    if (ack === 0 || (this.inFlight === 0 && this.#watched === 0)) return;
    if (this.#ackOne(ack)) {
      const i = ack & this.#mask;
      if ((this.#retx[i] & 1) === 0) this.latestRttSample = now - this.#time[i];
    }
    // only bits naming packets still tracked (none in a ping-pong): skip the rest of the field;
    // packets declared lost stay watched, so a late ack of one is seen as reordering
    const low = this.#watched > 0 ? Math.min(this.#oldest, this.#watchLow) : this.#oldest;
    const span = Math.min(ack - low, 64);
    for (let b = 0; b < span; b++) {
      if (b < 32 ? (bitsLo >>> b) & 1 : (bitsHi >>> (b - 32)) & 1) this.#ackOne(ack - 1 - b);
    }
    // fast retransmit: anything FAST_RETRANSMIT_THRESHOLD older than the largest ack is lost
    // (bounded by largestSent: acks may name untracked ack-only packets far ahead)
    const limit = Math.min(this.largestAcked - this.reorderThreshold, this.largestSent);
    for (let s = this.#oldest; s <= limit; s++) this.#lose(s);
    this.#advance();
  }
  /** Send time of the oldest packet in flight, or Infinity. */
  get oldestSentTime(): number {
    return this.inFlight > 0 ? this.#time[this.#oldest & this.#mask] : Infinity;
  }
  /** True when the oldest packet in flight may be acked lazily (it carries no reliable data). */
  get oldestLazy(): boolean {
    return this.inFlight > 0 && (this.#retx[this.#oldest & this.#mask] & 2) !== 0;
  }
  /**
   * Tail-loss probe: hands the reliable messages of the `packets` oldest in-flight packets that
   * carry any back to the listener as lost (to be retransmitted) while the packets stay in
   * flight, so nothing is counted as lost and congestion control is not told. Returns how many
   * message references were handed back.
   */
  probe(packets: number): number {
    let n = 0;
    for (let s = this.#oldest; s <= this.largestSent && packets > 0; s++) {
      const i = s & this.#mask;
      if (this.#state[i] !== 1 || this.#refEnd[i] === this.#refStart[i]) continue;
      n += this.#refEnd[i] - this.#refStart[i];
      this.#emitRefs(i, false);
      packets--;
    }
    return n;
  }
  /**
   * Time-threshold loss (RFC 9002): declares lost every in-flight packet older than the largest
   * acked one and sent at least `thresholdMs` before `now`. Returns when the oldest such packet
   * still in flight becomes due (Infinity if none), computed with the same expression.
   */
  loseByTime(now: number, thresholdMs: number): number {
    const limit = Math.min(this.largestAcked - 1, this.largestSent);
    let next = Infinity;
    for (let s = this.#oldest; s <= limit; s++) {
      const i = s & this.#mask;
      if (this.#state[i] !== 1) continue;
      if (this.#time[i] + thresholdMs > now) {
        next = this.#time[i] + thresholdMs; // send times grow with the sequence
        break;
      }
      this.#lose(s);
    }
    this.#advance();
    return next;
  }
  /** Declares lost every in-flight packet sent at or before `sentBefore`; returns how many. */
  loseOlderThan(sentBefore: number): number {
    let n = 0;
    for (let s = this.#oldest; s <= this.largestSent; s++) {
      const i = s & this.#mask;
      if (this.#state[i] === 1 && this.#time[i] <= sentBefore) {
        this.#lose(s);
        n++;
      }
    }
    this.#advance();
    return n;
  }
  #ackOne(seq: number): boolean {
    if (seq <= this.largestSent - this.#mask - 1 || seq > this.largestSent || seq <= 0) {
      return false;
    }
    const i = seq & this.#mask;
    if (this.#state[i] === 2) {
      this.#spurious(i);
      return false;
    }
    if (this.#state[i] !== 1) return false;
    this.#state[i] = 0;
    this.inFlight--;
    this.bytesInFlight -= this.#size[i];
    this.#emitRefs(i, true);
    this.#l.onPacketAcked(this.#size[i]);
    return true;
  }
  // clears slot `i` (a watched loss there is forgotten)
  #forget(i: number): void {
    if (this.#state[i] === 2 && --this.#watched === 0) this.#watchLow = Infinity;
    this.#state[i] = 0;
  }
  // a lost packet acked after all: its messages arrived (any retransmission queued for them is
  // dropped) and the loss is taken back
  #spurious(i: number): void {
    this.#forget(i);
    this.spuriousLosses++;
    if (this.lostPackets > 0) this.lostPackets--;
    // the refs are still in their ring unless it wrapped over them since
    if (this.#refTail - this.#refStart[i] <= this.#refCh.length) this.#emitRefs(i, true);
    const distance = this.#lossAhead[i] - this.#seqOf(i);
    this.#l.onSpuriousLoss(this.#size[i], this.#time[i], distance);
  }
  // the sequence number slot `i` holds (it is within the ring below largestSent)
  #seqOf(i: number): number {
    const top = this.largestSent;
    return top - ((top - i) & this.#mask);
  }
  #lose(seq: number): void {
    const i = seq & this.#mask;
    if (this.#state[i] !== 1) return;
    this.#state[i] = 2;
    this.#watched++;
    if (seq < this.#watchLow) this.#watchLow = seq;
    this.#lossAhead[i] = this.largestAcked;
    this.inFlight--;
    this.bytesInFlight -= this.#size[i];
    this.lostPackets++;
    this.#lossRun = seq === this.#lossRunEnd + 1 ? this.#lossRun + 1 : 1;
    this.#lossRunEnd = seq;
    if (this.#lossRun > this.longestLossRun) this.longestLossRun = this.#lossRun;
    this.#emitRefs(i, false);
    this.#l.onPacketLost(this.#size[i], this.#time[i]);
  }
  #emitRefs(i: number, acked: boolean): void {
    const m = this.#refCh.length - 1;
    for (let r = this.#refStart[i]; r < this.#refEnd[i]; r++) {
      this.#l.onMessageRef(this.#refCh[r & m], this.#refSeq[r & m], acked);
    }
  }
  #advance(): void {
    while (this.#oldest <= this.largestSent && this.#state[this.#oldest & this.#mask] !== 1) {
      this.#oldest++;
    }
    this.#refHead = this.inFlight > 0
      ? this.#refStart[this.#oldest & this.#mask]
      : this.#pendingRefStart;
    if (this.inFlight === 0) this.#oldest = this.largestSent + 1;
  }
  #grow(): void {
    const om = this.#mask, cap = (om + 1) * 2, m = cap - 1;
    const state = new Uint8Array(cap), retx = new Uint8Array(cap), time = new Float64Array(cap);
    const size = new Int32Array(cap), rs = new Float64Array(cap), re = new Float64Array(cap);
    const ahead = new Int32Array(cap);
    for (let s = Math.max(this.largestSent - om, 1); s <= this.largestSent; s++) {
      ahead[s & m] = this.#lossAhead[s & om];
      state[s & m] = this.#state[s & om];
      retx[s & m] = this.#retx[s & om];
      time[s & m] = this.#time[s & om];
      size[s & m] = this.#size[s & om];
      rs[s & m] = this.#refStart[s & om];
      re[s & m] = this.#refEnd[s & om];
    }
    this.#mask = m;
    this.#lossAhead = ahead;
    this.#state = state;
    this.#retx = retx;
    this.#time = time;
    this.#size = size;
    this.#refStart = rs;
    this.#refEnd = re;
  }
  #growRefs(): void {
    const oldCh = this.#refCh, oldSeq = this.#refSeq, om = oldCh.length - 1;
    const ch = new Uint16Array(oldCh.length * 2), sq = new Float64Array(oldCh.length * 2);
    const m = ch.length - 1;
    for (let r = this.#refHead; r < this.#refTail; r++) {
      ch[r & m] = oldCh[r & om];
      sq[r & m] = oldSeq[r & om];
    }
    this.#refCh = ch;
    this.#refSeq = sq;
  }
}
