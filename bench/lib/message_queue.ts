/**
 * The least a per-message API queues: a FIFO of message views bounded by bytes, with the
 * argument checks a public `putPacket` makes. The reference stream's `api` mode puts one between
 * its app and each end of the stream, so the cost of an interface of the peer's shape (one call
 * and one view per message) can be read apart from the stream's own.
 *
 * @module
 */

/**
 * FIFO of `Uint8Array` messages kept by reference, at most `maxBytes` queued.
 *
 * @example
 * ```ts
 * import { MessageQueue } from "./message_queue.ts";
 * const q = new MessageQueue(1024, 64);
 * q.put(new Uint8Array(8));
 * console.log(q.length, q.bytes, q.take()?.length, q.take()); // 1 8 8 undefined
 * ```
 */
export class MessageQueue {
  /** Bytes queued. */
  bytes = 0;
  readonly #maxBytes: number;
  readonly #maxMessage: number;
  #ring: (Uint8Array | undefined)[] = new Array(16).fill(undefined);
  #head = 0;
  #tail = 0;

  /** A queue of at most `maxBytes`, each message at most `maxMessage` bytes. */
  constructor(maxBytes: number, maxMessage: number) {
    this.#maxBytes = maxBytes;
    this.#maxMessage = maxMessage;
  }

  /** Messages queued. */
  get length(): number {
    return this.#tail - this.#head;
  }

  /**
   * Queues `message` (kept, not copied); false when the byte bound would be passed. Throws a
   * TypeError or RangeError for a value that is not a message or is too large.
   */
  put(message: Uint8Array): boolean {
    if (!(message instanceof Uint8Array)) throw new TypeError("put() takes a Uint8Array");
    const n = message.length;
    if (n > this.#maxMessage) {
      throw new RangeError(`message of ${n} bytes exceeds ${this.#maxMessage} bytes`);
    }
    if (this.bytes + n > this.#maxBytes) return false;
    if (this.#tail - this.#head === this.#ring.length) this.#grow();
    this.#ring[this.#tail++ & (this.#ring.length - 1)] = message;
    this.bytes += n;
    return true;
  }

  /** The oldest message, removed; undefined when empty. */
  take(): Uint8Array | undefined {
    if (this.#head === this.#tail) return undefined;
    const i = this.#head++ & (this.#ring.length - 1), message = this.#ring[i]!;
    this.#ring[i] = undefined;
    this.bytes -= message.length;
    return message;
  }

  #grow(): void {
    const old = this.#ring, om = old.length - 1;
    const ring: (Uint8Array | undefined)[] = new Array(old.length * 2).fill(undefined);
    const m = ring.length - 1;
    for (let k = this.#head; k < this.#tail; k++) ring[k & m] = old[k & om];
    this.#ring = ring;
  }
}
