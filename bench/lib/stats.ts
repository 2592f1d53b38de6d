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
