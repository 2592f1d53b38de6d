/**
 * The 32-bit carry-less range coder under ENet's compressor: it narrows [low, low + range) by
 * symbol frequencies and shifts out the top byte once it is settled. When the interval straddles
 * a top-byte boundary while too narrow, it is cut at that boundary (losing a little precision
 * instead of propagating carries). All arithmetic wraps at 32 bits like the wire format's. @module
 */

/** Top-byte boundary: a byte is final once low and low + range agree above it. */
const TOP = 1 << 24;
/** The interval is renormalized whenever it is narrower than this. */
const BOTTOM = 1 << 16;
/** Placeholder so that finished coders keep no reference to caller buffers. */
const EMPTY = new Uint8Array(0);

/**
 * Writes coded bytes into a caller-provided buffer, failing instead of overflowing it.
 *
 * @example
 * ```ts
 * import { ArithmeticDecoder, ArithmeticEncoder } from "./_range_arith.ts";
 * const out = new Uint8Array(8);
 * const encoder = new ArithmeticEncoder();
 * encoder.begin(out, out.length);
 * encoder.encode(3, 1, 10); // symbol 3 of 10 equally likely ones
 * encoder.flush();
 * const decoder = new ArithmeticDecoder();
 * decoder.begin(out.subarray(0, encoder.length));
 * console.log(decoder.read(10)); // 3
 * ```
 */
export class ArithmeticEncoder {
  #low = 0;
  #range = 0xffffffff;
  #out: Uint8Array = EMPTY;
  #pos = 0;
  #limit = 0;

  /** Starts a new stream written to `out[0 .. limit)`. */
  begin(out: Uint8Array, limit: number): void {
    this.#low = 0;
    this.#range = 0xffffffff;
    this.#out = out;
    this.#pos = 0;
    this.#limit = limit;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Codes the interval [under, under + count) of `total`; false when the output is full. */
  encode(under: number, count: number, total: number): boolean {
    let range = (this.#range / total) >>> 0;
    let low = (this.#low + Math.imul(under, range)) >>> 0;
    range = Math.imul(range, count) >>> 0;
    for (;;) {
      if (((low ^ ((low + range) >>> 0)) >>> 0) >= TOP) {
        if (range >= BOTTOM) break;
        range = -low & (BOTTOM - 1);
      }
      if (this.#pos >= this.#limit) return false;
      this.#out[this.#pos++] = low >>> 24;
      range = (range << 8) >>> 0;
      low = (low << 8) >>> 0;
    }
    this.#low = low;
    this.#range = range;
    return true;
  }

  /** Emits the bytes of `low` still needed to identify the interval; false when full. */
  flush(): boolean {
    let low = this.#low;
    while (low !== 0) {
      if (this.#pos >= this.#limit) return false;
      this.#out[this.#pos++] = low >>> 24;
      low = (low << 8) >>> 0;
    }
    this.#low = 0;
    return true;
  }

  /** Drops the reference to the caller's buffer. */
  end(): void {
    this.#out = EMPTY;
  }
}

/**
 * Reads coded bytes; past the end of the input it reads zeros, as the encoder's flush expects.
 *
 * @example
 * ```ts
 * import { ArithmeticDecoder } from "./_range_arith.ts";
 * const decoder = new ArithmeticDecoder();
 * decoder.begin(new Uint8Array(0)); // all zeros: the lowest symbol of any distribution
 * console.log(decoder.read(257)); // 0
 * ```
 */
export class ArithmeticDecoder {
  #low = 0;
  #range = 0xffffffff;
  #code = 0;
  #src: Uint8Array = EMPTY;
  #pos = 0;

  /** Starts decoding `src` and loads the first four bytes. */
  begin(src: Uint8Array): void {
    this.#src = src;
    this.#low = 0;
    this.#range = 0xffffffff;
    let code = 0;
    for (let shift = 24, i = 0; shift >= 0 && i < src.length; shift -= 8, i++) {
      code |= src[i] << shift;
    }
    this.#code = code >>> 0;
    this.#pos = Math.min(4, src.length);
  }

  /**
   * Scales the interval to `total` and returns where the code falls in it. The result is cut to
   * 16 bits like the model's counters on the wire (corrupt input can point past `total`).
   */
  read(total: number): number {
    this.#range = (this.#range / total) >>> 0;
    return (((this.#code - this.#low) >>> 0) / this.#range) & 0xffff;
  }

  /** Consumes the interval [under, under + count) chosen after `read(total)`. */
  decode(under: number, count: number): void {
    let range = this.#range;
    let low = (this.#low + Math.imul(under, range)) >>> 0;
    range = Math.imul(range, count) >>> 0;
    let code = this.#code;
    for (;;) {
      if (((low ^ ((low + range) >>> 0)) >>> 0) >= TOP) {
        if (range >= BOTTOM) break;
        range = -low & (BOTTOM - 1);
      }
      code = (code << 8) >>> 0;
      if (this.#pos < this.#src.length) code = (code | this.#src[this.#pos++]) >>> 0;
      range = (range << 8) >>> 0;
      low = (low << 8) >>> 0;
    }
    this.#low = low;
    this.#range = range;
    this.#code = code;
  }

  /** Drops the reference to the caller's buffer. */
  end(): void {
    this.#src = EMPTY;
  }
}
