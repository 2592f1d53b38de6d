/**
 * Pure, synchronous SHA-256 (FIPS 180-4). Used by the HMAC for stateless handshake cookies, where
 * an async WebCrypto call per connect request would be awkward inside a sans-I/O state machine.
 *
 * @module
 */

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

// FIPS 180-4 §5.3.3: initial hash value.
const H0 = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

/** Size of a SHA-256 digest in bytes. */
export const SHA256_DIGEST_BYTES = 32;
/** Size of a SHA-256 input block in bytes. */
export const SHA256_BLOCK_BYTES = 64;

/**
 * Incremental SHA-256. Reusable: `reset()` after `digest()` hashes a new message without
 * allocating (the schedule and block buffers live in the instance).
 *
 * @example
 * ```ts
 * import { Sha256 } from "./_sha256.ts";
 * const h = new Sha256();
 * h.update(new TextEncoder().encode("ab"));
 * h.update(new TextEncoder().encode("c"));
 * const digest = h.digest(); // 32 bytes: ba7816bf...
 * console.log(digest.length);
 * ```
 */
export class Sha256 {
  readonly #state = new Int32Array(8);
  readonly #w = new Int32Array(64);
  readonly #block = new Uint8Array(SHA256_BLOCK_BYTES);
  #blockLen = 0;
  #totalBytes = 0;

  /** Creates a hasher ready for `update`. */
  constructor() {
    this.reset();
  }

  /** Forgets everything hashed so far. Returns `this` for chaining. */
  reset(): this {
    this.#state.set(H0);
    this.#blockLen = 0;
    this.#totalBytes = 0;
    return this;
  }

  /** Makes this hasher an exact copy of `other` (midstate reuse, e.g. HMAC pads). */
  copyFrom(other: Sha256): this {
    this.#state.set(other.#state);
    this.#block.set(other.#block);
    this.#blockLen = other.#blockLen;
    this.#totalBytes = other.#totalBytes;
    return this;
  }

  /** Absorbs `data` (any length). Returns `this` for chaining. */
  update(data: Uint8Array): this {
    let i = 0;
    const n = data.length;
    this.#totalBytes += n;
    if (this.#blockLen > 0) {
      const take = Math.min(SHA256_BLOCK_BYTES - this.#blockLen, n);
      this.#block.set(data.subarray(0, take), this.#blockLen);
      this.#blockLen += take;
      i = take;
      if (this.#blockLen < SHA256_BLOCK_BYTES) return this;
      this.#compress(this.#block, 0);
      this.#blockLen = 0;
    }
    // whole blocks straight from the input: no copy
    for (; i + SHA256_BLOCK_BYTES <= n; i += SHA256_BLOCK_BYTES) this.#compress(data, i);
    if (i < n) {
      this.#block.set(data.subarray(i), 0);
      this.#blockLen = n - i;
    }
    return this;
  }

  /**
   * Finishes the hash. Writes 32 bytes into `out` (allocated when omitted) and returns it. The
   * hasher must be `reset()` before reuse.
   */
  digest(out: Uint8Array = new Uint8Array(SHA256_DIGEST_BYTES)): Uint8Array {
    if (out.length < SHA256_DIGEST_BYTES) throw new RangeError("digest output needs 32 bytes");
    const bits = this.#totalBytes * 8;
    const block = this.#block;
    block[this.#blockLen++] = 0x80;
    if (this.#blockLen > 56) {
      block.fill(0, this.#blockLen);
      this.#compress(block, 0);
      this.#blockLen = 0;
    }
    block.fill(0, this.#blockLen, 56);
    // 64-bit big-endian bit length; lengths stay below 2^53 so split by division
    const hi = Math.floor(bits / 4294967296);
    const lo = bits >>> 0;
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = lo >>> 24;
    block[61] = lo >>> 16;
    block[62] = lo >>> 8;
    block[63] = lo;
    this.#compress(block, 0);
    this.#blockLen = 0;
    const s = this.#state;
    for (let j = 0; j < 8; j++) {
      const v = s[j];
      out[j * 4] = v >>> 24;
      out[j * 4 + 1] = v >>> 16;
      out[j * 4 + 2] = v >>> 8;
      out[j * 4 + 3] = v;
    }
    return out;
  }

  #compress(data: Uint8Array, offset: number): void {
    const w = this.#w;
    for (let t = 0; t < 16; t++) {
      const p = offset + t * 4;
      w[t] = (data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    const s = this.#state;
    let a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] = (s[0] + a) | 0;
    s[1] = (s[1] + b) | 0;
    s[2] = (s[2] + c) | 0;
    s[3] = (s[3] + d) | 0;
    s[4] = (s[4] + e) | 0;
    s[5] = (s[5] + f) | 0;
    s[6] = (s[6] + g) | 0;
    s[7] = (s[7] + h) | 0;
  }
}

const shared = new Sha256();

/**
 * One-shot SHA-256 of `data`; returns a fresh 32-byte digest.
 *
 * @example
 * ```ts
 * import { sha256 } from "./_sha256.ts";
 * const d = sha256(new TextEncoder().encode("abc"));
 * console.log(d[0] === 0xba); // true
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  return shared.reset().update(data).digest();
}
