/**
 * Carrier-independent implementation of {@link NetworkedMultiplayerPeer}: settings, the packet
 * API, targets, `poll()` and event dispatch. `UdpMultiplayerPeer` and `WebSocketMultiplayerPeer`
 * extend it and only add how the transport is created.
 *
 * @module
 */
import { Connection } from "../../protocol/connection/connection.ts";
import { ConnectionStatus, DEFAULTS, MAX_PEER_ID, TransferMode } from "../../protocol/constants.ts";
import { MultiplayerError } from "../../protocol/errors.ts";
import type { PeerStats } from "../../protocol/connection/stats.ts";
import { decodeValue, encodeValue } from "../../protocol/wire/value_codec.ts";
import { toDomEvent } from "./events.ts";
import type { MultiplayerPeerEventMap } from "./events.ts";
import type { NetworkedMultiplayerPeer } from "./api.ts";
import { PeerDriver } from "../driver.ts";
import type { PeerAddress } from "../../protocol/address.ts";
import { PollWaiters } from "./_poll_waiters.ts";
import type { Clock } from "../time/clock.ts";
import { sharedTimers } from "../time/timer_queue.ts";
import { type PeerHostOptions, type PeerStart, registerPeerInternals } from "./lifecycle.ts";

/**
 * How a peer turns values into packets and back for `putVar`/`getVar`; `decode` never throws.
 *
 * @example
 * ```ts
 * import type { ValueCodec } from "./multiplayer_peer.ts";
 * const json: ValueCodec = {
 *   encode: (v) => new TextEncoder().encode(JSON.stringify(v)),
 *   decode: (b) => ({ ok: true, value: JSON.parse(new TextDecoder().decode(b)) }),
 * };
 * ```
 */
export interface ValueCodec {
  /** Encodes a value; throws MultiplayerError INVALID_ARGUMENT for one it cannot encode. */
  encode(value: unknown): Uint8Array;
  /** Decodes a packet. */
  decode(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; error: string };
}

/**
 * The native value codec: msgpack with the strict bounded decoder.
 *
 * @example
 * ```ts
 * import { MSGPACK_VALUES } from "./multiplayer_peer.ts";
 * console.log(MSGPACK_VALUES.decode(MSGPACK_VALUES.encode([1, "a"]))); // { ok: true, value: [ 1, "a" ] }
 * ```
 */
export const MSGPACK_VALUES: ValueCodec = { encode: encodeValue, decode: decodeValue };

/**
 * Shared logic of every multiplayer peer. Subclasses build a host and a carrier and start them
 * with `startPeer` (`lifecycle.ts`: a module function, so the public type exposes no protocol
 * internals).
 *
 * @example
 * ```ts
 * import { MultiplayerPeerBase } from "./multiplayer_peer.ts";
 * class MyPeer extends MultiplayerPeerBase {}
 * const peer = new MyPeer();
 * console.log(peer.getConnectionStatus()); // 0
 * ```
 */
export abstract class MultiplayerPeerBase extends EventTarget implements NetworkedMultiplayerPeer {
  /** Mode used by `putPacket` (default RELIABLE). */
  transferMode: TransferMode = TransferMode.RELIABLE;
  /** Send UNRELIABLE packets as UNRELIABLE_ORDERED. */
  alwaysOrdered = false;
  #channelCount: number = DEFAULTS.channelCount;
  #serverRelay = true;
  #timeoutMs: number = DEFAULTS.timeoutMs;
  #encodeBufferMaxSize: number = DEFAULTS.encodeBufferMaxSize;
  #transferChannel = 0;
  #target = 0;
  #refuse = false;
  #driver?: PeerDriver;
  // What the application sees: moved only by poll(), in step with the events it dispatches
  #status: ConnectionStatus = ConnectionStatus.DISCONNECTED;
  #uniqueId = 0;
  #closingDriver: Promise<void> = Promise.resolve(); // a connection that ended, being released
  #carrierError?: { error: unknown; count: number; hostname: string; port: number };
  readonly #onCarrierError = (error: unknown, to: PeerAddress) => {
    const pending = this.#carrierError;
    if (pending) pending.count++;
    else this.#carrierError = { error, count: 1, hostname: to.hostname, port: to.port };
    if (this.#waiters && this.#waiters.size > 0 && !this.#wakeQueued) {
      this.#wakeQueued = true;
      queueMicrotask(this.#deliverAndWake);
    }
  };
  #starting = false;
  #closedWhileStarting = false;
  #createOver: Promise<void> = Promise.resolve();
  #available = 0;
  #error?: Error;
  #noPacket = false; // getPacket() found nothing: the error is built only if asked for
  #waiters?: PollWaiters;
  // polls while no session exists wait out their timeout here (a loop polling a failed or
  // closed peer must not spin); on the last session's clock, so simulations stay virtual
  #idleWaiters?: PollWaiters;
  #idleClock: Clock = sharedTimers;
  #wakeQueued = false;
  // Called by the driver right after input (and after each flush). Packets only: made available
  // and the pending polls resolved here, so the app resumes next, before the end-of-turn flush
  // (its reply then shares that flush). Events are dispatched from a microtask, not from inside
  // the receive handler.
  readonly #onActivity = () => {
    const host = this.#driver?.host, waiters = this.#waiters;
    if (!host || !waiters || waiters.size === 0) return;
    if (host.eventCount > 0) {
      if (!this.#wakeQueued) {
        this.#wakeQueued = true;
        queueMicrotask(this.#deliverAndWake);
      }
    } else if (host.inboundCount > this.#available) {
      const fresh = host.inboundCount - this.#available;
      this.#available = host.inboundCount;
      waiters.wake(fresh);
    }
  };
  readonly #deliverAndWake = () => {
    this.#wakeQueued = false;
    const waiters = this.#waiters;
    if (waiters && waiters.size > 0) waiters.wake(this.#deliver());
  };

  // --------------------------------------------------------------------------- settings

  /** User channels (default 3); set before creating. */
  get channelCount(): number {
    return this.#driver?.host.channelCount ?? this.#channelCount;
  }
  set channelCount(n: number) {
    this.#assertInactive("channelCount");
    if (!Number.isInteger(n) || n < 1 || n > 254) {
      throw new MultiplayerError("INVALID_ARGUMENT", `channelCount must be in [1, 254], got ${n}`);
    }
    this.#channelCount = n;
  }
  /** Servers relay client-to-client packets (default true); set before creating. */
  get serverRelay(): boolean {
    return this.#driver?.host.serverRelay ?? this.#serverRelay;
  }
  set serverRelay(on: boolean) {
    this.#assertInactive("serverRelay");
    this.#serverRelay = on;
  }
  /** Silence (ms) after which a peer is dropped (default 10 000); set before creating. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }
  set timeoutMs(ms: number) {
    this.#assertInactive("timeoutMs");
    if (!Number.isInteger(ms) || ms < 100) {
      throw new MultiplayerError("INVALID_ARGUMENT", `timeoutMs must be an integer >= 100`);
    }
    this.#timeoutMs = ms;
  }
  /**
   * Largest packet `putPacket` accepts (default 8 MiB, at most 64 MiB; a carrier with small
   * datagrams may allow less: the create call says so); set before creating.
   */
  get encodeBufferMaxSize(): number {
    return this.#encodeBufferMaxSize;
  }
  set encodeBufferMaxSize(n: number) {
    this.#assertInactive("encodeBufferMaxSize");
    if (!Number.isInteger(n) || n < 1 || n > DEFAULTS.maxEncodeBufferSize) {
      throw new MultiplayerError(
        "INVALID_ARGUMENT",
        `encodeBufferMaxSize must be an integer in [1, ${DEFAULTS.maxEncodeBufferSize}], got ${n}`,
      );
    }
    this.#encodeBufferMaxSize = n;
  }
  /** User channel used by `putPacket` (default 0). */
  get transferChannel(): number {
    return this.#transferChannel;
  }
  set transferChannel(ch: number) {
    if (!Number.isInteger(ch) || ch < 0 || ch >= this.channelCount) {
      throw new MultiplayerError(
        "INVALID_CHANNEL",
        `transferChannel ${ch} is out of range [0, ${this.channelCount - 1}]`,
      );
    }
    this.#transferChannel = ch;
  }
  /** Servers: reject new clients explicitly (they get `connection_failed`). */
  get refuseNewConnections(): boolean {
    return this.#refuse;
  }
  set refuseNewConnections(on: boolean) {
    this.#refuse = on;
    if (this.#driver) this.#driver.host.refuseNewConnections = on;
  }

  /** Target of the next `putPacket`: 0 all, 1 server, id, -id all but id. */
  setTargetPeer(id: number): void {
    if (!Number.isInteger(id) || Math.abs(id) > MAX_PEER_ID) {
      throw new MultiplayerError("INVALID_TARGET", `target ${id} is not a valid peer id`);
    }
    this.#target = id;
  }

  // ----------------------------------------------------------------------------- state

  /**
   * DISCONNECTED, CONNECTING or CONNECTED, as of the last `poll()`: it changes in the same
   * `poll()` that dispatches the matching event (`connection_succeeded`, `connection_failed`,
   * `server_disconnected`), just before the listeners run. Servers are CONNECTED once created.
   */
  getConnectionStatus(): ConnectionStatus {
    return this.#driver ? this.#status : ConnectionStatus.DISCONNECTED;
  }
  /**
   * 1 on servers; on clients the id the server assigned, from the `poll()` that dispatched
   * `connection_succeeded` on (0 before).
   */
  getUniqueId(): number {
    return this.#driver ? this.#uniqueId : 0;
  }
  /** Address of a directly connected peer (clients: only 1). Throws UNKNOWN_PEER. */
  getPeerAddress(id: number): string {
    return this.#peer(id).hostname;
  }
  /** Port of a directly connected peer. Throws UNKNOWN_PEER. */
  getPeerPort(id: number): number {
    return this.#peer(id).port;
  }
  /** Servers: drops client `id`; `now` = without waiting for its queued data to be delivered. */
  disconnectPeer(id: number, now = false): void {
    const driver = this.#requireDriver("disconnectPeer");
    driver.host.disconnectPeer(id, driver.clock.now(), now);
    driver.touch();
  }

  /**
   * A statistics snapshot of a directly connected peer: RTT, loss, counters, congestion window,
   * send rate (see `PeerStats`). Clients use id 1 (the server); relayed peers have no direct
   * link. Throws MultiplayerError NOT_ACTIVE or UNKNOWN_PEER.
   */
  getPeerStats(id: number): PeerStats {
    const driver = this.#requireDriver("getPeerStats");
    return driver.host.peerStats(id, driver.clock.now());
  }
  /**
   * Per-peer timeout, like Godot's `set_peer_timeout(id, limit, min, max)` in ms: the peer is
   * dropped after `limitMs` of silence on paths up to 200 ms RTT (srtt + 4 rttvar), after
   * proportionally longer on slower paths, never before `minMs` nor after `maxMs` (defaults:
   * `minMs = limitMs`, `maxMs = max(limitMs, minMs)`, i.e. a fixed timeout). Keepalives are sent
   * at least every `minMs / 4`. Local only: the remote keeps its own timeout. Clients use id 1.
   * Throws MultiplayerError NOT_ACTIVE, UNKNOWN_PEER or INVALID_ARGUMENT (needs
   * `100 <= minMs <= maxMs`).
   */
  setPeerTimeout(id: number, limitMs: number, minMs?: number, maxMs?: number): void {
    const driver = this.#requireDriver("setPeerTimeout");
    driver.host.setPeerTimeout(id, limitMs, minMs, maxMs);
    driver.touch(); // the deadline moved: re-arm the timer
  }

  // ---------------------------------------------------------------------------- packets

  /** Packets made available by `poll()` and not read yet. */
  getAvailablePacketCount(): number {
    return this.#available;
  }
  /** Next available packet, or undefined (see `getPacketError`). */
  getPacket(): Uint8Array | undefined {
    const host = this.#driver?.host;
    if (!host || this.#available === 0) {
      this.#error = undefined;
      this.#noPacket = true; // an Error captures a stack: too costly for `while (getPacket())`
      return undefined;
    }
    this.#available--;
    this.#error = undefined;
    this.#noPacket = false;
    return host.pollPacketData();
  }
  /** Sender id of the next available packet (0 when none). */
  getPacketPeer(): number {
    return this.#available > 0 ? this.#driver!.host.nextPacketFrom : 0;
  }
  /** User channel of the next available packet (0 when none). */
  getPacketChannel(): number {
    return this.#available > 0 ? this.#driver!.host.nextPacketChannel : 0;
  }
  /** Transfer mode of the next available packet (RELIABLE when none). */
  getPacketMode(): TransferMode {
    const mode = this.#available > 0 ? this.#driver!.host.nextPacketMode : undefined;
    return mode ?? TransferMode.RELIABLE;
  }
  /** Error of the last `getPacket`/`getVar`. */
  getPacketError(): Error | undefined {
    if (this.#noPacket) {
      this.#noPacket = false;
      this.#error = new MultiplayerError("NOT_ACTIVE", "no packet available: call poll()");
    }
    return this.#error;
  }
  /**
   * Sends `data` to the target set with `setTargetPeer`, with `transferMode` on
   * `transferChannel`. Ownership of `data` passes to the peer. Throws:
   * - RangeError when `data` is longer than `encodeBufferMaxSize`;
   * - MultiplayerError NOT_CONNECTED before `connection_succeeded` (clients) or after the
   *   connection ended; INVALID_TARGET / UNKNOWN_PEER for a target that cannot be reached;
   *   QUEUE_FULL (reliable data) when the peer's send queue is at its bound: back off and retry
   *   (unreliable data is dropped and counted instead);
   * - MultiplayerError PACKET_TOO_LARGE when the carrier cannot carry a packet that large.
   */
  putPacket(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new MultiplayerError("INVALID_ARGUMENT", "putPacket() takes a Uint8Array");
    }
    if (data.length > this.#encodeBufferMaxSize) {
      throw new RangeError(
        `packet of ${data.length} bytes exceeds encodeBufferMaxSize (${this.#encodeBufferMaxSize} bytes)`,
      );
    }
    const driver = this.#requireDriver("putPacket");
    this.#requireConnected("putPacket");
    const mode = this.#putMode();
    driver.host.send(this.#target, data, mode, this.packetChannel(mode), driver.now());
    driver.touch();
  }
  /**
   * The user channel `putPacket` sends a packet of `mode` on (`transferChannel` here; a wire
   * with its own channel rules overrides it).
   */
  protected packetChannel(_mode: TransferMode): number {
    return this.#transferChannel;
  }

  /** How `putVar`/`getVar` encode values (msgpack here; Godot's wires use Godot's Variant). */
  protected valueCodec: ValueCodec = MSGPACK_VALUES;

  /**
   * Sessions whose peers speak different wires: the codec of each wire's value format
   * (`"native"`, `"godot"`); `putVar` then encodes once per format among the receivers, and
   * `getVar` decodes with the sender's.
   */
  protected valueCodecs?: Readonly<Record<string, ValueCodec>>;

  /** Sends a value encoded by the peer's value codec (see `PacketPeer.putVar`). */
  putVar(value: unknown): void {
    const codecs = this.valueCodecs;
    if (!codecs) {
      this.putPacket(this.valueCodec.encode(value));
      return;
    }
    const driver = this.#requireDriver("putVar");
    this.#requireConnected("putVar");
    let native: Uint8Array | undefined, godot: Uint8Array | undefined;
    const encodeFor = (format: string): Uint8Array => {
      if (format === "godot") return godot ??= (codecs.godot ?? this.valueCodec).encode(value);
      return native ??= (codecs[format] ?? this.valueCodec).encode(value);
    };
    const mode = this.#putMode();
    driver.host.sendEncoded(this.#target, encodeFor, mode, this.packetChannel(mode), driver.now());
    driver.touch();
  }
  /** Next available packet decoded as a value; undefined with `getPacketError()` on failure. */
  getVar(): unknown {
    const codec = this.valueCodecs?.[this.#driver?.host.nextPacketFormat ?? ""] ?? this.valueCodec;
    const data = this.getPacket();
    if (!data) return undefined;
    const r = codec.decode(data);
    if (r.ok) return r.value;
    this.#noPacket = false;
    this.#error = new MultiplayerError(
      "INVALID_ARGUMENT",
      `packet is not a valid value: ${r.error}`,
    );
    return undefined;
  }

  // ------------------------------------------------------------------------------- poll

  /**
   * Dispatches pending events and makes received packets available; if nothing is pending,
   * waits up to `timeoutMs` and resolves as soon as something arrives. Resolves to the number of
   * events + packets made available. Without a session (never created, failed to connect, or
   * closed) it waits out `timeoutMs` too and resolves to 0, so a loop that polls until the peer
   * connects never spins a core; `close()` and the start of a new session end such a wait early.
   */
  poll(timeoutMs: number = DEFAULTS.pollTimeoutMs): Promise<number> {
    const waiters = this.#waiters;
    if (!this.#driver || !waiters) {
      if (!(timeoutMs > 0)) return Promise.resolve(0);
      return (this.#idleWaiters ??= new PollWaiters(this.#idleClock)).wait(timeoutMs);
    }
    this.#driver.flushPending(); // the app's turn is over: what it put leaves now
    const n = this.#deliver();
    if (n > 0 || !(timeoutMs > 0)) return Promise.resolve(n);
    return waiters.wait(timeoutMs); // resolved with the count by #onActivity or at the timeout
  }

  #deliver(): number {
    const driver = this.#driver, host = driver?.host;
    if (!driver || !host) return 0;
    let n = 0;
    for (let e = host.pollEvent(); e; e = host.pollEvent()) {
      n++;
      if (e.type === "connection_succeeded") {
        this.#status = ConnectionStatus.CONNECTED;
        this.#uniqueId = host.uniqueId;
      } else if (e.type === "connection_failed" || e.type === "server_disconnected") {
        // the connection ended: release it before the listeners run, so they may reconnect
        this.#status = ConnectionStatus.DISCONNECTED;
        this.#release(driver);
        this.dispatchEvent(toDomEvent(e, this.#uniqueId));
        return n;
      }
      this.dispatchEvent(toDomEvent(e, this.#uniqueId));
      if (this.#driver !== driver) return n; // a listener closed the peer
    }
    const failure = this.#carrierError;
    if (failure) {
      this.#carrierError = undefined;
      n++;
      this.dispatchEvent(new CustomEvent("carrier_error", { detail: failure }));
      if (this.#driver !== driver) return n;
    }
    const fresh = host.inboundCount - this.#available;
    this.#available = host.inboundCount;
    return n + fresh;
  }

  // Detaches an ended client connection; its socket is closed in the background (close() and
  // the next create call wait for it).
  #release(driver: PeerDriver): void {
    this.#driver = undefined;
    this.#available = 0;
    this.#waiters?.close();
    this.#waiters = undefined;
    const previous = this.#closingDriver;
    this.#closingDriver = previous.then(() => driver.close()).catch(() => {});
  }

  // -------------------------------------------------------------------------- lifecycle

  static {
    registerPeerInternals({
      hostOptions: (p) => (p as MultiplayerPeerBase).#hostOptions(),
      begin: (p) => (p as MultiplayerPeerBase).#beginCreate(),
      settle: (p) => (p as MultiplayerPeerBase).#settleCreate(),
      start: (p, start) => (p as MultiplayerPeerBase).#startHost(start),
    });
  }

  #hostOptions(): PeerHostOptions {
    return {
      channelCount: this.#channelCount,
      serverRelay: this.#serverRelay,
      timeoutMs: this.#timeoutMs,
      encodeBufferMaxSize: this.#encodeBufferMaxSize,
      createConnection: (config) => new Connection(config),
    };
  }

  #beginCreate(): () => void {
    if (this.#driver || this.#starting) {
      throw new MultiplayerError("ALREADY_ACTIVE", "the peer is already active: close() it first");
    }
    this.#starting = true;
    this.#closedWhileStarting = false;
    let over!: () => void;
    this.#createOver = new Promise<void>((resolve) => over = resolve);
    return over;
  }

  #settleCreate(): boolean {
    this.#starting = false;
    const closed = this.#closedWhileStarting;
    this.#closedWhileStarting = false;
    return closed;
  }

  #startHost(start: PeerStart): PeerDriver {
    const { host, transport, clock, layer } = start;
    host.refuseNewConnections = this.#refuse;
    this.#available = 0;
    this.#status = host.isServer ? ConnectionStatus.CONNECTED : ConnectionStatus.CONNECTING;
    this.#uniqueId = host.isServer ? 1 : 0;
    this.#endIdleWaits();
    this.#idleClock = clock;
    this.#waiters = new PollWaiters(clock, () => this.#deliver());
    this.#driver = new PeerDriver(host, transport, clock, {
      onActivity: this.#onActivity,
      layer,
      onCarrierError: this.#onCarrierError,
    });
    this.#driver.start();
    return this.#driver;
  }

  // polls made while no session existed resolve to 0 now (their timer is cleared)
  #endIdleWaits(): void {
    this.#idleWaiters?.close();
    this.#idleWaiters = undefined;
  }

  /** Says goodbye to every peer, then releases the transport, timers and pending polls. */
  async close(): Promise<void> {
    this.#endIdleWaits();
    const driver = this.#driver;
    if (!driver) {
      // a create call still running: it sees this, closes what it built, and then this resolves
      if (this.#starting) {
        this.#closedWhileStarting = true;
        await this.#createOver;
      }
      await this.#closingDriver;
      return;
    }
    this.#driver = undefined;
    this.#available = 0;
    driver.host.close(driver.clock.now());
    this.#waiters?.close();
    this.#waiters = undefined;
    await driver.close();
    await this.#closingDriver;
  }

  // ---------------------------------------------------------------------------- helpers

  #peer(id: number) {
    const address = this.#driver?.host.peerAddress(id);
    if (!address) throw new MultiplayerError("UNKNOWN_PEER", `no connected peer with id ${id}`);
    return address;
  }
  #requireDriver(what: string): PeerDriver {
    if (!this.#driver) {
      throw new MultiplayerError("NOT_ACTIVE", `${what}() needs createServer() or createClient()`);
    }
    return this.#driver;
  }
  #requireConnected(what: string): void {
    if (this.#status !== ConnectionStatus.CONNECTED) {
      throw new MultiplayerError(
        "NOT_CONNECTED",
        `${what}() needs a connected peer (clients: after poll() dispatched connection_succeeded)`,
      );
    }
  }
  #putMode(): TransferMode {
    return this.alwaysOrdered && this.transferMode === TransferMode.UNRELIABLE
      ? TransferMode.UNRELIABLE_ORDERED
      : this.transferMode;
  }
  #assertInactive(what: string): void {
    if (this.#driver || this.#starting) {
      throw new MultiplayerError(
        "ALREADY_ACTIVE",
        `cannot change ${what} while the peer is active`,
      );
    }
  }

  /** Typed listener for the peer's events. */
  override addEventListener<K extends keyof MultiplayerPeerEventMap>(
    type: K,
    listener: (this: NetworkedMultiplayerPeer, event: MultiplayerPeerEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Untyped fallback. */
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
  }
  /** Typed removal. */
  override removeEventListener<K extends keyof MultiplayerPeerEventMap>(
    type: K,
    listener: (this: NetworkedMultiplayerPeer, event: MultiplayerPeerEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  /** Untyped fallback. */
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options);
  }
}
