/**
 * Shared helpers of the ChaCha20 / Poly1305 / AEAD tests: hex codecs, a seeded byte source and
 * an independent BigInt Poly1305 (straight from the definition: h = (h + block) * r mod 2^130 - 5)
 * and `node:crypto`'s ChaCha20-Poly1305 as an oracle.
 *
 * @module
 */
import { createCipheriv } from "node:crypto";

/**
 * Bytes from hex; separators (spaces, colons) are ignored.
 *
 * @example
 * ```ts
 * import { fromHex } from "./_test_util.ts";
 * console.log(fromHex("01:ff")); // Uint8Array(2) [ 1, 255 ]
 * ```
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[^0-9a-fA-F]/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Lower-case hex of `bytes`.
 *
 * @example
 * ```ts
 * import { toHex } from "./_test_util.ts";
 * console.log(toHex(new Uint8Array([1, 255]))); // 01ff
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Deterministic bytes (xorshift32), so failures reproduce.
 *
 * @example
 * ```ts
 * import { SeededBytes } from "./_test_util.ts";
 * console.log(new SeededBytes(1).bytes(4).length); // 4
 * ```
 */
export class SeededBytes {
  #s: number;
  /** Seed must be non-zero. */
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  /** Next 32-bit value. */
  next(): number {
    let s = this.#s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return this.#s = s >>> 0;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
  /** `n` pseudo-random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() >>> 24;
    return out;
  }
}

function le(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/**
 * Reference Poly1305 with BigInt, written from the definition (test oracle only).
 *
 * @example
 * ```ts
 * import { referencePoly1305 } from "./_test_util.ts";
 * console.log(referencePoly1305(new Uint8Array(32), new Uint8Array(3)).length); // 16
 * ```
 */
export function referencePoly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let h = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const block = message.subarray(i, i + 16);
    h = ((h + le(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  let tag = (h + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++, tag >>= 8n) out[i] = Number(tag & 0xffn);
  return out;
}

/**
 * ChaCha20-Poly1305 sealed by `node:crypto` (an independent oracle): ciphertext then tag, in hex.
 *
 * @example
 * ```ts
 * import { oracleSeal } from "./_test_util.ts";
 * const z = new Uint8Array(0);
 * console.log(oracleSeal(new Uint8Array(32), new Uint8Array(12), z, z).length); // 32
 * ```
 */
export function oracleSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
): string {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: pt.length });
  const ct = c.update(pt);
  c.final();
  return toHex(ct) + c.getAuthTag().toString("hex");
}
