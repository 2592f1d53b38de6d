/**
 * Sender side of packet-level acks: in-flight datagrams in a numeric ring, the reliable
 * messages each one carries, ack processing, RTT samples and loss detection (fast retransmit
 * and RTO).
 *
 * @module
 */

/** In-flight packets remembered at most (ack-eliciting sends wait when the ring is full). */
export const SENT_WINDOW = 1024;
const INITIAL_CAPACITY = 4; // grows by doubling up to SENT_WINDOW: idle peers stay small
const INITIAL_REFS = 4;
const PACKET_FIELDS = 5, TIME = 0, REF_START = 1, REF_END = 2, SIZE = 3, LOSS_AHEAD = 4;
const REF_FIELDS = 3, REF_SEQ = 0, REF_CH = 1, REF_COUNT = 2;

// plain arrays of numbers, not typed arrays: each typed array costs ~200 B of objects (view,
// buffer, backing store) besides its slots, and an idle connection has few slots
function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}
/** A packet is lost once a packet this many sequence numbers newer was acked. */
export const FAST_RETRANSMIT_THRESHOLD = 3;

/** Receives the outcome of the reliable messages of an acked or lost packet. */
export interface SentPacketListener {
  /**
   * Messages `firstSeq .. firstSeq + count - 1` of `wireChannel`: `acked` true, they arrived;
   * false, their packet was lost, requeue them.
   */
  onMessageRefs(wireChannel: number, firstSeq: number, count: number, acked: boolean): void;
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
 *   onMessageRefs: (ch, seq, n, acked) => refs.push(`${ch}:${seq}+${n}:${acked}`),
 *   onPacketAcked: () => {},
 *   onPacketLost: () => {},
 *   onSpuriousLoss: () => {},
 * });
 * sp.addRef(1, 0);
 * sp.onSent(1, 0, 100, false);
 * sp.onAck(1, 0, 0, 10);
 * console.log(refs, sp.latestRttSample); // [ "1:0+1:true" ] 10
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
  // per packet slot: bits 0-1 state (0 free, 1 in flight, 2 declared lost, watched for a late ack
  // while it is in the ring), bit 2 retransmitted data (no RTT sample), bit 3 lazy
  #flags: number[] = zeros(INITIAL_CAPACITY);
  // per packet slot, PACKET_FIELDS numbers: send time, first and end ref, size, largest acked
  // when declared lost (one buffer instead of five keeps an idle connection small)
  #pk: number[] = zeros(INITIAL_CAPACITY * PACKET_FIELDS);
  #watched = 0; // packets in state 2
  #watchLow = Infinity; // no packet below this is in state 2 (a lower bound: slots get reused)
  // FIFO ring of (first reliable seq, wire channel, count) of message ranges in flight: one
  // entry per run of consecutive messages of a packet; grows by doubling
  #refs: number[] = zeros(INITIAL_REFS * REF_FIELDS);
  #refCap = INITIAL_REFS;
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
  /**
   * Adds references to reliable messages `reliableSeq .. reliableSeq + count - 1` (count at
   * most 0xffff) to the packet being built; messages that follow the previous reference on the
   * same channel extend it instead of taking one of their own.
   */
  addRef(wireChannel: number, reliableSeq: number, count = 1): void {
    const refs = this.#refs;
    if (this.#refTail > this.#pendingRefStart) {
      const last = ((this.#refTail - 1) & (this.#refCap - 1)) * REF_FIELDS,
        n = refs[last + REF_COUNT];
      if (
        refs[last + REF_CH] === wireChannel && refs[last + REF_SEQ] + n === reliableSeq &&
        n + count <= 0xffff
      ) {
        refs[last + REF_COUNT] = n + count;
        return;
      }
    }
    if (this.#refTail - this.#refHead >= this.#refCap) this.#growRefs();
    const i = (this.#refTail & (this.#refCap - 1)) * REF_FIELDS, r = this.#refs;
    r[i + REF_SEQ] = reliableSeq;
    r[i + REF_CH] = wireChannel;
    r[i + REF_COUNT] = count;
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
    const i = seq & this.#mask, k = i * PACKET_FIELDS, pk = this.#pk;
    this.#forget(i);
    this.#flags[i] = 1 | (retransmission ? 4 : 0) | (lazy ? 8 : 0);
    pk[k + TIME] = now;
    pk[k + SIZE] = bytes;
    pk[k + REF_START] = this.#pendingRefStart;
    pk[k + REF_END] = this.#refTail;
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
      if ((this.#flags[i] & 4) === 0) {
        this.latestRttSample = now - this.#pk[i * PACKET_FIELDS + TIME];
      }
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
    return this.inFlight > 0
      ? this.#pk[(this.#oldest & this.#mask) * PACKET_FIELDS + TIME]
      : Infinity;
  }
  /** True when the oldest packet in flight may be acked lazily (it carries no reliable data). */
  get oldestLazy(): boolean {
    return this.inFlight > 0 && (this.#flags[this.#oldest & this.#mask] & 8) !== 0;
  }
  /**
   * Tail-loss probe: hands the reliable messages of the `packets` oldest in-flight packets that
   * carry any back to the listener as lost (to be retransmitted) while the packets stay in
   * flight, so nothing is counted as lost and congestion control is not told. Returns how many
   * message ranges were handed back.
   */
  probe(packets: number): number {
    let n = 0;
    for (let s = this.#oldest; s <= this.largestSent && packets > 0; s++) {
      const i = s & this.#mask, k = i * PACKET_FIELDS;
      if ((this.#flags[i] & 3) !== 1 || this.#pk[k + REF_END] === this.#pk[k + REF_START]) continue;
      n += this.#pk[k + REF_END] - this.#pk[k + REF_START];
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
      if ((this.#flags[i] & 3) !== 1) continue;
      const sentAt = this.#pk[i * PACKET_FIELDS + TIME];
      if (sentAt + thresholdMs > now) {
        next = sentAt + thresholdMs; // send times grow with the sequence
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
      if ((this.#flags[i] & 3) === 1 && this.#pk[i * PACKET_FIELDS + TIME] <= sentBefore) {
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
    const i = seq & this.#mask, state = this.#flags[i] & 3;
    if (state === 2) {
      this.#spurious(i);
      return false;
    }
    if (state !== 1) return false;
    this.#flags[i] &= ~3;
    const size = this.#pk[i * PACKET_FIELDS + SIZE];
    this.inFlight--;
    this.bytesInFlight -= size;
    this.#emitRefs(i, true);
    this.#l.onPacketAcked(size);
    return true;
  }
  // clears slot `i` (a watched loss there is forgotten)
  #forget(i: number): void {
    if ((this.#flags[i] & 3) === 2 && --this.#watched === 0) this.#watchLow = Infinity;
    this.#flags[i] &= ~3;
  }
  // a lost packet acked after all: its messages arrived (any retransmission queued for them is
  // dropped) and the loss is taken back
  #spurious(i: number): void {
    this.#forget(i);
    this.spuriousLosses++;
    if (this.lostPackets > 0) this.lostPackets--;
    // the refs are still in their ring unless it wrapped over them since
    const k = i * PACKET_FIELDS, pk = this.#pk;
    if (this.#refTail - pk[k + REF_START] <= this.#refCap) this.#emitRefs(i, true);
    const distance = pk[k + LOSS_AHEAD] - this.#seqOf(i);
    this.#l.onSpuriousLoss(pk[k + SIZE], pk[k + TIME], distance);
  }
  // the sequence number slot `i` holds (it is within the ring below largestSent)
  #seqOf(i: number): number {
    const top = this.largestSent;
    return top - ((top - i) & this.#mask);
  }
  #lose(seq: number): void {
    const i = seq & this.#mask;
    if ((this.#flags[i] & 3) !== 1) return;
    this.#flags[i] = (this.#flags[i] & ~3) | 2;
    this.#watched++;
    if (seq < this.#watchLow) this.#watchLow = seq;
    const k = i * PACKET_FIELDS, pk = this.#pk;
    pk[k + LOSS_AHEAD] = this.largestAcked;
    this.inFlight--;
    this.bytesInFlight -= pk[k + SIZE];
    this.lostPackets++;
    this.#lossRun = seq === this.#lossRunEnd + 1 ? this.#lossRun + 1 : 1;
    this.#lossRunEnd = seq;
    if (this.#lossRun > this.longestLossRun) this.longestLossRun = this.#lossRun;
    this.#emitRefs(i, false);
    this.#l.onPacketLost(pk[k + SIZE], pk[k + TIME]);
  }
  #emitRefs(i: number, acked: boolean): void {
    const m = this.#refCap - 1, refs = this.#refs, k = i * PACKET_FIELDS;
    const end = this.#pk[k + REF_END];
    for (let r = this.#pk[k + REF_START]; r < end; r++) {
      const j = (r & m) * REF_FIELDS;
      this.#l.onMessageRefs(refs[j + REF_CH], refs[j + REF_SEQ], refs[j + REF_COUNT], acked);
    }
  }
  #advance(): void {
    while (this.#oldest <= this.largestSent && (this.#flags[this.#oldest & this.#mask] & 3) !== 1) {
      this.#oldest++;
    }
    this.#refHead = this.inFlight > 0
      ? this.#pk[(this.#oldest & this.#mask) * PACKET_FIELDS + REF_START]
      : this.#pendingRefStart;
    if (this.inFlight === 0) this.#oldest = this.largestSent + 1;
  }
  #grow(): void {
    const om = this.#mask, cap = (om + 1) * 2, m = cap - 1;
    const flags = zeros(cap), pk = zeros(cap * PACKET_FIELDS);
    for (let s = Math.max(this.largestSent - om, 1); s <= this.largestSent; s++) {
      flags[s & m] = this.#flags[s & om];
      const from = (s & om) * PACKET_FIELDS, to = (s & m) * PACKET_FIELDS;
      for (let f = 0; f < PACKET_FIELDS; f++) pk[to + f] = this.#pk[from + f];
    }
    this.#mask = m;
    this.#flags = flags;
    this.#pk = pk;
  }
  #growRefs(): void {
    const old = this.#refs, om = this.#refCap - 1, cap = this.#refCap * 2, m = cap - 1;
    const refs = zeros(cap * REF_FIELDS);
    for (let r = this.#refHead; r < this.#refTail; r++) {
      const from = (r & om) * REF_FIELDS, to = (r & m) * REF_FIELDS;
      for (let f = 0; f < REF_FIELDS; f++) refs[to + f] = old[from + f];
    }
    this.#refs = refs;
    this.#refCap = cap;
  }
}
