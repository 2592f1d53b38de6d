/**
 * An in-memory pair of endpoints implementing `DatagramTransport`: the smallest carrier you can
 * write. Used by `custom_transport.ts` and by the tests.
 *
 * @module
 */
import type { DatagramHandler, DatagramTransport, PeerAddress } from "../mod.ts";

/**
 * One end of an in-memory link; replace the body of `send` with your WebRTC/serial/... code.
 *
 * @example
 * ```ts
 * import { memoryPair } from "./memory_transport.ts";
 * const [a, b] = memoryPair();
 * b.listen((bytes) => console.log("b got", bytes[0])); // b got 7
 * a.send(new Uint8Array([7]), b.localAddress);
 * ```
 */
export class MemoryEnd implements DatagramTransport {
  /** Largest datagram this carrier takes. */
  readonly maxDatagramSize = 1200;
  /** Not reliable: the peer adds acks, retransmission and ordering on top. */
  readonly reliable = false;
  /** The other end (set by {@link memoryPair}). */
  other?: MemoryEnd;
  /** True once closed. */
  closed = false;
  #handler?: DatagramHandler;

  /** Creates an unconnected end; link two with {@link memoryPair}. */
  constructor(readonly localAddress: PeerAddress) {}

  /** Starts delivering received datagrams to `handler`. */
  listen(handler: DatagramHandler): void {
    this.#handler = handler;
  }

  /** Hands `bytes` to the other end asynchronously, like a network; false when closed. */
  send(bytes: Uint8Array, _to: PeerAddress): boolean {
    const to = this.other, from = this.localAddress;
    if (!to || this.closed) return false;
    // send took ownership of bytes and nothing writes them again: hand them on as owned
    queueMicrotask(() => to.#handler?.(bytes, from, true));
    return true;
  }

  /** Stops delivering; later sends return false. */
  close(): Promise<void> {
    this.closed = true;
    this.#handler = undefined;
    return Promise.resolve();
  }
}

/**
 * Two linked ends named `a` and `b` (hostnames `${prefix}-a` / `${prefix}-b`).
 *
 * @example
 * ```ts
 * import { memoryPair } from "./memory_transport.ts";
 * const [server, client] = memoryPair("game");
 * console.log(server.localAddress.hostname, client.other === server); // game-a true
 * ```
 */
export function memoryPair(prefix = "mem"): [MemoryEnd, MemoryEnd] {
  const a = new MemoryEnd({ hostname: `${prefix}-a`, port: 1, transport: "memory" });
  const b = new MemoryEnd({ hostname: `${prefix}-b`, port: 1, transport: "memory" });
  a.other = b;
  b.other = a;
  return [a, b];
}
