/** Typed events of a multiplayer peer, named after the spec's signals. @module */
import type { DisconnectReason } from "../../protocol/errors.ts";
import type { HostEvent } from "../../protocol/host/types.ts";

/**
 * Detail of `peer_connected` / `peer_disconnected` (and of `connection_succeeded`: our own id).
 *
 * @example
 * ```ts
 * import type { PeerEventDetail } from "./events.ts";
 * const d: PeerEventDetail = { id: 5 };
 * ```
 */
export interface PeerEventDetail {
  /** The peer's unique id. */
  readonly id: number;
  /** Why it left (`peer_disconnected` only). */
  readonly reason?: DisconnectReason;
}

/**
 * Detail of `connection_failed` and `server_disconnected`.
 *
 * @example
 * ```ts
 * import type { FailureEventDetail } from "./events.ts";
 * const d: FailureEventDetail = { reason: 3, message: "server refuses new connections" };
 * ```
 */
export interface FailureEventDetail {
  /** Machine-readable reason (see DisconnectReason). */
  readonly reason: DisconnectReason;
  /** Human-readable explanation. */
  readonly message: string;
}

/**
 * Detail of `carrier_error`: the carrier's `send` threw (a broken custom carrier), so datagrams
 * were dropped; the reliability layer resends what was reliable.
 *
 * @example
 * ```ts
 * import type { CarrierErrorDetail } from "./events.ts";
 * const d: CarrierErrorDetail = { error: new Error("boom"), count: 3, hostname: "10.0.0.2", port: 7000 };
 * ```
 */
export interface CarrierErrorDetail {
  /** The first error since the last `carrier_error`. */
  readonly error: unknown;
  /** Datagrams dropped this way since the last `carrier_error`. */
  readonly count: number;
  /** Destination of the first dropped datagram. */
  readonly hostname: string;
  /** Its port. */
  readonly port: number;
}

/**
 * Event name -> event type, for typed `addEventListener`.
 *
 * @example
 * ```ts
 * import type { MultiplayerPeerEventMap } from "./events.ts";
 * const onJoin = (e: MultiplayerPeerEventMap["peer_connected"]) => console.log(e.detail.id);
 * ```
 */
export interface MultiplayerPeerEventMap {
  /** A client connected to the server (our id in `detail.id`). */
  connection_succeeded: CustomEvent<PeerEventDetail>;
  /** A client's attempt failed (refused, full, version mismatch, timeout...). */
  connection_failed: CustomEvent<FailureEventDetail>;
  /** A peer joined (on clients: the server as id 1, and other clients when relaying). */
  peer_connected: CustomEvent<PeerEventDetail>;
  /** A peer left. */
  peer_disconnected: CustomEvent<PeerEventDetail>;
  /** Clients: the server closed, dropped us, or went silent. */
  server_disconnected: CustomEvent<FailureEventDetail>;
  /** Not a Godot signal: the carrier's `send` threw; datagrams were dropped and counted. */
  carrier_error: CustomEvent<CarrierErrorDetail>;
}

/** Names of the events a peer dispatches. */
export type MultiplayerPeerEventName = keyof MultiplayerPeerEventMap;

const REASON_TEXT: Record<number, string> = {
  1: "closed by the other side",
  2: "timed out",
  8: "protocol error",
  10: "could not keep up (send queue full)",
};

/**
 * Turns a protocol event into the DOM event dispatched to listeners.
 *
 * @example
 * ```ts
 * import { toDomEvent } from "./events.ts";
 * const e = toDomEvent({ type: "peer_connected", id: 7 }, 1);
 * console.log(e.type, e.detail); // peer_connected { id: 7 }
 * ```
 */
export function toDomEvent(event: HostEvent, uniqueId: number): CustomEvent {
  switch (event.type) {
    case "connection_succeeded":
      return new CustomEvent(event.type, { detail: { id: uniqueId } });
    case "connection_failed":
      return new CustomEvent(event.type, {
        detail: { reason: event.reason, message: event.message },
      });
    case "peer_connected":
      return new CustomEvent(event.type, { detail: { id: event.id } });
    case "peer_disconnected":
      return new CustomEvent(event.type, { detail: { id: event.id, reason: event.reason } });
    case "server_disconnected":
      return new CustomEvent(event.type, {
        detail: { reason: event.reason, message: REASON_TEXT[event.reason] ?? "disconnected" },
      });
  }
}
