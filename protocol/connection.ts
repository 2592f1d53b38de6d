/**
 * The per-remote reliability layer: packet sequence + acks, delayed acks, RTT/RTO, loss
 * detection and retransmission, reliable/sequenced/unreliable channels, fragmentation,
 * aggregation, keepalive and timeout. Pure: bytes + `now` in, bytes + deliveries + deadline out.
 *
 * @module
 */
import { type TransferMode, TransferMode as Mode } from "./constants.ts";
import type { ConnectionApi, ConnectionConfig, MessageSink } from "./connection_types.ts";
import { MultiplayerError } from "./errors.ts";
import { AckTracker } from "./ack_tracker.ts";
import {
  beginData,
  finishData,
  FrameCursor,
  MAX_DATA_HEADER_BYTES,
  MAX_MESSAGE_OVERHEAD,
  MAX_WIRE_CHANNEL,
  MessageKind as K,
  writeMessage,
} from "./frame.ts";
import { fragmentCount, ReassemblyBudget } from "./fragmenter.ts";
import { InboundDispatcher } from "./connection_receive.ts";
import { MsgpackWriter } from "./msgpack.ts";
import { packMixed, PackResult } from "./packer.ts";
import { ReliableSender } from "./reliable_channel.ts";
import { RttEstimator } from "./rtt.ts";
import { SentPackets } from "./sent_packets.ts";
import { SequencedChannel, UnreliableQueue } from "./sequenced_channel.ts";
import { extendSeq } from "./sequence.ts";
import { ConnectionStats } from "./stats.ts";
import {
  type CongestionControl,
  type ConnectionOptions,
  unlimitedCongestion,
} from "./connection_options.ts";
import { DelayAwareCongestion } from "./congestion.ts";
import { LossEstimator } from "./loss_estimator.ts";
import type { PeerStats } from "./peer_stats.ts";
import { PeerTimeout } from "./peer_timeout.ts";
import { RateMeter } from "./rate_meter.ts";

export { type CongestionControl, type ConnectionOptions, unlimitedCongestion };

/** Retry interval for deliveries the host refused (its inbound queue was full). */
const REFUSED_RETRY_MS = 5;

/**
 * Reliability state machine for one remote.
 *
 * @example
 * ```ts
 * import { Connection } from "./connection.ts";
 * import { TransferMode } from "./constants.ts";
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
  #timedOut = false;
  readonly #cfg: ConnectionConfig;
  readonly #carrier: boolean;
  readonly #fragSize: number;
  readonly #cc: CongestionControl;
  readonly #w: MsgpackWriter;
  readonly #c = new FrameCursor();
  readonly #acks: AckTracker;
  readonly #sent: SentPackets;
  readonly #budget: ReassemblyBudget;
  readonly #in: InboundDispatcher;
  readonly #senders: ReliableSender[] = [];
  readonly #seqd: SequencedChannel[] = [];
  readonly #unreliable = new UnreliableQueue();
  readonly #pack = new PackResult();
  #nextPacketSeq = 1;
  #lastSend: number;
  #lastReceive: number;
  #lastNow: number;
  #pingPending = false;
  #group = 0;
  #rr = 0;
  #ackedBytes = 0;
  #lostBytes = 0;
  #lostSentTime = -Infinity; // newest send time among the packets just declared lost
  #lossTime = Infinity; // when the time-threshold loss check must run next
  #reliableFirst = false; // fairness: the last datagram's unreliable part passed its share
  readonly #unreliableMaxAgeMs: number;
  readonly #loss: LossEstimator;
  readonly #sendMeter: RateMeter;
  readonly #recvMeter: RateMeter;
  #timeout: PeerTimeout | undefined; // undefined: the fixed `timeoutMs` of the config
  #keepaliveMs: number;

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
    this.#cfg = config;
    this.#carrier = config.reliableCarrier;
    this.#cc = options.congestion ??
      (config.reliableCarrier
        ? unlimitedCongestion
        : new DelayAwareCongestion({ datagramSize: config.datagramSize, now: config.now }));
    this.#unreliableMaxAgeMs = options.unreliableMaxAgeMs ?? 200;
    this.#loss = new LossEstimator({ now: config.now });
    this.#sendMeter = new RateMeter({ now: config.now });
    this.#recvMeter = new RateMeter({ now: config.now });
    this.#keepaliveMs = config.keepaliveMs;
    const maxAckDelayMs = options.maxAckDelayMs ?? 2;
    this.rtt = new RttEstimator({ maxAckDelayMs, ...options.rtt });
    this.#acks = new AckTracker({ ackEveryPackets: options.ackEveryPackets ?? 16, maxAckDelayMs });
    this.#sent = new SentPackets(this);
    this.#w = new MsgpackWriter(config.datagramSize);
    this.#budget = config.reassemblyBudget ?? new ReassemblyBudget(config.maxReassemblyBytes);
    for (let ch = 0; ch < n; ch++) {
      this.#senders.push(new ReliableSender());
      this.#seqd.push(new SequencedChannel());
    }
    this.#in = new InboundDispatcher(
      {
        wireChannelCount: n,
        maxMessageSize: config.maxMessageSize,
        reliableCarrier: this.#carrier,
        fragmentExpiryMs: options.fragmentExpiryMs ?? 1000,
      },
      this.#seqd,
      this.#budget,
      this.stats,
    );
    this.#lastSend = this.#lastReceive = this.#lastNow = config.now;
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
    return this.#timedOut;
  }
  /** Bytes waiting to be sent or acknowledged. */
  get queuedBytes(): number {
    let n = this.#unreliable.bytes;
    for (let i = 0; i < this.#senders.length; i++) n += this.#senders[i].queuedBytes;
    return n;
  }
  /** Smoothed RTT in ms. */
  get rttMs(): number {
    return this.rtt.srtt;
  }
  /** Bytes of datagrams in flight (sent, not yet acked or lost). */
  get bytesInFlight(): number {
    return this.#sent.bytesInFlight;
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
    const t = this.#timeout;
    return t === undefined ? this.#cfg.timeoutMs : t.effective(this.rtt.srtt, this.rtt.rttVar);
  }

  /**
   * Replaces the fixed `timeoutMs` by an RTT-scaled one (see `PeerTimeout`): `limitMs` on paths
   * up to 200 ms RTT, proportionally longer on slower ones, clamped to [minMs, maxMs]. Throws
   * MultiplayerError INVALID_ARGUMENT for unusable values.
   */
  setPeerTimeout(limitMs: number, minMs?: number, maxMs?: number): void {
    const t = new PeerTimeout(limitMs, minMs, maxMs);
    this.#timeout = t;
    // keepalives must come well inside the shortest possible timeout
    this.#keepaliveMs = Math.min(this.#cfg.keepaliveMs, Math.max(25, t.minMs / 4));
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
    const s = this.stats, rtt = this.rtt;
    return {
      rttMs: rtt.srtt,
      rttVarianceMs: rtt.rttVar,
      minRttMs: rtt.hasSample ? rtt.minRtt : 0,
      lossRate: this.#loss.lossRate,
      packetsSent: s.packetsSent,
      packetsReceived: s.packetsReceived,
      packetsLost: this.#sent.lostPackets,
      bytesSent: s.bytesSent,
      bytesReceived: s.bytesReceived,
      retransmits: s.retransmits,
      retransmitTimeouts: s.rtoCount,
      unreliableDropped: s.unreliableDropped,
      queuedBytes: this.queuedBytes,
      bytesInFlight: this.#sent.bytesInFlight,
      congestionWindow: this.#cc.congestionWindow,
      pacingRateBytesPerSec: this.#cc.pacingRate,
      sendRateBytesPerSec: this.#sendMeter.rate(now),
      receiveRateBytesPerSec: this.#recvMeter.rate(now),
      timeoutMs: this.timeoutMs,
    };
  }

  /** Queues one message; ownership of `payload` passes to the connection (it is not copied). */
  send(
    wireChannel: number,
    mode: TransferMode,
    payload: Uint8Array,
    peer: number | undefined,
    now: number,
  ): void {
    this.#lastNow = now;
    if (!Number.isInteger(wireChannel) || wireChannel < 0 || wireChannel >= this.#senders.length) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `wire channel ${wireChannel} is outside [0, ${this.#senders.length - 1}]`,
      );
    }
    if (mode !== Mode.RELIABLE && mode !== Mode.UNRELIABLE && mode !== Mode.UNRELIABLE_ORDERED) {
      throw new MultiplayerError("INVALID_ARGUMENT", `unknown transfer mode ${mode}`);
    }
    if (!(payload instanceof Uint8Array)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "payload must be a Uint8Array");
    }
    const len = payload.length;
    if (len > this.#cfg.maxMessageSize) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `message of ${len} bytes exceeds maxMessageSize (${this.#cfg.maxMessageSize} bytes)`,
      );
    }
    const hasPeer = peer !== undefined;
    if (hasPeer && !(Number.isInteger(peer) && peer >= -0x7fffffff && peer <= 0x7fffffff)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `peer field ${peer} is not an int32`);
    }
    const p = hasPeer ? peer : 0;
    if (this.queuedBytes + len > this.#cfg.maxSendQueueBytes) {
      if (mode === Mode.RELIABLE) {
        throw new MultiplayerError(
          "QUEUE_FULL",
          `send queue holds ${this.queuedBytes} bytes; adding ${len} would exceed ` +
            `maxSendQueueBytes (${this.#cfg.maxSendQueueBytes})`,
        );
      }
      this.stats.unreliableDropped++;
      return;
    }
    const fs = this.#fragSize;
    if (len <= fs) {
      if (mode === Mode.RELIABLE) this.#senders[wireChannel].enqueue(payload, hasPeer, p, 0, 0);
      else if (mode === Mode.UNRELIABLE) {
        this.#unreliable.push(K.UNRELIABLE, wireChannel, 0, 0, 0, hasPeer, p, payload, 0, len, now);
      } else {
        const seq = this.#seqd[wireChannel].takeSendSeq();
        this.#unreliable.push(
          K.UNRELIABLE_ORDERED,
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
      }
      return;
    }
    const count = fragmentCount(len, fs);
    if (count > 0xffff) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `message of ${len} bytes needs ${count} fragments (limit 65535)`,
      );
    }
    if (mode === Mode.RELIABLE) {
      const s = this.#senders[wireChannel];
      for (let i = 0; i < count; i++) {
        s.enqueue(payload.subarray(i * fs, Math.min(len, (i + 1) * fs)), hasPeer, p, i, count);
      }
      return;
    }
    const ordered = mode === Mode.UNRELIABLE_ORDERED;
    const kind = ordered ? K.UNRELIABLE_ORDERED_FRAGMENT : K.UNRELIABLE_FRAGMENT;
    const group = ordered ? this.#seqd[wireChannel].takeSendSeq() : this.#group;
    if (!ordered) this.#group = (this.#group + 1) & 0xffff;
    for (let i = 0; i < count; i++) {
      const a = i * fs, b = Math.min(len, a + fs);
      this.#unreliable.push(kind, wireChannel, group, i, count, hasPeer, p, payload, a, b, now);
    }
  }

  /** Next datagram to send now, or undefined. Call until undefined. */
  pollTransmit(now: number): Uint8Array | undefined {
    this.#lastNow = now;
    const carrier = this.#carrier;
    const ackDue = !carrier && this.#acks.ackDue(now);
    let data = this.#pingPending || this.#unreliable.length > 0 || this.#anyReliable();
    if (data && !carrier) {
      if (!this.#sent.canSend(this.#nextPacketSeq)) data = false;
      else if (!this.#cc.canSend(this.#sent.bytesInFlight, now)) {
        // blocked: shed unreliable messages gone stale (reliable ones only wait); fresh ones go
        // first in the next datagram, so a game's state stream keeps flowing under a bulk load
        this.stats.unreliableDropped += this.#unreliable.dropQueuedBefore(
          now - this.#unreliableMaxAgeMs,
        );
        data = false;
      }
    }
    if (!data && !ackDue) return undefined;
    const w = this.#w, acks = this.#acks, seq = this.#nextPacketSeq;
    let delay = 0;
    if (!carrier && acks.ack !== 0) {
      acks.fillBits();
      delay = Math.min(Math.floor((now - acks.ackTime) * 8), 0xffff);
    }
    beginData(
      w,
      this.#cfg.sessionId,
      seq & 0xffff,
      carrier ? 0 : acks.ack & 0xffff,
      carrier ? 0 : acks.ackBitsLo,
      carrier ? 0 : acks.ackBitsHi,
      delay,
    );
    const pr = this.#pack;
    pr.count = 0;
    pr.retransmitted = 0;
    if (data) {
      if (this.#pingPending) {
        writeMessage(w, K.PING, 0, 0, 0, 0, false, 0, w.buf, 0, 0);
        this.#pingPending = false;
        pr.count++;
      }
      const sent = carrier ? undefined : this.#sent;
      this.#reliableFirst = packMixed(
        w,
        this.#senders,
        this.#rr,
        sent,
        this.#unreliable,
        pr,
        this.#reliableFirst,
      );
      this.#rr = (this.#rr + 1) % this.#senders.length;
      this.stats.retransmits += pr.retransmitted;
    }
    const count = pr.count, retx = pr.retransmitted > 0;
    if (count === 0 && !ackDue) return undefined;
    finishData(w, count);
    this.#nextPacketSeq++;
    if (!carrier) acks.onAckSent();
    const bytes = w.buf.slice(0, w.pos);
    if (count > 0 && !carrier) {
      this.#sent.onSent(seq, now, bytes.length, retx);
      this.#cc.onSent(bytes.length, now);
    }
    this.#lastSend = now;
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes.length;
    this.#sendMeter.add(bytes.length, now);
    return bytes;
  }

  /** Handles one DATA datagram routed to this connection; false = dropped (state unchanged). */
  handleDatagram(bytes: Uint8Array, now: number): boolean {
    this.#lastNow = now;
    const c = this.#c, nch = this.#senders.length, carrier = this.#carrier;
    if (!c.begin(bytes, 0, bytes.length) || c.session !== this.#cfg.sessionId) return this.#drop();
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
    this.#lastReceive = now;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += bytes.length;
    this.#recvMeter.add(bytes.length, now);
    if (!carrier) this.#processAck(ack, c.ackBitsLo, c.ackBitsHi, c.ackDelay / 8, now);
    this.#in.retryBlocked();
    c.rewind();
    const ackable = this.#in.dispatch(c, bytes, now);
    if (!carrier) this.#acks.record(seq, ackable, c.messageCount > 0, now);
    return true;
  }

  /** Absolute time at which {@link Connection.handleTimeout} must run next. */
  pollTimeout(): number {
    // a pending ping waits for send permission (window/ring): no deadline, or we would spin
    let t = this.#pingPending ? Infinity : this.#lastSend + this.#keepaliveMs;
    if (!this.#timedOut) t = Math.min(t, this.#lastReceive + this.timeoutMs);
    if (!this.#carrier) {
      if (this.#acks.unacked > 0) t = Math.min(t, this.#acks.ackDeadline);
      if (this.#sent.inFlight > 0) {
        t = Math.min(t, this.#sent.oldestSentTime + this.rtt.rto, this.#lossTime);
      }
    }
    t = Math.min(t, this.#in.nextExpiry);
    if (this.#in.blocked) t = Math.min(t, this.#lastNow + REFUSED_RETRY_MS);
    if (!this.#carrier && (this.#unreliable.length > 0 || this.#anyReliable())) {
      if (!this.#cc.canSend(this.#sent.bytesInFlight, this.#lastNow)) {
        t = Math.min(t, this.#cc.nextSendTime(this.#lastNow));
      }
    }
    return t;
  }

  /** Runs timers: timeout detection, RTO, keepalive, fragment expiry, refused-delivery retry. */
  handleTimeout(now: number): void {
    this.#lastNow = now;
    // same expressions as pollTimeout: `now - a >= b` can differ from `now >= a + b` in floats,
    // and a deadline that fires without acting would spin
    if (now >= this.#lastReceive + this.timeoutMs) this.#timedOut = true;
    if (!this.#carrier && this.#sent.inFlight > 0 && now >= this.#lossTime) {
      this.#beginLosses();
      this.#detectTimeLoss(now);
      this.#endLosses(now);
    }
    if (!this.#carrier && this.#sent.inFlight > 0) {
      const rto = this.rtt.rto;
      if (now >= this.#sent.oldestSentTime + rto) {
        this.#lostBytes = 0;
        this.#lostSentTime = -Infinity;
        this.#sent.loseOlderThan(Math.max(now - rto, this.#sent.oldestSentTime));
        this.rtt.onTimeout();
        this.stats.rtoCount++;
        this.stats.lostPackets = this.#sent.lostPackets;
        if (this.#lostBytes > 0) {
          // a single RTO is a tail-loss probe (QUIC's PTO): its losses go through the normal
          // loss response. Only a second one in a row without any RTT sample between (persistent
          // congestion) collapses the window; collapse first so the losses join that epoch.
          if (this.rtt.backoff >= 2) this.#cc.onRetransmitTimeout(now);
          this.#cc.onLoss(this.#lostBytes, now, this.#lostSentTime);
        }
      }
    }
    if (now >= this.#lastSend + this.#keepaliveMs) this.#pingPending = true;
    this.#in.expire(now);
    this.#in.retryBlocked();
  }

  /** @internal SentPacketListener: a message's packet was acked or lost. */
  onMessageRef(wireChannel: number, reliableSeq: number, acked: boolean): void {
    if (acked) this.#senders[wireChannel].onAcked(reliableSeq);
    else this.#senders[wireChannel].onLost(reliableSeq);
  }
  /** @internal SentPacketListener. */
  onPacketAcked(bytes: number): void {
    this.#ackedBytes += bytes;
    this.#loss.onAcked(1, this.#lastNow);
  }
  /** @internal SentPacketListener. */
  onPacketLost(bytes: number, sentTime: number): void {
    this.#lostBytes += bytes;
    if (sentTime > this.#lostSentTime) this.#lostSentTime = sentTime;
    this.#loss.onLost(1, this.#lastNow);
  }

  #processAck(ack: number, lo: number, hi: number, ackDelayMs: number, now: number): void {
    this.#ackedBytes = 0;
    this.#beginLosses();
    const sent = this.#sent;
    sent.onAck(ack, lo, hi, now);
    let sample: number | undefined;
    if (sent.latestRttSample >= 0) {
      sample = sent.latestRttSample;
      this.rtt.onSample(sample, ackDelayMs);
      this.stats.rtt = this.rtt.srtt;
      this.stats.rttVar = this.rtt.rttVar;
    }
    if (this.#ackedBytes > 0) this.#cc.onAck(this.#ackedBytes, sample, now);
    this.#detectTimeLoss(now);
    this.#endLosses(now);
  }
  #beginLosses(): void {
    this.#lostBytes = 0;
    this.#lostSentTime = -Infinity;
    this.#sent.longestLossRun = 0;
  }
  #endLosses(now: number): void {
    if (this.#lostBytes > 0) {
      this.#cc.onLoss(this.#lostBytes, now, this.#lostSentTime, this.#sent.longestLossRun);
    }
    this.stats.lostPackets = this.#sent.lostPackets;
  }
  // RFC 9002 time threshold: a packet older than an acked one is lost after 9/8 RTT, so tail
  // losses with fewer than FAST_RETRANSMIT_THRESHOLD later packets do not wait for the RTO
  #detectTimeLoss(now: number): void {
    const rtt = this.rtt, thr = Math.max(1.125 * Math.max(rtt.srtt, rtt.latest), 1);
    this.#lossTime = this.#sent.loseByTime(now, thr);
  }
  #anyReliable(): boolean {
    for (let i = 0; i < this.#senders.length; i++) if (this.#senders[i].peek() >= 0) return true;
    return false;
  }
  #drop(): false {
    this.stats.packetsDropped++;
    return false;
  }
}
