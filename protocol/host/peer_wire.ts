/**
 * How the session reaches one peer over that peer's wire (see `wire.ts`).
 *
 * @module
 */
import type { TransferMode } from "../constants.ts";
import type { DisconnectReason } from "../errors.ts";

/**
 * How the session reaches one peer over its wire: data and announcements framed for that wire.
 *
 * @example
 * ```ts
 * import type { PeerWire } from "./peer_wire.ts";
 * const fits = (w: PeerWire, payload: Uint8Array) => payload.length <= w.maxPayload;
 * ```
 */
export interface PeerWire {
  /** Short name of the wire, for counters and messages (`"native"`, `"enet"`, `"godot-ws"`). */
  readonly kind: string;
  /** Largest payload one packet may carry on this wire. */
  readonly maxPayload: number;
  /**
   * How values (`putVar`) are encoded for this peer: `"native"` (msgpack; also when absent) or
   * `"godot"` (Godot's Variant encoding).
   */
  readonly valueFormat?: string;
  /**
   * User channels this peer takes, when fewer than the session's (a Godot ENet client that
   * opened fewer ENet channels); packets on others are not for it.
   */
  readonly userChannels?: number;
  /**
   * Queues a packet from `from` addressed to `target` (0 all, id, -id all but id) on user
   * channel `channel`. Throws MultiplayerError QUEUE_FULL / PACKET_TOO_LARGE like a connection.
   */
  sendData(
    channel: number,
    mode: TransferMode,
    payload: Uint8Array,
    from: number,
    target: number,
    now: number,
  ): void;
  /** Servers: tells this peer that peer `id` joined (`added`) or left. */
  sendControl(added: boolean, id: number, now: number): void;
  /**
   * The session drops this peer: tell it why, as the wire allows (a DISCONNECT, a closed
   * socket). `graceful`: after what is queued for it was delivered.
   */
  sayGoodbye(reason: DisconnectReason, graceful: boolean, now: number): void;
}
