/**
 * Unreliable delivery: the per-channel sequence filter for UNRELIABLE_ORDERED (drop anything
 * not newer than the last delivered) and the bounded FIFO of unreliable messages waiting for a
 * datagram.
 *
 * @module
 */
import { extendSeq } from "../wire/sequence.ts";

// shared zero-length arrays: replaced (never written) on first growth
const NO_U8 = new Uint8Array(0), NO_U16 = new Uint16Array(0), NO_I32 = new Int32Array(0);
const NO_F64 = new Float64Array(0);

/**
 * Sequence state of one UNRELIABLE_ORDERED channel (both directions).
 *
 * @example
 * ```ts
 * import { SequencedChannel } from "./_sequenced_channel.ts";
 * const c = new SequencedChannel();
 * console.log(c.accept(2), c.accept(1), c.accept(3)); // true false true
 * ```
 */
export class SequencedChannel {
  /** Next sequence (or fragment group) to send. */
  nextSend = 0;
  /** Newest delivered sequence (-1 = none). */
  lastDelivered: number = -1;
  /** Packets dropped as late. */
  late = 0;
  /** Allocates the next 16-bit send sequence. */
  takeSendSeq(): number {
    const s = this.nextSend;
    this.nextSend = (s + 1) & 0xffff;
    return s;
  }
  /** Extended value of a received 16-bit sequence. */
  extend(seq16: number): number {
    return extendSeq(seq16, this.lastDelivered < 0 ? 0 : this.lastDelivered);
  }
  /** True when `seq16` is newer than the last delivered one (does not record it). */
  isNewer(seq16: number): boolean {
    return this.extend(seq16) > this.lastDelivered;
  }
  /** Records delivery of `seq16` if newer; returns false (counted as late) otherwise. */
  accept(seq16: number): boolean {
    const s = this.extend(seq16);
    if (s <= this.lastDelivered) {
      this.late++;
      return false;
    }
    this.lastDelivered = s;
    return true;
  }
}

/**
 * FIFO of unreliable messages (any channel, any unreliable kind) waiting for a datagram, in
 * parallel typed arrays (no object per message). Grows by doubling; the caller bounds bytes.
 *
 * @example
 * ```ts
 * import { UnreliableQueue } from "./_sequenced_channel.ts";
 * const q = new UnreliableQueue();
 * q.push(0, 1, 0, 0, 0, false, 0, new Uint8Array(4), 0, 4);
 * console.log(q.length, q.bytes, q.kind(0)); // 1 4 0
 * q.shift();
 * ```
 */
export class UnreliableQueue {
  /** Messages queued. */
  length = 0;
  /** Payload bytes queued. */
  bytes = 0;
  #head = 0;
  #cap = 0; // allocated on first push
  #kind = NO_U8;
  #ch = NO_U16;
  #seq = NO_U16;
  #index = NO_U16;
  #count = NO_U16;
  #hasPeer = NO_U8;
  #peer = NO_I32;
  #start = NO_I32;
  #end = NO_I32;
  #time = NO_F64; // enqueue time, for shedding stale messages
  #payload: (Uint8Array | undefined)[] = [];

  /** Appends one message (payload is `payload[start..end)`, kept by reference) queued at `time`. */
  push(
    kind: number,
    wireChannel: number,
    seq: number,
    index: number,
    count: number,
    hasPeer: boolean,
    peer: number,
    payload: Uint8Array,
    start: number,
    end: number,
    time = 0,
  ): void {
    if (this.length === this.#cap) this.#grow();
    const i = (this.#head + this.length) & (this.#cap - 1);
    this.#kind[i] = kind;
    this.#ch[i] = wireChannel;
    this.#seq[i] = seq;
    this.#index[i] = index;
    this.#count[i] = count;
    this.#hasPeer[i] = hasPeer ? 1 : 0;
    this.#peer[i] = peer;
    this.#start[i] = start;
    this.#end[i] = end;
    this.#time[i] = time;
    this.#payload[i] = payload;
    this.length++;
    this.bytes += end - start;
  }
  /** Removes the oldest message. */
  shift(): void {
    const i = this.#head;
    this.bytes -= this.#end[i] - this.#start[i];
    this.#payload[i] = undefined;
    this.#head = (i + 1) & (this.#cap - 1);
    this.length--;
  }
  /** Drops everything; returns how many messages were dropped. */
  clear(): number {
    const n = this.length;
    while (this.length > 0) this.shift();
    return n;
  }
  /** Drops the oldest messages queued before `time`; returns how many were dropped. */
  dropQueuedBefore(time: number): number {
    let n = 0;
    while (this.length > 0 && this.#time[this.#head] < time) {
      this.shift();
      n++;
    }
    return n;
  }
  /** Kind of the k-th queued message (0 = oldest). */
  kind(k: number): number {
    return this.#kind[this.#at(k)];
  }
  /** Wire channel of the k-th message. */
  channel(k: number): number {
    return this.#ch[this.#at(k)];
  }
  /** Sequence or group of the k-th message. */
  seq(k: number): number {
    return this.#seq[this.#at(k)];
  }
  /** Fragment index of the k-th message. */
  index(k: number): number {
    return this.#index[this.#at(k)];
  }
  /** Fragment count of the k-th message. */
  count(k: number): number {
    return this.#count[this.#at(k)];
  }
  /** Whether the k-th message has a peer field. */
  hasPeer(k: number): boolean {
    return this.#hasPeer[this.#at(k)] === 1;
  }
  /** Peer field of the k-th message. */
  peer(k: number): number {
    return this.#peer[this.#at(k)];
  }
  /** Payload buffer of the k-th message. */
  payload(k: number): Uint8Array {
    return this.#payload[this.#at(k)]!;
  }
  /** Payload start of the k-th message. */
  start(k: number): number {
    return this.#start[this.#at(k)];
  }
  /** Payload end of the k-th message. */
  end(k: number): number {
    return this.#end[this.#at(k)];
  }
  #at(k: number): number {
    return (this.#head + k) & (this.#cap - 1);
  }
  #grow(): void {
    const cap = Math.max(16, this.#cap * 2);
    const kind = new Uint8Array(cap), ch = new Uint16Array(cap), seq = new Uint16Array(cap);
    const index = new Uint16Array(cap), count = new Uint16Array(cap), hp = new Uint8Array(cap);
    const peer = new Int32Array(cap), start = new Int32Array(cap), end = new Int32Array(cap);
    const time = new Float64Array(cap);
    const payload: (Uint8Array | undefined)[] = new Array(cap).fill(undefined);
    for (let k = 0; k < this.length; k++) {
      const i = this.#at(k);
      kind[k] = this.#kind[i];
      ch[k] = this.#ch[i];
      seq[k] = this.#seq[i];
      index[k] = this.#index[i];
      count[k] = this.#count[i];
      hp[k] = this.#hasPeer[i];
      peer[k] = this.#peer[i];
      start[k] = this.#start[i];
      end[k] = this.#end[i];
      time[k] = this.#time[i];
      payload[k] = this.#payload[i];
    }
    this.#cap = cap;
    this.#head = 0;
    this.#kind = kind;
    this.#ch = ch;
    this.#seq = seq;
    this.#index = index;
    this.#count = count;
    this.#hasPeer = hp;
    this.#peer = peer;
    this.#start = start;
    this.#end = end;
    this.#time = time;
    this.#payload = payload;
  }
}
