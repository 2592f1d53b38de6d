/**
 * Liveness of one connection: the silence timeout (fixed, or RTT-scaled via
 * {@link PeerTimeout}) and keepalive PINGs. Pure: times in, flags and deadlines out.
 *
 * @module
 */
import { PeerTimeout } from "./_peer_timeout.ts";
import type { RttEstimator } from "./_rtt.ts";

/**
 * Tracks when the connection last sent and heard, and decides when it timed out and when a
 * keepalive PING is due.
 *
 * @example
 * ```ts
 * import { Liveness } from "./_liveness.ts";
 * import { RttEstimator } from "./_rtt.ts";
 * const l = new Liveness(3000, 1000, new RttEstimator(), 0);
 * console.log(l.deadline()); // 1000: the keepalive comes before the timeout
 * l.onTimeout(3000);
 * console.log(l.pingPending, l.timedOut); // true true
 * ```
 */
export class Liveness {
  /** True once the remote was silent for longer than {@link Liveness.timeoutMs}. */
  timedOut = false;
  /** A keepalive PING goes into the next datagram. */
  pingPending = false;
  /** Time the last datagram was sent. */
  lastSend: number;
  /** Time the last valid datagram was received. */
  lastReceive: number;
  readonly #fixedTimeoutMs: number;
  readonly #baseKeepaliveMs: number;
  readonly #rtt: RttEstimator;
  #keepaliveMs: number;
  #timeout: PeerTimeout | undefined; // undefined: the fixed timeout

  /** Starts with a fixed `timeoutMs`; `rtt` scales it after {@link Liveness.setPeerTimeout}. */
  constructor(timeoutMs: number, keepaliveMs: number, rtt: RttEstimator, now: number) {
    this.#fixedTimeoutMs = timeoutMs;
    this.#baseKeepaliveMs = this.#keepaliveMs = keepaliveMs;
    this.#rtt = rtt;
    this.lastSend = this.lastReceive = now;
  }

  /** Silence (ms) after which `timedOut` is set, as currently in effect. */
  get timeoutMs(): number {
    const t = this.#timeout;
    return t === undefined ? this.#fixedTimeoutMs : t.effective(this.#rtt.srtt, this.#rtt.rttVar);
  }

  /** Switches to an RTT-scaled timeout; throws MultiplayerError INVALID_ARGUMENT (PeerTimeout). */
  setPeerTimeout(limitMs: number, minMs?: number, maxMs?: number): void {
    const t = new PeerTimeout(limitMs, minMs, maxMs);
    this.#timeout = t;
    // keepalives must come well inside the shortest possible timeout
    this.#keepaliveMs = Math.min(this.#baseKeepaliveMs, Math.max(25, t.minMs / 4));
  }

  /** Earliest of the keepalive and timeout deadlines (Infinity when neither is armed). */
  deadline(): number {
    // a pending ping waits for send permission (window/ring): no deadline, or we would spin
    let t = this.pingPending ? Infinity : this.lastSend + this.#keepaliveMs;
    if (!this.timedOut) t = Math.min(t, this.lastReceive + this.timeoutMs);
    return t;
  }

  /** Sets `timedOut` and `pingPending` when their deadlines passed. */
  onTimeout(now: number): void {
    // same expressions as deadline(): `now - a >= b` can differ from `now >= a + b` in floats,
    // and a deadline that fires without acting would spin
    if (now >= this.lastReceive + this.timeoutMs) this.timedOut = true;
    if (now >= this.lastSend + this.#keepaliveMs) this.pingPending = true;
  }
}
