/**
 * ENet 1.3 (the protocol of Godot 3.2's NetworkedMultiplayerENet) as a pure, sans-I/O state
 * machine, byte-compatible with libenet. See README.md in this folder.
 *
 * @example
 * ```ts
 * import { EnetHost } from "./mod.ts";
 * const host = new EnetHost({ peerLimit: 8, channelLimit: 3 });
 * host.connect({ hostname: "127.0.0.1", port: 22577 }, 3, 1234, 0);
 * const first = host.pollTransmit(0);
 * console.log(first?.to.port, first?.bytes.length); // 22577 52
 * ```
 *
 * @module
 */
export { EnetHost, type EnetTransmit } from "./host.ts";
export { EnetPeer, type EnetPeerState } from "./peer.ts";
export type {
  EnetConnectEvent,
  EnetConnectRequest,
  EnetConnectRequestEvent,
  EnetDisconnectEvent,
  EnetEvent,
  EnetPeerEvent,
  EnetReceiveEvent,
} from "./events.ts";
export type { EnetPeerStats } from "./stats.ts";
export {
  type EnetOptions,
  type ResolvedEnetOptions,
  resolveOptions,
  type SheddingPolicy,
} from "./options.ts";
export { addressKey, type EnetAddress, sameAddress, sameHost } from "./address.ts";
export type { DatagramCompressor } from "./compressor.ts";
export { DisconnectReason } from "../errors.ts";
export type { Random } from "../random.ts";
export { crc32 } from "./crc32.ts";
export {
  COMMAND_SIZES,
  EnetCommand,
  EnetDefault,
  EnetFlag,
  EnetLimit,
  EnetPacketFlag,
  HEADER_SIZE_FULL,
  HEADER_SIZE_SHORT,
} from "./constants.ts";
export {
  decodeCommand,
  decodeDatagram,
  DecodedCommand,
  type DecodedCommandCopy,
  DecodedHeader,
  decodeHeader,
  encodeCommand,
  encodeHeader,
  type EnetCommandFields,
  hasPayload,
  newCommandFields,
} from "./codec.ts";
