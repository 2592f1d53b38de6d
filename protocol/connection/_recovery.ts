/**
 * Loss recovery of a connection: in-flight datagrams, ack processing with RTT samples, loss
 * detection (packet and time thresholds), the retransmission timeout, tail-loss probes and the
 * congestion controller's feedback. Pure: takes `now`.
 *
 * @module
 */
import type { CongestionControl } from "../congestion/controller.ts";
import { LossEstimator } from "../congestion/loss_estimator.ts";
import type { RttEstimator } from "./_rtt.ts";
import {
  FAST_RETRANSMIT_THRESHOLD,
  type SentPacketListener,
  SentPackets,
} from "./_sent_packets.ts";
import type { ConnectionStats } from "./stats.ts";

/** Tail-loss probes sent per probe timeout (ack-eliciting, past the congestion window). */
export const PROBE_PACKETS = 2;
/** Unanswered probe timeouts in a row before the RTO declares the data in flight lost. */
export const PROBES_BEFORE_RTO = 2;
/** Highest packet threshold reordering can raise it to. */
const MAX_REORDER_THRESHOLD = 512;
/** Round trips without a spurious loss after which the thresholds step back down. */
const REORDER_DECAY_RTTS = 16;

/** Receives the reliable message outcomes of acked and lost packets. */
export interface MessageRefListener {
  /** Messages `firstSeq ..` (`count`): `acked` true, they arrived; false, requeue them. */
  onMessageRefs(wireChannel: number, firstSeq: number, count: number, acked: boolean): void;
}

/**
 * Sender-side recovery state of one connection.
 *
 * @example
 * ```ts
 * import { Recovery } from "./_recovery.ts";
 * import { DelayAwareCongestion } from "../congestion/delay_aware.ts";
 * import { RttEstimator } from "./_rtt.ts";
 * import { ConnectionStats } from "./stats.ts";
 * const r = new Recovery(
 *   { onMessageRefs: () => {} },
 *   new RttEstimator(),
 *   new DelayAwareCongestion(),
 *   new ConnectionStats(),
 *   50,
 *   0,
 * );
 * r.onSent(1, 0, 1200, false, true);
 * r.onAck(1, 0, 0, 0, 40);
 * console.log(r.sent.inFlight, r.rtt.srtt); // 0 40
 * ```
 */
export class Recovery implements SentPacketListener {
  /** In-flight datagrams. */
  readonly sent: SentPackets;
  /** RTT estimator (shared with the connection). */
  readonly rtt: RttEstimator;
  /** Loss rate estimate for statistics. */
  readonly loss: LossEstimator;
  /** Probe datagrams still allowed past the congestion window. */
  probes = 0;
  /** Cap on congestion-controlled datagrams in flight (a receiver's socket buffer is per datagram). */
  maxInFlight: number = Infinity;
  readonly #refs: MessageRefListener;
  readonly #cc: CongestionControl;
  readonly #stats: ConnectionStats;
  readonly #lazyAckMs: number;
  #now: number;
  #ackedBytes = 0;
  #lostBytes = 0;
  #lostSentTime = -Infinity; // newest send time among the packets just declared lost
  #lossTime = Infinity; // when the time-threshold loss check must run next
  #lastReliableSend = -Infinity; // send time of the newest datagram carrying reliable data
  #ptoCount = 0; // probe timeouts in a row without an ack (backs the probe timer off)
  // reordering tolerance (RACK-like): how much later than the RTT estimate a packet's ack may
  // come before it counts as lost; learned from losses that proved spurious, decays when none do
  #reorderWindowMs = 0;
  #lastSpurious = -Infinity;
  #lastDecay = -Infinity;

  /** `lazyAckMs`: how long the peer may hold acks of datagrams without reliable data. */
  constructor(
    refs: MessageRefListener,
    rtt: RttEstimator,
    cc: CongestionControl,
    stats: ConnectionStats,
    lazyAckMs: number,
    now: number,
  ) {
    this.#refs = refs;
    this.rtt = rtt;
    this.#cc = cc;
    this.#stats = stats;
    this.#lazyAckMs = lazyAckMs;
    this.#now = now;
    this.loss = new LossEstimator({ now });
    this.sent = new SentPackets(this);
  }

  /** True when congestion control (or a pending probe) lets one more datagram leave now. */
  canSend(now: number): boolean {
    if (this.probes > 0) return true;
    return this.sent.inFlight < this.maxInFlight && this.#cc.canSend(this.sent.bytesInFlight, now);
  }

  /** When {@link Recovery.canSend} may turn true by time alone; Infinity while acks must open it. */
  nextSendTime(now: number): number {
    return this.sent.inFlight >= this.maxInFlight ? Infinity : this.#cc.nextSendTime(now);
  }

  /** Records an ack-eliciting datagram (the refs added to `sent` while packing it). */
  onSent(
    seq: number,
    now: number,
    bytes: number,
    retransmission: boolean,
    reliable: boolean,
  ): void {
    this.sent.onSent(seq, now, bytes, retransmission, !reliable);
    this.#cc.onSent(bytes, now);
    if (reliable) this.#lastReliableSend = now;
    if (this.probes > 0) this.probes--;
  }

  /** Processes the ack fields of a received datagram (`ackDelayMs` as reported by the peer). */
  onAck(ack: number, lo: number, hi: number, ackDelayMs: number, now: number): void {
    this.#now = now;
    this.#ackedBytes = 0;
    this.#beginLosses();
    const sent = this.sent, rtt = this.rtt;
    sent.onAck(ack, lo, hi, now);
    const sampled = sent.latestRttSample >= 0 && rtt.onSample(sent.latestRttSample, ackDelayMs);
    if (sampled) {
      this.#stats.rtt = rtt.srtt;
      this.#stats.rttVar = rtt.rttVar;
    }
    if (this.#ackedBytes > 0) {
      this.#ptoCount = 0;
      this.probes = 0;
      // the peer's ack delay is not path delay: the delay-based window must not see it
      this.#cc.onAck(this.#ackedBytes, sampled ? rtt.latestAdjusted : undefined, now);
    }
    this.#decayReorderTolerance(now);
    this.#detectTimeLoss(now);
    this.#endLosses(now);
  }

  /** Earliest recovery deadline (time-threshold loss, RTO, probe), Infinity if none. */
  deadline(): number {
    if (this.sent.inFlight === 0) return Infinity;
    return Math.min(this.#lossTime, this.#rtoDeadline(), this.#probeDeadline());
  }

  /** Runs the recovery timers that are due at `now`. */
  onTimeout(now: number): void {
    this.#now = now;
    const sent = this.sent;
    if (sent.inFlight === 0) return;
    // same expressions as deadline(): a deadline that fires without acting would spin
    if (now >= this.#lossTime) {
      this.#beginLosses();
      this.#detectTimeLoss(now);
      this.#endLosses(now);
    }
    if (sent.inFlight > 0 && now >= this.#rtoDeadline()) {
      const rto = this.rtt.rto;
      this.#beginLosses();
      sent.loseOlderThan(Math.max(now - rto, sent.oldestSentTime));
      this.rtt.onTimeout();
      this.#stats.rtoCount++;
      this.#stats.lostPackets = sent.lostPackets;
      if (this.#lostBytes > 0) {
        // losses go through the normal loss response; only a second RTO in a row without any
        // RTT sample between (persistent congestion) collapses the window, first so the losses
        // join that epoch
        if (this.rtt.backoff >= 2) this.#cc.onRetransmitTimeout(now);
        this.#cc.onLoss(this.#lostBytes, now, this.#lostSentTime);
      }
    }
    if (now >= this.#probeDeadline()) {
      // tail-loss probe (RFC 9002 PTO): resend the oldest unacked reliable data past the
      // window, so a lost tail is recovered by its ack instead of a window-collapsing RTO
      this.#ptoCount++;
      if (sent.probe(PROBE_PACKETS) > 0) this.probes = PROBE_PACKETS;
      else this.#lastReliableSend = -Infinity; // nothing left to probe for: disarm
    }
  }

  /** @internal SentPacketListener. */
  onMessageRefs(wireChannel: number, firstSeq: number, count: number, acked: boolean): void {
    this.#refs.onMessageRefs(wireChannel, firstSeq, count, acked);
  }
  /** @internal SentPacketListener. */
  onPacketAcked(bytes: number): void {
    this.#ackedBytes += bytes;
    this.loss.onAcked(1, this.#now);
  }
  /** Packet threshold of loss detection in effect (3, raised by reordering). */
  get reorderThreshold(): number {
    return this.sent.reorderThreshold;
  }
  /** Extra wait (ms) beyond the RTT before a packet counts as lost by time (learned). */
  get reorderWindowMs(): number {
    return this.#reorderWindowMs;
  }

  /**
   * @internal SentPacketListener: a declared loss was reordering. The loss is taken back (the
   * controller may undo its reduction) and both thresholds rise to tolerate that reordering:
   * the packet threshold to its depth, the time threshold to how late its ack really came.
   */
  onSpuriousLoss(bytes: number, sentTime: number, reorderDistance: number): void {
    const now = this.#now, sent = this.sent, rtt = this.rtt;
    this.loss.onSpurious(1, now);
    this.#lostBytes = Math.max(0, this.#lostBytes - bytes);
    this.#stats.spuriousLosses++;
    this.#lastSpurious = now;
    const needed = Math.min(reorderDistance + 1, MAX_REORDER_THRESHOLD);
    if (needed > sent.reorderThreshold) sent.reorderThreshold = needed;
    // how much later than the estimate this packet's ack came; the estimate itself is biased
    // low under reordering (samples come from the newest acked packet, the one that overtook)
    const late = now - sentTime - Math.max(rtt.srtt, rtt.latestAdjusted);
    const cap = Math.max(rtt.rto, 1);
    if (late > this.#reorderWindowMs) this.#reorderWindowMs = Math.min(late * 1.25, cap);
    this.#cc.onSpuriousLoss(bytes, sentTime, now);
  }

  /** @internal SentPacketListener. */
  onPacketLost(bytes: number, sentTime: number): void {
    this.#lostBytes += bytes;
    if (sentTime > this.#lostSentTime) this.#lostSentTime = sentTime;
    this.loss.onLost(1, this.#now);
  }

  #beginLosses(): void {
    this.#lostBytes = 0;
    this.#lostSentTime = -Infinity;
    this.sent.longestLossRun = 0;
  }
  #endLosses(now: number): void {
    if (this.#lostBytes > 0) {
      this.#cc.onLoss(this.#lostBytes, now, this.#lostSentTime, this.sent.longestLossRun);
    }
    this.#stats.lostPackets = this.sent.lostPackets;
  }
  // after a quiet stretch the path may have stopped reordering: step the thresholds back down
  #decayReorderTolerance(now: number): void {
    const quiet = REORDER_DECAY_RTTS * Math.max(this.rtt.srtt, 1);
    if (now - this.#lastSpurious < quiet || now - this.#lastDecay < quiet) return;
    const sent = this.sent;
    if (sent.reorderThreshold === FAST_RETRANSMIT_THRESHOLD && this.#reorderWindowMs === 0) return;
    this.#lastDecay = now;
    sent.reorderThreshold = Math.max(FAST_RETRANSMIT_THRESHOLD, sent.reorderThreshold >> 1);
    this.#reorderWindowMs = this.#reorderWindowMs < 1 ? 0 : this.#reorderWindowMs / 2;
  }
  // RFC 9002 time threshold: a packet older than an acked one is lost after 9/8 RTT (plus the
  // learned reordering window), so tail losses with fewer than the packet threshold of later
  // packets do not wait for the RTO
  #detectTimeLoss(now: number): void {
    const rtt = this.rtt, base = Math.max(rtt.srtt, rtt.latestAdjusted);
    const thr = Math.max(base + Math.max(base / 8, this.#reorderWindowMs), 1);
    this.#lossTime = this.sent.loseByTime(now, thr);
  }
  // lazily acked packets (unreliable only) may wait the peer's lazy ack delay on top. While
  // probes can recover reliable data, the RTO (which declares losses) waits for two of them
  #rtoDeadline(): number {
    const sent = this.sent;
    if (this.#probeArmed() && this.probes === 0 && this.#ptoCount < PROBES_BEFORE_RTO) {
      return Infinity;
    }
    return sent.oldestSentTime + this.rtt.rto + (sent.oldestLazy ? this.#lazyAckMs : 0);
  }
  // before the first sample the RTO (initial 250 ms) covers it
  #probeArmed(): boolean {
    return this.#lastReliableSend !== -Infinity && this.rtt.hasSample;
  }
  // armed while reliable data is in flight and no probe is pending; backs off per probe
  #probeDeadline(): number {
    if (this.probes > 0 || this.sent.inFlight === 0 || !this.#probeArmed()) return Infinity;
    return this.#lastReliableSend + this.rtt.pto * 2 ** Math.min(this.#ptoCount, 10);
  }
}
