/**
 * RTT estimator (RFC 6298 style) and retransmission timeout with floor, ceiling and backoff.
 *
 * @module
 */

/** Tuning of {@link RttEstimator}. */
export interface RttOptions {
  /** RTO before the first sample (ms). */
  readonly initialRtoMs: number;
  /** Lowest RTO: loopback RTT is ~0.1 ms but event-loop stalls and delayed acks are not. */
  readonly minRtoMs: number;
  /** Highest RTO, backoff included. */
  readonly maxRtoMs: number;
  /** Largest delay the peer adds before acking data that waits for it (added to the RTO). */
  readonly maxAckDelayMs: number;
  /**
   * Largest reported ack delay subtracted from a sample (the peer acks unreliable-only packets
   * lazily, up to its lazy ack delay); defaults to `maxAckDelayMs`.
   */
  readonly ackDelayCapMs?: number;
}

const MIN_SAMPLE_MS = 0.01;
// a sample whose reported ack delay exceeds this share of it is mostly delay: skipped
const MAX_DELAY_SHARE = 0.5;
// ...but not forever: every 16th one is used (adjusted), so srtt cannot go stale on a path
// whose acks are all lazy (unreliable-only traffic)
const MAX_IGNORED_IN_A_ROW = 15;
// probe timeout floor: event-loop stalls of a few ms must not send probes on fast paths
const MIN_PTO_MS = 10;

/** Defaults of {@link RttOptions}. */
export const DEFAULT_RTT_OPTIONS: RttOptions = {
  initialRtoMs: 250,
  minRtoMs: 25,
  maxRtoMs: 3000,
  maxAckDelayMs: 4,
};

/**
 * Smoothed RTT, RTT variance and the retransmission timeout.
 *
 * @example
 * ```ts
 * import { RttEstimator } from "./_rtt.ts";
 * const rtt = new RttEstimator();
 * rtt.onSample(40, 0);
 * console.log(rtt.srtt, rtt.rttVar, rtt.rto); // 40 20 124
 * ```
 */
export class RttEstimator {
  /** Smoothed RTT (ms); 0 until the first sample. */
  srtt = 0;
  /** RTT mean deviation (ms). */
  rttVar = 0;
  /** Smallest RTT seen (ms). */
  minRtt: number = Infinity;
  /** Most recent sample (ms). */
  latest = 0;
  /** Most recent sample minus the peer's reported ack delay (ms), as used for SRTT. */
  latestAdjusted = 0;
  /** Consecutive RTO expirations (doubles the RTO each time). */
  backoff = 0;
  #hasSample = false;
  #ignored = 0; // lazy-ack samples skipped in a row
  // the options as fields, not a per-connection options object
  readonly #initialRtoMs: number;
  readonly #minRtoMs: number;
  readonly #maxRtoMs: number;
  readonly #maxAckDelayMs: number;
  readonly #ackDelayCapMs: number;
  /** Creates an estimator; `options` override {@link DEFAULT_RTT_OPTIONS}. */
  constructor(options: Partial<RttOptions> = {}) {
    const d = DEFAULT_RTT_OPTIONS;
    this.#initialRtoMs = options.initialRtoMs ?? d.initialRtoMs;
    this.#minRtoMs = options.minRtoMs ?? d.minRtoMs;
    this.#maxRtoMs = options.maxRtoMs ?? d.maxRtoMs;
    this.#maxAckDelayMs = options.maxAckDelayMs ?? d.maxAckDelayMs;
    this.#ackDelayCapMs = options.ackDelayCapMs ?? d.ackDelayCapMs ?? this.#maxAckDelayMs;
  }
  /** True once a sample was taken. */
  get hasSample(): boolean {
    return this.#hasSample;
  }
  /**
   * Adds a sample `rttMs` measured on a packet whose ack was delayed `ackDelayMs` by the peer.
   * The ack delay (capped) is subtracted, never below the minimum RTT. A sample that is mostly
   * ack delay (a lazy ack) is ignored once an estimate exists: its path share is within the
   * delay field's rounding, and the raw value would inflate srtt by the peer's lazy ack delay.
   * Returns whether the sample was used ({@link RttEstimator.latestAdjusted} is then valid).
   */
  onSample(rttMs: number, ackDelayMs: number): boolean {
    if (!(rttMs >= 0)) return false;
    this.latest = rttMs;
    this.backoff = 0; // an ack arrived: the path is alive, whatever the sample is worth
    const cap = this.#ackDelayCapMs;
    const delay = Math.min(Math.max(ackDelayMs, 0), cap);
    if (
      this.#hasSample && delay > rttMs * MAX_DELAY_SHARE && this.#ignored < MAX_IGNORED_IN_A_ROW
    ) {
      this.#ignored++;
      return false;
    }
    this.#ignored = 0;
    // The minimum follows prompt samples (mostly path, RFC 9002 style: raw) before it is used,
    // so one slow early sample cannot freeze it; a lazy ack's claimed delay never takes a
    // sample below it. The first sample seeds it adjusted, as lazy acks may be all there is.
    const prompt = delay <= rttMs * MAX_DELAY_SHARE;
    if (!this.#hasSample) this.minRtt = Math.max(rttMs - delay, MIN_SAMPLE_MS);
    else if (prompt && rttMs < this.minRtt) this.minRtt = Math.max(rttMs, MIN_SAMPLE_MS);
    const adjusted = Math.max(rttMs - delay, this.minRtt, MIN_SAMPLE_MS);
    this.latestAdjusted = adjusted;
    if (!this.#hasSample) {
      this.#hasSample = true;
      this.srtt = adjusted;
      this.rttVar = adjusted / 2;
    } else {
      this.rttVar = 0.75 * this.rttVar + 0.25 * Math.abs(this.srtt - adjusted);
      this.srtt = 0.875 * this.srtt + 0.125 * adjusted;
    }
    return true;
  }
  /** Records an RTO expiry (next RTO doubles, up to the ceiling). */
  onTimeout(): void {
    if (this.backoff < 16) this.backoff++;
  }
  /**
   * Probe timeout in ms (RFC 9002 PTO, before backoff): srtt + 4 rttvar + the peer's max ack
   * delay, at least 10 ms; the initial RTO before any sample.
   */
  get pto(): number {
    if (!this.#hasSample) return this.#initialRtoMs;
    return Math.max(this.srtt + Math.max(4 * this.rttVar, 1) + this.#maxAckDelayMs, MIN_PTO_MS);
  }
  /** Current RTO in ms, backoff included. */
  get rto(): number {
    const base = this.#hasSample
      // srtt/2: a delay-based window lets the RTT rise by its queue target within a round
      // trip, faster than srtt follows; a tighter RTO fires spuriously on every such rise
      ? this.srtt + Math.max(4 * this.rttVar, this.srtt / 2, 1) + this.#maxAckDelayMs
      : this.#initialRtoMs;
    const floored = Math.max(base, this.#minRtoMs) * 2 ** this.backoff;
    return Math.min(floored, this.#maxRtoMs);
  }
}
