/**
 * Outgoing bytes of one socket, waiting for its single write loop. Small frames are copied
 * back to back into 16 KiB chunks, so one `write` carries many of them; a big frame gets a
 * chunk of its own size. One drained chunk is kept for reuse, so steady small traffic
 * allocates nothing.
 *
 * @module
 */
import { frameHeaderSize, type Opcode, writeFrameHeader } from "../../protocol/websocket/mod.ts";

const CHUNK_BYTES = 16 * 1024;

interface Chunk {
  readonly bytes: Uint8Array;
  start: number;
  end: number;
}

/**
 * FIFO of bytes to write. Only the region handed out by {@link next} may be in flight; frames
 * appended meanwhile land after it, so they never overlap the bytes being written.
 *
 * @example
 * ```ts
 * import { WriteQueue } from "./_listener_write_queue.ts";
 * const queue = new WriteQueue();
 * queue.pushFrame(0x2, new Uint8Array([1, 2, 3]));
 * queue.pushFrame(0x2, new Uint8Array([4]));
 * const view = queue.next()!; // both frames in one view
 * console.log(view.length, queue.bufferedAmount); // 8 8
 * queue.written(view.length);
 * console.log(queue.next(), queue.bufferedAmount); // undefined 0
 * ```
 */
export class WriteQueue {
  readonly #chunks: Chunk[] = [];
  #spare: Uint8Array | undefined;
  #queued = 0;

  /** Bytes queued and not yet reported written. */
  get bufferedAmount(): number {
    return this.#queued;
  }

  /** Appends one unmasked frame carrying a copy of `payload`. */
  pushFrame(opcode: Opcode, payload: Uint8Array): void {
    const size = frameHeaderSize(payload.length) + payload.length;
    const chunk = this.#room(size);
    const at = chunk.end + writeFrameHeader(chunk.bytes, chunk.end, opcode, payload.length);
    chunk.bytes.set(payload, at);
    chunk.end += size;
    this.#queued += size;
  }

  /** Appends raw bytes (the HTTP response). */
  pushBytes(bytes: Uint8Array): void {
    const chunk = this.#room(bytes.length);
    chunk.bytes.set(bytes, chunk.end);
    chunk.end += bytes.length;
    this.#queued += bytes.length;
  }

  /** The next bytes to write, as a view, or undefined when nothing is queued. */
  next(): Uint8Array | undefined {
    const head = this.#chunks[0];
    return head === undefined ? undefined : head.bytes.subarray(head.start, head.end);
  }

  /** `count` bytes of the view from {@link next} were written. */
  written(count: number): void {
    const head = this.#chunks[0];
    if (head === undefined) return;
    const taken = Math.min(count, head.end - head.start);
    head.start += taken;
    this.#queued -= taken;
    if (head.start < head.end) return;
    this.#chunks.shift();
    if (head.bytes.length === CHUNK_BYTES) this.#spare = head.bytes;
  }

  /** Drops everything queued (the socket is gone). */
  clear(): void {
    this.#chunks.length = 0;
    this.#queued = 0;
    this.#spare = undefined;
  }

  /** A chunk with `size` free bytes at its end: the last one if it fits, else a new one. */
  #room(size: number): Chunk {
    const last = this.#chunks[this.#chunks.length - 1];
    if (last !== undefined && last.bytes.length - last.end >= size) return last;
    let bytes: Uint8Array;
    if (size <= CHUNK_BYTES) {
      bytes = this.#spare ?? new Uint8Array(CHUNK_BYTES);
      this.#spare = undefined;
    } else {
      bytes = new Uint8Array(size);
    }
    const chunk: Chunk = { bytes, start: 0, end: 0 };
    this.#chunks.push(chunk);
    return chunk;
  }
}
