/**
 * Minimal msgpack writer/reader for the hot-path frame: arrays, integers, bin. Strict and
 * bounded; the reader never throws and never allocates. Anything else (maps, strings, floats) is
 * encoded/decoded with msgpackr in `control.ts`.
 *
 * @module
 */

/**
 * Writes a msgpack subset into a reusable, preallocated buffer.
 *
 * @example
 * ```ts
 * import { MsgpackWriter } from "./msgpack.ts";
 * const w = new MsgpackWriter(64);
 * w.arrayHeader(2); w.int(-1); w.bin(new Uint8Array([1, 2]), 0, 2);
 * console.log(w.pos); // 6
 * ```
 */
export class MsgpackWriter {
  /** Backing buffer (fixed size; callers check remaining space before writing). */
  readonly buf: Uint8Array;
  /** Next write offset. */
  pos = 0;
  /** Creates a writer over a new buffer of `capacity` bytes. */
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  /** Writes an array header with the smallest encoding (fixarray, array16 or array32). */
  arrayHeader(n: number): void {
    const b = this.buf;
    if (n < 16) b[this.pos++] = 0x90 | n;
    else if (n < 0x10000) {
      b[this.pos] = 0xdc;
      b[this.pos + 1] = n >>> 8;
      b[this.pos + 2] = n & 0xff;
      this.pos += 3;
    } else {
      b[this.pos++] = 0xdd;
      this.#u32(n);
    }
  }
  /** Writes an array16 header at `at` (fixed 3 bytes, for counts patched after the fact). */
  array16At(at: number, n: number): void {
    this.buf[at] = 0xdc;
    this.buf[at + 1] = n >>> 8;
    this.buf[at + 2] = n & 0xff;
  }
  /** Writes a safe integer with the smallest encoding. */
  int(v: number): void {
    const b = this.buf;
    if (v >= 0) {
      if (v < 0x80) b[this.pos++] = v;
      else if (v < 0x100) {
        b[this.pos] = 0xcc;
        b[this.pos + 1] = v;
        this.pos += 2;
      } else if (v < 0x10000) {
        b[this.pos] = 0xcd;
        b[this.pos + 1] = v >>> 8;
        b[this.pos + 2] = v & 0xff;
        this.pos += 3;
      } else if (v <= 0xffffffff) {
        b[this.pos++] = 0xce;
        this.#u32(v);
      } else {
        b[this.pos++] = 0xcf;
        this.#u32(Math.floor(v / 4294967296));
        this.#u32(v >>> 0);
      }
    } else if (v >= -32) b[this.pos++] = v & 0xff;
    else if (v >= -128) {
      b[this.pos] = 0xd0;
      b[this.pos + 1] = v & 0xff;
      this.pos += 2;
    } else if (v >= -32768) {
      b[this.pos] = 0xd1;
      b[this.pos + 1] = (v >> 8) & 0xff;
      b[this.pos + 2] = v & 0xff;
      this.pos += 3;
    } else if (v >= -2147483648) {
      b[this.pos++] = 0xd2;
      this.#u32(v >>> 0);
    } else {
      b[this.pos++] = 0xd3;
      const hi = Math.floor(v / 4294967296);
      this.#u32(hi >>> 0);
      this.#u32((v - hi * 4294967296) >>> 0);
    }
  }
  /** Writes `src[start..end)` as bin8/bin16/bin32. */
  bin(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const b = this.buf;
    if (n < 0x100) {
      b[this.pos] = 0xc4;
      b[this.pos + 1] = n;
      this.pos += 2;
    } else if (n < 0x10000) {
      b[this.pos] = 0xc5;
      b[this.pos + 1] = n >>> 8;
      b[this.pos + 2] = n & 0xff;
      this.pos += 3;
    } else {
      b[this.pos++] = 0xc6;
      this.#u32(n);
    }
    if (n > 0) {
      // a whole view is copied by set() (a memmove); a part of one by a loop when small, as
      // subarray() would allocate a view first
      if (start === 0 && end === src.length && n > 8) b.set(src, this.pos);
      else if (n <= 32) { for (let i = 0; i < n; i++) b[this.pos + i] = src[start + i]; }
      else b.set(src.subarray(start, end), this.pos);
      this.pos += n;
    }
  }
  #u32(v: number): void {
    const b = this.buf, p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }
}

/** Encoded size of an integer (same rules as {@link MsgpackWriter.int}). */
export function intSize(v: number): number {
  if (v >= 0) return v < 0x80 ? 1 : v < 0x100 ? 2 : v < 0x10000 ? 3 : v <= 0xffffffff ? 5 : 9;
  return v >= -32 ? 1 : v >= -128 ? 2 : v >= -32768 ? 3 : v >= -2147483648 ? 5 : 9;
}

/** Encoded size of a bin header for `n` payload bytes. */
export function binHeaderSize(n: number): number {
  return n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/**
 * Strict reader for the same subset. On any violation (truncation, wrong type, out of range) it
 * sets `ok = false` and returns 0; callers check `ok` once per logical unit.
 *
 * @example
 * ```ts
 * import { MsgpackReader } from "./msgpack.ts";
 * const r = new MsgpackReader();
 * r.reset(new Uint8Array([0x92, 0x01, 0xff]), 0, 3);
 * const n = r.arrayHeader(), a = r.int(), b = r.int();
 * console.log(r.ok, n, a, b); // true 2 1 -1
 * ```
 */
export class MsgpackReader {
  /** Source bytes. */
  buf: Uint8Array = new Uint8Array(0);
  /** Read offset. */
  pos = 0;
  /** End of readable bytes. */
  end = 0;
  /** False once anything invalid was read. */
  ok = true;
  /** Start of the last bin payload read. */
  binStart = 0;
  /** End of the last bin payload read. */
  binEnd = 0;

  /** Points the reader at `buf[start..end)`. */
  reset(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.ok = true;
  }
  /** Reads an array header; returns its element count. */
  arrayHeader(): number {
    if (this.pos >= this.end) return this.#fail();
    const t = this.buf[this.pos];
    if ((t & 0xf0) === 0x90) {
      this.pos++;
      return t & 0x0f;
    }
    if (t === 0xdc) return this.#be(1, 2);
    if (t === 0xdd) return this.#be(1, 4);
    return this.#fail();
  }
  /** Reads any msgpack integer that is a safe JS integer. */
  int(): number {
    if (this.pos >= this.end) return this.#fail();
    const b = this.buf, t = b[this.pos];
    if (t < 0x80) {
      this.pos++;
      return t;
    }
    if (t >= 0xe0) {
      this.pos++;
      return t - 256;
    }
    switch (t) {
      case 0xcc:
        return this.#be(1, 1);
      case 0xcd:
        return this.#be(1, 2);
      case 0xce:
        return this.#be(1, 4);
      case 0xcf: {
        if (this.pos + 9 > this.end) return this.#fail();
        const hi = this.#u32At(this.pos + 1), lo = this.#u32At(this.pos + 5);
        if (hi > 0x1fffff) return this.#fail(); // beyond 2^53
        this.pos += 9;
        return hi * 4294967296 + lo;
      }
      case 0xd0: {
        const v = this.#be(1, 1);
        return v > 0x7f ? v - 0x100 : v;
      }
      case 0xd1: {
        const v = this.#be(1, 2);
        return v > 0x7fff ? v - 0x10000 : v;
      }
      case 0xd2:
        return this.#be(1, 4) | 0;
      case 0xd3: {
        if (this.pos + 9 > this.end) return this.#fail();
        const hi = this.#u32At(this.pos + 1) | 0, lo = this.#u32At(this.pos + 5);
        if (hi > 0x1fffff || hi < -0x200000) return this.#fail();
        this.pos += 9;
        return hi * 4294967296 + lo;
      }
    }
    return this.#fail();
  }
  /** Reads a bin header and skips the payload; the payload is `buf[binStart..binEnd)`. */
  bin(): boolean {
    if (this.pos >= this.end) return this.#fail() === 1;
    const t = this.buf[this.pos];
    let n: number;
    if (t === 0xc4) n = this.#be(1, 1);
    else if (t === 0xc5) n = this.#be(1, 2);
    else if (t === 0xc6) n = this.#be(1, 4);
    else return this.#fail() === 1;
    if (!this.ok || n > this.end - this.pos) return this.#fail() === 1;
    this.binStart = this.pos;
    this.pos += n;
    this.binEnd = this.pos;
    return true;
  }
  #be(skip: number, width: number): number {
    const p = this.pos + skip;
    if (p + width > this.end) return this.#fail();
    const b = this.buf;
    let v: number;
    if (width === 1) v = b[p];
    else if (width === 2) v = (b[p] << 8) | b[p + 1];
    else v = this.#u32At(p);
    this.pos = p + width;
    return v;
  }
  #u32At(p: number): number {
    const b = this.buf;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }
  #fail(): number {
    this.ok = false;
    this.pos = this.end;
    return 0;
  }
}
