/**
 * Bytes-per-second meter over a sliding window of fixed buckets. Pure: takes `now`, never reads
 * a clock; no allocation after construction.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/**
 * Sliding-window rate: `buckets` slots of `bucketMs` each; the rate is the sum of the full
 * slots plus the share of the open one, divided by the time they cover.
 *
 * @example
 * ```ts
 * import { RateMeter } from "./_rate_meter.ts";
 * const meter = new RateMeter({ bucketMs: 100, buckets: 10, now: 0 });
 * for (let t = 0; t < 2000; t += 10) meter.add(1200, t); // 1200 B every 10 ms
 * console.log(Math.round(meter.rate(2000))); // 120000
 * ```
 */
export class RateMeter {
  readonly #bucketMs: number;
  // a plain array of numbers: a typed array costs ~200 B of objects besides its few slots
  readonly #slots: number[];
  #current: number; // index of the open bucket (absolute: floor(time / bucketMs))
  #currentEnd: number; // when the open bucket ends (most samples fall before: no division)
  #start: number; // time of the first sample: a young meter divides by its age, not the window
  #open = 0; // bytes of the open bucket, kept here until it closes: add() touches no array
  #total = 0;

  /** Creates a meter (defaults: 10 buckets of 100 ms = a 1 s window). */
  constructor(options: { bucketMs?: number; buckets?: number; now?: number } = {}) {
    const bucketMs = options.bucketMs ?? 100, buckets = options.buckets ?? 10;
    if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) {
      throw new MultiplayerError("INVALID_ARGUMENT", `bucketMs must be > 0, got ${bucketMs}`);
    }
    if (!Number.isInteger(buckets) || buckets < 2 || buckets > 1024) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `buckets must be in [2, 1024], got ${buckets}`,
      );
    }
    this.#bucketMs = bucketMs;
    this.#slots = new Array<number>(buckets).fill(0);
    const now = options.now ?? 0;
    this.#current = Math.floor(now / bucketMs);
    this.#currentEnd = (this.#current + 1) * bucketMs;
    this.#start = now;
  }

  /** Bytes counted since creation. */
  get total(): number {
    return this.#total;
  }

  /** Counts `bytes` at `now`. */
  add(bytes: number, now: number): void {
    if (now >= this.#currentEnd) this.#advance(now);
    this.#open += bytes;
    this.#total += bytes;
  }

  /** Bytes per second over the window ending at `now`. */
  rate(now: number): number {
    this.#advance(now);
    const n = this.#slots.length, b = this.#bucketMs;
    let sum = this.#open;
    for (let i = 0; i < n; i++) sum += this.#slots[i];
    // the window spans n-1 full buckets plus the elapsed part of the open one
    const openMs = now - this.#current * b;
    const spanMs = Math.min((n - 1) * b + openMs, now - this.#start);
    return spanMs > 0 ? (sum * 1000) / spanMs : 0;
  }

  #advance(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    if (bucket <= this.#current) return; // same bucket (or time went backwards: ignore)
    const n = this.#slots.length;
    this.#slots[this.#current % n] = this.#open; // the open bucket closes
    this.#open = 0;
    const steps = Math.min(bucket - this.#current, n);
    for (let i = 1; i <= steps; i++) this.#slots[(this.#current + i) % n] = 0;
    this.#current = bucket;
    this.#currentEnd = (bucket + 1) * this.#bucketMs;
  }
}
