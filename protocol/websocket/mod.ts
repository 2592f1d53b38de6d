/**
 * Pure, sans-I/O pieces of an RFC 6455 WebSocket server: the bounded HTTP request-head parser,
 * the opening handshake (checks, `Sec-WebSocket-Accept`, responses), the frame decoder and
 * encoder, close codes, and admission control by host. `transport/websocket/listener.ts` drives
 * them over TCP and TLS sockets.
 *
 * @example
 * ```ts
 * import { acceptKeyFor, addressLimitKey } from "./mod.ts";
 * console.log(acceptKeyFor("dGhlIHNhbXBsZSBub25jZQ==")); // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * console.log(addressLimitKey("::ffff:127.0.0.1")); // 127.0.0.1
 * ```
 *
 * @module
 */
export * from "./http_head.ts";
export * from "./handshake.ts";
export * from "./frame_decoder.ts";
export * from "./frame_encoder.ts";
export * from "./close_codes.ts";
export * from "./address_key.ts";
export * from "./utf8.ts";
export * from "./admission.ts";
export * from "./session_close.ts";
