/**
 * Godot's NetworkedMultiplayerPeer for Deno: a multiplayer peer over UDP with its own
 * reliability layer (reliable, unreliable-ordered and unreliable channels), server-assigned
 * ids, relay, a stateless handshake and typed events.
 *
 * @example
 * ```ts
 * import { TransferMode, UdpMultiplayerPeer } from "./mod.ts";
 * const server = new UdpMultiplayerPeer();
 * await server.createServer(0, { bindAddress: "127.0.0.1" });
 * const client = new UdpMultiplayerPeer();
 * await client.createClient("127.0.0.1", server.localPort);
 * while (client.getConnectionStatus() !== 2) await client.poll(100);
 * client.transferMode = TransferMode.RELIABLE;
 * client.setTargetPeer(1);
 * client.putVar({ hello: "server" });
 * while (server.getAvailablePacketCount() === 0) await server.poll(100);
 * console.log(server.getPacketPeer(), server.getVar());
 * await client.close();
 * await server.close();
 * ```
 *
 * @module
 */
export {
  ConnectionStatus,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  TransferMode,
} from "./protocol/constants.ts";
export { DisconnectReason, MultiplayerError } from "./protocol/errors.ts";
export type { MultiplayerErrorCode } from "./protocol/errors.ts";
export type { NetworkedMultiplayerPeer, PacketPeer } from "./transport/peers/api.ts";
export { MultiplayerPeerBase } from "./transport/peers/multiplayer_peer.ts";
export type { PeerStats } from "./protocol/connection/stats.ts";
export type {
  FailureEventDetail,
  MultiplayerPeerEventMap,
  MultiplayerPeerEventName,
  PeerEventDetail,
} from "./transport/peers/events.ts";
export {
  type UdpClientOptions,
  UdpMultiplayerPeer,
  type UdpServerOptions,
} from "./transport/peers/udp_peer.ts";
export {
  type DatagramClientOptions,
  DatagramMultiplayerPeer,
  type DatagramServerOptions,
} from "./transport/peers/datagram_peer.ts";
export type { SimulationOptions } from "./transport/sim/simulated_transport.ts";
export type { ConnectionTuning } from "./transport/peers/connection_tuning.ts";
export type { BurstLoss, LinkOptions } from "./transport/sim/link_simulator.ts";
export { addressKey, type PeerAddress } from "./protocol/address.ts";
export type { DatagramHandler, DatagramTransport } from "./transport/carrier.ts";
export { type Clock, systemClock, type TimerHandle } from "./transport/time/clock.ts";
export {
  type WebSocketClientPeerOptions,
  WebSocketMultiplayerPeer,
  type WebSocketServerPeerOptions,
} from "./transport/peers/websocket_peer.ts";
export {
  type PeerClosedHandler,
  WebSocketClientTransport,
  type WebSocketConnectOptions,
  WS_DEFAULTS,
  WsCloseCode,
} from "./transport/websocket/client_transport.ts";
export {
  type WebSocketListenOptions,
  type WebSocketServerOptions,
  WebSocketServerTransport,
} from "./transport/websocket/server_transport.ts";
export { CompositeTransport } from "./transport/composite_transport.ts";
export type {
  ClientSecurityOptions,
  ServerLimitOptions,
  ServerSecurityOptions,
} from "./transport/secure/options.ts";
export type {
  AuthenticateHook,
  AuthenticateInfo,
  AuthenticateResult,
} from "./transport/secure/layer.ts";
export {
  CryptoError,
  generateServerIdentity,
  publicKeyFromHex,
  publicKeyToHex,
  type SerializedPublicKey,
  type ServerIdentity,
} from "./transport/secure/channel.ts";
export type { RateLimiterOptions } from "./protocol/security/rate_limiter.ts";
