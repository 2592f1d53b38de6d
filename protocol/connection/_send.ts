/**
 * Send side of a connection: validates and queues outgoing messages (reliable ones per channel,
 * unreliable ones in one FIFO, all in typed-array rings: no object per message; fragments are
 * `[start, end)` ranges of the caller's payload, not copies or views) and packs them into the
 * datagram being built. Pure.
 *
 * @module
 */
import { type TransferMode, TransferMode as Mode } from "../constants.ts";
import { MultiplayerError } from "../errors.ts";
import { MessageKind as K } from "../wire/frame.ts";
import { fragmentCount } from "./fragmenter.ts";
import { MsgpackWriter } from "../wire/msgpack.ts";
import { packMixed, type PackResult } from "./_packer.ts";
import { ReliableSender } from "./_reliable_channel.ts";
import type { SentPackets } from "./_sent_packets.ts";
import { SequencedChannel, UnreliableQueue } from "./_sequenced_channel.ts";
import type { ConnectionStats } from "./stats.ts";

/** Limits of an {@link Outbox}. */
export interface OutboxConfig {
  /** Wire channels (0 = system). */
  readonly wireChannelCount: number;
  /** Largest payload sent as one message; larger ones are fragmented. */
  readonly fragmentSize: number;
  /** Largest message accepted. */
  readonly maxMessageSize: number;
  /** Upper bound of queued bytes (reliable backlog + pending unreliable). */
  readonly maxSendQueueBytes: number;
}

// one datagram-sized scratch writer per size, shared by every connection: protocol code is
// single-threaded and pollTransmit copies each datagram out before returning
const scratch = new Map<number, MsgpackWriter>();

/**
 * A writer of exactly `size` bytes shared by all callers (contents are only valid until the next
 * use by anyone: copy out before returning to the caller's caller).
 *
 * @example
 * ```ts
 * import { scratchWriter } from "./_send.ts";
 * console.log(scratchWriter(1200) === scratchWriter(1200), scratchWriter(1200).buf.length); // true 1200
 * ```
 */
export function scratchWriter(size: number): MsgpackWriter {
  let w = scratch.get(size);
  if (w === undefined) {
    if (scratch.size >= 16) scratch.clear(); // bounded: sizes come from a few host configs
    w = new MsgpackWriter(size);
    scratch.set(size, w);
  }
  return w;
}

/**
 * Outgoing queues of one connection. Channel senders and sequence counters are created on first
 * use, so idle channels cost one array slot.
 *
 * @example
 * ```ts
 * import { Outbox } from "./_send.ts";
 * import { TransferMode } from "../constants.ts";
 * import { ConnectionStats } from "./stats.ts";
 * const o = new Outbox(
 *   { wireChannelCount: 2, fragmentSize: 1000, maxMessageSize: 1 << 20, maxSendQueueBytes: 1 << 20 },
 *   [undefined, undefined],
 *   new ConnectionStats(),
 * );
 * o.send(1, TransferMode.RELIABLE, new Uint8Array(2500), undefined, 0);
 * console.log(o.queuedBytes, o.hasData()); // 2500 true
 * ```
 */
export class Outbox {
  /** Unreliable messages waiting for a datagram (FIFO, all channels). */
  readonly unreliable: UnreliableQueue = new UnreliableQueue();
  readonly #senders: (ReliableSender | undefined)[];
  readonly #seqd: (SequencedChannel | undefined)[];
  readonly #stats: ConnectionStats;
  readonly #fs: number;
  readonly #maxMessage: number;
  readonly #maxQueue: number;
  #group = 0;
  #rr = 0;
  #reliableFirst = false; // fairness: the last datagram's unreliable part passed its share

  /** `seqd` (one slot per wire channel, filled on demand) is shared with the receive side. */
  constructor(
    config: OutboxConfig,
    seqd: (SequencedChannel | undefined)[],
    stats: ConnectionStats,
  ) {
    this.#senders = new Array(config.wireChannelCount).fill(undefined);
    this.#seqd = seqd;
    this.#stats = stats;
    this.#fs = config.fragmentSize;
    this.#maxMessage = config.maxMessageSize;
    this.#maxQueue = config.maxSendQueueBytes;
  }

  /** Bytes waiting to be sent or acknowledged. */
  get queuedBytes(): number {
    let n = this.unreliable.bytes;
    const s = this.#senders;
    for (let i = 0; i < s.length; i++) if (s[i] !== undefined) n += s[i]!.queuedBytes;
    return n;
  }

  /** True when a reliable message could be sent now. */
  hasReliable(): boolean {
    const s = this.#senders;
    for (let i = 0; i < s.length; i++) if (s[i] !== undefined && s[i]!.peek() >= 0) return true;
    return false;
  }

  /** True when anything could be packed now. */
  hasData(): boolean {
    return this.unreliable.length > 0 || this.hasReliable();
  }

  /** Drops unreliable messages queued before `time`; returns how many (counted in stats). */
  dropStale(time: number): number {
    const n = this.unreliable.dropQueuedBefore(time);
    this.#stats.unreliableDropped += n;
    return n;
  }

  /**
   * Queues one message; ownership of `payload` passes to the connection (not copied). Throws
   * MultiplayerError INVALID_CHANNEL / INVALID_ARGUMENT / PACKET_TOO_LARGE / QUEUE_FULL.
   */
  send(
    wireChannel: number,
    mode: TransferMode,
    payload: Uint8Array,
    peer: number | undefined,
    now: number,
  ): void {
    const n = this.#senders.length;
    if (!Number.isInteger(wireChannel) || wireChannel < 0 || wireChannel >= n) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `wire channel ${wireChannel} is outside [0, ${n - 1}]`,
      );
    }
    if (mode !== Mode.RELIABLE && mode !== Mode.UNRELIABLE && mode !== Mode.UNRELIABLE_ORDERED) {
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown transfer mode ${mode}`);
    }
    if (!(payload instanceof Uint8Array)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "payload must be a Uint8Array");
    }
    const len = payload.length;
    if (len > this.#maxMessage) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `message of ${len} bytes exceeds maxMessageSize (${this.#maxMessage} bytes)`,
      );
    }
    const hasPeer = peer !== undefined;
    if (hasPeer && !(Number.isInteger(peer) && peer >= -0x7fffffff && peer <= 0x7fffffff)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `peer field ${peer} is not an int32`);
    }
    const p = hasPeer ? peer : 0;
    const queued = this.queuedBytes;
    if (queued + len > this.#maxQueue) {
      if (mode === Mode.RELIABLE) {
        throw new MultiplayerError(
          "QUEUE_FULL",
          `send queue holds ${queued} bytes; adding ${len} would exceed ` +
            `maxSendQueueBytes (${this.#maxQueue})`,
        );
      }
      this.#stats.unreliableDropped++;
      return;
    }
    const fs = this.#fs;
    const count = len <= fs ? 0 : fragmentCount(len, fs);
    if (count > 0xffff) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `message of ${len} bytes needs ${count} fragments (limit 65535)`,
      );
    }
    if (mode === Mode.RELIABLE) {
      const s = this.#senders[wireChannel] ??= new ReliableSender();
      if (count === 0) s.enqueue(payload, 0, len, hasPeer, p, 0, 0);
      else {
        for (let i = 0, a = 0; i < count; i++, a += fs) {
          s.enqueue(payload, a, Math.min(len, a + fs), hasPeer, p, i, count);
        }
      }
      return;
    }
    const q = this.unreliable, ordered = mode === Mode.UNRELIABLE_ORDERED;
    const seq = ordered ? (this.#seqd[wireChannel] ??= new SequencedChannel()).takeSendSeq() : 0;
    if (count === 0) {
      q.push(
        ordered ? K.UNRELIABLE_ORDERED : K.UNRELIABLE,
        wireChannel,
        seq,
        0,
        0,
        hasPeer,
        p,
        payload,
        0,
        len,
        now,
      );
      return;
    }
    const kind = ordered ? K.UNRELIABLE_ORDERED_FRAGMENT : K.UNRELIABLE_FRAGMENT;
    const group = ordered ? seq : this.#group;
    if (!ordered) this.#group = (this.#group + 1) & 0xffff;
    for (let i = 0, a = 0; i < count; i++, a += fs) {
      q.push(
        kind,
        wireChannel,
        group,
        i,
        count,
        hasPeer,
        p,
        payload,
        a,
        Math.min(len, a + fs),
        now,
      );
    }
  }

  /**
   * Packs queued messages into `w` (fair mix of reliable and unreliable, channels round-robin);
   * with `sent`, reliable messages are referenced by the packet being built. Counts into `out`.
   */
  pack(w: MsgpackWriter, sent: SentPackets | undefined, out: PackResult): void {
    const n = this.#senders.length;
    this.#reliableFirst = packMixed(
      w,
      this.#senders,
      this.#rr,
      sent,
      this.unreliable,
      out,
      this.#reliableFirst,
    );
    this.#rr = this.#rr + 1 === n ? 0 : this.#rr + 1;
    this.#stats.retransmits += out.retransmitted;
  }

  /** @internal SentPacketListener relay: the packet of reliable messages was acked or lost. */
  onMessageRefs(wireChannel: number, firstSeq: number, count: number, acked: boolean): void {
    const s = this.#senders[wireChannel];
    if (s === undefined) return;
    if (acked) s.onAckedRange(firstSeq, count);
    else for (let k = 0; k < count; k++) s.onLost(firstSeq + k);
  }
}
