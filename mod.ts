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
  addressKey,
  ConnectionStatus,
  DisconnectReason,
  MultiplayerError,
  type MultiplayerErrorCode,
  type PeerAddress,
  type PeerStats,
  type RateLimiterOptions,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
  TransferMode,
} from "./protocol/mod.ts";
export {
  type AuthenticateHook,
  type AuthenticateInfo,
  type AuthenticateResult,
  type BurstLoss,
  type CarrierErrorDetail,
  type ClientSecurityOptions,
  type Clock,
  type ClosureCounts,
  CompositeTransport,
  CompressionMode,
  type ConnectionTuning,
  type ConnectRate,
  CryptoError,
  type DatagramClientOptions,
  type DatagramHandler,
  DatagramMultiplayerPeer,
  type DatagramServerOptions,
  type DatagramTransport,
  type ENetClientOptions,
  ENetMultiplayerPeer,
  type ENetServerOptions,
  type FailureEventDetail,
  generateServerIdentity,
  type LinkOptions,
  type MixedEnetOptions,
  MixedMultiplayerPeer,
  type MixedServerOptions,
  type MixedWebSocketOptions,
  MultiplayerPeerBase,
  type MultiplayerPeerEventMap,
  type MultiplayerPeerEventName,
  type NetworkedMultiplayerPeer,
  type PacketPeer,
  type PeerClosedHandler,
  type PeerEventDetail,
  type PeerOpenedHandler,
  type PeerWritableHandler,
  publicKeyFromHex,
  publicKeyToHex,
  type ReceiveThreadOption,
  type RefusalCounts,
  type SerializedPublicKey,
  type ServerIdentity,
  type ServerLimitOptions,
  type ServerSecurityOptions,
  type SimulationOptions,
  systemClock,
  type TimerHandle,
  type UdpClientOptions,
  UdpMultiplayerPeer,
  type UdpServerOptions,
  type ValueCodec,
  type WebSocketClientPeerOptions,
  WebSocketClientTransport,
  type WebSocketConnectOptions,
  type WebSocketListenerStats,
  type WebSocketListenOptions,
  WebSocketMultiplayerPeer,
  type WebSocketRoute,
  type WebSocketServerOptions,
  type WebSocketServerPeerOptions,
  WebSocketServerTransport,
  type WebSocketServingOptions,
  type WebSocketWire,
  WS_DEFAULTS,
  WsCloseCode,
} from "./transport/mod.ts";
export {
  AABB,
  Basis,
  Color,
  decodeVariant,
  type DecodeVariantResult,
  encodeVariant,
  GodotFloat,
  type GodotFloatWidth,
  type GodotPacing,
  type GodotWebSocketCounters,
  NodePath,
  Plane,
  PoolColorArray,
  PoolStringArray,
  PoolVector2Array,
  PoolVector3Array,
  Quat,
  Rect2,
  RID,
  Transform,
  Transform2D,
  type VariantLimits,
  Vector2,
  Vector3,
} from "./protocol/godot/mod.ts";
