/** Contracts of the pure multiplayer endpoint (`protocol/host/host.ts`). @module */
import type { PeerAddress } from "../address.ts";
import type { TransferMode } from "../constants.ts";
import type { DisconnectReason } from "../errors.ts";
import type { Random } from "../random.ts";

/**
 * Configuration of a protocol `Host`; every field has a default in `DEFAULTS`.
 *
 * @example
 * ```ts
 * import type { HostConfig } from "./types.ts";
 * const config: Partial<HostConfig> = { role: "server", maxClients: 16, serverRelay: true };
 * ```
 */
export interface HostConfig {
  /** Server (id 1, accepts) or client (connects to one server). */
  readonly role: "server" | "client";
  /** Randomness for ids, session ids, secrets. */
  readonly random: Random;
  /** Number of user channels (wire channel 0 is reserved for system messages). */
  readonly channelCount: number;
  /** Datagram budget in bytes (default 1200). */
  readonly datagramSize: number;
  /** Largest packet accepted by `send` (default 8 MiB). */
  readonly encodeBufferMaxSize: number;
  /** Silence after which a peer is dropped. */
  readonly timeoutMs: number;
  /** Clients: how long to try connecting before `connection_failed`. */
  readonly connectTimeoutMs: number;
  /** Servers: most clients at once. */
  readonly maxClients: number;
  /** Servers: relay client-to-client packets and announce peers to each other. */
  readonly serverRelay: boolean;
  /** The carrier delivers every datagram once and in order: no acks or retransmits needed. */
  readonly reliableCarrier: boolean;
}

/**
 * Something that happened, in the order it happened.
 *
 * @example
 * ```ts
 * import type { HostEvent } from "./types.ts";
 * function describe(e: HostEvent): string {
 *   return e.type === "peer_connected" ? `peer ${e.id} joined` : e.type;
 * }
 * ```
 */
export type HostEvent =
  | { readonly type: "connection_succeeded" }
  | {
    readonly type: "connection_failed";
    readonly reason: DisconnectReason;
    readonly message: string;
  }
  | { readonly type: "peer_connected"; readonly id: number }
  | { readonly type: "peer_disconnected"; readonly id: number; readonly reason: DisconnectReason }
  | { readonly type: "server_disconnected"; readonly reason: DisconnectReason };

/**
 * A packet ready for the application. `data` is owned by the receiver.
 *
 * @example
 * ```ts
 * import type { InboundPacket } from "./types.ts";
 * const packet: InboundPacket = { from: 1, channel: 0, mode: 2, data: new Uint8Array([1]) };
 * ```
 */
export interface InboundPacket {
  /** Sender's unique id (stamped by the server for relayed packets). */
  readonly from: number;
  /** User channel index. */
  readonly channel: number;
  /** Mode it was sent with. */
  readonly mode: TransferMode;
  /** Payload bytes. */
  readonly data: Uint8Array;
}

/**
 * A datagram the host wants sent.
 *
 * @example
 * ```ts
 * import type { Transmit } from "./types.ts";
 * const tx: Transmit = { to: { hostname: "127.0.0.1", port: 7000 }, bytes: new Uint8Array(8) };
 * ```
 */
export interface Transmit {
  /** Destination. */
  readonly to: PeerAddress;
  /** Bytes; ownership passes to the caller. */
  readonly bytes: Uint8Array;
  /**
   * Connection-based carriers: instead of sending, close the link to `to` with this code and
   * reason (`bytes` is empty then).
   */
  readonly close?: { readonly code: number; readonly reason: string };
}
