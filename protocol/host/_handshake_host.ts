/**
 * What the handshakes may see and do of their host: a narrow view, so they depend on this
 * interface and not on the `Host` class (which owns them).
 *
 * @module
 */
import type { PeerAddress } from "../address.ts";
import type { ConnectionStatus } from "../constants.ts";
import type { DisconnectReason } from "../errors.ts";
import type { PeerEntry } from "./_peer_table.ts";

/**
 * The host as the client and server handshakes see it.
 *
 * @example
 * ```ts
 * import type { HandshakeHost } from "./_handshake_host.ts";
 * const isFull = (h: HandshakeHost, maxClients: number) => h.peerCount >= maxClients;
 * ```
 */
export interface HandshakeHost {
  /** Connection status (a closed server completes no handshake). */
  readonly status: ConnectionStatus;
  /** User channels (sent to clients on accept). */
  readonly channelCount: number;
  /** Whether the server relays (sent to clients on accept). */
  readonly serverRelay: boolean;
  /** Servers: new clients are refused. */
  readonly refuseNewConnections: boolean;
  /** Live peers. */
  readonly peerCount: number;
  /** The live peer with this id. */
  entryById(id: number): PeerEntry | undefined;
  /** The live peer with this session id. */
  entryBySession(session: number): PeerEntry | undefined;
  /** Queues a handshake datagram. */
  queueRaw(to: PeerAddress, bytes: Uint8Array): void;
  /** Creates the connection of an admitted peer (clients: the server, id 1). */
  addPeer(
    id: number,
    address: PeerAddress,
    sessionId: number,
    now: number,
    confirmed?: boolean,
    keyed?: boolean,
  ): PeerEntry;
  /** Drops a peer (emits its event once). */
  removePeer(entry: PeerEntry, reason: DisconnectReason, tell: boolean, now: number): void;
  /** Clients: the server accepted us with this id and these settings. */
  accepted(id: number, channelCount: number, serverRelay: boolean, timeoutMs?: number): void;
  /** Clients: the attempt failed. */
  failed(reason: DisconnectReason, message: string): void;
  /** A reliable system message to one peer. */
  sendSystem(entry: PeerEntry, bytes: Uint8Array): void;
}
