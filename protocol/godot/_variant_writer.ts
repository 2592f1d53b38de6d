/** Little-endian byte writer used by the Variant encoder: growable, or bounded by a target. */

import { MultiplayerError } from "../errors.ts";

const textEncoder = new TextEncoder();
/** Up to this many UTF-16 units, ASCII text is copied by a loop instead of the TextEncoder. */
const SHORT_ASCII = 32;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const INITIAL_CAPACITY = 256;
/** Scratch buffers larger than this are dropped after use instead of being kept for reuse. */
const KEEP_CAPACITY = 64 * 1024;

/** Writes variant bytes at `offset`, growing its buffer when it owns it. */
export class VariantWriter {
  bytes: Uint8Array;
  view: DataView;
  offset = 0;
  /** Offset of the first byte this writer may write; the byte limit counts from here. */
  start = 0;
  limit = 0;
  #growable = true;

  constructor() {
    this.bytes = new Uint8Array(INITIAL_CAPACITY);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Prepares to write into an owned, growable buffer of at most `maxBytes`. */
  resetOwned(maxBytes: number): void {
    if (!this.#growable || this.bytes.length > KEEP_CAPACITY) {
      this.bytes = new Uint8Array(INITIAL_CAPACITY);
      this.view = new DataView(this.bytes.buffer);
    }
    this.#growable = true;
    this.start = 0;
    this.offset = 0;
    this.limit = maxBytes;
  }

  /** Prepares to write into `target` from `offset`, at most `maxBytes` bytes. */
  resetTarget(target: Uint8Array, offset: number, maxBytes: number): void {
    this.#growable = false;
    this.bytes = target;
    this.view = new DataView(target.buffer, target.byteOffset, target.byteLength);
    this.start = offset;
    this.offset = offset;
    this.limit = Math.min(maxBytes, target.length - offset);
  }

  /** Drops a borrowed target so the writer does not keep it alive. */
  release(): void {
    if (!this.#growable) {
      this.bytes = new Uint8Array(INITIAL_CAPACITY);
      this.view = new DataView(this.bytes.buffer);
      this.#growable = true;
    }
  }

  /** Makes room for `n` more bytes or throws PACKET_TOO_LARGE. */
  reserve(n: number): void {
    const needed = this.offset + n;
    if (needed - this.start > this.limit) {
      const room = this.#growable
        ? `maxBytes (${this.limit})`
        : `the ${this.limit} bytes available`;
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `encodeVariant: the encoding needs more than ${room}`,
      );
    }
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, this.start + this.limit));
    grown.set(this.bytes.subarray(0, this.offset));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  i32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.offset, value, true);
    this.offset += 4;
  }

  /** Writes a safe or unsafe integer-valued number known to lie in the int64 range. */
  i64FromNumber(value: number): void {
    this.reserve(8);
    const high = Math.floor(value / 4294967296);
    this.view.setUint32(this.offset, value - high * 4294967296, true);
    this.view.setInt32(this.offset + 4, high, true);
    this.offset += 8;
  }

  i64(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.offset, value, true);
    this.offset += 8;
  }

  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.offset, value, true);
    this.offset += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.offset, value, true);
    this.offset += 8;
  }

  /**
   * Writes 32-bit elements little-endian. On little-endian hosts this is a byte copy, which
   * also keeps every f32 NaN payload exactly as stored.
   */
  words(source: Int32Array | Float32Array): void {
    this.reserve(source.length * 4);
    if (LITTLE_ENDIAN_HOST) {
      this.bytes.set(
        new Uint8Array(source.buffer, source.byteOffset, source.length * 4),
        this.offset,
      );
      this.offset += source.length * 4;
    } else if (source instanceof Int32Array) {
      for (let i = 0; i < source.length; i++) this.i32(source[i]);
    } else {
      for (let i = 0; i < source.length; i++) this.f32(source[i]);
    }
  }

  /** Writes raw bytes followed by zero padding to a multiple of 4. */
  paddedBytes(source: Uint8Array): void {
    const padded = (source.length + 3) & ~3;
    this.reserve(padded);
    this.bytes.set(source, this.offset);
    this.bytes.fill(0, this.offset + source.length, this.offset + padded);
    this.offset += padded;
  }

  /**
   * Writes `u32 byteLength`, the UTF-8 bytes, `extraZeros` NUL bytes (counted in the length)
   * and padding to a multiple of 4. The caller has checked the string is well formed.
   */
  utf8(text: string, extraZeros: 0 | 1): void {
    if (text.length <= SHORT_ASCII && this.#ascii(text, extraZeros)) return;
    // At most 3 UTF-8 bytes per UTF-16 unit; shrink the reservation to what remains if needed.
    const worst = 4 + text.length * 3 + extraZeros + 3;
    const room = this.start + this.limit - this.offset;
    this.reserve(Math.min(worst, room));
    const lengthAt = this.offset;
    const { read, written } = textEncoder.encodeInto(
      text,
      this.bytes.subarray(lengthAt + 4, this.start + this.limit),
    );
    if (read !== text.length) this.reserve(room + 1); // throws: it did not fit
    const byteLength = written + extraZeros;
    const padded = (byteLength + 3) & ~3;
    this.reserve(4 + padded);
    this.view.setUint32(lengthAt, byteLength, true);
    this.bytes.fill(0, lengthAt + 4 + written, lengthAt + 4 + padded);
    this.offset = lengthAt + 4 + padded;
  }

  /** Writes `text` like {@link utf8} if it is all ASCII; returns false (writing nothing) if not. */
  #ascii(text: string, extraZeros: 0 | 1): boolean {
    const byteLength = text.length + extraZeros;
    const padded = (byteLength + 3) & ~3;
    this.reserve(4 + padded);
    const bytes = this.bytes;
    const start = this.offset + 4;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0x80) return false;
      bytes[start + i] = unit;
    }
    this.view.setUint32(this.offset, byteLength, true);
    bytes.fill(0, start + text.length, start + padded);
    this.offset = start + padded;
    return true;
  }
}
