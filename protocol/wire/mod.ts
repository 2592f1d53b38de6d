/**
 * The native wire format: the strict msgpack subset of the hot path, the DATA frame, 16-bit
 * sequence numbers, the handshake packets, system messages and the safe value codec behind
 * `putVar`/`getVar`. Pure codecs; every decoder treats its input as untrusted.
 *
 * @example
 * ```ts
 * import { decodeValue, encodeValue } from "./mod.ts";
 * console.log(decodeValue(encodeValue([1, "two"]))); // { ok: true, value: [ 1, "two" ] }
 * ```
 *
 * @module
 */
export * from "./msgpack.ts";
export * from "./frame.ts";
export * from "./sequence.ts";
export * from "./handshake.ts";
export * from "./control.ts";
export * from "./value_codec.ts";
