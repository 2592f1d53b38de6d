/**
 * Receive side of a connection: dispatches the messages of one validated DATA datagram to the
 * reliable receivers, the sequenced filters and the unreliable reassembler, and hands complete
 * messages to the host's sink. Pure.
 *
 * @module
 */
import { TransferMode as Mode } from "../constants.ts";
import type { MessageSink } from "./types.ts";
import { type FrameCursor, MessageKind as K } from "../wire/frame.ts";
import { type ReassemblyBudget, UnreliableReassembler } from "./fragmenter.ts";
import { takePayload } from "./_payload_slab.ts";
import { ReceiveResult, type ReliableDelivery, ReliableReceiver } from "./_reliable_channel.ts";
import { SequencedChannel } from "./_sequenced_channel.ts";
import type { ConnectionStats } from "./stats.ts";

/** Limits of an {@link InboundDispatcher}. */
export interface InboundConfig {
  /** Wire channels (0 = system). */
  readonly wireChannelCount: number;
  /** Largest reassembled message. */
  readonly maxMessageSize: number;
  /** Reliable carrier: keep refused reliable messages and retry (nothing is retransmitted). */
  readonly reliableCarrier: boolean;
  /** Incomplete unreliable fragment groups are dropped after this many ms. */
  readonly fragmentExpiryMs: number;
}

/**
 * Per-message receive dispatch of one connection.
 *
 * @example
 * ```ts
 * import { InboundDispatcher } from "./_receive.ts";
 * import { ReassemblyBudget } from "./fragmenter.ts";
 * import { ConnectionStats } from "./stats.ts";
 * const d = new InboundDispatcher(
 *   { wireChannelCount: 2, maxMessageSize: 1 << 16, reliableCarrier: false, fragmentExpiryMs: 1000 },
 *   [undefined, undefined],
 *   new ReassemblyBudget(1 << 20),
 *   new ConnectionStats(),
 * );
 * console.log(d.blocked, d.nextExpiry); // false Infinity
 * ```
 */
export class InboundDispatcher implements ReliableDelivery {
  /** Where complete inbound messages go. */
  sink: MessageSink = () => true;
  /** Whether the last {@link InboundDispatcher.dispatch} saw a reliable message. */
  sawReliable = false;
  /** Whether the last {@link InboundDispatcher.dispatch} saw a PING (the sender wants an ack). */
  sawPing = false;
  readonly #receivers: (ReliableReceiver | undefined)[];
  // a receiver can only become blocked inside a call into it: false once a scan found none, so
  // connections without reliable traffic (a crowd's) skip the scans per datagram and per timer
  #mayBlock = false;
  readonly #seqd: (SequencedChannel | undefined)[];
  readonly #storeRefused: boolean;
  readonly #stats: ConnectionStats;
  readonly #budget: ReassemblyBudget;
  readonly #maxMessageSize: number;
  readonly #fragmentExpiryMs: number;
  #reasm: UnreliableReassembler | undefined; // created on the first unreliable fragment

  /**
   * Reliable receivers are created per wire channel on first use; `seqd` (filled on demand) is
   * shared with the send side.
   */
  constructor(
    config: InboundConfig,
    seqd: (SequencedChannel | undefined)[],
    budget: ReassemblyBudget,
    stats: ConnectionStats,
  ) {
    this.#seqd = seqd;
    this.#stats = stats;
    this.#budget = budget;
    this.#maxMessageSize = config.maxMessageSize;
    this.#fragmentExpiryMs = config.fragmentExpiryMs;
    this.#storeRefused = config.reliableCarrier;
    this.#receivers = new Array(config.wireChannelCount).fill(undefined);
  }

  /** True when some channel holds a ready message the sink refused earlier. */
  get blocked(): boolean {
    if (!this.#mayBlock) return false;
    const r = this.#receivers;
    for (let i = 0; i < r.length; i++) if (r[i] !== undefined && r[i]!.blocked) return true;
    this.#mayBlock = false;
    return false;
  }
  /** When the oldest incomplete unreliable fragment group expires (Infinity if none). */
  get nextExpiry(): number {
    return this.#reasm === undefined ? Infinity : this.#reasm.nextExpiry;
  }
  /** Drops expired unreliable fragment groups. */
  expire(now: number): void {
    this.#reasm?.expire(now);
  }
  /** Retries deliveries the sink refused. */
  retryBlocked(): void {
    if (!this.#mayBlock) return;
    const r = this.#receivers;
    let still = false;
    for (let i = 0; i < r.length; i++) {
      const x = r[i];
      if (x === undefined || !x.blocked) continue;
      x.drain();
      if (x.blocked) still = true;
    }
    this.#mayBlock = still;
  }

  /**
   * Dispatches every message of the datagram under cursor `c` (already validated and rewound).
   * Returns false when a reliable message was refused: the packet must not be acknowledged.
   */
  dispatch(c: FrameCursor, bytes: Uint8Array, now: number): boolean {
    let ackable = true, k: number, reliable = false, ping = false;
    const sink = this.sink;
    while ((k = c.next()) >= 0) {
      const ch = c.channel, ps = c.payloadStart, pe = c.payloadEnd;
      switch (k) {
        case K.PING:
          ping = true;
          break;
        case K.UNRELIABLE:
          this.#counted(
            sink(ch, Mode.UNRELIABLE, c.hasPeer ? c.peer : undefined, takePayload(bytes, ps, pe)),
          );
          break;
        case K.UNRELIABLE_ORDERED:
          if (this.#seq(ch).accept(c.msgSeq)) {
            const p = c.hasPeer ? c.peer : undefined;
            this.#counted(sink(ch, Mode.UNRELIABLE_ORDERED, p, takePayload(bytes, ps, pe)));
          } else this.#stats.unreliableDropped++;
          break;
        case K.RELIABLE:
        case K.RELIABLE_FRAGMENT: {
          const fc = k === K.RELIABLE ? 0 : c.count, r = this.#receiver(ch);
          reliable = true;
          this.#mayBlock = true; // this call may leave it blocked: the next scan decides
          const res = r.receive(c.msgSeq, c.index, fc, c.hasPeer, c.peer, bytes, ps, pe);
          if (res === ReceiveResult.REFUSED) ackable = false;
          break;
        }
        case K.UNRELIABLE_FRAGMENT:
        case K.UNRELIABLE_ORDERED_FRAGMENT:
          this.#fragment(c, k === K.UNRELIABLE_ORDERED_FRAGMENT, bytes, now);
          break;
      }
    }
    this.sawReliable = reliable;
    this.sawPing = ping;
    return ackable;
  }

  /** @internal ReliableDelivery: hands a reliable message to the sink. */
  deliverReliable(
    wireChannel: number,
    hasPeer: boolean,
    peer: number,
    payload: Uint8Array,
  ): boolean {
    const ok = this.sink(wireChannel, Mode.RELIABLE, hasPeer ? peer : undefined, payload);
    if (ok) this.#stats.messagesDelivered++;
    return ok;
  }

  #fragment(c: FrameCursor, ordered: boolean, bytes: Uint8Array, now: number): void {
    const ch = c.channel, sc = this.#seq(ch);
    if (ordered && !sc.isNewer(c.msgSeq)) {
      this.#stats.unreliableDropped++;
      return;
    }
    const r = this.#reasm ??= new UnreliableReassembler(
      this.#budget,
      this.#maxMessageSize,
      this.#fragmentExpiryMs,
    );
    const m = r.add(
      ch,
      ordered,
      c.msgSeq,
      c.index,
      c.count,
      c.hasPeer,
      c.peer,
      bytes,
      c.payloadStart,
      c.payloadEnd,
      now,
    );
    if (m === undefined || (ordered && !sc.accept(c.msgSeq))) return;
    const mode = ordered ? Mode.UNRELIABLE_ORDERED : Mode.UNRELIABLE;
    this.#counted(this.sink(ch, mode, r.hasPeer ? r.peer : undefined, m));
  }
  #seq(ch: number): SequencedChannel {
    return this.#seqd[ch] ??= new SequencedChannel();
  }
  #receiver(ch: number): ReliableReceiver {
    return this.#receivers[ch] ??= new ReliableReceiver(
      ch,
      this,
      this.#budget,
      this.#maxMessageSize,
      this.#storeRefused,
    );
  }
  #counted(ok: boolean): void {
    if (ok) this.#stats.messagesDelivered++;
    else this.#stats.unreliableDropped++;
  }
}
