/**
 * Unreliable delivery: the per-channel sequence filter for UNRELIABLE_ORDERED (drop anything
 * not newer than the last delivered) and the bounded FIFO of unreliable messages waiting for a
 * datagram.
 *
 * @module
 */
import { binHeaderSize, type MsgpackWriter } from "../wire/msgpack.ts";
import { extendSeq } from "../wire/sequence.ts";

// shared zero-length arrays: replaced (never written) on first growth
const INITIAL_SLOTS = 2; // a game stream queues one or two messages at a time
const FIELDS = 8, TAG = 0, SEQ = 1, INDEX = 2, COUNT = 3, PEER = 4, START = 5, END = 6, TIME = 7;

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
  // per message, FIELDS numbers: kind | hasPeer << 3 | channel << 4, seq, index, count, peer,
  // start, end, enqueue time (for shedding stale messages). One plain array instead of ten typed
  // ones: each typed array costs ~200 B of objects besides its slots.
  #meta: number[] = [];
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
    const i = (this.#head + this.length) & (this.#cap - 1), k = i * FIELDS, m = this.#meta;
    m[k + TAG] = kind | (hasPeer ? 8 : 0) | (wireChannel << 4);
    m[k + SEQ] = seq;
    m[k + INDEX] = index;
    m[k + COUNT] = count;
    m[k + PEER] = peer;
    m[k + START] = start;
    m[k + END] = end;
    m[k + TIME] = time;
    this.#payload[i] = payload;
    this.length++;
    this.bytes += end - start;
  }
  /** Removes the oldest message. */
  shift(): void {
    const i = this.#head, k = i * FIELDS;
    this.bytes -= this.#meta[k + END] - this.#meta[k + START];
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
    while (this.length > 0 && this.#meta[this.#head * FIELDS + TIME] < time) {
      this.shift();
      n++;
    }
    return n;
  }
  /** Kind of the k-th queued message (0 = oldest). */
  kind(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + TAG] & 7;
  }
  /** Wire channel of the k-th message. */
  channel(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + TAG] >>> 4;
  }
  /** Sequence or group of the k-th message. */
  seq(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + SEQ];
  }
  /** Fragment index of the k-th message. */
  index(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + INDEX];
  }
  /** Fragment count of the k-th message. */
  count(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + COUNT];
  }
  /** Whether the k-th message has a peer field. */
  hasPeer(k: number): boolean {
    return (this.#meta[this.#at(k) * FIELDS + TAG] & 8) !== 0;
  }
  /** Peer field of the k-th message. */
  peer(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + PEER];
  }
  /**
   * True when the k-th message can share a run with the ones before it: a whole message of
   * `kind` on `wireChannel` with the same peer field and (UNRELIABLE_ORDERED) sequence `seq`.
   */
  follows(
    k: number,
    kind: number,
    wireChannel: number,
    seq: number,
    hasPeer: boolean,
    peer: number,
  ): boolean {
    const j = this.#at(k) * FIELDS, m = this.#meta;
    return m[j + TAG] === (kind | (hasPeer ? 8 : 0) | (wireChannel << 4)) && m[j + PEER] === peer &&
      (kind === 0 || m[j + SEQ] === (seq & 0xffff));
  }
  /**
   * Writes queued messages from the oldest on as run payloads into `w` while each fits below
   * `end` and {@link UnreliableQueue.follows} the run (`kind`, `wireChannel`, sequences from
   * `firstSeq`, the peer field); removes them and returns how many. One loop over the slots
   * instead of a check, a size and a shift per message.
   */
  writeRun(
    w: MsgpackWriter,
    end: number,
    kind: number,
    wireChannel: number,
    firstSeq: number,
    hasPeer: boolean,
    peer: number,
  ): number {
    const m = this.#meta, payloads = this.#payload, mask = this.#cap - 1;
    const tag = kind | (hasPeer ? 8 : 0) | (wireChannel << 4);
    let n = 0;
    while (this.length > 0) {
      const i = this.#head, k = i * FIELDS;
      if (m[k + TAG] !== tag || m[k + PEER] !== peer) break;
      if (kind !== 0 && m[k + SEQ] !== ((firstSeq + n) & 0xffff)) break;
      const a = m[k + START], b = m[k + END], len = b - a;
      if (w.pos + binHeaderSize(len) + len > end) break;
      w.bin(payloads[i]!, a, b);
      payloads[i] = undefined;
      this.bytes -= len;
      this.#head = (i + 1) & mask;
      this.length--;
      n++;
    }
    return n;
  }
  /** Payload buffer of the k-th message. */
  payload(k: number): Uint8Array {
    return this.#payload[this.#at(k)]!;
  }
  /** Payload start of the k-th message. */
  start(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + START];
  }
  /** Payload end of the k-th message. */
  end(k: number): number {
    return this.#meta[this.#at(k) * FIELDS + END];
  }
  #at(k: number): number {
    return (this.#head + k) & (this.#cap - 1);
  }
  #grow(): void {
    const cap = Math.max(INITIAL_SLOTS, this.#cap * 2);
    const meta = new Array<number>(cap * FIELDS).fill(0);
    const payload: (Uint8Array | undefined)[] = new Array(cap).fill(undefined);
    for (let k = 0; k < this.length; k++) {
      const i = this.#at(k);
      for (let f = 0; f < FIELDS; f++) meta[k * FIELDS + f] = this.#meta[i * FIELDS + f];
      payload[k] = this.#payload[i];
    }
    this.#cap = cap;
    this.#head = 0;
    this.#meta = meta;
    this.#payload = payload;
  }
}
