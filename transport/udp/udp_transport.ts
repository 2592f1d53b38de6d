/**
 * {@link DatagramTransport} over a UDP socket (`Deno.listenDatagram`).
 *
 * One reused receive buffer (sized to the largest datagram we accept: bigger ones are dropped),
 * one receive loop, and sends started inside `send()` (up to `maxInFlight` unsettled at once)
 * with a bounded, lazily grown queue behind them, so callers never await per datagram.
 *
 * @module
 */
import { MultiplayerError } from "../../protocol/errors.ts";
import type { DatagramHandler, DatagramTransport } from "../carrier.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { ReceiveThread } from "./_receive_thread.ts";

/** Largest UDP payload over IPv4. */
const UDP_MAX_PAYLOAD = 65507;
/**
 * Largest datagram a multiplayer peer receives: the 1200 B datagram budget (sealed datagrams
 * included) and a CONNECT carrying the largest token (1024 B) and public key fit with room.
 *
 * @example
 * ```ts
 * import { PEER_MAX_RECEIVE_SIZE, UdpTransport } from "./udp_transport.ts";
 * const t = await UdpTransport.bind({ hostname: "127.0.0.1", maxReceiveSize: PEER_MAX_RECEIVE_SIZE });
 * await t.close();
 * ```
 */
export const PEER_MAX_RECEIVE_SIZE = 2048;
/** Send queue slots allocated up front (grows by doubling to `maxQueuedDatagrams`). */
const INITIAL_QUEUE_SLOTS = 16;
/**
 * Sends started at once before later ones queue. Deno performs a UDP send inside the call when
 * the socket is writable and reports the result one event-loop turn later, so awaiting each send
 * before the next costs a turn per datagram; started together, a flush's datagrams leave back
 * to back within the flush. A socket that stops accepting (send buffer full) leaves its sends
 * pending (they may then complete in any order) and the queue takes the rest; so does a fresh
 * socket until its first send settled, which is why that one goes alone.
 */
const DEFAULT_MAX_IN_FLIGHT = 64;
/** Consecutive receive errors after which the loop gives up (a broken socket would spin). */
const MAX_CONSECUTIVE_RECEIVE_ERRORS = 1000;
/**
 * Receive buffers (`maxReceiveSize` + 1) up to this read into slab regions given away (no copy):
 * 4 KiB, ENet's largest datagram, plus the byte that tells a truncated one.
 */
const MAX_OWNED_RECEIVE = 4096 + 1;
/** Slab of those regions: a payload the app keeps holds at most this much memory. */
const RECEIVE_SLAB_SIZE = 16 * 1024;

/**
 * The receive-thread switch, shared by {@link UdpTransport.bind} and the UDP, ENet and mixed
 * servers.
 *
 * @example
 * ```ts
 * import type { ReceiveThreadOption } from "./udp_transport.ts";
 * const busyServer: ReceiveThreadOption = { receiveThread: true };
 * ```
 */
export interface ReceiveThreadOption {
  /**
   * Read the socket on a thread of its own into a 4 MiB ring (default false), for a server with
   * hundreds of clients: the kernel's receive buffer (~208 KiB, about 256 small datagrams)
   * overflows whenever the main thread is busy for a few milliseconds (a broadcast turn, a GC
   * pause), and the thread keeps reading meanwhile. Costs a thread and ~70 us on a datagram
   * that finds the server idle. Linux only (the port is shared by a sending and a receiving
   * socket); elsewhere the socket is read as usual.
   */
  receiveThread?: boolean;
}

/**
 * Options of {@link UdpTransport.bind}.
 *
 * @example
 * ```ts
 * import type { UdpTransportOptions } from "./udp_transport.ts";
 * const options: UdpTransportOptions = { hostname: "127.0.0.1", port: 0 };
 * ```
 */
export interface UdpTransportOptions extends ReceiveThreadOption {
  /** Address to bind (default `"0.0.0.0"`; use `"::1"` or `"::"` for IPv6). */
  hostname?: string;
  /** Port to bind; 0 (default) picks an ephemeral port, see `localAddress.port`. */
  port?: number;
  /** Largest datagram accepted by `send` (default 65507). */
  maxDatagramSize?: number;
  /**
   * Largest datagram received (default `maxDatagramSize`); bigger ones are dropped (counted in
   * `stats.oversized`). Below 4 KiB each datagram is read into fresh memory given to the handler
   * (no copy to keep it); larger sizes reuse one buffer of this size (a peer with a 1200 B budget
   * needs ~2 KiB, not 64 KiB per socket).
   */
  maxReceiveSize?: number;
  /** Most datagrams waiting in the send queue (default 4096). */
  maxQueuedDatagrams?: number;
  /** Most bytes waiting in the send queue (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Sends started and not yet settled at once (default 64); later ones wait in the queue. */
  maxInFlight?: number;
  /** Debug hook for errors that are otherwise only counted (handler throws, socket errors). */
  onError?: (error: unknown, where: "receive" | "handler" | "send") => void;
}

/**
 * Counters of a {@link UdpTransport}.
 *
 * @example
 * ```ts
 * import { UdpTransport } from "./udp_transport.ts";
 * const t = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * console.log(t.stats.datagramsSent); // 0
 * await t.close();
 * ```
 */
export interface UdpTransportStats {
  /** Datagrams written to the socket. */
  datagramsSent: number;
  /** Datagrams read from the socket. */
  datagramsReceived: number;
  /** Bytes written. */
  bytesSent: number;
  /** Bytes read. */
  bytesReceived: number;
  /** Failed socket writes. */
  sendErrors: number;
  /** Failed socket reads (e.g. ICMP errors on some systems). */
  receiveErrors: number;
  /** Exceptions thrown by the datagram handler. */
  handlerErrors: number;
  /** Datagrams dropped locally (queue full or transport closed). */
  drops: number;
  /** Received datagrams dropped for exceeding `maxReceiveSize` (truncated by the socket). */
  oversized: number;
}

/**
 * UDP carrier. Bind with {@link UdpTransport.bind}, then `listen` and `send`.
 *
 * @example
 * ```ts
 * import { UdpTransport } from "./udp_transport.ts";
 * const a = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * const b = await UdpTransport.bind({ hostname: "127.0.0.1" });
 * const got = new Promise<string>((resolve) =>
 *   b.listen((bytes) => resolve(new TextDecoder().decode(bytes)))
 * );
 * a.send(new TextEncoder().encode("hi"), b.localAddress);
 * console.log(await got); // "hi"
 * await a.close();
 * await b.close();
 * ```
 */
export class UdpTransport implements DatagramTransport {
  /** Largest datagram `send` accepts. */
  readonly maxDatagramSize: number;
  /** UDP may drop, duplicate and reorder. */
  readonly reliable = false;
  /** The bound address (real port when bound to port 0). */
  readonly localAddress: PeerAddress;
  readonly #stats: UdpTransportStats = {
    datagramsSent: 0,
    datagramsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sendErrors: 0,
    receiveErrors: 0,
    handlerErrors: 0,
    drops: 0,
    oversized: 0,
  };

  /** Live counters (a receive thread's drops included). */
  get stats(): UdpTransportStats {
    if (this.#thread) this.#foldThreadCounters(this.#thread);
    return this.#stats;
  }

  // adds what the receive thread dropped since the last call
  #foldThreadCounters(t: ReceiveThread): void {
    const drops = t.drops, oversized = t.oversized;
    this.#stats.drops += drops - this.#threadDrops;
    this.#stats.oversized += oversized - this.#threadOversized;
    this.#threadDrops = drops;
    this.#threadOversized = oversized;
  }

  #conn: Deno.DatagramConn;
  // receive buffer size: maxReceiveSize + 1 (a datagram that fills it was truncated)
  readonly #bufferSize: number;
  // small receive sizes read into fresh regions of a slab, handed to the handler as owned: the
  // protocol keeps payload views instead of copying them (see #nextRegion); made by the receive
  // loop, so a transport read by its receive thread allocates none
  #receiveSlab?: Uint8Array;
  #slabOffset = 0;
  #onError?: UdpTransportOptions["onError"];
  #closed = false;
  #listening = false;
  #receiveLoop?: Promise<void>;
  #thread?: ReceiveThread;
  // the thread's drop counters already folded into #stats
  #threadDrops = 0;
  #threadOversized = 0;

  // send queue: ring buffer of (bytes, address), grown by doubling up to #maxQueued
  #queueBytes: (Uint8Array | undefined)[] = new Array(INITIAL_QUEUE_SLOTS).fill(undefined);
  #queueTo: (Deno.NetAddr | undefined)[] = new Array(INITIAL_QUEUE_SLOTS).fill(undefined);
  #maxQueued: number;
  #head = 0;
  #count = 0;
  #queuedBytes = 0;
  #maxQueuedBytes: number;
  #maxInFlight: number;
  #inFlight = 0; // sends started and not yet settled
  // until a first send settled the runtime does not know the socket is writable: sends started
  // before then would wait and could complete in any order, so one goes first
  #warm = false;
  #onIdle?: () => void; // close() waits for the last send to settle
  readonly #onSent = (n: number): void => {
    this.#inFlight--;
    this.#warm = true;
    this.#stats.bytesSent += n;
    this.#stats.datagramsSent++;
    if (this.#count > 0) this.#pump();
    else if (this.#inFlight === 0) this.#onIdle?.();
  };
  readonly #onSendError = (e: unknown): void => {
    this.#inFlight--;
    this.#warm = true;
    if (!(this.#closed && e instanceof Deno.errors.BadResource)) {
      this.#stats.sendErrors++;
      this.#onError?.(e, "send");
    }
    if (this.#count > 0) this.#pump();
    else if (this.#inFlight === 0) this.#onIdle?.();
  };
  // caller address object -> Deno address object, so repeated sends allocate nothing
  #addressCache = new WeakMap<PeerAddress, Deno.NetAddr>();

  private constructor(conn: Deno.DatagramConn, options: UdpTransportOptions) {
    this.#conn = conn;
    const addr = conn.addr as Deno.NetAddr;
    this.localAddress = { hostname: addr.hostname, port: addr.port, transport: "udp" };
    this.maxDatagramSize = options.maxDatagramSize ?? UDP_MAX_PAYLOAD;
    // one spare byte: a datagram that fills it was truncated by the socket (too big for us)
    this.#bufferSize = (options.maxReceiveSize ?? this.maxDatagramSize) + 1;
    this.#maxQueued = options.maxQueuedDatagrams ?? 4096;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.#onError = options.onError;
  }

  /**
   * Binds a UDP socket. Resolves once bound.
   *
   * @example
   * ```ts
   * import { UdpTransport } from "./udp_transport.ts";
   * const t = await UdpTransport.bind({ hostname: "::1", port: 0 });
   * console.log(t.localAddress.port > 0); // true
   * await t.close();
   * ```
   */
  static async bind(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    for (const key of ["maxDatagramSize", "maxReceiveSize"] as const) {
      const size = options[key] ?? UDP_MAX_PAYLOAD;
      if (!Number.isInteger(size) || size < 1 || size > UDP_MAX_PAYLOAD) {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `${key} must be an integer in [1, ${UDP_MAX_PAYLOAD}], got ${size}`,
        );
      }
    }
    for (const key of ["maxQueuedDatagrams", "maxQueuedBytes", "maxInFlight"] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
        throw new MultiplayerError(
          "INVALID_ARGUMENT",
          `${key} must be a positive integer, got ${v}`,
        );
      }
    }
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new MultiplayerError("INVALID_ARGUMENT", `port must be in [0, 65535], got ${port}`);
    }
    const hostname = options.hostname ?? "0.0.0.0";
    if (options.receiveThread && port !== 0) {
      // a shared port must not join a socket someone else holds: bind it alone once, so a port
      // in use fails here as it would without the thread
      Deno.listenDatagram({ transport: "udp", hostname, port }).close();
    }
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname,
      port,
      ...(options.receiveThread ? { reuseAddress: true } : {}),
    });
    const transport = new UdpTransport(conn, options);
    if (options.receiveThread) {
      transport.#thread = await ReceiveThread.start({
        hostname,
        port: transport.localAddress.port,
        maxReceiveSize: transport.#bufferSize - 1,
        sender: conn,
      });
    }
    return transport;
  }

  /** Bytes waiting in the send queue. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Starts the receive loop. With `maxReceiveSize` below 4 KiB (peers: 2 KiB) each datagram is read
   * into fresh memory and given to `handler` as owned (no copy needed to keep it); larger receive
   * sizes reuse one buffer.
   */
  listen(handler: DatagramHandler): void {
    if (this.#closed) throw new MultiplayerError("CLOSED", "listen() on a closed UdpTransport");
    if (this.#listening) {
      throw new MultiplayerError("ALREADY_ACTIVE", "UdpTransport.listen() may be called only once");
    }
    this.#listening = true;
    const thread = this.#thread;
    if (thread) {
      const stats = this.#stats;
      thread.listen((bytes, from) => {
        stats.datagramsReceived++;
        stats.bytesReceived += bytes.length;
        handler(bytes, from);
      }, (e) => {
        stats.handlerErrors++;
        this.#onError?.(e, "handler");
      }, () => {
        // the thread's socket broke: the port's datagrams now come to ours
        this.#foldThreadCounters(thread);
        this.#thread = undefined;
        if (!this.#closed) this.#receiveLoop = this.#receive(handler);
      });
      return;
    }
    this.#receiveLoop = this.#receive(handler);
  }

  /** True when a receive thread reads the socket (see {@link UdpTransportOptions.receiveThread}). */
  get threaded(): boolean {
    return this.#thread !== undefined;
  }

  // The region the next datagram is read into: past every byte handed out as owned, so those
  // stay as they were; a slab whose rest is too small is left to the views into it.
  #nextRegion(): Uint8Array {
    const size = this.#bufferSize;
    let slab = this.#receiveSlab;
    if (slab === undefined || this.#slabOffset + size > slab.length) {
      slab = this.#receiveSlab = new Uint8Array(RECEIVE_SLAB_SIZE);
      this.#slabOffset = 0;
    }
    return slab.subarray(this.#slabOffset, this.#slabOffset + size);
  }

  async #receive(handler: DatagramHandler): Promise<void> {
    const owned = this.#bufferSize <= MAX_OWNED_RECEIVE;
    const stats = this.#stats;
    let consecutiveErrors = 0;
    // larger receive sizes reuse one buffer (handed over only for the call)
    let buffer = owned ? this.#nextRegion() : new Uint8Array(this.#bufferSize);
    while (!this.#closed) {
      let bytes: Uint8Array;
      let from: Deno.Addr;
      try {
        [bytes, from] = await this.#conn.receive(buffer);
      } catch (e) {
        if (this.#closed || e instanceof Deno.errors.BadResource) return;
        stats.receiveErrors++;
        this.#onError?.(e, "receive");
        if (++consecutiveErrors >= MAX_CONSECUTIVE_RECEIVE_ERRORS) return;
        continue;
      }
      consecutiveErrors = 0;
      if (bytes.length === buffer.length) {
        stats.oversized++; // truncated: never hand a partial datagram to the protocol
        continue;
      }
      stats.datagramsReceived++;
      stats.bytesReceived += bytes.length;
      if (owned) {
        // given away: the next read goes past it (8-byte aligned, for views the app may wrap)
        this.#slabOffset += (bytes.length + 7) & ~7;
        buffer = this.#nextRegion();
      }
      try {
        // Deno's NetAddr already has hostname, port and transport "udp"
        handler(bytes, from as Deno.NetAddr, owned);
      } catch (e) {
        stats.handlerErrors++;
        this.#onError?.(e, "handler");
      }
      // let what the handler queued (the app's wake-up, the end-of-turn flush) run before the
      // next receive op is issued: a reply leaves ~5 us sooner
      await undefined;
    }
  }

  /**
   * Queues one datagram; returns false when dropped locally (queue full or closed).
   * Throws a `MultiplayerError` for a datagram above `maxDatagramSize`.
   */
  send(bytes: Uint8Array, to: PeerAddress): boolean {
    if (bytes.length > this.maxDatagramSize) {
      throw new MultiplayerError(
        "PACKET_TOO_LARGE",
        `datagram of ${bytes.length} bytes exceeds maxDatagramSize ${this.maxDatagramSize}`,
      );
    }
    if (
      this.#closed || this.#count === this.#maxQueued ||
      this.#queuedBytes + bytes.length > this.#maxQueuedBytes
    ) {
      this.#stats.drops++;
      return false;
    }
    let addr: Deno.NetAddr | undefined;
    if (to.transport === "udp") addr = to as Deno.NetAddr;
    else {
      addr = this.#addressCache.get(to);
      if (addr === undefined) {
        addr = { transport: "udp", hostname: to.hostname, port: to.port };
        this.#addressCache.set(to, addr);
      }
    }
    if (this.#count === 0 && this.#inFlight < (this.#warm ? this.#maxInFlight : 1)) {
      this.#start(bytes, addr);
      return true;
    }
    if (this.#count === this.#queueBytes.length) this.#grow();
    const capacity = this.#queueBytes.length;
    let tail = this.#head + this.#count;
    if (tail >= capacity) tail -= capacity;
    this.#queueBytes[tail] = bytes;
    this.#queueTo[tail] = addr;
    this.#count++;
    this.#queuedBytes += bytes.length;
    return true;
  }

  // the send happens inside this call when the socket accepts it; the promise settles later
  #start(bytes: Uint8Array, addr: Deno.NetAddr): void {
    this.#inFlight++;
    this.#conn.send(bytes, addr).then(this.#onSent, this.#onSendError);
  }

  // starts queued sends while the in-flight bound allows
  #pump(): void {
    while (this.#count > 0 && this.#inFlight < (this.#warm ? this.#maxInFlight : 1)) {
      const i = this.#head;
      const bytes = this.#queueBytes[i]!, addr = this.#queueTo[i]!;
      this.#queueBytes[i] = undefined;
      this.#queueTo[i] = undefined;
      this.#head = i + 1 === this.#queueBytes.length ? 0 : i + 1;
      this.#count--;
      this.#queuedBytes -= bytes.length;
      this.#start(bytes, addr);
    }
  }

  #grow(): void {
    const old = this.#queueBytes, oldTo = this.#queueTo, n = old.length;
    const size = Math.min(n * 2, this.#maxQueued);
    const bytes: (Uint8Array | undefined)[] = new Array(size).fill(undefined);
    const to: (Deno.NetAddr | undefined)[] = new Array(size).fill(undefined);
    for (let k = 0; k < this.#count; k++) {
      const i = (this.#head + k) % n;
      bytes[k] = old[i];
      to[k] = oldTo[i];
    }
    this.#queueBytes = bytes;
    this.#queueTo = to;
    this.#head = 0;
  }

  /**
   * Sends what is queued, then closes the socket and waits for the receive loop to end.
   * Sends after `close()` return false.
   */
  async close(): Promise<void> {
    if (this.#closed) {
      await this.#receiveLoop;
      return;
    }
    this.#closed = true;
    // flush first: graceful goodbyes are queued just before close()
    if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#onIdle = resolve);
    if (this.#thread) {
      await this.#thread.close();
    }
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    await this.#receiveLoop;
  }
}
