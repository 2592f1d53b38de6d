/**
 * Incremental HTTP/1.1 request-head parser with hard limits. Bytes arrive in arbitrary pieces;
 * each line is checked as soon as it is complete, so garbage (a TLS hello on a plain port, a
 * binary flood) is refused after its first bad byte, and a head never costs more than
 * `maxHeadBytes` of memory. The parser never throws on input.
 *
 * @module
 */

/** Limits of an {@link HttpHeadParser}; every field has a safe default. */
export interface HttpHeadLimits {
  /** Most bytes of the whole head, request line to the blank line included (default 8192). */
  readonly maxHeadBytes?: number;
  /** Most bytes of one line, without its line break (default 4096). */
  readonly maxLineBytes?: number;
  /** Most header fields (default 64). */
  readonly maxHeaderCount?: number;
}

/** A parsed request head. Header names are lower case; values have surrounding blanks removed. */
export interface HttpRequestHead {
  /** Request method, e.g. `"GET"` (case as sent: methods are case-sensitive). */
  readonly method: string;
  /** Request target as sent, e.g. `"/game?room=4"`. */
  readonly target: string;
  /** HTTP major version (1). */
  readonly versionMajor: number;
  /** HTTP minor version (1 for HTTP/1.1). */
  readonly versionMinor: number;
  /** Every header field in order, names lower-cased; repeated names stay separate entries. */
  readonly fields: ReadonlyArray<readonly [name: string, value: string]>;
}

/** What {@link HttpHeadParser.push} found. */
export type HttpHeadResult =
  | { readonly state: "incomplete" }
  | {
    readonly state: "complete";
    readonly head: HttpRequestHead;
    /** How many bytes of the last pushed chunk belong to the head; the rest follows it. */
    readonly consumed: number;
  }
  | {
    readonly state: "error";
    /** HTTP status to answer with: 400 (malformed) or 431 (a size limit). */
    readonly status: 400 | 431;
    /** Short plain-text reason. */
    readonly reason: string;
  };

const INCOMPLETE: HttpHeadResult = Object.freeze({ state: "incomplete" });
const LF = 0x0a, CR = 0x0d, HTAB = 0x09, SP = 0x20, DEL = 0x7f;

// RFC 9110 token characters: visible ASCII except separators
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/(\d)\.(\d)$/;

/**
 * Parses one request head from pushed bytes. Line breaks may be CRLF or a bare LF (RFC 9112
 * §2.2 lets a server accept the latter); a bare CR, a control byte, obsolete line folding or
 * whitespace before a field's colon is an error. Empty lines before the request line are
 * skipped (still counted against `maxHeadBytes`).
 *
 * @example
 * ```ts
 * import { HttpHeadParser } from "./http_head.ts";
 * const parser = new HttpHeadParser();
 * const bytes = new TextEncoder().encode("GET /chat HTTP/1.1\r\nHost: example.com\r\n\r\n");
 * console.log(parser.push(bytes.subarray(0, 10)).state); // incomplete
 * const result = parser.push(bytes.subarray(10));
 * if (result.state === "complete") console.log(result.head.target, result.head.fields[0]);
 * // /chat [ "host", "example.com" ]
 * ```
 */
export class HttpHeadParser {
  /** Most bytes of the whole head. */
  readonly maxHeadBytes: number;
  /** Most bytes of one line. */
  readonly maxLineBytes: number;
  /** Most header fields. */
  readonly maxHeaderCount: number;
  readonly #line: Uint8Array;
  #lineLength = 0;
  #sawCr = false;
  #total = 0;
  #requestLine?: { method: string; target: string; major: number; minor: number };
  #fields: Array<readonly [string, string]> = [];
  #result: HttpHeadResult = INCOMPLETE;

  /** Creates a parser; limits must be positive integers (invalid ones fall back to defaults). */
  constructor(limits: HttpHeadLimits = {}) {
    this.maxHeadBytes = positiveInt(limits.maxHeadBytes, 8192);
    this.maxLineBytes = Math.min(positiveInt(limits.maxLineBytes, 4096), this.maxHeadBytes);
    this.maxHeaderCount = positiveInt(limits.maxHeaderCount, 64);
    this.#line = new Uint8Array(this.maxLineBytes);
  }

  /** Bytes of head taken so far. */
  get bytesSeen(): number {
    return this.#total;
  }

  /**
   * Feeds the next bytes. Once the result is `complete` or `error`, later calls return the same
   * result without reading their input; {@link reset} starts over.
   */
  push(chunk: Uint8Array): HttpHeadResult {
    if (this.#result !== INCOMPLETE) return this.#result;
    const line = this.#line;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (++this.#total > this.maxHeadBytes) return this.#failed(431, "request head too large");
      if (byte === LF) {
        const head = this.#endOfLine();
        if (head === undefined) continue;
        if (head !== null) this.#result = { state: "complete", head, consumed: i + 1 };
        return this.#result;
      }
      if (this.#sawCr) return this.#failed(400, "bare CR in request head");
      if (byte === CR) {
        this.#sawCr = true;
        continue;
      }
      if ((byte < SP && byte !== HTAB) || byte === DEL) {
        return this.#failed(400, "control character in request head");
      }
      if (this.#lineLength >= this.maxLineBytes) {
        return this.#failed(431, "request head line too long");
      }
      line[this.#lineLength++] = byte;
    }
    return INCOMPLETE;
  }

  /** Forgets everything, ready for a new head. */
  reset(): void {
    this.#lineLength = 0;
    this.#sawCr = false;
    this.#total = 0;
    this.#requestLine = undefined;
    this.#fields = [];
    this.#result = INCOMPLETE;
  }

  /** Handles a finished line: the head when it was the last, null after an error, else undefined. */
  #endOfLine(): HttpRequestHead | null | undefined {
    const length = this.#lineLength;
    this.#lineLength = 0;
    this.#sawCr = false;
    const request = this.#requestLine;
    if (request === undefined) {
      if (length === 0) return undefined; // tolerated blank line before the request line
      const match = REQUEST_LINE.exec(latin1(this.#line, length));
      if (match === null) return this.#fail(400, "malformed request line (not HTTP/1.x)");
      this.#requestLine = {
        method: match[1],
        target: match[2],
        major: Number(match[3]),
        minor: Number(match[4]),
      };
      return undefined;
    }
    if (length === 0) {
      return {
        method: request.method,
        target: request.target,
        versionMajor: request.major,
        versionMinor: request.minor,
        fields: this.#fields,
      };
    }
    const first = this.#line[0];
    if (first === SP || first === HTAB) return this.#fail(400, "obsolete header line folding");
    if (this.#fields.length >= this.maxHeaderCount) {
      return this.#fail(431, "too many header fields");
    }
    const text = latin1(this.#line, length);
    const colon = text.indexOf(":");
    if (colon <= 0) return this.#fail(400, "malformed header field");
    const name = text.slice(0, colon);
    if (!TOKEN.test(name)) return this.#fail(400, "malformed header field name");
    this.#fields.push([name.toLowerCase(), trimBlanks(text.slice(colon + 1))]);
    return undefined;
  }

  #failed(status: 400 | 431, reason: string): HttpHeadResult {
    this.#fail(status, reason);
    return this.#result;
  }

  #fail(status: 400 | 431, reason: string): null {
    this.#result = { state: "error", status, reason };
    return null;
  }
}

function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Bytes as ISO-8859-1 code points: every byte maps to one char, so nothing can fail. */
function latin1(bytes: Uint8Array, length: number): string {
  let out = "";
  // chunks keep the argument list of fromCharCode small
  for (let i = 0; i < length; i += 1024) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(length, i + 1024)));
  }
  return out;
}

function trimBlanks(value: string): string {
  let start = 0, end = value.length;
  while (start < end && (value[start] === " " || value[start] === "\t")) start++;
  while (end > start && (value[end - 1] === " " || value[end - 1] === "\t")) end--;
  return value.slice(start, end);
}
