/** The public interfaces of the spec: PacketPeer and NetworkedMultiplayerPeer. @module */
import type { ConnectionStatus, TransferMode } from "../../protocol/constants.ts";
import type { MultiplayerPeerEventMap } from "./events.ts";

/**
 * Godot's PacketPeer: a queue of whole packets in and out.
 *
 * @example
 * ```ts
 * import type { PacketPeer } from "./api.ts";
 * function drain(peer: PacketPeer): Uint8Array[] {
 *   const out: Uint8Array[] = [];
 *   while (peer.getAvailablePacketCount() > 0) out.push(peer.getPacket()!);
 *   return out;
 * }
 * ```
 */
export interface PacketPeer {
  /** Packets made available by the last `poll()` and not read yet. */
  getAvailablePacketCount(): number;
  /** Next packet (owned by the caller), or undefined when none is available. */
  getPacket(): Uint8Array | undefined;
  /** Sends a packet. Ownership of `data` passes to the peer: do not modify it afterwards. */
  putPacket(data: Uint8Array): void;
  /** Sends any plain value (msgpack): null, booleans, numbers, strings, bytes, arrays, objects. */
  putVar(value: unknown): void;
  /** Next packet decoded as a value (safely: no class instances, no prototype changes). */
  getVar(): unknown;
  /** Error of the last `getPacket`/`getVar`, or undefined when it succeeded. */
  getPacketError(): Error | undefined;
  /** Largest packet `putPacket` accepts (default 8 MiB); larger ones throw a RangeError. */
  encodeBufferMaxSize: number;
}

/**
 * Godot's NetworkedMultiplayerPeer. Events: `connection_succeeded`, `connection_failed`,
 * `peer_connected`, `peer_disconnected`, `server_disconnected` (see `MultiplayerPeerEventMap`).
 *
 * @example
 * ```ts
 * import type { NetworkedMultiplayerPeer } from "./api.ts";
 * function greet(peer: NetworkedMultiplayerPeer): void {
 *   peer.addEventListener("peer_connected", (e) => console.log("hello", e.detail.id));
 * }
 * ```
 */
export interface NetworkedMultiplayerPeer extends PacketPeer, EventTarget {
  /** DISCONNECTED, CONNECTING or CONNECTED. */
  getConnectionStatus(): ConnectionStatus;
  /** Sender id of the packet `getPacket()` returns next (0 when none). */
  getPacketPeer(): number;
  /** User channel of the next packet. */
  getPacketChannel(): number;
  /** Transfer mode of the next packet. */
  getPacketMode(): TransferMode;
  /** This peer's id (1 on servers; assigned by the server on clients, 0 before). */
  getUniqueId(): number;
  /**
   * Dispatches pending events and makes received packets available; when nothing is pending,
   * waits up to `timeoutMs` (default 1000) and resolves as soon as something arrives. Resolves
   * to the number of events + packets made available.
   */
  poll(timeoutMs?: number): Promise<number>;
  /** Target of the next `putPacket`: 0 all, 1 server, id, -id all but id. */
  setTargetPeer(id: number): void;
  /** Servers: reject new clients explicitly. */
  refuseNewConnections: boolean;
  /** Mode used by `putPacket`. */
  transferMode: TransferMode;

  /** Typed listener for the peer's events. */
  addEventListener<K extends keyof MultiplayerPeerEventMap>(
    type: K,
    listener: (this: NetworkedMultiplayerPeer, event: MultiplayerPeerEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Untyped fallback. */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Typed removal. */
  removeEventListener<K extends keyof MultiplayerPeerEventMap>(
    type: K,
    listener: (this: NetworkedMultiplayerPeer, event: MultiplayerPeerEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Untyped fallback. */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}
