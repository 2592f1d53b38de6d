/** Small process and timing helpers for the puppet harness. @module */

/** Keep at most this much of a child's stdout/stderr for failure messages. */
const OUTPUT_TAIL_CHARS = 64 * 1024;

/**
 * Collects the tail of a byte stream as text until the stream ends.
 *
 * @example
 * ```ts
 * import { OutputTail } from "./_process.ts";
 * const tail = new OutputTail(ReadableStream.from([new TextEncoder().encode("hi")]));
 * await tail.done;
 * console.log(tail.text); // "hi"
 * ```
 */
export class OutputTail {
  #text = "";
  /** Settles when the stream has ended (never rejects). */
  readonly done: Promise<void>;

  /** Starts reading `stream` in the background. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#collect(stream);
  }

  /** What was read so far (the last 64 KiB at most). */
  get text(): string {
    return this.#text;
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        this.#text += decoder.decode(chunk, { stream: true });
        if (this.#text.length > OUTPUT_TAIL_CHARS) {
          this.#text = this.#text.slice(-OUTPUT_TAIL_CHARS);
        }
      }
    } catch {
      // A broken pipe just ends the output.
    }
  }
}

/**
 * A timer that resolves with `undefined` after `ms`, and can be cancelled (so no timer outlives
 * a test).
 *
 * @example
 * ```ts
 * import { delay } from "./_process.ts";
 * const d = delay(1000);
 * d.cancel();
 * console.log(await Promise.race([d.promise, Promise.resolve("first")])); // "first"
 * ```
 */
export function delay(ms: number): { promise: Promise<undefined>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settle: (v: undefined) => void = () => {};
  const promise = new Promise<undefined>((resolve) => {
    settle = resolve;
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      settle(undefined);
    },
  };
}

/**
 * Writes all of `data` to `conn` (a single write may be partial).
 *
 * @example
 * ```ts
 * import { writeAll } from "./_process.ts";
 * const chunks: number[] = [];
 * await writeAll({ write: (d) => Promise.resolve(chunks.push(d.length) && 1) }, new Uint8Array(3));
 * console.log(chunks); // [ 3, 2, 1 ]
 * ```
 */
export async function writeAll(
  conn: { write(data: Uint8Array): Promise<number> },
  data: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await conn.write(data.subarray(offset));
}
