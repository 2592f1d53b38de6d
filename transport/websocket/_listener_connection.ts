/**
 * One upgraded WebSocket connection of the listener: a read loop feeding the frame decoder,
 * one write loop draining a bounded queue, the close handshake with a bounded wait, optional
 * liveness pings and the idle timeout of unclaimed connections.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import {
  closePayload,
  FrameDecoder,
  frameHeaderSize,
  type FrameSink,
  isValidUtf8,
  MAX_CLOSE_REASON_BYTES,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  WebSocketCloseCode,
} from "../../protocol/websocket/mod.ts";
import { closeQuietly, type ListenerSocket } from "./_listener_io.ts";
import type { Counters } from "./_listener_stats.ts";
import { WriteQueue } from "./_listener_write_queue.ts";

/**
 * An accepted WebSocket connection. Set the callbacks inside `onConnection`; nothing is
 * delivered before it returns.
 *
 * @example
 * ```ts
 * import { WebSocketListener, type WebSocketConnection } from "./listener.ts";
 * const echo = (connection: WebSocketConnection) => {
 *   connection.claim(); // ours: no idle timeout
 *   connection.onMessage = (data, text) => connection.send(data, text); // send copies
 *   connection.onClose = (code, reason, wasClean) => console.log(code, reason, wasClean);
 * };
 * const listener = await WebSocketListener.listen({ port: 0, hostname: "127.0.0.1", onConnection: echo });
 * await listener.close();
 * ```
 */
export interface WebSocketConnection {
  /** The TCP peer (`transport` is `"ws"` or `"wss"`). */
  readonly remote: PeerAddress;
  /** Path of the upgrade request, e.g. `"/game"`. */
  readonly path: string;
  /** Query of the upgrade request including `?`, or `""`. */
  readonly query: string;
  /** The upgrade request's header fields. */
  readonly headers: Headers;
  /** The request's `Origin`, if any. */
  readonly origin: string | undefined;
  /** The subprotocol agreed on, or `""`. */
  readonly protocol: string;
  /** `"open"`, `"closing"` (close handshake under way) or `"closed"`. */
  readonly readyState: "open" | "closing" | "closed";
  /** Bytes queued and not yet written to the socket. */
  readonly bufferedAmount: number;
  /**
   * `onDrain` fires when `bufferedAmount` falls to this many bytes or fewer after having been
   * above it. Default: the listener's `lowWaterMarkBytes`.
   */
  lowWaterMark: number;
  /** Resolves once the socket is closed and released (after `onClose`). */
  readonly released: Promise<void>;
  /**
   * A message. `data` is a view valid only during the call (it aliases the read buffer): copy
   * it to keep it. Text messages are valid UTF-8. Not called once `close()` was called.
   */
  onMessage: (data: Uint8Array, text: boolean) => void;
  /**
   * Called exactly once when the connection ends: the peer's close code (1005 = none) and
   * reason after a clean close handshake; the listener's code (1002, 1007, 1009, 1008...) when
   * it failed the connection; 1006 when the socket went away without a close handshake.
   */
  onClose: (code: number, reason: string, wasClean: boolean) => void;
  /** `bufferedAmount` fell to `lowWaterMark` or below (pace sends with it). */
  onDrain: () => void;
  /**
   * Queues a binary (or, with `text`, a text) message. Returns false, queuing nothing, when
   * the connection is not open or when the queue would pass `maxBufferedBytes`. `bytes` is
   * copied. A text message must be UTF-8 (else MultiplayerError INVALID_ARGUMENT).
   */
  send(bytes: Uint8Array, text?: boolean): boolean;
  /** Queues a text message; returns false like {@link send}. */
  sendText(text: string): boolean;
  /** Queues a ping (payload <= 125 bytes, else INVALID_ARGUMENT); false like {@link send}. */
  ping(payload?: Uint8Array): boolean;
  /**
   * Starts the close handshake: sends a close frame, stops delivering messages, and closes
   * the socket when the peer answers or after `closeTimeoutMs`. `code` must be valid on the
   * wire and `reason` at most 123 UTF-8 bytes (else INVALID_ARGUMENT). No-op unless open.
   */
  close(code?: number, reason?: string): void;
  /** Takes the connection over: the listener's idle timeout no longer applies to it. */
  claim(): void;
}

/** Limits a connection runs under (resolved listener options). */
export interface ConnectionLimits {
  /** Largest incoming message. */
  readonly maxMessageBytes: number;
  /** Most bytes queued for sending. */
  readonly maxBufferedBytes: number;
  /** Initial `lowWaterMark`. */
  readonly lowWaterMarkBytes: number;
  /** Longest wait for the peer's part of the close handshake. */
  readonly closeTimeoutMs: number;
  /** Idle timeout of an unclaimed connection; 0 = never. */
  readonly idleTimeoutMs: number;
  /** Liveness ping interval; 0 = no pings. */
  readonly pingIntervalMs: number;
}

/** Everything a connection needs from its listener. */
export interface ConnectionInit {
  /** The upgraded socket. */
  readonly conn: ListenerSocket;
  /** Its peer. */
  readonly remote: PeerAddress;
  /** Request path. */
  readonly path: string;
  /** Request query (with `?`) or `""`. */
  readonly query: string;
  /** Request header fields. */
  readonly headers: Headers;
  /** Request `Origin`. */
  readonly origin: string | undefined;
  /** Agreed subprotocol or `""`. */
  readonly protocol: string;
  /** Limits to run under. */
  readonly limits: ConnectionLimits;
  /** The listener's counters. */
  readonly counters: Counters;
  /** The socket's read buffer (already used for the request head). */
  readonly buffer: Uint8Array;
  /** Reports a throwing application callback. */
  readonly callbackFailed: (error: unknown) => void;
}

interface Outcome {
  readonly code: number;
  readonly reason: string;
  readonly clean: boolean;
}

type Timer = ReturnType<typeof setTimeout>;
const noop = () => {};
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/**
 * The listener's implementation of {@link WebSocketConnection}.
 *
 * @example
 * ```ts
 * import type { ListenerConnection } from "./_listener_connection.ts";
 * // created by WebSocketListener; see WebSocketConnection for the API
 * const describe = (c: ListenerConnection) => `${c.remote.hostname} ${c.path}`;
 * ```
 */
export class ListenerConnection implements WebSocketConnection {
  readonly remote: PeerAddress;
  readonly path: string;
  readonly query: string;
  readonly headers: Headers;
  readonly origin: string | undefined;
  readonly protocol: string;
  lowWaterMark: number;
  onMessage: (data: Uint8Array, text: boolean) => void = noop;
  onClose: (code: number, reason: string, wasClean: boolean) => void = noop;
  onDrain: () => void = noop;
  readonly #conn: ListenerSocket;
  readonly #limits: ConnectionLimits;
  readonly #counters: Counters;
  readonly #buffer: Uint8Array;
  readonly #callbackFailed: (error: unknown) => void;
  readonly #decoder: FrameDecoder;
  readonly #queue = new WriteQueue();
  readonly #released = Promise.withResolvers<void>();
  #state: "open" | "closing" | "closed" = "open";
  #claimed = false;
  #writing: Promise<void> | undefined;
  #aboveLowWater = false;
  /** Set when the socket should close as soon as the queue is written. */
  #closeWhenFlushed: Outcome | undefined;
  /** What to report if the socket ends while closing without a clean finish. */
  #closingOutcome: Outcome | undefined;
  #closeTimer: Timer | undefined;
  #idleTimer: Timer | undefined;
  #pingTimer: Timer | undefined;
  #lastMessageAt = performance.now();
  #heardSincePing = true;

  /** Wraps an upgraded socket; {@link start} queues the 101 and begins. */
  constructor(init: ConnectionInit) {
    this.#conn = init.conn;
    this.remote = init.remote;
    this.path = init.path;
    this.query = init.query;
    this.headers = init.headers;
    this.origin = init.origin;
    this.protocol = init.protocol;
    this.#limits = init.limits;
    this.lowWaterMark = init.limits.lowWaterMarkBytes;
    this.#counters = init.counters;
    this.#buffer = init.buffer;
    this.#callbackFailed = init.callbackFailed;
    const sink: FrameSink = {
      message: (data, text) => this.#peerMessage(data, text),
      ping: (payload) => this.#peerPing(payload),
      pong: noop,
      close: (code, reason) => this.#peerClose(code, reason),
    };
    this.#decoder = new FrameDecoder(sink, { maxMessageBytes: init.limits.maxMessageBytes });
  }

  get readyState(): "open" | "closing" | "closed" {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#queue.bufferedAmount;
  }

  get released(): Promise<void> {
    return this.#released.promise;
  }

  /** Queues the `101` response and arms the timers. */
  start(response: Uint8Array): void {
    this.#counters.connectionsOpen++;
    this.#queue.pushBytes(response);
    this.#flush();
    if (this.#limits.idleTimeoutMs > 0) this.#armIdle(this.#limits.idleTimeoutMs);
    if (this.#limits.pingIntervalMs > 0) this.#armPing();
  }

  /** Reads until the socket ends; `leftover` are bytes that followed the request head. */
  async run(leftover: Uint8Array): Promise<void> {
    try {
      if (leftover.length > 0) this.#input(leftover);
      while (this.#state !== "closed") {
        let count: number | null;
        try {
          count = await this.#conn.read(this.#buffer);
        } catch {
          count = null;
        }
        if (count === null) {
          this.#socketEnded("connection lost");
          break;
        }
        this.#counters.bytesIn += count;
        this.#input(this.#buffer.subarray(0, count));
      }
    } finally {
      this.#terminate({
        code: WebSocketCloseCode.ABNORMAL,
        reason: "connection lost",
        clean: false,
      });
      await this.#writing;
      this.#released.resolve();
    }
  }

  send(bytes: Uint8Array, text = false): boolean {
    if (text && !isValidUtf8(bytes)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "a text message must be UTF-8");
    }
    return this.#sendData(text ? Opcode.TEXT : Opcode.BINARY, bytes);
  }

  sendText(text: string): boolean {
    return this.#sendData(Opcode.TEXT, encoder.encode(text));
  }

  ping(payload: Uint8Array = EMPTY): boolean {
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new MultiplayerError("INVALID_ARGUMENT", "a ping carries at most 125 bytes");
    }
    return this.#sendData(Opcode.PING, payload);
  }

  close(code: number = WebSocketCloseCode.NORMAL, reason = ""): void {
    const payload = closePayload(code, reason); // validates before any state changes
    if (this.#state !== "open") return;
    this.#startClosing(payload, {
      code: WebSocketCloseCode.ABNORMAL,
      reason: "close handshake not completed",
      clean: false,
    });
  }

  claim(): void {
    this.#claimed = true;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  // what the decoder found, called synchronously inside #input

  #peerMessage(data: Uint8Array, text: boolean): void {
    this.#lastMessageAt = performance.now();
    if (this.#state !== "open") return;
    try {
      this.onMessage(data, text);
    } catch (error) {
      this.#callbackFailed(error);
    }
  }

  #peerPing(payload: Uint8Array): void {
    // answer only while open and within the send budget: a ping flood cannot grow the queue
    if (this.#state !== "open") return;
    if (this.#fits(payload.length)) {
      this.#queue.pushFrame(Opcode.PONG, payload);
      this.#flush();
    }
  }

  #peerClose(code: number, reason: string): void {
    const outcome = { code, reason, clean: true };
    if (this.#state === "open") {
      // echo the peer's code and reason, then close the socket once the echo is out
      const echo = code === WebSocketCloseCode.NO_STATUS ? EMPTY : closePayload(code, reason);
      this.#startClosing(echo, outcome);
    }
    this.#finishAfterFlush(outcome);
  }

  #sendData(opcode: Opcode, payload: Uint8Array): boolean {
    if (this.#state !== "open" || !this.#fits(payload.length)) return false;
    this.#queue.pushFrame(opcode, payload);
    if (this.#queue.bufferedAmount > this.lowWaterMark) this.#aboveLowWater = true;
    this.#flush();
    return true;
  }

  #fits(payloadLength: number): boolean {
    const size = frameHeaderSize(payloadLength) + payloadLength;
    return this.#queue.bufferedAmount + size <= this.#limits.maxBufferedBytes;
  }

  #input(bytes: Uint8Array): void {
    this.#heardSincePing = true;
    if (this.#decoder.done) return; // closing: the rest is read and dropped
    const failure = this.#decoder.push(bytes);
    if (failure === 0 || this.#state === "closed") return;
    const closed = this.#counters.closed;
    if (failure === WebSocketCloseCode.MESSAGE_TOO_BIG) closed.oversizedMessage++;
    else if (failure === WebSocketCloseCode.INVALID_PAYLOAD) closed.invalidUtf8++;
    else closed.protocolError++;
    this.#fail(failure, this.#decoder.failureReason);
  }

  /** Fails the connection: close frame with `code`, then wait (bounded) for the peer to go. */
  #fail(code: number, reason: string): void {
    const outcome = { code, reason, clean: false };
    if (this.#state === "open") {
      this.#startClosing(closePayload(code, truncateUtf8(reason, MAX_CLOSE_REASON_BYTES)), outcome);
    } else {
      this.#terminate(outcome);
    }
  }

  /** Queues a close frame (past the buffer bound if need be: it is tiny) and arms the timer. */
  #startClosing(payload: Uint8Array, ifUnfinished: Outcome): void {
    this.#state = "closing";
    this.#closingOutcome = ifUnfinished;
    this.#queue.pushFrame(Opcode.CLOSE, payload);
    this.#flush();
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#pingTimer);
    this.#closeTimer = setTimeout(() => {
      this.#closeTimer = undefined;
      this.#counters.closed.closeTimeout++;
      this.#terminate(this.#closeWhenFlushed ?? this.#closingOutcome ?? ifUnfinished);
    }, this.#limits.closeTimeoutMs);
  }

  #finishAfterFlush(outcome: Outcome): void {
    this.#closeWhenFlushed = outcome;
    if (this.#writing === undefined && this.#queue.bufferedAmount === 0) this.#terminate(outcome);
  }

  /** EOF or a failed read/write. */
  #socketEnded(reason: string): void {
    if (this.#state === "open") {
      this.#terminate({ code: WebSocketCloseCode.ABNORMAL, reason, clean: false });
    } else {
      this.#terminate(
        this.#closeWhenFlushed ?? this.#closingOutcome ??
          { code: WebSocketCloseCode.ABNORMAL, reason, clean: false },
      );
    }
  }

  /** Closes the socket and reports `outcome`, once. */
  #terminate(outcome: Outcome): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#closeTimer);
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#pingTimer);
    this.#queue.clear();
    closeQuietly(this.#conn);
    this.#counters.connectionsOpen--;
    try {
      this.onClose(outcome.code, outcome.reason, outcome.clean);
    } catch (error) {
      this.#callbackFailed(error);
    }
  }

  #flush(): void {
    if (this.#writing !== undefined || this.#state === "closed") return;
    if (this.#queue.bufferedAmount === 0) return;
    this.#writing = this.#writeLoop();
  }

  /** The only writer of this socket: one `write` in flight at a time. */
  async #writeLoop(): Promise<void> {
    try {
      for (let view = this.#queue.next(); view !== undefined; view = this.#queue.next()) {
        const count = await this.#conn.write(view);
        if (this.#state === "closed") return;
        this.#queue.written(count);
        this.#counters.bytesOut += count;
        if (this.#aboveLowWater && this.#queue.bufferedAmount <= this.lowWaterMark) {
          this.#aboveLowWater = false;
          try {
            this.onDrain();
          } catch (error) {
            this.#callbackFailed(error);
          }
        }
      }
    } catch {
      this.#writing = undefined;
      this.#socketEnded("write failed");
      return;
    }
    this.#writing = undefined;
    if (this.#closeWhenFlushed !== undefined) this.#terminate(this.#closeWhenFlushed);
  }

  #armIdle(delay: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#claimed || this.#state !== "open") return;
      const idle = performance.now() - this.#lastMessageAt;
      const left = this.#limits.idleTimeoutMs - idle;
      if (left > 0) return this.#armIdle(left);
      this.#counters.closed.idleTimeout++;
      this.close(WebSocketCloseCode.POLICY_VIOLATION, "idle timeout");
    }, delay);
  }

  #armPing(): void {
    this.#heardSincePing = true;
    let pinged = false;
    const tick = () => {
      this.#pingTimer = undefined;
      if (this.#state !== "open") return;
      if (pinged && !this.#heardSincePing) {
        this.#counters.closed.pingTimeout++;
        return this.#terminate({
          code: WebSocketCloseCode.ABNORMAL,
          reason: "no answer to ping",
          clean: false,
        });
      }
      this.#heardSincePing = false;
      // a peer that stopped reading cannot be pinged (queue full) but still has to answer
      this.#sendData(Opcode.PING, EMPTY);
      pinged = true;
      this.#pingTimer = setTimeout(tick, this.#limits.pingIntervalMs);
    };
    this.#pingTimer = setTimeout(tick, this.#limits.pingIntervalMs);
  }
}

/** The longest prefix of `text` that fits `maxBytes` of UTF-8. */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (encoder.encode(out).length > maxBytes) out = out.slice(0, -1);
  return out;
}
