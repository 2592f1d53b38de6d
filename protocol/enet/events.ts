/** Events a host or peer reports through `pollEvent`. @module */
import type { DisconnectReason } from "../errors.ts";
import type { EnetAddress } from "./address.ts";
import type { EnetPeer } from "./peer.ts";

/**
 * The handshake finished: data can flow. `data` is the CONNECT's user data on the server side
 * (Godot: the client's unique id) and 0 on the client side.
 *
 * @example
 * ```ts
 * import type { EnetConnectEvent } from "./events.ts";
 * const onConnect = (e: EnetConnectEvent) => console.log(e.peer.incomingPeerId, e.data);
 * ```
 */
export interface EnetConnectEvent {
  /** Event kind. */
  readonly type: "connect";
  /** The peer concerned. */
  readonly peer: EnetPeer;
  /** CONNECT user data (server side), 0 on the client side. */
  readonly data: number;
}

/**
 * The peer is gone. `reason`: CLOSED (the remote sent DISCONNECT, or our `disconnect` was
 * acknowledged), TIMEOUT (an established peer stopped acknowledging), CONNECT_TIMEOUT (no answer
 * to our CONNECT), PROTOCOL_ERROR (the VERIFY_CONNECT did not match our CONNECT). `data` is the
 * remote's DISCONNECT data (0 otherwise). `wasConnected` tells a failed connect from a lost one.
 *
 * @example
 * ```ts
 * import type { EnetDisconnectEvent } from "./events.ts";
 * const failed = (e: EnetDisconnectEvent) => !e.wasConnected;
 * ```
 */
export interface EnetDisconnectEvent {
  /** Event kind. */
  readonly type: "disconnect";
  /** The peer concerned. */
  readonly peer: EnetPeer;
  /** Why (a DisconnectReason). */
  readonly reason: DisconnectReason;
  /** The remote's DISCONNECT data, 0 otherwise. */
  readonly data: number;
  /** A connect event had been reported before. */
  readonly wasConnected: boolean;
}

/**
 * One complete packet. `flags` is RELIABLE (1), UNSEQUENCED (2), UNRELIABLE_FRAGMENT (8, an
 * unreliable packet that came in fragments) or 0 (unreliable, sequenced). `data` is owned by the
 * receiver.
 *
 * @example
 * ```ts
 * import type { EnetReceiveEvent } from "./events.ts";
 * const size = (e: EnetReceiveEvent) => e.data.length;
 * ```
 */
export interface EnetReceiveEvent {
  /** Event kind. */
  readonly type: "receive";
  /** The peer concerned. */
  readonly peer: EnetPeer;
  /** Channel it came on. */
  readonly channel: number;
  /** The packet (owned by the receiver). */
  readonly data: Uint8Array;
  /** Packet flags. */
  readonly flags: number;
}

/**
 * A CONNECT from a new remote, waiting for `EnetHost.accept` / `EnetHost.reject`.
 *
 * @example
 * ```ts
 * import type { EnetConnectRequest } from "./events.ts";
 * const godotId = (r: EnetConnectRequest) => r.data;
 * ```
 */
export interface EnetConnectRequest {
  /** The remote's address. */
  readonly address: EnetAddress;
  /** CONNECT user data (Godot: the client's unique id). */
  readonly data: number;
  /** Channels the remote asked for (the answer clamps it to the channel limit). */
  readonly channelCount: number;
  /** Opaque 32-bit connection id. */
  readonly connectId: number;
  /** MTU in bytes. */
  readonly mtu: number;
  /** Downstream bandwidth in bytes/s (0 = unlimited). */
  readonly incomingBandwidth: number;
  /** Upstream bandwidth in bytes/s (0 = unlimited). */
  readonly outgoingBandwidth: number;
  /** The peer slot reserved for it. */
  readonly peer: EnetPeer;
}

/**
 * A connect request reported by a host.
 *
 * @example
 * ```ts
 * import type { EnetConnectRequestEvent } from "./events.ts";
 * const from = (e: EnetConnectRequestEvent) => e.request.address.hostname;
 * ```
 */
export interface EnetConnectRequestEvent {
  /** Event kind. */
  readonly type: "connectRequest";
  /** The request to answer. */
  readonly request: EnetConnectRequest;
}

/**
 * Anything `pollEvent` returns.
 *
 * @example
 * ```ts
 * import type { EnetEvent } from "./events.ts";
 * function describe(e: EnetEvent): string {
 *   return e.type === "receive" ? `${e.data.length} bytes on ${e.channel}` : e.type;
 * }
 * ```
 */
export type EnetEvent =
  | EnetConnectEvent
  | EnetDisconnectEvent
  | EnetReceiveEvent
  | EnetConnectRequestEvent;

/**
 * What a peer itself reports (a host adds connect requests).
 *
 * @example
 * ```ts
 * import type { EnetPeerEvent } from "./events.ts";
 * const isData = (e: EnetPeerEvent) => e.type === "receive";
 * ```
 */
export type EnetPeerEvent = EnetConnectEvent | EnetDisconnectEvent | EnetReceiveEvent;
