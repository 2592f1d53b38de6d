/**
 * Sender side of packet-level acks: in-flight datagrams in a numeric ring, the reliable
 * messages each one carries, ack processing, RTT samples and loss detection (fast retransmit
 * and RTO).
 *
 * @module
 */

/** In-flight packets remembered at most (ack-eliciting sends wait when the ring is full). */
export const SENT_WINDOW = 1024;
const MASK = SENT_WINDOW - 1;
/** A packet is lost once a packet this many sequence numbers newer was acked. */
export const FAST_RETRANSMIT_THRESHOLD = 3;

/** Receives the outcome of each reliable message reference of an acked or lost packet. */
export interface SentPacketListener {
  /** `acked` true: the message arrived; false: its packet was lost, requeue it. */
  onMessageRef(wireChannel: number, reliableSeq: number, acked: boolean): void;
  /** A packet of `bytes` was acked. */
  onPacketAcked(bytes: number): void;
  /** A packet of `bytes` was declared lost. */
  onPacketLost(bytes: number): void;
}

/**
 * In-flight datagrams.
 *
 * @example
 * ```ts
 * import { SentPackets } from "./sent_packets.ts";
 * const refs: string[] = [];
 * const sp = new SentPackets({
 *   onMessageRef: (ch, seq, acked) => refs.push(`${ch}:${seq}:${acked}`),
 *   onPacketAcked: () => {},
 *   onPacketLost: () => {},
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
  latestRttSample = -1;
  /** Packets declared lost so far. */
  lostPackets = 0;
  #oldest = 1;
  readonly #state = new Uint8Array(SENT_WINDOW); // 0 free, 1 in flight
  readonly #retx = new Uint8Array(SENT_WINDOW); // carries retransmitted data: no RTT sample
  readonly #time = new Float64Array(SENT_WINDOW);
  readonly #size = new Int32Array(SENT_WINDOW);
  readonly #refStart = new Float64Array(SENT_WINDOW);
  readonly #refEnd = new Float64Array(SENT_WINDOW);
  // FIFO ring of (wire channel, reliable seq) of messages in flight; grows by doubling
  #refCh = new Uint16Array(256);
  #refSeq = new Float64Array(256);
  #refHead = 0;
  #refTail = 0;
  #pendingRefStart = 0;
  readonly #l: SentPacketListener;
  /** Creates an empty tracker reporting to `listener`. */
  constructor(listener: SentPacketListener) {
    this.#l = listener;
  }
  /** True when a packet with sequence `seq` can be tracked now. */
  canSend(seq: number): boolean {
    return seq - this.#oldest < SENT_WINDOW;
  }
  /** Adds a reliable message reference to the packet being built. */
  addRef(wireChannel: number, reliableSeq: number): void {
    if (this.#refTail - this.#refHead >= this.#refCh.length) this.#growRefs();
    const i = this.#refTail & (this.#refCh.length - 1);
    this.#refCh[i] = wireChannel;
    this.#refSeq[i] = reliableSeq;
    this.#refTail++;
  }
  /** Drops the references added since the last {@link SentPackets.onSent} (packet not sent). */
  discardRefs(): void {
    this.#refTail = this.#pendingRefStart;
  }
  /** Records an ack-eliciting packet carrying the refs added since the previous call. */
  onSent(seq: number, now: number, bytes: number, retransmission: boolean): void {
    const i = seq & MASK;
    this.#state[i] = 1;
    this.#retx[i] = retransmission ? 1 : 0;
    this.#time[i] = now;
    this.#size[i] = bytes;
    this.#refStart[i] = this.#pendingRefStart;
    this.#refEnd[i] = this.#refTail;
    this.#pendingRefStart = this.#refTail;
    if (this.inFlight === 0 && this.largestSent < seq) this.#oldest = seq;
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
    if (ack === 0) return;
    if (this.#ackOne(ack)) {
      const i = ack & MASK;
      if (this.#retx[i] === 0) this.latestRttSample = now - this.#time[i];
    }
    if (ack > this.largestAcked) this.largestAcked = ack;
    for (let b = 0; b < 32; b++) {
      if ((bitsLo >>> b) & 1) this.#ackOne(ack - 1 - b);
      if ((bitsHi >>> b) & 1) this.#ackOne(ack - 33 - b);
    }
    // fast retransmit: anything FAST_RETRANSMIT_THRESHOLD older than the largest ack is lost
    const limit = this.largestAcked - FAST_RETRANSMIT_THRESHOLD;
    for (let s = this.#oldest; s <= limit; s++) this.#lose(s);
    this.#advance();
  }
  /** Send time of the oldest packet in flight, or Infinity. */
  get oldestSentTime(): number {
    return this.inFlight > 0 ? this.#time[this.#oldest & MASK] : Infinity;
  }
  /** Declares lost every in-flight packet sent at or before `sentBefore`; returns how many. */
  loseOlderThan(sentBefore: number): number {
    let n = 0;
    for (let s = this.#oldest; s <= this.largestSent; s++) {
      const i = s & MASK;
      if (this.#state[i] === 1 && this.#time[i] <= sentBefore) {
        this.#lose(s);
        n++;
      }
    }
    this.#advance();
    return n;
  }
  #ackOne(seq: number): boolean {
    if (seq < this.#oldest || seq > this.largestSent) return false;
    const i = seq & MASK;
    if (this.#state[i] !== 1) return false;
    this.#state[i] = 0;
    this.inFlight--;
    this.bytesInFlight -= this.#size[i];
    this.#emitRefs(i, true);
    this.#l.onPacketAcked(this.#size[i]);
    return true;
  }
  #lose(seq: number): void {
    const i = seq & MASK;
    if (this.#state[i] !== 1) return;
    this.#state[i] = 0;
    this.inFlight--;
    this.bytesInFlight -= this.#size[i];
    this.lostPackets++;
    this.#emitRefs(i, false);
    this.#l.onPacketLost(this.#size[i]);
  }
  #emitRefs(i: number, acked: boolean): void {
    const m = this.#refCh.length - 1;
    for (let r = this.#refStart[i]; r < this.#refEnd[i]; r++) {
      this.#l.onMessageRef(this.#refCh[r & m], this.#refSeq[r & m], acked);
    }
  }
  #advance(): void {
    while (this.#oldest <= this.largestSent && this.#state[this.#oldest & MASK] === 0) {
      this.#oldest++;
    }
    this.#refHead = this.inFlight > 0 ? this.#refStart[this.#oldest & MASK] : this.#pendingRefStart;
    if (this.inFlight === 0) this.#oldest = this.largestSent + 1;
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
