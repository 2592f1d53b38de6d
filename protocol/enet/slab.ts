/**
 * Byte buffers carved from shared chunks: a fresh `ArrayBuffer` costs far more than copying a
 * small packet or datagram into it (measured: ~0.6 us for a 40-byte slice, ~0.1 us for a copy
 * into a chunk), and a datagram of small reliable packets holds thirty of them.
 *
 * @module
 */

/**
 * Hands out copies of byte ranges as views of shared chunks (8-byte aligned, so a view's
 * `byteOffset` suits any typed array); ranges above `maxShared` get buffers of their own. Only
 * bytes that are kept are copied, so what a chunk holds is bounded by what its owner charges for
 * them, plus one chunk's tail. A view keeps its whole chunk alive.
 *
 * @example
 * ```ts
 * import { CopySlab } from "./slab.ts";
 * const slab = new CopySlab(4096, 1024);
 * const datagram = new Uint8Array([9, 1, 2, 3, 4]);
 * const a = slab.copy(datagram, 1, 3), b = slab.copy(datagram, 3, 5);
 * datagram.fill(0);
 * console.log(a, b, a.buffer === b.buffer); // Uint8Array(2) [ 1, 2 ] Uint8Array(2) [ 3, 4 ] true
 * ```
 */
export class CopySlab {
  readonly #chunkBytes: number;
  readonly #maxShared: number;
  #chunk: Uint8Array = new Uint8Array(0);
  #used = 0;

  /** Chunks of `chunkBytes`; copies up to `maxShared` bytes share them. */
  constructor(chunkBytes: number, maxShared: number) {
    this.#chunkBytes = chunkBytes;
    this.#maxShared = Math.min(maxShared, chunkBytes);
  }

  /**
   * A copy of `source[start, end)` that outlives `source`.
   *
   * @example
   * ```ts
   * import { CopySlab } from "./slab.ts";
   * console.log(new CopySlab(64, 16).copy(new Uint8Array([1, 2, 3]), 1, 3)); // Uint8Array(2) [ 2, 3 ]
   * ```
   */
  copy(source: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n > this.#maxShared) return source.slice(start, end);
    const at = this.#reserve(n);
    const chunk = this.#chunk;
    if (n <= 64) { for (let k = 0; k < n; k++) chunk[at + k] = source[start + k]; }
    else chunk.set(source.subarray(start, end), at);
    return chunk.subarray(at, at + n);
  }

  /**
   * `n` zeroed bytes to fill in (a view of a shared chunk up to `maxShared`, else its own
   * buffer).
   *
   * @example
   * ```ts
   * import { CopySlab } from "./slab.ts";
   * const b = new CopySlab(64, 16).alloc(3);
   * b.set([7, 8, 9]);
   * console.log(b); // Uint8Array(3) [ 7, 8, 9 ]
   * ```
   */
  alloc(n: number): Uint8Array {
    if (n > this.#maxShared) return new Uint8Array(n);
    const at = this.#reserve(n);
    return this.#chunk.subarray(at, at + n);
  }

  // where the next `n` bytes go (a fresh chunk when they do not fit the current one)
  #reserve(n: number): number {
    let at = this.#used;
    if (at + n > this.#chunk.length) {
      this.#chunk = new Uint8Array(this.#chunkBytes);
      at = 0;
    }
    this.#used = (at + n + 7) & ~7;
    return at;
  }
}
