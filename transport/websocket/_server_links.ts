/**
 * One accepted WebSocket as the server carrier sees it, whichever end holds it: a connection of
 * our own listener, or a socket Deno's `upgradeWebSocket` made inside the application's server.
 *
 * @module
 */
import type { PeerAddress } from "../../protocol/address.ts";
import type { WebSocketConnection } from "./_listener_connection.ts";

/** What the carrier needs of an accepted socket. */
export interface ServerLink {
  /** The remote, as the session addresses it. */
  readonly address: PeerAddress;
  /** When it opened (`performance.now()`). */
  readonly since: number;
  /** Bytes queued and not yet written. */
  readonly bufferedAmount: number;
  /** Still open (sends possible). */
  readonly open: boolean;
  /** Queues one binary message; false when closed (the bound is checked by the carrier). */
  send(bytes: Uint8Array): boolean;
  /** Starts closing with `code` and `reason`. */
  close(code: number, reason: string): void;
  /** Asks for one `onDrain` once `bufferedAmount` is at or below `lowWater`. */
  watchDrain(lowWater: number, onDrain: () => void): void;
}

/** A connection of the project's own listener. */
export class ListenerLink implements ServerLink {
  readonly address: PeerAddress;
  readonly since = performance.now();
  readonly #connection: WebSocketConnection;
  #onDrain?: () => void;

  constructor(connection: WebSocketConnection, address: PeerAddress) {
    this.#connection = connection;
    this.address = address;
    connection.onDrain = () => {
      const f = this.#onDrain;
      this.#onDrain = undefined;
      f?.();
    };
  }

  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }

  get open(): boolean {
    return this.#connection.readyState === "open";
  }

  send(bytes: Uint8Array): boolean {
    return this.#connection.send(bytes);
  }

  close(code: number, reason: string): void {
    this.#connection.close(code, truncateReason(reason));
  }

  watchDrain(lowWater: number, onDrain: () => void): void {
    this.#connection.lowWaterMark = lowWater;
    if (this.#connection.bufferedAmount <= lowWater) {
      queueMicrotask(onDrain);
      return;
    }
    this.#onDrain = onDrain;
  }
}

/** How often a socket of Deno's own WebSocket is checked for drain (it has no drain event). */
const DRAIN_CHECK_MS = 5;

/** A socket from `Deno.upgradeWebSocket` (embedded servers). */
export class DenoSocketLink implements ServerLink {
  readonly address: PeerAddress;
  readonly since = performance.now();
  readonly #socket: WebSocket;
  #drainTimer?: ReturnType<typeof setInterval>;

  constructor(socket: WebSocket, address: PeerAddress) {
    this.#socket = socket;
    this.address = address;
    socket.addEventListener("close", () => this.#stopDrainCheck(), { once: true });
  }

  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  send(bytes: Uint8Array): boolean {
    if (this.#socket.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  close(code: number, reason: string): void {
    const socket = this.#socket;
    if (socket.readyState === WebSocket.OPEN) socket.close(code, truncateReason(reason));
    else if (socket.readyState === WebSocket.CONNECTING) {
      socket.addEventListener("open", () => socket.close(code, truncateReason(reason)), {
        once: true,
      });
    }
  }

  watchDrain(lowWater: number, onDrain: () => void): void {
    this.#stopDrainCheck();
    this.#drainTimer = setInterval(() => {
      if (this.#socket.bufferedAmount > lowWater && this.open) return;
      this.#stopDrainCheck();
      onDrain();
    }, DRAIN_CHECK_MS);
  }

  #stopDrainCheck(): void {
    if (this.#drainTimer === undefined) return;
    clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
  }
}

const encoder = new TextEncoder();

/** A close reason fits 123 UTF-8 bytes; longer ones are cut at a character boundary. */
export function truncateReason(reason: string): string {
  if (encoder.encode(reason).length <= 123) return reason;
  let out = "";
  for (const ch of reason) {
    if (encoder.encode(out + ch).length > 120) break;
    out += ch;
  }
  return out + "...";
}
