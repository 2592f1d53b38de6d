/**
 * WebSocket carriers: the client (the standard `WebSocket` only, so it runs in browsers) and the
 * server (a listener of its own, or upgrades handed over from a `Deno.serve` handler).
 *
 * @example
 * ```ts
 * import { WebSocketServerTransport } from "./mod.ts";
 * const server = await WebSocketServerTransport.listen({ port: 0, hostname: "127.0.0.1" });
 * console.log(server.localAddress.port > 0); // true
 * await server.close();
 * ```
 *
 * @module
 */
export {
  type PeerClosedHandler,
  toWebSocketUrl,
  WebSocketClientTransport,
  type WebSocketConnectOptions,
  WS_DEFAULTS,
  WS_TRANSPORT_TAG,
  WsCloseCode,
} from "./client_transport.ts";
export {
  type PeerOpenedHandler,
  type PeerWritableHandler,
  type WebSocketListenOptions,
  type WebSocketRoute,
  type WebSocketServerOptions,
  WebSocketServerTransport,
} from "./server_transport.ts";
export type {
  ClosureCounts,
  ConnectRate,
  RefusalCounts,
  WebSocketListenerStats,
} from "./listener.ts";
