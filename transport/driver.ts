/**
 * Drives a protocol {@link Host} from any {@link DatagramTransport} and {@link Clock}: receives in
 * the background, keeps exactly one timer at the host's next deadline, and flushes outgoing
 * datagrams once at the end of each turn or at the app's next `poll()`, whichever comes first (so
 * messages put in the same turn share datagrams).
 *
 * @module
 */
import type { DisconnectReason } from "../protocol/errors.ts";
import type { Host } from "../protocol/host/host.ts";
import { TimerQueue, type TimerSlot } from "./time/timer_queue.ts";
import type { Clock, TimerHandle } from "./time/clock.ts";
import type { DatagramTransport } from "./carrier.ts";
import type { PeerAddress } from "../protocol/address.ts";
import { sessionReasonOf } from "../protocol/websocket/session_close.ts";

/** Datagrams one flush sends before it lets the event loop run (see `PeerDriver.flush`). */
const MAX_DATAGRAMS_PER_TURN = 64;

/**
 * Optional stage between the driver and the transport (`secure/layer.ts`: async handshake
 * decisions, datagram encryption). Methods are called by the driver only.
 */
export interface DriverLayer {
  /**
   * Gives the layer its host (for handshake decisions, not for input), transport, clock, the
   * driver's input path (hands a datagram to the host, as if just received) and a way to
   * request a flush.
   */
  attach(context: DriverContext): void;
  /** Sees a received datagram first; true = consumed (the host does not get it now). */
  receive(bytes: Uint8Array, from: PeerAddress): boolean;
  /** Sends one outgoing datagram (possibly later, in order). */
  send(bytes: Uint8Array, to: PeerAddress): void;
  /** End of a flush: dispatch what `send` collected, start pending async work. */
  flushed(): void;
  /** Finishes in-flight work; nothing is delivered to the host afterwards. */
  close(): Promise<void>;
}

/**
 * What a {@link DriverLayer} gets from its driver.
 *
 * @example
 * ```ts
 * import type { DriverContext } from "./driver.ts";
 * const replay = (c: DriverContext, bytes: Uint8Array) => c.input(bytes, c.transport.localAddress);
 * ```
 */
export interface DriverContext {
  /** The protocol endpoint (for decisions; datagrams go through `input`). */
  readonly host: Host;
  /** The carrier. */
  readonly transport: DatagramTransport;
  /** The clock's time. */
  now(): number;
  /** The driver's input path: the host handles `bytes` from `from` now. */
  input(bytes: Uint8Array, from: PeerAddress): void;
  /** The driver's guarded carrier send (a throwing carrier is counted, never propagated). */
  send(bytes: Uint8Array, to: PeerAddress): boolean;
  /** Schedules an end-of-turn flush. */
  touch(): void;
}

/**
 * Optional hooks of a {@link PeerDriver}.
 *
 * @example
 * ```ts
 * import type { DriverOptions } from "./driver.ts";
 * const o: DriverOptions = { onCarrierError: (e) => console.warn("carrier:", e) };
 * ```
 */
export interface DriverOptions {
  /** Runs after each received datagram and after every flush. */
  readonly onActivity?: () => void;
  /** Optional stage between the driver and the carrier (encryption, async handshakes). */
  readonly layer?: DriverLayer;
  /** The carrier's `send` threw (a broken carrier): that datagram was dropped. */
  readonly onCarrierError?: (error: unknown, to: PeerAddress) => void;
}

/**
 * The background engine of a peer. UDP, the virtual network and WebSocket peers all reuse it.
 *
 * @example
 * ```ts
 * import { PeerDriver } from "./driver.ts";
 * import { Host } from "../protocol/host/host.ts";
 * import { Connection } from "../protocol/connection/connection.ts";
 * import { UdpTransport } from "./udp/udp_transport.ts";
 * import { systemClock } from "./time/clock.ts";
 * const transport = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * const host = new Host({ role: "server", createConnection: (c) => new Connection(c) });
 * const driver = new PeerDriver(host, transport, systemClock);
 * driver.start();
 * await driver.close();
 * ```
 */
export class PeerDriver {
  /** The protocol endpoint. */
  readonly host: Host;
  /** The carrier. */
  readonly transport: DatagramTransport;
  /** Source of time and timers. */
  readonly clock: Clock;
  /** Datagrams dropped because the carrier's `send` threw. */
  carrierErrors = 0;
  readonly #onActivity: () => void;
  readonly #onCarrierError?: (error: unknown, to: PeerAddress) => void;
  readonly #layer?: DriverLayer;
  #timer?: TimerHandle;
  #timerAt = Infinity;
  #flushQueued = false;
  #continuation?: TimerHandle; // the rest of a long flush, after the socket's reads ran
  #closed = false;
  #turnNow = -1; // app calls read the clock once per turn (a clock read is an op)
  // the queued end-of-turn flush; skipped when the app's poll() ran it already (flushPending)
  readonly #flush = () => {
    if (this.#flushQueued) this.flush();
  };
  readonly #onTimer = () => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#closed) return;
    this.host.handleTimeout(this.clock.now());
    this.flush();
  };
  // with a TimerQueue clock: one reusable entry, moved to the exact deadline (no stale fires)
  readonly #queue?: TimerQueue;
  readonly #slot: TimerSlot = { deadline: Infinity, heapIndex: -1, callback: this.#onTimer };

  /** Drives `host` over `transport` on `clock`; see {@link DriverOptions}. */
  constructor(host: Host, transport: DatagramTransport, clock: Clock, options: DriverOptions = {}) {
    this.host = host;
    this.transport = transport;
    this.clock = clock;
    this.#onActivity = options.onActivity ?? (() => {});
    this.#onCarrierError = options.onCarrierError;
    const layer = this.#layer = options.layer;
    if (clock instanceof TimerQueue) this.#queue = clock;
    layer?.attach({
      host,
      transport,
      now: () => clock.now(),
      input: (bytes, from) => this.#input(bytes, from),
      send: (bytes, to) => this.#send(bytes, to),
      touch: () => this.touch(),
    });
  }

  /**
   * Starts receiving and arms the first timer. Connection-based carriers are followed too:
   * links that open, close, block and drain reach the host.
   */
  start(): void {
    const t = this.transport;
    t.listen((bytes: Uint8Array, from: PeerAddress, owned?: boolean) => {
      if (this.#closed || this.#layer?.receive(bytes, from)) return;
      this.#input(bytes, from, owned === true);
    });
    t.onPeerOpened?.((address) => this.carrierOpened(address));
    t.onPeerClosed?.((address, code, text) => {
      const { reason, message } = sessionReasonOf(code);
      this.carrierClosed(address, reason, text || message);
    });
    if (t.isBlocked) {
      const blocked = t.isBlocked.bind(t);
      this.host.carrierBlocked = blocked;
      t.onWritable?.((address) => {
        if (this.#closed) return;
        this.host.handleCarrierWritable(address);
        this.touch();
      });
    }
    this.touch();
  }

  /** The carrier reports a remote that opened a link (a WebSocket upgraded). */
  carrierOpened(address: PeerAddress): void {
    if (this.#closed) return;
    this.host.handleCarrierOpened(address, this.clock.now());
    this.#onActivity();
    this.touch();
  }

  /**
   * The carrier reports the link to `address` gone (a WebSocket closed): the host drops that
   * peer, or fails the attempt to connect to it, with `reason` (`detail`: the failure message).
   */
  carrierClosed(address: PeerAddress, reason: DisconnectReason, detail?: string): void {
    if (this.#closed) return;
    this.host.handleCarrierClosed(address, reason, this.clock.now(), detail);
    this.#onActivity();
    this.touch();
  }

  // every carrier send: a carrier that throws loses that datagram (the reliability layer
  // recovers it), is counted and reported, and never breaks the flush
  #send(bytes: Uint8Array, to: PeerAddress): boolean {
    try {
      return this.transport.send(bytes, to);
    } catch (e) {
      this.carrierErrors++;
      try {
        this.#onCarrierError?.(e, to);
      } catch { /* a throwing report hook must not break the flush either */ }
      return false;
    }
  }

  // a session's request to close one link: a throwing carrier is counted like a failed send
  #disconnect(to: PeerAddress, code: number, reason: string): void {
    try {
      this.transport.disconnect?.(to, code, reason);
    } catch (e) {
      this.carrierErrors++;
      try {
        this.#onCarrierError?.(e, to);
      } catch { /* as in #send */ }
    }
  }

  // the one input path into the host: carrier datagrams and those a layer opened
  #input(bytes: Uint8Array, from: PeerAddress, owned = false): void {
    if (this.#closed) return;
    this.host.handleDatagram(bytes, from, this.clock.now(), owned);
    this.#onActivity(); // wake a pending poll now: the app's reply joins this turn's flush
    this.touch();
  }

  /**
   * The time for application calls (`putPacket` in a loop): read once, then reused until the
   * end-of-turn flush, which reads the clock afresh for everything timed.
   */
  now(): number {
    if (this.#turnNow < 0) this.#turnNow = this.clock.now();
    return this.#turnNow;
  }

  /** Schedules one flush at the end of this turn (after an app call or input). */
  touch(): void {
    if (this.#flushQueued || this.#closed) return;
    this.#flushQueued = true;
    queueMicrotask(this.#flush);
  }

  /**
   * Runs the end-of-turn flush now if one is queued (nothing otherwise). A peer's `poll()` calls
   * it: an app that polls has finished putting for this turn, and its messages leave before it
   * waits, instead of after the wait is set up.
   */
  flushPending(): void {
    if (this.#flushQueued) this.flush();
  }

  /** Sends everything the host has ready, re-arms the timer, reports activity. */
  flush(): void {
    this.#flushQueued = false;
    this.#turnNow = -1;
    if (this.#closed) return;
    // a server's broadcast to a crowd is long: send it in slices, letting the socket's reads
    // run in between (its receive buffer holds only a few milliseconds of a crowd's input)
    if (this.#drain(MAX_DATAGRAMS_PER_TURN) && this.#continuation === undefined) {
      // a turn, not a zero-delay timer: chained, those are clamped to milliseconds each
      const clock = this.clock;
      this.#continuation = clock.nextTurn
        ? clock.nextTurn(this.#continue)
        : clock.setTimer(this.#continue, 0);
    }
    this.#arm();
    this.#onActivity();
  }

  readonly #continue = () => {
    this.#continuation = undefined;
    this.flush();
  };

  // Sends what the host has ready, at most `limit` datagrams; true when it stopped at the limit.
  #drain(limit = Infinity): boolean {
    const now = this.clock.now(), layer = this.#layer;
    let sent = 0;
    for (; sent < limit; sent++) {
      const tx = this.host.pollTransmit(now);
      if (tx === undefined) break;
      if (tx.close) this.#disconnect(tx.to, tx.close.code, tx.close.reason);
      else if (layer) layer.send(tx.bytes, tx.to);
      else this.#send(tx.bytes, tx.to);
    }
    layer?.flushed();
    return sent === limit;
  }

  #arm(): void {
    const queue = this.#queue;
    if (queue) {
      const at = this.host.pollTimeout() ?? Infinity;
      if (at !== this.#slot.deadline) queue.schedule(this.#slot, at);
      return;
    }
    const at = this.host.pollTimeout();
    if (at === undefined) return;
    // an earlier timer already covers a later deadline: it fires, then re-arms
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timerAt = at;
    this.#timer = this.clock.setTimer(this.#onTimer, Math.max(0, at - this.clock.now()));
  }

  /** Sends what is pending (e.g. DISCONNECT), stops timers and closes the transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#drain();
    this.#closed = true;
    if (this.#continuation !== undefined) this.clock.clearTimer(this.#continuation);
    this.#continuation = undefined;
    if (this.#timer !== undefined) this.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#queue?.cancel(this.#slot);
    await this.#layer?.close();
    await this.transport.close();
  }
}
