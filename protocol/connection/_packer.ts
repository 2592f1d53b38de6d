/**
 * Fills one datagram with queued messages: reliable channels round-robin (each channel with data
 * takes an equal share of the space left per round, retransmissions first within a channel) and
 * unreliable messages FIFO, the two classes sharing each datagram fairly ({@link packMixed}).
 * Consecutive whole messages of one channel travel as one run (one header, then payloads).
 *
 * @module
 */
import {
  beginRun,
  endRun,
  MAX_MESSAGES_PER_DATAGRAM,
  MessageKind as K,
  messageSize,
  runHeaderSize,
  runItemSize,
  writeMessage,
} from "../wire/frame.ts";
import type { MsgpackWriter } from "../wire/msgpack.ts";
import type { ReliableSender } from "./_reliable_channel.ts";
import type { SentPackets } from "./_sent_packets.ts";
import type { UnreliableQueue } from "./_sequenced_channel.ts";

/**
 * Counters of one packing pass (reused, no allocation per datagram).
 *
 * @example
 * ```ts
 * import { PackResult } from "./_packer.ts";
 * const r = new PackResult();
 * console.log(r.count, r.retransmitted, r.reliable); // 0 0 0
 * ```
 */
export class PackResult {
  /** Messages written into the datagram so far. */
  count = 0;
  /** Reliable messages written that were sent before (retransmissions). */
  retransmitted = 0;
  /** Reliable messages written (new or retransmitted). */
  reliable = 0;

  /** Zeroes the counters for the next datagram. */
  reset(): void {
    this.count = this.retransmitted = this.reliable = 0;
  }
}

/**
 * Writes reliable messages while they fit in `w` (up to its buffer length), starting at channel
 * `first`: per round, each channel with data writes what fits in an equal share of the space
 * left (at least one message). With `sent` each message is referenced by the packet being built
 * (acked/lost later); without it (reliable carrier) each message is freed once written.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "../wire/msgpack.ts";
 * import { packReliable, PackResult } from "./_packer.ts";
 * import { ReliableSender } from "./_reliable_channel.ts";
 * const s = new ReliableSender();
 * s.enqueue(new Uint8Array(8), 0, 8, false, 0, 0, 0);
 * const r = new PackResult();
 * packReliable(new MsgpackWriter(1200), [s], 0, undefined, r);
 * console.log(r.count, s.queuedBytes); // 1 0
 * ```
 */
export function packReliable(
  w: MsgpackWriter,
  senders: readonly (ReliableSender | undefined)[],
  first: number,
  sent: SentPackets | undefined,
  out: PackResult,
): void {
  const n = senders.length, limit = w.buf.length;
  let active = 0;
  for (let i = 0; i < n; i++) {
    const s = senders[i];
    if (s !== undefined && s.peek() >= 0) active++;
  }
  let progress = active > 0;
  while (progress && out.count < MAX_MESSAGES_PER_DATAGRAM) {
    progress = false;
    const shareEnd = active > 1 ? w.pos + Math.floor((limit - w.pos) / active) : limit;
    for (let k = 0; k < n && out.count < MAX_MESSAGES_PER_DATAGRAM; k++) {
      const ch = (first + k) % n, s = senders[ch];
      if (s === undefined) continue;
      const m = s.peek();
      if (m >= 0 && packChannel(w, s, ch, m, sent, out, limit, shareEnd)) progress = true;
    }
  }
}

// writes message `m` of channel `ch` (and the ones that can follow it in a run, up to
// `shareEnd`); false when it does not fit
function packChannel(
  w: MsgpackWriter,
  s: ReliableSender,
  ch: number,
  m: number,
  sent: SentPackets | undefined,
  out: PackResult,
  limit: number,
  shareEnd: number,
): boolean {
  const a = s.start(m), b = s.end(m), fc = s.fragCount(m), hp = s.hasPeer(m), peer = s.peer(m);
  if (fc === 0 && s.runFollows(m)) {
    // a run only when a second message fits too (a run of one is larger than the message)
    const header = runHeaderSize(K.RELIABLE, ch, m & 0xffff, hp, peer);
    const two = w.pos + header + runItemSize(b - a) + runItemSize(s.end(m + 1) - s.start(m + 1));
    if (two <= limit && two <= shareEnd) {
      const at = beginRun(w, K.RELIABLE, ch, m & 0xffff, hp, peer);
      let seq = m, count = 0, start = a, end = b;
      for (;;) {
        w.bin(s.payload(seq), start, end);
        count++;
        if (s.markSent(seq)) out.retransmitted++;
        if (sent === undefined) s.onAcked(seq);
        else sent.addRef(ch, seq);
        const next = s.peek();
        if (next !== seq + 1) break;
        if (next === s.nextUnsent) {
          // the rest of the run is new messages: one loop in the sender, one reference
          const n = s.writeRun(w, shareEnd, hp, peer);
          if (n > 0) {
            if (sent === undefined) s.onAckedRange(next, n);
            else sent.addRef(ch, next, n);
            count += n;
          }
          break;
        }
        if (s.fragCount(next) !== 0 || !s.samePeer(next, hp, peer)) break;
        start = s.start(next);
        end = s.end(next);
        if (w.pos + runItemSize(end - start) > shareEnd) break;
        seq = next;
      }
      endRun(w, at, K.RELIABLE, hp, count);
      out.count++;
      out.reliable += count;
      return true;
    }
  }
  const kind = fc === 0 ? K.RELIABLE : K.RELIABLE_FRAGMENT, fi = s.fragIndex(m);
  if (w.pos + messageSize(kind, ch, m & 0xffff, fi, fc, hp, peer, b - a) > limit) {
    return false; // a smaller message of another channel may still fit
  }
  writeMessage(w, kind, ch, m & 0xffff, fi, fc, hp, peer, s.payload(m), a, b);
  out.count++;
  out.reliable++;
  if (s.markSent(m)) out.retransmitted++;
  if (sent === undefined) s.onAcked(m);
  else sent.addRef(ch, m);
  return true;
}

/**
 * Writes queued unreliable messages in FIFO order while they fit below `limit` (default: the
 * whole buffer), removing them from `q`; consecutive whole messages of one kind, channel and
 * peer field (and consecutive sequences) share a run. With `atLeastOne`, the first message may
 * pass `limit` (not the buffer).
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "../wire/msgpack.ts";
 * import { packUnreliable, PackResult } from "./_packer.ts";
 * import { UnreliableQueue } from "./_sequenced_channel.ts";
 * const q = new UnreliableQueue();
 * q.push(0, 1, 0, 0, 0, false, 0, new Uint8Array(8), 0, 8);
 * const r = new PackResult();
 * packUnreliable(new MsgpackWriter(1200), q, r);
 * console.log(r.count, q.length); // 1 0
 * ```
 */
export function packUnreliable(
  w: MsgpackWriter,
  q: UnreliableQueue,
  out: PackResult,
  limit: number = w.buf.length,
  atLeastOne = false,
): void {
  let first = atLeastOne;
  while (q.length > 0 && out.count < MAX_MESSAGES_PER_DATAGRAM) {
    const kind = q.kind(0), ch = q.channel(0), sq = q.seq(0), fi = q.index(0), fc = q.count(0);
    const hp = q.hasPeer(0), peer = q.peer(0), a = q.start(0), b = q.end(0);
    const bound = first ? w.buf.length : limit;
    // a run only when a second message fits too (a run of one is larger than the message)
    const whole = kind === K.UNRELIABLE || kind === K.UNRELIABLE_ORDERED;
    if (
      whole && q.length > 1 && q.follows(1, kind, ch, sq + 1, hp, peer) &&
      w.pos + runHeaderSize(kind, ch, sq, hp, peer) + runItemSize(b - a) +
            runItemSize(q.end(1) - q.start(1)) <= limit
    ) {
      first = false;
      const at = beginRun(w, kind, ch, sq, hp, peer);
      // the first two fit (checked above): the run holds at least them
      const count = q.writeRun(w, limit, kind, ch, sq, hp, peer);
      endRun(w, at, kind, hp, count);
      out.count++;
      continue;
    }
    const end = w.pos + messageSize(kind, ch, sq, fi, fc, hp, peer, b - a);
    if (end > bound) return;
    first = false;
    writeMessage(w, kind, ch, sq, fi, fc, hp, peer, q.payload(0), a, b);
    q.shift();
    out.count++;
  }
}

/** Share of a datagram unreliable messages may take first while reliable ones wait too. */
export const UNRELIABLE_SHARE = 0.5;

/**
 * Packs both classes fairly: unreliable messages go first up to {@link UNRELIABLE_SHARE} of the
 * remaining space (always at least one, so a 20 Hz stream is never starved by a reliable bulk
 * transfer), then reliable ones, then unreliable ones fill what is left. When the first
 * unreliable message alone passed the share, the next datagram puts reliable first (returns
 * true), so large unreliable traffic cannot starve reliable traffic either.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "../wire/msgpack.ts";
 * import { packMixed, PackResult } from "./_packer.ts";
 * import { ReliableSender } from "./_reliable_channel.ts";
 * import { UnreliableQueue } from "./_sequenced_channel.ts";
 * const s = new ReliableSender();
 * for (let i = 0; i < 4; i++) s.enqueue(new Uint8Array(500), 0, 500, false, 0, 0, 0);
 * const q = new UnreliableQueue();
 * q.push(0, 1, 0, 0, 0, false, 0, new Uint8Array(40), 0, 40);
 * const r = new PackResult();
 * packMixed(new MsgpackWriter(1200), [s], 0, undefined, q, r, false);
 * console.log(r.count, q.length); // 3 0: the unreliable message and two reliable ones
 * ```
 */
export function packMixed(
  w: MsgpackWriter,
  senders: readonly (ReliableSender | undefined)[],
  first: number,
  sent: SentPackets | undefined,
  q: UnreliableQueue,
  out: PackResult,
  reliableFirst: boolean,
): boolean {
  if (q.length === 0 || reliableFirst) {
    packReliable(w, senders, first, sent, out);
    packUnreliable(w, q, out);
    return false;
  }
  const start = w.pos, share = start + Math.floor((w.buf.length - start) * UNRELIABLE_SHARE);
  packUnreliable(w, q, out, share, true);
  const over = w.pos > share;
  packReliable(w, senders, first, sent, out);
  packUnreliable(w, q, out);
  return over;
}
