/**
 * Per-peer silence timeout, Godot's `set_peer_timeout(id, limit, min, max)` in milliseconds.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/** RTT (srtt + 4 rttvar) up to which the timeout is exactly `limitMs`; slower paths scale it. */
export const TIMEOUT_REFERENCE_RTT_MS = 200;

/**
 * The silence timeout of one peer: `clamp(limitMs * max(1, rtt / 200 ms), minMs, maxMs)` where
 * `rtt = srtt + 4 * rttvar` (no retransmission backoff, so an outage does not stretch it).
 * On a path up to 200 ms the peer is dropped after `limitMs` of silence; a slower path gets
 * proportionally longer; `minMs`/`maxMs` bound the result. `limit = min = max` is a fixed timeout.
 *
 * @example
 * ```ts
 * import { PeerTimeout } from "./_peer_timeout.ts";
 * const t = new PeerTimeout(5000, 2000, 20_000);
 * console.log(t.effective(50, 5), t.effective(800, 50)); // 5000 20000
 * ```
 */
export class PeerTimeout {
  /** Base timeout in ms. */
  readonly limitMs: number;
  /** Lower bound in ms. */
  readonly minMs: number;
  /** Upper bound in ms. */
  readonly maxMs: number;

  /** Throws MultiplayerError INVALID_ARGUMENT unless `100 <= minMs <= maxMs` and `limitMs > 0`. */
  constructor(limitMs: number, minMs = limitMs, maxMs = Math.max(limitMs, minMs)) {
    const ok = (v: number) => Number.isFinite(v) && v > 0;
    if (!ok(limitMs) || !ok(minMs) || !ok(maxMs) || minMs < 100 || minMs > maxMs) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `peer timeout needs limitMs > 0 and 100 <= minMs <= maxMs (finite), got limit ${limitMs}, ` +
          `min ${minMs}, max ${maxMs}`,
      );
    }
    this.limitMs = limitMs;
    this.minMs = minMs;
    this.maxMs = maxMs;
  }

  /** Timeout in ms for a path with smoothed RTT `srtt` and deviation `rttVar` (0 = unknown). */
  effective(srtt: number, rttVar: number): number {
    const rtt = srtt + 4 * rttVar;
    const scaled = this.limitMs * Math.max(1, rtt / TIMEOUT_REFERENCE_RTT_MS);
    return Math.min(this.maxMs, Math.max(this.minMs, scaled));
  }
}
