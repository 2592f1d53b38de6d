/**
 * The native wire of a peer: the session's packets and announcements as native messages on the
 * peer's `Connection` (user channel c travels on wire channel c + 1, channel 0 carries system
 * messages), and DISCONNECT datagrams as goodbye.
 *
 * @module
 */
import type { ConnectionApi } from "../connection/types.ts";
import { type TransferMode, TransferMode as Mode } from "../constants.ts";
import type { DisconnectReason } from "../errors.ts";
import { ControlType, encodeControl, SYSTEM_CHANNEL } from "../wire/control.ts";
import type { PeerWire } from "./peer_wire.ts";

/** How many copies of DISCONNECT are sent (it is not retransmitted). */
const DISCONNECT_COPIES = 3;

/**
 * Native framing over one connection.
 *
 * @example
 * ```ts
 * import { NativeWire } from "./_native_wire.ts";
 * const sent: unknown[] = [];
 * const conn = { send: (...a: unknown[]) => sent.push(a) } as never;
 * const wire = new NativeWire(conn, true, 1200, () => new Uint8Array(4), () => {});
 * wire.sendData(0, 2, new Uint8Array([1]), 5, 0, 0);
 * console.log(sent.length); // 1
 * ```
 */
export class NativeWire implements PeerWire {
  /** Always `"native"`. */
  readonly kind = "native";
  /** Largest payload (the session's packet limit: native fragmentation carries any size). */
  readonly maxPayload: number;
  readonly #conn: ConnectionApi;
  readonly #server: boolean;
  readonly #goodbye: (reason: DisconnectReason) => Uint8Array;
  readonly #raw: (bytes: Uint8Array) => void;

  /**
   * `server`: this end is the server (the relay field names the sender; on clients, the
   * target). `goodbye` encodes a DISCONNECT for this peer's session; `raw` queues a datagram
   * outside the connection.
   */
  constructor(
    conn: ConnectionApi,
    server: boolean,
    maxPayload: number,
    goodbye: (reason: DisconnectReason) => Uint8Array,
    raw: (bytes: Uint8Array) => void,
  ) {
    this.#conn = conn;
    this.#server = server;
    this.maxPayload = maxPayload;
    this.#goodbye = goodbye;
    this.#raw = raw;
  }

  /** See {@link PeerWire.sendData}. */
  sendData(
    channel: number,
    mode: TransferMode,
    payload: Uint8Array,
    from: number,
    target: number,
    now: number,
  ): void {
    // the relay field: the sender on server -> client, the target on client -> server
    const peer = this.#server
      ? (from === 1 ? undefined : from)
      : (target === 1 ? undefined : target);
    this.#conn.send(channel + 1, mode, payload, peer, now);
  }

  /** See {@link PeerWire.sendControl}. */
  sendControl(added: boolean, id: number, now: number): void {
    const type = added ? ControlType.PEER_ADDED : ControlType.PEER_REMOVED;
    this.sendSystem(encodeControl({ type, id }), now);
  }

  /** A reliable system message (FLOW, HELLO, announcements) to this peer. */
  sendSystem(bytes: Uint8Array, now: number): void {
    this.#conn.send(SYSTEM_CHANNEL, Mode.RELIABLE, bytes, undefined, now);
  }

  /** DISCONNECT, a few copies (it is not retransmitted); the linger is the session's. */
  sayGoodbye(reason: DisconnectReason, _graceful: boolean, _now: number): void {
    for (let i = 0; i < DISCONNECT_COPIES; i++) this.#raw(this.#goodbye(reason));
  }
}
