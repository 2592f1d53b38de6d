/**
 * Pure security building blocks: SHA-256 and HMAC, handshake cookies, the connect rate limiter,
 * the key schedule of encrypted sessions, public-key encodings, the sealed datagram header and
 * its replay window. WebCrypto calls (async) live in `transport/secure/`.
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
