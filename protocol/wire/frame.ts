/**
 * DATA datagram framing (packet type 0): header with packet sequence and acks, followed by
 * messages. The full layout is specified in `protocol/README.md`.
 *
 * @module
 */
import { binHeaderSize, intSize, MsgpackReader, type MsgpackWriter } from "./msgpack.ts";
import { PROTOCOL_VERSION } from "../constants.ts";

/** Element 0 of every datagram: magic 0xD7, then the protocol version. */
export const FRAME_MAGIC: number = (0xd7 << 8) | PROTOCOL_VERSION;
/** Packet type of DATA datagrams (types 1..6 belong to the handshake). */
export const PACKET_TYPE_DATA = 0;
/** Number of header elements of a DATA datagram before the messages. */
export const DATA_HEADER_FIELDS = 8;
/** Largest encoded DATA header (array16 + magic + type + session + seq + ack + 2 bitfields + delay). */
export const MAX_DATA_HEADER_BYTES: number = 3 + 3 + 1 + 5 + 3 + 3 + 5 + 5 + 5;
/** Largest encoded per-message overhead (fixarray, tag, seq, index, count, peer, bin32 header). */
export const MAX_MESSAGE_OVERHEAD: number = 1 + 3 + 3 + 3 + 3 + 5 + 5;
/** Most fragments of one message (the index and count travel as 16-bit values). */
export const MAX_FRAGMENTS = 0xffff;

/**
 * Largest message a connection with `datagramSize` can send: {@link MAX_FRAGMENTS} full
 * fragments.
 *
 * @example
 * ```ts
 * import { maxFragmentedMessage } from "./frame.ts";
 * console.log(maxFragmentedMessage(1200) > 64 * 1024 * 1024); // true
 * ```
 */
export function maxFragmentedMessage(datagramSize: number): number {
  return MAX_FRAGMENTS * (datagramSize - MAX_DATA_HEADER_BYTES - MAX_MESSAGE_OVERHEAD);
}

/** Largest number of messages in one datagram (the array16 count). */
export const MAX_MESSAGES_PER_DATAGRAM: number = 0xffff - DATA_HEADER_FIELDS;
/** Largest wire channel (tag = kind | hasPeer << 3 | channel << 4 fits in uint16). */
export const MAX_WIRE_CHANNEL = 255;

/** Message kinds (low 3 bits of the tag). */
export const MessageKind = {
  UNRELIABLE: 0,
  UNRELIABLE_ORDERED: 1,
  RELIABLE: 2,
  RELIABLE_FRAGMENT: 3,
  UNRELIABLE_FRAGMENT: 4,
  UNRELIABLE_ORDERED_FRAGMENT: 5,
  PING: 6,
  /**
   * A run of whole messages of one kind (UNRELIABLE, UNRELIABLE_ORDERED or RELIABLE) on one
   * channel with one peer field and consecutive sequences: `[tag, base, (first), (peer), bin...]`.
   * {@link FrameCursor} hands its messages out one by one as messages of the base kind.
   */
  RUN: 7,
} as const;
/** One of {@link MessageKind}'s values. */
export type MessageKind = typeof MessageKind[keyof typeof MessageKind];

// array arity per kind without the peer field; runs have their own rule
const ARITY = [2, 3, 3, 5, 5, 5, 1, -1];

/**
 * Writes the DATA header into `w` from offset 0; the array count is patched by
 * {@link finishData}.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * import { beginData, finishData } from "./frame.ts";
 * const w = new MsgpackWriter(1200);
 * beginData(w, 0x1234, 1, 0, 0, 0, 0);
 * finishData(w, 0);
 * console.log(w.pos); // 15
 * ```
 */
export function beginData(
  w: MsgpackWriter,
  session: number,
  seq16: number,
  ack16: number,
  ackBitsLo: number,
  ackBitsHi: number,
  ackDelay: number,
): void {
  w.pos = 3;
  w.int(FRAME_MAGIC);
  w.int(PACKET_TYPE_DATA);
  w.int(session);
  w.int(seq16);
  w.int(ack16);
  w.int(ackBitsLo);
  w.int(ackBitsHi);
  w.int(ackDelay);
}

/**
 * Patches the datagram's array header for `messageCount` messages.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * import { beginData, finishData } from "./frame.ts";
 * const w = new MsgpackWriter(64);
 * beginData(w, 1, 1, 0, 0, 0, 0);
 * finishData(w, 0);
 * console.log(w.buf[0] === 0xdc); // true
 * ```
 */
export function finishData(w: MsgpackWriter, messageCount: number): void {
  w.array16At(0, DATA_HEADER_FIELDS + messageCount);
}

// one place for the tag layout (messageSize and writeMessage must agree)
function messageTag(kind: number, hasPeer: boolean, wireChannel: number): number {
  return kind | (hasPeer ? 8 : 0) | (wireChannel << 4);
}

/**
 * Exact encoded size of a message (see {@link writeMessage} for the arguments).
 *
 * @example
 * ```ts
 * import { MessageKind, messageSize } from "./frame.ts";
 * console.log(messageSize(MessageKind.RELIABLE, 1, 5, 0, 0, false, 0, 32)); // 37
 * ```
 */
export function messageSize(
  kind: number,
  wireChannel: number,
  seq: number,
  index: number,
  count: number,
  hasPeer: boolean,
  peer: number,
  payloadLength: number,
): number {
  let n = 1 + intSize(messageTag(kind, hasPeer, wireChannel));
  if (kind === MessageKind.PING) return n;
  if (kind !== MessageKind.UNRELIABLE) n += intSize(seq);
  if (kind >= MessageKind.RELIABLE_FRAGMENT) n += intSize(index) + intSize(count);
  if (hasPeer) n += intSize(peer);
  return n + binHeaderSize(payloadLength) + payloadLength;
}

/**
 * Appends one message. `seq` is the 16-bit sequence (or fragment group) for kinds that carry
 * one; `index`/`count` only for fragments; `peer` only when `hasPeer`.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * import { MessageKind, writeMessage } from "./frame.ts";
 * const w = new MsgpackWriter(64);
 * writeMessage(w, MessageKind.RELIABLE, 1, 5, 0, 0, false, 0, new Uint8Array(3), 0, 3);
 * console.log(w.pos); // 8
 * ```
 */
export function writeMessage(
  w: MsgpackWriter,
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
): void {
  const arity = ARITY[kind] + (hasPeer ? 1 : 0);
  w.arrayHeader(arity);
  w.int(messageTag(kind, hasPeer, wireChannel));
  if (kind === MessageKind.PING) return;
  if (kind !== MessageKind.UNRELIABLE) w.int(seq);
  if (kind >= MessageKind.RELIABLE_FRAGMENT) {
    w.int(index);
    w.int(count);
  }
  if (hasPeer) w.int(peer);
  w.bin(payload, start, end);
}

/**
 * Encoded size of a run's header for messages of kind `base` (UNRELIABLE, UNRELIABLE_ORDERED or
 * RELIABLE) starting at sequence `first`; each message then adds {@link runItemSize}.
 *
 * @example
 * ```ts
 * import { MessageKind, runHeaderSize, runItemSize } from "./frame.ts";
 * // 34 messages of 32 bytes: one header, then 34 bytes per message
 * console.log(runHeaderSize(MessageKind.RELIABLE, 1, 300, false, 0) + 34 * runItemSize(32)); // 1164
 * ```
 */
export function runHeaderSize(
  base: number,
  wireChannel: number,
  first: number,
  hasPeer: boolean,
  peer: number,
): number {
  let n = 3 + intSize(messageTag(MessageKind.RUN, hasPeer, wireChannel)) + 1;
  if (base !== MessageKind.UNRELIABLE) n += intSize(first);
  if (hasPeer) n += intSize(peer);
  return n;
}

/**
 * Bytes one message of `payloadLength` adds to a run.
 *
 * @example
 * ```ts
 * import { runItemSize } from "./frame.ts";
 * console.log(runItemSize(32)); // 34
 * ```
 */
export function runItemSize(payloadLength: number): number {
  return binHeaderSize(payloadLength) + payloadLength;
}

/**
 * Starts a run (see {@link MessageKind.RUN}); append its payloads with `w.bin`, then call
 * {@link endRun} with the returned offset and the number of payloads written (at least one).
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * import { beginData, beginRun, endRun, finishData, MessageKind } from "./frame.ts";
 * const w = new MsgpackWriter(1200);
 * beginData(w, 9, 1, 0, 0, 0, 0);
 * const at = beginRun(w, MessageKind.RELIABLE, 1, 7, false, 0);
 * for (let i = 0; i < 3; i++) w.bin(new Uint8Array([i]), 0, 1);
 * endRun(w, at, MessageKind.RELIABLE, false, 3);
 * finishData(w, 1); // a run is one element of the datagram
 * ```
 */
export function beginRun(
  w: MsgpackWriter,
  base: number,
  wireChannel: number,
  first: number,
  hasPeer: boolean,
  peer: number,
): number {
  const at = w.pos;
  w.pos += 3; // array16 header, patched by endRun
  w.int(messageTag(MessageKind.RUN, hasPeer, wireChannel));
  w.int(base);
  if (base !== MessageKind.UNRELIABLE) w.int(first);
  if (hasPeer) w.int(peer);
  return at;
}

/**
 * Finishes the run begun at `at` with `count` payloads.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * import { beginRun, endRun, MessageKind } from "./frame.ts";
 * const w = new MsgpackWriter(64);
 * const at = beginRun(w, MessageKind.UNRELIABLE, 2, 0, false, 0);
 * w.bin(new Uint8Array(4), 0, 4);
 * endRun(w, at, MessageKind.UNRELIABLE, false, 1);
 * console.log([...w.buf.subarray(0, 4)]); // [ 220, 0, 3, 39 ]
 * ```
 */
export function endRun(
  w: MsgpackWriter,
  at: number,
  base: number,
  hasPeer: boolean,
  count: number,
): void {
  w.array16At(at, runFields(base, hasPeer) + count);
}

// elements of a run before its payloads
function runFields(base: number, hasPeer: boolean): number {
  return 2 + (base !== MessageKind.UNRELIABLE ? 1 : 0) + (hasPeer ? 1 : 0);
}

/**
 * Packet type of a datagram (element 1) after checking the magic, or -1 when it is not one of
 * ours. Cheap enough for routing in the host.
 *
 * @example
 * ```ts
 * import { peekPacketType } from "./frame.ts";
 * console.log(peekPacketType(new Uint8Array([0x92, 0xcd, 0xd7, 0x02, 0x00]))); // 0
 * ```
 */
export function peekPacketType(bytes: Uint8Array): number {
  const r = peekReader;
  r.reset(bytes, 0, bytes.length);
  const n = r.arrayHeader();
  const magic = r.int();
  const type = r.int();
  if (!r.ok || n < 2 || magic !== FRAME_MAGIC || type < 0 || type > 127) return -1;
  return type;
}
const peekReader = new MsgpackReader();

/**
 * Session id of a DATA datagram (element 2), or -1 when the prefix is invalid.
 *
 * @example
 * ```ts
 * import { peekSessionId } from "./frame.ts";
 * console.log(peekSessionId(new Uint8Array([0x93, 0xcd, 0xd7, 0x02, 0x00, 0x07]))); // 7
 * ```
 */
export function peekSessionId(bytes: Uint8Array): number {
  const r = peekReader;
  r.reset(bytes, 0, bytes.length);
  const n = r.arrayHeader();
  const magic = r.int();
  const type = r.int();
  const session = r.int();
  if (!r.ok || n < 3 || magic !== FRAME_MAGIC || type !== PACKET_TYPE_DATA) return -1;
  return session >= 0 && session <= 0xffffffff ? session : -1;
}

/**
 * Zero-allocation decoder of one DATA datagram: {@link FrameCursor.begin} parses the header,
 * then each {@link FrameCursor.next} parses one message into the cursor's fields.
 * Never throws; any structural problem makes `begin` or `next` return false/-1.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * import { beginData, FrameCursor, finishData, MessageKind, writeMessage } from "./frame.ts";
 * const w = new MsgpackWriter(1200);
 * beginData(w, 9, 1, 0, 0, 0, 0);
 * writeMessage(w, MessageKind.UNRELIABLE, 1, 0, 0, 0, true, -3, new Uint8Array([7]), 0, 1);
 * finishData(w, 1);
 * const c = new FrameCursor();
 * if (c.begin(w.buf, 0, w.pos)) {
 *   while (c.next() >= 0) console.log(c.kind, c.channel, c.peer, c.payloadEnd - c.payloadStart);
 * }
 * ```
 */
export class FrameCursor {
  /** Session id from the header. */
  session = 0;
  /** 16-bit packet sequence. */
  seq = 0;
  /** 16-bit newest acked packet sequence. */
  ack = 0;
  /** Ack bits for ack-1..ack-32. */
  ackBitsLo = 0;
  /** Ack bits for ack-33..ack-64. */
  ackBitsHi = 0;
  /** Ack delay in 1/8 ms. */
  ackDelay = 0;
  /** Number of messages in the datagram. */
  messageCount = 0;
  /** Current message's kind. */
  kind = 0;
  /** Current message's wire channel. */
  channel = 0;
  /** Current message's 16-bit sequence or fragment group. */
  msgSeq = 0;
  /** Current fragment's index. */
  index = 0;
  /** Current fragment's count. */
  count = 0;
  /** Whether the current message has a peer field. */
  hasPeer = false;
  /** Current message's peer field (0 when absent). */
  peer = 0;
  /** Payload start offset in the datagram. */
  payloadStart = 0;
  /** Payload end offset. */
  payloadEnd = 0;
  /** Messages parsed so far. */
  parsed = 0;
  readonly #r = new MsgpackReader();
  #start = 0;
  #buf: Uint8Array = new Uint8Array(0);
  #end = 0;
  #runLeft = 0; // payloads of the current run still to hand out

  /** Parses the header of `buf[start..end)`; false when it is not a valid DATA header. */
  begin(buf: Uint8Array, start: number, end: number): boolean {
    const r = this.#r;
    r.reset(buf, start, end);
    const n = r.arrayHeader();
    const magic = r.int(), type = r.int();
    this.session = r.int();
    this.seq = r.int();
    this.ack = r.int();
    this.ackBitsLo = r.int();
    this.ackBitsHi = r.int();
    this.ackDelay = r.int();
    if (
      !r.ok || n < DATA_HEADER_FIELDS || magic !== FRAME_MAGIC || type !== PACKET_TYPE_DATA ||
      !(this.session >= 0 && this.session <= 0xffffffff) ||
      !(this.seq >= 0 && this.seq <= 0xffff) ||
      !(this.ack >= 0 && this.ack <= 0xffff) ||
      !(this.ackBitsLo >= 0 && this.ackBitsLo <= 0xffffffff) ||
      !(this.ackBitsHi >= 0 && this.ackBitsHi <= 0xffffffff) ||
      !(this.ackDelay >= 0 && this.ackDelay <= 0xffffffff)
    ) return false;
    this.messageCount = n - DATA_HEADER_FIELDS;
    this.parsed = 0;
    this.#runLeft = 0;
    this.#buf = buf;
    this.#start = r.pos;
    this.#end = end;
    return true;
  }
  /** Re-reads the messages from the first one (for a second pass after validation). */
  rewind(): void {
    this.#r.reset(this.#buf, this.#start, this.#end);
    this.parsed = 0;
    this.#runLeft = 0;
  }
  /**
   * Parses the next message: returns its kind, -2 when all were read and nothing trails, -1 when
   * invalid (after which the cursor stays invalid). The messages of a run come out one by one as
   * messages of the run's base kind (channel, peer field and consecutive sequences filled in);
   * `parsed` and `messageCount` count datagram elements (a run is one).
   */
  next(): number {
    const r = this.#r;
    if (!r.ok) return -1;
    if (this.#runLeft > 0) {
      if (!r.bin()) return -1;
      this.#runLeft--;
      this.msgSeq = (this.msgSeq + 1) & 0xffff;
      this.payloadStart = r.binStart;
      this.payloadEnd = r.binEnd;
      return this.kind;
    }
    if (this.parsed === this.messageCount) return r.pos === r.end ? -2 : -1;
    const n = r.arrayHeader();
    const tag = r.int();
    if (!r.ok || tag < 0 || tag > 0xfff) return this.#fail();
    const kind = tag & 7, hasPeer = (tag & 8) !== 0;
    if (kind === MessageKind.RUN) return this.#beginRun(n, tag, hasPeer);
    if (ARITY[kind] < 0 || n !== ARITY[kind] + (hasPeer ? 1 : 0)) return this.#fail();
    this.kind = kind;
    this.channel = tag >>> 4;
    this.hasPeer = hasPeer;
    this.peer = 0;
    this.index = 0;
    this.count = 0;
    this.parsed++;
    if (kind === MessageKind.PING) return hasPeer ? this.#fail() : kind;
    if (kind !== MessageKind.UNRELIABLE) {
      const s = r.int();
      if (s < 0 || s > 0xffff) return this.#fail();
      this.msgSeq = s;
    }
    if (kind >= MessageKind.RELIABLE_FRAGMENT) {
      const i = r.int(), c = r.int();
      if (c < 1 || c > 0xffff || i < 0 || i >= c) return this.#fail();
      this.index = i;
      this.count = c;
    }
    if (hasPeer) {
      const p = r.int();
      if (p < -0x7fffffff || p > 0x7fffffff) return this.#fail();
      this.peer = p;
    }
    if (!r.bin()) return -1;
    this.payloadStart = r.binStart;
    this.payloadEnd = r.binEnd;
    return r.ok ? kind : -1;
  }
  // a run's header, then its first payload
  #beginRun(n: number, tag: number, hasPeer: boolean): number {
    const r = this.#r, base = r.int();
    if (
      !r.ok || (base !== MessageKind.UNRELIABLE && base !== MessageKind.UNRELIABLE_ORDERED &&
        base !== MessageKind.RELIABLE)
    ) return this.#fail();
    const fields = runFields(base, hasPeer);
    if (n <= fields) return this.#fail(); // a run carries at least one message
    let first = 0;
    if (base !== MessageKind.UNRELIABLE) {
      first = r.int();
      if (first < 0 || first > 0xffff) return this.#fail();
    }
    let peer = 0;
    if (hasPeer) {
      peer = r.int();
      if (peer < -0x7fffffff || peer > 0x7fffffff) return this.#fail();
    }
    if (!r.ok || !r.bin()) return this.#fail();
    this.kind = base;
    this.channel = tag >>> 4;
    this.hasPeer = hasPeer;
    this.peer = peer;
    this.msgSeq = first;
    this.index = 0;
    this.count = 0;
    this.parsed++;
    this.#runLeft = n - fields - 1;
    this.payloadStart = r.binStart;
    this.payloadEnd = r.binEnd;
    return base;
  }
  #fail(): number {
    this.#r.ok = false;
    return -1;
  }
}
