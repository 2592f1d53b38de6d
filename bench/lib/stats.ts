/**
 * Small statistics helpers for benchmark samples.
 *
 * @module
 */

/**
 * The q-quantile (0..1) of `values` by nearest rank; NaN for an empty list.
 *
 * @example
 * ```ts
 * import { quantile } from "./stats.ts";
 * console.log(quantile([3, 1, 2], 0.5)); // 2
 * ```
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sorted[rank];
}

/**
 * The median of `values` (mean of the two middle ones for even counts); NaN when empty.
 *
 * @example
 * ```ts
 * import { median } from "./stats.ts";
 * console.log(median([1, 5, 3])); // 3
 * ```
 */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A fixed-capacity sample recorder (no growth on the hot path).
 *
 * @example
 * ```ts
 * import { Samples } from "./stats.ts";
 * const s = new Samples(4);
 * s.add(1.5);
 * console.log(s.values().length); // 1
 * ```
 */
export class Samples {
  readonly #data: Float64Array;
  #count = 0;
  /** Keeps at most `capacity` samples; later ones are dropped. */
  constructor(capacity: number) {
    this.#data = new Float64Array(capacity);
  }
  /** Records one sample. */
  add(value: number): void {
    if (this.#count < this.#data.length) this.#data[this.#count++] = value;
  }
  /** Number of samples recorded. */
  get count(): number {
    return this.#count;
  }
  /** The recorded samples (a view, not a copy). */
  values(): Float64Array {
    return this.#data.subarray(0, this.#count);
  }
}

/**
 * A fixed-bin histogram that several processes can fill and one can merge: values are counted in
 * bins of `width` from 0 up to `width * bins` (beyond: the last bin). Quantiles are the upper
 * edge of the bin they fall in, so they never understate.
 *
 * @example
 * ```ts
 * import { Histogram } from "./stats.ts";
 * const a = new Histogram(0.02, 10_000), b = new Histogram(0.02, 10_000);
 * a.add(0.5);
 * b.add(1.5);
 * a.merge(Histogram.fromSparse(b.toSparse()));
 * console.log(a.count, a.quantile(0.99)); // 2 1.52
 * ```
 */
export class Histogram {
  readonly #counts: Uint32Array;
  readonly #width: number;
  #count = 0;
  /** Bins of `width` (> 0) each, `bins` of them. */
  constructor(width: number, bins: number) {
    this.#width = width;
    this.#counts = new Uint32Array(Math.max(1, bins));
  }
  /** Counts one value (negative values count in the first bin). */
  add(value: number): void {
    const bin = Math.min(this.#counts.length - 1, Math.max(0, Math.floor(value / this.#width)));
    this.#counts[bin]++;
    this.#count++;
  }
  /** Values counted. */
  get count(): number {
    return this.#count;
  }
  /** Forgets every value. */
  clear(): void {
    this.#counts.fill(0);
    this.#count = 0;
  }
  /** The upper edge of the bin holding the q-quantile (0..1); NaN when empty. */
  quantile(q: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.min(this.#count, Math.max(1, Math.ceil(q * this.#count)));
    let seen = 0;
    for (let bin = 0; bin < this.#counts.length; bin++) {
      seen += this.#counts[bin];
      if (seen >= rank) return (bin + 1) * this.#width;
    }
    return this.#counts.length * this.#width;
  }
  /** Adds another histogram of the same width (extra bins fold into the last one). */
  merge(other: Histogram): void {
    if (other.#width !== this.#width) throw new RangeError("histograms of different bin widths");
    const last = this.#counts.length - 1;
    other.#counts.forEach((n, bin) => this.#counts[Math.min(bin, last)] += n);
    this.#count += other.#count;
  }
  /** A compact JSON form: the width, the bin count and the non-empty bins as [bin, count]. */
  toSparse(): { width: number; bins: number; counts: [number, number][] } {
    const counts: [number, number][] = [];
    this.#counts.forEach((n, bin) => n > 0 && counts.push([bin, n]));
    return { width: this.#width, bins: this.#counts.length, counts };
  }
  /** The inverse of {@link Histogram.toSparse}; ignores malformed entries. */
  static fromSparse(data: { width: number; bins: number; counts: [number, number][] }): Histogram {
    const h = new Histogram(data.width, data.bins);
    for (const [bin, n] of data.counts) {
      if (!Number.isInteger(bin) || bin < 0 || bin >= h.#counts.length || !(n > 0)) continue;
      h.#counts[bin] += n;
      h.#count += n;
    }
    return h;
  }
}
