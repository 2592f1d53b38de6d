/**
 * Pure, synchronous HMAC-SHA256 (RFC 2104) and a constant-time byte comparison.
 *
 * @module
 */
import { Sha256, SHA256_BLOCK_BYTES, SHA256_DIGEST_BYTES } from "./_sha256.ts";

/** Size of an HMAC-SHA256 tag in bytes. */
export const HMAC_SHA256_BYTES: number = SHA256_DIGEST_BYTES;

/**
 * HMAC-SHA256 with a fixed key. The keyed inner/outer midstates are computed once, so each tag
 * costs two compressions plus the data, and no allocation when an `out` buffer is passed.
 *
 * @example
 * ```ts
 * import { HmacSha256 } from "./_hmac.ts";
 * const mac = new HmacSha256(new Uint8Array(32).fill(7));
 * const tag = mac.reset().update(new Uint8Array([1, 2])).update(new Uint8Array([3])).digest();
 * console.log(tag.length); // 32
 * ```
 */
export class HmacSha256 {
  readonly #inner0 = new Sha256();
  readonly #outer0 = new Sha256();
  readonly #inner = new Sha256();
  readonly #outer = new Sha256();
  readonly #innerDigest = new Uint8Array(SHA256_DIGEST_BYTES);

  /** Keys the MAC. Keys longer than 64 bytes are hashed first (RFC 2104 §2). */
  constructor(key: Uint8Array) {
    const k = new Uint8Array(SHA256_BLOCK_BYTES);
    if (key.length > SHA256_BLOCK_BYTES) k.set(new Sha256().update(key).digest());
    else k.set(key);
    const pad = new Uint8Array(SHA256_BLOCK_BYTES);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = k[i] ^ 0x36;
    this.#inner0.update(pad);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) pad[i] = k[i] ^ 0x5c;
    this.#outer0.update(pad);
    k.fill(0);
    pad.fill(0);
    this.#inner.copyFrom(this.#inner0);
  }

  /** Starts a new tag with the same key. Returns `this` for chaining. */
  reset(): this {
    this.#inner.copyFrom(this.#inner0);
    return this;
  }

  /** Absorbs message bytes. Returns `this` for chaining. */
  update(data: Uint8Array): this {
    this.#inner.update(data);
    return this;
  }

  /** Writes the 32-byte tag into `out` (allocated when omitted), returns it, and resets. */
  digest(out: Uint8Array = new Uint8Array(HMAC_SHA256_BYTES)): Uint8Array {
    this.#inner.digest(this.#innerDigest);
    this.#outer.copyFrom(this.#outer0).update(this.#innerDigest).digest(out);
    this.reset();
    return out;
  }
}

/**
 * One-shot HMAC-SHA256 of `data` under `key`; returns a fresh 32-byte tag.
 *
 * @example
 * ```ts
 * import { hmacSha256 } from "./_hmac.ts";
 * const enc = new TextEncoder();
 * const tag = hmacSha256(enc.encode("key"), enc.encode("The quick brown fox jumps over the lazy dog"));
 * console.log(tag[0] === 0xf7); // true
 * ```
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new HmacSha256(key).update(data).digest();
}

/**
 * Compares two byte arrays in time that depends only on their lengths (not on where they
 * differ), so a forger cannot learn a valid tag byte by byte. Different lengths -> false.
 *
 * @example
 * ```ts
 * import { timingSafeEqual } from "./_hmac.ts";
 * console.log(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))); // true
 * ```
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
