/**
 * The Poly1305 one-time authenticator (RFC 8439 section 2.5): a 16-byte tag over a message under
 * a 32-byte one-time key (r, s). Pure, no BigInt: the 130-bit accumulator and `r` are six 22-bit
 * limbs held in float64, where every partial product is below 2^50 and every sum of six of them
 * below 2^53, so all of it is exact integer arithmetic (36 multiplications per 16-byte block).
 * Reusable instances are allocation-free.
 *
 * @module
 */
import { MultiplayerError } from "../errors.ts";

/** Poly1305 key size in bytes (r | s). */
export const POLY1305_KEY_BYTES = 32;
/** Poly1305 tag size in bytes. */
export const POLY1305_TAG_BYTES = 16;

const LIMB = 4194304; // 2^22
const INV_LIMB = 1 / LIMB; // exact: a power of two
const MASK = 0x3fffff;
const TOP_BITS = 1048576; // 2^20: bit 130 within limb 5 (which starts at bit 110)
const HIBIT = 262144; // 2^18: 2^128 within limb 5
const TWO32 = 4294967296;

const le32 = (b: Uint8Array, i: number): number =>
  (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/**
 * Streaming Poly1305. {@link Poly1305.init} with a fresh one-time key, feed it with
 * {@link Poly1305.update}, end with {@link Poly1305.finish} (which wipes the key state). A key
 * must never authenticate two different messages.
 *
 * @example
 * ```ts
 * import { Poly1305 } from "./poly1305.ts";
 * const mac = new Poly1305();
 * const tag = mac.init(new Uint8Array(32).fill(1)).update(new Uint8Array([1, 2, 3])).finish();
 * console.log(tag.length); // 16
 * ```
 */
export class Poly1305 {
  readonly #r = new Float64Array(6);
  readonly #h = new Float64Array(6);
  readonly #pad = new Float64Array(4);
  readonly #buffer = new Uint8Array(16);
  #buffered = 0;
  #keyed = false;

  /**
   * Starts a tag under the 32-byte key (r then s) at `key[offset..offset + 32)`; throws
   * INVALID_ARGUMENT when fewer bytes remain.
   */
  init(key: Uint8Array, offset = 0): this {
    if (!Number.isInteger(offset) || offset < 0 || offset + POLY1305_KEY_BYTES > key.length) {
      throw new MultiplayerError("INVALID_ARGUMENT", "Poly1305 key must be 32 bytes");
    }
    // r is clamped: the top 4 bits of bytes 3, 7, 11, 15 and the low 2 bits of 4, 8, 12 cleared
    const w0 = le32(key, offset) & 0x0fffffff, w1 = le32(key, offset + 4) & 0x0ffffffc;
    const w2 = le32(key, offset + 8) & 0x0ffffffc, w3 = le32(key, offset + 12) & 0x0ffffffc;
    const r = this.#r;
    r[0] = w0 & MASK;
    r[1] = (w0 >>> 22) | ((w1 & 0xfff) << 10);
    r[2] = (w1 >>> 12) | ((w2 & 0x3) << 20);
    r[3] = (w2 >>> 2) & MASK;
    r[4] = (w2 >>> 24) | ((w3 & 0x3fff) << 8);
    r[5] = w3 >>> 14;
    for (let i = 0; i < 4; i++) this.#pad[i] = le32(key, offset + 16 + 4 * i);
    this.#h.fill(0);
    this.#buffered = 0;
    this.#keyed = true;
    return this;
  }

  /** Adds `data[start..end)` to the message. Throws INVALID_ARGUMENT before {@link init}. */
  update(data: Uint8Array, start = 0, end: number = data.length): this {
    this.#checkKeyed();
    const ok = Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end;
    if (!ok || end > data.length) {
      throw new MultiplayerError("INVALID_ARGUMENT", `bad range [${start}, ${end})`);
    }
    const buf = this.#buffer;
    if (this.#buffered > 0) {
      while (this.#buffered < 16 && start < end) buf[this.#buffered++] = data[start++];
      if (this.#buffered < 16) return this;
      this.#blocks(buf, 0, 16, HIBIT);
      this.#buffered = 0;
    }
    const whole = start + ((end - start) & ~15);
    if (whole > start) this.#blocks(data, start, whole, HIBIT);
    for (let i = whole; i < end; i++) buf[this.#buffered++] = data[i];
    return this;
  }

  /**
   * Zero-pads the message so far to a multiple of 16 bytes (the AEAD construction pads the
   * additional data and the ciphertext this way).
   */
  padToBlock(): this {
    this.#checkKeyed();
    if (this.#buffered > 0) {
      this.#buffer.fill(0, this.#buffered);
      this.#blocks(this.#buffer, 0, 16, HIBIT);
      this.#buffered = 0;
    }
    return this;
  }

  /**
   * Writes the 16-byte tag to `out` at `offset` and wipes the key state (call {@link init}
   * again for the next message). Throws INVALID_ARGUMENT before {@link init}.
   */
  finish(out: Uint8Array = new Uint8Array(POLY1305_TAG_BYTES), offset = 0): Uint8Array {
    this.#checkKeyed();
    if (!Number.isInteger(offset) || offset < 0 || offset + POLY1305_TAG_BYTES > out.length) {
      throw new MultiplayerError("INVALID_ARGUMENT", "Poly1305 tag output too small");
    }
    if (this.#buffered > 0) {
      // a short final block carries a 1 byte after the message instead of the 2^128 bit
      const buf = this.#buffer;
      buf[this.#buffered] = 1;
      buf.fill(0, this.#buffered + 1);
      this.#blocks(buf, 0, 16, 0);
    }
    const h = this.#h;
    // fold everything at or above bit 130 back in (times 5) until h < 2^130 in 22-bit limbs;
    // three passes always suffice (a fixed count: the time does not depend on h)
    for (let pass = 0; pass < 3; pass++) {
      let c = 0;
      for (let i = 0; i < 5; i++) {
        const v = h[i] + c;
        c = Math.floor(v * INV_LIMB);
        h[i] = v - c * LIMB;
      }
      const v5 = h[5] + c;
      const top = Math.floor(v5 / TOP_BITS);
      h[5] = v5 - top * TOP_BITS;
      h[0] += 5 * top;
    }
    // h mod p: g = h + 5 - 2^130 is the result exactly when h + 5 reaches 2^130
    let v = h[0] + 5;
    const g0 = v & MASK;
    v = h[1] + (v >>> 22);
    const g1 = v & MASK;
    v = h[2] + (v >>> 22);
    const g2 = v & MASK;
    v = h[3] + (v >>> 22);
    const g3 = v & MASK;
    v = h[4] + (v >>> 22);
    const g4 = v & MASK;
    v = h[5] + (v >>> 22);
    const g5 = v & (TOP_BITS - 1);
    const useG = -(v >>> 20) | 0, useH = ~useG; // all-ones or all-zero: no branch on secrets
    const l0 = (h[0] & useH) | (g0 & useG), l1 = (h[1] & useH) | (g1 & useG);
    const l2 = (h[2] & useH) | (g2 & useG), l3 = (h[3] & useH) | (g3 & useG);
    const l4 = (h[4] & useH) | (g4 & useG), l5 = (h[5] & useH) | (g5 & useG);
    // (h + s) mod 2^128 as four little-endian 32-bit words
    const p = this.#pad;
    let t = ((l0 | (l1 << 22)) >>> 0) + p[0];
    t = put32(out, offset, t) + (((l1 >>> 10) | (l2 << 12)) >>> 0) + p[1];
    t = put32(out, offset + 4, t) + (((l2 >>> 20) | (l3 << 2) | (l4 << 24)) >>> 0) + p[2];
    t = put32(out, offset + 8, t) + (((l4 >>> 8) | (l5 << 14)) >>> 0) + p[3];
    put32(out, offset + 12, t);
    this.#wipe();
    return out;
  }
  #wipe(): void {
    this.#r.fill(0);
    this.#h.fill(0);
    this.#pad.fill(0);
    this.#buffer.fill(0);
    this.#buffered = 0;
    this.#keyed = false;
  }

  #checkKeyed(): void {
    if (!this.#keyed) {
      throw new MultiplayerError("INVALID_ARGUMENT", "Poly1305 used without a key: call init");
    }
  }

  // h = (h + block) * r mod 2^130 - 5 for each 16-byte block of m[off..end)
  #blocks(m: Uint8Array, off: number, end: number, hibit: number): void {
    const r = this.#r, h = this.#h;
    const r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4], r5 = r[5];
    // 2^132 = 20 (mod p): products that land at limb 6 + k come back at limb k times 20
    const s1 = 20 * r1, s2 = 20 * r2, s3 = 20 * r3, s4 = 20 * r4, s5 = 20 * r5;
    let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5];
    for (; off < end; off += 16) {
      const w0 = le32(m, off), w1 = le32(m, off + 4), w2 = le32(m, off + 8);
      const w3 = le32(m, off + 12);
      h0 += w0 & MASK;
      h1 += (w0 >>> 22) | ((w1 & 0xfff) << 10);
      h2 += (w1 >>> 12) | ((w2 & 0x3) << 20);
      h3 += (w2 >>> 2) & MASK;
      h4 += (w2 >>> 24) | ((w3 & 0x3fff) << 8);
      h5 += (w3 >>> 14) + hibit;
      // limbs below 2^23 + 2^14, factors below 20 * 2^22: each product < 2^50, six < 2^53
      const d0 = h0 * r0 + h1 * s5 + h2 * s4 + h3 * s3 + h4 * s2 + h5 * s1;
      const d1 = h0 * r1 + h1 * r0 + h2 * s5 + h3 * s4 + h4 * s3 + h5 * s2;
      const d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s5 + h4 * s4 + h5 * s3;
      const d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s5 + h5 * s4;
      const d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s5;
      const d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0;
      // carry in two rounds over all limbs at once (not one chain of six, which is slower): the
      // first leaves limbs below 2^36, the second below 2^22 + 2^14; floor of a quotient by a
      // power of two and the products of the carries are exact in float64
      let c0 = Math.floor(d0 * INV_LIMB), c1 = Math.floor(d1 * INV_LIMB);
      let c2 = Math.floor(d2 * INV_LIMB), c3 = Math.floor(d3 * INV_LIMB);
      let c4 = Math.floor(d4 * INV_LIMB), c5 = Math.floor(d5 * INV_LIMB);
      h0 = d0 - c0 * LIMB + 20 * c5, h1 = d1 - c1 * LIMB + c0, h2 = d2 - c2 * LIMB + c1;
      h3 = d3 - c3 * LIMB + c2, h4 = d4 - c4 * LIMB + c3, h5 = d5 - c5 * LIMB + c4;
      c0 = Math.floor(h0 * INV_LIMB), c1 = Math.floor(h1 * INV_LIMB);
      c2 = Math.floor(h2 * INV_LIMB), c3 = Math.floor(h3 * INV_LIMB);
      c4 = Math.floor(h4 * INV_LIMB), c5 = Math.floor(h5 * INV_LIMB);
      h0 += 20 * c5 - c0 * LIMB, h1 += c0 - c1 * LIMB, h2 += c1 - c2 * LIMB;
      h3 += c2 - c3 * LIMB, h4 += c3 - c4 * LIMB, h5 += c4 - c5 * LIMB;
    }
    h[0] = h0, h[1] = h1, h[2] = h2, h[3] = h3, h[4] = h4, h[5] = h5;
  }
}

// writes the low 32 bits of `t` (< 2^33) little-endian at `at`; returns the carry (0 or 1)
function put32(out: Uint8Array, at: number, t: number): number {
  const w = t >>> 0;
  out[at] = w, out[at + 1] = w >>> 8, out[at + 2] = w >>> 16, out[at + 3] = w >>> 24;
  return (t - w) / TWO32;
}

/**
 * One-shot Poly1305 tag of `message` under a 32-byte one-time `key`.
 *
 * @example
 * ```ts
 * import { poly1305 } from "./poly1305.ts";
 * console.log(poly1305(new Uint8Array(32), new Uint8Array(5)).length); // 16
 * ```
 */
export function poly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length !== POLY1305_KEY_BYTES) {
    throw new MultiplayerError("INVALID_ARGUMENT", `Poly1305 key must be 32 bytes: ${key.length}`);
  }
  return new Poly1305().init(key).update(message).finish();
}
