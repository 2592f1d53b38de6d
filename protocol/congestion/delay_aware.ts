/**
 * Congestion control: a window on bytes in flight that reacts to queueing delay (keeps a small
 * standing queue, like LEDBAT/Vegas) and to congestive loss (at most once per round trip), tolerates
 * random loss, and paces sends at ~window/RTT under optional bandwidth caps. Pure: takes `now`.
 *
 * @module
 */
import { bandwidth, positive } from "./_validate.ts";
import type { CongestionControl, CongestionOptions } from "./controller.ts";
import { MultiplayerError } from "../errors.ts";
import { WindowCeiling } from "./_ceiling.ts";
import { LossEstimator } from "./loss_estimator.ts";
import { Pacer } from "./_pacer.ts";

const CONGESTIVE_BETA = 0.7; // CUBIC's decrease: gentler than halving, still drains queues
const RTO_BETA = 0.5;
// a run of losses is an overflowing buffer (e.g. a socket buffer on loopback, where no queueing
// delay builds up first): back off harder so the drops stop
const BURST_BETA = 0.5;
const SLOW_START_GAIN = 2;
const AVOIDANCE_GAIN = 1.25;
const INITIAL_RTT_MS = 100; // round length before the first sample
/** This many consecutive packets lost at once is an overflowing queue, not random loss. */
export const LOSS_BURST_PACKETS = 3;
// a round's loss rate must pass this before any baseline is known (random loss of a few %
// on Wi-Fi must not read as congestion from the first round on)
const MIN_CONGESTIVE_LOSS_RATE = 0.2;
const MIN_ROUND_MS = 0.05;

/**
 * Delay- and loss-aware window with slow start, pacing and bandwidth caps.
 *
 * - Slow start doubles the window per round trip; it ends on loss or when queueing delay
 *   (RTT minimum of the last round minus the base RTT) passes half the target.
 * - Avoidance grows up to 1/8 of the window per round trip while the queue is short, tapering
 *   to one datagram per round trip near the target; above the target it shrinks just enough to
 *   drain the excess, so the standing queue stays near the target.
 * - A loss is congestive when the delay is up or the loss rate of the last round jumps above
 *   the long-run baseline; then the window shrinks by 0.7 (0.5 for a run of consecutive
 *   losses), once per recovery epoch. Other losses (random loss on Wi-Fi) change nothing.
 *
 * @example
 * ```ts
 *
 * const cc = new DelayAwareCongestion({ datagramSize: 1200, now: 0 });
 * let inFlight = 0;
 * while (cc.canSend(inFlight, 0)) {
 *   cc.onSent(1200, 0);
 *   inFlight += 1200;
 * }
 * console.log(inFlight); // 12000: the initial window
 * cc.onAck(1200, 50, 50);
 * console.log(cc.congestionWindow); // 13200: slow start
 * ```
 */
export class DelayAwareCongestion implements CongestionControl {
  readonly #mss: number;
  readonly #minWindow: number;
  readonly #maxWindow: number;
  readonly #targetMs: number;
  readonly #lossTolerant: boolean;
  readonly #minRttWindowMs: number;
  readonly #pacer: Pacer;
  readonly #ceiling: WindowCeiling;
  readonly #baseline = new LossEstimator({
    windowPackets: Infinity,
    windowMs: Infinity,
    decay: 1 / 16,
  });

  #cwnd: number;
  #ssthresh = Infinity;
  #srtt = 0; // 0 = no sample yet
  #rttvar = 0;
  #minRtt = Infinity;
  #minRttStamp: number;
  #probeUntil = -Infinity;
  #probeMin = Infinity;
  #roundEnd: number;
  #roundMin = Infinity;
  #lastRoundMin = Infinity;
  #roundAcked = 0;
  #roundLost = 0;
  #prevAcked = 0;
  #prevLost = 0;
  #recoveryStart = -Infinity;
  #recoveryEnd = -Infinity;
  #cwndLimitedAt = -Infinity;
  #outCap = 0;
  #peerInCap = 0;
  #peerWindow = Infinity;
  #congestionEvents = 0;
  #windowBlocked = false;
  #roundBurst = false; // a loss burst in this round: keep it out of the random-loss baseline
  // the last loss-triggered reduction, undone when every loss of its epoch proves spurious
  #undoCwnd = 0; // 0: nothing to undo
  #undoSsthresh = Infinity;
  #undoBurst = false;
  #epochLost = 0;
  #epochSpurious = 0;

  /** Creates a controller in slow start with the initial window. */
  constructor(options: CongestionOptions = {}) {
    const mss = positive("datagramSize", options.datagramSize ?? 1200);
    this.#mss = mss;
    this.#ceiling = new WindowCeiling(mss);
    this.#minWindow = mss * positive("minWindowPackets", options.minWindowPackets ?? 4);
    this.#maxWindow = positive("maxWindowBytes", options.maxWindowBytes ?? 16 * 1024 * 1024);
    const initial = mss * positive("initialWindowPackets", options.initialWindowPackets ?? 10);
    this.#cwnd = Math.min(this.#maxWindow, Math.max(this.#minWindow, initial));
    this.#targetMs = positive("targetQueueDelayMs", options.targetQueueDelayMs ?? 25);
    this.#lossTolerant = options.lossTolerant ?? true;
    this.#minRttWindowMs = positive("minRttWindowMs", options.minRttWindowMs ?? 10_000, true);
    const now = options.now ?? 0;
    this.#minRttStamp = now;
    this.#roundEnd = now + INITIAL_RTT_MS;
    this.#outCap = bandwidth("outBandwidth", options.outBandwidth ?? 0);
    const burstMs = options.pacingBurstMs ?? 2;
    if (!(burstMs >= 0) || burstMs === Infinity) {
      throw new MultiplayerError("INVALID_ARGUMENT", `pacingBurstMs must be >= 0, got ${burstMs}`);
    }
    this.#pacer = new Pacer({ minBurstBytes: 4 * mss, burstMs, now });
    this.#updatePacing(now);
  }

  /** Current congestion window in bytes. */
  get congestionWindow(): number {
    return this.#cwnd;
  }

  /** Current pacing rate in bytes/s (Infinity = not paced). */
  get pacingRate(): number {
    return this.#pacer.rate;
  }

  /** Lowest RTT seen in the current base-RTT window, in ms (Infinity before any sample). */
  get minRttMs(): number {
    return this.#minRtt;
  }

  /** Smoothed RTT of the samples seen here, in ms (0 before any sample). */
  get smoothedRttMs(): number {
    return this.#srtt;
  }

  /** Estimated queueing delay in ms (RTT minimum of the last round minus the base RTT). */
  get queueDelayMs(): number {
    const recent = Math.min(this.#lastRoundMin, this.#roundMin);
    return recent === Infinity || this.#minRtt === Infinity ? 0 : recent - this.#minRtt;
  }

  /** Number of window reductions (congestive loss, delay, timeout) so far. */
  get congestionEvents(): number {
    return this.#congestionEvents;
  }

  /** True when one more datagram may leave now (window and pacing). */
  canSend(bytesInFlight: number, now: number): boolean {
    let window = this.#cwnd;
    if (now < this.#probeUntil) window = Math.max(this.#minWindow, window / 2);
    if (window > this.#peerWindow) window = Math.max(this.#mss, this.#peerWindow);
    // remember when the window (not the app or the pacer) was the limit: only then may it grow
    const limit = this.#cwnd < this.#ssthresh ? window / 2 : window - 2 * this.#mss;
    if (bytesInFlight >= limit) this.#cwndLimitedAt = now;
    this.#windowBlocked = bytesInFlight >= window;
    if (this.#windowBlocked) return false;
    return this.#pacer.canSend(now);
  }

  /** When the pacer next allows a datagram; Infinity while blocked by the window. */
  nextSendTime(now: number): number {
    return this.#windowBlocked ? Infinity : this.#pacer.nextSendTime(now);
  }

  /** A congestion-controlled datagram of `bytes` left now. */
  onSent(bytes: number, now: number): void {
    this.#pacer.onSent(bytes, now);
  }

  /** `bytes` were newly acknowledged; `rttSample` is undefined for retransmitted packets. */
  onAck(bytes: number, rttSample: number | undefined, now: number): void {
    if (!(bytes > 0) || bytes === Infinity) return;
    this.#windowBlocked = false;
    if (rttSample !== undefined && rttSample >= 0 && rttSample < Infinity) {
      this.#onRttSample(rttSample, now);
    }
    this.#roundAcked += bytes;
    this.#maybeEndRound(now);
    if (now >= this.#recoveryEnd && this.#isCwndLimited(now)) this.#grow(bytes);
    this.#updatePacing(now);
  }

  /**
   * `bytes` were declared lost; `sentTime` (optional) scopes the recovery epoch exactly;
   * `lossRun` (optional) is the longest run of consecutive packets among them.
   */
  onLoss(bytes: number, now: number, sentTime?: number, lossRun = 1): void {
    if (!(bytes > 0) || bytes === Infinity) return;
    this.#windowBlocked = false;
    this.#roundLost += bytes;
    const burst = lossRun >= LOSS_BURST_PACKETS;
    if (burst) this.#roundBurst = true;
    const sameEpoch = sentTime !== undefined
      ? sentTime < this.#recoveryStart
      : now < this.#recoveryEnd;
    if (sameEpoch) {
      this.#epochLost += bytes;
      return;
    }
    // random loss (no delay rise, no loss-rate jump, no burst) keeps even slow start going: it
    // says nothing about capacity, and stopping there left lossy paths at a tiny window
    const cwnd = this.#cwnd, ssthresh = this.#ssthresh;
    let reduced = true;
    if (burst) {
      this.#ceiling.onLossRun(this.#cwnd, now);
      this.#reduce(BURST_BETA, now);
    } else if (this.#isCongestiveLoss()) this.#reduce(CONGESTIVE_BETA, now);
    else reduced = false;
    if (reduced) {
      this.#undoBurst = burst;
      this.#undoCwnd = cwnd;
      this.#undoSsthresh = ssthresh;
      this.#epochLost = bytes;
      this.#epochSpurious = 0;
    }
    this.#updatePacing(now);
  }

  /**
   * A loss proved spurious (the packet was acknowledged after all): it leaves the loss counts,
   * and once every loss of the last reduction's epoch did, that reduction is undone.
   */
  onSpuriousLoss(bytes: number, sentTime: number, now: number): void {
    if (!(bytes > 0) || bytes === Infinity) return;
    this.#roundLost = Math.max(0, this.#roundLost - bytes);
    if (this.#undoCwnd === 0 || !(sentTime < this.#recoveryStart)) return;
    this.#epochSpurious += bytes;
    if (this.#epochSpurious < this.#epochLost) return;
    this.#cwnd = Math.max(this.#cwnd, this.#undoCwnd);
    this.#ssthresh = Math.max(this.#ssthresh, this.#undoSsthresh);
    if (this.#undoBurst) this.#ceiling.forget(); // no buffer overflowed after all
    this.#undoCwnd = 0;
    this.#recoveryEnd = now; // not in recovery any more: growth may resume
    this.#windowBlocked = false;
    this.#updatePacing(now);
  }

  /** The retransmission timer fired with nothing acked: collapse to the minimum window. */
  onRetransmitTimeout(now: number): void {
    this.#undoCwnd = 0; // a timeout is not reordering
    this.#ssthresh = Math.max(this.#minWindow, this.#cwnd * RTO_BETA);
    this.#cwnd = this.#minWindow;
    this.#windowBlocked = false;
    this.#congestionEvents++;
    this.#startRecovery(now);
    this.#updatePacing(now);
  }

  /** Sets the local upload cap in bytes/s (0 = none). */
  setOutBandwidth(bytesPerSec: number, now: number): void {
    this.#outCap = bandwidth("outBandwidth", bytesPerSec);
    this.#updatePacing(now);
  }

  /** Sets the remote's advertised download cap in bytes/s (0 = none). */
  setPeerInBandwidth(bytesPerSec: number, now: number): void {
    this.#peerInCap = bandwidth("peer inBandwidth", bytesPerSec);
    this.#updatePacing(now);
  }

  /** Sets the remote's advertised receive window in bytes (Infinity = none). */
  setPeerReceiveWindow(bytes: number): void {
    if (!(bytes >= 0)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `receive window must be >= 0, got ${bytes}`);
    }
    this.#peerWindow = bytes;
    this.#windowBlocked = false;
  }

  #onRttSample(rtt: number, now: number): void {
    if (this.#srtt === 0) {
      this.#srtt = rtt;
      this.#rttvar = rtt / 2;
    } else {
      this.#rttvar += (Math.abs(this.#srtt - rtt) - this.#rttvar) / 4;
      this.#srtt += (rtt - this.#srtt) / 8;
    }
    if (rtt <= this.#minRtt) {
      this.#minRtt = rtt;
      this.#minRttStamp = now;
    }
    if (rtt < this.#roundMin) this.#roundMin = rtt;
    if (now < this.#probeUntil) {
      if (rtt < this.#probeMin) this.#probeMin = rtt;
    } else if (this.#probeMin !== Infinity) {
      // probe over: the base RTT is what the drained path showed
      this.#minRtt = this.#probeMin;
      this.#minRttStamp = now;
      this.#probeMin = Infinity;
    } else if (now - this.#minRttStamp > this.#minRttWindowMs) {
      // base RTT is stale (route change, or our own standing queue): drain briefly to re-measure
      this.#probeUntil = now + 2 * this.#srtt;
      this.#probeMin = rtt;
    }
  }

  #target(): number {
    // jitter allowance so noisy paths do not read as queueing; bounded by the path's own RTT
    const minRtt = this.#minRtt === Infinity ? 0 : this.#minRtt;
    return this.#targetMs + Math.min(2 * this.#rttvar, minRtt);
  }

  #maybeEndRound(now: number): void {
    if (now < this.#roundEnd) return;
    const target = this.#target();
    if (this.#roundMin !== Infinity) this.#lastRoundMin = this.#roundMin;
    this.#roundMin = Infinity;
    const queueDelay = this.queueDelayMs;
    if (queueDelay < target / 4 && now >= this.#recoveryEnd && !this.#roundBurst) {
      // short queue: losses now are the path's random loss, the baseline for later rounds
      this.#baseline.onAcked(this.#roundAcked / this.#mss, now);
      this.#baseline.onLost(this.#roundLost / this.#mss, now);
      this.#baseline.closeWindow(now);
    }
    this.#prevAcked = this.#roundAcked;
    this.#prevLost = this.#roundLost;
    this.#roundAcked = this.#roundLost = 0;
    this.#roundBurst = false;
    this.#roundEnd = now + Math.max(this.#srtt || INITIAL_RTT_MS, MIN_ROUND_MS);
    const held = this.#cwnd >= this.#ceiling.bytes - this.#mss && this.#isCwndLimited(now);
    this.#ceiling.onRound(held, now, this.#srtt);
    if (this.#cwnd < this.#ssthresh && queueDelay > target / 2) this.#ssthresh = this.#cwnd;
    if (queueDelay > target && now >= this.#recoveryEnd) {
      // shrink by the share of the window sitting in the queue beyond the target
      const excess = (queueDelay - target) / this.#lastRoundMin;
      this.#reduce(Math.max(CONGESTIVE_BETA, 1 - excess), now);
      this.#undoCwnd = 0; // a reduction for delay stays, whatever losses turn out
    }
  }

  #isCongestiveLoss(): boolean {
    if (!this.#lossTolerant) return true;
    if (this.queueDelayMs > this.#target() / 2) return true;
    const lost = this.#prevLost + this.#roundLost;
    const total = lost + this.#prevAcked + this.#roundAcked;
    const recent = total > 0 ? lost / total : 1;
    const baseline = this.#baseline.lossRate;
    return recent > Math.max(MIN_CONGESTIVE_LOSS_RATE, baseline * 1.5 + 0.03);
  }

  #isCwndLimited(now: number): boolean {
    return now - this.#cwndLimitedAt <= Math.max(this.#srtt, MIN_ROUND_MS);
  }

  #grow(bytes: number): void {
    const before = this.#cwnd;
    if (this.#cwnd < this.#ssthresh) {
      this.#cwnd += bytes;
    } else {
      const queueDelay = this.queueDelayMs;
      const target = this.#target();
      if (queueDelay >= target) return;
      // up to cwnd/8 per round trip on an empty queue, one datagram per round trip near target
      const fast = (this.#cwnd / 8) * Math.max(0, 1 - (2 * queueDelay) / target);
      this.#cwnd += ((this.#mss + fast) * bytes) / this.#cwnd;
    }
    const cap = this.#ceiling.clamp(this.#maxWindow);
    if (this.#cwnd > cap) this.#cwnd = Math.max(before, cap);
  }

  #reduce(beta: number, now: number): void {
    this.#cwnd = Math.max(this.#minWindow, this.#cwnd * beta);
    this.#ssthresh = this.#cwnd;
    this.#congestionEvents++;
    this.#startRecovery(now);
  }

  #startRecovery(now: number): void {
    this.#recoveryStart = now;
    this.#recoveryEnd = now + (this.#srtt || INITIAL_RTT_MS);
  }

  #updatePacing(now: number): void {
    let rate = Infinity;
    if (this.#srtt > 0) {
      const gain = this.#cwnd < this.#ssthresh ? SLOW_START_GAIN : AVOIDANCE_GAIN;
      rate = (gain * this.#cwnd * 1000) / Math.max(this.#srtt, 0.001);
    }
    if (this.#outCap > 0 && this.#outCap < rate) rate = this.#outCap;
    if (this.#peerInCap > 0 && this.#peerInCap < rate) rate = this.#peerInCap;
    this.#pacer.setRate(rate === Infinity ? 0 : rate, now);
  }
}
