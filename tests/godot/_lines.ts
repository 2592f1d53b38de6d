/** JSON-lines framing for the puppet's control connection. @module */

/** Longest line accepted from a puppet; anything longer means the stream is broken. */
const MAX_LINE_CHARS = 8 * 1024 * 1024;

/**
 * One JSON line (JSON text never contains a raw newline), UTF-8 as is.
 *
 * @example
 * ```ts
 * import { jsonLine } from "./_lines.ts";
 * console.log(jsonLine({ s: "é" })); // {"s":"é"}\n
 * ```
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value) + "\n";
}

/**
 * Splits a UTF-8 byte stream into lines (without the newline), across chunk boundaries.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./_lines.ts";
 * const lines = new LineSplitter();
 * const enc = new TextEncoder();
 * console.log(lines.push(enc.encode("a\nb")), lines.push(enc.encode("c\n"))); // [ "a" ] [ "bc" ]
 * ```
 */
export class LineSplitter {
  #decoder = new TextDecoder();
  #pending = "";

  /** Feeds a chunk; returns the lines it completed. Throws if a line grows beyond 8 Mi chars. */
  push(chunk: Uint8Array): string[] {
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const parts = this.#pending.split("\n");
    this.#pending = parts.pop() ?? "";
    if (this.#pending.length > MAX_LINE_CHARS) {
      throw new Error(`control line longer than ${MAX_LINE_CHARS} characters`);
    }
    return parts;
  }
}
