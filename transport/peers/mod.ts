/**
 * The public peer classes: the shared base (settings, packet API, targets, `poll()`, events),
 * the UDP, WebSocket and custom-carrier peers, and their option types.
 *
 * @example
 * ```ts
 * import { UdpMultiplayerPeer } from "./mod.ts";
 * const server = new UdpMultiplayerPeer();
 * await server.createServer(0, { bindAddress: "127.0.0.1" });
 * console.log(server.getUniqueId()); // 1
 * await server.close();
 * ```
 *
 * @module
 */
export type { NetworkedMultiplayerPeer, PacketPeer } from "./api.ts";
export { MultiplayerPeerBase } from "./multiplayer_peer.ts";
export type {
  CarrierErrorDetail,
  FailureEventDetail,
  MultiplayerPeerEventMap,
  MultiplayerPeerEventName,
  PeerEventDetail,
} from "./events.ts";
export { type UdpClientOptions, UdpMultiplayerPeer, type UdpServerOptions } from "./udp_peer.ts";
export {
  type DatagramClientOptions,
  DatagramMultiplayerPeer,
  type DatagramServerOptions,
} from "./datagram_peer.ts";
export {
  type WebSocketClientPeerOptions,
  WebSocketMultiplayerPeer,
  type WebSocketServerPeerOptions,
  type WebSocketServingOptions,
  type WebSocketWire,
} from "./websocket_peer.ts";
export {
  type MixedEnetOptions,
  MixedMultiplayerPeer,
  type MixedServerOptions,
  type MixedWebSocketOptions,
} from "./mixed_peer.ts";
export type { ConnectionTuning } from "./connection_tuning.ts";
export {
  CompressionMode,
  type ENetClientOptions,
  ENetMultiplayerPeer,
  type ENetServerOptions,
} from "./enet_peer.ts";
export type { ValueCodec } from "./multiplayer_peer.ts";
