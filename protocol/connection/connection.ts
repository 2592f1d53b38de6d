/**
 * The per-remote reliability layer: packet sequence + acks, delayed acks, RTT/RTO, loss
 * detection and retransmission, reliable/sequenced/unreliable channels, fragmentation,
 * aggregation, keepalive and timeout. Pure: bytes + `now` in, bytes + deliveries + deadline out.
 *
 * @module
 */
import type { TransferMode } from "../constants.ts";
import type { ConnectionApi, ConnectionConfig, MessageSink } from "./types.ts";
import { MultiplayerError } from "../errors.ts";
import { AckTracker } from "./_ack_tracker.ts";
import {
  beginData,
  finishData,
  FrameCursor,
  MAX_DATA_HEADER_BYTES,
  MAX_MESSAGE_OVERHEAD,
  MAX_MESSAGES_PER_DATAGRAM,
  MAX_WIRE_CHANNEL,
  MessageKind as K,
  messageSize,
  writeMessage,
} from "../wire/frame.ts";
import type { MsgpackWriter } from "../wire/msgpack.ts";
import { ReassemblyBudget } from "./fragmenter.ts";
import { InboundDispatcher } from "./_receive.ts";
import { Outbox, scratchWriter } from "./_send.ts";
import { PackResult } from "./_packer.ts";
import { RttEstimator } from "./_rtt.ts";
import { Recovery } from "./_recovery.ts";
import type { SequencedChannel } from "./_sequenced_channel.ts";
import { extendSeq } from "../wire/sequence.ts";
import { ConnectionStats, type PeerStats, snapshotPeerStats } from "./stats.ts";
import { type CongestionControl, unlimitedCongestion } from "../congestion/mod.ts";
import {
  type ConnectionOptions,
  DEFAULT_MAX_WINDOW_BYTES,
  DEFAULT_MAX_WINDOW_PACKETS,
} from "./options.ts";
import { DelayAwareCongestion } from "../congestion/delay_aware.ts";
import { Liveness } from "./_liveness.ts";
import { beginReceived, copyDatagram, endReceived } from "./_payload_slab.ts";
import { RateMeter } from "./_rate_meter.ts";

const PING_BYTES = messageSize(K.PING, 0, 0, 0, 0, false, 0, 0);
// one cursor for every connection (handling a datagram is synchronous); a nested call, should a
// message sink ever hand another connection a datagram, takes its own
const sharedCursor = new FrameCursor();
let cursorBusy = false;
// packing is synchronous and never nested: one result object serves every connection
const sharedPack = new PackResult();
/** Retry interval for deliveries the host refused (its inbound queue was full). */
const REFUSED_RETRY_MS = 5;

/**
 * Reliability state machine for one remote.
 *
 * @example
 * ```ts
 *
 * import { TransferMode } from "../constants.ts";
 * const cfg = {
 *   sessionId: 7, wireChannelCount: 2, datagramSize: 1200, maxMessageSize: 1 << 20,
 *   timeoutMs: 10_000, keepaliveMs: 1000, reliableCarrier: false,
 *   maxSendQueueBytes: 1 << 22, maxReassemblyBytes: 1 << 22, now: 0,
 * };
 * const a = new Connection(cfg), b = new Connection(cfg);
 * b.onMessage = (ch, _mode, _peer, data) => (console.log(ch, data), true);
 * a.send(1, TransferMode.RELIABLE, new Uint8Array([1, 2, 3]), undefined, 0);
 * for (let d = a.pollTransmit(0); d; d = a.pollTransmit(0)) b.handleDatagram(d, 1);
 * ```
 */
export class Connection implements ConnectionApi {
  /** Counters. */
  readonly stats: ConnectionStats = new ConnectionStats();
  /** RTT estimator. */
  readonly rtt: RttEstimator;
  // the config's fields used after construction (the config object itself is not kept)
  readonly #sessionId: number;
  readonly #datagramSize: number;
  readonly #wireChannels: number;
  readonly #carrier: boolean;
  readonly #fragSize: number;
  readonly #cc: CongestionControl;
  readonly #acks: AckTracker;
  readonly #rec: Recovery;
  readonly #budget: ReassemblyBudget;
  readonly #in: InboundDispatcher;
  readonly #out: Outbox;
  #nextPacketSeq = 1;
  #askSeq = 0; // packet of the last window-full ack request (PING) and when it left
  #askTime = -Infinity;
  #lastNow: number;
  readonly #unreliableMaxAgeMs: number;
  readonly #sendMeter: RateMeter;
  readonly #recvMeter: RateMeter;
  readonly #live: Liveness;

  /** Creates the connection; throws INVALID_ARGUMENT for unusable limits. */
  constructor(config: ConnectionConfig, options: ConnectionOptions = {}) {
    const n = config.wireChannelCount;
    if (!Number.isInteger(n) || n < 1 || n > MAX_WIRE_CHANNEL + 1) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `wireChannelCount must be an integer in [1, ${MAX_WIRE_CHANNEL + 1}], got ${n}`,
      );
    }
    this.#fragSize = config.datagramSize - MAX_DATA_HEADER_BYTES - MAX_MESSAGE_OVERHEAD;
    if (!(this.#fragSize >= 64)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `datagramSize ${config.datagramSize} is too small (minimum ${
          64 + MAX_DATA_HEADER_BYTES + MAX_MESSAGE_OVERHEAD
        })`,
      );
    }
    this.#sessionId = config.sessionId;
    this.#datagramSize = config.datagramSize;
    this.#wireChannels = n;
    this.#carrier = config.reliableCarrier;
    this.#cc = options.congestion ??
      (config.reliableCarrier ? unlimitedCongestion : new DelayAwareCongestion({
        datagramSize: config.datagramSize,
        maxWindowBytes: options.maxWindowBytes ?? DEFAULT_MAX_WINDOW_BYTES,
        now: config.now,
      }));
    const maxPackets = options.maxWindowPackets ?? DEFAULT_MAX_WINDOW_PACKETS;
    if (!(maxPackets >= 2) || !(Number.isInteger(maxPackets) || maxPackets === Infinity)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `maxWindowPackets must be an integer >= 2, got ${maxPackets}`,
      );
    }
    this.#unreliableMaxAgeMs = options.unreliableMaxAgeMs ?? 200;
    // 5 x 200 ms buckets: the same 1 s window in 40 bytes per meter
    this.#sendMeter = new RateMeter({ bucketMs: 200, buckets: 5, now: config.now });
    this.#recvMeter = new RateMeter({ bucketMs: 200, buckets: 5, now: config.now });
    const maxAckDelayMs = options.maxAckDelayMs ?? 2;
    const lazy = options.lazyAckDelayMs ?? 50;
    if (!(lazy >= 0 && lazy <= 1000) || !(maxAckDelayMs >= 0 && maxAckDelayMs <= 1000)) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `ack delays must be in [0, 1000] ms, got maxAckDelayMs ${maxAckDelayMs}, ` +
          `lazyAckDelayMs ${lazy}`,
      );
    }
    const ackDelayCapMs = Math.max(maxAckDelayMs, lazy) + 1;
    this.rtt = new RttEstimator({ maxAckDelayMs, ackDelayCapMs, ...options.rtt });
    this.#acks = new AckTracker({
      ackEveryPackets: options.ackEveryPackets ?? 16,
      maxAckDelayMs,
      lazyAckDelayMs: lazy,
    });
    this.#budget = config.reassemblyBudget ?? new ReassemblyBudget(config.maxReassemblyBytes);
    const seqd: (SequencedChannel | undefined)[] = new Array(n).fill(undefined);
    this.#out = new Outbox(
      {
        wireChannelCount: n,
        fragmentSize: this.#fragSize,
        maxMessageSize: config.maxMessageSize,
        maxSendQueueBytes: config.maxSendQueueBytes,
      },
      seqd,
      this.stats,
    );
    this.#rec = new Recovery(this.#out, this.rtt, this.#cc, this.stats, lazy, config.now);
    this.#rec.maxInFlight = maxPackets;
    this.#in = new InboundDispatcher(
      {
        wireChannelCount: n,
        maxMessageSize: config.maxMessageSize,
        reliableCarrier: this.#carrier,
        fragmentExpiryMs: options.fragmentExpiryMs ?? 1000,
      },
      seqd,
      this.#budget,
      this.stats,
    );
    this.#live = new Liveness(config.timeoutMs, config.keepaliveMs, this.rtt, config.now);
    this.#lastNow = config.now;
  }

  /** Where complete inbound messages go (each payload is a fresh copy owned by the sink). */
  get onMessage(): MessageSink {
    return this.#in.sink;
  }
  set onMessage(sink: MessageSink) {
    this.#in.sink = sink;
  }
  /** True once the remote was silent for longer than `timeoutMs`. */
  get timedOut(): boolean {
    return this.#live.timedOut;
  }
  /** Bytes waiting to be sent or acknowledged. */
  get queuedBytes(): number {
    return this.#out.queuedBytes;
  }
  /** Smoothed RTT in ms. */
  get rttMs(): number {
    return this.rtt.srtt;
  }
  /** Bytes of datagrams in flight (sent, not yet acked or lost). */
  get bytesInFlight(): number {
    return this.#rec.sent.bytesInFlight;
  }
  /** Bytes held in reassembly buffers. */
  get reassemblyBytes(): number {
    return this.#budget.used;
  }
  /** Largest payload sent as one message; larger ones are fragmented. */
  get fragmentSize(): number {
    return this.#fragSize;
  }
  /** The congestion controller (window, pacing rate). */
  get congestion(): CongestionControl {
    return this.#cc;
  }
  /** Silence (ms) after which `timedOut` is set, as currently in effect. */
  get timeoutMs(): number {
    return this.#live.timeoutMs;
  }

  /**
   * Replaces the fixed `timeoutMs` by an RTT-scaled one (see `PeerTimeout`): `limitMs` on paths
   * up to 200 ms RTT, proportionally longer on slower ones, clamped to [minMs, maxMs]. Throws
   * MultiplayerError INVALID_ARGUMENT for unusable values.
   */
  setPeerTimeout(limitMs: number, minMs?: number, maxMs?: number): void {
    this.#live.setPeerTimeout(limitMs, minMs, maxMs);
  }
  /** Applies the remote's FLOW feedback: its receive window (bytes) and download cap (bytes/s). */
  setPeerFlow(window: number, inBandwidth: number, now: number): void {
    this.#lastNow = now;
    this.#cc.setPeerReceiveWindow(window >= 0 ? window : Infinity);
    this.#cc.setPeerInBandwidth(
      inBandwidth > 0 && Number.isFinite(inBandwidth) ? inBandwidth : 0,
      now,
    );
  }
  /** Caps what this connection sends, in bytes/s (0 = no cap). */
  setOutBandwidth(bytesPerSec: number, now: number): void {
    this.#cc.setOutBandwidth(bytesPerSec, now);
  }
  /** A statistics snapshot at `now`. */
  peerStats(now: number): PeerStats {
    const send = this.#sendMeter.rate(now), recv = this.#recvMeter.rate(now);
    const rec = this.#rec, cc = this.#cc;
    return snapshotPeerStats(this.stats, {
      rtt: rec.rtt,
      lossRate: rec.loss.lossRate,
      lostPackets: rec.sent.lostPackets,
      bytesInFlight: rec.sent.bytesInFlight,
      congestionWindow: cc.congestionWindow,
      pacingRate: cc.pacingRate,
      queuedBytes: this.queuedBytes,
      sendRate: send,
      receiveRate: recv,
      timeoutMs: this.timeoutMs,
    });
  }

  /** See {@link ConnectionApi.send}; `payload` is kept, not copied (errors: `Outbox.send`). */
  send(
    wireChannel: number,
    mode: TransferMode,
    payload: Uint8Array,
    peer: number | undefined,
    now: number,
  ): void {
    this.#lastNow = now;
    this.#out.send(wireChannel, mode, payload, peer, now);
  }

  /** Next datagram to send now, or undefined. Call until undefined. */
  pollTransmit(now: number): Uint8Array | undefined {
    this.#lastNow = now;
    const carrier = this.#carrier, out = this.#out;
    if (!carrier && this.#acks.lateCount > 0) return this.#lateAck(now);
    const ackDue = !carrier && this.#acks.ackDue(now);
    const live = this.#live;
    let data = live.pingPending || out.hasData();
    if (data && !carrier) {
      if (!this.#rec.sent.canSend(this.#nextPacketSeq)) data = false;
      else if (!this.#rec.canSend(now)) {
        // blocked: shed unreliable messages gone stale (reliable ones only wait); fresh ones go
        // first in the next datagram, so a game's state stream keeps flowing under a bulk load
        out.dropStale(now - this.#unreliableMaxAgeMs);
        data = false;
      }
    }
    if (!data && !ackDue) return undefined;
    const w = scratchWriter(this.#datagramSize), acks = this.#acks, seq = this.#nextPacketSeq;
    let delay = 0;
    if (!carrier && acks.ack !== 0) {
      acks.fillBits();
      delay = Math.min(Math.floor((now - acks.ackTime) * 8), 0xffff);
    }
    beginData(
      w,
      this.#sessionId,
      seq & 0xffff,
      carrier ? 0 : acks.ack & 0xffff,
      carrier ? 0 : acks.ackBitsLo,
      carrier ? 0 : acks.ackBitsHi,
      delay,
    );
    const pr = sharedPack;
    pr.reset();
    if (data) {
      if (live.pingPending) {
        writeMessage(w, K.PING, 0, 0, 0, 0, false, 0, w.buf, 0, 0);
        live.pingPending = false;
        pr.count++;
      }
      out.pack(w, carrier ? undefined : this.#rec.sent, pr);
      if (!carrier && pr.reliable === 0 && pr.count > 0) this.#askAckIfWindowFull(w, pr, seq, now);
    }
    const count = pr.count;
    if (count === 0 && !ackDue) return undefined;
    finishData(w, count);
    this.#nextPacketSeq++;
    if (!carrier) acks.onAckSent();
    const bytes = copyDatagram(w.buf, w.pos);
    if (count > 0 && !carrier) {
      this.#rec.onSent(seq, now, bytes.length, pr.retransmitted > 0, pr.reliable > 0);
    }
    live.lastSend = now;
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes.length;
    this.#sendMeter.add(bytes.length, now);
    return bytes;
  }

  /**
   * Handles one DATA datagram routed to this connection; false = dropped (state unchanged).
   * `owned`: the caller gives `bytes` away, so delivered payloads are views of them (no copy).
   */
  handleDatagram(bytes: Uint8Array, now: number, owned = false): boolean {
    if (cursorBusy) return this.#handle(new FrameCursor(), bytes, now, owned);
    cursorBusy = true;
    try {
      return this.#handle(sharedCursor, bytes, now, owned);
    } finally {
      cursorBusy = false;
      endReceived();
    }
  }

  #handle(c: FrameCursor, bytes: Uint8Array, now: number, owned: boolean): boolean {
    this.#lastNow = now;
    const nch = this.#wireChannels, carrier = this.#carrier;
    if (!c.begin(bytes, 0, bytes.length) || c.session !== this.#sessionId) return this.#drop();
    // pass 1: validate everything before touching any state
    let k: number;
    while ((k = c.next()) >= 0) {
      if (c.channel >= nch || (k === K.PING && c.channel !== 0)) return this.#drop();
    }
    if (k !== -2) return this.#drop();
    let seq = 0, ack = 0;
    if (!carrier) {
      seq = extendSeq(c.seq, this.#acks.largestSeen);
      if (!this.#acks.isNew(seq)) return this.#drop();
      ack = extendSeq(c.ack, this.#nextPacketSeq - 1);
      if (ack >= this.#nextPacketSeq) return this.#drop();
    }
    // pass 2: apply
    this.#live.lastReceive = now;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += bytes.length;
    this.#recvMeter.add(bytes.length, now);
    if (!carrier) this.#rec.onAck(ack, c.ackBitsLo, c.ackBitsHi, c.ackDelay / 8, now);
    this.#in.retryBlocked();
    c.rewind();
    beginReceived(bytes, owned);
    const ackable = this.#in.dispatch(c, bytes, now);
    if (!carrier) {
      const ping = this.#in.sawPing, acks = this.#acks;
      acks.record(seq, ackable, c.messageCount > 0, now, this.#in.sawReliable || ping);
      if (ping) acks.ackNow = true; // keepalive, or a window-blocked sender asking for an ack
    }
    return true;
  }

  /** Absolute time at which {@link Connection.handleTimeout} must run next. */
  pollTimeout(): number {
    let t = this.#live.deadline();
    const carrier = this.#carrier, out = this.#out;
    if (!carrier) {
      if (this.#acks.unacked > 0) t = Math.min(t, this.#acks.ackDeadline);
      t = Math.min(t, this.#rec.deadline());
    }
    t = Math.min(t, this.#in.nextExpiry);
    if (this.#in.blocked) t = Math.min(t, this.#lastNow + REFUSED_RETRY_MS);
    if (!carrier && out.hasData()) {
      if (!this.#rec.canSend(this.#lastNow)) {
        t = Math.min(t, this.#rec.nextSendTime(this.#lastNow));
      }
    }
    return t;
  }

  /** Runs timers: timeout detection, RTO, probes, keepalive, fragment expiry, delivery retry. */
  handleTimeout(now: number): void {
    this.#lastNow = now;
    this.#live.onTimeout(now);
    if (!this.#carrier) this.#rec.onTimeout(now);
    this.#in.expire(now);
    this.#in.retryBlocked();
  }

  // an ack-only datagram naming one packet that arrived too late for the ack field
  #lateAck(now: number): Uint8Array {
    const w = scratchWriter(this.#datagramSize), late = this.#acks.takeLate();
    beginData(w, this.#sessionId, this.#nextPacketSeq & 0xffff, late & 0xffff, 0, 0, 0);
    finishData(w, 0);
    this.#nextPacketSeq++;
    const bytes = copyDatagram(w.buf, w.pos);
    this.#live.lastSend = now;
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes.length;
    this.#sendMeter.add(bytes.length, now);
    return bytes;
  }

  // unreliable-only datagrams are acked lazily (up to lazyAckDelayMs): when this one fills the
  // window, a PING asks for an immediate ack, else the window would open once per lazy delay.
  // One request per round trip: while the last one is unanswered (not acked, sent less than an
  // RTO ago) a window-limited sender would otherwise make the receiver ack every datagram.
  #askAckIfWindowFull(w: MsgpackWriter, pr: PackResult, seq: number, now: number): void {
    const sent = this.#rec.sent, size = this.#datagramSize;
    const full = sent.bytesInFlight + w.pos + size > this.#cc.congestionWindow ||
      sent.inFlight + 2 > this.#rec.maxInFlight;
    if (!full || w.pos + PING_BYTES > w.buf.length || pr.count >= MAX_MESSAGES_PER_DATAGRAM) return;
    if (this.#askSeq > sent.largestAcked && now - this.#askTime < this.rtt.rto) return;
    writeMessage(w, K.PING, 0, 0, 0, 0, false, 0, w.buf, 0, 0);
    pr.count++;
    this.#askSeq = seq;
    this.#askTime = now;
  }

  #drop(): false {
    this.stats.packetsDropped++;
    return false;
  }
}
