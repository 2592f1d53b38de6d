/**
 * Cold caches on demand for in-process cost tools: writing one byte per cache line of a buffer
 * larger than the caches pushes the measured state out before a timed step.
 *
 * @module
 */

/**
 * A buffer of `mib` MiB whose every cache line {@link CacheEvictor.evict} writes (0: does nothing).
 *
 * @example
 * ```ts
 * import { CacheEvictor } from "./cache_evict.ts";
 * const caches = new CacheEvictor(16);
 * caches.evict(); // 16 MiB of other data written: what a step touches next comes from memory
 * ```
 */
export class CacheEvictor {
  readonly #junk: Uint8Array;

  /** Allocates the buffer; `mib` must be >= 0. */
  constructor(mib: number) {
    if (!(mib >= 0)) throw new RangeError(`evict MiB must be >= 0, got ${mib}`);
    this.#junk = new Uint8Array(Math.round(mib * (1 << 20)));
  }

  /** Writes one byte of every 64 B line of the buffer. */
  evict(): void {
    const junk = this.#junk;
    for (let k = 0; k < junk.length; k += 64) junk[k]++;
  }
}
