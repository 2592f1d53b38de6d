/**
 * Pure security building blocks: SHA-256 and HMAC, handshake cookies, the connect rate limiter,
 * the key schedule of encrypted sessions, public-key encodings, the sealed datagram header and
 * its replay window, and the datagram cipher (ChaCha20-Poly1305, synchronous) with the per-session
 * {@link SecureChannel}. WebCrypto calls (async: key agreement, signatures) live in
 * `transport/secure/`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "./mod.ts";
 * const limiter = new RateLimiter({ perSourcePerSecond: 2, perSourceBurst: 2 });
 * console.log(limiter.allow("10.0.0.1", 0), limiter.allow("10.0.0.1", 0), limiter.allow("10.0.0.1", 0));
 * // true true false
 * ```
 *
 * @module
 */
export * from "./cookie.ts";
export * from "./rate_limiter.ts";
export * from "./key_schedule.ts";
export * from "./public_key.ts";
export * from "./sealed_header.ts";
export * from "./replay_window.ts";
export * from "./chacha20.ts";
export * from "./poly1305.ts";
export * from "./aead.ts";
export * from "./secure_channel.ts";
