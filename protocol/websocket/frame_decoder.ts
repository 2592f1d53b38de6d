/**
 * Incremental, server-side WebSocket frame decoder (RFC 6455 §5). Sizes are checked on the
 * declared length, as soon as the length bytes are in and before any payload byte is kept, so
 * a peer announcing a huge frame costs nothing. Payloads are unmasked in place; a message that
 * arrives whole inside one pushed chunk is handed out as a view of that chunk, without copying.
 * Never throws on input: a violation ends decoding with a close code.
 *
 * @module
 */
import { isValidUtf8 } from "./utf8.ts";
import { isValidWireCloseCode, WebSocketCloseCode } from "./close_codes.ts";
import { MAX_CONTROL_PAYLOAD, Opcode } from "./frame_encoder.ts";

/**
 * Receives what a {@link FrameDecoder} decodes. Every `Uint8Array` handed over is a view that is
 * valid only during the call (it aliases the pushed chunk or the decoder's buffer): copy it to
 * keep it. Implementations must not throw (catch inside); a throw propagates out of `push`.
 */
export interface FrameSink {
  /** A complete message (all fragments joined); text messages are valid UTF-8. */
  message(data: Uint8Array, text: boolean): void;
  /** A ping; the server should answer with a pong carrying the same payload. */
  ping(payload: Uint8Array): void;
  /** A pong. */
  pong(payload: Uint8Array): void;
  /** The peer's close frame (1005 when it had no code). Nothing is decoded after it. */
  close(code: number, reason: string): void;
}

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest message (all fragments together) in bytes; bigger ones fail with 1009 (default 65536). */
  readonly maxMessageBytes?: number;
  /** Frames must be masked, as from a client (default true). False decodes server frames. */
  readonly requireMask?: boolean;
}

const enum Phase {
  /** Collecting the 2 fixed header bytes. */
  Start,
  /** Collecting the 2 or 8 extended length bytes. */
  Length,
  /** Collecting the 4 masking-key bytes. */
  MaskKey,
  Payload,
  /** A close frame arrived, or the stream failed: input is ignored. */
  Done,
}

const TEXT_DECODER = new TextDecoder();
// a buffer that grew past this for one big message is dropped afterwards, not kept per socket
const RETAINED_BUFFER_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Decodes the frames of one connection. Feed it the bytes read from the socket with
 * {@link push}; it calls the sink for every message and control frame. Memory is bounded by
 * `maxMessageBytes` plus 125 bytes.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameDecoder, Opcode } from "./mod.ts";
 * const seen: string[] = [];
 * const decoder = new FrameDecoder({
 *   message: (data, text) => seen.push(text ? new TextDecoder().decode(data) : `${data.length} bytes`),
 *   ping: () => {},
 *   pong: () => {},
 *   close: (code) => seen.push(`close ${code}`),
 * });
 * const mask = new Uint8Array([1, 2, 3, 4]);
 * decoder.push(encodeFrame(Opcode.TEXT, new TextEncoder().encode("hi"), { mask }));
 * decoder.push(encodeFrame(Opcode.CLOSE, new Uint8Array([3, 232]), { mask }));
 * console.log(seen); // [ "hi", "close 1000" ]
 * ```
 */
export class FrameDecoder {
  /** Largest message accepted, in bytes. */
  readonly maxMessageBytes: number;
  readonly #sink: FrameSink;
  readonly #requireMask: boolean;
  readonly #header = new Uint8Array(8);
  readonly #mask = new Uint8Array(4);
  readonly #control = new Uint8Array(MAX_CONTROL_PAYLOAD);
  #phase = Phase.Start;
  #have = 0; // header bytes collected in the current phase
  #need = 2;
  #fin = false;
  #opcode = 0;
  #masked = false;
  #frameLength = 0;
  #remaining = 0;
  #maskAt = 0; // payload bytes already unmasked in this frame, mod 4 picks the key byte
  #controlLength = 0;
  #messageOpcode = 0; // opcode of the fragmented message in progress, 0 = none
  #message: Uint8Array = EMPTY;
  #messageLength = 0;
  #failure = 0;
  #failureReason = "";

  /** Creates a decoder delivering to `sink`. */
  constructor(sink: FrameSink, options: FrameDecoderOptions = {}) {
    this.#sink = sink;
    const max = options.maxMessageBytes ?? 65536;
    this.maxMessageBytes = Number.isSafeInteger(max) && max >= 0 ? max : 65536;
    this.#requireMask = options.requireMask ?? true;
  }

  /** Close code of the failure (1002, 1007 or 1009), or 0 while the stream is fine. */
  get failure(): number {
    return this.#failure;
  }

  /** Why decoding failed, for the close frame's reason; `""` while fine. */
  get failureReason(): string {
    return this.#failureReason;
  }

  /** True once a close frame was decoded or the stream failed: further input is ignored. */
  get done(): boolean {
    return this.#phase === Phase.Done;
  }

  /** Bytes held for a message not yet complete. */
  get bufferedBytes(): number {
    return this.#messageLength;
  }

  /**
   * Decodes `chunk`, calling the sink for each complete message or control frame. The chunk's
   * payload bytes are unmasked in place (the caller's buffer is modified). Returns 0, or the
   * close code of a violation: 1002 (protocol error), 1007 (invalid UTF-8) or 1009 (too big).
   */
  push(chunk: Uint8Array): number {
    let i = 0;
    const length = chunk.length;
    while (this.#phase !== Phase.Done) {
      if (this.#phase === Phase.Payload) {
        if (this.#remaining > 0 && i >= length) break;
        i = this.#takePayload(chunk, i);
        continue;
      }
      while (this.#have < this.#need && i < length) this.#header[this.#have++] = chunk[i++];
      if (this.#have < this.#need) break;
      if (this.#phase === Phase.Start) this.#startHeader();
      else if (this.#phase === Phase.Length) this.#lengthHeader();
      else this.#maskHeader();
    }
    return this.#failure;
  }

  #startHeader(): void {
    const b0 = this.#header[0], b1 = this.#header[1];
    this.#fin = (b0 & 0x80) !== 0;
    this.#opcode = b0 & 0x0f;
    this.#masked = (b1 & 0x80) !== 0;
    const length7 = b1 & 0x7f;
    if ((b0 & 0x70) !== 0) return this.#fail(1002, "reserved bits set (no extension negotiated)");
    if (this.#masked !== this.#requireMask) {
      return this.#fail(1002, this.#requireMask ? "client frames must be masked" : "masked frame");
    }
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) return this.#fail(1002, `reserved opcode ${opcode}`);
      if (!this.#fin) return this.#fail(1002, "fragmented control frame");
      if (length7 > MAX_CONTROL_PAYLOAD) return this.#fail(1002, "control frame over 125 bytes");
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.#messageOpcode === 0) return this.#fail(1002, "continuation without a message");
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (this.#messageOpcode !== 0) return this.#fail(1002, "new message inside a fragmented one");
    } else {
      return this.#fail(1002, `reserved opcode ${opcode}`);
    }
    if (length7 < 126) return this.#lengthKnown(length7);
    this.#phase = Phase.Length;
    this.#have = 0;
    this.#need = length7 === 126 ? 2 : 8;
  }

  #lengthHeader(): void {
    const h = this.#header;
    if (this.#need === 2) {
      const length = (h[0] << 8) | h[1];
      if (length < 126) return this.#fail(1002, "frame length not in its shortest form");
      return this.#lengthKnown(length);
    }
    if ((h[0] & 0x80) !== 0) return this.#fail(1002, "frame length has its top bit set");
    const high = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
    const low = ((h[4] << 24) | (h[5] << 16) | (h[6] << 8) | h[7]) >>> 0;
    if (high === 0 && low < 65536) return this.#fail(1002, "frame length not in its shortest form");
    // above 2^53 the length cannot be represented exactly, but it exceeds any limit anyway
    this.#lengthKnown(high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x100000000 + low);
  }

  #lengthKnown(length: number): void {
    if (this.#opcode < 0x8 && this.#messageLength + length > this.maxMessageBytes) {
      return this.#fail(
        1009,
        `message over ${this.maxMessageBytes} bytes`,
      );
    }
    this.#frameLength = length;
    this.#remaining = length;
    this.#maskAt = 0;
    this.#controlLength = 0;
    if (this.#masked) {
      this.#phase = Phase.MaskKey;
      this.#have = 0;
      this.#need = 4;
    } else {
      this.#mask.fill(0);
      this.#beginPayload();
    }
  }

  #maskHeader(): void {
    this.#mask.set(this.#header.subarray(0, 4));
    this.#beginPayload();
  }

  #beginPayload(): void {
    this.#phase = Phase.Payload;
    if (this.#opcode === Opcode.TEXT || this.#opcode === Opcode.BINARY) {
      if (!this.#fin) this.#messageOpcode = this.#opcode;
    }
  }

  /** Consumes payload bytes from `chunk[i]`; returns the new index. */
  #takePayload(chunk: Uint8Array, i: number): number {
    const take = Math.min(this.#remaining, chunk.length - i);
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      this.#unmaskInto(chunk, i, take, this.#control, this.#controlLength);
      this.#controlLength += take;
    } else if (
      take === this.#frameLength && this.#fin && this.#messageLength === 0 &&
      this.#messageOpcode === 0
    ) {
      // the whole single-frame message is in this chunk: unmask in place and lend a view
      this.#unmaskInto(chunk, i, take, chunk, i);
      this.#remaining = 0;
      this.#phase = Phase.Start;
      this.#have = 0;
      this.#need = 2;
      this.#deliver(chunk.subarray(i, i + take), opcode === Opcode.TEXT);
      return i + take;
    } else {
      this.#reserve(this.#messageLength + take);
      this.#unmaskInto(chunk, i, take, this.#message, this.#messageLength);
      this.#messageLength += take;
    }
    this.#remaining -= take;
    if (this.#remaining === 0) this.#endFrame();
    return i + take;
  }

  #unmaskInto(
    source: Uint8Array,
    from: number,
    count: number,
    target: Uint8Array,
    to: number,
  ): void {
    const mask = this.#mask;
    let phase = this.#maskAt & 3;
    for (let k = 0; k < count; k++) {
      target[to + k] = source[from + k] ^ mask[phase];
      phase = (phase + 1) & 3;
    }
    this.#maskAt += count;
  }

  #reserve(capacity: number): void {
    if (capacity <= this.#message.length) return;
    // doubling, capped by the limit (capacity never exceeds it: lengths were checked)
    const size = Math.min(Math.max(capacity, this.#message.length * 2, 1024), this.maxMessageBytes);
    const grown = new Uint8Array(size);
    grown.set(this.#message.subarray(0, this.#messageLength));
    this.#message = grown;
  }

  #endFrame(): void {
    const opcode = this.#opcode;
    this.#phase = Phase.Start;
    this.#have = 0;
    this.#need = 2;
    if (opcode >= 0x8) return this.#endControl(opcode);
    if (!this.#fin) return;
    const text = (this.#messageOpcode || opcode) === Opcode.TEXT;
    const data = this.#message.subarray(0, this.#messageLength);
    this.#messageOpcode = 0;
    this.#messageLength = 0;
    if (this.#message.length > RETAINED_BUFFER_BYTES) this.#message = EMPTY;
    this.#deliver(data, text);
  }

  #deliver(data: Uint8Array, text: boolean): void {
    if (text && !isValidUtf8(data)) return this.#fail(1007, "text message is not UTF-8");
    this.#sink.message(data, text);
  }

  #endControl(opcode: number): void {
    const payload = this.#control.subarray(0, this.#controlLength);
    if (opcode === Opcode.PING) return this.#sink.ping(payload);
    if (opcode === Opcode.PONG) return this.#sink.pong(payload);
    if (payload.length === 0) return this.#closed(WebSocketCloseCode.NO_STATUS, "");
    if (payload.length === 1) return this.#fail(1002, "close frame with a 1-byte payload");
    const code = (payload[0] << 8) | payload[1];
    if (!isValidWireCloseCode(code)) return this.#fail(1002, `invalid close code ${code}`);
    if (!isValidUtf8(payload, 2)) return this.#fail(1007, "close reason is not UTF-8");
    this.#closed(code, TEXT_DECODER.decode(payload.subarray(2)));
  }

  #closed(code: number, reason: string): void {
    this.#phase = Phase.Done;
    this.#dropMessage();
    this.#sink.close(code, reason);
  }

  #fail(code: number, reason: string): void {
    this.#phase = Phase.Done;
    this.#failure = code;
    this.#failureReason = reason;
    this.#dropMessage();
  }

  #dropMessage(): void {
    this.#message = EMPTY;
    this.#messageLength = 0;
  }
}
