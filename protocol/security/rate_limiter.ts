/**
 * Token-bucket rate limiting of connect attempts per source address, plus a global budget and a
 * reserve of it for quiet sources: when a flood from many sources drains the global budget, a
 * source that has not been sending (a real client, or one retrying at its own slow pace) still
 * gets through. Memory is bounded: at most `maxKeys` sources are tracked; the least recently seen
 * one is evicted (its bucket object is recycled, so a spoofed flood allocates nothing once full).
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/** Options of a {@link RateLimiter}; every field has a safe default. */
export interface RateLimiterOptions {
  /** Sustained attempts per second allowed per source (default 4). */
  readonly perSourcePerSecond?: number;
  /** Burst size per source (default 8). */
  readonly perSourceBurst?: number;
  /** Sustained attempts per second across all sources (default 1000). */
  readonly globalPerSecond?: number;
  /** Global burst size (default 2000). */
  readonly globalBurst?: number;
  /** Most sources tracked at once (default 8192). */
  readonly maxKeys?: number;
  /**
   * Extra attempts per second, beyond the global budget, for quiet sources: ones whose own
   * bucket is (nearly) full (default half of `globalPerSecond`; its burst is half of
   * `globalBurst`). A flood's sources keep their buckets drained and never count as quiet.
   */
  readonly quietPerSecond?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Pure, `now`-driven limiter. `allow()` spends one token from the source's bucket and one from
 * the global bucket, only when both have one; with the global bucket empty, a source whose
 * bucket is (nearly) full spends from the quiet reserve instead.
 *
 * At the `maxKeys` bound the least recently used source is forgotten, so that source starts
 * again with a full burst: a spoofed flood over many addresses can thus let at most one burst per
 * evicted address through the per-source check, and the global budget caps the total.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./rate_limiter.ts";
 * const rl = new RateLimiter({ perSourcePerSecond: 1, perSourceBurst: 2 });
 * console.log(rl.allow("udp|1.2.3.4|5", 0), rl.allow("udp|1.2.3.4|5", 0)); // true true
 * console.log(rl.allow("udp|1.2.3.4|5", 0)); // false
 * console.log(rl.allow("udp|1.2.3.4|5", 1000)); // true (one token refilled)
 * ```
 */
export class RateLimiter {
  /** Sustained attempts per second per source. */
  readonly perSourcePerSecond: number;
  /** Burst size per source. */
  readonly perSourceBurst: number;
  /** Sustained attempts per second overall. */
  readonly globalPerSecond: number;
  /** Global burst size. */
  readonly globalBurst: number;
  /** Most sources tracked. */
  readonly maxKeys: number;
  /** Reserve for quiet sources, per second. */
  readonly quietPerSecond: number;
  // Map iteration order = least recently used first (entries are re-inserted on use)
  readonly #buckets = new Map<string, Bucket>();
  readonly #global: Bucket;
  readonly #quiet: Bucket;
  readonly #quietBurst: number;

  /** Throws MultiplayerError INVALID_ARGUMENT for non-positive rates, bursts or bounds. */
  constructor(options: RateLimiterOptions = {}) {
    this.perSourcePerSecond = options.perSourcePerSecond ?? 4;
    this.perSourceBurst = options.perSourceBurst ?? 8;
    this.globalPerSecond = options.globalPerSecond ?? 1000;
    this.globalBurst = options.globalBurst ?? 2000;
    this.maxKeys = options.maxKeys ?? 8192;
    this.quietPerSecond = options.quietPerSecond ?? this.globalPerSecond / 2;
    this.#quietBurst = Math.max(1, this.globalBurst / 2);
    for (
      const [name, v] of [
        ["perSourcePerSecond", this.perSourcePerSecond],
        ["perSourceBurst", this.perSourceBurst],
        ["globalPerSecond", this.globalPerSecond],
        ["globalBurst", this.globalBurst],
        ["maxKeys", this.maxKeys],
        ["quietPerSecond", this.quietPerSecond],
      ] as const
    ) {
      if (!(v > 0) || !Number.isFinite(v)) {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `rate limiter ${name} must be > 0, got ${v}`,
        );
      }
    }
    if (!Number.isInteger(this.maxKeys)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `rate limiter maxKeys must be an integer`);
    }
    this.#global = { tokens: this.globalBurst, at: Number.NEGATIVE_INFINITY };
    this.#quiet = { tokens: this.#quietBurst, at: Number.NEGATIVE_INFINITY };
  }

  /** Number of sources currently tracked (never above `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Spends a token for `key` at time `now` (ms). True = allowed, false = over a limit. */
  allow(key: string, now: number): boolean {
    const g = this.#global;
    refill(g, now, this.globalPerSecond, this.globalBurst);
    let b = this.#buckets.get(key);
    if (b) {
      this.#buckets.delete(key); // re-insert below: most recently used goes last
      refill(b, now, this.perSourcePerSecond, this.perSourceBurst);
    } else {
      if (this.#buckets.size >= this.maxKeys) {
        const oldest = this.#buckets.keys().next().value as string;
        b = this.#buckets.get(oldest)!;
        this.#buckets.delete(oldest);
      } else {
        b = { tokens: 0, at: 0 };
      }
      b.tokens = this.perSourceBurst;
      b.at = now;
    }
    this.#buckets.set(key, b);
    if (b.tokens < 1) return false;
    // every attempt costs its source, allowed or not: a flood's sources stay drained
    const quiet = b.tokens >= this.perSourceBurst - 1;
    b.tokens -= 1;
    if (g.tokens >= 1) {
      g.tokens -= 1;
      return true;
    }
    // the global budget is spent (a flood): only a quiet source may use the reserve
    if (!quiet) return false;
    const q = this.#quiet;
    refill(q, now, this.quietPerSecond, this.#quietBurst);
    if (q.tokens < 1) return false;
    q.tokens -= 1;
    return true;
  }

  /** Forgets every source (e.g. when the server closes). */
  clear(): void {
    this.#buckets.clear();
    this.#global.tokens = this.globalBurst;
    this.#quiet.tokens = this.#quietBurst;
  }
}

function refill(b: Bucket, now: number, perSecond: number, burst: number): void {
  const elapsed = now - b.at;
  if (elapsed > 0) {
    b.tokens = Math.min(burst, b.tokens + (elapsed * perSecond) / 1000);
    b.at = now;
  } else if (b.at === Number.NEGATIVE_INFINITY) {
    b.at = now;
  }
}
